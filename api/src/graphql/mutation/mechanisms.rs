//! Adding, editing, ordering and removing a claim's mechanisms.

use async_graphql::{Context, ID, InputObject, Object};

use super::{ClaimPayload, Ids, MechanismPayload, Performed, RemoveInput, claim_of, perform, subject};
use crate::domain::write::contributions::Change;
use crate::domain::write::mechanisms::{MechanismDraft, MechanismEdit, MechanismOrder, Removal};
use crate::domain::write::{cap, list_over_cap};
use crate::graphql::context::caller;
use crate::graphql::enums::Support;
use crate::graphql::ids::NodeType;
use crate::graphql::limits::{list_len, write_cost};

/// A new mechanism for a claim. A claim holds at most 10 mechanisms: an eleventh is refused with
/// `OUT_OF_RANGE` on `claimId`.
#[derive(InputObject)]
pub struct MechanismAddInput {
    /// The claim's global ID.
    claim_id: ID,
    /// Where the mechanism goes, 1 = most probable; after the others when left out. Later
    /// mechanisms move down.
    rank: Option<i32>,
    /// How well current evidence supports it.
    support: Support,
    /// A short name (at most 200 characters).
    label: Option<String>,
    /// The plain-language paragraph that introduces it (at most 10,000 characters).
    summary: String,
}

/// Changes to a mechanism; fields left out keep their value.
#[derive(InputObject)]
pub struct MechanismUpdateInput {
    /// The mechanism's global ID.
    id: ID,
    /// The mechanism's `version` your change is based on.
    version: i32,
    /// How well current evidence supports it.
    support: Option<Support>,
    /// A short name; an empty string removes it.
    label: Option<String>,
    /// The plain-language paragraph.
    summary: Option<String>,
}

/// A claim's mechanisms in a new order.
#[derive(InputObject)]
pub struct MechanismReorderInput {
    /// The claim's global ID.
    claim_id: ID,
    /// The claim's `version` your order is based on (the order belongs to the claim).
    version: i32,
    /// Every mechanism of the claim, each once, most probable first: at most 10, as a claim holds
    /// at most 10 mechanisms. A longer list is refused with `OUT_OF_RANGE` on this field.
    mechanism_ids: Vec<ID>,
}

/// Adding, editing, ordering and removing a claim's mechanisms.
#[derive(Default)]
pub struct MechanismMutations;

#[Object]
impl MechanismMutations {
    /// Adds a mechanism to a claim.
    async fn mechanism_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new mechanism.")] input: MechanismAddInput,
    ) -> async_graphql::Result<MechanismPayload> {
        let mut ids = Ids::default();
        let claim_id = ids.decode("claimId", &input.claim_id, NodeType::Claim);
        let performed = perform(ctx, ids, || {
            Change::MechanismAdd(MechanismDraft {
                claim_id,
                rank: input.rank,
                support: input.support.into(),
                label: input.label,
                summary: input.summary,
            })
        })
        .await?;
        MechanismPayload::of(ctx, performed, subject).await
    }

    /// Edits a mechanism's support, label or summary.
    async fn mechanism_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: MechanismUpdateInput,
    ) -> async_graphql::Result<MechanismPayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::Mechanism);
        let performed = perform(ctx, ids, || {
            Change::MechanismUpdate(MechanismEdit {
                id,
                version: input.version,
                support: input.support.map(Into::into),
                label: input.label,
                summary: input.summary,
            })
        })
        .await?;
        MechanismPayload::of(ctx, performed, subject).await
    }

    /// Puts a claim's mechanisms in a new order. Costs a point per ID listed, beside the payload.
    #[graphql(
        complexity = "write_cost(list_len(__ctx, __variables_definition, __field, \"input\", &[\"mechanismIds\"]), cap::MECHANISMS_PER_CLAIM, child_complexity)"
    )]
    async fn mechanism_reorder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new order.")] input: MechanismReorderInput,
    ) -> async_graphql::Result<ClaimPayload> {
        // A list over its cap is refused before its IDs are decoded (each bad one is an error).
        let len = input.mechanism_ids.len();
        let over = list_over_cap(
            "mechanismIds",
            len,
            cap::MECHANISMS_PER_CLAIM,
            "mechanisms per claim",
        );
        if let Some(error) = over {
            caller(ctx).actor()?;
            return ClaimPayload::of(ctx, Performed::Refused(vec![error.into()]), claim_of).await;
        }
        let mut ids = Ids::default();
        let claim_id = ids.decode("claimId", &input.claim_id, NodeType::Claim);
        let mechanism_ids: Vec<i32> = input
            .mechanism_ids
            .iter()
            .enumerate()
            .map(|(i, id)| ids.decode(&format!("mechanismIds.{i}"), id, NodeType::Mechanism))
            .collect();
        let performed = perform(ctx, ids, || {
            Change::MechanismReorder(MechanismOrder {
                claim_id,
                version: input.version,
                mechanism_ids,
            })
        })
        .await?;
        ClaimPayload::of(ctx, performed, claim_of).await
    }

    /// Removes a mechanism with its steps and their citations (the DOIs stay); later mechanisms
    /// move up. The payload holds the claim.
    async fn mechanism_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mechanism to remove.")] input: RemoveInput,
    ) -> async_graphql::Result<ClaimPayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::Mechanism);
        let version = input.version;
        let performed = perform(ctx, ids, || Change::MechanismRemove(Removal { id, version })).await?;
        ClaimPayload::of(ctx, performed, claim_of).await
    }
}
