//! A study's stance on a claim.

use chrono::Utc;
use entity::evidence;
use entity::values::Stance;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait, NotSet, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::mechanisms::Removal;
use super::studies::{self, StudyDraft};
use super::{Applied, Author, Check, EventDraft, FieldErrorCode, Subject, WriteError, claims, max, record};
use super::{Edit, apply_edit};

/// A study's stance on a claim, named by the study's DOI. When the graph has no study for that DOI
/// yet, `study` gives its facts and it is created in the same change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceDraft {
    pub claim_id: i32,
    pub doi: String,
    pub stance: Stance,
    pub note: Option<String>,
    pub study: Option<StudyDraft>,
}

/// Changes to an evidence row; a blank note removes the note.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceEdit {
    pub id: i32,
    pub version: i32,
    pub stance: Option<Stance>,
    pub note: Option<String>,
}

/// The values an event records for an evidence row; the study is named by its DOI, which means
/// something to a reader (a row id from a rolled-back trial would not).
fn snapshot(row: &evidence::Model, doi: &str) -> Map<String, Value> {
    match json!({
        "doi": doi,
        "stance": row.stance,
        "note": row.note,
    }) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Moves the claim's `evidence_count` by `by` (a row added or removed), in the transaction that
/// adds or removes the row, so the count never disagrees with the rows.
async fn count_evidence(txn: &DatabaseTransaction, claim_id: i32, by: i32) -> Result<(), WriteError> {
    entity::claim::Entity::update_many()
        .col_expr(
            entity::claim::Column::EvidenceCount,
            Expr::col(entity::claim::Column::EvidenceCount).add(by),
        )
        .filter(entity::claim::Column::Id.eq(claim_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The DOI of a study, for events; empty for a study without one.
async fn study_doi(txn: &DatabaseTransaction, study_id: i32) -> Result<String, WriteError> {
    let found = entity::study::Entity::find_by_id(study_id)
        .find_also_related(entity::doi::Entity)
        .one(txn)
        .await?;
    Ok(found
        .and_then(|(_, doi)| doi)
        .map(|d| d.value)
        .unwrap_or_default())
}

/// Records a study's stance on a claim, creating the study first when `draft.study` describes it.
pub async fn submit(
    txn: &DatabaseTransaction,
    author: Author,
    draft: &EvidenceDraft,
) -> Result<Applied, WriteError> {
    let mut check = Check::default();
    let doi = check.doi("doi", &draft.doi);
    let note = check.optional_text("note", draft.note.as_deref(), max::NOTE);
    let facts = draft.study.as_ref().map(|s| {
        let (study_doi, facts) = studies::check_draft(&mut check, "study.", s);
        if let (Some(a), Some(b)) = (&doi, &study_doi)
            && a != b
        {
            check.push(
                "study.doi",
                FieldErrorCode::Invalid,
                "The study's DOI must be the evidence's DOI.",
            );
        }
        facts
    });
    check.finish()?;
    let Some(doi) = doi else {
        return Err(WriteError::invalid("doi", FieldErrorCode::Invalid, "Not a DOI."));
    };
    if claims::find(txn, draft.claim_id).await?.is_none() {
        return Err(WriteError::not_found("claimId", "claim"));
    }
    let study_id = match (studies::find_by_doi(txn, &doi).await?, facts) {
        (Some(study), _) => study.id,
        (None, Some(facts)) => studies::create(txn, author, &doi, facts).await?.subject.id,
        (None, None) => {
            return Err(WriteError::invalid(
                "doi",
                FieldErrorCode::NotFound,
                "The graph has no study for this DOI; describe it in `study`.",
            ));
        }
    };
    let taken = evidence::Entity::find()
        .filter(evidence::Column::ClaimId.eq(draft.claim_id))
        .filter(evidence::Column::StudyId.eq(study_id))
        .one(txn)
        .await?;
    if taken.is_some() {
        return Err(WriteError::invalid(
            "doi",
            FieldErrorCode::Taken,
            "This study's stance on the claim is already recorded; edit that evidence instead.",
        ));
    }
    let row = evidence::ActiveModel {
        id: NotSet,
        claim_id: Set(draft.claim_id),
        study_id: Set(study_id),
        stance: Set(draft.stance),
        note: Set(note),
        created_at: Set(Utc::now()),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    count_evidence(txn, row.claim_id, 1).await?;
    let after = snapshot(&row, doi.as_str());
    let event = EventDraft {
        action: "evidence.added",
        subject: Subject::new("Evidence", row.id),
        claim_id: Some(row.claim_id),
        before: None,
        after: Some(Value::Object(after)),
    };
    Ok(record(txn, author, event, true).await?)
}

/// Changes an evidence row's stance or note.
pub async fn update(
    txn: &DatabaseTransaction,
    author: Author,
    edit: &EvidenceEdit,
) -> Result<Applied, WriteError> {
    let Some(current) = evidence::Entity::find_by_id(edit.id).one(txn).await? else {
        return Err(WriteError::not_found("id", "evidence"));
    };
    let mut check = Check::default();
    let mut next = current.clone();
    if let Some(stance) = edit.stance {
        next.stance = stance;
    }
    if let Some(note) = &edit.note {
        next.note = check.optional_text("note", Some(note), max::NOTE);
    }
    check.finish()?;
    let doi = study_doi(txn, current.study_id).await?;
    let edit = Edit {
        subject: Subject::new("Evidence", current.id),
        claim_id: Some(current.claim_id),
        what: "evidence",
        action: "evidence.updated",
        based_on: edit.version,
        version: current.version,
        before: snapshot(&current, &doi),
        after: snapshot(&next, &doi),
    };
    apply_edit(txn, author, edit, || {
        evidence::Entity::update_many()
            .col_expr(evidence::Column::Stance, Expr::value(next.stance.name()))
            .col_expr(evidence::Column::Note, Expr::value(next.note))
    })
    .await
}

/// Removes an evidence row; the study stays (other claims may rely on it).
pub async fn remove(
    txn: &DatabaseTransaction,
    author: Author,
    removal: &Removal,
) -> Result<Applied, WriteError> {
    let Some(current) = evidence::Entity::find_by_id(removal.id).one(txn).await? else {
        return Err(WriteError::not_found("id", "evidence"));
    };
    let result = evidence::Entity::delete_many()
        .filter(evidence::Column::Id.eq(removal.id))
        .filter(evidence::Column::Version.eq(removal.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(super::conflict(
            "version",
            removal.version,
            Some(current.version),
            "evidence",
        ));
    }
    count_evidence(txn, current.claim_id, -1).await?;
    let event = EventDraft {
        action: "evidence.removed",
        subject: Subject::new("Evidence", current.id),
        claim_id: Some(current.claim_id),
        before: Some(Value::Object(snapshot(
            &current,
            &study_doi(txn, current.study_id).await?,
        ))),
        after: None,
    };
    Ok(record(txn, author, event, false).await?)
}
