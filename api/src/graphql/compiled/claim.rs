//! The claim's fields: what each compiles to, and how each is written from the page's rows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use async_graphql::parser::types::{Field, SelectionSet};
use async_graphql::{Value, Variables};
use entity::values::doi_url;
use entity::{claim, doi, event, evidence, mechanism, mechanism_step, study, user};

use super::write::{
    Written, list, object, write_bool, write_enum, write_id, write_int, write_opt_int, write_opt_str,
    write_scalar,
};
use super::{Answered, Arg, Compiler, Selected};
use crate::domain::evidence_needs::{Pico, evidence_ladder};
use crate::domain::visibility::Viewer;
use crate::error::ApiResult;
use crate::graphql::connection::{
    Connection, PageArgs, PageInfo, Total, decode_id_cursor, from_page, id_cursor, paginate_loaded,
};
use crate::graphql::enums::{EffectDirection, GradeCertainty, Stance, StudyDesign, Support};
use crate::graphql::ids::NodeType;
use crate::graphql::json::{write_str, write_value};
use crate::graphql::prefetch::{Fetched, Plan, read_claim_page};
use crate::graphql::types::Role;
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
        Ok(match rows.write_claim(out, &self.claim, &self.plan) {
            Some(()) => Answered::Written,
            None => Answered::Executor,
        })
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

/// The history pages a claim page's selection asks for, each read as the `history` resolver reads
/// it for `viewer`, and their events' actors in one statement; `None` when arguments do not fit.
async fn read_history<'f>(
    db: &Store,
    viewer: &Viewer,
    claim: i32,
    fields: &'f [Selected<ClaimField>],
    variables: &Variables,
) -> ApiResult<Option<History<'f>>> {
    let mut history = History::default();
    let mut actors = false;
    for selected in fields {
        let ClaimField::History(args, fields) = &selected.field else {
            continue;
        };
        let Some(window) = args
            .value(variables)
            .and_then(|page| page.window(decode_id_cursor).ok())
        else {
            return Ok(None);
        };
        let page = db.events_page(viewer.events(), Some(claim), &window).await?;
        let counted = fields.iter().any(|f| matches!(f.field, EventsField::TotalCount));
        let total = match counted {
            true => Some(db.count(&page.count).await?),
            false => None,
        };
        actors |= fields.iter().any(|f| match &f.field {
            EventsField::Edges(edge) => edge.iter().any(|f| match &f.field {
                EventEdgeField::Node(event) => event.iter().any(|f| matches!(f.field, EventField::Actor(_))),
                _ => false,
            }),
            EventsField::Nodes(event) => event.iter().any(|f| matches!(f.field, EventField::Actor(_))),
            _ => false,
        });
        let connection = from_page(page, &window, |row| id_cursor(row.id), |row| row);
        history.pages.push((&**args, connection, total));
    }
    if actors {
        let ids: BTreeSet<i32> = history
            .pages
            .iter()
            .flat_map(|(_, connection, _)| &connection.edges)
            .filter_map(|edge| edge.node.actor_id)
            .collect();
        if !ids.is_empty() {
            for user in db.by_ids::<user::Entity>(ids).await? {
                history.actors.insert(user.id, user);
            }
        }
    }
    Ok(Some(history))
}

