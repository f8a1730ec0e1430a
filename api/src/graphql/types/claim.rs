//! The `Claim` object: one evidence page, with its PICO, synthesis, mechanisms and evidence.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{claim, study};

use super::{ClaimSynthesis, Evidence, EvidenceCounts, EvidenceNeed, Mechanism, Study};
use crate::domain::evidence_needs::{Pico, evidence_ladder};
use crate::graphql::connection::{Connection, PageArgs, paginate_loaded};
use crate::graphql::context::{load_list, load_many};
use crate::graphql::enums::{EffectDirection, Stance, StudyDesign};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::list_args::{EvidenceFilter, YearRange};
use crate::graphql::loaders::{EvidenceByClaim, MechanismsByClaim, StudyById};

/// The GraphQL `Claim` object over one `claim` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Claim(pub claim::Model);

/// A scientific claim: one evidence page, with its PICO, synthesis, mechanisms and evidence.
// Serial, as every object type (see the module documentation).
#[Object(serial)]
impl Claim {
    /// The claim's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Claim, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The stable, URL-safe handle a front end routes by, e.g. `rest-pause-training`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The claim as one sentence, exactly as the page states it.
    async fn statement(&self) -> &str {
        &self.0.statement
    }

    /// PICO: who the claim is about.
    async fn population(&self) -> &str {
        &self.0.population
    }

    /// PICO: what is done to them.
    async fn intervention(&self) -> &str {
        &self.0.intervention
    }

    /// PICO: what the intervention is compared with.
    async fn comparator(&self) -> &str {
        &self.0.comparator
    }

    /// PICO: what is measured.
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }

    /// Which way the evidence points, where curators know it.
    async fn effect_direction(&self) -> Option<EffectDirection> {
        self.0.effect_direction.map(Into::into)
    }

    /// The plain-language synthesis and the studies it draws on.
    async fn synthesis(&self) -> ClaimSynthesis {
        ClaimSynthesis {
            claim_id: self.0.id,
            text: self.0.synthesis.clone(),
        }
    }

    /// The mechanisms that may explain the claim, most probable first (by rank).
    #[graphql(complexity = "crate::graphql::limits::EXPECTED_MECHANISMS * child_complexity")]
    async fn mechanisms(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Mechanism>> {
        Ok(load_list(ctx, MechanismsByClaim(self.0.id))
            .await?
            .into_iter()
            .map(Mechanism)
            .collect())
    }

    /// How many studies support, contradict or are inconclusive about the claim.
    async fn evidence_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<EvidenceCounts> {
        let rows = load_list(ctx, EvidenceByClaim(self.0.id)).await?;
        Ok(EvidenceCounts::of(&rows))
    }

    /// The studies that bear on the claim, oldest evidence first; `stance` lists one side only,
    /// `design` and `year` narrow by the evidence's study (all given must hold).
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay field takes its four page arguments plus its three filters"
    )]
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn evidence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only evidence with this stance.")] stance: Option<Stance>,
        #[graphql(
            desc = "Only evidence from a study of one of these designs (at most 20; an empty list lets none through)."
        )]
        design: Option<Vec<StudyDesign>>,
        #[graphql(desc = "Only evidence from a study published in this range.")] year: Option<YearRange>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<Evidence>> {
        let filter = EvidenceFilter::checked(stance, design, year)?;
        let rows = load_list(ctx, EvidenceByClaim(self.0.id)).await?;
        let studies: HashMap<i32, study::Model> = if filter.reads_study() {
            load_many(ctx, rows.iter().map(|e| StudyById(e.study_id)).collect())
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect()
        } else {
            HashMap::new()
        };
        let items = rows
            .into_iter()
            .filter(|e| filter.admits(e, studies.get(&e.study_id)))
            .map(|e| (e.id, Evidence(e)));
        Ok(paginate_loaded(
            &PageArgs {
                first,
                after,
                last,
                before,
            },
            items.collect(),
        )?)
    }

    /// Every applied change to the claim and to what hangs under it (mechanisms, steps, evidence,
    /// contributions submitted and reviewed) that the caller may see, oldest first; `last` gives
    /// the latest. As in `events`, a pending or rejected contribution's events are its author's
    /// and the moderators' only.
    #[graphql(
        cache_control(private),
        complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)"
    )]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<crate::graphql::types::Event>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(Box::pin(super::curation::events_page(ctx, Some(self.0.id), args)).await?)
    }

    /// The gold-standard evidence ladder: what ideal evidence for this claim would look like,
    /// strongest first, with the studies in its evidence that already meet each rung.
    #[graphql(complexity = "crate::graphql::limits::LADDER_RUNGS * child_complexity")]
    async fn evidence_needs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EvidenceNeed>> {
        let rows = load_list(ctx, EvidenceByClaim(self.0.id)).await?;
        let studies = load_many(ctx, rows.iter().map(|e| StudyById(e.study_id)).collect()).await?;
        let designed: Vec<(Study, entity::values::StudyDesign)> = studies
            .into_iter()
            .map(|s| (s.design, Study(s)))
            .map(|(d, s)| (s, d))
            .collect();
        let pico = Pico {
            population: &self.0.population,
            intervention: &self.0.intervention,
            comparator: &self.0.comparator,
            outcome: &self.0.outcome,
        };
        Ok(evidence_ladder(pico, &designed)
            .into_iter()
            .map(|rung| EvidenceNeed {
                rank: rung.rank.into(),
                design: rung.design.into(),
                cebm_level: rung.cebm_level.into(),
                starting_certainty: rung.starting_certainty.into(),
                description: rung.description,
                met_by: rung.met_by,
            })
            .collect())
    }

    /// When the claim was first recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the claim's own fields last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
