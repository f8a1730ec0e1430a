//! `SearchHighlight`: one text of a search result or suggestion, its matches marked.

use async_graphql::Object;

use super::TextRange;
use crate::domain::search::highlight::Highlight;

/// A text with its matches marked (see the schema description on the impl).
pub struct SearchHighlight {
    pub field: &'static str,
    pub highlight: Highlight,
}

/// One text of a result with the words the query matched: as plain text with their ranges, and as
/// HTML that is safe to insert (escaped, each match in `<mark>`). A long text is cut to a snippet
/// around its first match, with `…` where it was cut.
#[Object(serial)]
impl SearchHighlight {
    /// The node's field the text comes from, e.g. `statement`, `title`, `text`.
    async fn field(&self) -> &str {
        self.field
    }

    /// The text, or a snippet of it.
    async fn text(&self) -> &str {
        &self.highlight.text
    }

    /// Where the matches lie in `text`, in order.
    async fn matches(&self) -> Vec<TextRange> {
        self.highlight
            .matches
            .iter()
            .map(|span| TextRange {
                start: i32::try_from(span.start).unwrap_or(i32::MAX),
                end: i32::try_from(span.end).unwrap_or(i32::MAX),
            })
            .collect()
    }

    /// `text` as HTML: escaped, each match wrapped in `<mark>`.
    async fn html(&self) -> String {
        self.highlight.html()
    }
}
