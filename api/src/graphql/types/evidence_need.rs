//! The `EvidenceNeed` object: one rung of the "gold standard evidence needed" ladder.

use async_graphql::SimpleObject;

use super::Study;
use crate::graphql::enums::{GradeCertainty, StudyDesign};

/// One rung of the gold-standard evidence ladder.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct EvidenceNeed {
    /// 1 is the strongest evidence.
    pub rank: i32,
    /// The study design that would meet this rung.
    pub design: StudyDesign,
    /// The Oxford CEBM 2011 level of that design (1 strongest, 5 weakest).
    pub cebm_level: i32,
    /// GRADE's starting certainty for evidence of this design.
    pub starting_certainty: GradeCertainty,
    /// The ideal study, phrased in the claim's own population, intervention, comparator and outcome.
    pub description: String,
    /// Studies in the claim's evidence whose design already reaches this rung.
    #[graphql(complexity = "crate::graphql::limits::EXPECTED_STUDIES * child_complexity")]
    pub met_by: Vec<Study>,
}
