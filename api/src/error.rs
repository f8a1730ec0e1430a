//! The API's error type, named after what happened, and its one mapping to GraphQL errors.
//!
//! Every error a client sees carries `extensions.code`; a caller's mistake also names the argument
//! at fault in `extensions.field`. An internal failure is logged here, once, with its cause, and
//! reaches the client only as a generic `INTERNAL_SERVER_ERROR`: no SQL, path or type name leaks.

use async_graphql::ErrorExtensions;

/// What went wrong while answering a request.
///
/// It deliberately has no `Display`: async-graphql turns anything displayable into a client-visible
/// message, and an internal cause must never become one. The only way out is the `From` below.
#[derive(Debug)]
pub enum ApiError {
    /// The caller sent a value the API cannot use; `field` names the argument at fault.
    BadUserInput { field: String, message: String },
    /// A list argument is longer than its documented cap, or a value lies outside its documented
    /// range; `field` names it.
    OutOfRange { field: String, message: String },
    /// The caller's earlier writes (or everyone's) hold the write path; nothing was tried.
    TooManyWrites(String),
    /// The request needs a signed-in user, or its token is malformed, unknown or revoked.
    Unauthenticated(String),
    /// The signed-in user may not do this.
    Forbidden(String),
    /// An edit was based on `based_on`, but the node is at version `current` now; nothing changed.
    Conflict {
        field: String,
        based_on: i32,
        current: i32,
    },
    /// Something the server depends on failed; the cause stays in the log.
    Internal(anyhow::Error),
}

/// The stable codes clients branch on, as sent in `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The caller sent a value the API cannot use.
    BadUserInput,
    /// A list argument is longer than its documented cap, or a value outside its range.
    OutOfRange,
    /// A write could not start in time behind the caller's earlier writes (or everyone's).
    TooManyWrites,
    /// The document is not GraphQL.
    GraphqlParseFailed,
    /// The document is GraphQL but not valid against the schema.
    GraphqlValidationFailed,
    /// The request needs a valid API token.
    Unauthenticated,
    /// The caller's role does not allow the action.
    Forbidden,
    /// An edit was based on an outdated version.
    Conflict,
    /// The query asks for more than the server's limits allow (depth, complexity, aliases, ...).
    QueryTooComplex,
    /// The request ran past the server's request timeout.
    Timeout,
    /// The client has spent its rate-limit budget for the current window.
    RateLimited,
    /// An automatic persisted query's hash names no document the server holds: send the query too.
    PersistedQueryNotFound,
    /// The request names a persisted query, and this server keeps none.
    PersistedQueryNotSupported,
    /// In trusted documents mode, the request sent its own document instead of naming a trusted one.
    TrustedDocumentRequired,
    /// The server failed; the cause is in its log.
    InternalServerError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::OutOfRange => "OUT_OF_RANGE",
            ErrorCode::TooManyWrites => "TOO_MANY_WRITES",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            ErrorCode::TrustedDocumentRequired => "TRUSTED_DOCUMENT_REQUIRED",
            ErrorCode::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl ApiError {
    /// A caller's mistake in the argument `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A value of the argument `field` outside its documented range.
    pub fn out_of_range(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::OutOfRange {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A list argument `field` longer than `cap` items.
    pub fn list_too_long(field: impl Into<String>, len: usize, cap: usize) -> Self {
        ApiError::OutOfRange {
            field: field.into(),
            message: format!("At most {cap} items are allowed; this list has {len}."),
        }
    }

    /// The message a client may see.
    pub fn message(&self) -> &str {
        match self {
            ApiError::BadUserInput { message, .. }
            | ApiError::OutOfRange { message, .. }
            | ApiError::TooManyWrites(message)
            | ApiError::Unauthenticated(message)
            | ApiError::Forbidden(message) => message,
            ApiError::Conflict { .. } => CONFLICT_MESSAGE,
            ApiError::Internal(_) => INTERNAL_MESSAGE,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadUserInput { .. } => ErrorCode::BadUserInput,
            ApiError::OutOfRange { .. } => ErrorCode::OutOfRange,
            ApiError::TooManyWrites(_) => ErrorCode::TooManyWrites,
            ApiError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::Conflict { .. } => ErrorCode::Conflict,
            ApiError::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::Internal(err.into())
    }
}

impl From<std::sync::Arc<sea_orm::DbErr>> for ApiError {
    fn from(err: std::sync::Arc<sea_orm::DbErr>) -> Self {
        ApiError::Internal(anyhow::anyhow!(err.to_string()))
    }
}

/// The message of a CONFLICT error; `extensions.currentVersion` says what to re-read.
pub const CONFLICT_MESSAGE: &str = "Someone changed this since the version your edit was based on; nothing was changed. Re-read it and try again.";

/// The client-visible message of an internal error.
pub const INTERNAL_MESSAGE: &str = "The server could not answer this request. The failure has been logged.";

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code().as_str();
        match err {
            ApiError::BadUserInput { field, message } | ApiError::OutOfRange { field, message } => {
                async_graphql::Error::new(message).extend_with(|_, ext| {
                    ext.set("code", code);
                    ext.set("field", field);
                })
            }
            ApiError::Unauthenticated(message)
            | ApiError::Forbidden(message)
            | ApiError::TooManyWrites(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
            }
            ApiError::Conflict {
                field,
                based_on,
                current,
            } => async_graphql::Error::new(CONFLICT_MESSAGE).extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("field", field);
                ext.set("basedOnVersion", based_on);
                ext.set("currentVersion", current);
            }),
            ApiError::Internal(cause) => {
                tracing::error!(
                    error.code = code,
                    error.cause = format!("{cause:#}"),
                    "request failed"
                );
                async_graphql::Error::new(INTERNAL_MESSAGE).extend_with(|_, ext| ext.set("code", code))
            }
        }
    }
}