/// A claim page's history pages (each under the arguments it was read by, with its total when
/// asked), and the users who acted in them.
#[derive(Default)]
pub(super) struct History<'f> {
    pages: Vec<(&'f PageArgsAsWritten, Connection<event::Model>, Option<u64>)>,
    actors: HashMap<i32, user::Model>,
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

/// A Relay connection's page arguments, each as written.
#[derive(Debug, Default)]
pub(super) struct PageArgsAsWritten {
    first: Option<Arg>,
    after: Option<Arg>,
    last: Option<Arg>,
    before: Option<Arg>,
}

impl PageArgsAsWritten {
    /// Where the page argument `name` goes; `None` for any other argument.
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<Arg>> {
        Some(match name {
            "first" => &mut self.first,
            "after" => &mut self.after,
            "last" => &mut self.last,
            "before" => &mut self.before,
            _ => return None,
        })
    }

    /// The arguments in a request with `variables`, as the resolver takes them; `None` when one
    /// is of another type (the executor then answers, with its error).
    pub fn as_given(&self, variables: &Variables) -> Option<PageArgs> {
        Some(PageArgs {
            first: Arg::parse(self.first.as_ref(), variables).ok()?,
            after: Arg::parse(self.after.as_ref(), variables).ok()?,
            last: Arg::parse(self.last.as_ref(), variables).ok()?,
            before: Arg::parse(self.before.as_ref(), variables).ok()?,
        })
    }

    /// [`Self::as_given`], for a list paged by id: `None` also when they do not make a window.
    pub fn value(&self, variables: &Variables) -> Option<PageArgs> {
        let page = self.as_given(variables)?;
        page.window(decode_id_cursor).ok()?;
        Some(page)
    }
}

/// A field of `MechanismStepConnection`.
#[derive(Debug)]
pub(super) enum StepsField {
    Typename,
    Edges(Vec<Selected<StepEdgeField>>),
    Nodes(Vec<Selected<StepField>>),
    PageInfo(Vec<Selected<PageInfoField>>),
    TotalCount,
}

/// A field of `MechanismStepEdge`.
#[derive(Debug)]
pub(super) enum StepEdgeField {
    Typename,
    Cursor,
    Node(Vec<Selected<StepField>>),
}

/// A field of `EventConnection`.
#[derive(Debug)]
pub(super) enum EventsField {
    Typename,
    Edges(Vec<Selected<EventEdgeField>>),
    Nodes(Vec<Selected<EventField>>),
    PageInfo(Vec<Selected<PageInfoField>>),
    TotalCount,
}

/// A field of `EventEdge`.
#[derive(Debug)]
pub(super) enum EventEdgeField {
    Typename,
    Cursor,
    Node(Vec<Selected<EventField>>),
}

/// A field of `Event` (its `subject`, `claim`, `contribution` and `diff` are the executor's).
#[derive(Debug)]
pub(super) enum EventField {
    Typename,
    Id,
    Action,
    Actor(Vec<Selected<UserField>>),
    SubjectId,
    Before,
    After,
    CreatedAt,
}

/// A field of `User`.
#[derive(Debug)]
pub(super) enum UserField {
    Typename,
    Id,
    Name,
    Role,
    CreatedAt,
}

/// Where a mechanism or a step sits: on a claim page (the rows reach down, to the steps and their
/// citations) or in a DOI walk (the rows reach up, to the mechanism and its claim).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    Page,
    Walk,
}

/// Where a DOI sits, which decides what its rows hold: a step's citation has its study; a study's
/// DOI has nothing more; a DOI walk's root has its study and its citing steps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum DoiAt {
    Citation,
    StudyDoi,
    Walk,
}

/// `evidence`'s arguments, each as written.
#[derive(Debug, Default)]
pub(super) struct EvidenceArgs {
    stance: Option<Arg>,
    page: PageArgsAsWritten,
}

/// A field of `Claim` the compiled page answers; a relation holds the selection under it.
#[derive(Debug)]
pub(super) enum ClaimField {
    Typename,
    Id,
    Version,
    Slug,
    Statement,
    Population,
    Intervention,
    Comparator,
    Outcome,
    EffectDirection,
    CreatedAt,
    UpdatedAt,
    Synthesis(Vec<Selected<SynthesisField>>),
    Mechanisms(Vec<Selected<MechanismField>>),
    EvidenceCounts(Vec<Selected<CountsField>>),
    Evidence(Box<EvidenceArgs>, Vec<Selected<ConnectionField>>),
    EvidenceNeeds(Vec<Selected<NeedField>>),
    /// At a claim page's root: a page of its history, read for the caller.
    History(Box<PageArgsAsWritten>, Vec<Selected<EventsField>>),
}

/// A field of `ClaimSynthesis`.
#[derive(Debug)]
pub(super) enum SynthesisField {
    Typename,
    Text,
    StudyCount,
    Studies(Vec<Selected<StudyField>>),
}

/// A field of `Mechanism`.
#[derive(Debug)]
pub(super) enum MechanismField {
    Typename,
    Id,
    Version,
    Rank,
    Support,
    Label,
    Summary,
    /// On a claim page: its steps.
    Steps(Vec<Selected<StepField>>),
    /// In a DOI walk: its claim, whose selection reads no statement of its own.
    Claim(Vec<Selected<ClaimField>>),
}

/// A field of `MechanismStep`.
#[derive(Debug)]
pub(super) enum StepField {
    Typename,
    Id,
    Version,
    Position,
    Text,
    /// On a claim page: the DOIs it cites.
    Citations(Vec<Selected<DoiField>>),
    /// In a DOI walk: its mechanism.
    Mechanism(Vec<Selected<MechanismField>>),
}

