//! Adding, editing, moving and removing mechanism steps, and their citations.

use async_graphql::{Context, ID, InputObject, Object};

use super::{Ids, MechanismPayload, MechanismStepPayload, RemoveInput, perform, subject};
use crate::domain::write::cap;
use crate::domain::write::contributions::Change;
use crate::domain::write::mechanisms::Removal;
use crate::domain::write::steps::{CitationChange, StepDraft, StepEdit, StepMove};
use crate::graphql::context::load_one;
use crate::graphql::ids::NodeType;
use crate::graphql::limits::{list_len, write_cost};
use crate::graphql::loaders::MechanismStepById;

/// A new step in a mechanism's chain.
#[derive(InputObject)]
pub struct StepAddInput {
    /// The mechanism's global ID.
    mechanism_id: ID,
    /// Where the step goes, 1 = first; last when left out. Later steps move down.
    position: Option<i32>,
    /// The step, as one or two sentences (at most 4,000 characters).
    text: String,
    /// The DOIs the step cites, in order, in any common spelling: at most 10, as a step cites at
    /// most 10 DOIs. A longer list is refused with `OUT_OF_RANGE` on this field.
    #[graphql(default)]
    citations: Vec<String>,
}

/// A step's new text.
#[derive(InputObject)]
pub struct StepUpdateInput {
    /// The step's global ID.
    id: ID,
    /// The step's `version` your change is based on.
    version: i32,
    /// The new text.
    text: String,
}

/// A step's new place in its mechanism.
#[derive(InputObject)]
pub struct StepMoveInput {
    /// The step's global ID.
    id: ID,
    /// The step's `version` your change is based on.
    version: i32,
    /// The new position, 1 = first; the steps in between shift by one.
    position: i32,
}

/// A DOI for a step to cite. A step cites at most 10 DOIs: an eleventh is refused with
/// `OUT_OF_RANGE` on `doi`.
#[derive(InputObject)]
pub struct CitationAddInput {
    /// The step's global ID.
    step_id: ID,
    /// The step's `version` your change is based on (its citations belong to it).
    version: i32,
    /// The DOI, in any common spelling.
    doi: String,
    /// Where the citation goes, 1 = first; last when left out.
    position: Option<i32>,
}

/// A DOI for a step to stop citing.
#[derive(InputObject)]
pub struct CitationRemoveInput {
    /// The step's global ID.
    step_id: ID,
    /// The step's `version` your change is based on.
    version: i32,
    /// The DOI, in any common spelling.
    doi: String,
}

/// Adding, editing, moving and removing mechanism steps, and their citations.
#[derive(Default)]
pub struct StepMutations;

#[Object]
impl StepMutations {
    /// Adds a step to a mechanism, with the DOIs it cites. Costs a point per citation, beside the
    /// payload.
    #[graphql(
        complexity = "write_cost(list_len(__ctx, __variables_definition, __field, \"input\", &[\"citations\"]), cap::CITATIONS_PER_STEP, child_complexity)"
    )]
    async fn step_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new step.")] input: StepAddInput,
    ) -> async_graphql::Result<MechanismStepPayload> {
        let mut ids = Ids::default();
        let mechanism_id = ids.decode("mechanismId", &input.mechanism_id, NodeType::Mechanism);
        let performed = perform(ctx, ids, || {
            Change::StepAdd(StepDraft {
                mechanism_id,
                position: input.position,
                text: input.text,
                citations: input.citations,
            })
        })
        .await?;
        MechanismStepPayload::of(ctx, performed, subject).await
    }

    /// Changes a step's text.
    async fn step_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: StepUpdateInput,
    ) -> async_graphql::Result<MechanismStepPayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::MechanismStep);
        let performed = perform(ctx, ids, || {
            Change::StepUpdate(StepEdit {
                id,
                version: input.version,
                text: input.text,
            })
        })
        .await?;
        MechanismStepPayload::of(ctx, performed, subject).await
    }

    /// Moves a step to another position in its mechanism.
    async fn step_move(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The move.")] input: StepMoveInput,
    ) -> async_graphql::Result<MechanismStepPayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::MechanismStep);
        let performed = perform(ctx, ids, || {
            Change::StepMove(StepMove {
                id,
                version: input.version,
                position: input.position,
            })
        })
        .await?;
        MechanismStepPayload::of(ctx, performed, subject).await
    }

    /// Removes a step and its citations; later steps move up. The payload holds the mechanism.
    async fn step_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The step to remove.")] input: RemoveInput,
    ) -> async_graphql::Result<MechanismPayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::MechanismStep);
        let version = input.version;
        // The step is gone afterwards: learn its mechanism first.
        let parent = match id {
            0 => None,
            id => load_one(ctx, MechanismStepById(id))
                .await?
                .map(|s| s.mechanism_id),
        };
        let performed = perform(ctx, ids, || Change::StepRemove(Removal { id, version })).await?;
        MechanismPayload::of(ctx, performed, |_| parent).await
    }

    /// Makes a step cite a DOI (created in the graph when it is new).
    async fn citation_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The citation.")] input: CitationAddInput,
    ) -> async_graphql::Result<MechanismStepPayload> {
        let mut ids = Ids::default();
        let step_id = ids.decode("stepId", &input.step_id, NodeType::MechanismStep);
        let performed = perform(ctx, ids, || {
            Change::CitationAdd(CitationChange {
                step_id,
                version: input.version,
                doi: input.doi,
                position: input.position,
            })
        })
        .await?;
        MechanismStepPayload::of(ctx, performed, subject).await
    }

    /// Makes a step stop citing a DOI; the DOI stays in the graph.
    async fn citation_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The citation.")] input: CitationRemoveInput,
    ) -> async_graphql::Result<MechanismStepPayload> {
        let mut ids = Ids::default();
        let step_id = ids.decode("stepId", &input.step_id, NodeType::MechanismStep);
        let performed = perform(ctx, ids, || {
            Change::CitationRemove(CitationChange {
                step_id,
                version: input.version,
                doi: input.doi,
                position: None,
            })
        })
        .await?;
        MechanismStepPayload::of(ctx, performed, subject).await
    }
}
