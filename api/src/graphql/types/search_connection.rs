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
    /// The count and whether more matched, read once for `totalCount` and `truncated` alike.
    pub counted: tokio::sync::OnceCell<(u64, bool)>,
    pub corrected_query: Option<String>,
}

/// How the number of results is known.
pub enum SearchTotal {
    Known(u64),
    /// Counted by the store on request.
    Count(FullText, SearchScope),
}

impl SearchConnection {
    async fn count(&self, ctx: &Context<'_>) -> Result<(u64, bool), ApiError> {
        let counted = self
            .counted
            .get_or_try_init(|| async {
                match &self.total {
                    SearchTotal::Known(count) => Ok::<_, ApiError>((*count, false)),
                    SearchTotal::Count(query, scope) => Ok(store(ctx)?.search_count(query, scope).await?),
                }
            })
            .await?;
        Ok(*counted)
    }
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

    /// How many results the search has across all pages: at most 10,000, the most one search
    /// ranks (see `truncated`).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.count(ctx).await?.0)
    }

    /// Whether the query matches more than the 10,000 entries a search ranks: then the results
    /// are the best of the first 10,000 matches the index yields, not of all of them (a query of
    /// one common word over a large graph, say); more words narrow it.
    async fn truncated(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self.count(ctx).await?.1)
    }

    /// When the query as given found nothing and a spelling correction of its words did, the
    /// corrected query, whose results these are ("showing results for …"); null otherwise.
    async fn corrected_query(&self) -> Option<&str> {
        self.corrected_query.as_deref()
    }
}