/// Result of a resolver or domain call.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn extension(err: &async_graphql::Error, key: &str) -> Option<String> {
        let value = err.extensions.as_ref()?.get(key)?;
        match value {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    #[test]
    fn bad_input_maps_to_bad_user_input_with_its_field() {
        let err: async_graphql::Error = ApiError::bad_input("value", "not a DOI").into();
        assert_eq!(err.message, "not a DOI");
        assert_eq!(extension(&err, "code").as_deref(), Some("BAD_USER_INPUT"));
        assert_eq!(extension(&err, "field").as_deref(), Some("value"));
    }

    #[test]
    fn a_list_over_its_cap_maps_to_out_of_range_with_its_field() {
        let err: async_graphql::Error = ApiError::list_too_long("ids", 101, 100).into();
        assert_eq!(extension(&err, "code").as_deref(), Some("OUT_OF_RANGE"));
        assert_eq!(extension(&err, "field").as_deref(), Some("ids"));
        assert!(err.message.contains("100"), "{}", err.message);
    }

    #[test]
    fn a_busy_write_path_maps_to_too_many_writes() {
        let err: async_graphql::Error = ApiError::TooManyWrites("wait".into()).into();
        assert_eq!(
            (err.message.as_str(), extension(&err, "code").as_deref()),
            ("wait", Some("TOO_MANY_WRITES"))
        );
    }

    #[test]
    fn a_conflict_names_the_current_version() {
        let err: async_graphql::Error = ApiError::Conflict {
            field: "input.version".into(),
            based_on: 1,
            current: 3,
        }
        .into();
        assert_eq!(extension(&err, "code").as_deref(), Some("CONFLICT"));
        assert_eq!(extension(&err, "field").as_deref(), Some("input.version"));
        let current = err
            .extensions
            .as_ref()
            .and_then(|e| e.get("currentVersion"))
            .cloned();
        assert_eq!(current, Some(async_graphql::Value::from(3)));
    }

    #[test]
    fn authentication_and_permission_errors_keep_their_message() {
        let err: async_graphql::Error = ApiError::Unauthenticated("sign in".into()).into();
        assert_eq!(
            (err.message.as_str(), extension(&err, "code").as_deref()),
            ("sign in", Some("UNAUTHENTICATED"))
        );
        let err: async_graphql::Error = ApiError::Forbidden("moderators only".into()).into();
        assert_eq!(extension(&err, "code").as_deref(), Some("FORBIDDEN"));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let db = sea_orm::DbErr::Custom("SELECT secret FROM claim /tmp/x.sqlite".into());
        let err: async_graphql::Error = ApiError::from(db).into();
        assert_eq!(err.message, INTERNAL_MESSAGE);
        assert_eq!(extension(&err, "code").as_deref(), Some("INTERNAL_SERVER_ERROR"));
        assert!(extension(&err, "field").is_none());
    }
}
