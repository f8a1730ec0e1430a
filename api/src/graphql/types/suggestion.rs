//! `Suggestion`: a claim or study a search box can offer as the user types; and `SuggestionNode`.

use std::sync::Arc;

use async_graphql::{Object, Union};

use super::{Claim, SearchHighlight, Study};
use crate::domain::search::highlight::{Highlight, Marker};

/// What a suggestion offers.
#[derive(Union)]
pub enum SuggestionNode {
    Claim(Claim),
    Study(Study),
}

/// A suggestion (see the schema description on the impl).
pub struct Suggestion {
    pub node: SuggestionNode,
    /// What the user typed, to mark in the node's text; none when it holds no word to mark.
    pub marker: Option<Arc<Marker>>,
}

/// A claim or study whose statement or title matches what the user has typed so far.
#[Object(serial)]
impl Suggestion {
    /// The claim or study offered.
    async fn node(&self) -> &SuggestionNode {
        &self.node
    }

    /// Its statement (a claim) or title (a study), the typed words marked.
    async fn highlight(&self) -> SearchHighlight {
        let (field, text) = match &self.node {
            SuggestionNode::Claim(Claim(claim)) => ("statement", &claim.statement),
            SuggestionNode::Study(Study(study)) => ("title", &study.title),
        };
        let highlight = self
            .marker
            .as_ref()
            .and_then(|marker| marker.mark(text))
            .unwrap_or_else(|| Highlight {
                text: text.clone(),
                matches: Vec::new(),
            });
        SearchHighlight { field, highlight }
    }
}
