//! Whole-list prefetching: when a resolver returns a list of claims, it loads every relation the
//! query selects under them and puts the rows in the request loader's cache, so the resolvers below
//! only read the cache.
//!
//! DataLoader alone batches by time window: claims resolved after a batch has left start a new one,
//! so the number of statements would depend on timing and list length. Prefetching makes it depend on
//! the query's shape only: a page of 50 claims costs what a page of 1 costs.
//!
//! Each branch of a claim is one joined statement keyed by the claims themselves (see
//! `store::trees::load_mechanism_trees` and its neighbours), not one statement per level: a whole claim
//! list of claims is the claims plus one statement per branch. Fewer statements is much of what a
//! page costs on both databases: each one is a round trip to PostgreSQL. A claim asked for by slug
//! ([`claim_by_slug_with_page`]) comes in one statement with its evidence and, on PostgreSQL, its
//! mechanisms: a claim page is one statement there, two on SQLite.

use std::collections::{BTreeSet, HashMap};

use async_graphql::Lookahead;
use entity::{claim, mechanism, study};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::RequestLoader;
use crate::graphql::loaders::{
    ClaimById, DoiById, DoisCitedByStep, EvidenceByClaim, MechanismById, MechanismStepsByMechanism,
    MechanismStepsCitingDoi, MechanismsByClaim, StudiesCitedByClaim, StudyByDoi, StudyById,
};
use crate::store::Store;
use crate::store::statements::ClaimKeys;
use crate::store::trees::{
    EvidenceTreeRow, MechanismDepth, MechanismTrees, claim_page_by_slug, load_evidence_trees,
    load_mechanism_trees, load_studies_cited_by_claims,
};
use crate::store::walks::{Citing, CitingStep, DoiDepth};

/// A selection the plan can be read from: async-graphql's look-ahead while resolving, or a
/// compiled document's selection (see [`super::compiled`]).
pub(crate) trait Selects: Sized {
    /// The fields called `name` under this selection (all of them, whatever their aliases).
    fn field(&self, name: &str) -> Self;
    /// Whether the selection holds any field.
    fn exists(&self) -> bool;
}

impl Selects for Lookahead<'_> {
    fn field(&self, name: &str) -> Self {
        Lookahead::field(self, name)
    }

    fn exists(&self) -> bool {
        Lookahead::exists(self)
    }
}

/// Whether any of the given selections exists.
fn any<S: Selects>(selections: &[S]) -> bool {
    selections.iter().any(S::exists)
}

/// Prefetches what `claim` (the selection on each claim of a list) asks for, for all `claims`.
pub async fn prefetch_claims(loader: &RequestLoader, claim: &Lookahead<'_>, claims: &[i32]) -> ApiResult<()> {
    if claims.is_empty() {
        return Ok(());
    }
    let plan = Plan::of(claim);
    let fetched = plan.fetch(loader.loader(), ClaimKeys::Ids(claims)).await?;
    fetched.feed(loader, claims, &plan).await;
    Ok(())
}

/// The claim with `slug`, with what `claim` (the selection on it) asks for, in one round trip.
///
/// Its evidence comes in the same statement as the claim's own row (see
/// [`crate::store::trees::claim_page_by_slug`]), and on PostgreSQL its mechanisms too: there a
/// claim page is one statement, from one snapshot, and an empty branch is known to be the claim's
/// own. On SQLite the mechanisms are a second statement, read by the same slug: its statements run
/// inline, with no round trip to save, and the UNION costs SQLite more than a second statement
/// (a sort of the whole compound: 17% more instructions per page, measured with callgrind). What
/// a second statement read is kept for the resolvers only when it is the found claim's: a branch
/// that read rows of another claim or found nothing (which the rows cannot tell from a claim
/// created between the statements) is left for the loaders to read. The cited studies of a
/// synthesis whose mechanisms the selection does not reach are a statement of their own, alike.
pub async fn claim_by_slug_with_page(
    loader: &RequestLoader,
    claim: &Lookahead<'_>,
    slug: &str,
) -> ApiResult<Option<claim::Model>> {
    let plan = Plan::of(claim);
    let Some((claim, fetched)) = read_claim_page(loader.loader(), &plan, slug).await? else {
        return Ok(None);
    };
    fetched.feed(loader, &[claim.id], &plan).await;
    Ok(Some(claim))
}

