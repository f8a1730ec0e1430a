//! Changes as data, and their review: a moderator's change applies at once; a contributor's is
//! checked against the graph as it is (applied and rolled back), then stored as a pending
//! contribution until a moderator accepts it (applying it through the same functions) or rejects it
//! with a reason. Nobody reviews their own contribution.

use chrono::Utc;
use entity::contribution;
use entity::values::{ContributionStatus, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, NotSet,
    QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::claims::{ClaimDraft, ClaimEdit};
use super::evidence::{EvidenceDraft, EvidenceEdit};
use super::mechanisms::{MechanismDraft, MechanismEdit, MechanismOrder, Removal};
use super::steps::{CitationChange, StepDraft, StepEdit, StepMove};
use super::studies::StudyDraft;
use super::{
    Actor, Applied, Author, Check, EventDraft, Subject, WriteError, begin_write, cap, claims, evidence,
    finish, max, mechanisms, record, steps, studies,
};

/// Every change the graph accepts, named after the mutation that asks for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "action", content = "input", rename_all = "camelCase")]
pub enum Change {
    ClaimCreate(ClaimDraft),
    ClaimUpdate(ClaimEdit),
    MechanismAdd(MechanismDraft),
    MechanismUpdate(MechanismEdit),
    MechanismReorder(MechanismOrder),
    MechanismRemove(Removal),
    StepAdd(StepDraft),
    StepUpdate(StepEdit),
    StepMove(StepMove),
    StepRemove(Removal),
    CitationAdd(CitationChange),
    CitationRemove(CitationChange),
    StudyUpsert(StudyDraft),
    EvidenceSubmit(EvidenceDraft),
    EvidenceUpdate(EvidenceEdit),
    EvidenceRemove(Removal),
}

impl Change {
    /// The mutation's name, as stored on a contribution.
    pub fn action(&self) -> &'static str {
        match self {
            Change::ClaimCreate(_) => "claimCreate",
            Change::ClaimUpdate(_) => "claimUpdate",
            Change::MechanismAdd(_) => "mechanismAdd",
            Change::MechanismUpdate(_) => "mechanismUpdate",
            Change::MechanismReorder(_) => "mechanismReorder",
            Change::MechanismRemove(_) => "mechanismRemove",
            Change::StepAdd(_) => "stepAdd",
            Change::StepUpdate(_) => "stepUpdate",
            Change::StepMove(_) => "stepMove",
            Change::StepRemove(_) => "stepRemove",
            Change::CitationAdd(_) => "citationAdd",
            Change::CitationRemove(_) => "citationRemove",
            Change::StudyUpsert(_) => "studyUpsert",
            Change::EvidenceSubmit(_) => "evidenceSubmit",
            Change::EvidenceUpdate(_) => "evidenceUpdate",
            Change::EvidenceRemove(_) => "evidenceRemove",
        }
    }
}

impl Change {
    /// Refuses a list input longer than its cap ([`super::cap`]), before any database work.
    pub fn check_lists(&self) -> Result<(), WriteError> {
        let mut check = Check::default();
        match self {
            Change::StepAdd(draft) => check.list(
                "citations",
                draft.citations.len(),
                cap::CITATIONS_PER_STEP,
                "citations per step",
            ),
            Change::MechanismReorder(order) => check.list(
                "mechanismIds",
                order.mechanism_ids.len(),
                cap::MECHANISMS_PER_CLAIM,
                "mechanisms per claim",
            ),
            _ => {}
        }
        check.finish()
    }
}

/// Applies a change in the caller's transaction.
pub async fn apply(
    txn: &DatabaseTransaction,
    author: Author,
    change: &Change,
) -> Result<Applied, WriteError> {
    match change {
        Change::ClaimCreate(draft) => claims::create(txn, author, draft).await,
        Change::ClaimUpdate(edit) => claims::update(txn, author, edit).await,
        Change::MechanismAdd(draft) => mechanisms::add(txn, author, draft).await,
        Change::MechanismUpdate(edit) => mechanisms::update(txn, author, edit).await,
        Change::MechanismReorder(order) => mechanisms::reorder(txn, author, order).await,
        Change::MechanismRemove(removal) => mechanisms::remove(txn, author, removal).await,
        Change::StepAdd(draft) => steps::add(txn, author, draft).await,
        Change::StepUpdate(edit) => steps::update(txn, author, edit).await,
        Change::StepMove(change) => steps::move_to(txn, author, change).await,
        Change::StepRemove(removal) => steps::remove(txn, author, removal).await,
        Change::CitationAdd(change) => steps::cite(txn, author, change).await,
        Change::CitationRemove(change) => steps::uncite(txn, author, change).await,
        Change::StudyUpsert(draft) => studies::upsert(txn, author, draft).await,
        Change::EvidenceSubmit(draft) => evidence::submit(txn, author, draft).await,
        Change::EvidenceUpdate(edit) => evidence::update(txn, author, edit).await,
        Change::EvidenceRemove(removal) => evidence::remove(txn, author, removal).await,
    }
}

