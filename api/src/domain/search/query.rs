//! A search query as people type it, parsed once into [`Query`], and written out for each
//! database's own full-text engine: SQLite FTS5's query syntax and PostgreSQL's `tsquery`.
//!
//! The syntax, the same on both databases:
//!
//! - words: every word must occur (stemmed: `training` finds `trained`), in any order;
//! - `"quoted phrases"`: the words next to each other, in order (a hyphenated or dotted word,
//!   `rest-pause`, is such a phrase too);
//! - `-word` or `-"a phrase"`: leaves out what contains it;
//! - `OR` (in capitals) between two alternatives: either may match;
//! - the last word, when nothing follows it (no space, no closing quote), also matches as a
//!   prefix, for search boxes that query as people type (`hypertro` finds `hypertrophy`).
//!
//! Words are letters and digits; everything else separates them, so no input can reach either
//! engine as syntax. Common English words (`the`, `of`, ...) are dropped outside phrases on both
//! databases. A query is refused (with a reason for the client) when it is longer than
//! [`MAX_CHARS`], holds more than [`MAX_TERMS`] words, holds no word at all, or has an
//! alternative that only excludes.

use std::fmt::Write as _;

/// The longest query accepted, in characters.
pub const MAX_CHARS: usize = 200;
/// The most words a query may hold, across its phrases and alternatives.
pub const MAX_TERMS: usize = 16;

/// A parsed query: alternatives joined by `OR`, each a conjunction of terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The alternatives; never empty, and each holds at least one included term.
    pub any: Vec<Alternative>,
}

/// Terms that must all hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternative {
    pub terms: Vec<Term>,
}

/// One word or phrase, included or left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// Lower-case words; more than one is a phrase.
    pub words: Vec<String>,
    /// Whether matches are left out (`-word`).
    pub excluded: bool,
    /// Whether the last word also matches as a prefix.
    pub prefix: bool,
}

/// Why a query was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryError {
    TooLong { chars: usize },
    TooManyTerms { terms: usize },
    Empty,
    OnlyExclusions,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::TooLong { chars } => {
                write!(
                    f,
                    "a search query is at most {MAX_CHARS} characters; this one has {chars}"
                )
            }
            QueryError::TooManyTerms { terms } => {
                write!(
                    f,
                    "a search query holds at most {MAX_TERMS} words; this one has {terms}"
                )
            }
            QueryError::Empty => write!(f, "give at least one word (letters or digits) to search for"),
            QueryError::OnlyExclusions => write!(
                f,
                "each alternative needs a word to find, not only words to leave out with `-`"
            ),
        }
    }
}

/// What [`Query::parse`] found: a query, or only words too common to search for (`the of`),
/// which match nothing rather than being an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    Query(Query),
    OnlyCommonWords,
}

/// A token of the raw text.
#[derive(Debug)]
enum Token {
    Or,
    Term(Term),
}

