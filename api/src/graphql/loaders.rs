//! Per-request batching: every relation the schema exposes is read through the request's
//! DataLoader over the [`Store`], which turns the N look-ups of one query level into one statement
//! (the store's [`relations`](crate::store::relations)) and keeps each answer for the request.
//!
//! A loader lives for one request only (see `graphql::engine`): a shared one would batch and cache
//! across users. Each key type below is one relation; its name says what it loads. Here the rows
//! are only grouped by key: the SQL is the store's.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{claim, contribution, doi, event, evidence, mechanism, mechanism_step, study, user};

use crate::store::{Store, StoreError};

/// Errors are shared between the callers of one batch.
pub type LoadError = Arc<StoreError>;

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

/// The raw ids of a batch's keys.
fn ids<K>(keys: &[K], id: impl Fn(&K) -> i32) -> Vec<i32> {
    keys.iter().map(id).collect()
}

/// Declares a key type that loads rows of one table by primary key.
macro_rules! by_id_loader {
    ($key:ident, $module:ident) => {
        #[doc = concat!("A `", stringify!($module), "` row by its primary key.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $key(pub i32);

        impl Loader<$key> for Store {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = self
                    .by_ids::<$module::Entity>(keys.iter().map(|k| k.0))
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

/// Declares a key type that loads a list of children per parent id: `$read` is the store's
/// look-up for a batch of parent ids, and `$pair` turns each row it returns into
/// `(parent id, child)`, in the list's order.
macro_rules! children_loader {
    ($(#[$doc:meta])* $key:ident => $value:ty, $read:ident, $pair:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $key(pub i32);

        impl Loader<$key> for Store {
            type Value = Vec<$value>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = self.$read(&ids(keys, |k| k.0)).await?;
                let pairs = rows.into_iter().map($pair).map(|(parent, child)| ($key(parent), child));
                Ok(group_by_parent(keys, pairs))
            }
        }
    };
}

children_loader!(
    /// A claim's mechanisms, by rank.
    MechanismsByClaim => mechanism::Model,
    mechanisms_of_claims,
    |m| (m.claim_id, m)
);
children_loader!(
    /// A mechanism's steps, by position.
    MechanismStepsByMechanism => mechanism_step::Model,
    steps_of_mechanisms,
    |s| (s.mechanism_id, s)
);
children_loader!(
    /// The DOIs a step cites, in citation order.
    DoisCitedByStep => doi::Model,
    dois_cited_by_steps,
    |pair| pair
);
children_loader!(
    /// The steps that cite a DOI, oldest step first.
    MechanismStepsCitingDoi => mechanism_step::Model,
    steps_citing_dois,
    |pair| pair
);
children_loader!(
    /// A claim's evidence rows, oldest first.
    EvidenceByClaim => evidence::Model,
    evidence_of_claims,
    |e| (e.claim_id, e)
);
children_loader!(
    /// A study's evidence rows (the claims it bears on), oldest first.
    EvidenceByStudy => evidence::Model,
    evidence_of_studies,
    |e| (e.study_id, e)
);
children_loader!(
    /// The ids of the distinct studies cited by a claim's mechanism steps (through their DOIs), ascending.
    StudiesCitedByClaim => i32,
    study_ids_cited_by_claims,
    |pair| pair
);

/// The study a DOI identifies, if its metadata is known. Every DOI asked for gets an answer, `None`
/// when no study has it, so a DOI without a study is a cached answer too and not a new look-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudyByDoi(pub i32);

impl Loader<StudyByDoi> for Store {
    type Value = Option<study::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[StudyByDoi]) -> Result<HashMap<StudyByDoi, Self::Value>, Self::Error> {
        let rows = self.studies_of_dois(&ids(keys, |k| k.0)).await?;
        let mut found: HashMap<StudyByDoi, Self::Value> = keys.iter().map(|&k| (k, None)).collect();
        for study in rows {
            if let Some(doi) = study.doi_id {
                found.insert(StudyByDoi(doi), Some(study));
            }
        }
        Ok(found)
    }
}
