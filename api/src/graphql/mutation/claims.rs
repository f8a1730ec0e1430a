//! Creating and editing claims.

use async_graphql::{Context, ID, InputObject, Object};

use super::{ClaimPayload, Ids, perform, subject};
use crate::domain::write::claims::{ClaimDraft, ClaimEdit};
use crate::domain::write::contributions::Change;
use crate::graphql::enums::EffectDirection;
use crate::graphql::ids::NodeType;

/// A new claim.
#[derive(InputObject)]
pub struct ClaimCreateInput {
    /// The URL handle: lower-case words joined by hyphens, unique, at most 100 characters. It never
    /// changes once the claim exists.
    slug: String,
    /// The claim as one sentence (at most 2,000 characters).
    statement: String,
    /// PICO: who the claim is about (at most 500 characters).
    population: String,
    /// PICO: what is done to them (at most 500 characters).
    intervention: String,
    /// PICO: what it is compared with (at most 500 characters).
    comparator: String,
    /// PICO: what is measured (at most 500 characters).
    outcome: String,
    /// Which way the evidence points, where known.
    effect_direction: Option<EffectDirection>,
    /// The plain-language synthesis (at most 10,000 characters).
    synthesis: String,
}

/// Changes to a claim; fields left out keep their value.
#[derive(InputObject)]
pub struct ClaimUpdateInput {
    /// The claim's global ID.
    id: ID,
    /// The claim's `version` your change is based on; a stale one is a CONFLICT.
    version: i32,
    /// The claim as one sentence.
    statement: Option<String>,
    /// PICO: who the claim is about.
    population: Option<String>,
    /// PICO: what is done to them.
    intervention: Option<String>,
    /// PICO: what it is compared with.
    comparator: Option<String>,
    /// PICO: what is measured.
    outcome: Option<String>,
    /// Which way the evidence points.
    effect_direction: Option<EffectDirection>,
    /// The plain-language synthesis.
    synthesis: Option<String>,
}

/// Creating and editing claims.
#[derive(Default)]
pub struct ClaimMutations;

#[Object]
impl ClaimMutations {
    /// Creates a claim: its statement, PICO and synthesis. Mechanisms and evidence follow with
    /// `mechanismAdd` and `evidenceSubmit`.
    async fn claim_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new claim.")] input: ClaimCreateInput,
    ) -> async_graphql::Result<ClaimPayload> {
        let performed = perform(ctx, Ids::default(), || {
            Change::ClaimCreate(ClaimDraft {
                slug: input.slug,
                statement: input.statement,
                population: input.population,
                intervention: input.intervention,
                comparator: input.comparator,
                outcome: input.outcome,
                effect_direction: input.effect_direction.map(Into::into),
                synthesis: input.synthesis,
            })
        })
        .await?;
        ClaimPayload::of(ctx, performed, subject).await
    }

    /// Edits a claim's statement, PICO, effect direction or synthesis.
    async fn claim_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: ClaimUpdateInput,
    ) -> async_graphql::Result<ClaimPayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::Claim);
        let performed = perform(ctx, ids, || {
            Change::ClaimUpdate(ClaimEdit {
                id,
                version: input.version,
                statement: input.statement,
                population: input.population,
                intervention: input.intervention,
                comparator: input.comparator,
                outcome: input.outcome,
                effect_direction: input.effect_direction.map(Into::into),
                synthesis: input.synthesis,
            })
        })
        .await?;
        ClaimPayload::of(ctx, performed, subject).await
    }
}
