//! `contribution`: a contributor's proposed change, waiting for (or past) a moderator's review.
//!
//! A pending change lives only here, as data; the graph's tables hold nothing unreviewed, so no
//! public read or count can see it before a moderator accepts it.

use sea_orm::entity::prelude::*;

use crate::values::ContributionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub author_id: i32,
    /// The mutation the contribution asks for, e.g. `evidenceSubmit`.
    pub action: String,
    /// The claim the change belongs to, when it belongs to one.
    pub claim_id: Option<i32>,
    /// The node an edit changes (`Claim`, `Mechanism`, ...); none for a creation.
    pub subject_type: Option<String>,
    pub subject_id: Option<i32>,
    /// The change itself, as JSON, applied through the same domain functions on acceptance.
    pub change: String,
    /// The subject's values before the change (JSON), for the diff; none for a creation.
    pub before: Option<String>,
    /// The proposed values (JSON), for the diff.
    pub after: String,
    pub status: ContributionStatus,
    /// Why a moderator rejected it; required for a rejection.
    pub reason: Option<String>,
    pub reviewer_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub reviewed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    Author,
}

impl ActiveModelBehavior for ActiveModel {}
