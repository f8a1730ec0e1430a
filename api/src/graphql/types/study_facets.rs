//! `StudyFacets`: counts over the whole of a filtered list of studies, for a browsing UI.

use async_graphql::{Context, Object};

use super::FacetCount;
use crate::error::ApiError;
use crate::graphql::context::store;
use crate::graphql::enums::StudyDesign;
use crate::store::lists::StudyFilter;

/// The filter the counts are over, checked.
pub struct StudyFacets(pub(crate) StudyFilter);

/// Counts over every study the filter lets through (not a page of them). Each facet is one
/// statement, read only when selected.
#[Object(serial)]
impl StudyFacets {
    /// For each study design, in a fixed order with zeros included, how many of the studies have it.
    async fn design(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FacetCount<StudyDesign>>> {
        let facet = store(ctx)?
            .study_design_facet(&self.0)
            .await
            .map_err(ApiError::from)?;
        Ok(FacetCount::all(facet))
    }

    /// For each year in which any of the studies was published, earliest first, how many were
    /// (years with none are left out; a study without a year counts under none).
    async fn year(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FacetCount<i32>>> {
        let facet = store(ctx)?
            .study_year_facet(&self.0)
            .await
            .map_err(ApiError::from)?;
        Ok(FacetCount::all(facet))
    }
}
