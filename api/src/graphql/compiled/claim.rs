//! `claim(slug:)`, compiled: the claim page's rows (read as the `claim` resolver reads them) and
//! the writers of the claim and of everything a page or a DOI walk reaches from it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use async_graphql::parser::types::Field;
use async_graphql::{Value, Variables};
use entity::values::doi_url;
use entity::{claim, doi, evidence, mechanism, mechanism_step, study};

use super::fields::{
    ClaimField, ConnectionField, CountsField, DoiField, EvidenceArgs, EvidenceField, MechanismField,
    NeedField, PageArgsAsWritten, StepField, StudyField, SynthesisField,
};
use super::history::{History, read_history};
use super::write::{
    Written, list, object, write_bool, write_connection, write_enum, write_id, write_int, write_opt_int,
    write_opt_str, write_scalar,
};
use super::{Answered, Arg, Compiler, Selected};
use crate::domain::evidence_needs::{Pico, evidence_ladder};
use crate::domain::visibility::Viewer;
use crate::error::ApiResult;
use crate::graphql::connection::{PageArgs, Total, paginate_loaded};
use crate::graphql::enums::{EffectDirection, GradeCertainty, Stance, StudyDesign, Support};
use crate::graphql::ids::NodeType;
use crate::graphql::json::write_str;
use crate::graphql::list_args::{EvidenceFilter, YearRange};
use crate::graphql::prefetch::{Fetched, Plan, read_claim_page};
use crate::store::Store;
use crate::store::trees::{EvidenceTreeRow, MechanismTree};

/// `claim(slug:)`, compiled: the slug, the plan of statements its selection needs, and the selection.
#[derive(Debug)]
pub(super) struct ClaimRoot {
    slug: Arg,
    pub plan: Plan,
    pub claim: Vec<Selected<ClaimField>>,
}

impl ClaimRoot {
    pub fn compile<'d>(compiler: &Compiler<'d>, root: &'d Field) -> Option<ClaimRoot> {
        let [(name, value)] = root.arguments.as_slice() else {
            return None;
        };
        if name.node != "slug" {
            return None;
        }
        Some(ClaimRoot {
            slug: compiler.arg(&value.node)?,
            plan: Plan::of(&compiler.look(vec![root])),
            claim: compiler.claim(&root.selection_set.node, true)?,
        })
    }

    pub async fn answer(
        &self,
        db: &Store,
        viewer: &Viewer,
        variables: &Variables,
        out: &mut Vec<u8>,
    ) -> ApiResult<Answered> {
        let (claim, fetched) = match self.read(db, variables).await? {
            Read::Executor => return Ok(Answered::Executor),
            Read::Missing => {
                out.extend_from_slice(b"null");
                return Ok(Answered::Written);
            }
            Read::Found(claim, fetched) => (claim, fetched),
        };
        let history = match read_history(db, viewer, claim.id, &self.claim, variables).await? {
            Some(history) => history,
            None => return Ok(Answered::Executor),
        };
        let mut rows = ClaimRows::of_page(&claim, &fetched, variables);
        rows.history = Some((&history, viewer));
        Ok(rows.write_claim(out, &self.claim, &self.plan).into())
    }

    pub async fn read_rows(&self, db: &Store, variables: &Variables) -> ApiResult<bool> {
        Ok(matches!(self.read(db, variables).await?, Read::Found(..)))
    }

    async fn read(&self, db: &Store, variables: &Variables) -> ApiResult<Read> {
        let Some(Value::String(slug)) = self.slug.value(variables) else {
            return Ok(Read::Executor);
        };
        // Arguments that do not fit are the executor's to refuse, before anything is read.
        if !fits(&self.claim, variables) {
            return Ok(Read::Executor);
        }
        Ok(match read_claim_page(db, &self.plan, slug.trim()).await? {
            Some((claim, fetched)) => Read::Found(claim, fetched),
            None => Read::Missing,
        })
    }
}

