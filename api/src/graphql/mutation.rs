//! The mutation root: every change to the graph, named object-first (`claimCreate`, `stepMove`).
//!
//! Each mutation takes one `input` object and returns a payload with the changed node and
//! `userErrors` (the caller's mistakes, each with its field; nothing was changed). A contributor's
//! change is not applied: the payload's node is null and `contribution` holds it until a moderator
//! accepts it. Missing or bad tokens are UNAUTHENTICATED errors, a role that may not act is
//! FORBIDDEN, and an edit based on a stale `version` is a CONFLICT error naming the current one.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::contribution;

use crate::domain::write::claims::{ClaimDraft, ClaimEdit};
use crate::domain::write::contributions::{self, Change, Outcome};
use crate::domain::write::evidence::{EvidenceDraft, EvidenceEdit};
use crate::domain::write::mechanisms::{MechanismDraft, MechanismEdit, MechanismOrder, Removal};
use crate::domain::write::steps::{CitationChange, StepDraft, StepEdit, StepMove};
use crate::domain::write::studies::StudyDraft;
use crate::domain::write::{Applied, WriteError, cap, list_over_cap};
use crate::error::{ApiError, ApiResult};
use crate::graphql::curation::{Contribution, UserError, caller};
use crate::graphql::enums::{EffectDirection, Stance, StudyDesign, Support};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::limits::{list_len, write_cost};
use crate::graphql::loaders::{ClaimById, EvidenceById, MechanismById, MechanismStepById, StudyById};
use crate::graphql::node::Node;
use crate::graphql::types::{Claim, Evidence, Mechanism, MechanismStep, Study};
use crate::graphql::{database, forget_loaded, load_one, write_gate};

/// Changes to the claim graph. Every mutation needs an API token.
pub struct Mutation;

/// Decodes the global IDs of an input, collecting a user error for each bad one.
#[derive(Default)]
struct Ids {
    errors: Vec<UserError>,
}

impl Ids {
    fn decode(&mut self, field: &str, id: &ID, expected: NodeType) -> i32 {
        match GlobalId::decode_as(&format!("input.{field}"), id, expected) {
            Ok(id) => id,
            Err(err) => {
                self.errors.push(UserError::bad_id(field, err));
                0
            }
        }
    }
}

/// What became of a mutation, before its payload is built.
enum Performed {
    Applied(Applied),
    Submitted(contribution::Model),
    Refused(Vec<UserError>),
}

/// Makes `change` as the caller: applied, submitted for review, or refused with user errors.
async fn perform(ctx: &Context<'_>, ids: Ids, change: impl FnOnce() -> Change) -> ApiResult<Performed> {
    let actor = caller(ctx).actor()?;
    if !ids.errors.is_empty() {
        return Ok(Performed::Refused(ids.errors));
    }
    let change = change();
    if let Err(err) = change.check_lists() {
        return refused(err);
    }
    let pass = match write_gate(ctx)?.enter(actor).await {
        Ok(pass) => pass,
        Err(err) => return refused(err),
    };
    let db = database(ctx)?.clone();
    let write = async move {
        let outcome = contributions::perform(&db, actor, &change).await;
        drop(pass);
        outcome
    };
    match detached(write).await? {
        Ok(Outcome::Applied(applied)) => {
            forget_loaded(ctx)?;
            Ok(Performed::Applied(applied))
        }
        Ok(Outcome::Submitted(row)) => Ok(Performed::Submitted(row)),
        Err(err) => refused(err),
    }
}

/// Runs a write on a task of its own, so that a request dropped half-way (its client gone, its
/// timeout hit) cannot drop the transaction between two statements: the write still ends with a
/// commit or a rollback, never with a session left holding its locks.
async fn detached<T: Send + 'static>(write: impl Future<Output = T> + Send + 'static) -> ApiResult<T> {
    tokio::spawn(write)
        .await
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("a write task failed: {err}")))
}

/// Splits a write error into the caller's input mistakes (a payload) and request errors.
fn refused(err: WriteError) -> ApiResult<Performed> {
    match err {
        WriteError::Invalid(errors) => Ok(Performed::Refused(
            errors.into_iter().map(UserError::from).collect(),
        )),
        WriteError::Conflict {
            field,
            based_on,
            current,
        } => Err(ApiError::Conflict {
            field: format!("input.{}", field.join(".")),
            based_on,
            current,
        }),
        WriteError::Forbidden(message) => Err(ApiError::Forbidden(message)),
        WriteError::Busy(message) => Err(ApiError::TooManyWrites(message)),
        WriteError::Db(err) => Err(err.into()),
    }
}

