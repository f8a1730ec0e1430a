//! Loads validated seed files (see the `seeds` crate) into the database.
//!
//! Everything is written in one transaction: a failure leaves the database as it was. Loading is
//! idempotent and keeps row ids stable: a claim is matched by slug, a mechanism by rank, a step by
//! position, a DOI by value, a study by DOI, evidence by study, and a row is only written when its
//! content differs. A seeded claim's file is its whole truth: mechanisms, steps and evidence that the
//! file no longer lists are removed.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use entity::{citation, claim, doi, evidence, mechanism, mechanism_step, study};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use seeds::{SeedClaim, SeedFile, SeedMechanism, SeedStudy};

/// What a load wrote, for the CLI to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub claims: usize,
    pub studies: usize,
    /// Rows inserted, updated or deleted; 0 when the database already held the files' content.
    pub rows_written: usize,
}

/// Loads every file, all or nothing.
pub async fn load_seed_files(db: &DatabaseConnection, files: &[SeedFile]) -> Result<LoadSummary, DbErr> {
    let txn = db.begin().await?;
    let mut summary = LoadSummary::default();
    let dois = upsert_dois(&txn, files, &mut summary).await?;
    let mut studies = HashMap::new();
    for seed in files.iter().flat_map(|f| &f.studies) {
        let id = upsert_study(&txn, seed, &dois, &mut summary).await?;
        studies.insert(seed.doi.as_str().to_owned(), id);
        summary.studies += 1;
    }
    for seed in files.iter().flat_map(|f| &f.claims) {
        upsert_claim(&txn, seed, &dois, &studies, &mut summary).await?;
        summary.claims += 1;
    }
    txn.commit().await?;
    Ok(summary)
}

/// Ensures a row for every DOI the files mention; returns value -> id.
async fn upsert_dois<C: ConnectionTrait>(
    db: &C,
    files: &[SeedFile],
    summary: &mut LoadSummary,
) -> Result<HashMap<String, i32>, DbErr> {
    let wanted: BTreeSet<&str> = files
        .iter()
        .flat_map(|f| {
            let cited = f
                .claims
                .iter()
                .flat_map(|c| &c.mechanisms)
                .flat_map(|m| &m.steps)
                .flat_map(|s| &s.citations);
            f.studies.iter().map(|s| &s.doi).chain(cited)
        })
        .map(|d| d.as_str())
        .collect();
    let mut ids: HashMap<String, i32> = doi::Entity::find()
        .filter(doi::Column::Value.is_in(wanted.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.value, row.id))
        .collect();
    for value in wanted {
        if !ids.contains_key(value) {
            let row = doi::ActiveModel {
                value: Set(value.to_owned()),
                ..Default::default()
            }
            .insert(db)
            .await?;
            summary.rows_written += 1;
            ids.insert(row.value, row.id);
        }
    }
    Ok(ids)
}

fn doi_id(dois: &HashMap<String, i32>, value: &str) -> Result<i32, DbErr> {
    dois.get(value)
        .copied()
        .ok_or_else(|| DbErr::Custom(format!("seed DOI {value} was not written")))
}

