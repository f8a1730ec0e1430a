//! Compiled claim pages: a query for one claim by slug whose every field the page's statements
//! read is answered straight from those rows as JSON, without async-graphql's executor.
//!
//! A claim page is a few hundred fields. async-graphql resolves each as a future of its own, boxed,
//! its value put in a map hashed with SipHash, and the whole tree is walked again to write it and
//! once more to drop it: on a claim page that was about half the server's instructions, more than
//! the database's share (callgrind). A document the server has validated before (see
//! [`super::document_cache`]) is compiled once into the tree below: the response keys already
//! escaped, each field a variant of its type's enum, the [`Plan`] of statements decided. Answering
//! it reads the page as the `claim` resolver does ([`read_claim_page`]) and writes the JSON in one
//! pass.
//!
//! Compiling refuses (and the request runs on the executor, as every request did before) anything
//! outside what is written here: another root field, a directive, a field with arguments other
//! than `claim(slug)` and `evidence`'s, a field the page's rows do not hold (`Mechanism.claim`,
//! `Study.evidence`, `Claim.history`, ...), a fragment on another type, a response key used twice
//! for anything but the same leaf. Answering gives up the same way when a branch was not read
//! whole or an argument does not fit: the executor then answers, with its errors. The tests in
//! `tests/src/compiled.rs` hold every answer here to the executor's, byte for byte.

use std::collections::{BTreeSet, HashMap, HashSet};

