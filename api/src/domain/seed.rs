//! Loads validated seed files (see the `seeds` crate) into the database. It lives here, not in the
//! seeds crate, because it writes through [`super::write`], which that crate sits below.
//!
//! The loader writes every row through the domain's write functions ([`super::write`]), as the
//! system actor, so seeded rows get the same checks, versions and events as a curator's edits:
//! there is one write path, and a seed file cannot hold what a mutation would refuse.
//!
//! Everything is written in one transaction: a failure leaves the database as it was. Loading is
//! idempotent and keeps row ids stable: a claim is matched by slug, a mechanism by rank, a step by
//! position, a study by DOI, evidence by study, and a write function is only called when the
//! content differs, so loading the same files again writes no row and no event. A seeded claim's
//! file is its whole truth: mechanisms, steps and evidence that the file no longer lists are
//! removed. Studies are shared between claims and are never removed.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::fmt::Display;

use entity::values::Doi;
use entity::{citation, claim, doi, evidence, mechanism, mechanism_step, study};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use seeds::{SeedClaim, SeedFile, SeedMechanism, SeedStudy};

use super::write::claims::{ClaimDraft, ClaimEdit};
use super::write::evidence::{EvidenceDraft, EvidenceEdit};
use super::write::mechanisms::{MechanismDraft, MechanismEdit, Removal};
use super::write::steps::{CitationChange, StepDraft, StepEdit};
use super::write::studies::StudyDraft;
use super::write::{self, Actor, Applied, Author, FieldError, WriteError};

/// What a load wrote, for the CLI to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub claims: usize,
    pub studies: usize,
    /// Changes applied (each with its event); 0 when the database already held the files' content.
    pub rows_written: usize,
}

/// Why a load wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The write checks refused a value of the files (or the files ask for something no write
    /// function can do); each problem names its place as the seed reader does.
    #[error("{file}, {subject}: {}", .problems.join("; "))]
    Refused {
        /// The seed file, as it was named when read.
        file: String,
        /// `claim "<slug>"` or `study <doi>`.
        subject: String,
        /// `<path in the file>: <message>`, e.g. `claim[1].mechanism[2].step[3].text: ...`.
        problems: Vec<String>,
    },
    /// The database failed.
    #[error("writing the seed data: {0}")]
    Database(#[from] DbErr),
}

/// Loads every file, all or nothing.
pub async fn load_seed_files(db: &DatabaseConnection, files: &[SeedFile]) -> Result<LoadSummary, LoadError> {
    let txn = write::begin_write(db).await?;
    let result = load_into(&txn, files).await;
    write::finish(txn, result).await
}

async fn load_into(txn: &DatabaseTransaction, files: &[SeedFile]) -> Result<LoadSummary, LoadError> {
    let mut loader = Loader {
        txn,
        author: Author::new(Actor::System),
        summary: LoadSummary::default(),
    };
    // Studies first: evidence names them, and a claim's evidence may name another file's study.
    let mut studies = HashMap::new();
    for file in files {
        for (index, seed) in file.studies.iter().enumerate() {
            let place = Place::root(
                &file.name,
                format!("study {}", seed.doi),
                format!("study[{}]", index + 1),
            );
            let id = loader.sync_study(&place, seed).await?;
            studies.insert(seed.doi.as_str().to_owned(), id);
            loader.summary.studies += 1;
        }
    }
    for file in files {
        for (index, seed) in file.claims.iter().enumerate() {
            let place = Place::root(
                &file.name,
                format!("claim {:?}", seed.slug),
                format!("claim[{}]", index + 1),
            );
            loader.sync_claim(&place, seed, &studies).await?;
            loader.summary.claims += 1;
        }
    }
    Ok(loader.summary)
}

/// Where a write comes from in the seed files, so a refusal can point at it.
struct Place<'a> {
    file: &'a str,
    subject: String,
    /// The seed reader's path to the row, e.g. `claim[1].mechanism[2]`.
    path: String,
}

impl<'a> Place<'a> {
    fn root(file: &'a str, subject: String, path: String) -> Self {
        Place { file, subject, path }
    }

