//! Whole-list prefetching: when a resolver returns a list of claims, it loads every relation the
//! query selects under them and puts the rows in the request loader's cache, so the resolvers below
//! only read the cache.
//!
//! DataLoader alone batches by time window: claims resolved after a batch has left start a new one,
//! so the number of statements would depend on timing and list length. Prefetching makes it depend on
//! the query's shape only: a page of 50 claims costs what a page of 1 costs.
//!
//! Each branch of a claim is one joined statement keyed by the claims themselves (see
//! `loaders::load_mechanism_trees` and its neighbours), not one statement per level: a whole claim
//! page is the claim's own row plus two statements, sent at the same time. Fewer statements is most
//! of what a page costs on both databases: each one is a round trip to PostgreSQL, and on SQLite a
//! hand-off to the connection's worker thread and back.

use std::collections::{BTreeSet, HashMap};

use async_graphql::Lookahead;
use entity::mechanism;

use crate::error::ApiResult;
use crate::graphql::RequestLoader;
use crate::graphql::loaders::{
    DoiById, DoisCitedByStep, EvidenceByClaim, MechanismDepth, MechanismStepsByMechanism, MechanismsByClaim,
    StudiesCitedByClaim, StudyByDoi, StudyById, load_evidence_trees, load_mechanism_trees,
    load_studies_cited_by_claims,
};