/// A field of `Doi`.
#[derive(Debug)]
pub(super) enum DoiField {
    Typename,
    Id,
    Value,
    Url,
    Study(Vec<Selected<StudyField>>),
    /// At a DOI walk's root: the steps citing it.
    CitedBy(Box<PageArgsAsWritten>, Vec<Selected<StepsField>>),
}

/// A field of `Study`.
#[derive(Debug)]
pub(super) enum StudyField {
    Typename,
    Id,
    Version,
    Title,
    Journal,
    Year,
    Design,
    Authors,
    SampleSize,
    Retracted,
    Doi(Vec<Selected<DoiField>>),
}

/// A field of `EvidenceCounts`.
#[derive(Debug)]
pub(super) enum CountsField {
    Typename,
    Supporting,
    Contradicting,
    Inconclusive,
    Total,
}

/// A field of `EvidenceConnection`.
#[derive(Debug)]
pub(super) enum ConnectionField {
    Typename,
    Edges(Vec<Selected<EdgeField>>),
    Nodes(Vec<Selected<EvidenceField>>),
    PageInfo(Vec<Selected<PageInfoField>>),
    TotalCount,
}

/// A field of `EvidenceEdge`.
#[derive(Debug)]
pub(super) enum EdgeField {
    Typename,
    Cursor,
    Node(Vec<Selected<EvidenceField>>),
}

/// A field of `Evidence`.
#[derive(Debug)]
pub(super) enum EvidenceField {
    Typename,
    Id,
    Version,
    Stance,
    Note,
    CreatedAt,
    Study(Vec<Selected<StudyField>>),
}

/// A field of `PageInfo`.
#[derive(Debug)]
pub(super) enum PageInfoField {
    Typename,
    HasPreviousPage,
    HasNextPage,
    StartCursor,
    EndCursor,
}

/// A field of `EvidenceNeed`.
#[derive(Debug)]
pub(super) enum NeedField {
    Typename,
    Rank,
    Design,
    CebmLevel,
    StartingCertainty,
    Description,
    MetBy(Vec<Selected<StudyField>>),
}

/// Where a `Study` sits, which decides whether its DOI row is at hand: the citing DOI's study's
/// DOI is that DOI, and an evidence row's study's DOI comes with the row. Elsewhere `Study.doi`
/// is left to the executor.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StudyAt {
    Citation,
    Evidence,
    Elsewhere,
}

impl<'d> Compiler<'d> {
    /// A claim's selection; `with_history` at a claim page's root (a list of claims would read
    /// one history page per claim, and a DOI walk reads none).
    pub(super) fn claim(
        &self,
        set: &'d SelectionSet,
        with_history: bool,
    ) -> Option<Vec<Selected<ClaimField>>> {
        self.object(set, "Claim", &["evidence", "history"], |name, field| {
            if name == "evidence" {
                return Some(ClaimField::Evidence(
                    Box::new(self.evidence_args(field)?),
                    self.connection(&field.selection_set.node)?,
                ));
            }
            if name == "history" {
                if !with_history {
                    return None;
                }
                return Some(ClaimField::History(
                    Box::new(self.page_args(field)?),
                    self.events(&field.selection_set.node)?,
                ));
            }
            let set = &field.selection_set.node;
            Some(match name {
                "__typename" => ClaimField::Typename,
                "id" => ClaimField::Id,
                "version" => ClaimField::Version,
                "slug" => ClaimField::Slug,
                "statement" => ClaimField::Statement,
                "population" => ClaimField::Population,
                "intervention" => ClaimField::Intervention,
                "comparator" => ClaimField::Comparator,
                "outcome" => ClaimField::Outcome,
                "effectDirection" => ClaimField::EffectDirection,
                "createdAt" => ClaimField::CreatedAt,
                "updatedAt" => ClaimField::UpdatedAt,
                "synthesis" => ClaimField::Synthesis(self.synthesis(set)?),
                "mechanisms" => ClaimField::Mechanisms(self.mechanism(set, Reach::Page)?),
                "evidenceCounts" => ClaimField::EvidenceCounts(self.counts(set)?),
                "evidenceNeeds" => ClaimField::EvidenceNeeds(self.need(set)?),
                _ => return None,
            })
        })
    }