/// Whether the arguments under a claim's selection fit, in a request with `variables`.
pub(super) fn fits(claim: &[Selected<ClaimField>], variables: &Variables) -> bool {
    claim.iter().all(|selected| match &selected.field {
        ClaimField::Evidence(args, _) => evidence_page(args, variables).is_some(),
        ClaimField::History(args, _) => args.value(variables).is_some(),
        _ => true,
    })
}

/// What reading a claim page found.
#[expect(
    clippy::large_enum_variant,
    reason = "made once per request and matched at once; a box would be an allocation per page"
)]
enum Read {
    /// Nothing the page can answer: the executor answers.
    Executor,
    /// No claim has the slug.
    Missing,
    Found(claim::Model, Fetched),
}

/// What the statements read for one claim, each branch `None` when it was not read whole.
pub(super) struct ClaimRows<'r> {
    pub claim: &'r claim::Model,
    /// The claim's mechanisms in rank order, with the study of every cited DOI the statement reached.
    pub mechanisms: Option<(Vec<&'r MechanismTree>, &'r StudiesByDoi)>,
    pub evidence: Option<Vec<&'r EvidenceTreeRow>>,
    /// The studies the claim's steps cite, when a statement of their own read them.
    pub cited: Option<Vec<&'r study::Model>>,
    /// The claim's history pages, read for this viewer (a claim page's root only).
    pub history: Option<(&'r History<'r>, &'r Viewer)>,
    pub variables: &'r Variables,
}

/// Every cited DOI's study, as the mechanisms statement read them (`None`: the DOI has none).
type StudiesByDoi = BTreeMap<i32, Option<study::Model>>;

impl<'r> ClaimRows<'r> {
    /// A claim's own row, nothing more (a claim reached in a DOI walk).
    pub fn alone(claim: &'r claim::Model, variables: &'r Variables) -> Self {
        ClaimRows {
            claim,
            mechanisms: None,
            evidence: None,
            cited: None,
            history: None,
            variables,
        }
    }

    /// The rows of one claim page: `fetched` read for `claim` alone.
    pub fn of_page(claim: &'r claim::Model, fetched: &'r Fetched, variables: &'r Variables) -> Self {
        ClaimRows {
            claim,
            mechanisms: fetched
                .mechanisms
                .as_ref()
                .map(|trees| (trees.mechanisms.iter().collect(), &trees.studies_by_doi)),
            evidence: fetched.evidence.as_ref().map(|rows| rows.iter().collect()),
            cited: fetched
                .cited
                .as_ref()
                .map(|rows| rows.iter().map(|(_, study)| study).collect()),
            history: None,
            variables,
        }
    }

    /// The rows of each of `claims` (a list page): `fetched` read for them all, keyed by their ids,
    /// so a claim no row names has empty branches, as the loaders the executor's prefetch fills.
    pub fn of_list(
        claims: impl Iterator<Item = &'r claim::Model>,
        fetched: &'r Fetched,
        variables: &'r Variables,
    ) -> Vec<Self> {
        let mut at: HashMap<i32, usize> = HashMap::new();
        let mut rows: Vec<ClaimRows<'r>> = Vec::new();
        for claim in claims {
            at.insert(claim.id, rows.len());
            rows.push(ClaimRows {
                claim,
                mechanisms: fetched
                    .mechanisms
                    .as_ref()
                    .map(|trees| (Vec::new(), &trees.studies_by_doi)),
                evidence: fetched.evidence.as_ref().map(|_| Vec::new()),
                cited: fetched.cited.as_ref().map(|_| Vec::new()),
                history: None,
                variables,
            });
        }
        let of = |claim_id: i32| at.get(&claim_id).copied();
        for tree in fetched.mechanisms.iter().flat_map(|trees| &trees.mechanisms) {
            if let Some(index) = of(tree.mechanism.claim_id)
                && let Some((trees, _)) = &mut rows[index].mechanisms
            {
                trees.push(tree);
            }
        }
        for row in fetched.evidence.iter().flatten() {
            if let Some(index) = of(row.evidence.claim_id)
                && let Some(evidence) = &mut rows[index].evidence
            {
                evidence.push(row);
            }
        }
        for (claim_id, study) in fetched.cited.iter().flatten() {
            if let Some(index) = of(*claim_id)
                && let Some(cited) = &mut rows[index].cited
            {
                cited.push(study);
            }
        }
        rows
    }
}

