//! Creating and editing claims.

use chrono::Utc;
use entity::claim;
use entity::values::{EffectDirection, fold};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Applied, Author, Check, EventDraft, FieldErrorCode, Subject, WriteError, max, record};
use super::{Edit, apply_edit};

/// A new claim.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimDraft {
    pub slug: String,
    pub statement: String,
    pub population: String,
    pub intervention: String,
    pub comparator: String,
    pub outcome: String,
    pub effect_direction: Option<EffectDirection>,
    pub synthesis: String,
}

/// Changes to a claim's fields; absent fields keep their value. The slug never changes: front ends
/// and bookmarks route by it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimEdit {
    pub id: i32,
    pub version: i32,
    pub statement: Option<String>,
    pub population: Option<String>,
    pub intervention: Option<String>,
    pub comparator: Option<String>,
    pub outcome: Option<String>,
    pub effect_direction: Option<EffectDirection>,
    pub synthesis: Option<String>,
}

/// The values an event records for a claim.
pub fn snapshot(row: &claim::Model) -> Map<String, Value> {
    let value = json!({
        "slug": row.slug,
        "statement": row.statement,
        "population": row.population,
        "intervention": row.intervention,
        "comparator": row.comparator,
        "outcome": row.outcome,
        "effectDirection": row.effect_direction,
        "synthesis": row.synthesis,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Whether `slug` is a lower-case, hyphenated URL handle.
fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Finds a claim by id, for the functions that hang things under one.
pub(crate) async fn find(txn: &DatabaseTransaction, id: i32) -> Result<Option<claim::Model>, WriteError> {
    Ok(claim::Entity::find_by_id(id).one(txn).await?)
}

/// Bumps a claim's version because its list of children changed; fails when it is missing.
pub(crate) async fn touch(txn: &DatabaseTransaction, id: i32, field: &str) -> Result<(), WriteError> {
    super::touch::<claim::Entity>(txn, id, field, "claim").await
}

/// Creates a claim.
pub async fn create(
    txn: &DatabaseTransaction,
    author: Author,
    draft: &ClaimDraft,
) -> Result<Applied, WriteError> {
    let mut check = Check::default();
    let slug = check.text("slug", &draft.slug, max::SLUG);
    if !slug.is_empty() && !is_slug(&slug) {
        check.push(
            "slug",
            FieldErrorCode::Invalid,
            "A slug is lower-case letters and digits in words joined by single hyphens, e.g. rest-pause-training.",
        );
    }
    let statement = check.text("statement", &draft.statement, max::STATEMENT);
    let population = check.text("population", &draft.population, max::PICO);
    let intervention = check.text("intervention", &draft.intervention, max::PICO);
    let comparator = check.text("comparator", &draft.comparator, max::PICO);
    let outcome = check.text("outcome", &draft.outcome, max::PICO);
    let synthesis = check.text("synthesis", &draft.synthesis, max::PARAGRAPH);
    let taken = claim::Entity::find()
        .select_only()
        .column(claim::Column::Id)
        .filter(claim::Column::Slug.eq(&slug))
        .into_tuple::<i32>()
        .one(txn)
        .await?;
    if taken.is_some() {
        check.push(
            "slug",
            FieldErrorCode::Taken,
            "Another claim already has this slug.",
        );
    }
    check.finish()?;
    let now = Utc::now();
    let row = claim::ActiveModel {
        id: NotSet,
        slug: Set(slug),
        statement_folded: Set(fold(&statement)),
        statement: Set(statement),
        population_folded: Set(fold(&population)),
        population: Set(population),
        intervention_folded: Set(fold(&intervention)),
        intervention: Set(intervention),
        comparator_folded: Set(fold(&comparator)),
        comparator: Set(comparator),
        outcome_folded: Set(fold(&outcome)),
        outcome: Set(outcome),
        evidence_count: Set(0),
        effect_direction: Set(draft.effect_direction),
        synthesis: Set(synthesis),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    let draft = EventDraft {
        action: "claim.created",
        subject: Subject::new("Claim", row.id),
        claim_id: Some(row.id),
        before: None,
        after: Some(Value::Object(snapshot(&row))),
    };
    Ok(record(txn, author, draft, true).await?)
}

/// Edits a claim's fields, if `edit.version` is still its version. An edit that changes nothing
/// writes nothing.
pub async fn update(
    txn: &DatabaseTransaction,
    author: Author,
    edit: &ClaimEdit,
) -> Result<Applied, WriteError> {
    let Some(current) = find(txn, edit.id).await? else {
        return Err(WriteError::not_found("id", "claim"));
    };
    let mut check = Check::default();
    let mut next = current.clone();
    let mut text = |field: &str, value: &Option<String>, max: usize, slot: &mut String| {
        if let Some(value) = value {
            *slot = check.text(field, value, max);
        }
    };
    text("statement", &edit.statement, max::STATEMENT, &mut next.statement);
    text("population", &edit.population, max::PICO, &mut next.population);
    text(
        "intervention",
        &edit.intervention,
        max::PICO,
        &mut next.intervention,
    );
    text("comparator", &edit.comparator, max::PICO, &mut next.comparator);
    text("outcome", &edit.outcome, max::PICO, &mut next.outcome);
    text("synthesis", &edit.synthesis, max::PARAGRAPH, &mut next.synthesis);
    if edit.effect_direction.is_some() {
        next.effect_direction = edit.effect_direction;
    }
    check.finish()?;
    let edit = Edit {
        subject: Subject::new("Claim", current.id),
        claim_id: Some(current.id),
        what: "claim",
        action: "claim.updated",
        based_on: edit.version,
        version: current.version,
        before: snapshot(&current),
        after: snapshot(&next),
    };
    apply_edit(txn, author, edit, || {
        claim::Entity::update_many()
            .col_expr(claim::Column::StatementFolded, Expr::value(fold(&next.statement)))
            .col_expr(claim::Column::Statement, Expr::value(next.statement))
            .col_expr(
                claim::Column::PopulationFolded,
                Expr::value(fold(&next.population)),
            )
            .col_expr(claim::Column::Population, Expr::value(next.population))
            .col_expr(
                claim::Column::InterventionFolded,
                Expr::value(fold(&next.intervention)),
            )
            .col_expr(claim::Column::Intervention, Expr::value(next.intervention))
            .col_expr(
                claim::Column::ComparatorFolded,
                Expr::value(fold(&next.comparator)),
            )
            .col_expr(claim::Column::Comparator, Expr::value(next.comparator))
            .col_expr(claim::Column::OutcomeFolded, Expr::value(fold(&next.outcome)))
            .col_expr(claim::Column::Outcome, Expr::value(next.outcome))
            .col_expr(
                claim::Column::EffectDirection,
                Expr::value(next.effect_direction.map(|d| d.name().to_owned())),
            )
            .col_expr(claim::Column::Synthesis, Expr::value(next.synthesis))
            .col_expr(claim::Column::UpdatedAt, Expr::value(Utc::now()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::is_slug;

    #[test]
    fn slugs_are_lower_case_hyphenated_words() {
        assert!(is_slug("rest-pause-training"));
        assert!(is_slug("gen-000001"));
        for bad in ["", "-a", "a-", "a--b", "A-b", "a b", "a_b", "é"] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }
}
