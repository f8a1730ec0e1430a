//! The `ClaimSynthesis` object: a claim's plain-language synthesis and the studies behind it.

use async_graphql::{Context, Object};

use super::Study;
use crate::graphql::context::{load_list, load_many};
use crate::graphql::loaders::{StudiesCitedByClaim, StudyById};

/// The plain-language synthesis of a claim's evidence.
pub struct ClaimSynthesis {
    /// The claim the synthesis belongs to, whose cited studies it counts.
    pub(super) claim_id: i32,
    pub(super) text: String,
}

/// The plain-language synthesis of a claim's evidence.
#[Object(serial)]
impl ClaimSynthesis {
    /// The synthesis paragraph, as curators wrote it.
    async fn text(&self) -> &str {
        &self.text
    }

    /// How many distinct studies the claim's mechanism steps cite ("synthesis from 1 study").
    async fn study_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let ids = load_list(ctx, StudiesCitedByClaim(self.claim_id)).await?;
        Ok(i32::try_from(ids.len()).unwrap_or(i32::MAX))
    }

    /// The distinct studies the claim's mechanism steps cite, through their DOIs.
    #[graphql(complexity = "crate::graphql::limits::EXPECTED_STUDIES * child_complexity")]
    async fn studies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Study>> {
        let ids = load_list(ctx, StudiesCitedByClaim(self.claim_id)).await?;
        Ok(load_many(ctx, ids.into_iter().map(StudyById).collect())
            .await?
            .into_iter()
            .map(Study)
            .collect())
    }
}