async fn upsert_study<C: ConnectionTrait>(
    db: &C,
    seed: &SeedStudy,
    dois: &HashMap<String, i32>,
    summary: &mut LoadSummary,
) -> Result<i32, DbErr> {
    let doi_id = doi_id(dois, seed.doi.as_str())?;
    let wanted = study::Model {
        id: 0,
        doi_id: Some(doi_id),
        title: seed.title.clone(),
        journal: seed.journal.clone(),
        year: seed.year,
        design: seed.design,
        authors: seed.authors.clone(),
        sample_size: seed.sample_size,
        retracted: seed.retracted,
    };
    let existing = study::Entity::find()
        .filter(study::Column::DoiId.eq(doi_id))
        .one(db)
        .await?;
    match existing {
        Some(row)
            if study::Model {
                id: row.id,
                ..wanted.clone()
            } == row =>
        {
            Ok(row.id)
        }
        Some(row) => {
            let mut active: study::ActiveModel = row.into();
            active.title = Set(wanted.title);
            active.journal = Set(wanted.journal);
            active.year = Set(wanted.year);
            active.design = Set(wanted.design);
            active.authors = Set(wanted.authors);
            active.sample_size = Set(wanted.sample_size);
            active.retracted = Set(wanted.retracted);
            summary.rows_written += 1;
            Ok(active.update(db).await?.id)
        }
        None => {
            let active = study::ActiveModel {
                doi_id: Set(wanted.doi_id),
                title: Set(wanted.title),
                journal: Set(wanted.journal),
                year: Set(wanted.year),
                design: Set(wanted.design),
                authors: Set(wanted.authors),
                sample_size: Set(wanted.sample_size),
                retracted: Set(wanted.retracted),
                ..Default::default()
            };
            summary.rows_written += 1;
            Ok(active.insert(db).await?.id)
        }
    }
}

async fn upsert_claim<C: ConnectionTrait>(
    db: &C,
    seed: &SeedClaim,
    dois: &HashMap<String, i32>,
    studies: &HashMap<String, i32>,
    summary: &mut LoadSummary,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let existing = claim::Entity::find()
        .filter(claim::Column::Slug.eq(seed.slug.as_str()))
        .one(db)
        .await?;
    let same = |row: &claim::Model| {
        row.statement == seed.statement
            && row.population == seed.population
            && row.intervention == seed.intervention
            && row.comparator == seed.comparator
            && row.outcome == seed.outcome
            && row.effect_direction == seed.effect_direction
            && row.synthesis == seed.synthesis
    };
    let fill = |active: &mut claim::ActiveModel| {
        active.statement = Set(seed.statement.clone());
        active.population = Set(seed.population.clone());
        active.intervention = Set(seed.intervention.clone());
        active.comparator = Set(seed.comparator.clone());
        active.outcome = Set(seed.outcome.clone());
        active.effect_direction = Set(seed.effect_direction);
        active.synthesis = Set(seed.synthesis.clone());
        active.updated_at = Set(now);
    };
    let claim_id = match existing {
        Some(row) if same(&row) => row.id,
        Some(row) => {
            let mut active: claim::ActiveModel = row.into();
            fill(&mut active);
            summary.rows_written += 1;
            active.update(db).await?.id
        }
        None => {
            let mut active = claim::ActiveModel {
                slug: Set(seed.slug.clone()),
                created_at: Set(now),
                ..Default::default()
            };
            fill(&mut active);
            summary.rows_written += 1;
            active.insert(db).await?.id
        }
    };
    sync_mechanisms(db, claim_id, &seed.mechanisms, dois, summary).await?;
    sync_evidence(db, claim_id, seed, studies, summary).await
}

async fn sync_mechanisms<C: ConnectionTrait>(
    db: &C,
    claim_id: i32,
    seeds: &[SeedMechanism],
    dois: &HashMap<String, i32>,
    summary: &mut LoadSummary,
) -> Result<(), DbErr> {
    let mut existing: HashMap<i32, mechanism::Model> = mechanism::Entity::find()
        .filter(mechanism::Column::ClaimId.eq(claim_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.rank, m))
        .collect();
    for seed in seeds {
        let wanted = mechanism::Model {
            id: 0,
            claim_id,
            rank: seed.rank,
            support: seed.support,
            label: seed.label.clone(),
            summary: seed.summary.clone(),
        };
        let id = match existing.remove(&seed.rank) {
            Some(row)
                if mechanism::Model {
                    id: row.id,
                    ..wanted.clone()
                } == row =>
            {
                row.id
            }
            Some(row) => {
                let mut active: mechanism::ActiveModel = row.into();
                active.support = Set(wanted.support);
                active.label = Set(wanted.label);
                active.summary = Set(wanted.summary);
                summary.rows_written += 1;
                active.update(db).await?.id
            }
            None => {
                let active = mechanism::ActiveModel {
                    claim_id: Set(claim_id),
                    rank: Set(wanted.rank),
                    support: Set(wanted.support),
                    label: Set(wanted.label),
                    summary: Set(wanted.summary),
                    ..Default::default()
                };
                summary.rows_written += 1;
                active.insert(db).await?.id
            }
        };
        sync_steps(db, id, seed, dois, summary).await?;
    }
    for stale in existing.into_values() {
        mechanism::Entity::delete_by_id(stale.id).exec(db).await?;
        summary.rows_written += 1;
    }
    Ok(())
}

