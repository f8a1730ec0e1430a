//! The `search` and `suggest` root fields: their arguments checked, a DOI told apart from words,
//! the query parsed ([`crate::domain::search::query`]) and run on the store's full-text index, a
//! spelling correction tried when it finds nothing, and the results made a Relay connection.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject};
use entity::values::{Doi as DoiValue, fold};

use crate::domain::search::highlight::Marker;
use crate::domain::search::query::{Parsed, Query};
use crate::domain::search::spelling;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{
    Edge, PageArgs, Window, decode_cursor, encode_cursor, page_info, parse_score, score_text,
};
use crate::graphql::context::{load_many, load_one, store};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::limits::{DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS};
use crate::graphql::loaders::{ClaimById, StudyByDoi, StudyById};
use crate::graphql::types::{
    Claim, SearchConnection, SearchResult, SearchTotal, SearchType, Study, Suggestion, SuggestionNode,
};
use crate::store::search::{Hit, HitKey, Kind, SearchScope};

/// The longest prefix `suggest` takes, in characters.
pub const MAX_PREFIX_CHARS: usize = 100;

/// The kind code a DOI result's cursor carries (DOIs are not in the full-text index).
const DOI_KIND: i32 = 5;

/// Narrows a search.
#[derive(InputObject, Default)]
pub struct SearchFilter {
    /// Only the nodes of this claim's page: the claim, its mechanisms and their steps (studies and
    /// DOIs are not on one claim's page alone, so a search with this filter finds none).
    claim: Option<ID>,
}

/// `search`'s arguments, as the resolver receives them.
pub struct SearchArgs {
    pub query: String,
    pub types: Option<Vec<SearchType>>,
    pub filter: Option<SearchFilter>,
    pub page: PageArgs,
}

/// Runs a search.
pub async fn search(ctx: &Context<'_>, args: SearchArgs) -> ApiResult<SearchConnection> {
    let types = wanted_types(args.types)?;
    let claim_id = match args.filter.unwrap_or_default().claim {
        Some(id) => Some(GlobalId::decode_as("filter.claim", &id, NodeType::Claim)?),
        None => None,
    };
    let window = args.page.window(decode_search_cursor)?;
    if let Ok(doi) = DoiValue::parse(args.query.trim()) {
        return doi_results(ctx, &doi, &types, claim_id, &window).await;
    }
    let query = match Query::parse(&args.query)
        .map_err(|reason| ApiError::bad_input("query", reason.to_string()))?
    {
        Parsed::Query(query) => query,
        Parsed::OnlyCommonWords => return Ok(found(Vec::new(), &window, false, None, SearchTotal::Known(0))),
    };
    let scope = SearchScope {
        kinds: types.iter().filter_map(|t| t.indexed()).collect(),
        claim_id,
    };
    if scope.kinds.is_empty() {
        return Ok(found(Vec::new(), &window, false, None, SearchTotal::Known(0)));
    }
    let store = store(ctx)?;
    let (mut hits, mut more) = store.search_page(&query.full_text(), &scope, &window).await?;
    let mut ran = query;
    let mut corrected_query = None;
    let nothing_at_all = hits.is_empty()
        && (window.after.is_none() && window.before.is_none()
            || store.search_count(&ran.full_text(), &scope).await?.0 == 0);
    if nothing_at_all && let Some(corrected) = correct(ctx, &ran).await? {
        (hits, more) = store.search_page(&corrected.full_text(), &scope, &window).await?;
        if !hits.is_empty() || window.after.is_some() || window.before.is_some() {
            corrected_query = Some(corrected.text());
            ran = corrected;
        }
    }
    let marker = Arc::new(Marker::new(&ran));
    let results = hits
        .into_iter()
        .map(|hit| (hit.key(), result(hit, &marker)))
        .collect();
    Ok(found(
        results,
        &window,
        more,
        corrected_query,
        SearchTotal::Count(ran.full_text(), scope),
    ))
}

