//! DOIs and the studies behind them.

use entity::values::{Doi, StudyDesign, fold};
use entity::{doi, study};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Applied, Author, Check, EventDraft, FieldErrorCode, Subject, WriteError, max, record};
use super::{Edit, apply_edit};

/// A study's bibliographic facts, keyed by its DOI. When the DOI already has a study, `version` must
/// name the version the caller saw, and the facts replace the stored ones.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudyDraft {
    pub doi: String,
    pub title: String,
    pub journal: Option<String>,
    pub year: Option<i32>,
    pub design: StudyDesign,
    pub authors: Option<String>,
    pub sample_size: Option<i32>,
    #[serde(default)]
    pub retracted: bool,
    pub version: Option<i32>,
}

/// The values an event records for a study.
pub fn snapshot(row: &study::Model, doi: &str) -> Map<String, Value> {
    match json!({
        "doi": doi,
        "title": row.title,
        "journal": row.journal,
        "year": row.year,
        "design": row.design,
        "authors": row.authors,
        "sampleSize": row.sample_size,
        "retracted": row.retracted,
    }) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The id of `value`'s DOI row, creating it (with its event) when the graph has not seen it yet.
pub(crate) async fn ensure_doi(
    txn: &DatabaseTransaction,
    author: Author,
    value: &Doi,
) -> Result<i32, WriteError> {
    if let Some(row) = doi::Entity::find()
        .filter(doi::Column::Value.eq(value.as_str()))
        .one(txn)
        .await?
    {
        return Ok(row.id);
    }
    let row = doi::ActiveModel {
        id: NotSet,
        value: Set(value.as_str().to_owned()),
    }
    .insert(txn)
    .await?;
    let event = EventDraft {
        action: "doi.created",
        subject: Subject::new("Doi", row.id),
        claim_id: None,
        before: None,
        after: Some(json!({ "value": row.value })),
    };
    record(txn, author, event, true).await?;
    Ok(row.id)
}

/// The study a DOI identifies, if the graph knows one.
pub(crate) async fn find_by_doi(
    txn: &DatabaseTransaction,
    value: &Doi,
) -> Result<Option<study::Model>, WriteError> {
    let Some(row) = doi::Entity::find()
        .filter(doi::Column::Value.eq(value.as_str()))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    Ok(study::Entity::find()
        .filter(study::Column::DoiId.eq(row.id))
        .one(txn)
        .await?)
}

/// Checks a draft's facts; `prefix` is where the draft sits in the caller's input (`study.` when it
/// is nested in an evidence submission).
pub(crate) fn check_draft(
    check: &mut Check,
    prefix: &str,
    draft: &StudyDraft,
) -> (Option<Doi>, study::Model) {
    let field = |name: &str| format!("{prefix}{name}");
    let doi = check.doi(&field("doi"), &draft.doi);
    let title = check.text(&field("title"), &draft.title, max::TITLE);
    let journal = check.optional_text(&field("journal"), draft.journal.as_deref(), max::JOURNAL);
    let authors = check.optional_text(&field("authors"), draft.authors.as_deref(), max::AUTHORS);
    if let Some(year) = draft.year
        && !(1600..=2100).contains(&year)
    {
        check.push(
            &field("year"),
            FieldErrorCode::OutOfRange,
            "Give a year from 1600 to 2100.",
        );
    }
    if let Some(size) = draft.sample_size
        && size < 1
    {
        check.push(
            &field("sampleSize"),
            FieldErrorCode::OutOfRange,
            "A sample has at least 1 participant.",
        );
    }
    let model = study::Model {
        id: 0,
        doi_id: None,
        title_folded: fold(&title),
        title,
        journal,
        year: draft.year,
        design: draft.design,
        authors,
        sample_size: draft.sample_size,
        retracted: draft.retracted,
        version: 1,
        journal_folded: None,
    };
    (doi, model)
}

/// Creates the study for a DOI, or replaces its facts.
pub async fn upsert(
    txn: &DatabaseTransaction,
    author: Author,
    draft: &StudyDraft,
) -> Result<Applied, WriteError> {
    let mut check = Check::default();
    let (doi, next) = check_draft(&mut check, "", draft);
    check.finish()?;
    let Some(doi) = doi else {
        return Err(WriteError::invalid("doi", FieldErrorCode::Invalid, "Not a DOI."));
    };
    match find_by_doi(txn, &doi).await? {
        None => create(txn, author, &doi, next).await,
        Some(current) => {
            let Some(version) = draft.version else {
                return Err(WriteError::invalid(
                    "version",
                    FieldErrorCode::Required,
                    format!(
                        "This DOI already has a study (version {}); give the version you based the change on.",
                        current.version
                    ),
                ));
            };
            let edit = Edit {
                subject: Subject::new("Study", current.id),
                claim_id: None,
                what: "study",
                action: "study.updated",
                based_on: version,
                version: current.version,
                before: snapshot(&current, doi.as_str()),
                after: snapshot(&next, doi.as_str()),
            };
            apply_edit(txn, author, edit, || {
                study::Entity::update_many()
                    .col_expr(study::Column::TitleFolded, Expr::value(fold(&next.title)))
                    .col_expr(study::Column::Title, Expr::value(next.title))
                    .col_expr(
                        study::Column::JournalFolded,
                        Expr::value(next.journal.as_deref().map(fold)),
                    )
                    .col_expr(study::Column::Journal, Expr::value(next.journal))
                    .col_expr(study::Column::Year, Expr::value(next.year))
                    .col_expr(study::Column::Design, Expr::value(next.design.name()))
                    .col_expr(study::Column::Authors, Expr::value(next.authors))
                    .col_expr(study::Column::SampleSize, Expr::value(next.sample_size))
                    .col_expr(study::Column::Retracted, Expr::value(next.retracted))
            })
            .await
        }
    }
}

/// Inserts a checked study for `doi`.
pub(crate) async fn create(
    txn: &DatabaseTransaction,
    author: Author,
    doi: &Doi,
    facts: study::Model,
) -> Result<Applied, WriteError> {
    let doi_id = ensure_doi(txn, author, doi).await?;
    let row = study::ActiveModel {
        id: NotSet,
        doi_id: Set(Some(doi_id)),
        title_folded: Set(fold(&facts.title)),
        title: Set(facts.title),
        journal_folded: Set(facts.journal.as_deref().map(fold)),
        journal: Set(facts.journal),
        year: Set(facts.year),
        design: Set(facts.design),
        authors: Set(facts.authors),
        sample_size: Set(facts.sample_size),
        retracted: Set(facts.retracted),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    let event = EventDraft {
        action: "study.created",
        subject: Subject::new("Study", row.id),
        claim_id: None,
        before: None,
        after: Some(Value::Object(snapshot(&row, doi.as_str()))),
    };
    Ok(record(txn, author, event, true).await?)
}