    /// A claim's history page.
    fn events(&self, set: &'d SelectionSet) -> Option<Vec<Selected<EventsField>>> {
        self.object(set, "EventConnection", &[], |name, field| {
            let set = &field.selection_set.node;
            Some(match name {
                "__typename" => EventsField::Typename,
                "edges" => EventsField::Edges(self.object(set, "EventEdge", &[], |name, field| {
                    Some(match name {
                        "__typename" => EventEdgeField::Typename,
                        "cursor" => EventEdgeField::Cursor,
                        "node" => EventEdgeField::Node(self.event(&field.selection_set.node)?),
                        _ => return None,
                    })
                })?),
                "nodes" => EventsField::Nodes(self.event(set)?),
                "pageInfo" => EventsField::PageInfo(self.page_info(set)?),
                "totalCount" => EventsField::TotalCount,
                _ => return None,
            })
        })
    }

    fn event(&self, set: &'d SelectionSet) -> Option<Vec<Selected<EventField>>> {
        self.object(set, "Event", &[], |name, field| {
            Some(match name {
                "__typename" => EventField::Typename,
                "id" => EventField::Id,
                "action" => EventField::Action,
                "actor" => {
                    EventField::Actor(self.object(&field.selection_set.node, "User", &[], |name, _| {
                        Some(match name {
                            "__typename" => UserField::Typename,
                            "id" => UserField::Id,
                            "name" => UserField::Name,
                            "role" => UserField::Role,
                            "createdAt" => UserField::CreatedAt,
                            _ => return None,
                        })
                    })?)
                }
                "subjectId" => EventField::SubjectId,
                "before" => EventField::Before,
                "after" => EventField::After,
                "createdAt" => EventField::CreatedAt,
                _ => return None,
            })
        })
    }

    /// A connection's page arguments as written; `None` for any other argument.
    fn page_args(&self, field: &Field) -> Option<PageArgsAsWritten> {
        let mut args = PageArgsAsWritten::default();
        for (name, value) in &field.arguments {
            *args.slot(name.node.as_str())? = Some(self.arg(&value.node)?);
        }
        Some(args)
    }

    /// A DOI's citing steps (`citedBy`), in a DOI walk.
    fn steps(&self, set: &'d SelectionSet) -> Option<Vec<Selected<StepsField>>> {
        self.object(set, "MechanismStepConnection", &[], |name, field| {
            let set = &field.selection_set.node;
            Some(match name {
                "__typename" => StepsField::Typename,
                "edges" => StepsField::Edges(self.object(set, "MechanismStepEdge", &[], |name, field| {
                    Some(match name {
                        "__typename" => StepEdgeField::Typename,
                        "cursor" => StepEdgeField::Cursor,
                        "node" => StepEdgeField::Node(self.step(&field.selection_set.node, Reach::Walk)?),
                        _ => return None,
                    })
                })?),
                "nodes" => StepsField::Nodes(self.step(set, Reach::Walk)?),
                "pageInfo" => StepsField::PageInfo(self.page_info(set)?),
                "totalCount" => StepsField::TotalCount,
                _ => return None,
            })
        })
    }

    fn evidence_args(&self, field: &Field) -> Option<EvidenceArgs> {
        let mut args = EvidenceArgs::default();
        for (name, value) in &field.arguments {
            let slot = match name.node.as_str() {
                "stance" => &mut args.stance,
                name => args.page.slot(name)?,
            };
            *slot = Some(self.arg(&value.node)?);
        }
        Some(args)
    }

    fn synthesis(&self, set: &'d SelectionSet) -> Option<Vec<Selected<SynthesisField>>> {
        self.object(set, "ClaimSynthesis", &[], |name, field| {
            Some(match name {
                "__typename" => SynthesisField::Typename,
                "text" => SynthesisField::Text,
                "studyCount" => SynthesisField::StudyCount,
                "studies" => {
                    SynthesisField::Studies(self.study(&field.selection_set.node, StudyAt::Elsewhere)?)
                }
                _ => return None,
            })
        })
    }

