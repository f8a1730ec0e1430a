//! The `User` object: an account, and what of it the caller may see.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::user;

use super::Role;
use crate::graphql::context::caller;
use crate::graphql::ids::{GlobalId, NodeType};

/// A person who signs requests with an API token.
#[derive(Clone, Debug)]
pub struct User(pub user::Model);

impl User {
    /// Whether the caller may see more of this user than the name.
    fn shows_account(&self, ctx: &Context<'_>) -> bool {
        caller(ctx).viewer().may_see_account(self.0.id)
    }
}

/// A person who signs requests with an API token. Public about a user is only their name, and only
/// once they are seen making a change (as the actor of an event the caller may see); until then
/// the user is visible to themself and to moderators alone, and `node(id:)` answers null to anyone
/// else. Their role and the account's age are for themself and moderators.
#[Object(serial, cache_control(private))]
impl User {
    /// The user's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::User, self.0.id).encode()
    }

    /// The user's handle, shown next to the changes they made.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the user may do; null unless the caller is this user or a moderator.
    async fn role(&self, ctx: &Context<'_>) -> Option<Role> {
        self.shows_account(ctx).then(|| self.0.role.into())
    }

    /// When the account was created; null unless the caller is this user or a moderator.
    async fn created_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        self.shows_account(ctx).then_some(self.0.created_at)
    }
}