/// The studies the synthesis counts and lists, as its resolvers read them from the loaders the
/// prefetch fills: the count of their ids and the rows found for those ids, in their order.
struct CitedStudies<'p> {
    count: usize,
    studies: Vec<&'p study::Model>,
}

/// The studies of `ids` in `found`, in the order of `ids`, as a DataLoader's `load_many` answers:
/// an id repeated is answered once, a missing one skipped.
fn look_up<'p>(
    ids: impl Iterator<Item = i32>,
    found: &HashMap<i32, &'p study::Model>,
) -> Vec<&'p study::Model> {
    let mut taken = HashSet::new();
    ids.filter(|id| taken.insert(*id))
        .filter_map(|id| found.get(&id).copied())
        .collect()
}

impl ClaimRows<'_> {
    /// The synthesis's studies, when the plan asked for them: from the mechanisms statement when
    /// it reached the studies, else from their own statement; `None` when neither was read whole.
    fn cited_studies(&self, plan: &Plan) -> Option<CitedStudies<'_>> {
        if !plan.cited.count {
            return Some(CitedStudies {
                count: 0,
                studies: Vec::new(),
            });
        }
        if plan.synthesis_alone {
            let rows = self.cited.as_ref()?;
            let found = rows.iter().map(|s| (s.id, *s)).collect();
            return Some(CitedStudies {
                count: rows.len(),
                studies: look_up(rows.iter().map(|s| s.id), &found),
            });
        }
        let (trees, studies_by_doi) = self.mechanisms.as_ref()?;
        let cited = |d: &doi::Model| studies_by_doi.get(&d.id).and_then(Option::as_ref);
        let all = trees
            .iter()
            .flat_map(|t| &t.steps)
            .flat_map(|(_, cites)| cites)
            .filter_map(cited);
        let ids: BTreeSet<i32> = all.clone().map(|s| s.id).collect();
        let found = all.map(|s| (s.id, s)).collect();
        Some(CitedStudies {
            count: ids.len(),
            studies: look_up(ids.into_iter(), &found),
        })
    }

    /// Writes the claim's selection `fields`, read by `plan`'s statements.
    pub fn write_claim(&self, out: &mut Vec<u8>, fields: &[Selected<ClaimField>], plan: &Plan) -> Written {
        let cited = &self.cited_studies(plan)?;
        let claim = self.claim;
        object(out, fields, |out, field| {
            match field {
                ClaimField::Typename => write_str(out, "Claim"),
                ClaimField::Id => write_id(out, NodeType::Claim, claim.id),
                ClaimField::Version => write_int(out, claim.version),
                ClaimField::Slug => write_str(out, &claim.slug),
                ClaimField::Statement => write_str(out, &claim.statement),
                ClaimField::Population => write_str(out, &claim.population),
                ClaimField::Intervention => write_str(out, &claim.intervention),
                ClaimField::Comparator => write_str(out, &claim.comparator),
                ClaimField::Outcome => write_str(out, &claim.outcome),
                ClaimField::EffectDirection => match claim.effect_direction {
                    Some(direction) => write_enum(out, EffectDirection::from(direction)),
                    None => out.extend_from_slice(b"null"),
                },
                ClaimField::CreatedAt => write_scalar(out, &claim.created_at),
                ClaimField::UpdatedAt => write_scalar(out, &claim.updated_at),
                ClaimField::Synthesis(fields) => object(out, fields, |out, field| {
                    match field {
                        SynthesisField::Typename => write_str(out, "ClaimSynthesis"),
                        SynthesisField::Text => write_str(out, &claim.synthesis),
                        SynthesisField::StudyCount => {
                            write_int(out, i32::try_from(cited.count).unwrap_or(i32::MAX))
                        }
                        SynthesisField::Studies(fields) => {
                            return list(out, &cited.studies, |out, s| write_study(out, fields, s, None));
                        }
                    }
                    Some(())
                })?,
                ClaimField::Mechanisms(fields) => {
                    let (trees, studies_by_doi) = self.mechanisms.as_ref()?;
                    return list(out, trees, |out, tree| {
                        let around = MechanismAround::Steps(&tree.steps, studies_by_doi);
                        write_mechanism(out, fields, &tree.mechanism, around)
                    });
                }
                ClaimField::EvidenceCounts(fields) => write_counts(out, fields, self.evidence_rows()?),
                ClaimField::Evidence(args, fields) => self.write_evidence(out, args, fields)?,
                ClaimField::EvidenceNeeds(fields) => self.write_needs(out, fields)?,
                ClaimField::History(args, fields) => {
                    let (history, viewer) = self.history?;
                    return history.write(out, args, fields, viewer);
                }
            }
            Some(())
        })
    }

    fn evidence_rows(&self) -> Option<&[&EvidenceTreeRow]> {
        self.evidence.as_deref()
    }

    fn write_evidence(
        &self,
        out: &mut Vec<u8>,
        args: &EvidenceArgs,
        fields: &[Selected<ConnectionField<EvidenceField>>],
    ) -> Written {
        let (filter, page) = evidence_page(args, self.variables)?;
        let rows = self.evidence_rows()?;
        // A filter on the studies needs them read; when the selection did not read them, the
        // executor answers.
        if filter.reads_study() && rows.iter().any(|row| row.study.is_none()) {
            return None;
        }
        let items = rows
            .iter()
            .filter(|row| filter.admits(&row.evidence, row.study.as_ref()))
            .map(|row| (row.evidence.id, row))
            .collect();
        let connection = paginate_loaded(&page, items).ok()?;
        let Total::Known(total) = connection.total else {
            return None;
        };
        let edges: Vec<(&str, &EvidenceTreeRow)> = connection
            .edges
            .iter()
            .map(|edge| (edge.cursor.as_str(), *edge.node))
            .collect();
        let page_info = &connection.page_info;
        write_connection(
            out,
            fields,
            "Evidence",
            &edges,
            page_info,
            Some(total as u64),
            write_evidence_row,
        )
    }

    fn write_needs(&self, out: &mut Vec<u8>, fields: &[Selected<NeedField>]) -> Written {
        let rows = self.evidence_rows()?;
        let mut found = HashMap::new();
        for row in rows {
            found.insert(row.evidence.study_id, row.study.as_ref()?);
        }
        let designed: Vec<(&study::Model, entity::values::StudyDesign)> =
            look_up(rows.iter().map(|row| row.evidence.study_id), &found)
                .into_iter()
                .map(|s| (s, s.design))
                .collect();
        let claim = self.claim;
        let pico = Pico {
            population: &claim.population,
            intervention: &claim.intervention,
            comparator: &claim.comparator,
            outcome: &claim.outcome,
        };
        let rungs = evidence_ladder(pico, &designed);
        list(out, &rungs, |out, rung| {
            object(out, fields, |out, field| {
                match field {
                    NeedField::Typename => write_str(out, "EvidenceNeed"),
                    NeedField::Rank => write_int(out, rung.rank.into()),
                    NeedField::Design => write_enum(out, StudyDesign::from(rung.design)),
                    NeedField::CebmLevel => write_int(out, rung.cebm_level.into()),
                    NeedField::StartingCertainty => {
                        write_enum(out, GradeCertainty::from(rung.starting_certainty))
                    }
                    NeedField::Description => write_str(out, &rung.description),
                    NeedField::MetBy(fields) => {
                        return list(out, &rung.met_by, |out, s| write_study(out, fields, s, None));
                    }
                }
                Some(())
            })
        })
    }
}

