//! Whole-list prefetching: when a resolver returns a list of claims, it loads every relation the
//! query selects under them, one statement per relation for the whole list, and puts the rows in
//! the request loader's cache.
//!
//! DataLoader alone batches by time window: claims resolved after a batch has left start a new one,
//! so the number of statements would depend on timing and list length. Prefetching makes it depend on
//! the query's shape only: a page of 50 claims costs what a page of 1 costs.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use async_graphql::Lookahead;
use async_graphql::dataloader::Loader;

use crate::error::ApiResult;
use crate::graphql::RequestLoader;
use crate::graphql::loaders::{
    Db, DoiById, DoisCitedByStep, EvidenceByClaim, LoadError, MechanismStepsByMechanism, MechanismsByClaim,
    StudiesCitedByClaim, StudyByDoi, StudyById,
};

/// Loads `keys` with one statement, without the loader's batching delay, and caches the rows.
async fn prime<K>(
    loader: &RequestLoader,
    keys: impl IntoIterator<Item = K>,
) -> ApiResult<HashMap<K, <Db as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + Ord + 'static,
    Db: Loader<K, Error = LoadError>,
{
    let keys: Vec<K> = keys.into_iter().collect::<BTreeSet<K>>().into_iter().collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = loader.loader().load(&keys).await?;
    loader
        .feed_many(rows.iter().map(|(k, v)| (k.clone(), v.clone())))
        .await;
    Ok(rows)
}

/// Whether any of the given selections exists.
fn any(selections: &[Lookahead<'_>]) -> bool {
    selections.iter().any(Lookahead::exists)
}

/// Prefetches what `claim` (the selection on each claim of a list) asks for, for all `claims`.
pub async fn prefetch_claims(loader: &RequestLoader, claim: &Lookahead<'_>, claims: &[i32]) -> ApiResult<()> {
    if claims.is_empty() || !claim.exists() {
        return Ok(());
    }
    tokio::try_join!(
        mechanisms(loader, claim, claims),
        evidence(loader, claim, claims),
        synthesis(loader, claim, claims)
    )?;
    Ok(())
}

async fn mechanisms(loader: &RequestLoader, claim: &Lookahead<'_>, claims: &[i32]) -> ApiResult<()> {
    let mechanism = claim.field("mechanisms");
    if !mechanism.exists() {
        return Ok(());
    }
    let mechanisms = prime(loader, claims.iter().map(|&c| MechanismsByClaim(c))).await?;
    let step = mechanism.field("steps");
    if !step.exists() {
        return Ok(());
    }
    let steps = prime(
        loader,
        mechanisms
            .values()
            .flatten()
            .map(|m| MechanismStepsByMechanism(m.id)),
    )
    .await?;
    let citation = step.field("citations");
    if !citation.exists() {
        return Ok(());
    }
    let dois = prime(loader, steps.values().flatten().map(|s| DoisCitedByStep(s.id))).await?;
    if citation.field("study").exists() {
        prime(loader, dois.values().flatten().map(|d| StudyByDoi(d.id))).await?;
    }
    Ok(())
}

async fn evidence(loader: &RequestLoader, claim: &Lookahead<'_>, claims: &[i32]) -> ApiResult<()> {
    let listed = claim.field("evidence");
    let needs = claim.field("evidenceNeeds");
    if !listed.exists() && !needs.exists() && !claim.field("evidenceCounts").exists() {
        return Ok(());
    }
    let rows = prime(loader, claims.iter().map(|&c| EvidenceByClaim(c))).await?;
    let study = [
        listed.field("edges").field("node").field("study"),
        listed.field("nodes").field("study"),
    ];
    if !any(&study) && !needs.exists() {
        return Ok(());
    }
    let studies = prime(loader, rows.values().flatten().map(|e| StudyById(e.study_id))).await?;
    if any(&[study[0].field("doi"), study[1].field("doi")]) {
        prime(loader, studies.values().filter_map(|s| s.doi_id).map(DoiById)).await?;
    }
    Ok(())
}

async fn synthesis(loader: &RequestLoader, claim: &Lookahead<'_>, claims: &[i32]) -> ApiResult<()> {
    let synthesis = claim.field("synthesis");
    if !any(&[synthesis.field("studyCount"), synthesis.field("studies")]) {
        return Ok(());
    }
    let cited = prime(loader, claims.iter().map(|&c| StudiesCitedByClaim(c))).await?;
    if synthesis.field("studies").exists() {
        prime(loader, cited.values().flatten().map(|&s| StudyById(s))).await?;
    }
    Ok(())
}
