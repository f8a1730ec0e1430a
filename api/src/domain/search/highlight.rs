//! Marks, in a result's texts, the words a query matched, and cuts long texts down to a snippet
//! around the first match. The same on both databases: it runs here, on the stored text, not in
//! either engine.
//!
//! A word of the text matches when its stem (Snowball's English stemmer, after case folding and
//! accent removal) is the stem of a word the query looks for, or, for the query's last word while it
//! is being typed, when it starts with that word. Offsets count Unicode characters (code points)
//! of the snippet's text; `html` is the same text, HTML-escaped, with each match in `<mark>`.

use std::collections::HashSet;

use rust_stemmers::{Algorithm, Stemmer};

use super::query::Query;

/// Texts up to this many characters are shown whole.
const WHOLE: usize = 240;
/// A snippet's length, in characters, before it is snapped to whole words.
const SNIPPET: usize = 200;
/// How much of the text before its first match a snippet shows.
const LEAD: usize = 60;

/// What to look for in a text.
pub struct Marker {
    stemmer: Stemmer,
    stems: HashSet<String>,
    prefixes: Vec<String>,
}

/// A span of matched text: `start` and `end` in characters, end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One text of a result with its matches marked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    /// The text, or a snippet of it (with `…` where it was cut).
    pub text: String,
    pub matches: Vec<Span>,
}

impl Highlight {
    /// The text HTML-escaped, each match wrapped in `<mark>`.
    pub fn html(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 13 * self.matches.len());
        let mut spans = self.matches.iter().peekable();
        for (i, c) in self.text.chars().enumerate() {
            if spans.peek().is_some_and(|span| span.start == i) {
                out.push_str("<mark>");
            }
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
            if spans.peek().is_some_and(|span| span.end == i + 1) {
                out.push_str("</mark>");
                spans.next();
            }
        }
        out
    }
}

impl Marker {
    /// A marker for the words `query` looks for.
    pub fn new(query: &Query) -> Marker {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut stems = HashSet::new();
        let mut prefixes = Vec::new();
        for (word, prefix) in query.wanted() {
            let folded = entity::values::fold(word);
            stems.insert(stemmer.stem(&folded).into_owned());
            if prefix {
                prefixes.push(folded);
            }
        }
        Marker {
            stemmer,
            stems,
            prefixes,
        }
    }

    fn matches_word(&self, word: &str) -> bool {
        let folded = entity::values::fold(word);
        self.prefixes
            .iter()
            .any(|prefix| folded.starts_with(prefix.as_str()))
            || self.stems.contains(self.stemmer.stem(&folded).as_ref())
    }

    /// `text` with its matching words marked, cut to a snippet around the first when it is long;
    /// `None` when no word of it matches.
    pub fn mark(&self, text: &str) -> Option<Highlight> {
        let spans = self.spans(text);
        let first = spans.first()?;
        let chars: Vec<char> = text.chars().collect();
        if chars.len() <= WHOLE {
            return Some(Highlight {
                text: text.to_owned(),
                matches: spans,
            });
        }
        // A window of about SNIPPET characters from a little before the first match, moved to
        // word boundaries.
        let mut start = first.start.saturating_sub(LEAD);
        while start > 0 && chars[start - 1].is_alphanumeric() {
            start -= 1;
        }
        let mut end = (start + SNIPPET).min(chars.len()).max(first.end);
        while end < chars.len() && chars[end].is_alphanumeric() {
            end += 1;
        }
        let lead = usize::from(start > 0);
        let mut snippet: String = if start > 0 {
            "…".to_owned()
        } else {
            String::new()
        };
        snippet.extend(&chars[start..end]);
        if end < chars.len() {
            snippet.push('…');
        }
        let matches = spans
            .into_iter()
            .filter(|span| span.start >= start && span.end <= end)
            .map(|span| Span {
                start: span.start - start + lead,
                end: span.end - start + lead,
            })
            .collect();
        Some(Highlight {
            text: snippet,
            matches,
        })
    }

    /// The spans of the matching words of `text`, in order.
    fn spans(&self, text: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        let mut word = String::new();
        let mut start = 0;
        for (at, c) in text.chars().chain(std::iter::once(' ')).enumerate() {
            if c.is_alphanumeric() {
                if word.is_empty() {
                    start = at;
                }
                word.push(c);
            } else if !word.is_empty() {
                if self.matches_word(&word) {
                    spans.push(Span { start, end: at });
                }
                word.clear();
            }
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::query::Parsed;

    fn marker(text: &str) -> Marker {
        match Query::parse(text) {
            Ok(Parsed::Query(query)) => Marker::new(&query),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stemmed_words_are_marked_and_escaped() {
        let marker = marker("muscle growths ");
        let marked = marker
            .mark("Rest-pause <b>grows</b> muscles & strength: growth")
            .expect("a match");
        assert_eq!(
            marked.html(),
            "Rest-pause &lt;b&gt;grows&lt;/b&gt; <mark>muscles</mark> &amp; strength: <mark>growth</mark>"
        );
        assert_eq!(
            marked.matches,
            [Span { start: 24, end: 31 }, Span { start: 44, end: 50 }]
        );
    }

    #[test]
    fn the_last_word_matches_as_a_prefix_and_accents_do_not_matter() {
        let marker = marker("hypertro");
        let marked = marker.mark("Hypertrophy in élite athletes").expect("a match");
        assert_eq!(marked.matches, [Span { start: 0, end: 11 }]);
        assert!(marker.mark("no match here").is_none());
    }

    #[test]
    fn long_texts_become_a_snippet_around_the_first_match() {
        let text = format!("{} metabolic stress {}", "word ".repeat(100), "tail ".repeat(100));
        let marked = marker("metabolic ").mark(&text).expect("a match");
        assert!(marked.text.starts_with('…') && marked.text.ends_with('…'));
        let chars: Vec<char> = marked.text.chars().collect();
        let span = marked.matches[0];
        assert_eq!(
            chars[span.start..span.end].iter().collect::<String>(),
            "metabolic"
        );
        assert!(chars.len() < 220);
    }
}