use async_graphql::parser::types::{
    ExecutableDocument, Field, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::resolver_utils::enum_value;
use async_graphql::{InputType, Name, Positioned, ScalarType, Value, Variables};
use entity::values::doi_url;
use entity::{doi, evidence, mechanism, mechanism_step, study};

use crate::domain::evidence_needs::{Pico, evidence_ladder};
use crate::error::ApiResult;
use crate::graphql::connection::{PageArgs, Total, decode_id_cursor, paginate_loaded};
use crate::graphql::enums::{EffectDirection, GradeCertainty, Stance, StudyDesign, Support};
use crate::graphql::ids::{GlobalId, NodeType};
use crate::graphql::json::write_str;
use crate::graphql::operation::chosen_operation;
use crate::graphql::prefetch::{Plan, Selects, read_claim_page};
use crate::store::Store;
use crate::store::trees::{EvidenceTreeRow, MechanismTrees};

/// Fragments nest at most this deep here (validation refuses cycles; this only bounds the walk).
const MAX_FRAGMENT_DEPTH: usize = 16;

/// A claim page query, compiled.
#[derive(Debug)]
pub struct CompiledPage {
    /// The root field's key, as `{"key":`.
    key: Box<[u8]>,
    slug: Arg,
    plan: Plan,
    claim: Vec<Selected<ClaimField>>,
}

/// A field of the response: its key, escaped and followed by `:`, and what it holds.
#[derive(Debug)]
struct Selected<F> {
    key: Box<[u8]>,
    field: F,
}

/// An argument: written in the document, or a variable (with the default its definition gives).
#[derive(Debug)]
enum Arg {
    Literal(Value),
    Variable(Name, Option<Value>),
}

impl Arg {
    /// The argument's value in a request with `variables`; `None` when it is not given.
    fn value(&self, variables: &Variables) -> Option<Value> {
        match self {
            Arg::Literal(value) => Some(value.clone()),
            Arg::Variable(name, default) => variables.get(name).or(default.as_ref()).cloned(),
        }
    }
}

/// `evidence`'s arguments, each as written.
#[derive(Debug, Default)]
struct EvidenceArgs {
    stance: Option<Arg>,
    first: Option<Arg>,
    after: Option<Arg>,
    last: Option<Arg>,
    before: Option<Arg>,
}

/// A field of `Claim` the compiled page answers; a relation holds the selection under it.
#[derive(Debug)]
enum ClaimField {
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
}

/// A field of `ClaimSynthesis`.
#[derive(Debug)]
enum SynthesisField {
    Typename,
    Text,
    StudyCount,
    Studies(Vec<Selected<StudyField>>),
}

/// A field of `Mechanism`.
#[derive(Debug)]
enum MechanismField {
    Typename,
    Id,
    Version,
    Rank,
    Support,
    Label,
    Summary,
    Steps(Vec<Selected<StepField>>),
}

/// A field of `MechanismStep`.
#[derive(Debug)]
enum StepField {
    Typename,
    Id,
    Version,
    Position,
    Text,
    Citations(Vec<Selected<DoiField>>),
}

/// A field of `Doi`.
#[derive(Debug)]
enum DoiField {
    Typename,
    Id,
    Value,
    Url,
    Study(Vec<Selected<StudyField>>),
}

/// A field of `Study`.
#[derive(Debug)]
enum StudyField {
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
enum CountsField {
    Typename,
    Supporting,
    Contradicting,
    Inconclusive,
    Total,
}

/// A field of `EvidenceConnection`.
#[derive(Debug)]
enum ConnectionField {
    Typename,
    Edges(Vec<Selected<EdgeField>>),
    Nodes(Vec<Selected<EvidenceField>>),
    PageInfo(Vec<Selected<PageInfoField>>),
    TotalCount,
}

/// A field of `EvidenceEdge`.
#[derive(Debug)]
enum EdgeField {
    Typename,
    Cursor,
    Node(Vec<Selected<EvidenceField>>),
}

/// A field of `Evidence`.
#[derive(Debug)]
enum EvidenceField {
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
enum PageInfoField {
    Typename,
    HasPreviousPage,
    HasNextPage,
    StartCursor,
    EndCursor,
}

/// A field of `EvidenceNeed`.
#[derive(Debug)]
enum NeedField {
    Typename,
    Rank,
    Design,
    CebmLevel,
    StartingCertainty,
    Description,
    MetBy(Vec<Selected<StudyField>>),
}

/// Where a selection is compiled: the document's fragments and the operation's variables.
struct Compiler<'d> {
    document: &'d ExecutableDocument,
    variables: &'d [Positioned<async_graphql::parser::types::VariableDefinition>],
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

impl CompiledPage {
    /// Compiles the operation `operation_name` of `document`, when it is a claim page query this
    /// module answers whole; `None` otherwise.
    pub fn compile(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<CompiledPage> {
        let operation = chosen_operation(document, operation_name)?;
        if operation.ty != OperationType::Query || !operation.directives.is_empty() {
            return None;
        }
        let compiler = Compiler {
            document,
            variables: &operation.variable_definitions,
        };
        let roots = compiler.fields(&operation.selection_set.node, "Query", 0)?;
        let [root] = roots.as_slice() else {
            return None;
        };
        let root = &root.node;
        if root.name.node != "claim" {
            return None;
        }
        let [(name, value)] = root.arguments.as_slice() else {
            return None;
        };
        if name.node != "slug" {
            return None;
        }
        let slug = compiler.arg(&value.node)?;
        let claim = compiler.claim(&root.selection_set.node)?;
        let plan = Plan::of(&Look {
            fragments: &document.fragments,
            fields: vec![root],
        });
        let mut key = b"{".to_vec();
        key.extend_from_slice(&key_of(root));
        Some(CompiledPage {
            key: key.into(),
            slug,
            plan,
            claim,
        })
    }

    /// Answers the page for a request with `variables`: appends the `data` object to `out` and
    /// returns true, or returns false (with `out` as it was) when the executor should answer:
    /// a branch was not read whole, or an argument does not fit.
    pub async fn answer(&self, db: &Store, variables: &Variables, out: &mut Vec<u8>) -> ApiResult<bool> {
        let page = match self.read(db, variables).await? {
            Read::Executor => return Ok(false),
            Read::Missing => {
                out.extend_from_slice(&self.key);
                out.extend_from_slice(b"null}");
                return Ok(true);
            }
            Read::Found(page) => page,
        };
        let Some(cited) = page.cited_studies(&self.plan) else {
            return Ok(false);
        };
        let start = out.len();
        out.extend_from_slice(&self.key);
        if page.write_claim(out, &self.claim, &cited).is_none() {
            out.truncate(start);
            return Ok(false);
        }
        out.push(b'}');
        Ok(true)
    }

    /// Runs the page's statements for a request with `variables`, as [`CompiledPage::answer`]
    /// does, without writing anything: whether the claim was found with every branch read whole.
    /// For the benchmark's database row (`tests/bench/src/bin/page_reads.rs`).
    pub async fn read_rows(&self, db: &Store, variables: &Variables) -> ApiResult<bool> {
        Ok(matches!(self.read(db, variables).await?, Read::Found(_)))
    }

    async fn read<'v>(&self, db: &Store, variables: &'v Variables) -> ApiResult<Read<'v>> {
        let Some(Value::String(slug)) = self.slug.value(variables) else {
            return Ok(Read::Executor);
        };
        // Arguments that do not fit are the executor's to refuse, before anything is read.
        let fits = self.claim.iter().all(|selected| match &selected.field {
            ClaimField::Evidence(args, _) => evidence_page(args, variables).is_some(),
            _ => true,
        });
        if !fits {
            return Ok(Read::Executor);
        }
        let Some((claim, fetched)) = read_claim_page(db, &self.plan, slug.trim()).await? else {
            return Ok(Read::Missing);
        };
        Ok(Read::Found(Page {
            claim,
            mechanisms: fetched.mechanisms,
            evidence: fetched.evidence,
            cited: fetched.cited,
            variables,
        }))
    }
}

/// Whether the text of a query document parses and its operation `operation_name` is one this
/// module answers (the test walking the schema for fields neither planned nor executor-only asks).
pub fn plans(document: &str, operation_name: Option<&str>) -> bool {
    async_graphql::parser::parse_query(document)
        .ok()
        .and_then(|document| CompiledPage::compile(&document, operation_name))
        .is_some()
}

/// What reading a compiled page found.
#[expect(
    clippy::large_enum_variant,
    reason = "made once per request and matched at once; a box would be an allocation per page"
)]
enum Read<'v> {
    /// Nothing the page can answer: the executor answers.
    Executor,
    /// No claim has the slug.
    Missing,
    Found(Page<'v>),
}

