//! The `Event` object: one entry of the log every accepted change leaves.

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::event;
use serde_json::Value;

use super::curation::{diff, stored_node};
use super::{Contribution, FieldChange, User};
use crate::error::ApiError;
use crate::graphql::context::caller;
use crate::graphql::context::load_one;
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{ClaimById, ContributionById, UserById};
use crate::graphql::types::Claim;
use crate::graphql::types::Node;

/// One applied change in the audit log.
#[derive(Clone, Debug)]
pub struct Event(pub event::Model);

/// One applied change in the audit log: who did what to which node, when, and the values before and
/// after. Events are never edited or removed. The events a contribution left (its submission, the
/// change it applied, its review) are public once it is accepted; until then, and for good when it
/// is rejected, only its author and moderators see them.
#[Object(serial, cache_control(private))]
impl Event {
    /// The event's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Event, self.0.id).encode()
    }

    /// What happened, e.g. `claim.updated`, `evidence.added`, `contribution.accepted`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Who made the change; null for the seed loader.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, UserById(id)).await?.map(User))
    }

    /// The global ID of the node changed; it stays valid after a removal.
    async fn subject_id(&self) -> async_graphql::Result<ID> {
        match NodeType::from_name(&self.0.subject_type) {
            Some(node_type) => Ok(GlobalId::new(node_type, self.0.subject_id).encode()),
            None => Err(ApiError::Internal(anyhow::anyhow!(
                "event {} names an unknown type {:?}",
                self.0.id,
                self.0.subject_type
            ))
            .into()),
        }
    }

    /// The node changed, if it still exists (and, for a contribution, if the caller may see it).
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(stored_node(ctx, Some(&self.0.subject_type), Some(self.0.subject_id)).await?)
    }

    /// The claim whose history the event belongs to.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Claim>> {
        let Some(id) = self.0.claim_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, ClaimById(id)).await?.map(Claim))
    }

    /// The contribution the change came from, if the caller may see it.
    async fn contribution(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contribution>> {
        let Some(id) = self.0.contribution_id else {
            return Ok(None);
        };
        let row = load_one(ctx, ContributionById(id)).await?;
        Ok(row.filter(|c| caller(ctx).may_see(c)).map(Contribution))
    }

    /// The values the change replaced (only the fields it changed); null for a creation.
    async fn before(&self) -> Option<Json<Value>> {
        let text = self.0.before.as_deref()?;
        serde_json::from_str(text).ok().map(Json)
    }

    /// The values the change wrote (only the fields it changed); null for a removal.
    async fn after(&self) -> Option<Json<Value>> {
        let text = self.0.after.as_deref()?;
        serde_json::from_str(text).ok().map(Json)
    }

    /// The change field by field.
    async fn diff(&self) -> Vec<FieldChange> {
        diff(self.0.before.as_deref(), self.0.after.as_deref())
    }

    /// When the change was applied.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
