//! `api_token`: a user's API token, kept only as a hash of its secret.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// What the owner calls the token ("laptop", "ci"), to tell tokens apart when revoking.
    pub label: String,
    /// SHA-256 of the secret, hex; the secret itself is shown once and never stored.
    #[sea_orm(unique)]
    pub secret_hash: String,
    /// The secret's first characters, safe to show, so an owner can recognise a token.
    pub prefix: String,
    pub created_at: DateTimeUtc,
    /// Set when the token is revoked; a revoked token never authenticates again.
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
