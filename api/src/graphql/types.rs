//! The graph's object types. Each wraps its entity row; relations resolve through the request's
//! loader, both ways (claim -> mechanisms -> steps -> DOIs -> study -> evidence -> claim).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::values::doi_url;
use entity::{claim, doi, evidence, mechanism, mechanism_step, study};

use crate::domain::evidence_needs::{Pico, evidence_ladder};
use crate::graphql::connection::{Connection, PageArgs, paginate_loaded};
use crate::graphql::enums::{EffectDirection, GradeCertainty, Stance, StudyDesign, Support};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::loaders::{
    ClaimById, DoiById, DoisCitedByStep, EvidenceByClaim, EvidenceByStudy, MechanismById,
    MechanismStepsByMechanism, MechanismStepsCitingDoi, MechanismsByClaim, StudiesCitedByClaim, StudyByDoi,
    StudyById,
};
use crate::graphql::{load_list, load_many, load_one, load_required};

/// The GraphQL `Claim` object over one `claim` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Claim(pub claim::Model);

/// A scientific claim: one evidence page, with its PICO, synthesis, mechanisms and evidence.
// Serial, as every object type here but the query root: async-graphql writes a parallel object's
// keys in the order its fields finish, not in the query's order (GraphQL asks for the query's), so
// the same query could give differently ordered bytes, and a GET answer another ETag.
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

    /// The studies that bear on the claim, oldest evidence first; `stance` lists one side only.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn evidence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only evidence with this stance.")] stance: Option<Stance>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<Evidence>> {
        let stance = stance.map(entity::values::Stance::from);
        let rows = load_list(ctx, EvidenceByClaim(self.0.id)).await?;
        let items = rows
            .into_iter()
            .filter(|e| stance.is_none_or(|s| e.stance == s))
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
    ) -> async_graphql::Result<Connection<crate::graphql::curation::Event>> {
        use sea_orm::ColumnTrait;
        let condition = sea_orm::Condition::all().add(entity::event::Column::ClaimId.eq(self.0.id));
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(Box::pin(crate::graphql::curation::events_page(ctx, condition, args)).await?)
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

/// The plain-language synthesis of a claim's evidence.
pub struct ClaimSynthesis {
    claim_id: i32,
    text: String,
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

/// Counts of a claim's evidence by stance.
#[derive(SimpleObject, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[graphql(serial)]
pub struct EvidenceCounts {
    /// Studies that support the claim.
    pub supporting: i32,
    /// Studies that contradict the claim.
    pub contradicting: i32,
    /// Studies whose findings point neither way.
    pub inconclusive: i32,
    /// All studies that bear on the claim.
    pub total: i32,
}

impl EvidenceCounts {
    pub(crate) fn of<'a>(rows: impl IntoIterator<Item = &'a evidence::Model>) -> Self {
        use entity::values::Stance as S;
        rows.into_iter()
            .fold(EvidenceCounts::default(), |mut counts, row| {
                match row.stance {
                    S::Supporting => counts.supporting += 1,
                    S::Contradicting => counts.contradicting += 1,
                    S::Inconclusive => counts.inconclusive += 1,
                }
                counts.total += 1;
                counts
            })
    }
}

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

/// The GraphQL `Mechanism` object over one `mechanism` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Mechanism(pub mechanism::Model);

/// A possible explanation of a claim: a ranked, ordered chain of steps.
#[Object(serial)]
impl Mechanism {
    /// The mechanism's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Mechanism, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// 1 for the most probable mechanism, then by decreasing support.
    async fn rank(&self) -> i32 {
        self.0.rank
    }

    /// How well current evidence supports this mechanism.
    async fn support(&self) -> Support {
        self.0.support.into()
    }

    /// An optional short name for the mechanism.
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }

    /// The plain-language paragraph that introduces the mechanism.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The mechanism's steps, in causal order (by position).
    #[graphql(complexity = "crate::graphql::limits::EXPECTED_STEPS * child_complexity")]
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MechanismStep>> {
        Ok(load_list(ctx, MechanismStepsByMechanism(self.0.id))
            .await?
            .into_iter()
            .map(MechanismStep)
            .collect())
    }

    /// The claim this mechanism may explain.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Claim> {
        Ok(Claim(
            load_required(ctx, ClaimById(self.0.claim_id), "claim").await?,
        ))
    }
}

/// The GraphQL `MechanismStep` object over one `mechanism_step` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct MechanismStep(pub mechanism_step::Model);

