//! `ClaimFacets`: counts over the whole of a filtered list of claims, for a browsing UI.

use async_graphql::{Context, Object};

use super::FacetCount;
use crate::error::ApiError;
use crate::graphql::context::store;
use crate::graphql::enums::{EffectDirection, Stance, StudyDesign, Support};
use crate::store::lists::ClaimFilter;

/// The filter the counts are over, checked.
pub struct ClaimFacets(pub(crate) ClaimFilter);

/// Counts over every claim the filter lets through (not a page of them), each facet listing every
/// value of its enumeration in a fixed order, zeros included, so a UI can show "RCT (12)" and keep
/// its layout. Each facet is one statement, read only when selected.
#[Object(serial)]
impl ClaimFacets {
    /// For each study design, how many of the claims have evidence from a study of that design
    /// (a claim with studies of two designs counts under both).
    async fn design(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FacetCount<StudyDesign>>> {
        let facet = store(ctx)?
            .claim_design_facet(&self.0)
            .await
            .map_err(ApiError::from)?;
        Ok(FacetCount::all(facet))
    }

    /// For each stance, how many of the claims have evidence with that stance (claims, not
    /// evidence rows, as `hasSupporting` and `hasContradicting` filter).
    async fn stance(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FacetCount<Stance>>> {
        let facet = store(ctx)?
            .claim_stance_facet(&self.0)
            .await
            .map_err(ApiError::from)?;
        Ok(FacetCount::all(facet))
    }

    /// For each support, how many of the claims have a most probable explanation (rank-1
    /// mechanism) with that support, as `topMechanismSupport` filters; a claim without
    /// mechanisms counts under none.
    async fn support(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FacetCount<Support>>> {
        let facet = store(ctx)?
            .claim_support_facet(&self.0)
            .await
            .map_err(ApiError::from)?;
        Ok(FacetCount::all(facet))
    }

    /// For each effect direction, how many of the claims have it; a claim whose direction is
    /// unknown counts under none.
    async fn effect_direction(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<FacetCount<EffectDirection>>> {
        let facet = store(ctx)?
            .claim_effect_direction_facet(&self.0)
            .await
            .map_err(ApiError::from)?;
        Ok(FacetCount::all(facet))
    }
}
