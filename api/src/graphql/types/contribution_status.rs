//! The `ContributionStatus` enum: where a contribution stands in its review.

use async_graphql::Enum;

/// Where a contribution is in review.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::ContributionStatus")]
pub enum ContributionStatus {
    /// Waiting for a moderator; invisible to the public graph and its counts.
    Pending,
    /// Applied to the graph.
    Accepted,
    /// Turned down, with a reason.
    Rejected,
}