    fn mechanism(&self, set: &'d SelectionSet, reach: Reach) -> Option<Vec<Selected<MechanismField>>> {
        self.object(set, "Mechanism", &[], |name, field| {
            Some(match name {
                "__typename" => MechanismField::Typename,
                "id" => MechanismField::Id,
                "version" => MechanismField::Version,
                "rank" => MechanismField::Rank,
                "support" => MechanismField::Support,
                "label" => MechanismField::Label,
                "summary" => MechanismField::Summary,
                "steps" if reach == Reach::Page => {
                    MechanismField::Steps(self.step(&field.selection_set.node, reach)?)
                }
                "claim" if reach == Reach::Walk => MechanismField::Claim(self.claim_alone(field)?),
                _ => return None,
            })
        })
    }

    fn step(&self, set: &'d SelectionSet, reach: Reach) -> Option<Vec<Selected<StepField>>> {
        self.object(set, "MechanismStep", &[], |name, field| {
            Some(match name {
                "__typename" => StepField::Typename,
                "id" => StepField::Id,
                "version" => StepField::Version,
                "position" => StepField::Position,
                "text" => StepField::Text,
                "citations" if reach == Reach::Page => {
                    StepField::Citations(self.doi(&field.selection_set.node, DoiAt::Citation)?)
                }
                "mechanism" if reach == Reach::Walk => {
                    StepField::Mechanism(self.mechanism(&field.selection_set.node, reach)?)
                }
                _ => return None,
            })
        })
    }

    /// A claim's selection where only the claim's own row is at hand: `None` when it reaches
    /// anything the claim's statements would read.
    fn claim_alone(&self, field: &'d Field) -> Option<Vec<Selected<ClaimField>>> {
        let claim = self.claim(&field.selection_set.node, false)?;
        Plan::of(&self.look(vec![field])).reads_nothing().then_some(claim)
    }

    /// A DOI's selection, at `at`.
    pub(super) fn doi(&self, set: &'d SelectionSet, at: DoiAt) -> Option<Vec<Selected<DoiField>>> {
        let with_arguments: &[&str] = if at == DoiAt::Walk { &["citedBy"] } else { &[] };
        self.object(set, "Doi", with_arguments, |name, field| {
            Some(match name {
                "__typename" => DoiField::Typename,
                "id" => DoiField::Id,
                "value" => DoiField::Value,
                "url" => DoiField::Url,
                "study" if at != DoiAt::StudyDoi => {
                    DoiField::Study(self.study(&field.selection_set.node, StudyAt::Citation)?)
                }
                "citedBy" if at == DoiAt::Walk => DoiField::CitedBy(
                    Box::new(self.page_args(field)?),
                    self.steps(&field.selection_set.node)?,
                ),
                _ => return None,
            })
        })
    }

    fn study(&self, set: &'d SelectionSet, at: StudyAt) -> Option<Vec<Selected<StudyField>>> {
        self.object(set, "Study", &[], |name, field| {
            Some(match name {
                "__typename" => StudyField::Typename,
                "id" => StudyField::Id,
                "version" => StudyField::Version,
                "title" => StudyField::Title,
                "journal" => StudyField::Journal,
                "year" => StudyField::Year,
                "design" => StudyField::Design,
                "authors" => StudyField::Authors,
                "sampleSize" => StudyField::SampleSize,
                "retracted" => StudyField::Retracted,
                "doi" if at != StudyAt::Elsewhere => {
                    StudyField::Doi(self.doi(&field.selection_set.node, DoiAt::StudyDoi)?)
                }
                _ => return None,
            })
        })
    }

    fn counts(&self, set: &'d SelectionSet) -> Option<Vec<Selected<CountsField>>> {
        self.object(set, "EvidenceCounts", &[], |name, _| {
            Some(match name {
                "__typename" => CountsField::Typename,
                "supporting" => CountsField::Supporting,
                "contradicting" => CountsField::Contradicting,
                "inconclusive" => CountsField::Inconclusive,
                "total" => CountsField::Total,
                _ => return None,
            })
        })
    }

    fn connection(&self, set: &'d SelectionSet) -> Option<Vec<Selected<ConnectionField>>> {
        self.object(set, "EvidenceConnection", &[], |name, field| {
            let set = &field.selection_set.node;
            Some(match name {
                "__typename" => ConnectionField::Typename,
                "edges" => ConnectionField::Edges(self.edge(set)?),
                "nodes" => ConnectionField::Nodes(self.evidence(set)?),
                "pageInfo" => ConnectionField::PageInfo(self.page_info(set)?),
                "totalCount" => ConnectionField::TotalCount,
                _ => return None,
            })
        })
    }

