//! `XConnection`: one page of a list (a Relay connection), for each node type a list pages through.

use async_graphql::{Context, Object, OutputType};

use super::{Claim, Contribution, Event, Evidence, MechanismStep, Study};
use crate::error::ApiError;
use crate::graphql::connection::{Connection, Edge, PageInfo, Total};
use crate::graphql::context::store;

/// One page of a list (a Relay connection): its edges, where it sits, and the size of the whole list.
#[Object(
    serial,
    concrete(name = "ClaimConnection", params(Claim)),
    concrete(name = "StudyConnection", params(Study)),
    concrete(name = "EvidenceConnection", params(Evidence)),
    concrete(name = "MechanismStepConnection", params(MechanismStep)),
    concrete(name = "EventConnection", params(Event)),
    concrete(name = "ContributionConnection", params(Contribution))
)]
impl<N: OutputType + Clone> Connection<N>
where
    Edge<N>: OutputType,
{
    /// The items of this page, each with its cursor.
    async fn edges(&self) -> &Vec<Edge<N>> {
        &self.edges
    }

    /// The items of this page without their cursors, for clients that do not page.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Where this page sits in the whole list.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many items the whole list holds, across all pages (filters apply; cursors do not).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let count = match &self.total {
            Total::Known(n) => *n as u64,
            Total::Counted(count) => store(ctx)?.count(count).await.map_err(ApiError::from)?,
        };
        Ok(count)
    }
}