/// The types asked for, each once; all of them when the argument is left out.
fn wanted_types(types: Option<Vec<SearchType>>) -> ApiResult<Vec<SearchType>> {
    let all = [
        SearchType::Claim,
        SearchType::Mechanism,
        SearchType::Step,
        SearchType::Study,
        SearchType::Doi,
    ];
    let Some(mut types) = types else {
        return Ok(all.to_vec());
    };
    if types.len() > all.len() {
        return Err(ApiError::list_too_long("types", types.len(), all.len()));
    }
    if types.is_empty() {
        return Err(ApiError::bad_input(
            "types",
            "give at least one type, or leave `types` out to search them all",
        ));
    }
    types.sort_by_key(|t| all.iter().position(|a| a == t));
    types.dedup();
    Ok(types)
}

fn result(hit: Hit, marker: &Arc<Marker>) -> SearchResult {
    SearchResult {
        found: hit.kind.into(),
        id: hit.node_id,
        claim_id: hit.claim_id,
        score: hit.score,
        marker: Some(marker.clone()),
    }
}

/// A query that is a DOI finds the DOI, then its study, when they exist and their types are wanted.
async fn doi_results(
    ctx: &Context<'_>,
    doi: &DoiValue,
    types: &[SearchType],
    claim_id: Option<i32>,
    window: &Window<HitKey>,
) -> ApiResult<SearchConnection> {
    let store = store(ctx)?;
    let mut results = Vec::new();
    if claim_id.is_none()
        && let Some(row) = store.doi_by_value(doi.as_str()).await?
    {
        if types.contains(&SearchType::Doi) {
            results.push((DOI_KIND, row.id, 1.0));
        }
        if types.contains(&SearchType::Study)
            && let Some(study) = load_one(ctx, StudyByDoi(row.id)).await?.flatten()
        {
            results.push((Kind::Study.code(), study.id, 0.5));
        }
    }
    let total = results.len() as u64;
    let keyed: Vec<(HitKey, SearchResult)> = results
        .into_iter()
        .map(|(kind, id, score)| {
            let key = HitKey {
                score,
                kind,
                node_id: id,
            };
            let found = if kind == DOI_KIND {
                SearchType::Doi
            } else {
                SearchType::Study
            };
            let result = SearchResult {
                found,
                id,
                claim_id: None,
                score,
                marker: None,
            };
            (key, result)
        })
        .filter(|(key, _)| window.after.is_none_or(|after| comes_after(key, &after)))
        .filter(|(key, _)| window.before.is_none_or(|before| comes_after(&before, key)))
        .collect();
    let len = keyed.len();
    let (skip, more) = match window.direction {
        crate::graphql::connection::Direction::Forward => (0, len > window.limit),
        crate::graphql::connection::Direction::Backward => {
            (len.saturating_sub(window.limit), len > window.limit)
        }
    };
    let page = keyed.into_iter().skip(skip).take(window.limit).collect();
    Ok(found(page, window, more, None, SearchTotal::Known(total)))
}

/// Whether `a` comes after `b` in the results' order: score descending, then kind, then id.
fn comes_after(a: &HitKey, b: &HitKey) -> bool {
    a.score < b.score || (a.score == b.score && (a.kind, a.node_id) > (b.kind, b.node_id))
}

/// The connection over a page of results.
fn found(
    results: Vec<(HitKey, SearchResult)>,
    window: &Window<HitKey>,
    more: bool,
    corrected_query: Option<String>,
    total: SearchTotal,
) -> SearchConnection {
    let edges: Vec<Edge<SearchResult>> = results
        .into_iter()
        .map(|(key, node)| Edge {
            cursor: search_cursor(key),
            node,
        })
        .collect();
    SearchConnection {
        page_info: page_info(&edges, window, more),
        edges,
        total,
        counted: Default::default(),
        corrected_query,
    }
}

/// The query with its misspelt words replaced by the closest indexed words; `None` when no word
/// needs it or none is close enough.
async fn correct(ctx: &Context<'_>, query: &Query) -> ApiResult<Option<Query>> {
    let store = store(ctx)?;
    let mut replace = HashMap::new();
    for word in spelling::correctable(query) {
        let Some(first) = word.chars().next() else {
            continue;
        };
        let len = word.chars().count();
        let candidates = store
            .search_vocabulary(first, len.saturating_sub(2), len + 2)
            .await?;
        if let Some(closest) = spelling::closest(&word, candidates.iter().map(String::as_str)) {
            replace.insert(word, closest);
        }
    }
    Ok((!replace.is_empty()).then(|| spelling::corrected(query, &replace)))
}