/// `evidence`'s filters and page arguments in a request with `variables`, parsed and checked as
/// the resolver checks them; `None` when they do not fit (a value of another type, a list too
/// long, a bad range or cursor, `first` and `last` together, a page too large).
fn evidence_page(args: &EvidenceArgs, variables: &Variables) -> Option<(EvidenceFilter, PageArgs)> {
    let stance: Option<Stance> = Arg::parse(args.stance.as_ref(), variables).ok()?;
    let design: Option<Vec<StudyDesign>> = Arg::parse(args.design.as_ref(), variables).ok()?;
    let year: Option<YearRange> = Arg::parse(args.year.as_ref(), variables).ok()?;
    let filter = EvidenceFilter::checked(stance, design, year).ok()?;
    Some((filter, args.page.value(variables)?))
}

/// What the rows hold around a mechanism: its steps with their citations (a claim page), or its
/// claim when the walk read it (a DOI walk).
#[derive(Clone, Copy)]
pub(super) enum MechanismAround<'r> {
    Steps(&'r [(mechanism_step::Model, Vec<doi::Model>)], &'r StudiesByDoi),
    Claim(Option<&'r ClaimRows<'r>>),
}

/// What the rows hold around a step: the DOIs it cites (a claim page), or its mechanism and that
/// mechanism's claim, when the walk read them (a DOI walk).
#[derive(Clone, Copy)]
pub(super) enum StepAround<'r> {
    Citations(&'r [doi::Model], &'r StudiesByDoi),
    Mechanism(Option<&'r mechanism::Model>, Option<&'r ClaimRows<'r>>),
}

