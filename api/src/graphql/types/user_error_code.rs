//! The `UserErrorCode` enum: the kind of mistake a mutation input holds.

use async_graphql::Enum;

/// The kind of mistake a field of a mutation's input holds.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::write::FieldErrorCode")]
pub enum UserErrorCode {
    /// The field is missing or blank.
    Required,
    /// The text is longer than allowed.
    TooLong,
    /// The value is malformed (a DOI, a slug, an ID).
    Invalid,
    /// The value is outside its allowed range (a position, a year).
    OutOfRange,
    /// The ID or DOI names nothing that exists.
    NotFound,
    /// The value must be unique and is already used.
    Taken,
    /// The contribution was accepted or rejected already, perhaps by another moderator a moment
    /// before; the message says which.
    AlreadyReviewed,
}
