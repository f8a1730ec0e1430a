//! The schema's enums. Stored enums mirror `entity::values` one to one (async-graphql's `remote`
//! derives the conversions), so the database names and the GraphQL names are the same words.

use async_graphql::Enum;

/// How well current evidence supports a mechanism as the explanation of its claim.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::Support")]
pub enum Support {
    /// The explanation current evidence favours; a claim has at most one.
    MostProbable,
    /// Less supported by current evidence, but not ruled out.
    LessSupported,
    /// Current evidence rules this explanation out; kept so the reasoning stays visible.
    RuledOut,
}

/// A study's stance on a claim.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::Stance")]
pub enum Stance {
    /// The study's findings support the claim.
    Supporting,
    /// The study's findings contradict the claim.
    Contradicting,
    /// The study bears on the claim but its findings point neither way.
    Inconclusive,
}

/// Which way the evidence points on a claim's outcome, where curators know it.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::EffectDirection")]
pub enum EffectDirection {
    /// The outcome is better with the intervention than with the comparator.
    FavoursIntervention,
    /// No difference between intervention and comparator.
    NoDifference,
    /// The outcome is better with the comparator.
    FavoursComparator,
}

/// A study's design, which places it on the Oxford CEBM 2011 evidence levels.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::values::StudyDesign")]
pub enum StudyDesign {
    /// A systematic review with meta-analysis (CEBM level 1 when it pools randomised trials).
    SystematicReviewMetaAnalysis,
    /// A systematic review without meta-analysis (CEBM level 1).
    SystematicReview,
    /// A randomised controlled trial (CEBM level 2).
    RandomisedControlledTrial,
    /// A controlled study without randomisation (CEBM level 3).
    NonRandomisedControlledStudy,
    /// A cohort or follow-up study (CEBM level 3).
    CohortStudy,
    /// A case-control study (CEBM level 4).
    CaseControlStudy,
    /// A case series (CEBM level 4).
    CaseSeries,
    /// A study with historical controls (CEBM level 4).
    HistoricallyControlledStudy,
    /// Physiological or laboratory work that supports mechanism-based reasoning (CEBM level 5).
    MechanisticStudy,
    /// Expert opinion (CEBM level 5).
    ExpertOpinion,
    /// A design that sits on no CEBM level.
    Other,
}

/// GRADE's certainty in an estimate before rating up or down.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum GradeCertainty {
    /// Randomised evidence starts here.
    High,
    /// Observational evidence starts here.
    Low,
}

impl From<crate::domain::evidence_needs::StartingCertainty> for GradeCertainty {
    fn from(value: crate::domain::evidence_needs::StartingCertainty) -> Self {
        match value {
            crate::domain::evidence_needs::StartingCertainty::High => GradeCertainty::High,
            crate::domain::evidence_needs::StartingCertainty::Low => GradeCertainty::Low,
        }
    }
}

/// Which way a list is sorted.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}
