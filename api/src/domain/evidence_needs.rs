//! The "gold standard evidence needed" ladder: what ideal evidence for one claim would look like,
//! strongest first, phrased in the claim's own PICO terms.
//!
//! The rungs follow the Oxford CEBM 2011 levels for "does this intervention help?" (1 systematic
//! review of randomised trials ... 5 mechanism-based reasoning); each rung lists the studies already
//! in the claim's evidence whose design reaches that level. GRADE's starting certainty follows the
//! same split: randomised evidence starts high, observational evidence low.
//! <https://www.cebm.ox.ac.uk/resources/levels-of-evidence/ocebm-levels-of-evidence>

use entity::values::StudyDesign;

/// A claim's population, intervention, comparator and outcome.
#[derive(Clone, Copy, Debug)]
pub struct Pico<'a> {
    pub population: &'a str,
    pub intervention: &'a str,
    pub comparator: &'a str,
    pub outcome: &'a str,
}

/// GRADE's certainty before rating up or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartingCertainty {
    High,
    Low,
}

/// One rung of the ladder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rung<S> {
    /// 1 is the strongest.
    pub rank: u8,
    /// The design that would meet this rung.
    pub design: StudyDesign,
    /// The Oxford CEBM 2011 level of that design.
    pub cebm_level: u8,
    pub starting_certainty: StartingCertainty,
    /// What the ideal study would be, in the claim's terms.
    pub description: String,
    /// The claim's studies whose design reaches this level.
    pub met_by: Vec<S>,
}

/// Builds the ladder for a claim from its PICO and its evidence's studies with their designs.
pub fn evidence_ladder<S: Clone>(pico: Pico<'_>, studies: &[(S, StudyDesign)]) -> Vec<Rung<S>> {
    let Pico {
        population,
        intervention,
        comparator,
        outcome,
    } = pico;
    let rungs = [
        (
            StudyDesign::SystematicReviewMetaAnalysis,
            StartingCertainty::High,
            format!(
                "A systematic review with meta-analysis of randomised controlled trials comparing {intervention} \
                 with {comparator} in {population}, with {outcome} as the pre-registered outcome."
            ),
        ),
        (
            StudyDesign::RandomisedControlledTrial,
            StartingCertainty::High,
            format!(
                "A randomised controlled trial that assigns {population} at random to {intervention} or \
                 {comparator} and measures {outcome}, with blinded outcome assessment."
            ),
        ),
        (
            StudyDesign::CohortStudy,
            StartingCertainty::Low,
            format!(
                "A non-randomised controlled cohort or follow-up study comparing {outcome} in {population} \
                 doing {intervention} with those doing {comparator}."
            ),
        ),
        (
            StudyDesign::CaseControlStudy,
            StartingCertainty::Low,
            format!(
                "A case series, case-control or historically controlled study of {outcome} in {population} \
                 doing {intervention} rather than {comparator}."
            ),
        ),
        (
            StudyDesign::MechanisticStudy,
            StartingCertainty::Low,
            format!(
                "Mechanism-based reasoning: physiological studies of how {intervention}, compared with \
                 {comparator}, could change {outcome} in {population}."
            ),
        ),
    ];
    rungs
        .into_iter()
        .zip(1u8..)
        .map(|((design, starting_certainty, description), rank)| {
            let level = design.cebm_level().unwrap_or(rank);
            Rung {
                rank,
                design,
                cebm_level: level,
                starting_certainty,
                description,
                met_by: studies
                    .iter()
                    .filter(|(_, d)| d.cebm_level() == Some(level))
                    .map(|(s, _)| s.clone())
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PICO: Pico<'static> = Pico {
        population: "recreationally trained adults",
        intervention: "rest-pause training",
        comparator: "traditional training sets",
        outcome: "muscle growth",
    };

    #[test]
    fn the_ladder_runs_from_systematic_reviews_to_mechanisms() {
        let ladder = evidence_ladder::<i32>(PICO, &[]);
        let levels: Vec<u8> = ladder.iter().map(|r| r.cebm_level).collect();
        assert_eq!(levels, [1, 2, 3, 4, 5]);
        let ranks: Vec<u8> = ladder.iter().map(|r| r.rank).collect();
        assert_eq!(ranks, [1, 2, 3, 4, 5]);
        assert_eq!(ladder[1].design, StudyDesign::RandomisedControlledTrial);
        assert_eq!(ladder[1].starting_certainty, StartingCertainty::High);
        assert_eq!(ladder[2].starting_certainty, StartingCertainty::Low);
    }

    #[test]
    fn every_rung_is_phrased_in_the_claims_terms() {
        for rung in evidence_ladder::<i32>(PICO, &[]) {
            for term in [
                "recreationally trained adults",
                "rest-pause training",
                "traditional training sets",
                "muscle growth",
            ] {
                assert!(
                    rung.description.contains(term),
                    "rung {} lacks {term:?}: {}",
                    rung.rank,
                    rung.description
                );
            }
        }
    }

    #[test]
    fn studies_meet_the_rung_of_their_designs_level() {
        let studies = [
            (1, StudyDesign::SystematicReviewMetaAnalysis),
            (2, StudyDesign::RandomisedControlledTrial),
            (3, StudyDesign::SystematicReview),
            (4, StudyDesign::Other),
        ];
        let ladder = evidence_ladder(PICO, &studies);
        assert_eq!(ladder[0].met_by, [1, 3]);
        assert_eq!(ladder[1].met_by, [2]);
        assert!(ladder[2..].iter().all(|r| r.met_by.is_empty()));
    }
}
