//! `SearchConnection`: one page of a search's results, ranked.

use async_graphql::{Context, Object};

use super::SearchResult;
use crate::error::ApiError;
use crate::graphql::connection::{Edge, PageInfo};
use crate::graphql::context::store;
use crate::store::search::{FullText, SearchScope};

/// One page of a search's results (see [`SearchConnection`]'s schema description).
pub struct SearchConnection {
    pub edges: Vec<Edge<SearchResult>>,
    pub page_info: PageInfo,
    pub total: SearchTotal,
    pub corrected_query: Option<String>,
}

/// How the number of results is known.
pub enum SearchTotal {
    Known(u64),
    /// Counted by the store on request.
    Count(FullText, SearchScope),
}

/// One page of search results, best first (a Relay connection), with the size of the whole result
/// and the query actually run when the one given was corrected.
#[Object(serial)]
impl SearchConnection {
    /// The results of this page, each with its cursor.
    async fn edges(&self) -> &Vec<Edge<SearchResult>> {
        &self.edges
    }

    /// The results of this page without their cursors.
    async fn nodes(&self) -> Vec<&SearchResult> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    /// Where this page sits in the whole result.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many results the search has across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(match &self.total {
            SearchTotal::Known(count) => *count,
            SearchTotal::Count(query, scope) => store(ctx)?
                .search_count(query, scope)
                .await
                .map_err(ApiError::from)?,
        })
    }

    /// When the query as given found nothing and a spelling correction of its words did, the
    /// corrected query, whose results these are ("showing results for …"); null otherwise.
    async fn corrected_query(&self) -> Option<&str> {
        self.corrected_query.as_deref()
    }
}
