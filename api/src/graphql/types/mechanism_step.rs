//! The `MechanismStep` object: one step of a mechanism, with the DOIs it cites.

use async_graphql::{Context, ID, Object};
use entity::mechanism_step;

use super::{Doi, Mechanism};
use crate::graphql::context::{load_list, load_required};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{DoisCitedByStep, MechanismById};

/// The GraphQL `MechanismStep` object over one `mechanism_step` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct MechanismStep(pub mechanism_step::Model);

/// One step of a mechanism's causal chain, with the DOIs it cites.
#[Object(serial)]
impl MechanismStep {
    /// The step's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::MechanismStep, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// 1-based place of the step in its mechanism.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The step as one sentence, without its citation marker (see `citations`).
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The DOIs the step cites, in citation order.
    #[graphql(complexity = "crate::graphql::limits::EXPECTED_CITATIONS * child_complexity")]
    async fn citations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Doi>> {
        Ok(load_list(ctx, DoisCitedByStep(self.0.id))
            .await?
            .into_iter()
            .map(Doi)
            .collect())
    }

    /// The mechanism this step belongs to.
    async fn mechanism(&self, ctx: &Context<'_>) -> async_graphql::Result<Mechanism> {
        Ok(Mechanism(
            load_required(ctx, MechanismById(self.0.mechanism_id), "mechanism").await?,
        ))
    }
}
