//! Submitting, editing and removing evidence: a study's stance on a claim.

use async_graphql::{Context, ID, InputObject, Object};

use super::studies::StudyFactsInput;
use super::{ClaimPayload, EvidencePayload, Ids, RemoveInput, claim_of, perform, subject};
use crate::domain::write::contributions::Change;
use crate::domain::write::evidence::{EvidenceDraft, EvidenceEdit};
use crate::domain::write::mechanisms::Removal;
use crate::graphql::enums::Stance;
use crate::graphql::ids::NodeType;

/// A study's stance on a claim.
#[derive(InputObject)]
pub struct EvidenceSubmitInput {
    /// The claim's global ID.
    claim_id: ID,
    /// The study's DOI, in any common spelling.
    doi: String,
    /// Whether the study supports or contradicts the claim.
    stance: Stance,
    /// Why the study takes this stance (at most 4,000 characters).
    note: Option<String>,
    /// The study's facts, when the graph has no study for the DOI yet.
    study: Option<StudyFactsInput>,
}

/// Changes to an evidence row; fields left out keep their value.
#[derive(InputObject)]
pub struct EvidenceUpdateInput {
    /// The evidence's global ID.
    id: ID,
    /// The evidence's `version` your change is based on.
    version: i32,
    /// The study's stance.
    stance: Option<Stance>,
    /// The note; an empty string removes it.
    note: Option<String>,
}

/// Submitting, editing and removing evidence: a study's stance on a claim.
#[derive(Default)]
pub struct EvidenceMutations;

#[Object]
impl EvidenceMutations {
    /// Records a study's stance on a claim, by the study's DOI; give the study's facts in `study`
    /// when the graph does not know it yet.
    async fn evidence_submit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The evidence.")] input: EvidenceSubmitInput,
    ) -> async_graphql::Result<EvidencePayload> {
        let mut ids = Ids::default();
        let claim_id = ids.decode("claimId", &input.claim_id, NodeType::Claim);
        let performed = perform(ctx, ids, || {
            let study = input.study.map(|facts| facts.draft(input.doi.clone(), None));
            Change::EvidenceSubmit(EvidenceDraft {
                claim_id,
                doi: input.doi,
                stance: input.stance.into(),
                note: input.note,
                study,
            })
        })
        .await?;
        EvidencePayload::of(ctx, performed, subject).await
    }

    /// Changes an evidence row's stance or note.
    async fn evidence_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: EvidenceUpdateInput,
    ) -> async_graphql::Result<EvidencePayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::Evidence);
        let performed = perform(ctx, ids, || {
            Change::EvidenceUpdate(EvidenceEdit {
                id,
                version: input.version,
                stance: input.stance.map(Into::into),
                note: input.note,
            })
        })
        .await?;
        EvidencePayload::of(ctx, performed, subject).await
    }

    /// Removes an evidence row; the study stays. The payload holds the claim.
    async fn evidence_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The evidence to remove.")] input: RemoveInput,
    ) -> async_graphql::Result<ClaimPayload> {
        let mut ids = Ids::default();
        let id = ids.decode("id", &input.id, NodeType::Evidence);
        let version = input.version;
        let performed = perform(ctx, ids, || Change::EvidenceRemove(Removal { id, version })).await?;
        ClaimPayload::of(ctx, performed, claim_of).await
    }
}
