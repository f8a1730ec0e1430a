//! Compiled queries: a claim page (with its history), a page of the claim list or a DOI walk whose
//! every field its statements read is answered straight from those rows as JSON, without
//! async-graphql's executor.
//!
//! A claim page is a few hundred fields. async-graphql resolves each as a future of its own, boxed,
//! its value put in a map hashed with SipHash, and the whole tree is walked again to write it and
//! once more to drop it: on a claim page that was about half the server's instructions, more than
//! the database's share (callgrind). A document the server has validated before (see
//! [`super::document_cache`]) is compiled once into the tree below: the response keys already
//! escaped, each field a variant of its type's enum, the statements decided by the functions the
//! resolvers' prefetch uses ([`Plan::of`](super::prefetch::Plan::of),
//! [`doi_depth`](super::prefetch::doi_depth)). Answering it reads the rows as the resolvers do and
//! writes the JSON in one pass. One root field each: `claim(slug:)` ([`claim`], with [`history`]),
//! `claims(...)` ([`claims`]) and `doi(value:)` ([`walk`]); [`fields`] declares what each field
//! compiles to, and [`write`] writes values as the executor does.
//!
//! Compiling refuses (and the request runs on the executor, as every request did before) anything
//! outside what is written here: another root field, a directive, an argument other than those the
//! roots and the connections take, a field whose rows the shape does not read (`Study.evidence`,
//! `Event.subject`, a claim's history in a list, ...), a fragment on another type, a response key
//! used twice for anything but the same leaf. Answering gives up the same way when a branch was not
//! read whole or an argument does not fit: the executor then answers, with its errors. The tests in
//! `tests/suite/compiled.rs` and `tests/suite/plans.rs` hold every answer here to the executor's,
//! byte for byte, and every field reachable from `Query` to being planned here or marked
//! executor-only.

use std::collections::HashMap;

use async_graphql::parser::types::{
    ExecutableDocument, Field, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{InputType, Name, Positioned, Value, Variables};

use crate::domain::visibility::Viewer;
use crate::error::ApiResult;
use crate::graphql::json::write_str;
use crate::graphql::operation::chosen_operation;
use crate::graphql::prefetch::Selects;
use crate::store::Store;

mod claim;
mod claims;
mod fields;
mod history;
mod walk;
mod write;

use claim::ClaimRoot;
use claims::ClaimsRoot;
use walk::WalkRoot;

/// Fragments nest at most this deep here (validation refuses cycles; this only bounds the walk).
const MAX_FRAGMENT_DEPTH: usize = 16;

/// A query compiled: the root field's key and what answers it.
#[derive(Debug)]
pub struct CompiledQuery {
    /// The root field's key, as `{"key":`.
    key: Box<[u8]>,
    root: Root,
    /// Whether its answer may be public (see [`super::document_cache::Verdict::public`]).
    public: bool,
}

/// The root fields a compiled query may have, each with its compiled selection.
#[derive(Debug)]
enum Root {
    /// `claim(slug:)`: a claim page.
    Claim(ClaimRoot),
    /// `claims(...)`: a page of the claim list.
    Claims(Box<ClaimsRoot>),
    /// `doi(value:)`: a DOI walk.
    Doi(WalkRoot),
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

    /// The argument's value parsed as the resolver's parameter of type `T` is; `Err` when it does
    /// not fit (the executor then answers, with its error).
    fn parse<T: InputType>(arg: Option<&Arg>, variables: &Variables) -> Result<T, ()> {
        T::parse(arg.and_then(|a| a.value(variables))).map_err(|_| ())
    }
}

/// Where a selection is compiled: the document's fragments and the operation's variables.
struct Compiler<'d> {
    document: &'d ExecutableDocument,
    variables: &'d [Positioned<async_graphql::parser::types::VariableDefinition>],
}

/// What answering a compiled query did.
enum Answered {
    /// Wrote the root field's value.
    Written,
    /// Wrote nothing: the rows do not hold the answer (a branch not read whole) or an argument
    /// does not fit; the executor answers instead.
    Executor,
}

impl From<write::Written> for Answered {
    /// A writer that gave up leaves the answer to the executor.
    fn from(written: write::Written) -> Self {
        match written {
            Some(()) => Answered::Written,
            None => Answered::Executor,
        }
    }
}

