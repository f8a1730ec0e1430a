//! "Did you mean": when a query finds nothing, each of its words that no indexed text holds is
//! replaced by the closest word that one does, and the query runs again.
//!
//! Candidates are the indexed words with the same first letter (the store reads them from the
//! index's vocabulary by range); the closest is the one at the smallest edit distance (insertions,
//! deletions, substitutions and swaps of two neighbours), at most 1 for words of up to 5 letters and
//! 2 beyond, ties going to the alphabetically first. Words of fewer than 4 letters, words inside
//! phrases and excluded words are left as typed.

use std::collections::HashMap;

use super::query::Query;

/// The shortest word worth correcting.
const MIN_LEN: usize = 4;

/// The words of `query` that spelling may correct: included, outside phrases, long enough (a last
/// word being typed is corrected too when, even as a prefix, it found nothing).
pub fn correctable(query: &Query) -> Vec<String> {
    let mut words: Vec<String> = query
        .any
        .iter()
        .flat_map(|alternative| &alternative.terms)
        .filter(|term| !term.excluded && term.words.len() == 1)
        .map(|term| term.words[0].clone())
        .filter(|word| word.chars().count() >= MIN_LEN)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// The closest of `candidates` to `word`, if any is close enough; `None` when `word` is itself one
/// of them.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let word: Vec<char> = word.chars().collect();
    let bound = if word.len() <= 5 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let chars: Vec<char> = candidate.chars().collect();
        if chars.len().abs_diff(word.len()) > bound {
            continue;
        }
        let distance = distance(&word, &chars);
        if distance == 0 {
            return None;
        }
        if distance <= bound && best.is_none_or(|(d, c)| distance < d || (distance == d && candidate < c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate.to_owned())
}

/// `query` with the words of `replace` replaced.
pub fn corrected(query: &Query, replace: &HashMap<String, String>) -> Query {
    let mut query = query.clone();
    for term in query
        .any
        .iter_mut()
        .flat_map(|alternative| &mut alternative.terms)
    {
        if term.words.len() == 1
            && let Some(word) = replace.get(&term.words[0])
        {
            term.words[0] = word.clone();
        }
    }
    query
}

/// The optimal-string-alignment distance between `a` and `b`.
fn distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    rows[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::query::Parsed;

    #[test]
    fn the_closest_word_wins_and_a_known_word_stays() {
        let vocabulary = ["hypertrophy", "hypertrophic", "hyperplasia"];
        assert_eq!(
            closest("hypertrophie", vocabulary),
            Some("hypertrophic".to_owned())
        );
        assert_eq!(closest("hyprtrophy", vocabulary), Some("hypertrophy".to_owned()));
        assert_eq!(closest("hypertrophy", vocabulary), None);
        assert_eq!(closest("hxxxxxxphy", vocabulary), None);
    }

    #[test]
    fn swapped_neighbours_cost_one() {
        let a: Vec<char> = "musle".chars().collect();
        let b: Vec<char> = "muslc".chars().collect();
        assert_eq!(distance(&a, &b), 1);
        assert_eq!(closest("msucle", ["muscle"]), Some("muscle".to_owned()));
    }

    #[test]
    fn only_whole_included_words_are_corrected() {
        let Ok(Parsed::Query(query)) = Query::parse(r#"musle "fiber activaton" -fatigue gro"#) else {
            panic!("a query");
        };
        assert_eq!(correctable(&query), ["musle"], "gro is too short");
        let replace = HashMap::from([("musle".to_owned(), "muscle".to_owned())]);
        assert_eq!(
            corrected(&query, &replace).text(),
            r#"muscle "fiber activaton" -fatigue gro"#
        );
    }
}