/// One step of a mechanism's causal chain, with the DOIs it cites.
#[Object(serial)]
impl MechanismStep {
    /// The step's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::MechanismStep, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// 1-based place of the step in its mechanism.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The step as one sentence, without its citation marker (see `citations`).
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The DOIs the step cites, in citation order.
    #[graphql(complexity = "crate::graphql::limits::EXPECTED_CITATIONS * child_complexity")]
    async fn citations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Doi>> {
        Ok(load_list(ctx, DoisCitedByStep(self.0.id))
            .await?
            .into_iter()
            .map(Doi)
            .collect())
    }

    /// The mechanism this step belongs to.
    async fn mechanism(&self, ctx: &Context<'_>) -> async_graphql::Result<Mechanism> {
        Ok(Mechanism(
            load_required(ctx, MechanismById(self.0.mechanism_id), "mechanism").await?,
        ))
    }
}

/// The GraphQL `Doi` object over one `doi` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Doi(pub doi::Model);

/// A DOI, normalised: one node however it is spelled, existing before or without its study's metadata.
#[Object(serial)]
impl Doi {
    /// The DOI's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Doi, self.0.id).encode()
    }

    /// The DOI in normalised form: lower-case, without `doi:` or a resolver prefix.
    async fn value(&self) -> &str {
        &self.0.value
    }

    /// The DOI's resolver URL, `https://doi.org/<value>`.
    async fn url(&self) -> String {
        doi_url(&self.0.value)
    }

    /// The study this DOI identifies, when its metadata is known.
    async fn study(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Study>> {
        Ok(load_one(ctx, StudyByDoi(self.0.id)).await?.flatten().map(Study))
    }

    /// The mechanism steps that cite this DOI.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn cited_by(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<MechanismStep>> {
        let steps = load_list(ctx, MechanismStepsCitingDoi(self.0.id)).await?;
        let items = steps.into_iter().map(|s| (s.id, MechanismStep(s))).collect();
        Ok(paginate_loaded(
            &PageArgs {
                first,
                after,
                last,
                before,
            },
            items,
        )?)
    }
}

/// The GraphQL `Study` object over one `study` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Study(pub study::Model);

/// A study: its bibliographic facts, its design, and the claims it bears on.
#[Object(serial)]
impl Study {
    /// The study's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Study, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The study's title, as published.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The journal or other venue it appeared in, when known.
    async fn journal(&self) -> Option<&str> {
        self.0.journal.as_deref()
    }

    /// The year of publication, when known.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The study's design, which places it on the evidence ladder.
    async fn design(&self) -> StudyDesign {
        self.0.design.into()
    }

    /// The authors as printed, when known.
    async fn authors(&self) -> Option<&str> {
        self.0.authors.as_deref()
    }

    /// How many participants the study had, when known.
    async fn sample_size(&self) -> Option<i32> {
        self.0.sample_size
    }

    /// Whether the study has been retracted; a retracted study stays so links to it hold.
    async fn retracted(&self) -> bool {
        self.0.retracted
    }

    /// The study's DOI, when it has one.
    async fn doi(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Doi>> {
        let Some(id) = self.0.doi_id else { return Ok(None) };
        Ok(load_one(ctx, DoiById(id)).await?.map(Doi))
    }

    /// The claims this study supports or contradicts, as evidence rows; `stance` lists one side.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn evidence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only evidence with this stance.")] stance: Option<Stance>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<Evidence>> {
        let stance = stance.map(entity::values::Stance::from);
        let rows = load_list(ctx, EvidenceByStudy(self.0.id)).await?;
        let items = rows
            .into_iter()
            .filter(|e| stance.is_none_or(|s| e.stance == s))
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
}

/// The GraphQL `Evidence` object over one `evidence` row; its schema description is on the impl below.
#[derive(Clone, Debug)]
pub struct Evidence(pub evidence::Model);

/// A study's stance on a claim: the edge between the two, with its own ID.
#[Object(serial)]
impl Evidence {
    /// The evidence row's global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Evidence, self.0.id).encode()
    }

    /// Bumped by every applied change to this node (and to the order of its children); an edit
    /// names the version it was based on.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Whether the study supports or contradicts the claim.
    async fn stance(&self) -> Stance {
        self.0.stance.into()
    }

    /// A curator's note on why the study takes this stance, when given.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// When this evidence was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The claim the study bears on.
    async fn claim(&self, ctx: &Context<'_>) -> async_graphql::Result<Claim> {
        Ok(Claim(
            load_required(ctx, ClaimById(self.0.claim_id), "claim").await?,
        ))
    }

    /// The study.
    async fn study(&self, ctx: &Context<'_>) -> async_graphql::Result<Study> {
        Ok(Study(
            load_required(ctx, StudyById(self.0.study_id), "study").await?,
        ))
    }
}