/// Declares a mutation payload whose changed node is `$field: $node`.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident, $field:ident: $node:ident by $key:ident, $field_doc:literal) => {
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub struct $name {
            #[doc = $field_doc]
            pub $field: Option<$node>,
            /// The contribution holding the change when the caller is a contributor: the change waits
            /// for a moderator and the graph is unchanged until then.
            pub contribution: Option<Contribution>,
            /// The caller's mistakes, each with its field; when there are any, nothing was changed.
            pub user_errors: Vec<UserError>,
        }

        impl $name {
            /// The payload of `performed`, whose changed node has the row id `changed`.
            async fn of(
                ctx: &Context<'_>,
                performed: Performed,
                changed: impl FnOnce(&Applied) -> Option<i32>,
            ) -> async_graphql::Result<Self> {
                let mut payload = $name {
                    $field: None,
                    contribution: None,
                    user_errors: Vec::new(),
                };
                match performed {
                    Performed::Applied(applied) => {
                        if let Some(id) = changed(&applied) {
                            payload.$field = load_one(ctx, $key(id)).await?.map($node);
                        }
                    }
                    Performed::Submitted(row) => payload.contribution = Some(Contribution(row)),
                    Performed::Refused(errors) => payload.user_errors = errors,
                }
                Ok(payload)
            }
        }
    };
}

payload!(
    /// The result of a change to a claim or to its list of mechanisms or evidence.
    ClaimPayload, claim: Claim by ClaimById, "The claim as it is now; null when the change waits for review or was refused."
);
payload!(
    /// The result of a change to a mechanism or to its list of steps.
    MechanismPayload, mechanism: Mechanism by MechanismById, "The mechanism as it is now; null when the change waits for review or was refused."
);
payload!(
    /// The result of a change to a step or to its citations.
    MechanismStepPayload, step: MechanismStep by MechanismStepById, "The step as it is now; null when the change waits for review or was refused."
);
payload!(
    /// The result of a change to a study.
    StudyPayload, study: Study by StudyById, "The study as it is now; null when the change waits for review or was refused."
);
payload!(
    /// The result of a change to an evidence row.
    EvidencePayload, evidence: Evidence by EvidenceById, "The evidence as it is now; null when the change waits for review or was refused."
);

fn subject(applied: &Applied) -> Option<i32> {
    Some(applied.subject.id)
}

fn claim_of(applied: &Applied) -> Option<i32> {
    applied.claim_id
}

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

/// A node to remove.
#[derive(InputObject)]
pub struct RemoveInput {
    /// The node's global ID.
    id: ID,
    /// The node's `version` you saw; a stale one is a CONFLICT.
    version: i32,
}

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

/// A study's bibliographic facts.
#[derive(InputObject)]
pub struct StudyFactsInput {
    /// The title, as published (at most 2,000 characters).
    title: String,
    /// The journal (at most 500 characters).
    journal: Option<String>,
    /// The year of publication.
    year: Option<i32>,
    /// The study's design, which places it on the evidence ladder.
    design: StudyDesign,
    /// Authors as printed (at most 5,000 characters).
    authors: Option<String>,
    /// How many participants it had.
    sample_size: Option<i32>,
    /// Whether it has been retracted.
    #[graphql(default)]
    retracted: bool,
}

impl StudyFactsInput {
    fn draft(self, doi: String, version: Option<i32>) -> StudyDraft {
        StudyDraft {
            doi,
            title: self.title,
            journal: self.journal,
            year: self.year,
            design: self.design.into(),
            authors: self.authors,
            sample_size: self.sample_size,
            retracted: self.retracted,
            version,
        }
    }
}

/// A study, keyed by its DOI: created when the DOI has none, replaced otherwise.
#[derive(InputObject)]
pub struct StudyUpsertInput {
    /// The study's DOI, in any common spelling.
    doi: String,
    /// The study's facts.
    facts: StudyFactsInput,
    /// When the DOI already has a study: its `version` your change is based on (required then).
    version: Option<i32>,
}

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

/// A contribution to accept.
#[derive(InputObject)]
pub struct ContributionAcceptInput {
    /// The contribution's global ID.
    id: ID,
}

