//! The mutation root: every change to the graph, named object-first (`claimCreate`, `stepMove`).
//!
//! Each mutation takes one `input` object and returns a payload with the changed node and
//! `userErrors` (the caller's mistakes, each with its field; nothing was changed). A contributor's
//! change is not applied: the payload's node is null and `contribution` holds it until a moderator
//! accepts it. Missing or bad tokens are UNAUTHENTICATED errors, a role that may not act is
//! FORBIDDEN, and an edit based on a stale `version` is a CONFLICT error naming the current one.
//!
//! One file per area, merged into the one root here.

mod claims;
mod evidence;
mod mechanisms;
mod reviews;
mod steps;
mod studies;

use claims::ClaimMutations;
use evidence::EvidenceMutations;
use mechanisms::MechanismMutations;
use reviews::ContributionMutations;
use steps::StepMutations;
use studies::StudyMutations;

use async_graphql::{Context, ID, InputObject, MergedObject, SimpleObject};
use entity::contribution;

use crate::domain::write::contributions::{self, Change, Outcome};
use crate::domain::write::{Actor, Applied, WriteError};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::caller;
use crate::graphql::context::{forget_loaded, load_one, store, write_gate};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{ClaimById, EvidenceById, MechanismById, MechanismStepById, StudyById};
use crate::graphql::types::{Claim, Evidence, Mechanism, MechanismStep, Study};
use crate::graphql::types::{Contribution, UserError};
use crate::store::Store;

/// Changes to the claim graph. Every mutation needs an API token (`Authorization: Bearer`); a
/// contributor's changes wait for a moderator, a moderator's and an admin's apply at once.
#[derive(MergedObject, Default)]
pub struct Mutation(
    ClaimMutations,
    MechanismMutations,
    StepMutations,
    StudyMutations,
    EvidenceMutations,
    ContributionMutations,
);

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
    let performed = gated(ctx, actor, move |db| async move {
        contributions::perform(db.connection(), actor, &change).await
    })
    .await?;
    match performed {
        Ok(Outcome::Applied(applied)) => {
            forget_loaded(ctx)?;
            Ok(Performed::Applied(applied))
        }
        Ok(Outcome::Submitted(row)) => Ok(Performed::Submitted(row)),
        Err(err) => refused(err),
    }
}

/// Runs `write` on the database once the write gate lets `actor` through, holding the gate's pass
/// until the write ends, on a task of its own (see [`detached`]). A gate refusal is the write's.
async fn gated<T, F>(
    ctx: &Context<'_>,
    actor: Actor,
    write: impl FnOnce(Store) -> F,
) -> ApiResult<Result<T, WriteError>>
where
    T: Send + 'static,
    F: Future<Output = Result<T, WriteError>> + Send + 'static,
{
    let pass = match write_gate(ctx)?.enter(actor).await {
        Ok(pass) => pass,
        Err(err) => return Ok(Err(err)),
    };
    let write = write(store(ctx)?.clone());
    detached(async move {
        let outcome = write.await;
        drop(pass);
        outcome
    })
    .await
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

/// A node to remove.
#[derive(InputObject)]
pub struct RemoveInput {
    /// The node's global ID.
    id: ID,
    /// The node's `version` you saw; a stale one is a CONFLICT.
    version: i32,
}