/// What became of a change.
#[derive(Debug)]
pub enum Outcome {
    /// It is in the graph now.
    Applied(Applied),
    /// It waits for a moderator.
    Submitted(contribution::Model),
}

/// Makes a change as `actor`, in one transaction: applied at once for moderators, admins and the
/// seed loader; checked and stored as a pending contribution for contributors.
pub async fn perform(db: &DatabaseConnection, actor: Actor, change: &Change) -> Result<Outcome, WriteError> {
    change.check_lists()?;
    let txn = begin_write(db).await?;
    let outcome = match actor {
        Actor::User { id, .. } if !actor.edits_directly() => {
            submit(&txn, id, change).await.map(Outcome::Submitted)
        }
        _ => apply(&txn, Author::new(actor), change)
            .await
            .map(Outcome::Applied),
    };
    finish(txn, outcome).await
}

/// Checks a contributor's change by applying it inside a savepoint that is always rolled back,
/// then stores it with the diff that trial produced.
async fn submit(
    txn: &DatabaseTransaction,
    author_id: i32,
    change: &Change,
) -> Result<contribution::Model, WriteError> {
    let trial = txn.begin().await?;
    let author = Author::new(Actor::User {
        id: author_id,
        role: Role::Contributor,
    });
    let tried = apply(&trial, author, change).await;
    trial.rollback().await?;
    let tried = tried?;
    let subject = (!tried.created).then_some(tried.subject);
    // A claim created by the trial is gone again: its id names nothing.
    let claim_id = match change {
        Change::ClaimCreate(_) => None,
        _ => tried.claim_id,
    };
    let row = contribution::ActiveModel {
        id: NotSet,
        author_id: Set(author_id),
        action: Set(change.action().to_owned()),
        claim_id: Set(claim_id),
        subject_type: Set(subject.map(|s| s.node_type.to_owned())),
        subject_id: Set(subject.map(|s| s.id)),
        change: Set(serde_json::to_string(change).map_err(|e| DbErr::Custom(e.to_string()))?),
        before: Set(tried.before.as_ref().map(Value::to_string)),
        after: Set(tried
            .after
            .as_ref()
            .map_or_else(|| "{}".to_owned(), Value::to_string)),
        status: Set(ContributionStatus::Pending),
        reason: Set(None),
        reviewer_id: Set(None),
        created_at: Set(Utc::now()),
        reviewed_at: Set(None),
    }
    .insert(txn)
    .await?;
    let event = EventDraft {
        action: "contribution.submitted",
        subject: Subject::new("Contribution", row.id),
        claim_id: row.claim_id,
        before: None,
        after: Some(json!({ "action": row.action, "status": "PENDING" })),
    };
    record(txn, author, event, true).await?;
    Ok(row)
}

/// The user ID of a moderator or admin; anyone else may not review.
fn reviewer(actor: Actor) -> Result<i32, WriteError> {
    match actor {
        Actor::User {
            id,
            role: Role::Moderator | Role::Admin,
        } => Ok(id),
        _ => Err(WriteError::Forbidden(
            "Only moderators and admins review contributions.".to_owned(),
        )),
    }
}