    fn edge(&self, set: &'d SelectionSet) -> Option<Vec<Selected<EdgeField>>> {
        self.object(set, "EvidenceEdge", &[], |name, field| {
            Some(match name {
                "__typename" => EdgeField::Typename,
                "cursor" => EdgeField::Cursor,
                "node" => EdgeField::Node(self.evidence(&field.selection_set.node)?),
                _ => return None,
            })
        })
    }

    fn evidence(&self, set: &'d SelectionSet) -> Option<Vec<Selected<EvidenceField>>> {
        self.object(set, "Evidence", &[], |name, field| {
            Some(match name {
                "__typename" => EvidenceField::Typename,
                "id" => EvidenceField::Id,
                "version" => EvidenceField::Version,
                "stance" => EvidenceField::Stance,
                "note" => EvidenceField::Note,
                "createdAt" => EvidenceField::CreatedAt,
                "study" => EvidenceField::Study(self.study(&field.selection_set.node, StudyAt::Evidence)?),
                _ => return None,
            })
        })
    }

    pub(super) fn page_info(&self, set: &'d SelectionSet) -> Option<Vec<Selected<PageInfoField>>> {
        self.object(set, "PageInfo", &[], |name, _| {
            Some(match name {
                "__typename" => PageInfoField::Typename,
                "hasPreviousPage" => PageInfoField::HasPreviousPage,
                "hasNextPage" => PageInfoField::HasNextPage,
                "startCursor" => PageInfoField::StartCursor,
                "endCursor" => PageInfoField::EndCursor,
                _ => return None,
            })
        })
    }

    fn need(&self, set: &'d SelectionSet) -> Option<Vec<Selected<NeedField>>> {
        self.object(set, "EvidenceNeed", &[], |name, field| {
            Some(match name {
                "__typename" => NeedField::Typename,
                "rank" => NeedField::Rank,
                "design" => NeedField::Design,
                "cebmLevel" => NeedField::CebmLevel,
                "startingCertainty" => NeedField::StartingCertainty,
                "description" => NeedField::Description,
                "metBy" => NeedField::MetBy(self.study(&field.selection_set.node, StudyAt::Elsewhere)?),
                _ => return None,
            })
        })
    }
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
                    let (_, connection, total) = history
                        .pages
                        .iter()
                        .find(|(read, ..)| std::ptr::eq(*read, &**args))?;
                    return write_history(out, fields, connection, *total, &history.actors, viewer);
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
        fields: &[Selected<ConnectionField>],
    ) -> Written {
        let (stance, page) = evidence_page(args, self.variables)?;
        let items = self
            .evidence_rows()?
            .iter()
            .filter(|row| stance.is_none_or(|s| row.evidence.stance == s))
            .map(|row| (row.evidence.id, row))
            .collect();
        let connection = paginate_loaded(&page, items).ok()?;
        let Total::Known(total) = connection.total else {
            return None;
        };
        object(out, fields, |out, field| {
            match field {
                ConnectionField::Typename => write_str(out, "EvidenceConnection"),
                ConnectionField::Edges(fields) => {
                    return list(out, &connection.edges, |out, edge| {
                        object(out, fields, |out, field| {
                            match field {
                                EdgeField::Typename => write_str(out, "EvidenceEdge"),
                                EdgeField::Cursor => write_str(out, &edge.cursor),
                                EdgeField::Node(fields) => return write_evidence_row(out, fields, edge.node),
                            }
                            Some(())
                        })
                    });
                }
                ConnectionField::Nodes(fields) => {
                    return list(out, &connection.edges, |out, edge| {
                        write_evidence_row(out, fields, edge.node)
                    });
                }
                ConnectionField::PageInfo(fields) => write_page_info(out, fields, &connection.page_info)?,
                ConnectionField::TotalCount => {
                    out.extend_from_slice(itoa::Buffer::new().format(total as u64).as_bytes());
                }
            }
            Some(())
        })
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

/// A claim's history page: `connection`, with `total` when read, and its events' `actors`.
fn write_history(
    out: &mut Vec<u8>,
    fields: &[Selected<EventsField>],
    connection: &Connection<event::Model>,
    total: Option<u64>,
    actors: &HashMap<i32, user::Model>,
    viewer: &Viewer,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            EventsField::Typename => write_str(out, "EventConnection"),
            EventsField::Edges(fields) => {
                return list(out, &connection.edges, |out, edge| {
                    object(out, fields, |out, field| {
                        match field {
                            EventEdgeField::Typename => write_str(out, "EventEdge"),
                            EventEdgeField::Cursor => write_str(out, &edge.cursor),
                            EventEdgeField::Node(fields) => {
                                return write_event(out, fields, &edge.node, actors, viewer);
                            }
                        }
                        Some(())
                    })
                });
            }
            EventsField::Nodes(fields) => {
                return list(out, &connection.edges, |out, edge| {
                    write_event(out, fields, &edge.node, actors, viewer)
                });
            }
            EventsField::PageInfo(fields) => write_page_info(out, fields, &connection.page_info)?,
            EventsField::TotalCount => out.extend_from_slice(itoa::Buffer::new().format(total?).as_bytes()),
        }
        Some(())
    })
}

