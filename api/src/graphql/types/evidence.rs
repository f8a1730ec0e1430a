//! The `Evidence` object: one study's stance on one claim.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::evidence;

use super::{Claim, Study};
use crate::graphql::context::load_required;
use crate::graphql::enums::Stance;
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{ClaimById, StudyById};

/// The GraphQL `Evidence` object over one `evidence` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Evidence(pub evidence::Model);

/// A study's stance on a claim: the edge between the two, with its own ID.
#[Object(serial)]
impl Evidence {
    /// The evidence row's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Evidence, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Whether the study supports or contradicts the claim.
    async fn stance(&self) -> Stance {
        self.0.stance.into()
    }

    /// A curator's note on why the study takes this stance, when given.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// When this evidence was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The claim the study bears on.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Claim> {
        Ok(Claim(
            load_required(ctx, ClaimById(self.0.claim_id), "claim").await?,
        ))
    }

    /// The study.
    async fn study(&self, ctx: &Context<'_>) -> async_graphql::Result<Study> {
        Ok(Study(
            load_required(ctx, StudyById(self.0.study_id), "study").await?,
        ))
    }
}