async fn sync_steps<C: ConnectionTrait>(
    db: &C,
    mechanism_id: i32,
    seed: &SeedMechanism,
    dois: &HashMap<String, i32>,
    summary: &mut LoadSummary,
) -> Result<(), DbErr> {
    let mut existing: HashMap<i32, mechanism_step::Model> = mechanism_step::Entity::find()
        .filter(mechanism_step::Column::MechanismId.eq(mechanism_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.position, s))
        .collect();
    for step in &seed.steps {
        let id = match existing.remove(&step.position) {
            Some(row) if row.text == step.text => row.id,
            Some(row) => {
                let mut active: mechanism_step::ActiveModel = row.into();
                active.text = Set(step.text.clone());
                summary.rows_written += 1;
                active.update(db).await?.id
            }
            None => {
                let active = mechanism_step::ActiveModel {
                    mechanism_id: Set(mechanism_id),
                    position: Set(step.position),
                    text: Set(step.text.clone()),
                    ..Default::default()
                };
                summary.rows_written += 1;
                active.insert(db).await?.id
            }
        };
        let wanted: Vec<i32> = step
            .citations
            .iter()
            .map(|d| doi_id(dois, d.as_str()))
            .collect::<Result<_, _>>()?;
        let current: Vec<i32> = citation::Entity::find()
            .filter(citation::Column::MechanismStepId.eq(id))
            .order_by_asc(citation::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.doi_id)
            .collect();
        if current != wanted {
            if !current.is_empty() {
                citation::Entity::delete_many()
                    .filter(citation::Column::MechanismStepId.eq(id))
                    .exec(db)
                    .await?;
            }
            for (doi_id, position) in wanted.into_iter().zip(1..) {
                citation::ActiveModel {
                    mechanism_step_id: Set(id),
                    doi_id: Set(doi_id),
                    position: Set(position),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
            summary.rows_written += 1;
        }
    }
    for stale in existing.into_values() {
        mechanism_step::Entity::delete_by_id(stale.id).exec(db).await?;
        summary.rows_written += 1;
    }
    Ok(())
}

async fn sync_evidence<C: ConnectionTrait>(
    db: &C,
    claim_id: i32,
    seed: &SeedClaim,
    studies: &HashMap<String, i32>,
    summary: &mut LoadSummary,
) -> Result<(), DbErr> {
    let mut existing: HashMap<i32, evidence::Model> = evidence::Entity::find()
        .filter(evidence::Column::ClaimId.eq(claim_id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.study_id, e))
        .collect();
    for item in &seed.evidence {
        let study_id = studies
            .get(item.study.as_str())
            .copied()
            .ok_or_else(|| DbErr::Custom(format!("seed study {} was not written", item.study)))?;
        match existing.remove(&study_id) {
            Some(row) if row.stance == item.stance && row.note == item.note => {}
            Some(row) => {
                let mut active: evidence::ActiveModel = row.into();
                active.stance = Set(item.stance);
                active.note = Set(item.note.clone());
                active.update(db).await?;
                summary.rows_written += 1;
            }
            None => {
                evidence::ActiveModel {
                    claim_id: Set(claim_id),
                    study_id: Set(study_id),
                    stance: Set(item.stance),
                    note: Set(item.note.clone()),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                summary.rows_written += 1;
            }
        }
    }
    for stale in existing.into_values() {
        evidence::Entity::delete_by_id(stale.id).exec(db).await?;
        summary.rows_written += 1;
    }
    Ok(())
}