    fn child(&self, segment: impl Display) -> Place<'a> {
        Place {
            file: self.file,
            subject: self.subject.clone(),
            path: format!("{}.{segment}", self.path),
        }
    }

    /// A refusal of `field` (a seed-file key under this place) for `message`.
    fn refuse(&self, field: &str, message: impl Display) -> LoadError {
        LoadError::Refused {
            file: self.file.to_owned(),
            subject: self.subject.clone(),
            problems: vec![format!("{}.{field}: {message}", self.path)],
        }
    }

    /// Says why a write function refused this place's row, in the seed file's terms.
    fn explain(&self, err: WriteError) -> LoadError {
        let problems = match err {
            WriteError::Db(err) => return LoadError::Database(err),
            WriteError::Invalid(errors) => errors
                .iter()
                .map(|e| format!("{}.{}: {}", self.path, seed_field(e), e.message))
                .collect(),
            WriteError::Conflict {
                field,
                based_on,
                current,
            } => vec![format!(
                "{}.{}: another writer changed this row during the load (version {based_on} became \
                 {current}); nothing was written, load again",
                self.path,
                field.join(".")
            )],
            WriteError::Forbidden(message) | WriteError::Busy(message) => {
                vec![format!("{}: {message}", self.path)]
            }
        };
        LoadError::Refused {
            file: self.file.to_owned(),
            subject: self.subject.clone(),
            problems,
        }
    }
}

