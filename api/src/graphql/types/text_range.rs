//! `TextRange`: where a match lies in a highlighted text.

use async_graphql::SimpleObject;

/// A span of a highlighted text that the query matched, in Unicode characters (code points) from
/// the start of the text: `text` from `start` up to, not including, `end`.
#[derive(SimpleObject, Clone, Copy, Debug)]
#[graphql(serial)]
pub struct TextRange {
    /// The first character of the match.
    pub start: i32,
    /// The character just past the match.
    pub end: i32,
}