/// The claim with `slug` and what `plan` asks of it, as [`claim_by_slug_with_page`] reads them: a
/// branch is `None` when the plan did not ask for it or when it was not read whole for this claim.
pub(crate) async fn read_claim_page(
    db: &Store,
    plan: &Plan,
    slug: &str,
) -> ApiResult<Option<(claim::Model, Fetched)>> {
    // On PostgreSQL the page's statement reads the mechanisms too; on SQLite a second one does.
    let one_statement = db.one_statement_pages();
    let depth = plan.depth.filter(|_| one_statement);
    let rest = Plan {
        depth: plan.depth.filter(|_| !one_statement),
        evidence: None,
        ..*plan
    };
    let (page, fetched) = tokio::try_join!(
        async {
            Box::pin(claim_page_by_slug(db, slug, plan.evidence, depth))
                .await
                .map_err(ApiError::from)
        },
        rest.fetch(db, ClaimKeys::Slug(slug)),
    )?;
    let Some(page) = page else {
        return Ok(None);
    };
    let fetched = fetched.only_of(page.claim.id);
    let fetched = Fetched {
        mechanisms: page.mechanisms.or(fetched.mechanisms),
        evidence: page.evidence,
        cited: fetched.cited,
    };
    Ok(Some((page.claim, fetched)))
}

/// What a selection on claims asks the joined statements for; by default, nothing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Plan {
    /// How deep the mechanisms statement reaches, when the selection reaches mechanisms.
    pub depth: Option<MechanismDepth>,
    /// What the synthesis asks of the cited studies.
    pub cited: Cited,
    /// Whether the studies cited need a statement of their own (the mechanisms one does not reach
    /// them).
    pub synthesis_alone: bool,
    /// The evidence statement, when the selection reads evidence: (with studies, with their DOIs).
    pub evidence: Option<(bool, bool)>,
}

impl Plan {
    /// Whether the plan reads nothing beyond the claims' own rows.
    pub fn reads_nothing(&self) -> bool {
        self.depth.is_none() && !self.cited.count && !self.synthesis_alone && self.evidence.is_none()
    }

    pub fn of<S: Selects>(claim: &S) -> Plan {
        if !claim.exists() {
            return Plan::default();
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
        let listed = claim.field("evidence");
        let needs = claim.field("evidenceNeeds");
        let evidence =
            (listed.exists() || needs.exists() || claim.field("evidenceCounts").exists()).then(|| {
                let study = [
                    listed.field("edges").field("node").field("study"),
                    listed.field("nodes").field("study"),
                ];
                let with_study = any(&study) || needs.exists();
                let with_doi = any(&[study[0].field("doi"), study[1].field("doi")]);
                (with_study, with_doi)
            });
        Plan {
            depth,
            cited,
            synthesis_alone: cited.count && depth != Some(MechanismDepth::Studies),
            evidence,
        }
    }

    /// Runs the plan's statements, at the same time.
    pub(crate) async fn fetch(&self, db: &Store, claims: ClaimKeys<'_>) -> ApiResult<Fetched> {
        // Each statement's future is boxed when it runs: inline, the three (about 4 kB each, most of
        // it the database driver's) would make this future and every one awaiting it, up to the
        // root field's, 12-17 kB, copied at each level as they are built.
        let (mechanisms, evidence, cited) = tokio::try_join!(
            async {
                match self.depth {
                    Some(depth) => Box::pin(load_mechanism_trees(db, claims, depth)).await.map(Some),
                    None => Ok(None),
                }
            },
            async {
                match self.evidence {
                    Some((with_study, with_doi)) => {
                        Box::pin(load_evidence_trees(db, claims, with_study, with_doi))
                            .await
                            .map(Some)
                    }
                    None => Ok(None),
                }
            },
            async {
                if self.synthesis_alone {
                    Box::pin(load_studies_cited_by_claims(db, claims)).await.map(Some)
                } else {
                    Ok(None)
                }
            }
        )
        .map_err(ApiError::from)?;
        Ok(Fetched {
            mechanisms,
            evidence,
            cited,
        })
    }
}

/// What a selection on claims asks of the studies their steps cite.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cited {
    /// Which they are (`studyCount` or `studies`).
    pub count: bool,
    /// Their rows (`studies`).
    pub studies: bool,
}

/// What the plan's statements read, each `None` when it did not run.
#[derive(Default)]
pub(crate) struct Fetched {
    pub mechanisms: Option<MechanismTrees>,
    pub evidence: Option<Vec<EvidenceTreeRow>>,
    pub cited: Option<Vec<(i32, study::Model)>>,
}

impl Fetched {
    /// Keeps only the branches read whole for the claim `id`: found rows, all of that claim.
    fn only_of(self, id: i32) -> Fetched {
        Fetched {
            mechanisms: self.mechanisms.filter(|trees| {
                !trees.mechanisms.is_empty() && trees.mechanisms.iter().all(|t| t.mechanism.claim_id == id)
            }),
            evidence: self
                .evidence
                .filter(|rows| !rows.is_empty() && rows.iter().all(|r| r.evidence.claim_id == id)),
            cited: self
                .cited
                .filter(|rows| !rows.is_empty() && rows.iter().all(|(claim, _)| *claim == id)),
        }
    }