/// Loads a pending contribution for review by `reviewer_id`, and marks it reviewed (`status`) in
/// the same statement, so two moderators can never both review it.
async fn claim_for_review(
    txn: &DatabaseTransaction,
    id: i32,
    reviewer_id: i32,
    status: ContributionStatus,
    reason: Option<String>,
) -> Result<contribution::Model, WriteError> {
    let Some(row) = contribution::Entity::find_by_id(id).one(txn).await? else {
        return Err(WriteError::not_found("id", "contribution"));
    };
    if row.author_id == reviewer_id {
        return Err(WriteError::Forbidden(
            "Nobody reviews their own contribution; another moderator must.".to_owned(),
        ));
    }
    let result = contribution::Entity::update_many()
        .col_expr(contribution::Column::Status, Expr::value(status.name()))
        .col_expr(contribution::Column::ReviewerId, Expr::value(reviewer_id))
        .col_expr(contribution::Column::Reason, Expr::value(reason))
        .col_expr(contribution::Column::ReviewedAt, Expr::value(Utc::now()))
        .filter(contribution::Column::Id.eq(id))
        .filter(contribution::Column::Status.eq(ContributionStatus::Pending.name()))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        // Read again: the row read above may predate a concurrent review that has committed since
        // (on PostgreSQL the update waited for it); this statement sees that review's status.
        let now = contribution::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map_or(row.status, |now| now.status);
        return Err(WriteError::invalid(
            "id",
            super::FieldErrorCode::AlreadyReviewed,
            format!("This contribution was already {}.", now.name().to_lowercase()),
        ));
    }
    Ok(row)
}

/// Accepts a pending contribution: applies its change as its author, in one transaction with the
/// review. A change that no longer applies (a stale version, a slug taken since) fails and the
/// contribution stays pending.
pub async fn accept(
    db: &DatabaseConnection,
    actor: Actor,
    id: i32,
) -> Result<(contribution::Model, Applied), WriteError> {
    let reviewer_id = reviewer(actor)?;
    let txn = begin_write(db).await?;
    let result = accept_in(&txn, actor, reviewer_id, id).await;
    finish(txn, result).await
}

async fn accept_in(
    txn: &DatabaseTransaction,
    actor: Actor,
    reviewer_id: i32,
    id: i32,
) -> Result<(contribution::Model, Applied), WriteError> {
    let row = claim_for_review(txn, id, reviewer_id, ContributionStatus::Accepted, None).await?;
    let change: Change = serde_json::from_str(&row.change).map_err(|e| DbErr::Custom(e.to_string()))?;
    let author = Author {
        actor: Actor::User {
            id: row.author_id,
            role: Role::Contributor,
        },
        contribution_id: Some(row.id),
    };
    let applied = apply(txn, author, &change).await?;
    if applied.created {
        contribution::Entity::update_many()
            .col_expr(
                contribution::Column::SubjectType,
                Expr::value(applied.subject.node_type),
            )
            .col_expr(contribution::Column::SubjectId, Expr::value(applied.subject.id))
            .filter(contribution::Column::Id.eq(row.id))
            .exec(txn)
            .await?;
    }
    let event = EventDraft {
        action: "contribution.accepted",
        subject: Subject::new("Contribution", row.id),
        claim_id: applied.claim_id.or(row.claim_id),
        before: Some(json!({ "status": "PENDING" })),
        after: Some(json!({ "status": "ACCEPTED" })),
    };
    record(txn, Author::new(actor), event, false).await?;
    let reviewed = contribution::Entity::find_by_id(row.id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("contribution".to_owned()))?;
    Ok((reviewed, applied))
}

/// Rejects a pending contribution; the reason is required and shown to its author.
pub async fn reject(
    db: &DatabaseConnection,
    actor: Actor,
    id: i32,
    reason: &str,
) -> Result<contribution::Model, WriteError> {
    let reviewer_id = reviewer(actor)?;
    let mut check = Check::default();
    let reason = check.text("reason", reason, max::REASON);
    check.finish()?;
    let txn = begin_write(db).await?;
    let result = reject_in(&txn, actor, reviewer_id, id, reason).await;
    finish(txn, result).await
}

async fn reject_in(
    txn: &DatabaseTransaction,
    actor: Actor,
    reviewer_id: i32,
    id: i32,
    reason: String,
) -> Result<contribution::Model, WriteError> {
    let row = claim_for_review(
        txn,
        id,
        reviewer_id,
        ContributionStatus::Rejected,
        Some(reason.clone()),
    )
    .await?;
    let event = EventDraft {
        action: "contribution.rejected",
        subject: Subject::new("Contribution", row.id),
        claim_id: row.claim_id,
        before: Some(json!({ "status": "PENDING" })),
        after: Some(json!({ "status": "REJECTED", "reason": reason })),
    };
    record(txn, Author::new(actor), event, false).await?;
    let reviewed = contribution::Entity::find_by_id(row.id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("contribution".to_owned()))?;
    Ok(reviewed)
}