/// A write function's field path in the seed file's spelling: `sampleSize` -> `sample_size`,
/// `citations.0` -> `citations[1]`.
fn seed_field(error: &FieldError) -> String {
    let mut out = String::new();
    for segment in &error.field {
        if let Ok(index) = segment.parse::<usize>() {
            out.push_str(&format!("[{}]", index + 1));
            continue;
        }
        if !out.is_empty() {
            out.push('.');
        }
        for c in segment.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// An optional text as the write functions store it: trimmed, blank meaning none.
fn stored_optional(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// An optional text as an edit field: the write functions read a blank text as "remove it".
fn edit_optional(value: Option<&str>) -> Option<String> {
    Some(value.unwrap_or_default().to_owned())
}

/// One load's transaction, author and tally.
struct Loader<'t> {
    txn: &'t DatabaseTransaction,
    author: Author,
    summary: LoadSummary,
}

impl Loader<'_> {
    /// Counts a write function's result: an [`Applied`] that recorded no values changed nothing.
    fn tally(
        &mut self,
        place: &Place<'_>,
        result: Result<Applied, WriteError>,
    ) -> Result<Applied, LoadError> {
        let applied = result.map_err(|e| place.explain(e))?;
        if applied.before.is_some() || applied.after.is_some() {
            self.summary.rows_written += 1;
        }
        Ok(applied)
    }

    /// Creates or updates the study behind a DOI; its id.
    async fn sync_study(&mut self, place: &Place<'_>, seed: &SeedStudy) -> Result<i32, LoadError> {
        let current = write::studies::find_by_doi(self.txn, &seed.doi)
            .await
            .map_err(|e| place.explain(e))?;
        if let Some(row) = &current
            && same_study(row, seed)
        {
            return Ok(row.id);
        }
        let draft = StudyDraft {
            doi: seed.doi.as_str().to_owned(),
            title: seed.title.clone(),
            journal: seed.journal.clone(),
            year: seed.year,
            design: seed.design,
            authors: seed.authors.clone(),
            sample_size: seed.sample_size,
            retracted: seed.retracted,
            version: current.map(|row| row.version),
        };
        let result = write::studies::upsert(self.txn, self.author, &draft).await;
        Ok(self.tally(place, result)?.subject.id)
    }

    /// Creates or updates a claim, then brings its mechanisms and evidence in line with the file.
    async fn sync_claim(
        &mut self,
        place: &Place<'_>,
        seed: &SeedClaim,
        studies: &HashMap<String, i32>,
    ) -> Result<(), LoadError> {
        let current = claim::Entity::find()
            .filter(claim::Column::Slug.eq(seed.slug.as_str()))
            .one(self.txn)
            .await?;
        let claim_id = match current {
            None => {
                let draft = ClaimDraft {
                    slug: seed.slug.clone(),
                    statement: seed.statement.clone(),
                    population: seed.population.clone(),
                    intervention: seed.intervention.clone(),
                    comparator: seed.comparator.clone(),
                    outcome: seed.outcome.clone(),
                    effect_direction: seed.effect_direction,
                    synthesis: seed.synthesis.clone(),
                };
                let result = write::claims::create(self.txn, self.author, &draft).await;
                self.tally(place, result)?.subject.id
            }
            Some(row) => {
                if let (None, Some(stored)) = (seed.effect_direction, row.effect_direction) {
                    // A claim edit names a direction or keeps the stored one; none can clear it.
                    return Err(place.refuse(
                        "effect_direction",
                        format!(
                            "the file gives none, but the stored claim says {}, and a claim update \
                             cannot clear it; give the direction in the file",
                            stored.name()
                        ),
                    ));
                }
                if !same_claim(&row, seed) {
                    let edit = ClaimEdit {
                        id: row.id,
                        version: row.version,
                        statement: Some(seed.statement.clone()),
                        population: Some(seed.population.clone()),
                        intervention: Some(seed.intervention.clone()),
                        comparator: Some(seed.comparator.clone()),
                        outcome: Some(seed.outcome.clone()),
                        effect_direction: seed.effect_direction,
                        synthesis: Some(seed.synthesis.clone()),
                    };
                    let result = write::claims::update(self.txn, self.author, &edit).await;
                    self.tally(place, result)?;
                }
                row.id
            }
        };
        self.sync_mechanisms(place, claim_id, &seed.mechanisms).await?;
        self.sync_evidence(place, claim_id, seed, studies).await
    }

    /// Matches a claim's mechanisms by rank: updates, adds (ranks run 1, 2, ... in both lists, so
    /// an added rank is always the next one) and removes those past the file's last rank.
    async fn sync_mechanisms(
        &mut self,
        place: &Place<'_>,
        claim_id: i32,
        seeds: &[SeedMechanism],
    ) -> Result<(), LoadError> {
        let mut existing: HashMap<i32, mechanism::Model> = mechanism::Entity::find()
            .filter(mechanism::Column::ClaimId.eq(claim_id))
            .all(self.txn)
            .await?
            .into_iter()
            .map(|m| (m.rank, m))
            .collect();
        for seed in seeds {
            let place = place.child(format_args!("mechanism[{}]", seed.rank));
            let id = match existing.remove(&seed.rank) {
                Some(row) => {
                    if !same_mechanism(&row, seed) {
                        let edit = MechanismEdit {
                            id: row.id,
                            version: row.version,
                            support: Some(seed.support),
                            label: edit_optional(seed.label.as_deref()),
                            summary: Some(seed.summary.clone()),
                        };
                        let result = write::mechanisms::update(self.txn, self.author, &edit).await;
                        self.tally(&place, result)?;
                    }
                    row.id
                }
                None => {
                    let draft = MechanismDraft {
                        claim_id,
                        rank: Some(seed.rank),
                        support: seed.support,
                        label: seed.label.clone(),
                        summary: seed.summary.clone(),
                    };
                    let result = write::mechanisms::add(self.txn, self.author, &draft).await;
                    self.tally(&place, result)?.subject.id
                }
            };
            self.sync_steps(&place, id, seed).await?;
        }
        // Last first, so no removal moves a mechanism that is still to be removed.
        let mut stale: Vec<mechanism::Model> = existing.into_values().collect();
        stale.sort_by_key(|m| Reverse(m.rank));
        for row in stale {
            let removal = Removal {
                id: row.id,
                version: row.version,
            };
            let result = write::mechanisms::remove(self.txn, self.author, &removal).await;
            self.tally(&place.child(format_args!("mechanism[{}]", row.rank)), result)?;
        }
        Ok(())
    }

    /// Matches a mechanism's steps by position, as [`Loader::sync_mechanisms`] does by rank.
    async fn sync_steps(
        &mut self,
        place: &Place<'_>,
        mechanism_id: i32,
        seed: &SeedMechanism,
    ) -> Result<(), LoadError> {
        let rows = mechanism_step::Entity::find()
            .filter(mechanism_step::Column::MechanismId.eq(mechanism_id))
            .all(self.txn)
            .await?;
        let mut cited = self.cited(rows.iter().map(|s| s.id).collect()).await?;
        let mut existing: HashMap<i32, mechanism_step::Model> =
            rows.into_iter().map(|s| (s.position, s)).collect();
        for step in &seed.steps {
            let place = place.child(format_args!("step[{}]", step.position));
            let Some(row) = existing.remove(&step.position) else {
                let draft = StepDraft {
                    mechanism_id,
                    position: Some(step.position),
                    text: step.text.clone(),
                    citations: step.citations.iter().map(|d| d.as_str().to_owned()).collect(),
                };
                let result = write::steps::add(self.txn, self.author, &draft).await;
                self.tally(&place, result)?;
                continue;
            };
            if row.text != step.text.trim() {
                let edit = StepEdit {
                    id: row.id,
                    version: row.version,
                    text: step.text.clone(),
                };
                let result = write::steps::update(self.txn, self.author, &edit).await;
                self.tally(&place, result)?;
            }
            let current = cited.remove(&row.id).unwrap_or_default();
            self.sync_citations(&place, row.id, &current, &step.citations)
                .await?;
        }
        let mut stale: Vec<mechanism_step::Model> = existing.into_values().collect();
        stale.sort_by_key(|s| Reverse(s.position));
        for row in stale {
            let removal = Removal {
                id: row.id,
                version: row.version,
            };
            let result = write::steps::remove(self.txn, self.author, &removal).await;
            self.tally(&place.child(format_args!("step[{}]", row.position)), result)?;
        }
        Ok(())
    }

    /// The DOIs each of `step_ids` cites, in order.
    async fn cited(&self, step_ids: Vec<i32>) -> Result<HashMap<i32, Vec<String>>, LoadError> {
        let mut cited: HashMap<i32, Vec<String>> = HashMap::new();
        if step_ids.is_empty() {
            return Ok(cited);
        }
        let rows = citation::Entity::find()
            .filter(citation::Column::MechanismStepId.is_in(step_ids))
            .order_by_asc(citation::Column::MechanismStepId)
            .order_by_asc(citation::Column::Position)
            .find_also_related(doi::Entity)
            .all(self.txn)
            .await?;
        for (row, doi) in rows {
            cited
                .entry(row.mechanism_step_id)
                .or_default()
                .push(doi.map(|d| d.value).unwrap_or_default());
        }
        Ok(cited)
    }

    /// Makes a step cite `wanted`, in order: keeps the citations the two lists start with, removes
    /// the rest and cites the file's remaining DOIs after them.
    async fn sync_citations(
        &mut self,
        place: &Place<'_>,
        step_id: i32,
        current: &[String],
        wanted: &[Doi],
    ) -> Result<(), LoadError> {
        let kept = current
            .iter()
            .zip(wanted)
            .take_while(|(have, want)| have.as_str() == want.as_str())
            .count();
        if kept == current.len() && kept == wanted.len() {
            return Ok(());
        }
        // Each citation change bumps the step's version, so every one reads it afresh.
        for value in current[kept..].iter().rev() {
            let change = CitationChange {
                step_id,
                version: self.step_version(step_id).await?,
                doi: value.clone(),
                position: None,
            };
            let result = write::steps::uncite(self.txn, self.author, &change).await;
            self.tally(place, result)?;
        }
        for (position, value) in (kept as i32 + 1..).zip(&wanted[kept..]) {
            let change = CitationChange {
                step_id,
                version: self.step_version(step_id).await?,
                doi: value.as_str().to_owned(),
                position: Some(position),
            };
            let result = write::steps::cite(self.txn, self.author, &change).await;
            self.tally(place, result)?;
        }
        Ok(())
    }

    /// A step's version now; 0 when the step is gone, which the citation change then reports.
    async fn step_version(&self, step_id: i32) -> Result<i32, LoadError> {
        Ok(mechanism_step::Entity::find_by_id(step_id)
            .one(self.txn)
            .await?
            .map_or(0, |s| s.version))
    }

    /// Matches a claim's evidence by study: updates, submits, and removes what the file no longer
    /// lists.
    async fn sync_evidence(
        &mut self,
        place: &Place<'_>,
        claim_id: i32,
        seed: &SeedClaim,
        studies: &HashMap<String, i32>,
    ) -> Result<(), LoadError> {
        let rows = evidence::Entity::find()
            .filter(evidence::Column::ClaimId.eq(claim_id))
            .order_by_asc(evidence::Column::Id)
            .all(self.txn)
            .await?;
        let mut existing: HashMap<i32, evidence::Model> = rows.into_iter().map(|e| (e.study_id, e)).collect();
        for (index, item) in seed.evidence.iter().enumerate() {
            let place = place.child(format_args!("evidence[{}]", index + 1));
            // The seeds crate guarantees every evidence names a study of the same load.
            let Some(&study_id) = studies.get(item.study.as_str()) else {
                return Err(place.refuse("study", "no study of this load has this DOI"));
            };
            match existing.remove(&study_id) {
                Some(row)
                    if row.stance == item.stance && row.note == stored_optional(item.note.as_deref()) => {}
                Some(row) => {
                    let edit = EvidenceEdit {
                        id: row.id,
                        version: row.version,
                        stance: Some(item.stance),
                        note: edit_optional(item.note.as_deref()),
                    };
                    let result = write::evidence::update(self.txn, self.author, &edit).await;
                    self.tally(&place, result)?;
                }
                None => {
                    let draft = EvidenceDraft {
                        claim_id,
                        doi: item.study.as_str().to_owned(),
                        stance: item.stance,
                        note: item.note.clone(),
                        study: None,
                    };
                    let result = write::evidence::submit(self.txn, self.author, &draft).await;
                    self.tally(&place, result)?;
                }
            }
        }
        let mut stale: Vec<evidence::Model> = existing.into_values().collect();
        stale.sort_by_key(|e| e.id);
        for row in stale {
            let removal = Removal {
                id: row.id,
                version: row.version,
            };
            let result = write::evidence::remove(self.txn, self.author, &removal).await;
            self.tally(&place.child("evidence"), result)?;
        }
        Ok(())
    }
}

/// Whether a stored claim already says what the file says (texts as the write functions store
/// them: trimmed).
fn same_claim(row: &claim::Model, seed: &SeedClaim) -> bool {
    row.statement == seed.statement.trim()
        && row.population == seed.population.trim()
        && row.intervention == seed.intervention.trim()
        && row.comparator == seed.comparator.trim()
        && row.outcome == seed.outcome.trim()
        && row.effect_direction == seed.effect_direction
        && row.synthesis == seed.synthesis.trim()
}

fn same_mechanism(row: &mechanism::Model, seed: &SeedMechanism) -> bool {
    row.support == seed.support
        && row.label == stored_optional(seed.label.as_deref())
        && row.summary == seed.summary.trim()
}

fn same_study(row: &study::Model, seed: &SeedStudy) -> bool {
    row.title == seed.title.trim()
        && row.journal == stored_optional(seed.journal.as_deref())
        && row.year == seed.year
        && row.design == seed.design
        && row.authors == stored_optional(seed.authors.as_deref())
        && row.sample_size == seed.sample_size
        && row.retracted == seed.retracted
}

#[cfg(test)]
mod tests {
    use super::{FieldError, seed_field};
    use crate::domain::write::FieldErrorCode;

    #[test]
    fn field_paths_are_spelt_as_in_the_seed_file() {
        let path = |field: &str| seed_field(&FieldError::new(field, FieldErrorCode::Invalid, ""));
        assert_eq!(path("sampleSize"), "sample_size");
        assert_eq!(path("citations.0"), "citations[1]");
        assert_eq!(path("study.effectDirection"), "study.effect_direction");
    }
}