    /// Puts what was read in the loader's cache, as the answers for `claims` (a claim with no rows
    /// gets empty lists).
    async fn feed(self, loader: &RequestLoader, claims: &[i32], plan: &Plan) {
        if let (Some(trees), Some(depth)) = (self.mechanisms, plan.depth) {
            feed_mechanisms(loader, claims, trees, depth, plan.cited).await;
        }
        if let Some(rows) = self.evidence {
            feed_evidence(loader, claims, rows).await;
        }
        if let Some(rows) = self.cited {
            feed_cited(loader, claims, rows, plan.cited).await;
        }
    }
}

/// Spreads one mechanisms statement over the loaders it answers: mechanisms, steps, cited DOIs, the
/// DOIs' studies, and at [`MechanismDepth::Studies`] the synthesis's cited studies.
async fn feed_mechanisms(
    loader: &RequestLoader,
    claims: &[i32],
    trees: MechanismTrees,
    depth: MechanismDepth,
    cited: Cited,
) {
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
}

/// Spreads one evidence statement over the evidence, study and DOI loaders (the evidence list, its
/// counts and the evidence ladder all read these rows).
async fn feed_evidence(loader: &RequestLoader, claims: &[i32], rows: Vec<EvidenceTreeRow>) {
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
}

/// Spreads one statement of the studies the claims' steps cite, read when the synthesis asks for
/// them and the mechanisms statement does not reach them.
async fn feed_cited(loader: &RequestLoader, claims: &[i32], rows: Vec<(i32, study::Model)>, cited: Cited) {
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
}

/// How far a DOI's selection reaches: its study, its citing steps (`citedBy`), their mechanisms
/// and those mechanisms' claims.
pub(crate) fn doi_depth<S: Selects>(doi: &S) -> DoiDepth {
    let cited = doi.field("citedBy");
    let steps = [cited.field("edges").field("node"), cited.field("nodes")];
    let mechanisms: Vec<S> = steps.iter().map(|s| s.field("mechanism")).collect();
    let claims: Vec<S> = mechanisms.iter().map(|m| m.field("claim")).collect();
    let citing = if any(&claims) {
        Some(Citing::Claims)
    } else if any(&mechanisms) {
        Some(Citing::Mechanisms)
    } else if cited.exists() {
        Some(Citing::Steps)
    } else {
        None
    };
    DoiDepth {
        study: doi.field("study").exists(),
        citing,
    }
}

/// The DOI with this normalised value, with what `doi` (its selection) asks of its study and its
/// citing steps read in the same statement and put in the loader's cache, so the resolvers below
/// it only read the cache: a DOI walk is one statement, not one per level.
pub async fn doi_with_walk(
    loader: &RequestLoader,
    doi: &Lookahead<'_>,
    value: &str,
) -> ApiResult<Option<entity::doi::Model>> {
    let depth = doi_depth(doi);
    let store = loader.loader();
    if depth
        == (DoiDepth {
            study: false,
            citing: None,
        })
    {
        return Ok(store.doi_by_value(value).await?);
    }
    let Some(walk) = Box::pin(store.doi_walk(value, depth)).await? else {
        return Ok(None);
    };
    let id = walk.doi.id;
    if let Some(study) = walk.study {
        loader.feed_one(StudyByDoi(id), study).await;
    }
    if let Some(citing) = walk.citing {
        let mut steps = Vec::with_capacity(citing.len());
        let mut mechanisms = Vec::new();
        let mut claims = Vec::new();
        for CitingStep {
            step,
            mechanism,
            claim,
        } in citing
        {
            steps.push(step);
            mechanisms.extend(mechanism.map(|m| (MechanismById(m.id), m)));
            claims.extend(claim.map(|c| (ClaimById(c.id), c)));
        }
        loader.feed_one(MechanismStepsCitingDoi(id), steps).await;
        loader.feed_many(mechanisms).await;
        loader.feed_many(claims).await;
    }
    Ok(Some(walk.doi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence_of(claim_id: i32) -> EvidenceTreeRow {
        EvidenceTreeRow {
            evidence: entity::evidence::Model {
                id: claim_id * 10,
                claim_id,
                study_id: 1,
                stance: entity::values::Stance::Supporting,
                note: None,
                created_at: chrono::DateTime::default(),
                version: 1,
            },
            study: None,
            doi: None,
        }
    }

    fn evidence_read(rows: Vec<EvidenceTreeRow>) -> Fetched {
        Fetched {
            mechanisms: None,
            evidence: Some(rows),
            cited: None,
        }
    }

    #[test]
    fn only_rows_read_whole_for_the_found_claim_are_kept() {
        let kept = evidence_read(vec![evidence_of(7), evidence_of(7)]).only_of(7);
        assert_eq!(kept.evidence.map(|rows| rows.len()), Some(2));
        // Rows of another claim, or none at all, say nothing sure about claim 7: the loaders read it.
        assert!(
            evidence_read(vec![evidence_of(7), evidence_of(8)])
                .only_of(7)
                .evidence
                .is_none()
        );
        assert!(evidence_read(Vec::new()).only_of(7).evidence.is_none());
    }
}
