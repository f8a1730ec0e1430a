//! `Suggestion`: a claim or study a search box can offer as the user types; and `SuggestionNode`.

use async_graphql::{Object, Union};

use super::{Claim, SearchHighlight, Study};

/// What a suggestion offers.
#[derive(Union)]
pub enum SuggestionNode {
    Claim(Claim),
    Study(Study),
}

/// A suggestion (see the schema description on the impl).
pub struct Suggestion {
    pub node: SuggestionNode,
    pub highlight: SearchHighlight,
}

/// A claim or study whose statement or title matches what the user has typed so far.
#[Object(serial)]
impl Suggestion {
    /// The claim or study offered.
    async fn node(&self) -> &SuggestionNode {
        &self.node
    }

    /// Its statement (a claim) or title (a study), the typed words marked.
    async fn highlight(&self) -> &SearchHighlight {
        &self.highlight
    }
}
