//! Adding, editing, reordering and removing a claim's mechanisms.

use entity::values::Support;
use entity::{citation, mechanism, mechanism_step};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    Applied, Author, Check, EventDraft, FieldErrorCode, Subject, WriteError, cap, claims, max, record,
    renumber, shift_positions,
};
use super::{Edit, apply_edit};

/// A new mechanism under a claim.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MechanismDraft {
    pub claim_id: i32,
    /// Where it goes, 1 = most probable; the end when absent.
    pub rank: Option<i32>,
    pub support: Support,
    pub label: Option<String>,
    pub summary: String,
}

/// Changes to a mechanism's fields; a blank label removes the label.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MechanismEdit {
    pub id: i32,
    pub version: i32,
    pub support: Option<Support>,
    pub label: Option<String>,
    pub summary: Option<String>,
}

/// A claim's mechanisms in their new order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MechanismOrder {
    pub claim_id: i32,
    /// The claim's version: the order belongs to the claim.
    pub version: i32,
    pub mechanism_ids: Vec<i32>,
}

/// A node to remove, at the version the caller saw.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Removal {
    pub id: i32,
    pub version: i32,
}

/// The values an event records for a mechanism.
pub fn snapshot(row: &mechanism::Model) -> Map<String, Value> {
    match json!({
        "rank": row.rank,
        "support": row.support,
        "label": row.label,
        "summary": row.summary,
    }) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

pub(crate) async fn find(txn: &DatabaseTransaction, id: i32) -> Result<Option<mechanism::Model>, WriteError> {
    Ok(mechanism::Entity::find_by_id(id).one(txn).await?)
}

async fn siblings(txn: &DatabaseTransaction, claim_id: i32) -> Result<Vec<mechanism::Model>, WriteError> {
    Ok(mechanism::Entity::find()
        .filter(mechanism::Column::ClaimId.eq(claim_id))
        .order_by_asc(mechanism::Column::Rank)
        .all(txn)
        .await?)
}

/// Bumps a mechanism's version because its steps changed; fails when it is missing.
pub(crate) async fn touch(txn: &DatabaseTransaction, id: i32, field: &str) -> Result<(), WriteError> {
    super::touch::<mechanism::Entity>(txn, id, field, "mechanism").await
}

/// Adds a mechanism at `rank` (the end by default), moving later ones down.
pub async fn add(
    txn: &DatabaseTransaction,
    author: Author,
    draft: &MechanismDraft,
) -> Result<Applied, WriteError> {
    claims::touch(txn, draft.claim_id, "claimId").await?;
    let existing = siblings(txn, draft.claim_id).await?;
    let mut check = Check::default();
    if existing.len() >= cap::MECHANISMS_PER_CLAIM {
        check.push(
            "claimId",
            FieldErrorCode::OutOfRange,
            format!(
                "The claim already has {} mechanisms, the most a claim may; remove one first.",
                existing.len()
            ),
        );
    }
    let rank = draft.rank.unwrap_or(existing.len() as i32 + 1);
    check.position("rank", rank, existing.len(), true);
    let label = check.optional_text("label", draft.label.as_deref(), max::LABEL);
    let summary = check.text("summary", &draft.summary, max::PARAGRAPH);
    check.finish()?;
    shift_positions(txn, "mechanism", "claim_id", "rank", draft.claim_id, rank, 1).await?;
    let row = mechanism::ActiveModel {
        id: NotSet,
        claim_id: Set(draft.claim_id),
        rank: Set(rank),
        support: Set(draft.support),
        label: Set(label),
        summary: Set(summary),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    let event = EventDraft {
        action: "mechanism.added",
        subject: Subject::new("Mechanism", row.id),
        claim_id: Some(row.claim_id),
        before: None,
        after: Some(Value::Object(snapshot(&row))),
    };
    Ok(record(txn, author, event, true).await?)
}

/// Edits a mechanism's support, label or summary.
pub async fn update(
    txn: &DatabaseTransaction,
    author: Author,
    edit: &MechanismEdit,
) -> Result<Applied, WriteError> {
    let Some(current) = find(txn, edit.id).await? else {
        return Err(WriteError::not_found("id", "mechanism"));
    };
    let mut check = Check::default();
    let mut next = current.clone();
    if let Some(support) = edit.support {
        next.support = support;
    }
    if let Some(label) = &edit.label {
        next.label = check.optional_text("label", Some(label), max::LABEL);
    }
    if let Some(summary) = &edit.summary {
        next.summary = check.text("summary", summary, max::PARAGRAPH);
    }
    check.finish()?;
    let edit = Edit {
        subject: Subject::new("Mechanism", current.id),
        claim_id: Some(current.claim_id),
        what: "mechanism",
        action: "mechanism.updated",
        based_on: edit.version,
        version: current.version,
        before: snapshot(&current),
        after: snapshot(&next),
    };
    apply_edit(txn, author, edit, || {
        mechanism::Entity::update_many()
            .col_expr(mechanism::Column::Support, Expr::value(next.support.name()))
            .col_expr(mechanism::Column::Label, Expr::value(next.label))
            .col_expr(mechanism::Column::Summary, Expr::value(next.summary))
    })
    .await
}

/// Puts a claim's mechanisms in a new order; the list must name each of them exactly once.
pub async fn reorder(
    txn: &DatabaseTransaction,
    author: Author,
    order: &MechanismOrder,
) -> Result<Applied, WriteError> {
    let Some(claim) = claims::find(txn, order.claim_id).await? else {
        return Err(WriteError::not_found("claimId", "claim"));
    };
    if claim.version != order.version {
        return Err(super::conflict(
            "version",
            order.version,
            Some(claim.version),
            "claim",
        ));
    }
    let existing = siblings(txn, order.claim_id).await?;
    let mut wanted = order.mechanism_ids.clone();
    wanted.sort_unstable();
    let mut have: Vec<i32> = existing.iter().map(|m| m.id).collect();
    have.sort_unstable();
    if wanted != have {
        return Err(WriteError::invalid(
            "mechanismIds",
            FieldErrorCode::Invalid,
            format!(
                "List each of the claim's {} mechanisms exactly once, in their new order.",
                existing.len()
            ),
        ));
    }
    super::update_versioned(
        txn,
        entity::claim::Entity::update_many(),
        order.claim_id,
        order.version,
        "claim",
    )
    .await?;
    renumber(
        txn,
        "mechanism",
        "claim_id",
        "rank",
        order.claim_id,
        &order.mechanism_ids,
    )
    .await?;
    let ids = |rows: &[i32]| Value::from(rows.iter().map(|&id| Value::from(id)).collect::<Vec<_>>());
    let before: Vec<i32> = existing.iter().map(|m| m.id).collect();
    let event = EventDraft {
        action: "mechanisms.reordered",
        subject: Subject::new("Claim", order.claim_id),
        claim_id: Some(order.claim_id),
        before: Some(json!({ "mechanismIds": ids(&before) })),
        after: Some(json!({ "mechanismIds": ids(&order.mechanism_ids) })),
    };
    Ok(record(txn, author, event, false).await?)
}

/// Removes a mechanism with its steps and their citations (they belong to it and to nothing
/// else); the DOIs they cited stay. Later mechanisms move up.
pub async fn remove(
    txn: &DatabaseTransaction,
    author: Author,
    removal: &Removal,
) -> Result<Applied, WriteError> {
    let Some(current) = find(txn, removal.id).await? else {
        return Err(WriteError::not_found("id", "mechanism"));
    };
    if current.version != removal.version {
        return Err(super::conflict(
            "version",
            removal.version,
            Some(current.version),
            "mechanism",
        ));
    }
    claims::touch(txn, current.claim_id, "id").await?;
    let steps = mechanism_step::Entity::find()
        .filter(mechanism_step::Column::MechanismId.eq(current.id))
        .order_by_asc(mechanism_step::Column::Position)
        .all(txn)
        .await?;
    let step_ids: Vec<i32> = steps.iter().map(|s| s.id).collect();
    citation::Entity::delete_many()
        .filter(citation::Column::MechanismStepId.is_in(step_ids.clone()))
        .exec(txn)
        .await?;
    mechanism_step::Entity::delete_many()
        .filter(mechanism_step::Column::MechanismId.eq(current.id))
        .exec(txn)
        .await?;
    let result = mechanism::Entity::delete_many()
        .filter(mechanism::Column::Id.eq(current.id))
        .filter(mechanism::Column::Version.eq(removal.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        let now = find(txn, removal.id).await?.map(|m| m.version);
        return Err(super::conflict("version", removal.version, now, "mechanism"));
    }
    shift_positions(
        txn,
        "mechanism",
        "claim_id",
        "rank",
        current.claim_id,
        current.rank + 1,
        -1,
    )
    .await?;
    let mut before = snapshot(&current);
    before.insert(
        "steps".to_owned(),
        Value::from(
            steps
                .iter()
                .map(|s| Value::from(s.text.clone()))
                .collect::<Vec<_>>(),
        ),
    );
    let event = EventDraft {
        action: "mechanism.removed",
        subject: Subject::new("Mechanism", current.id),
        claim_id: Some(current.claim_id),
        before: Some(Value::Object(before)),
        after: None,
    };
    Ok(record(txn, author, event, false).await?)
}
