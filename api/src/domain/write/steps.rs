//! A mechanism's ordered steps and each step's ordered citations.

use entity::{citation, doi, mechanism_step};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::mechanisms::{self, Removal};
use super::{
    Applied, Author, Check, EventDraft, FieldErrorCode, Subject, WriteError, cap, max, record, renumber,
    shift_positions, studies,
};
use super::{Edit, apply_edit};

/// A new step in a mechanism's chain.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepDraft {
    pub mechanism_id: i32,
    /// Where it goes, 1 = first; the end when absent.
    pub position: Option<i32>,
    pub text: String,
    /// DOIs the step cites, in order, in any common spelling.
    #[serde(default)]
    pub citations: Vec<String>,
}

/// A step's new text.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepEdit {
    pub id: i32,
    pub version: i32,
    pub text: String,
}

/// A step's new place in its mechanism.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepMove {
    pub id: i32,
    pub version: i32,
    pub position: i32,
}

/// A citation to add to a step, or to remove from it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CitationChange {
    pub step_id: i32,
    /// The step's version: its citations belong to it.
    pub version: i32,
    pub doi: String,
    /// Where an added citation goes, 1 = first; the end when absent. Ignored on removal.
    pub position: Option<i32>,
}

async fn find(txn: &DatabaseTransaction, id: i32) -> Result<Option<mechanism_step::Model>, WriteError> {
    Ok(mechanism_step::Entity::find_by_id(id).one(txn).await?)
}

async fn count_steps(txn: &DatabaseTransaction, mechanism_id: i32) -> Result<usize, WriteError> {
    use sea_orm::PaginatorTrait;
    Ok(mechanism_step::Entity::find()
        .filter(mechanism_step::Column::MechanismId.eq(mechanism_id))
        .count(txn)
        .await? as usize)
}

/// The DOIs a step cites, in order.
async fn cited(
    txn: &DatabaseTransaction,
    step_id: i32,
) -> Result<Vec<(citation::Model, String)>, WriteError> {
    let rows = citation::Entity::find()
        .filter(citation::Column::MechanismStepId.eq(step_id))
        .order_by_asc(citation::Column::Position)
        .find_also_related(doi::Entity)
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(c, d)| (c, d.map(|d| d.value).unwrap_or_default()))
        .collect())
}