impl Query {
    /// Parses what a person typed.
    pub fn parse(text: &str) -> Result<Parsed, QueryError> {
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(QueryError::TooLong { chars });
        }
        let tokens = tokenize(text);
        let terms: usize = tokens
            .iter()
            .map(|token| match token {
                Token::Term(term) => term.words.len(),
                Token::Or => 0,
            })
            .sum();
        if terms > MAX_TERMS {
            return Err(QueryError::TooManyTerms { terms });
        }
        if terms == 0 {
            return Err(QueryError::Empty);
        }
        let mut any = Vec::new();
        let mut current = Vec::new();
        let mut common_only = false;
        let mut close = |current: &mut Vec<Term>, any: &mut Vec<Alternative>| -> Result<(), QueryError> {
            let terms = std::mem::take(current);
            if terms.is_empty() {
                return Ok(());
            }
            let (kept, dropped): (Vec<Term>, Vec<Term>) =
                terms.into_iter().partition(|term| !term.is_common());
            if kept.iter().all(|term| term.excluded) {
                if dropped.iter().any(|term| !term.excluded) {
                    // Nothing but common words to find: this alternative finds nothing.
                    common_only = true;
                    return Ok(());
                }
                return Err(QueryError::OnlyExclusions);
            }
            any.push(Alternative { terms: kept });
            Ok(())
        };
        for token in tokens {
            match token {
                Token::Or => close(&mut current, &mut any)?,
                Token::Term(term) => current.push(term),
            }
        }
        close(&mut current, &mut any)?;
        if any.is_empty() {
            return if common_only {
                Ok(Parsed::OnlyCommonWords)
            } else {
                Err(QueryError::OnlyExclusions)
            };
        }
        Ok(Parsed::Query(Query { any }))
    }

    /// Every word the query looks for (not those it leaves out), for highlighting.
    pub fn wanted(&self) -> impl Iterator<Item = (&str, bool)> {
        self.any
            .iter()
            .flat_map(|alternative| &alternative.terms)
            .filter(|term| !term.excluded)
            .flat_map(|term| {
                let last = term.words.len() - 1;
                term.words
                    .iter()
                    .enumerate()
                    .map(move |(i, word)| (word.as_str(), term.prefix && i == last))
            })
    }

    /// The query in SQLite FTS5's syntax: every word quoted, so none is an operator.
    pub fn fts5(&self) -> String {
        let mut out = String::new();
        for (i, alternative) in self.any.iter().enumerate() {
            if i > 0 {
                out.push_str(" OR ");
            }
            out.push('(');
            let (excluded, included): (Vec<&Term>, Vec<&Term>) =
                alternative.terms.iter().partition(|term| term.excluded);
            out.push('(');
            for (j, term) in included.iter().enumerate() {
                if j > 0 {
                    out.push_str(" AND ");
                }
                term.write_fts5(&mut out);
            }
            out.push(')');
            for term in excluded {
                out.push_str(" NOT ");
                term.write_fts5(&mut out);
            }
            out.push(')');
        }
        out
    }

    /// The query as a `tsquery` text for `to_tsquery`: every word quoted, so none is an operator.
    pub fn tsquery(&self) -> String {
        self.tsquery_in("")
    }

    /// [`Query::tsquery`] with every word restricted to the texts of these weights (`"AB"`).
    pub fn tsquery_in(&self, weights: &str) -> String {
        let mut out = String::new();
        for (i, alternative) in self.any.iter().enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            out.push('(');
            for (j, term) in alternative.terms.iter().enumerate() {
                if j > 0 {
                    out.push_str(" & ");
                }
                if term.excluded {
                    out.push('!');
                }
                term.write_tsquery(&mut out, weights);
            }
            out.push(')');
        }
        out
    }

    /// The query as each engine reads it.
    pub fn full_text(&self) -> crate::store::search::FullText {
        crate::store::search::FullText {
            fts5: self.fts5(),
            tsquery: self.tsquery(),
            tsquery_strongest: self.tsquery_in("AB"),
        }
    }

    /// The query written back in its own syntax (after a spelling correction, say).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, alternative) in self.any.iter().enumerate() {
            if i > 0 {
                out.push_str(" OR ");
            }
            for (j, term) in alternative.terms.iter().enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                if term.excluded {
                    out.push('-');
                }
                if term.words.len() > 1 {
                    let _ = write!(out, "\"{}\"", term.words.join(" "));
                } else {
                    out.push_str(&term.words.join(" "));
                }
            }
        }
        out
    }
}

impl Term {
    /// A lone common word: dropped, as PostgreSQL's `english` configuration drops it.
    fn is_common(&self) -> bool {
        matches!(self.words.as_slice(), [word] if COMMON.binary_search(&word.as_str()).is_ok())
    }

    fn write_fts5(&self, out: &mut String) {
        let phrase = self.words.join(" ");
        if self.prefix {
            let _ = write!(out, "(\"{phrase}\" OR \"{phrase}\"*)");
        } else {
            let _ = write!(out, "\"{phrase}\"");
        }
    }

    fn write_tsquery(&self, out: &mut String, weights: &str) {
        out.push('(');
        let last = self.words.len() - 1;
        let colon = if weights.is_empty() { "" } else { ":" };
        for (i, word) in self.words.iter().enumerate() {
            if i > 0 {
                out.push_str(" <-> ");
            }
            if self.prefix && i == last {
                let _ = write!(out, "('{word}'{colon}{weights} | '{word}':*{weights})");
            } else {
                let _ = write!(out, "'{word}'{colon}{weights}");
            }
        }
        out.push(')');
    }
}

