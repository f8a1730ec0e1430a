//! The `Role` enum: what a user may do.

use async_graphql::Enum;

/// What a user may do.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::Role")]
pub enum Role {
    /// Submits changes; they wait for a moderator.
    Contributor,
    /// Edits directly and reviews other people's contributions.
    Moderator,
    /// A moderator who also manages users (from the command line).
    Admin,
}