/// A contribution to reject.
#[derive(InputObject)]
pub struct ContributionRejectInput {
    /// The contribution's global ID.
    id: ID,
    /// Why, for its author (required; at most 2,000 characters).
    reason: String,
}

/// The result of a review.
#[derive(SimpleObject)]
pub struct ContributionPayload {
    /// The contribution as reviewed.
    contribution: Option<Contribution>,
    /// The node the accepted change created or changed.
    subject: Option<Node>,
    /// The caller's mistakes, each with its field; when there are any, nothing was changed.
    user_errors: Vec<UserError>,
}

/// Changes to the claim graph. Every mutation needs an API token (`Authorization: Bearer`); a
/// contributor's changes wait for a moderator, a moderator's and an admin's apply at once.
#[Object]
impl Mutation {
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

    /// Records a study by its DOI, or replaces the facts of the DOI's study.
    async fn study_upsert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The study.")] input: StudyUpsertInput,
    ) -> async_graphql::Result<StudyPayload> {
        let performed = perform(ctx, Ids::default(), || {
            Change::StudyUpsert(input.facts.draft(input.doi, input.version))
        })
        .await?;
        // The domain names a study's facts flat; this input nests them under `facts`.
        let performed = match performed {
            Performed::Refused(mut errors) => {
                for error in &mut errors {
                    if error.field.get(1).is_some_and(|f| f != "doi" && f != "version") {
                        error.field.insert(1, "facts".to_owned());
                    }
                }
                Performed::Refused(errors)
            }
            other => other,
        };
        StudyPayload::of(ctx, performed, subject).await
    }

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

    /// Accepts a pending contribution (moderators and admins; never your own): its change is
    /// applied as its author's, in the same transaction.
    async fn contribution_accept(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution to accept.")] input: ContributionAcceptInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let actor = caller(ctx).actor()?;
        let id = match GlobalId::decode_as("input.id", &input.id, NodeType::Contribution) {
            Ok(id) => id,
            Err(err) => return Ok(refused_review(UserError::bad_id("id", err))),
        };
        let pass = match write_gate(ctx)?.enter(actor).await {
            Ok(pass) => pass,
            Err(err) => return review_refused(err),
        };
        let db = database(ctx)?.clone();
        let write = async move {
            let outcome = contributions::accept(&db, actor, id).await;
            drop(pass);
            outcome
        };
        match detached(write).await? {
            Ok((row, applied)) => {
                forget_loaded(ctx)?;
                let subject = NodeType::from_name(applied.subject.node_type)
                    .map(|t| GlobalId::new(t, applied.subject.id));
                let subject = match subject {
                    Some(id) => Node::fetch(ctx, id).await?,
                    None => None,
                };
                Ok(ContributionPayload {
                    contribution: Some(Contribution(row)),
                    subject,
                    user_errors: Vec::new(),
                })
            }
            Err(err) => review_refused(err),
        }
    }

    /// Rejects a pending contribution with a reason (moderators and admins; never your own).
    async fn contribution_reject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution to reject.")] input: ContributionRejectInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let actor = caller(ctx).actor()?;
        let id = match GlobalId::decode_as("input.id", &input.id, NodeType::Contribution) {
            Ok(id) => id,
            Err(err) => return Ok(refused_review(UserError::bad_id("id", err))),
        };
        let pass = match write_gate(ctx)?.enter(actor).await {
            Ok(pass) => pass,
            Err(err) => return review_refused(err),
        };
        let db = database(ctx)?.clone();
        let reason = input.reason;
        let write = async move {
            let outcome = contributions::reject(&db, actor, id, &reason).await;
            drop(pass);
            outcome
        };
        match detached(write).await? {
            Ok(row) => {
                forget_loaded(ctx)?;
                Ok(ContributionPayload {
                    contribution: Some(Contribution(row)),
                    subject: None,
                    user_errors: Vec::new(),
                })
            }
            Err(err) => review_refused(err),
        }
    }
}

fn refused_review(error: UserError) -> ContributionPayload {
    ContributionPayload {
        contribution: None,
        subject: None,
        user_errors: vec![error],
    }
}

fn review_refused(err: WriteError) -> async_graphql::Result<ContributionPayload> {
    match refused(err)? {
        Performed::Refused(user_errors) => Ok(ContributionPayload {
            contribution: None,
            subject: None,
            user_errors,
        }),
        Performed::Applied(_) | Performed::Submitted(_) => {
            Err(ApiError::Internal(anyhow::anyhow!("a refused review came back as a change")).into())
        }
    }
}
