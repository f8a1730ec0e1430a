//! The `Contribution` object: a contributor's proposed change and its review.

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::contribution;
use serde_json::Value;

use super::curation::{diff, stored_node};
use super::{ContributionStatus, FieldChange, User};
use crate::graphql::context::load_one;
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{ClaimById, UserById};
use crate::graphql::types::Claim;
use crate::graphql::types::Node;

/// A contributor's proposed change and its review.
#[derive(Clone, Debug)]
pub struct Contribution(pub contribution::Model);

/// A contributor's proposed change, waiting for a moderator or reviewed by one. Only its author and
/// moderators can see it, whatever its status; to anyone else it does not exist.
#[Object(serial, cache_control(private))]
impl Contribution {
    /// The contribution's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Contribution, self.0.id).encode()
    }

    /// The mutation it asks for, e.g. `evidenceSubmit`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Where it is in review.
    async fn status(&self) -> ContributionStatus {
        self.0.status.into()
    }

    /// Who submitted it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_one(ctx, UserById(self.0.author_id)).await?.map(User))
    }

    /// The moderator who accepted or rejected it.
    async fn reviewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.reviewer_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, UserById(id)).await?.map(User))
    }

    /// Why it was rejected.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The claim it belongs to, when it belongs to one.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Claim>> {
        let Some(id) = self.0.claim_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, ClaimById(id)).await?.map(Claim))
    }

    /// The node it edits, or the node it created once accepted; null for a pending creation.
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(stored_node(ctx, self.0.subject_type.as_deref(), self.0.subject_id).await?)
    }

    /// What it changes, field by field, against the graph as it was when it was submitted.
    async fn diff(&self) -> Vec<FieldChange> {
        diff(self.0.before.as_deref(), Some(&self.0.after))
    }

    /// The change exactly as submitted (the mutation's input, with row IDs).
    async fn input(&self) -> Option<Json<Value>> {
        let stored: Value = serde_json::from_str(&self.0.change).ok()?;
        stored.get("input").cloned().map(Json)
    }

    /// When it was submitted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was accepted or rejected.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
}
