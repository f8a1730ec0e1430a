//! `SearchResult`: one node a search found, its score and its matches; and `SearchNode`, the
//! kinds of node it can be.

use std::sync::Arc;

use async_graphql::{Context, Object, Union};

use super::{Claim, Doi, Mechanism, MechanismStep, SearchHighlight, SearchType, Study};
use crate::domain::search::highlight::{Highlight, Marker, Span};
use crate::graphql::context::load_one;
use crate::graphql::loaders::{ClaimById, DoiById, MechanismById, MechanismStepById, StudyById};

/// A node a search can find.
#[derive(Union)]
pub enum SearchNode {
    Claim(Claim),
    Mechanism(Mechanism),
    MechanismStep(MechanismStep),
    Study(Study),
    Doi(Doi),
}

/// One result of a search, as the search found it.
#[derive(Clone)]
pub struct SearchResult {
    pub found: SearchType,
    /// The node's row id.
    pub id: i32,
    /// The claim whose page shows the node (a claim's own id for a claim).
    pub claim_id: Option<i32>,
    pub score: f64,
    /// What the query looks for, to mark in the node's texts; none for a DOI query.
    pub marker: Option<Arc<Marker>>,
}

/// One node a search found, with its relevance and the words it matched.
#[Object(serial)]
impl SearchResult {
    /// The node found; null only if it was removed after the search ran.
    async fn node(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SearchNode>> {
        Ok(self.load(ctx).await?)
    }

    /// What kind of node it is.
    #[graphql(name = "type")]
    async fn found(&self) -> SearchType {
        self.found
    }

    /// How well the node matches the query, higher is better: SQLite's BM25 or PostgreSQL's
    /// `ts_rank_cd`, each text weighted by its importance (a claim's statement and PICO parts
    /// most, then titles and labels, then syntheses, summaries and steps, then journals and
    /// authors). Scores compare results of one search on one database, nothing else. A DOI found by
    /// its value scores 1, its study 0.5.
    async fn score(&self) -> f64 {
        self.score
    }

    /// The claim whose page shows the node: the claim itself, or the claim of a mechanism or
    /// step; null for a study or a DOI, which many claims may share.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Claim>> {
        let Some(claim) = self.claim_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, ClaimById(claim)).await?.map(Claim))
    }

    /// The node's texts that hold a word the query looks for, strongest field first, each with its
    /// matches marked (a long text cut to a snippet); when none does (a match the database's
    /// stemming found and ours did not), the node's main text unmarked.
    async fn highlights(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SearchHighlight>> {
        let Some(node) = self.load(ctx).await? else {
            return Ok(Vec::new());
        };
        let texts: Vec<(&'static str, Option<String>)> = match node {
            SearchNode::Claim(Claim(claim)) => vec![
                ("statement", Some(claim.statement)),
                ("population", Some(claim.population)),
                ("intervention", Some(claim.intervention)),
                ("comparator", Some(claim.comparator)),
                ("outcome", Some(claim.outcome)),
                ("synthesis", Some(claim.synthesis)),
            ],
            SearchNode::Mechanism(Mechanism(mechanism)) => {
                vec![("label", mechanism.label), ("summary", Some(mechanism.summary))]
            }
            SearchNode::MechanismStep(MechanismStep(step)) => vec![("text", Some(step.text))],
            SearchNode::Study(Study(study)) => vec![
                ("title", Some(study.title)),
                ("journal", study.journal),
                ("authors", study.authors),
            ],
            SearchNode::Doi(Doi(doi)) => {
                let end = doi.value.chars().count();
                let highlight = Highlight {
                    text: doi.value,
                    matches: vec![Span { start: 0, end }],
                };
                return Ok(vec![SearchHighlight {
                    field: "value",
                    highlight,
                }]);
            }
        };
        let marker = self.marker.as_deref();
        let mut marked: Vec<SearchHighlight> = texts
            .iter()
            .filter_map(|(field, text)| {
                let highlight = marker?.mark(text.as_deref()?)?;
                Some(SearchHighlight { field, highlight })
            })
            .collect();
        if marked.is_empty()
            && let Some((field, Some(text))) = texts.into_iter().find(|(_, text)| text.is_some())
        {
            marked.push(SearchHighlight {
                field,
                highlight: Highlight {
                    text,
                    matches: Vec::new(),
                },
            });
        }
        Ok(marked)
    }
}

impl SearchResult {
    async fn load(&self, ctx: &Context<'_>) -> crate::error::ApiResult<Option<SearchNode>> {
        let id = self.id;
        Ok(match self.found {
            SearchType::Claim => load_one(ctx, ClaimById(id))
                .await?
                .map(|m| SearchNode::Claim(Claim(m))),
            SearchType::Mechanism => load_one(ctx, MechanismById(id))
                .await?
                .map(|m| SearchNode::Mechanism(Mechanism(m))),
            SearchType::Step => load_one(ctx, MechanismStepById(id))
                .await?
                .map(|m| SearchNode::MechanismStep(MechanismStep(m))),
            SearchType::Study => load_one(ctx, StudyById(id))
                .await?
                .map(|m| SearchNode::Study(Study(m))),
            SearchType::Doi => load_one(ctx, DoiById(id)).await?.map(|m| SearchNode::Doi(Doi(m))),
        })
    }
}