impl<'d> Compiler<'d> {
    /// The fields of `set` on an object of type `type_name`, fragments inlined in place, in
    /// document order; a leaf asked twice under one key is kept once, where it first appears.
    /// `None` for a directive, a fragment on another type, or a key used for two things.
    fn fields(
        &self,
        set: &'d SelectionSet,
        type_name: &str,
        depth: usize,
    ) -> Option<Vec<&'d Positioned<Field>>> {
        let mut fields = Fields::default();
        self.collect(set, type_name, depth, &mut fields)?;
        Some(fields.list)
    }

    fn collect(
        &self,
        set: &'d SelectionSet,
        type_name: &str,
        depth: usize,
        fields: &mut Fields<'d>,
    ) -> Option<()> {
        if depth > MAX_FRAGMENT_DEPTH {
            return None;
        }
        let applies = |on: &str| on == type_name || (on == "Node" && implements_node(type_name));
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if !field.node.directives.is_empty() {
                        return None;
                    }
                    let key = field.node.response_key().node.as_str();
                    match fields.at.get(key) {
                        None => {
                            fields.at.insert(key, fields.list.len());
                            fields.list.push(field);
                        }
                        Some(&first) if same_leaf(&fields.list[first].node, &field.node) => {}
                        Some(_) => return None,
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if !spread.node.directives.is_empty() {
                        return None;
                    }
                    let FragmentDefinition {
                        type_condition,
                        directives,
                        selection_set,
                    } = &self.document.fragments.get(&spread.node.fragment_name.node)?.node;
                    if !directives.is_empty() || !applies(&type_condition.node.on.node) {
                        return None;
                    }
                    self.collect(&selection_set.node, type_name, depth + 1, fields)?;
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    if !inline.directives.is_empty()
                        || inline
                            .type_condition
                            .as_ref()
                            .is_some_and(|condition| !applies(&condition.node.on.node))
                    {
                        return None;
                    }
                    self.collect(&inline.selection_set.node, type_name, depth + 1, fields)?;
                }
            }
        }
        Some(())
    }

    /// An argument's value as written: a constant, or a variable alone (a variable inside a list
    /// or an object is left to the executor).
    fn arg(&self, value: &async_graphql_value::Value) -> Option<Arg> {
        if let async_graphql_value::Value::Variable(name) = value {
            let definition = self.variables.iter().find(|d| d.node.name.node == *name)?;
            let default = definition.node.default_value.as_ref().map(|d| d.node.clone());
            return Some(Arg::Variable(name.clone(), default));
        }
        value.clone().into_const().map(Arg::Literal)
    }

    /// The selection `set` on type `type_name`, each field compiled by `compile` (given its name
    /// and the field; `None` refuses the field, and with it the page). A field with arguments is
    /// refused unless `compile` is given them (`with_arguments` names it).
    fn object<F>(
        &self,
        set: &'d SelectionSet,
        type_name: &str,
        with_arguments: Option<&str>,
        mut compile: impl FnMut(&str, &'d Field) -> Option<F>,
    ) -> Option<Vec<Selected<F>>> {
        self.fields(set, type_name, 0)?
            .into_iter()
            .map(|field| {
                let field = &field.node;
                if !field.arguments.is_empty() && with_arguments != Some(field.name.node.as_str()) {
                    return None;
                }
                let compiled = compile(field.name.node.as_str(), field)?;
                Some(Selected {
                    key: key_of(field),
                    field: compiled,
                })
            })
            .collect()
    }

    fn claim(&self, set: &'d SelectionSet) -> Option<Vec<Selected<ClaimField>>> {
        self.object(set, "Claim", Some("evidence"), |name, field| {
            if name == "evidence" {
                return Some(ClaimField::Evidence(
                    Box::new(self.evidence_args(field)?),
                    self.connection(&field.selection_set.node)?,
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
                "mechanisms" => ClaimField::Mechanisms(self.mechanism(set)?),
                "evidenceCounts" => ClaimField::EvidenceCounts(self.counts(set)?),
                "evidenceNeeds" => ClaimField::EvidenceNeeds(self.need(set)?),
                _ => return None,
            })
        })
    }

    fn evidence_args(&self, field: &Field) -> Option<EvidenceArgs> {
        let mut args = EvidenceArgs::default();
        for (name, value) in &field.arguments {
            let slot = match name.node.as_str() {
                "stance" => &mut args.stance,
                "first" => &mut args.first,
                "after" => &mut args.after,
                "last" => &mut args.last,
                "before" => &mut args.before,
                _ => return None,
            };
            *slot = Some(self.arg(&value.node)?);
        }
        Some(args)
    }

    fn synthesis(&self, set: &'d SelectionSet) -> Option<Vec<Selected<SynthesisField>>> {
        self.object(set, "ClaimSynthesis", None, |name, field| {
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

    fn mechanism(&self, set: &'d SelectionSet) -> Option<Vec<Selected<MechanismField>>> {
        self.object(set, "Mechanism", None, |name, field| {
            Some(match name {
                "__typename" => MechanismField::Typename,
                "id" => MechanismField::Id,
                "version" => MechanismField::Version,
                "rank" => MechanismField::Rank,
                "support" => MechanismField::Support,
                "label" => MechanismField::Label,
                "summary" => MechanismField::Summary,
                "steps" => MechanismField::Steps(self.step(&field.selection_set.node)?),
                _ => return None,
            })
        })
    }

    fn step(&self, set: &'d SelectionSet) -> Option<Vec<Selected<StepField>>> {
        self.object(set, "MechanismStep", None, |name, field| {
            Some(match name {
                "__typename" => StepField::Typename,
                "id" => StepField::Id,
                "version" => StepField::Version,
                "position" => StepField::Position,
                "text" => StepField::Text,
                "citations" => StepField::Citations(self.doi(&field.selection_set.node, true)?),
                _ => return None,
            })
        })
    }

    /// A DOI's selection; `with_study` when its study is at hand (a step's citation).
    fn doi(&self, set: &'d SelectionSet, with_study: bool) -> Option<Vec<Selected<DoiField>>> {
        self.object(set, "Doi", None, |name, field| {
            Some(match name {
                "__typename" => DoiField::Typename,
                "id" => DoiField::Id,
                "value" => DoiField::Value,
                "url" => DoiField::Url,
                "study" if with_study => {
                    DoiField::Study(self.study(&field.selection_set.node, StudyAt::Citation)?)
                }
                _ => return None,
            })
        })
    }

    fn study(&self, set: &'d SelectionSet, at: StudyAt) -> Option<Vec<Selected<StudyField>>> {
        self.object(set, "Study", None, |name, field| {
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
                    StudyField::Doi(self.doi(&field.selection_set.node, false)?)
                }
                _ => return None,
            })
        })
    }

    fn counts(&self, set: &'d SelectionSet) -> Option<Vec<Selected<CountsField>>> {
        self.object(set, "EvidenceCounts", None, |name, _| {
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
        self.object(set, "EvidenceConnection", None, |name, field| {
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
        self.object(set, "EvidenceEdge", None, |name, field| {
            Some(match name {
                "__typename" => EdgeField::Typename,
                "cursor" => EdgeField::Cursor,
                "node" => EdgeField::Node(self.evidence(&field.selection_set.node)?),
                _ => return None,
            })
        })
    }

    fn evidence(&self, set: &'d SelectionSet) -> Option<Vec<Selected<EvidenceField>>> {
        self.object(set, "Evidence", None, |name, field| {
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

    fn page_info(&self, set: &'d SelectionSet) -> Option<Vec<Selected<PageInfoField>>> {
        self.object(set, "PageInfo", None, |name, _| {
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
        self.object(set, "EvidenceNeed", None, |name, field| {
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

/// A selection set's fields as [`Compiler::fields`] collects them: in order, and where each
/// response key first appears.
#[derive(Default)]
struct Fields<'d> {
    list: Vec<&'d Positioned<Field>>,
    at: HashMap<&'d str, usize>,
}

/// The object types of the page that implement `Node`.
fn implements_node(type_name: &str) -> bool {
    matches!(
        type_name,
        "Claim" | "Mechanism" | "MechanismStep" | "Doi" | "Study" | "Evidence"
    )
}

/// Whether two fields under one key are the same leaf, asked twice (merged into one answer).
fn same_leaf(a: &Field, b: &Field) -> bool {
    a.name.node == b.name.node
        && a.arguments.is_empty()
        && b.arguments.is_empty()
        && a.selection_set.node.items.is_empty()
        && b.selection_set.node.items.is_empty()
}

/// `"key":` for a field, the key escaped as JSON.
fn key_of(field: &Field) -> Box<[u8]> {
    let mut key = Vec::new();
    write_str(&mut key, field.response_key().node.as_str());
    key.push(b':');
    key.into()
}

/// The compiled document's selection, read by [`Plan::of`] as it reads async-graphql's
/// look-ahead: the fields of a name, wherever fragments put them.
struct Look<'d> {
    fragments: &'d HashMap<Name, Positioned<FragmentDefinition>>,
    fields: Vec<&'d Field>,
}

impl<'d> Look<'d> {
    fn named(&self, set: &'d SelectionSet, name: &str, found: &mut Vec<&'d Field>, depth: usize) {
        if depth > MAX_FRAGMENT_DEPTH {
            return;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) if field.node.name.node == name => found.push(&field.node),
                Selection::Field(_) => {}
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) {
                        self.named(&fragment.node.selection_set.node, name, found, depth + 1);
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.named(&inline.node.selection_set.node, name, found, depth + 1);
                }
            }
        }
    }
}

impl Selects for Look<'_> {
    fn field(&self, name: &str) -> Self {
        let mut found = Vec::new();
        for field in &self.fields {
            self.named(&field.selection_set.node, name, &mut found, 0);
        }
        Look {
            fragments: self.fragments,
            fields: found,
        }
    }

    fn exists(&self) -> bool {
        !self.fields.is_empty()
    }
}

/// What the page's statements read for one claim.
struct Page<'v> {
    claim: entity::claim::Model,
    mechanisms: Option<MechanismTrees>,
    evidence: Option<Vec<EvidenceTreeRow>>,
    cited: Option<Vec<(i32, study::Model)>>,
    variables: &'v Variables,
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

/// What a writer gives back: `None` when it gave up (the executor answers instead).
type Written = Option<()>;

impl Page<'_> {
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
            let found = rows.iter().map(|(_, s)| (s.id, s)).collect();
            return Some(CitedStudies {
                count: rows.len(),
                studies: look_up(rows.iter().map(|(_, s)| s.id), &found),
            });
        }
        let trees = self.mechanisms.as_ref()?;
        let cited = |d: &doi::Model| trees.studies_by_doi.get(&d.id).and_then(Option::as_ref);
        let all = trees
            .mechanisms
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

    fn write_claim(
        &self,
        out: &mut Vec<u8>,
        fields: &[Selected<ClaimField>],
        cited: &CitedStudies<'_>,
    ) -> Written {
        let claim = &self.claim;
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
                    let trees = self.mechanisms.as_ref()?;
                    return list(out, &trees.mechanisms, |out, tree| {
                        write_mechanism(out, fields, &tree.mechanism, &tree.steps, trees)
                    });
                }
                ClaimField::EvidenceCounts(fields) => write_counts(out, fields, self.evidence_rows()?),
                ClaimField::Evidence(args, fields) => self.write_evidence(out, args, fields)?,
                ClaimField::EvidenceNeeds(fields) => self.write_needs(out, fields)?,
            }
            Some(())
        })
    }

    fn evidence_rows(&self) -> Option<&[EvidenceTreeRow]> {
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
                ConnectionField::PageInfo(fields) => {
                    let info = &connection.page_info;
                    object(out, fields, |out, field| {
                        match field {
                            PageInfoField::Typename => write_str(out, "PageInfo"),
                            PageInfoField::HasPreviousPage => write_bool(out, info.has_previous_page),
                            PageInfoField::HasNextPage => write_bool(out, info.has_next_page),
                            PageInfoField::StartCursor => write_opt_str(out, info.start_cursor.as_deref()),
                            PageInfoField::EndCursor => write_opt_str(out, info.end_cursor.as_deref()),
                        }
                        Some(())
                    })?;
                }
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
        let claim = &self.claim;
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

/// `evidence`'s stance and page arguments in a request with `variables`, parsed as the resolver
/// parses them; `None` when they do not fit (a value of another type, a bad cursor, `first` and
/// `last` together, a page too large).
fn evidence_page(
    args: &EvidenceArgs,
    variables: &Variables,
) -> Option<(Option<entity::values::Stance>, PageArgs)> {
    let value = |arg: &Option<Arg>| arg.as_ref().and_then(|a| a.value(variables));
    let stance = <Option<Stance>>::parse(value(&args.stance)).ok()?;
    let page = PageArgs {
        first: <Option<i32>>::parse(value(&args.first)).ok()?,
        after: <Option<String>>::parse(value(&args.after)).ok()?,
        last: <Option<i32>>::parse(value(&args.last)).ok()?,
        before: <Option<String>>::parse(value(&args.before)).ok()?,
    };
    page.window(decode_id_cursor).ok()?;
    Some((stance.map(Into::into), page))
}

fn write_mechanism(
    out: &mut Vec<u8>,
    fields: &[Selected<MechanismField>],
    mechanism: &mechanism::Model,
    steps: &[(mechanism_step::Model, Vec<doi::Model>)],
    trees: &MechanismTrees,
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
                return list(out, steps, |out, (step, cites)| {
                    write_step(out, fields, step, cites, trees)
                });
            }
        }
        Some(())
    })
}