fn snapshot(row: &mechanism_step::Model, citations: &[String]) -> Map<String, Value> {
    match json!({
        "position": row.position,
        "text": row.text,
        "citations": citations,
    }) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The claim a mechanism belongs to, for the event.
async fn claim_of(txn: &DatabaseTransaction, mechanism_id: i32) -> Result<Option<i32>, WriteError> {
    Ok(mechanisms::find(txn, mechanism_id).await?.map(|m| m.claim_id))
}

/// Adds a step at `position` (the end by default) with its citations.
pub async fn add(
    txn: &DatabaseTransaction,
    author: Author,
    draft: &StepDraft,
) -> Result<Applied, WriteError> {
    let mut check = Check::default();
    check.list(
        "citations",
        draft.citations.len(),
        cap::CITATIONS_PER_STEP,
        "citations per step",
    );
    check.finish()?;
    mechanisms::touch(txn, draft.mechanism_id, "mechanismId").await?;
    let len = count_steps(txn, draft.mechanism_id).await?;
    let mut check = Check::default();
    let position = draft.position.unwrap_or(len as i32 + 1);
    check.position("position", position, len, true);
    let text = check.text("text", &draft.text, max::STEP);
    let mut dois = Vec::new();
    for (index, value) in draft.citations.iter().enumerate() {
        let field = format!("citations.{index}");
        if let Some(parsed) = check.doi(&field, value) {
            if dois.contains(&parsed) {
                check.push(&field, FieldErrorCode::Taken, "The step already cites this DOI.");
            }
            dois.push(parsed);
        }
    }
    check.finish()?;
    shift_positions(
        txn,
        "mechanism_step",
        "mechanism_id",
        "position",
        draft.mechanism_id,
        position,
        1,
    )
    .await?;
    let row = mechanism_step::ActiveModel {
        id: NotSet,
        mechanism_id: Set(draft.mechanism_id),
        position: Set(position),
        text: Set(text),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    for (index, value) in dois.iter().enumerate() {
        let doi_id = studies::ensure_doi(txn, author, value).await?;
        citation::ActiveModel {
            id: NotSet,
            mechanism_step_id: Set(row.id),
            doi_id: Set(doi_id),
            position: Set(index as i32 + 1),
        }
        .insert(txn)
        .await?;
    }
    let values: Vec<String> = dois.iter().map(|d| d.as_str().to_owned()).collect();
    let event = EventDraft {
        action: "step.added",
        subject: Subject::new("MechanismStep", row.id),
        claim_id: claim_of(txn, row.mechanism_id).await?,
        before: None,
        after: Some(Value::Object(snapshot(&row, &values))),
    };
    Ok(record(txn, author, event, true).await?)
}

/// Bumps a step's version if it is still `version`; the step's row as it was before.
async fn claim_version(
    txn: &DatabaseTransaction,
    id: i32,
    version: i32,
    field: &str,
) -> Result<mechanism_step::Model, WriteError> {
    let Some(current) = find(txn, id).await? else {
        return Err(WriteError::not_found(field, "step"));
    };
    super::update_versioned(txn, mechanism_step::Entity::update_many(), id, version, "step").await?;
    Ok(current)
}

/// Changes a step's text.
pub async fn update(
    txn: &DatabaseTransaction,
    author: Author,
    edit: &StepEdit,
) -> Result<Applied, WriteError> {
    let mut check = Check::default();
    let text = check.text("text", &edit.text, max::STEP);
    check.finish()?;
    let Some(current) = find(txn, edit.id).await? else {
        return Err(WriteError::not_found("id", "step"));
    };
    let claim_id = claim_of(txn, current.mechanism_id).await?;
    let snapshot = |text: &str| Map::from_iter([("text".to_owned(), Value::from(text))]);
    let edit = Edit {
        subject: Subject::new("MechanismStep", current.id),
        claim_id,
        what: "step",
        action: "step.updated",
        based_on: edit.version,
        version: current.version,
        before: snapshot(&current.text),
        after: snapshot(&text),
    };
    apply_edit(txn, author, edit, || {
        mechanism_step::Entity::update_many()
            .col_expr(mechanism_step::Column::Text, Expr::value(text.clone()))
    })
    .await
}

/// Moves a step to another position in its mechanism; the steps between shift by one.
pub async fn move_to(
    txn: &DatabaseTransaction,
    author: Author,
    change: &StepMove,
) -> Result<Applied, WriteError> {
    let current = claim_version(txn, change.id, change.version, "id").await?;
    mechanisms::touch(txn, current.mechanism_id, "id").await?;
    let mut order: Vec<i32> = mechanism_step::Entity::find()
        .filter(mechanism_step::Column::MechanismId.eq(current.mechanism_id))
        .order_by_asc(mechanism_step::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut check = Check::default();
    check.position("position", change.position, order.len(), false);
    check.finish()?;
    order.retain(|&id| id != current.id);
    order.insert(change.position as usize - 1, current.id);
    renumber(
        txn,
        "mechanism_step",
        "mechanism_id",
        "position",
        current.mechanism_id,
        &order,
    )
    .await?;
    let event = EventDraft {
        action: "step.moved",
        subject: Subject::new("MechanismStep", current.id),
        claim_id: claim_of(txn, current.mechanism_id).await?,
        before: Some(json!({ "position": current.position })),
        after: Some(json!({ "position": change.position })),
    };
    Ok(record(txn, author, event, false).await?)
}

/// Removes a step and its citations; later steps move up.
pub async fn remove(
    txn: &DatabaseTransaction,
    author: Author,
    removal: &Removal,
) -> Result<Applied, WriteError> {
    let current = claim_version(txn, removal.id, removal.version, "id").await?;
    mechanisms::touch(txn, current.mechanism_id, "id").await?;
    let citations: Vec<String> = cited(txn, current.id)
        .await?
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    citation::Entity::delete_many()
        .filter(citation::Column::MechanismStepId.eq(current.id))
        .exec(txn)
        .await?;
    mechanism_step::Entity::delete_by_id(current.id).exec(txn).await?;
    shift_positions(
        txn,
        "mechanism_step",
        "mechanism_id",
        "position",
        current.mechanism_id,
        current.position + 1,
        -1,
    )
    .await?;
    let event = EventDraft {
        action: "step.removed",
        subject: Subject::new("MechanismStep", current.id),
        claim_id: claim_of(txn, current.mechanism_id).await?,
        before: Some(Value::Object(snapshot(&current, &citations))),
        after: None,
    };
    Ok(record(txn, author, event, false).await?)
}

/// Adds a citation of `doi` to a step.
pub async fn cite(
    txn: &DatabaseTransaction,
    author: Author,
    change: &CitationChange,
) -> Result<Applied, WriteError> {
    let mut check = Check::default();
    let parsed = check.doi("doi", &change.doi);
    check.finish()?;
    let Some(parsed) = parsed else {
        return Err(WriteError::invalid("doi", FieldErrorCode::Invalid, "Not a DOI."));
    };
    let current = claim_version(txn, change.step_id, change.version, "stepId").await?;
    let existing = cited(txn, current.id).await?;
    let mut check = Check::default();
    if existing.iter().any(|(_, d)| d == parsed.as_str()) {
        check.push("doi", FieldErrorCode::Taken, "The step already cites this DOI.");
    }
    if existing.len() >= cap::CITATIONS_PER_STEP {
        check.push(
            "doi",
            FieldErrorCode::OutOfRange,
            format!(
                "The step already cites {} DOIs, the most a step may; remove one first.",
                existing.len()
            ),
        );
    }
    let position = change.position.unwrap_or(existing.len() as i32 + 1);
    check.position("position", position, existing.len(), true);
    check.finish()?;
    let doi_id = studies::ensure_doi(txn, author, &parsed).await?;
    shift_positions(
        txn,
        "citation",
        "mechanism_step_id",
        "position",
        current.id,
        position,
        1,
    )
    .await?;
    citation::ActiveModel {
        id: NotSet,
        mechanism_step_id: Set(current.id),
        doi_id: Set(doi_id),
        position: Set(position),
    }
    .insert(txn)
    .await?;
    let before: Vec<String> = existing.into_iter().map(|(_, d)| d).collect();
    let mut after = before.clone();
    after.insert(position as usize - 1, parsed.as_str().to_owned());
    let event = EventDraft {
        action: "citation.added",
        subject: Subject::new("MechanismStep", current.id),
        claim_id: claim_of(txn, current.mechanism_id).await?,
        before: Some(json!({ "citations": before })),
        after: Some(json!({ "citations": after })),
    };
    Ok(record(txn, author, event, false).await?)
}

/// Removes a step's citation of `doi`; the DOI itself stays (studies and other steps may hold it).
pub async fn uncite(
    txn: &DatabaseTransaction,
    author: Author,
    change: &CitationChange,
) -> Result<Applied, WriteError> {
    let mut check = Check::default();
    let parsed = check.doi("doi", &change.doi);
    check.finish()?;
    let Some(parsed) = parsed else {
        return Err(WriteError::invalid("doi", FieldErrorCode::Invalid, "Not a DOI."));
    };
    let current = claim_version(txn, change.step_id, change.version, "stepId").await?;
    let existing = cited(txn, current.id).await?;
    let Some((row, _)) = existing.iter().find(|(_, d)| d == parsed.as_str()) else {
        return Err(WriteError::invalid(
            "doi",
            FieldErrorCode::NotFound,
            "The step does not cite this DOI.",
        ));
    };
    citation::Entity::delete_by_id(row.id).exec(txn).await?;
    shift_positions(
        txn,
        "citation",
        "mechanism_step_id",
        "position",
        current.id,
        row.position + 1,
        -1,
    )
    .await?;
    let before: Vec<String> = existing.iter().map(|(_, d)| d.clone()).collect();
    let after: Vec<String> = before.iter().filter(|d| *d != parsed.as_str()).cloned().collect();
    let event = EventDraft {
        action: "citation.removed",
        subject: Subject::new("MechanismStep", current.id),
        claim_id: claim_of(txn, current.mechanism_id).await?,
        before: Some(json!({ "citations": before })),
        after: Some(json!({ "citations": after })),
    };
    Ok(record(txn, author, event, false).await?)
}