/// Whether any of the given selections exists.
fn any(selections: &[Lookahead<'_>]) -> bool {
    selections.iter().any(Lookahead::exists)
}

/// Prefetches what `claim` (the selection on each claim of a list) asks for, for all `claims`.
pub async fn prefetch_claims(loader: &RequestLoader, claim: &Lookahead<'_>, claims: &[i32]) -> ApiResult<()> {
    if claims.is_empty() || !claim.exists() {
        return Ok(());
    }
    let synthesis = claim.field("synthesis");
    let cited = Cited {
        count: any(&[synthesis.field("studyCount"), synthesis.field("studies")]),
        studies: synthesis.field("studies").exists(),
    };
    let mechanism = claim.field("mechanisms");
    let step = mechanism.field("steps");
    let citation = step.field("citations");
    let depth = if citation.exists() {
        // The synthesis's studies are the cited DOIs' studies: one statement answers both.
        Some(if citation.field("study").exists() || cited.count {
            MechanismDepth::Studies
        } else {
            MechanismDepth::Citations
        })
    } else if step.exists() {
        Some(MechanismDepth::Steps)
    } else if mechanism.exists() {
        Some(MechanismDepth::Mechanisms)
    } else {
        None
    };
    let synthesis_alone = cited.count && depth != Some(MechanismDepth::Studies);
    tokio::try_join!(
        async {
            match depth {
                Some(depth) => mechanisms(loader, claims, depth, cited).await,
                None => Ok(()),
            }
        },
        evidence(loader, claim, claims),
        async {
            if synthesis_alone {
                studies_cited(loader, claims, cited).await
            } else {
                Ok(())
            }
        }
    )?;
    Ok(())
}

/// What the synthesis asks of the studies the claim's steps cite.
#[derive(Clone, Copy)]
struct Cited {
    /// Which they are (`studyCount` or `studies`).
    count: bool,
    /// Their rows (`studies`).
    studies: bool,
}

/// One statement for the claims' mechanisms down to `depth`, spread over the loaders it answers:
/// mechanisms, steps, cited DOIs, the DOIs' studies, and at [`MechanismDepth::Studies`] the
/// synthesis's cited studies.
async fn mechanisms(
    loader: &RequestLoader,
    claims: &[i32],
    depth: MechanismDepth,
    cited: Cited,
) -> ApiResult<()> {
    let trees = load_mechanism_trees(loader.loader(), claims, depth).await?;
    let mut mechanisms: HashMap<i32, Vec<mechanism::Model>> =
        claims.iter().map(|&c| (c, Vec::new())).collect();
    let mut cited_by_claim: HashMap<i32, BTreeSet<i32>> =
        claims.iter().map(|&c| (c, BTreeSet::new())).collect();
    let mut steps = Vec::new();
    let mut dois = Vec::new();
    for tree in trees.mechanisms {
        let mut listed = Vec::with_capacity(tree.steps.len());
        for (step, cites) in tree.steps {
            let studies = cites
                .iter()
                .filter_map(|d| trees.studies_by_doi.get(&d.id)?.as_ref());
            cited_by_claim
                .entry(tree.mechanism.claim_id)
                .or_default()
                .extend(studies.map(|s| s.id));
            if depth >= MechanismDepth::Citations {
                dois.push((DoisCitedByStep(step.id), cites));
            }
            listed.push(step);
        }
        if depth >= MechanismDepth::Steps {
            steps.push((MechanismStepsByMechanism(tree.mechanism.id), listed));
        }
        mechanisms
            .entry(tree.mechanism.claim_id)
            .or_default()
            .push(tree.mechanism);
    }
    loader
        .feed_many(
            mechanisms
                .into_iter()
                .map(|(c, list)| (MechanismsByClaim(c), list)),
        )
        .await;
    loader.feed_many(steps).await;
    loader.feed_many(dois).await;
    if depth >= MechanismDepth::Studies {
        if cited.studies {
            let by_id = trees
                .studies_by_doi
                .values()
                .flatten()
                .map(|s| (StudyById(s.id), s.clone()));
            loader.feed_many(by_id.collect::<Vec<_>>()).await;
        }
        loader
            .feed_many(trees.studies_by_doi.into_iter().map(|(d, s)| (StudyByDoi(d), s)))
            .await;
        if cited.count {
            loader
                .feed_many(
                    cited_by_claim
                        .into_iter()
                        .map(|(c, ids)| (StudiesCitedByClaim(c), ids.into_iter().collect())),
                )
                .await;
        }
    }
    Ok(())
}

/// One statement for the claims' evidence, with the studies and their DOIs when the query reaches
/// them (the evidence list, its counts and the evidence ladder all read these rows).
async fn evidence(loader: &RequestLoader, claim: &Lookahead<'_>, claims: &[i32]) -> ApiResult<()> {
    let listed = claim.field("evidence");
    let needs = claim.field("evidenceNeeds");
    if !listed.exists() && !needs.exists() && !claim.field("evidenceCounts").exists() {
        return Ok(());
    }
    let study = [
        listed.field("edges").field("node").field("study"),
        listed.field("nodes").field("study"),
    ];
    let with_study = any(&study) || needs.exists();
    let with_doi = any(&[study[0].field("doi"), study[1].field("doi")]);
    let rows = load_evidence_trees(loader.loader(), claims, with_study, with_doi).await?;
    let mut evidence: HashMap<i32, Vec<entity::evidence::Model>> =
        claims.iter().map(|&c| (c, Vec::new())).collect();
    let mut studies = Vec::new();
    let mut dois = Vec::new();
    for row in rows {
        if let Some(study) = row.study {
            studies.push((StudyById(study.id), study));
        }
        if let Some(doi) = row.doi {
            dois.push((DoiById(doi.id), doi));
        }
        evidence
            .entry(row.evidence.claim_id)
            .or_default()
            .push(row.evidence);
    }
    loader
        .feed_many(evidence.into_iter().map(|(c, list)| (EvidenceByClaim(c), list)))
        .await;
    loader.feed_many(studies).await;
    loader.feed_many(dois).await;
    Ok(())
}

/// One statement for the studies the claims' steps cite, when the synthesis asks for them and the
/// mechanisms statement does not reach them.
async fn studies_cited(loader: &RequestLoader, claims: &[i32], cited: Cited) -> ApiResult<()> {
    let rows = load_studies_cited_by_claims(loader.loader(), claims).await?;
    let mut ids: HashMap<i32, Vec<i32>> = claims.iter().map(|&c| (c, Vec::new())).collect();
    let mut studies = Vec::new();
    for (claim_id, study) in rows {
        ids.entry(claim_id).or_default().push(study.id);
        if cited.studies {
            studies.push((StudyById(study.id), study));
        }
    }
    loader
        .feed_many(ids.into_iter().map(|(c, list)| (StudiesCitedByClaim(c), list)))
        .await;
    loader.feed_many(studies).await;
    Ok(())
}