/// A result's cursor: its score (exactly, as the bits of the float), kind and id.
fn search_cursor(key: HitKey) -> String {
    encode_cursor(&format!(
        "search:{}:{}:{}",
        score_text(key.score),
        key.kind,
        key.node_id
    ))
}

fn decode_search_cursor(field: &str, cursor: &str) -> ApiResult<HitKey> {
    let payload = decode_cursor(field, cursor, "search:")?;
    let invalid = || {
        ApiError::bad_input(
            field,
            format!("{cursor:?} is not a cursor of this list; cursors come from its edges"),
        )
    };
    let mut parts = payload.split(':');
    let score = parts.next().and_then(parse_score).ok_or_else(invalid)?;
    let kind = parts
        .next()
        .and_then(|kind| kind.parse().ok())
        .ok_or_else(invalid)?;
    let node_id = parts.next().and_then(|id| id.parse().ok()).ok_or_else(invalid)?;
    if parts.next().is_some() {
        return Err(invalid());
    }
    Ok(HitKey { score, kind, node_id })
}

/// Claims and studies for a search box: those whose statement or title starts with `prefix`
/// (folded), then those with a word in their statement, PICO parts or title that the prefix
/// matches as a query (its last word as a prefix), up to `first`.
pub async fn suggest(ctx: &Context<'_>, prefix: &str, first: Option<i32>) -> ApiResult<Vec<Suggestion>> {
    let limit = match first {
        None => DEFAULT_SUGGESTIONS,
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| *n <= MAX_SUGGESTIONS)
            .ok_or_else(|| {
                ApiError::bad_input(
                    "first",
                    format!("`first` must be between 0 and {MAX_SUGGESTIONS}, got {n}"),
                )
            })?,
    };
    let chars = prefix.chars().count();
    if chars > MAX_PREFIX_CHARS {
        return Err(ApiError::bad_input(
            "prefix",
            format!("a prefix is at most {MAX_PREFIX_CHARS} characters; this one has {chars}"),
        ));
    }
    let typed = prefix.trim_start();
    if typed.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let store = store(ctx)?;
    let mut found = store.suggest_by_start(&fold(typed), limit).await?;
    let query = match Query::parse(typed) {
        Ok(Parsed::Query(query)) => Some(query),
        _ => None,
    };
    if found.len() < limit
        && let Some(query) = &query
    {
        for hit in store
            .suggest_by_word(&query.full_text(), limit + found.len())
            .await?
        {
            if found.len() == limit {
                break;
            }
            if !found.contains(&hit) {
                found.push(hit);
            }
        }
    }
    let ids = |kind: Kind| found.iter().filter(move |(k, _)| *k == kind).map(|(_, id)| *id);
    let claims = load_many(ctx, ids(Kind::Claim).map(ClaimById).collect()).await?;
    let studies = load_many(ctx, ids(Kind::Study).map(StudyById).collect()).await?;
    let marker = query.as_ref().map(|query| Arc::new(Marker::new(query)));
    let mut suggestions = Vec::with_capacity(found.len());
    for (kind, id) in &found {
        let node = match kind {
            Kind::Claim => claims
                .iter()
                .find(|c| c.id == *id)
                .map(|claim| SuggestionNode::Claim(Claim(claim.clone()))),
            _ => studies
                .iter()
                .find(|s| s.id == *id)
                .map(|study| SuggestionNode::Study(Study(study.clone()))),
        };
        suggestions.extend(node.map(|node| Suggestion {
            node,
            marker: marker.clone(),
        }));
    }
    Ok(suggestions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_hold_the_score_exactly() -> ApiResult<()> {
        let key = HitKey {
            score: 0.1 + 0.2,
            kind: 3,
            node_id: 42,
        };
        assert_eq!(decode_search_cursor("after", &search_cursor(key))?, key);
        Ok(())
    }

    #[test]
    fn foreign_and_broken_cursors_are_refused() {
        for payload in [
            "id:4",
            "search:zz:1:2",
            "search:7ff8000000000000:1:2",
            "search:0:1:2:3",
            "search:0:1",
        ] {
            let err = decode_search_cursor("after", &encode_cursor(payload)).err();
            assert!(
                matches!(err, Some(ApiError::BadUserInput { ref field, .. }) if field == "after"),
                "{payload}"
            );
        }
    }
}