/// Splits the text into `OR`s and terms; see the module's documentation for the rules.
fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let excluded = rest.starts_with('-') && rest[1..].starts_with(|c: char| !c.is_whitespace());
        if excluded {
            rest = &rest[1..];
        }
        let (raw, quoted, ended) = if let Some(inner) = rest.strip_prefix('"') {
            match inner.find('"') {
                Some(end) => {
                    let raw = &inner[..end];
                    rest = &inner[end + 1..];
                    (raw, true, true)
                }
                None => {
                    let raw = inner;
                    rest = "";
                    (raw, true, false)
                }
            }
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            let raw = &rest[..end];
            rest = &rest[end..];
            (raw, false, !rest.is_empty())
        };
        if !quoted && !excluded && raw == "OR" {
            tokens.push(Token::Or);
            continue;
        }
        let words = words(raw);
        if words.is_empty() {
            continue;
        }
        tokens.push(Token::Term(Term {
            words,
            excluded,
            // Only what the text ends on, still being typed.
            prefix: !ended && !excluded && !quoted,
        }));
    }
    tokens
}

/// The letters-and-digits runs of `raw`, lower-cased.
pub fn words(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Words too common to search for, dropped outside phrases (sorted, for binary search): a subset
/// of what PostgreSQL's `english` configuration drops, so both databases drop the same words.
const COMMON: [&str; 44] = [
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "did", "do", "does", "for", "from",
    "had", "has", "have", "he", "her", "his", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or",
    "she", "so", "than", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Query {
        match Query::parse(text) {
            Ok(Parsed::Query(query)) => query,
            other => panic!("{text:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn common_words_are_sorted_for_binary_search() {
        assert!(COMMON.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn words_must_all_occur_and_the_last_is_also_a_prefix() {
        let query = parse("Rest pause hypertro");
        assert_eq!(
            query.fts5(),
            r#"(("rest" AND "pause" AND ("hypertro" OR "hypertro"*)))"#
        );
        assert_eq!(
            query.tsquery(),
            "(('rest') & ('pause') & (('hypertro' | 'hypertro':*)))"
        );
    }

    #[test]
    fn a_trailing_space_ends_the_last_word() {
        assert_eq!(parse("muscle ").fts5(), r#"(("muscle"))"#);
    }

    #[test]
    fn phrases_exclusions_and_alternatives() {
        let query = parse(r#""metabolic stress" -fatigue OR rest-pause "#);
        assert_eq!(
            query.fts5(),
            r#"(("metabolic stress") NOT "fatigue") OR (("rest pause"))"#
        );
        assert_eq!(
            query.tsquery(),
            "(('metabolic' <-> 'stress') & !('fatigue')) | (('rest' <-> 'pause'))"
        );
        assert_eq!(query.text(), r#""metabolic stress" -fatigue OR "rest pause""#);
    }

    #[test]
    fn nothing_the_engines_read_as_syntax_gets_through() {
        let query = parse(r#"NEAR(a b) AND' x:* \"; DROP TABLE claim; -- {a b}:c ^d"#);
        for word in query.wanted().map(|(w, _)| w) {
            assert!(word.chars().all(char::is_alphanumeric), "{word:?}");
        }
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end() {
        assert_eq!(parse(r#""muscle fiber"#).fts5(), r#"(("muscle fiber"))"#);
    }

    #[test]
    fn common_words_are_dropped_outside_phrases() {
        assert_eq!(
            parse("the effect of training ").fts5(),
            r#"(("effect" AND "training"))"#
        );
        assert_eq!(
            parse(r#""effect of training""#).fts5(),
            r#"(("effect of training"))"#
        );
        assert_eq!(Query::parse("the of "), Ok(Parsed::OnlyCommonWords));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(Query::parse("   "), Err(QueryError::Empty));
        assert_eq!(Query::parse("-- ?! ..."), Err(QueryError::Empty));
        assert_eq!(Query::parse("OR OR"), Err(QueryError::Empty));
        assert_eq!(Query::parse("-fatigue"), Err(QueryError::OnlyExclusions));
        assert_eq!(
            Query::parse("muscle OR -fatigue"),
            Err(QueryError::OnlyExclusions)
        );
        let long = "a".repeat(MAX_CHARS + 1);
        assert_eq!(
            Query::parse(&long),
            Err(QueryError::TooLong { chars: MAX_CHARS + 1 })
        );
        let many = "w ".repeat(MAX_TERMS + 1);
        assert_eq!(
            Query::parse(&many),
            Err(QueryError::TooManyTerms { terms: MAX_TERMS + 1 })
        );
    }

    #[test]
    fn a_lone_hyphen_is_not_an_exclusion() {
        assert_eq!(parse("muscle - growth ").fts5(), r#"(("muscle" AND "growth"))"#);
    }
}