fn write_step(
    out: &mut Vec<u8>,
    fields: &[Selected<StepField>],
    step: &mechanism_step::Model,
    cites: &[doi::Model],
    trees: &MechanismTrees,
) -> Written {
    object(out, fields, |out, field| {
        match field {
            StepField::Typename => write_str(out, "MechanismStep"),
            StepField::Id => write_id(out, NodeType::MechanismStep, step.id),
            StepField::Version => write_int(out, step.version),
            StepField::Position => write_int(out, step.position),
            StepField::Text => write_str(out, &step.text),
            StepField::Citations(fields) => {
                return list(out, cites, |out, doi| {
                    // The statement reached the studies when the selection asks for them.
                    let study = trees.studies_by_doi.get(&doi.id).map(Option::as_ref);
                    write_doi(out, fields, doi, study)
                });
            }
        }
        Some(())
    })
}

/// A DOI; `study` is its study when that was read (`Some(None)`: it has none).
fn write_doi(
    out: &mut Vec<u8>,
    fields: &[Selected<DoiField>],
    doi: &doi::Model,
    study: Option<Option<&study::Model>>,
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
                    return write_doi(out, fields, doi, None);
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

fn write_counts(out: &mut Vec<u8>, fields: &[Selected<CountsField>], rows: &[EvidenceTreeRow]) {
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

/// Writes an object of `fields`, each value by `write`; gives up when `write` does.
fn object<F>(
    out: &mut Vec<u8>,
    fields: &[Selected<F>],
    mut write: impl FnMut(&mut Vec<u8>, &F) -> Written,
) -> Written {
    out.push(b'{');
    for (index, selected) in fields.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&selected.key);
        write(out, &selected.field)?;
    }
    out.push(b'}');
    Some(())
}

