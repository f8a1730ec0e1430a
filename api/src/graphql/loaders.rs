//! Per-request batching: every relation the schema exposes is read through [`Db`], a DataLoader
//! that turns the N look-ups of one query level into one SQL statement.
//!
//! A loader lives for one request only (see `http::graphql`): a shared one would batch and cache
//! across users. Each key type below is one relation; its name says what it loads.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{citation, claim, contribution, doi, event, evidence, mechanism, mechanism_step, study, user};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};

/// The loader behind every relation; one per request.
pub struct Db {
    pub db: DatabaseConnection,
}

impl Db {
    pub fn new(db: DatabaseConnection) -> Self {
        Db { db }
    }
}

/// Errors are shared between the callers of one batch.
pub type LoadError = Arc<DbErr>;

/// Groups `(parent, child)` rows by parent, keeping row order and giving every requested parent an
/// entry (an empty list when it has no children), so "none" is a cached answer too.
fn group_by_parent<K, V>(keys: &[K], rows: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>>
where
    K: Eq + Hash + Clone,
{
    let mut grouped: HashMap<K, Vec<V>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for (parent, child) in rows {
        grouped.entry(parent).or_default().push(child);
    }
    grouped
}

/// Declares a key type that loads rows of one table by primary key.
macro_rules! by_id_loader {
    ($key:ident, $module:ident) => {
        #[doc = concat!("A `", stringify!($module), "` row by its primary key.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $key(pub i32);

        impl Loader<$key> for Db {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids = keys.iter().map(|k| k.0);
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(ids))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

by_id_loader!(ClaimById, claim);
by_id_loader!(MechanismById, mechanism);
by_id_loader!(MechanismStepById, mechanism_step);
by_id_loader!(DoiById, doi);
by_id_loader!(StudyById, study);
by_id_loader!(EvidenceById, evidence);
by_id_loader!(UserById, user);
by_id_loader!(ContributionById, contribution);
by_id_loader!(EventById, event);

/// A claim's mechanisms, by rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MechanismsByClaim(pub i32);

impl Loader<MechanismsByClaim> for Db {
    type Value = Vec<mechanism::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MechanismsByClaim],
    ) -> Result<HashMap<MechanismsByClaim, Self::Value>, Self::Error> {
        let rows = mechanism::Entity::find()
            .filter(mechanism::Column::ClaimId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(mechanism::Column::Rank)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter().map(|m| (MechanismsByClaim(m.claim_id), m)),
        ))
    }
}

/// A mechanism's steps, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MechanismStepsByMechanism(pub i32);

impl Loader<MechanismStepsByMechanism> for Db {
    type Value = Vec<mechanism_step::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MechanismStepsByMechanism],
    ) -> Result<HashMap<MechanismStepsByMechanism, Self::Value>, Self::Error> {
        let rows = mechanism_step::Entity::find()
            .filter(mechanism_step::Column::MechanismId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(mechanism_step::Column::MechanismId)
            .order_by_asc(mechanism_step::Column::Position)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter()
                .map(|s| (MechanismStepsByMechanism(s.mechanism_id), s)),
        ))
    }
}

/// The DOIs a step cites, in citation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DoisCitedByStep(pub i32);

impl Loader<DoisCitedByStep> for Db {
    type Value = Vec<doi::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[DoisCitedByStep],
    ) -> Result<HashMap<DoisCitedByStep, Self::Value>, Self::Error> {
        let rows = citation::Entity::find()
            .find_also_related(doi::Entity)
            .filter(citation::Column::MechanismStepId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(citation::Column::MechanismStepId)
            .order_by_asc(citation::Column::Position)
            .all(&self.db)
            .await?;
        let pairs = rows
            .into_iter()
            .filter_map(|(citation, doi)| Some((DoisCitedByStep(citation.mechanism_step_id), doi?)));
        Ok(group_by_parent(keys, pairs))
    }
}

/// The steps that cite a DOI, oldest step first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MechanismStepsCitingDoi(pub i32);

impl Loader<MechanismStepsCitingDoi> for Db {
    type Value = Vec<mechanism_step::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MechanismStepsCitingDoi],
    ) -> Result<HashMap<MechanismStepsCitingDoi, Self::Value>, Self::Error> {
        let rows = citation::Entity::find()
            .find_also_related(mechanism_step::Entity)
            .filter(citation::Column::DoiId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(citation::Column::DoiId)
            .order_by_asc(citation::Column::MechanismStepId)
            .all(&self.db)
            .await?;
        let pairs = rows
            .into_iter()
            .filter_map(|(citation, step)| Some((MechanismStepsCitingDoi(citation.doi_id), step?)));
        Ok(group_by_parent(keys, pairs))
    }
}

/// The study a DOI identifies, if its metadata is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudyByDoi(pub i32);

impl Loader<StudyByDoi> for Db {
    type Value = study::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[StudyByDoi]) -> Result<HashMap<StudyByDoi, Self::Value>, Self::Error> {
        let rows = study::Entity::find()
            .filter(study::Column::DoiId.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|s| Some((StudyByDoi(s.doi_id?), s)))
            .collect())
    }
}

/// A claim's evidence rows, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceByClaim(pub i32);

impl Loader<EvidenceByClaim> for Db {
    type Value = Vec<evidence::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EvidenceByClaim],
    ) -> Result<HashMap<EvidenceByClaim, Self::Value>, Self::Error> {
        let rows = evidence::Entity::find()
            .filter(evidence::Column::ClaimId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(evidence::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter().map(|e| (EvidenceByClaim(e.claim_id), e)),
        ))
    }
}

/// A study's evidence rows (the claims it bears on), oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceByStudy(pub i32);

impl Loader<EvidenceByStudy> for Db {
    type Value = Vec<evidence::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EvidenceByStudy],
    ) -> Result<HashMap<EvidenceByStudy, Self::Value>, Self::Error> {
        let rows = evidence::Entity::find()
            .filter(evidence::Column::StudyId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(evidence::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter().map(|e| (EvidenceByStudy(e.study_id), e)),
        ))
    }
}

/// The ids of the distinct studies cited by a claim's mechanism steps (through their DOIs), ascending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudiesCitedByClaim(pub i32);

impl Loader<StudiesCitedByClaim> for Db {
    type Value = Vec<i32>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[StudiesCitedByClaim],
    ) -> Result<HashMap<StudiesCitedByClaim, Self::Value>, Self::Error> {
        let rows: Vec<(i32, i32)> = study::Entity::find()
            .select_only()
            .column(mechanism::Column::ClaimId)
            .column(study::Column::Id)
            .distinct()
            .join(JoinType::InnerJoin, study::Relation::Doi.def())
            .join(JoinType::InnerJoin, doi::Relation::Citation.def())
            .join(JoinType::InnerJoin, citation::Relation::MechanismStep.def())
            .join(JoinType::InnerJoin, mechanism_step::Relation::Mechanism.def())
            .filter(mechanism::Column::ClaimId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(study::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter()
                .map(|(claim, study)| (StudiesCitedByClaim(claim), study)),
        ))
    }
}
