//! `event`: one applied change in the audit log: who, what, which node, before and after, when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Who made the change; none for the seed loader.
    pub actor_id: Option<i32>,
    /// What happened, e.g. `claim.updated`, `contribution.accepted`.
    pub action: String,
    /// The node changed: its GraphQL type name and row id.
    pub subject_type: String,
    pub subject_id: i32,
    /// The claim whose history the event belongs to, when it belongs to one.
    pub claim_id: Option<i32>,
    /// The contribution the change came from, when a moderator accepted one.
    pub contribution_id: Option<i32>,
    /// The subject's values before and after (JSON); none before a creation or after a removal.
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user who made the change.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ActorId",
        to = "super::user::Column::Id"
    )]
    Actor,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
