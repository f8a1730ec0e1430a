//! `XEdge`: one item of a page and its cursor, for each node type a list pages through.

use async_graphql::{Object, OutputType};

use super::{Claim, Contribution, Event, Evidence, MechanismStep, SearchResult, Study};
use crate::graphql::connection::Edge;

/// One item of a page, with the cursor that marks its place in the list.
#[Object(
    serial,
    concrete(name = "ClaimEdge", params(Claim)),
    concrete(name = "StudyEdge", params(Study)),
    concrete(name = "EvidenceEdge", params(Evidence)),
    concrete(name = "MechanismStepEdge", params(MechanismStep)),
    concrete(name = "EventEdge", params(Event)),
    concrete(name = "ContributionEdge", params(Contribution)),
    concrete(name = "SearchResultEdge", params(SearchResult))
)]
impl<N: OutputType + Clone> Edge<N> {
    /// An opaque cursor marking this item's place; pass it as `after` or `before` to page on.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The item itself.
    async fn node(&self) -> &N {
        &self.node
    }
}
