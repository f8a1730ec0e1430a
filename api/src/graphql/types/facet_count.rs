//! `XCount`: one value of a facet and how many items of a filtered list have it.

use async_graphql::{OutputType, SimpleObject};

use crate::graphql::enums::{EffectDirection, Stance, StudyDesign, Support};

/// One value of a facet and how many items of the filtered list have it (0 included), for a
/// browsing UI's "RCT (12)".
#[derive(SimpleObject, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(
    serial,
    concrete(name = "StudyDesignCount", params(StudyDesign)),
    concrete(name = "StanceCount", params(Stance)),
    concrete(name = "SupportCount", params(Support)),
    concrete(name = "EffectDirectionCount", params(EffectDirection)),
    concrete(name = "YearCount", params(i32))
)]
pub struct FacetCount<T: OutputType> {
    /// The value counted.
    pub value: T,
    /// How many items of the filtered list have it.
    pub count: u64,
}

impl<T: OutputType> FacetCount<T> {
    /// A store's facet, each value in the schema's type.
    pub(crate) fn all<S: Into<T>>(facet: Vec<(S, u64)>) -> Vec<FacetCount<T>> {
        facet
            .into_iter()
            .map(|(value, count)| FacetCount {
                value: value.into(),
                count,
            })
            .collect()
    }
}
