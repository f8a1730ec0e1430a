//! The `Mechanism` object: one way a claim may come about, an ordered chain of steps.

use async_graphql::{Context, ID, Object};
use entity::mechanism;

use super::{Claim, MechanismStep};
use crate::graphql::context::{load_list, load_required};
use crate::graphql::enums::Support;
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{ClaimById, MechanismStepsByMechanism};

/// The GraphQL `Mechanism` object over one `mechanism` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Mechanism(pub mechanism::Model);

/// A possible explanation of a claim: a ranked, ordered chain of steps.
#[Object(serial)]
impl Mechanism {
    /// The mechanism's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Mechanism, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// 1 for the most probable mechanism, then by decreasing support.
    async fn rank(&self) -> i32 {
        self.0.rank
    }

    /// How well current evidence supports this mechanism.
    async fn support(&self) -> Support {
        self.0.support.into()
    }

    /// An optional short name for the mechanism.
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }

    /// The plain-language paragraph that introduces the mechanism.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The mechanism's steps, in causal order (by position).
    #[graphql(complexity = "crate::graphql::limits::EXPECTED_STEPS * child_complexity")]
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MechanismStep>> {
        Ok(load_list(ctx, MechanismStepsByMechanism(self.0.id))
            .await?
            .into_iter()
            .map(MechanismStep)
            .collect())
    }

    /// The claim this mechanism may explain.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Claim> {
        Ok(Claim(
            load_required(ctx, ClaimById(self.0.claim_id), "claim").await?,
        ))
    }
}
