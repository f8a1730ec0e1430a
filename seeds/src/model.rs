//! What a valid seed file holds, in the entity layer's value types, ready to be written to the
//! database. A value of these types has passed every check in [`crate::read`].

use entity::values::{Doi, EffectDirection, Stance, StudyDesign, Support};

/// One seed file: the claims it describes and the studies they rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedFile {
    /// The file as it was named when read, so a loader can say where each row came from.
    pub name: String,
    /// In the order of their `[[claim]]` headers.
    pub claims: Vec<SeedClaim>,
    /// In the order of their `[[study]]` headers.
    pub studies: Vec<SeedStudy>,
}

/// A claim page: its statement, PICO parts, synthesis, mechanisms and evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedClaim {
    /// The claim's stable address, and the key an idempotent load matches existing rows on.
    pub slug: String,
    /// Verbatim from the page, including a trailing "..." where the page cuts it off.
    pub statement: String,
    pub population: String,
    pub intervention: String,
    pub comparator: String,
    pub outcome: String,
    /// Absent where the page does not say which way the outcome goes.
    pub effect_direction: Option<EffectDirection>,
    /// The plain-language paragraph, inline DOI markers included as the page shows them.
    pub synthesis: String,
    /// Sorted by rank, which runs 1, 2, 3, ... without gaps.
    pub mechanisms: Vec<SeedMechanism>,
    /// In file order; each study appears at most once.
    pub evidence: Vec<SeedEvidence>,
}

/// One explanation of how the claimed effect comes about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedMechanism {
    /// Its place on the page, from 1.
    pub rank: i32,
    pub support: Support,
    /// A short name, where a curator gave one; the page shows none.
    pub label: Option<String>,
    /// The plain-language paragraph, inline DOI markers included.
    pub summary: String,
    /// Sorted by position, which runs 1, 2, 3, ... without gaps.
    pub steps: Vec<SeedStep>,
}

/// One sentence of a mechanism, with the DOIs of its citation marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedStep {
    /// Its place in the mechanism, from 1.
    pub position: i32,
    /// The sentence without its trailing citation marker; see [`SeedStep::page_line`].
    pub text: String,
    /// The marker's DOIs, in order, each once.
    pub citations: Vec<Doi>,
}

impl SeedStep {
    /// The step as the page prints it: the citation marker `(doi; doi)` goes before the text's
    /// final full stop, or after the text when it has none; a step without citations is its text.
    ///
    /// This is the one definition of the marker rule; the data file's header and the README
    /// describe the same rule, and a test rebuilds every step line of the seed page with it.
    pub fn page_line(&self) -> String {
        if self.citations.is_empty() {
            return self.text.clone();
        }
        let dois: Vec<&str> = self.citations.iter().map(Doi::as_str).collect();
        let marker = format!("({})", dois.join("; "));
        match self.text.strip_suffix('.') {
            Some(sentence) => format!("{sentence} {marker}."),
            None => format!("{} {marker}", self.text),
        }
    }
}

/// A study's stance on a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedEvidence {
    /// Always a DOI that some `[[study]]` of the same load defines.
    pub study: Doi,
    pub stance: Stance,
    /// Why the study takes this stance, where a curator wrote it down.
    pub note: Option<String>,
}

/// A study's metadata; its DOI is the key an idempotent load matches existing rows on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedStudy {
    pub doi: Doi,
    pub title: String,
    pub journal: Option<String>,
    /// Publication year, 1600 to 2100.
    pub year: Option<i32>,
    pub design: StudyDesign,
    pub authors: Option<String>,
    /// Participants; never negative.
    pub sample_size: Option<i32>,
    /// False unless the file says `retracted = true`.
    pub retracted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(text: &str, dois: &[&str]) -> SeedStep {
        let citations = dois.iter().filter_map(|doi| Doi::parse(doi).ok()).collect();
        SeedStep {
            position: 1,
            text: text.to_owned(),
            citations,
        }
    }

    #[test]
    fn the_marker_goes_before_the_final_full_stop() {
        let line = step("Sentence one.", &["10.3390/jfmk11010080"]).page_line();
        assert_eq!(line, "Sentence one (10.3390/jfmk11010080).");
    }

    #[test]
    fn several_citations_are_joined_by_semicolons() {
        let line = step("Sentence.", &["10.1000/a", "10.1000/b"]).page_line();
        assert_eq!(line, "Sentence (10.1000/a; 10.1000/b).");
    }

    #[test]
    fn a_text_without_a_full_stop_gets_the_marker_appended() {
        assert_eq!(
            step("Sentence", &["10.1000/a"]).page_line(),
            "Sentence (10.1000/a)"
        );
    }

    #[test]
    fn a_step_without_citations_is_its_text() {
        assert_eq!(step("Sentence.", &[]).page_line(), "Sentence.");
    }
}
