//! What each field of the compiled shapes compiles to: one enum per GraphQL type, its variants the
//! fields the rows answer, and the table that turns a selection into them ([`Compiler`]'s methods).
//! A field not named here is left to the executor (`tests/suite/plans.rs` keeps that list honest).

use async_graphql::Variables;
use async_graphql::parser::types::{Field, SelectionSet};

use super::{Arg, Compiler, Selected};
use crate::graphql::connection::{PageArgs, decode_id_cursor};
use crate::graphql::prefetch::Plan;

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

/// A field of a Relay connection (`<Node>Connection`) whose nodes' fields are `N`.
#[derive(Debug)]
pub(super) enum ConnectionField<N> {
    Typename,
    Edges(Vec<Selected<EdgeField<N>>>),
    Nodes(Vec<Selected<N>>),
    PageInfo(Vec<Selected<PageInfoField>>),
    TotalCount,
}

/// The selections on a connection's nodes: under `edges { node }` and under `nodes`, each alias.
pub(super) fn node_selections<N>(
    fields: &[Selected<ConnectionField<N>>],
) -> impl Iterator<Item = &[Selected<N>]> {
    fields.iter().flat_map(|selected| {
        let under_edges = match &selected.field {
            ConnectionField::Edges(edge) => edge.as_slice(),
            _ => &[],
        };
        let nodes = match &selected.field {
            ConnectionField::Nodes(node) => Some(node.as_slice()),
            _ => None,
        };
        under_edges
            .iter()
            .filter_map(|selected| match &selected.field {
                EdgeField::Node(node) => Some(node.as_slice()),
                _ => None,
            })
            .chain(nodes)
    })
}

/// Whether a connection's selection asks for its `totalCount`.
pub(super) fn asks_total<N>(fields: &[Selected<ConnectionField<N>>]) -> bool {
    fields
        .iter()
        .any(|selected| matches!(selected.field, ConnectionField::TotalCount))
}

/// A field of a connection's edge (`<Node>Edge`).
#[derive(Debug)]
pub(super) enum EdgeField<N> {
    Typename,
    Cursor,
    Node(Vec<Selected<N>>),
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
    pub stance: Option<Arg>,
    pub design: Option<Arg>,
    pub year: Option<Arg>,
    pub page: PageArgsAsWritten,
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
    Evidence(Box<EvidenceArgs>, Vec<Selected<ConnectionField<EvidenceField>>>),
    EvidenceNeeds(Vec<Selected<NeedField>>),
    /// At a claim page's root: a page of its history, read for the caller.
    History(Box<PageArgsAsWritten>, Vec<Selected<ConnectionField<EventField>>>),
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
    CitedBy(Box<PageArgsAsWritten>, Vec<Selected<ConnectionField<StepField>>>),
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
                    self.connection(&field.selection_set.node, "Evidence", |set| self.evidence(set))?,
                ));
            }
            if name == "history" {
                if !with_history {
                    return None;
                }
                return Some(ClaimField::History(
                    Box::new(self.page_args(field)?),
                    self.connection(&field.selection_set.node, "Event", |set| self.event(set))?,
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

    /// A connection of `node_type`s (`<node_type>Connection`), each node's selection compiled by
    /// `node`.
    pub(super) fn connection<N>(
        &self,
        set: &'d SelectionSet,
        node_type: &str,
        node: impl Fn(&'d SelectionSet) -> Option<Vec<Selected<N>>>,
    ) -> Option<Vec<Selected<ConnectionField<N>>>> {
        let edge_type = format!("{node_type}Edge");
        self.object(set, &format!("{node_type}Connection"), &[], |name, field| {
            let set = &field.selection_set.node;
            Some(match name {
                "__typename" => ConnectionField::Typename,
                "edges" => ConnectionField::Edges(self.object(set, &edge_type, &[], |name, field| {
                    Some(match name {
                        "__typename" => EdgeField::Typename,
                        "cursor" => EdgeField::Cursor,
                        "node" => EdgeField::Node(node(&field.selection_set.node)?),
                        _ => return None,
                    })
                })?),
                "nodes" => ConnectionField::Nodes(node(set)?),
                "pageInfo" => ConnectionField::PageInfo(self.page_info(set)?),
                "totalCount" => ConnectionField::TotalCount,
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

    fn evidence_args(&self, field: &Field) -> Option<EvidenceArgs> {
        let mut args = EvidenceArgs::default();
        for (name, value) in &field.arguments {
            let slot = match name.node.as_str() {
                "stance" => &mut args.stance,
                "design" => &mut args.design,
                "year" => &mut args.year,
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
                    self.connection(&field.selection_set.node, "MechanismStep", |set| {
                        self.step(set, Reach::Walk)
                    })?,
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