/// Writes a list, each item by `write`; gives up when `write` does.
fn list<T>(out: &mut Vec<u8>, items: &[T], mut write: impl FnMut(&mut Vec<u8>, &T) -> Written) -> Written {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write(out, item)?;
    }
    out.push(b']');
    Some(())
}

fn write_int(out: &mut Vec<u8>, value: i32) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

fn write_opt_int(out: &mut Vec<u8>, value: Option<i32>) {
    match value {
        Some(value) => write_int(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_opt_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => write_str(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn write_id(out: &mut Vec<u8>, node_type: NodeType, id: i32) {
    write_str(out, &GlobalId::new(node_type, id).encode());
}

/// An enum value by its GraphQL name, as the executor writes it.
fn write_enum<E: async_graphql::resolver_utils::EnumType>(out: &mut Vec<u8>, value: E) {
    crate::graphql::json::write_value(out, &enum_value(value));
}

/// A scalar (a time) as the executor writes it.
fn write_scalar<S: ScalarType>(out: &mut Vec<u8>, value: &S) {
    crate::graphql::json::write_value(out, &value.to_value());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::trees::MechanismDepth;

    fn compile(query: &str) -> Option<CompiledPage> {
        let document = async_graphql::parser::parse_query(query).expect("a query that parses");
        CompiledPage::compile(&document, None)
    }

    #[test]
    fn a_claim_page_with_fragments_and_aliases_compiles() {
        let page = compile(
            r#"query P($s: String!) { page: claim(slug: $s) { ...Head ... on Node { id } id
                mechanisms { rank steps { citations { study { title doi { value } } } } } } }
               fragment Head on Claim { slug t: statement }"#,
        )
        .expect("compiles");
        assert_eq!(&*page.key, b"{\"page\":");
        let keys: Vec<&[u8]> = page.claim.iter().map(|s| &*s.key).collect();
        assert_eq!(
            keys,
            [&b"\"slug\":"[..], b"\"t\":", b"\"id\":", b"\"mechanisms\":"]
        );
        assert_eq!(page.plan.depth, Some(MechanismDepth::Studies));
        assert!(page.plan.evidence.is_none());
    }

    #[test]
    fn what_the_rows_do_not_hold_is_left_to_the_executor() {
        for query in [
            "{ claim(slug: \"x\") { history { totalCount } } }",
            "{ claim(slug: \"x\") { mechanisms { claim { id } } } }",
            "{ claim(slug: \"x\") { id @include(if: true) } }",
            "{ claim(slug: \"x\") { synthesis { studies { doi { value } } } } }",
            "{ claim(slug: \"x\") { mechanisms { id } mechanisms { rank } } }",
            "{ claim(slug: \"x\") { id } doi(value: \"10.1/x\") { id } }",
            "{ a: claim(slug: \"x\") { id } b: claim(slug: \"y\") { id } }",
            "{ claim(slug: \"x\") { ... on Study { id } } }",
            "mutation { logout }",
            "{ __typename }",
        ] {
            assert!(compile(query).is_none(), "{query} compiled");
        }
    }

    #[test]
    fn a_leaf_asked_twice_under_one_key_is_answered_once() {
        let page = compile("{ claim(slug: \"x\") { id slug ... on Claim { id } } }").expect("compiles");
        assert_eq!(page.claim.len(), 2);
    }
}
