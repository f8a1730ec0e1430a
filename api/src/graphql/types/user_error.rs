//! The `UserError` object: a mistake in a mutation's input, for the caller to fix.

use async_graphql::SimpleObject;

use super::UserErrorCode;
use crate::domain::write::{FieldError, FieldErrorCode};
use crate::error::ApiError;

/// A mistake in a mutation's input, for the caller to fix; nothing was changed.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// The path to the field at fault, from the mutation's argument: `["input", "slug"]`.
    pub field: Vec<String>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// The kind of mistake, for clients that branch on it.
    pub code: UserErrorCode,
}

impl From<FieldError> for UserError {
    fn from(error: FieldError) -> Self {
        let mut field = vec!["input".to_owned()];
        field.extend(error.field);
        UserError {
            field,
            message: error.message,
            code: error.code.into(),
        }
    }
}

impl UserError {
    /// An ID argument that does not decode, or names another type.
    pub fn bad_id(field: &str, err: ApiError) -> Self {
        FieldError::new(field, FieldErrorCode::Invalid, err.message().to_owned()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_are_rooted_at_the_input_argument() {
        let error: UserError = FieldError::new("citations.2", FieldErrorCode::Invalid, "not a DOI").into();
        assert_eq!(error.field, ["input", "citations", "2"]);
        assert_eq!(error.code, UserErrorCode::Invalid);
    }
}