impl CompiledQuery {
    /// Compiles the operation `operation_name` of `document`, when it is a query this module
    /// answers whole; `None` otherwise.
    pub fn compile(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<CompiledQuery> {
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
        let compiled = match root.name.node.as_str() {
            "claim" => Root::Claim(ClaimRoot::compile(&compiler, root)?),
            "claims" => Root::Claims(Box::new(ClaimsRoot::compile(&compiler, root)?)),
            "doi" => Root::Doi(WalkRoot::compile(&compiler, root)?),
            _ => return None,
        };
        let mut key = b"{".to_vec();
        key.extend_from_slice(&key_of(root));
        Some(CompiledQuery {
            key: key.into(),
            root: compiled,
            public: true,
        })
    }

    /// The query, its answer marked public or the caller's alone.
    pub fn public(self, public: bool) -> CompiledQuery {
        CompiledQuery { public, ..self }
    }

    /// Whether its answer may be public; when not, the response says it is the caller's alone.
    pub fn is_public(&self) -> bool {
        self.public
    }

    /// Answers the query for `viewer` in a request with `variables`: appends the `data` object to
    /// `out` and returns true, or returns false (with `out` as it was) when the executor should
    /// answer: a branch was not read whole, or an argument does not fit.
    pub async fn answer(
        &self,
        db: &Store,
        viewer: &Viewer,
        variables: &Variables,
        out: &mut Vec<u8>,
    ) -> ApiResult<bool> {
        let start = out.len();
        out.extend_from_slice(&self.key);
        let answered = match &self.root {
            Root::Claim(root) => root.answer(db, viewer, variables, out).await,
            Root::Claims(root) => root.answer(db, variables, out).await,
            Root::Doi(root) => root.answer(db, variables, out).await,
        };
        match answered {
            Ok(Answered::Written) => {
                out.push(b'}');
                Ok(true)
            }
            Ok(Answered::Executor) => {
                out.truncate(start);
                Ok(false)
            }
            Err(err) => {
                out.truncate(start);
                Err(err)
            }
        }
    }

    /// Runs a claim page's statements for a request with `variables`, as [`CompiledQuery::answer`]
    /// does, without writing anything: whether the claim was found with every branch read whole
    /// (false for any other query). For the benchmark's database row
    /// (`tests/bench/src/bin/page_reads.rs`).
    pub async fn read_rows(&self, db: &Store, variables: &Variables) -> ApiResult<bool> {
        match &self.root {
            Root::Claim(root) => root.read_rows(db, variables).await,
            Root::Claims(_) | Root::Doi(_) => Ok(false),
        }
    }
}

/// Whether the text of a query document parses and its operation `operation_name` is one this
/// module answers (the test walking the schema for fields neither planned nor executor-only asks).
pub fn plans(document: &str, operation_name: Option<&str>) -> bool {
    async_graphql::parser::parse_query(document)
        .ok()
        .and_then(|document| CompiledQuery::compile(&document, operation_name))
        .is_some()
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

    /// The selection of `fields`, for [`Plan::of`].
    fn look(&self, fields: Vec<&'d Field>) -> Look<'d> {
        Look {
            fragments: &self.document.fragments,
            fields,
        }
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
        with_arguments: &[&str],
        mut compile: impl FnMut(&str, &'d Field) -> Option<F>,
    ) -> Option<Vec<Selected<F>>> {
        self.fields(set, type_name, 0)?
            .into_iter()
            .map(|field| {
                let field = &field.node;
                if !field.arguments.is_empty() && !with_arguments.contains(&field.name.node.as_str()) {
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
        "Claim" | "Mechanism" | "MechanismStep" | "Doi" | "Study" | "Evidence" | "Event" | "User"
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

impl<'d> Look<'d> {
    /// The fields of both selections.
    fn and(mut self, other: Look<'d>) -> Look<'d> {
        self.fields.extend(other.fields);
        self
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::trees::MechanismDepth;

    fn compile(query: &str) -> Option<CompiledQuery> {
        let document = async_graphql::parser::parse_query(query).expect("a query that parses");
        CompiledQuery::compile(&document, None)
    }

    /// The claim page a query compiles to; panics when it compiles to something else.
    fn claim_page(query: &str) -> ClaimRoot {
        match compile(query).map(|compiled| compiled.root) {
            Some(Root::Claim(root)) => root,
            other => panic!("{query} compiled to {other:?}"),
        }
    }

    #[test]
    fn a_claim_page_with_fragments_and_aliases_compiles() {
        let compiled = compile(
            r#"query P($s: String!) { page: claim(slug: $s) { ...Head ... on Node { id } id
                mechanisms { rank steps { citations { study { title doi { value } } } } } } }
               fragment Head on Claim { slug t: statement }"#,
        )
        .expect("compiles");
        assert_eq!(&*compiled.key, b"{\"page\":");
        let Root::Claim(page) = compiled.root else {
            panic!("not a claim page");
        };
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
            "{ claim(slug: \"x\") { history { nodes { diff { field } } } } }",
            "{ claims { nodes { history { totalCount } } } }",
            "{ doi(value: \"10.1/x\") { citedBy { nodes { citations { value } } } } }",
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
        let page = claim_page("{ claim(slug: \"x\") { id slug ... on Claim { id } } }");
        assert_eq!(page.claim.len(), 2);
    }
}