fn write_event(
    out: &mut Vec<u8>,
    fields: &[Selected<EventField>],
    event: &event::Model,
    actors: &HashMap<i32, user::Model>,
    viewer: &Viewer,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            EventField::Typename => write_str(out, "Event"),
            EventField::Id => write_id(out, NodeType::Event, event.id),
            EventField::Action => write_str(out, &event.action),
            EventField::Actor(fields) => match event.actor_id.and_then(|id| actors.get(&id)) {
                Some(user) => return write_user(out, fields, user, viewer),
                None => out.extend_from_slice(b"null"),
            },
            // An unknown type is the executor's to report, as an internal error.
            EventField::SubjectId => {
                write_id(out, NodeType::from_name(&event.subject_type)?, event.subject_id)
            }
            EventField::Before => write_json_text(out, event.before.as_deref()),
            EventField::After => write_json_text(out, event.after.as_deref()),
            EventField::CreatedAt => write_scalar(out, &event.created_at),
        }
        Some(())
    })
}

fn write_user(
    out: &mut Vec<u8>,
    fields: &[Selected<UserField>],
    user: &user::Model,
    viewer: &Viewer,
) -> Written {
    let shows_account = viewer.may_see_account(user.id);
    object(out, fields, |out, field| {
        match field {
            UserField::Typename => write_str(out, "User"),
            UserField::Id => write_id(out, NodeType::User, user.id),
            UserField::Name => write_str(out, &user.name),
            UserField::Role if shows_account => write_enum(out, Role::from(user.role)),
            UserField::CreatedAt if shows_account => write_scalar(out, &user.created_at),
            UserField::Role | UserField::CreatedAt => out.extend_from_slice(b"null"),
        }
        Some(())
    })
}

/// A JSON value stored as text, as `Event.before` and `after` give it: null when absent or not JSON.
fn write_json_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text.and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok()) {
        // As `Json`'s output: converted to a GraphQL value, null when it does not convert.
        Some(value) => write_value(out, &async_graphql::to_value(&value).unwrap_or_default()),
        None => out.extend_from_slice(b"null"),
    }
}

/// A connection's `pageInfo`.
pub(super) fn write_page_info(
    out: &mut Vec<u8>,
    fields: &[Selected<PageInfoField>],
    info: &PageInfo,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            PageInfoField::Typename => write_str(out, "PageInfo"),
            PageInfoField::HasPreviousPage => write_bool(out, info.has_previous_page),
            PageInfoField::HasNextPage => write_bool(out, info.has_next_page),
            PageInfoField::StartCursor => write_opt_str(out, info.start_cursor.as_deref()),
            PageInfoField::EndCursor => write_opt_str(out, info.end_cursor.as_deref()),
        }
        Some(())
    })
}

/// `evidence`'s stance and page arguments in a request with `variables`, parsed as the resolver
/// parses them; `None` when they do not fit (a value of another type, a bad cursor, `first` and
/// `last` together, a page too large).
fn evidence_page(
    args: &EvidenceArgs,
    variables: &Variables,
) -> Option<(Option<entity::values::Stance>, PageArgs)> {
    let stance: Option<Stance> = Arg::parse(args.stance.as_ref(), variables).ok()?;
    Some((stance.map(Into::into), args.page.value(variables)?))
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
    dyn Fn(&mut Vec<u8>, &PageArgsAsWritten, &[Selected<StepsField>]) -> Written + 'a;

/// A DOI's `citedBy` where the rows do not hold it: the executor answers.
fn not_walked(_: &mut Vec<u8>, _: &PageArgsAsWritten, _: &[Selected<StepsField>]) -> Written {
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
