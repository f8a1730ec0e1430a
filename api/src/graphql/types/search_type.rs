//! `SearchType`: the kinds of node a search can find.

use async_graphql::Enum;

use crate::store::search::Kind;

/// A kind of node a search finds.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SearchType {
    /// A claim, found by its statement and PICO parts (which weigh most) or its synthesis.
    Claim,
    /// A mechanism, found by its label or summary.
    Mechanism,
    /// A mechanism's step, found by its text.
    Step,
    /// A study, found by its title (or, weighing least, its journal and authors).
    Study,
    /// A DOI: found when the query is a DOI in any common spelling (`10.…`, `doi:10.…`,
    /// `https://doi.org/10.…`), which then finds nothing else but the DOI's study.
    Doi,
}

impl SearchType {
    /// The index's kind of node; none for a DOI, which is found by its value.
    pub fn indexed(self) -> Option<Kind> {
        match self {
            SearchType::Claim => Some(Kind::Claim),
            SearchType::Mechanism => Some(Kind::Mechanism),
            SearchType::Step => Some(Kind::Step),
            SearchType::Study => Some(Kind::Study),
            SearchType::Doi => None,
        }
    }
}

impl From<Kind> for SearchType {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Claim => SearchType::Claim,
            Kind::Mechanism => SearchType::Mechanism,
            Kind::Step => SearchType::Step,
            Kind::Study => SearchType::Study,
        }
    }
}