/// Writes a DOI walk's `citedBy` (its page arguments and selection); given to [`write_doi`], which
/// gives up on `citedBy` anywhere else.
pub(super) type CitedBy<'a> =
    dyn Fn(&mut Vec<u8>, &PageArgsAsWritten, &[Selected<ConnectionField<StepField>>]) -> Written + 'a;

/// A DOI's `citedBy` where the rows do not hold it: the executor answers.
fn not_walked(_: &mut Vec<u8>, _: &PageArgsAsWritten, _: &[Selected<ConnectionField<StepField>>]) -> Written {
    None
}

pub(super) fn write_mechanism(
    out: &mut Vec<u8>,
    fields: &[Selected<MechanismField>],
    mechanism: &mechanism::Model,
    around: MechanismAround<'_>,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            MechanismField::Typename => write_str(out, "Mechanism"),
            MechanismField::Id => write_id(out, NodeType::Mechanism, mechanism.id),
            MechanismField::Version => write_int(out, mechanism.version),
            MechanismField::Rank => write_int(out, mechanism.rank),
            MechanismField::Support => write_enum(out, Support::from(mechanism.support)),
            MechanismField::Label => write_opt_str(out, mechanism.label.as_deref()),
            MechanismField::Summary => write_str(out, &mechanism.summary),
            MechanismField::Steps(fields) => {
                let MechanismAround::Steps(steps, studies_by_doi) = around else {
                    return None;
                };
                return list(out, steps, |out, (step, cites)| {
                    write_step(out, fields, step, StepAround::Citations(cites, studies_by_doi))
                });
            }
            MechanismField::Claim(fields) => {
                let MechanismAround::Claim(claim) = around else {
                    return None;
                };
                return claim?.write_claim(out, fields, &Plan::default());
            }
        }
        Some(())
    })
}

pub(super) fn write_step(
    out: &mut Vec<u8>,
    fields: &[Selected<StepField>],
    step: &mechanism_step::Model,
    around: StepAround<'_>,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            StepField::Typename => write_str(out, "MechanismStep"),
            StepField::Id => write_id(out, NodeType::MechanismStep, step.id),
            StepField::Version => write_int(out, step.version),
            StepField::Position => write_int(out, step.position),
            StepField::Text => write_str(out, &step.text),
            StepField::Citations(fields) => {
                let StepAround::Citations(cites, studies_by_doi) = around else {
                    return None;
                };
                return list(out, cites, |out, doi| {
                    // The statement reached the studies when the selection asks for them.
                    let study = studies_by_doi.get(&doi.id).map(Option::as_ref);
                    write_doi(out, fields, doi, study, &not_walked)
                });
            }
            StepField::Mechanism(fields) => {
                let StepAround::Mechanism(mechanism, claim) = around else {
                    return None;
                };
                return write_mechanism(out, fields, mechanism?, MechanismAround::Claim(claim));
            }
        }
        Some(())
    })
}

/// A DOI; `study` is its study when that was read (`Some(None)`: it has none), and `cited_by`
/// writes its citing steps.
pub(super) fn write_doi(
    out: &mut Vec<u8>,
    fields: &[Selected<DoiField>],
    doi: &doi::Model,
    study: Option<Option<&study::Model>>,
    cited_by: &CitedBy<'_>,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            DoiField::Typename => write_str(out, "Doi"),
            DoiField::Id => write_id(out, NodeType::Doi, doi.id),
            DoiField::Value => write_str(out, &doi.value),
            DoiField::Url => write_str(out, &doi_url(&doi.value)),
            DoiField::Study(fields) => match study? {
                Some(study) => return write_study(out, fields, study, Some(doi)),
                None => out.extend_from_slice(b"null"),
            },
            DoiField::CitedBy(args, fields) => return cited_by(out, args, fields),
        }
        Some(())
    })
}

/// A study; `doi` is its DOI row when at hand.
fn write_study(
    out: &mut Vec<u8>,
    fields: &[Selected<StudyField>],
    study: &study::Model,
    doi: Option<&doi::Model>,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            StudyField::Typename => write_str(out, "Study"),
            StudyField::Id => write_id(out, NodeType::Study, study.id),
            StudyField::Version => write_int(out, study.version),
            StudyField::Title => write_str(out, &study.title),
            StudyField::Journal => write_opt_str(out, study.journal.as_deref()),
            StudyField::Year => write_opt_int(out, study.year),
            StudyField::Design => write_enum(out, StudyDesign::from(study.design)),
            StudyField::Authors => write_opt_str(out, study.authors.as_deref()),
            StudyField::SampleSize => write_opt_int(out, study.sample_size),
            StudyField::Retracted => write_bool(out, study.retracted),
            StudyField::Doi(fields) => match study.doi_id {
                None => out.extend_from_slice(b"null"),
                Some(id) => {
                    let doi = doi.filter(|d| d.id == id)?;
                    return write_doi(out, fields, doi, None, &not_walked);
                }
            },
        }
        Some(())
    })
}

fn write_evidence_row(
    out: &mut Vec<u8>,
    fields: &[Selected<EvidenceField>],
    row: &EvidenceTreeRow,
) -> Written {
    let evidence: &evidence::Model = &row.evidence;
    object(out, fields, |out, field| {
        match field {
            EvidenceField::Typename => write_str(out, "Evidence"),
            EvidenceField::Id => write_id(out, NodeType::Evidence, evidence.id),
            EvidenceField::Version => write_int(out, evidence.version),
            EvidenceField::Stance => write_enum(out, Stance::from(evidence.stance)),
            EvidenceField::Note => write_opt_str(out, evidence.note.as_deref()),
            EvidenceField::CreatedAt => write_scalar(out, &evidence.created_at),
            EvidenceField::Study(fields) => {
                let study = row.study.as_ref().filter(|s| s.id == evidence.study_id)?;
                return write_study(out, fields, study, row.doi.as_ref());
            }
        }
        Some(())
    })
}

fn write_counts(out: &mut Vec<u8>, fields: &[Selected<CountsField>], rows: &[&EvidenceTreeRow]) {
    let counts = crate::graphql::types::EvidenceCounts::of(rows.iter().map(|r| &r.evidence));
    let _ = object(out, fields, |out, field| {
        match field {
            CountsField::Typename => write_str(out, "EvidenceCounts"),
            CountsField::Supporting => write_int(out, counts.supporting),
            CountsField::Contradicting => write_int(out, counts.contradicting),
            CountsField::Inconclusive => write_int(out, counts.inconclusive),
            CountsField::Total => write_int(out, counts.total),
        }
        Some(())
    });
}
