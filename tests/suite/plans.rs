//! What the compiled queries (`api::graphql::compiled`) answer, held against the schema and
//! against the executor, through the one public question the compiler answers:
//! `compiled::plans(document, operation)`, whether a document's operation would be answered without
//! the executor. Both tests read the schema as `api::build_schema()` introspects it, so a field or a
//! root the compiler learns later is covered without touching them.
//!
//! The schema walk grows the *planned* fields from `Query`: a root field is planned when a minimal
//! document selecting it plans; then, along each planned path, every field of the type it reaches
//! is tried by extending that path's document (through inline fragments on each implementing type
//! of an interface or union), breadth-first. Every field reachable from `Query` that no path plans
//! must be listed in [`EXECUTOR_ONLY`] with its reason; a listed field that plans, or that is no
//! longer reachable, fails the test too, so the list cannot go stale.
//!
//! The differential test generates a few hundred documents from the same schema model, most of
//! them from planned fields, with aliases, fragments of every kind, arguments good and bad (literal
//! or variables, with and without defaults) and sometimes one executor-only field, and sends each,
//! as an anonymous caller, a contributor or a moderator, once to an app with compiled pages off and
//! twice to one with them on (the first request validates, the second may be compiled): the three
//! answers must be the same status and the same bytes, except that two executions may list the
//! same field errors in another order (the executor lists them as its resolvers finish). Whatever a
//! compiled page answered, `plans` must have said it would. Enough documents must be compiled, and
//! enough not, for the comparison to mean something. The seed is fixed, `PLANS_SEED` overrides it,
//! and a failure prints it with the documents that parted.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::time::Instant;

use api::graphql::compiled::plans;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::values::Role;
use serde_json::{Map, Value, json};
use tests::{SEED_SLUG, TestApp, TestResponse};

/// The fields reachable from `Query` that no compiled page answers: the executor answers any
/// document that selects one. A field the compiler learns must leave this list (the schema walk
/// fails until it does).
const EXECUTOR_ONLY: &[(&str, &str)] = &[
    // Roots the compiled queries do not answer (they answer `claim`, `claims` and `doi`).
    ("Query", "node"),          // any type by ID: read by the executor
    ("Query", "nodes"),         // any types by IDs: read by the executor
    ("Query", "study"),         // a study alone, by ID
    ("Query", "studies"),       // a list of studies
    ("Query", "viewer"),        // the caller: private, never compiled
    ("Query", "contributions"), // the review queue: depends on the caller
    ("Query", "events"),        // the audit log: depends on the caller
    ("Query", "rateLimit"),     // the caller's budget, per request
    ("Query", "search"),        // full-text search: read by the executor for now
    ("Query", "suggest"),       // typeahead: two index ranges, read by the executor
    ("Query", "claimFacets"),   // grouped counts over a filtered list: one statement per facet
    ("Query", "studyFacets"),   // as `claimFacets`
    // Under a compiled root, what its statements do not read.
    ("Evidence", "claim"), // back up to the claim: not among an evidence row's
    ("Study", "evidence"), // the study's evidence on every claim
    // Reached only through the executor-only fields above.
    ("SearchConnection", "edges"),            // under `search` or `suggest`
    ("SearchConnection", "nodes"),            // under `search` or `suggest`
    ("SearchConnection", "pageInfo"),         // under `search` or `suggest`
    ("SearchConnection", "totalCount"),       // under `search` or `suggest`
    ("SearchConnection", "correctedQuery"),   // under `search` or `suggest`
    ("SearchConnection", "truncated"),        // under `search`
    ("SearchResultEdge", "cursor"),           // under `search` or `suggest`
    ("SearchResultEdge", "node"),             // under `search` or `suggest`
    ("SearchResult", "node"),                 // under `search` or `suggest`
    ("SearchResult", "type"),                 // under `search` or `suggest`
    ("SearchResult", "score"),                // under `search` or `suggest`
    ("SearchResult", "claim"),                // under `search` or `suggest`
    ("SearchResult", "highlights"),           // under `search` or `suggest`
    ("SearchHighlight", "field"),             // under `search` or `suggest`
    ("SearchHighlight", "text"),              // under `search` or `suggest`
    ("SearchHighlight", "html"),              // under `search` or `suggest`
    ("SearchHighlight", "matches"),           // under `search` or `suggest`
    ("TextRange", "start"),                   // under `search` or `suggest`
    ("TextRange", "end"),                     // under `search` or `suggest`
    ("Suggestion", "node"),                   // under `search` or `suggest`
    ("Suggestion", "highlight"),              // under `search` or `suggest`
    ("Contribution", "id"),                   // a contribution: only its author and moderators see it
    ("Contribution", "action"),               // as `Contribution.id`
    ("Contribution", "status"),               // as `Contribution.id`
    ("Contribution", "author"),               // as `Contribution.id`
    ("Contribution", "reviewer"),             // as `Contribution.id`
    ("Contribution", "reason"),               // as `Contribution.id`
    ("Contribution", "claim"),                // as `Contribution.id`
    ("Contribution", "subject"),              // as `Contribution.id`
    ("Contribution", "diff"),                 // as `Contribution.id`
    ("Contribution", "input"),                // as `Contribution.id`
    ("Contribution", "createdAt"),            // as `Contribution.id`
    ("Contribution", "reviewedAt"),           // as `Contribution.id`
    ("ContributionConnection", "edges"),      // under `contributions`
    ("ContributionConnection", "nodes"),      // under `contributions`
    ("ContributionConnection", "pageInfo"),   // under `contributions`
    ("ContributionConnection", "totalCount"), // under `contributions`
    ("ContributionEdge", "cursor"),           // under `contributions`
    ("ContributionEdge", "node"),             // under `contributions`
    ("Event", "subject"),                     // any node, read by the executor's look-up of its type
    ("Event", "claim"),                       // a history's claim is the page's; not among an event's rows
    ("Event", "contribution"),                // read and shown by the caller's visibility, by the executor
    ("Event", "diff"),                        // the before and after texts compared field by field
    ("FieldChange", "field"),                 // an event's or contribution's diff
    ("FieldChange", "before"),                // an event's or contribution's diff
    ("FieldChange", "after"),                 // an event's or contribution's diff
    ("RateLimit", "cost"),                    // under `rateLimit`
    ("RateLimit", "limit"),                   // under `rateLimit`
    ("RateLimit", "used"),                    // under `rateLimit`
    ("RateLimit", "remaining"),               // under `rateLimit`
    ("RateLimit", "resetAt"),                 // under `rateLimit`
    ("ClaimFacets", "design"),                // under `claimFacets`
    ("ClaimFacets", "stance"),                // under `claimFacets`
    ("ClaimFacets", "support"),               // under `claimFacets`
    ("ClaimFacets", "effectDirection"),       // under `claimFacets`
    ("StudyFacets", "design"),                // under `studyFacets`
    ("StudyFacets", "year"),                  // under `studyFacets`
    ("StudyDesignCount", "value"),            // under the facets
    ("StudyDesignCount", "count"),            // under the facets
    ("StanceCount", "value"),                 // under `claimFacets`
    ("StanceCount", "count"),                 // under `claimFacets`
    ("SupportCount", "value"),                // under `claimFacets`
    ("SupportCount", "count"),                // under `claimFacets`
    ("EffectDirectionCount", "value"),        // under `claimFacets`
    ("EffectDirectionCount", "count"),        // under `claimFacets`
    ("YearCount", "value"),                   // under `studyFacets`
    ("YearCount", "count"),                   // under `studyFacets`
    ("StudyConnection", "edges"),             // under `studies`
    ("StudyConnection", "nodes"),             // under `studies`
    ("StudyConnection", "pageInfo"),          // under `studies`
    ("StudyConnection", "totalCount"),        // under `studies`
    ("StudyEdge", "cursor"),                  // under `studies`
    ("StudyEdge", "node"),                    // under `studies`
];

// ---------------------------------------------------------------------------------------------
// The schema, as introspection describes it.
// ---------------------------------------------------------------------------------------------

const INTROSPECTION: &str = r#"
{ __schema {
    queryType { name }
    types { name kind
      possibleTypes { name } interfaces { name } enumValues(includeDeprecated: true) { name }
      fields(includeDeprecated: true) { name type { ...Ref } args { name defaultValue type { ...Ref } } }
      inputFields { name defaultValue type { ...Ref } } } } }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }"#;

/// A type as a field or argument names it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    fn of(value: &Value) -> TypeRef {
        match value["kind"].as_str() {
            Some("NON_NULL") => TypeRef::NonNull(Box::new(TypeRef::of(&value["ofType"]))),
            Some("LIST") => TypeRef::List(Box::new(TypeRef::of(&value["ofType"]))),
            _ => TypeRef::Named(
                value["name"]
                    .as_str()
                    .unwrap_or_else(|| panic!("a named type in {value}"))
                    .to_owned(),
            ),
        }
    }

    /// The named type under the lists and non-nulls.
    fn named(&self) -> &str {
        match self {
            TypeRef::Named(name) => name,
            TypeRef::List(inner) | TypeRef::NonNull(inner) => inner.named(),
        }
    }

    fn non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }

    /// As the SDL writes it, e.g. `[ID!]!`.
    fn sdl(&self) -> String {
        match self {
            TypeRef::Named(name) => name.clone(),
            TypeRef::List(inner) => format!("[{}]", inner.sdl()),
            TypeRef::NonNull(inner) => format!("{}!", inner.sdl()),
        }
    }
}

#[derive(Debug)]
struct ArgDef {
    name: String,
    ty: TypeRef,
    has_default: bool,
}

impl ArgDef {
    fn of(value: &Value) -> ArgDef {
        ArgDef {
            name: name_of(value),
            ty: TypeRef::of(&value["type"]),
            has_default: !value["defaultValue"].is_null(),
        }
    }

    /// Whether a document must give it.
    fn required(&self) -> bool {
        self.ty.non_null() && !self.has_default
    }
}

#[derive(Debug)]
struct FieldDef {
    name: String,
    args: Vec<ArgDef>,
    ty: TypeRef,
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Object,
    Interface,
    Union,
    Leaf,
    Enum,
    Input,
}

#[derive(Debug)]
struct TypeDef {
    kind: Kind,
    fields: Vec<FieldDef>,
    input_fields: Vec<ArgDef>,
    /// An interface's or union's object types.
    possible: Vec<String>,
    /// An object's interfaces.
    interfaces: Vec<String>,
    enum_values: Vec<String>,
}

/// The output and input types of the schema, by name.
#[derive(Debug)]
struct Model {
    query: String,
    types: BTreeMap<String, TypeDef>,
}

fn name_of(value: &Value) -> String {
    value["name"]
        .as_str()
        .unwrap_or_else(|| panic!("a name in {value}"))
        .to_owned()
}

fn names(value: &Value) -> Vec<String> {
    value.as_array().into_iter().flatten().map(name_of).collect()
}

/// A (type, field) pair, the unit the schema walk keeps its books in.
type Pair = (String, String);

impl Model {
    /// The schema `api::build_schema()` builds, introspected.
    async fn of_schema() -> Model {
        let response = api::build_schema().execute(INTROSPECTION).await;
        assert!(
            response.errors.is_empty(),
            "introspecting the schema: {:?}",
            response.errors
        );
        let data = serde_json::to_value(&response.data).expect("the introspection as JSON");
        let schema = &data["__schema"];
        let mut types = BTreeMap::new();
        for ty in schema["types"].as_array().expect("the schema's types") {
            let kind = match ty["kind"].as_str() {
                Some("OBJECT") => Kind::Object,
                Some("INTERFACE") => Kind::Interface,
                Some("UNION") => Kind::Union,
                Some("ENUM") => Kind::Enum,
                Some("INPUT_OBJECT") => Kind::Input,
                _ => Kind::Leaf,
            };
            let fields = ty["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|field| FieldDef {
                    name: name_of(field),
                    args: field["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(ArgDef::of)
                        .collect(),
                    ty: TypeRef::of(&field["type"]),
                })
                .collect();
            let input_fields = ty["inputFields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(ArgDef::of)
                .collect();
            types.insert(
                name_of(ty),
                TypeDef {
                    kind,
                    fields,
                    input_fields,
                    possible: names(&ty["possibleTypes"]),
                    interfaces: names(&ty["interfaces"]),
                    enum_values: names(&ty["enumValues"]),
                },
            );
        }
        Model {
            query: name_of(&schema["queryType"]),
            types,
        }
    }

    fn ty(&self, name: &str) -> &TypeDef {
        self.types
            .get(name)
            .unwrap_or_else(|| panic!("no type {name} in the schema"))
    }

    /// Whether a selection goes under a field of this type.
    fn composite(&self, name: &str) -> bool {
        matches!(self.ty(name).kind, Kind::Object | Kind::Interface | Kind::Union)
    }

    /// The object types a selection on `name` may meet, each with the inline fragment that selects
    /// on it (`None` on an object itself).
    fn objects(&self, name: &str) -> Vec<(String, Option<String>)> {
        let ty = self.ty(name);
        match ty.kind {
            Kind::Object => vec![(name.to_owned(), None)],
            _ => ty
                .possible
                .iter()
                .map(|object| (object.clone(), Some(format!("... on {object}"))))
                .collect(),
        }
    }

    /// Every (object type, field) reachable from `Query` through any field.
    fn reachable(&self) -> BTreeSet<Pair> {
        let mut found = BTreeSet::new();
        let mut seen = BTreeSet::from([self.query.clone()]);
        let mut queue = VecDeque::from([self.query.clone()]);
        while let Some(name) = queue.pop_front() {
            for (object, _) in self.objects(&name) {
                if seen.insert(object.clone()) {
                    queue.push_back(object.clone());
                }
                for field in &self.ty(&object).fields {
                    found.insert((object.clone(), field.name.clone()));
                    let next = field.ty.named();
                    if self.composite(next) && seen.insert(next.to_owned()) {
                        queue.push_back(next.to_owned());
                    }
                }
            }
        }
        found
    }

    /// A field with its required arguments, e.g. `claim(slug: "x")`.
    fn opener(&self, field: &FieldDef) -> String {
        let args: Vec<String> = field
            .args
            .iter()
            .filter(|arg| arg.required())
            .map(|arg| format!("{}: {}", arg.name, self.sample(&arg.name, &arg.ty)))
            .collect();
        if args.is_empty() {
            field.name.clone()
        } else {
            format!("{}({})", field.name, args.join(", "))
        }
    }

    /// The least selection of a field: its required arguments, and `{ __typename }` under it.
    fn minimal(&self, field: &FieldDef) -> String {
        let opener = self.opener(field);
        if self.composite(field.ty.named()) {
            format!("{opener} {{ __typename }}")
        } else {
            opener
        }
    }

    /// A literal of type `ty` for the argument `name`, for the schema walk: it only has to parse and
    /// look plausible (the walk never runs a document).
    fn sample(&self, name: &str, ty: &TypeRef) -> String {
        match ty {
            TypeRef::NonNull(inner) => self.sample(name, inner),
            TypeRef::List(inner) => format!("[{}]", self.sample(name, inner)),
            TypeRef::Named(type_name) => match type_name.as_str() {
                "String" if name == "value" || name == "doi" => "\"10.1/x\"".to_owned(),
                "String" => "\"x\"".to_owned(),
                "ID" => format!("\"{}\"", global_id("Claim", 1)),
                "Int" => "1".to_owned(),
                "Float" => "1.5".to_owned(),
                "Boolean" => "true".to_owned(),
                other => {
                    let ty = self.ty(other);
                    match ty.kind {
                        Kind::Enum => ty.enum_values.first().cloned().unwrap_or_default(),
                        Kind::Input => {
                            let fields: Vec<String> = ty
                                .input_fields
                                .iter()
                                .filter(|field| field.required())
                                .map(|field| {
                                    format!("{}: {}", field.name, self.sample(&field.name, &field.ty))
                                })
                                .collect();
                            format!("{{ {} }}", fields.join(", "))
                        }
                        _ => "\"x\"".to_owned(),
                    }
                }
            },
        }
    }

    /// The planned (type, field) pairs, grown from `Query` breadth-first (see the module comment).
    fn planned(&self) -> BTreeSet<Pair> {
        /// Each planned field's children are tried along at most this many of the paths that reach it
        /// (a field can plan under one parent and not under another), on paths at most this long.
        const PATHS_PER_FIELD: usize = 3;
        const LONGEST_PATH: usize = 16;
        struct Probe {
            path: Vec<String>,
            ty: String,
        }
        let mut planned = BTreeSet::new();
        let mut expanded: BTreeMap<Pair, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([Probe {
            path: Vec::new(),
            ty: self.query.clone(),
        }]);
        while let Some(probe) = queue.pop_front() {
            for (object, fragment) in self.objects(&probe.ty) {
                for field in &self.ty(&object).fields {
                    let selection = self.minimal(field);
                    let innermost = match &fragment {
                        Some(fragment) => format!("{fragment} {{ {selection} }}"),
                        None => selection,
                    };
                    if !plans(&nested(&probe.path, &innermost), None) {
                        continue;
                    }
                    let pair = (object.clone(), field.name.clone());
                    planned.insert(pair.clone());
                    let next = field.ty.named();
                    let times = expanded.entry(pair).or_default();
                    if self.composite(next) && *times < PATHS_PER_FIELD && probe.path.len() < LONGEST_PATH {
                        *times += 1;
                        let mut path = probe.path.clone();
                        path.extend(fragment.clone());
                        path.push(self.opener(field));
                        queue.push_back(Probe {
                            path,
                            ty: next.to_owned(),
                        });
                    }
                }
            }
        }
        planned
    }
}

/// The document `{ a { b { innermost } } }` for the path `[a, b]`.
fn nested(path: &[String], innermost: &str) -> String {
    let mut text = String::from("{ ");
    for segment in path {
        text.push_str(segment);
        text.push_str(" { ");
    }
    text.push_str(innermost);
    for _ in path {
        text.push_str(" }");
    }
    text.push_str(" }");
    text
}

/// A global ID as the API writes it: `<Type>:<row>`, URL-safe base64.
fn global_id(type_name: &str, row: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{row}"))
}

fn listing(pairs: &BTreeSet<Pair>) -> String {
    pairs
        .iter()
        .map(|(ty, field)| format!("  {ty}.{field}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A client can tell from the schema which fields a claim page is answered for without the executor
/// (and so at its speed), and the compiler can never stop answering a field silently: every field
/// reachable from `Query` is either planned by some path or named, with its reason, in
/// [`EXECUTOR_ONLY`], and that list names nothing that plans or no longer exists.
#[tokio::test]
async fn every_field_reachable_from_query_is_planned_or_executor_only() {
    let model = Model::of_schema().await;
    let reachable = model.reachable();
    let planned = model.planned();
    let mut listed = BTreeSet::new();
    let mut problems = Vec::new();
    for &(ty, field) in EXECUTOR_ONLY {
        let pair = (ty.to_owned(), field.to_owned());
        if !listed.insert(pair.clone()) {
            problems.push(format!("{ty}.{field} is listed twice in EXECUTOR_ONLY"));
        }
        if planned.contains(&pair) {
            problems.push(format!(
                "{ty}.{field} is planned now: take it out of EXECUTOR_ONLY"
            ));
        } else if !reachable.contains(&pair) {
            problems.push(format!(
                "{ty}.{field} is listed in EXECUTOR_ONLY but is no field reachable from {}",
                model.query
            ));
        }
    }
    for (ty, field) in &reachable {
        let pair = (ty.clone(), field.clone());
        if !planned.contains(&pair) && !listed.contains(&pair) {
            problems.push(format!(
                "{ty}.{field} is reachable from {} but neither planned nor listed in EXECUTOR_ONLY",
                model.query
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nthe planned fields:\n{}",
        problems.join("\n"),
        listing(&planned)
    );
    assert!(
        planned.iter().any(|(ty, _)| *ty == model.query),
        "no root field plans at all: the walk (or plans) is broken\n{}",
        listing(&planned)
    );
}

// ---------------------------------------------------------------------------------------------
// The differential test.
// ---------------------------------------------------------------------------------------------

/// Documents the differential test generates.
const DOCUMENTS: usize = 500;

/// The seed when `PLANS_SEED` gives none.
const DEFAULT_SEED: u64 = 0x00C1_A1A0_0015;

/// Fields nest at most this deep, the root field at depth 1.
const DEEPEST: usize = 6;

/// SplitMix64: a few lines, and the same sequence for a seed on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "a choice among nothing");
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) < p * (1u64 << 53) as f64
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}

/// Values the generated arguments draw on, most of them read from the database's answers.
struct Pools {
    slugs: Vec<String>,
    dois: Vec<String>,
    cursors: Vec<String>,
    ids: Vec<String>,
}

/// A generated request.
struct Case {
    /// The root field it starts from.
    root: &'static str,
    document: String,
    operation: Option<String>,
    variables: Value,
    /// Which of the callers sends it.
    caller: usize,
}

/// Writes documents from the schema model, one at a time.
struct Generator<'a> {
    model: &'a Model,
    planned: &'a BTreeSet<Pair>,
    pools: &'a Pools,
    rng: Rng,
    /// Where the walk is: the fields (with the schema walk's sample arguments) and inline fragments
    /// from the root to the selection being written.
    path: Vec<String>,
    /// Whether a field plans at the end of a path, by the schema walk's document for it.
    plans_at: HashMap<String, bool>,
    /// The document being written: its variable definitions and values, its fragments, the counter
    /// its aliases and names are numbered by, and the executor-only fields and directives it may
    /// still hold.
    definitions: Vec<String>,
    variables: Map<String, Value>,
    fragments: Vec<String>,
    counter: usize,
    executor_fields: usize,
    directives: usize,
}

impl<'a> Generator<'a> {
    fn new(model: &'a Model, planned: &'a BTreeSet<Pair>, pools: &'a Pools, seed: u64) -> Self {
        Generator {
            model,
            planned,
            pools,
            rng: Rng(seed),
            path: Vec::new(),
            plans_at: HashMap::new(),
            definitions: Vec::new(),
            variables: Map::new(),
            fragments: Vec::new(),
            counter: 0,
            executor_fields: 0,
            directives: 0,
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    /// A document from one of the roots `claim`, `claims` and `doi` (those the schema has).
    fn case(&mut self, callers: usize) -> Case {
        self.definitions.clear();
        self.variables = Map::new();
        self.fragments.clear();
        self.counter = 0;
        // About one document in five holds an executor-only field, one in twenty a directive.
        self.executor_fields = usize::from(self.rng.chance(0.2));
        self.directives = usize::from(self.rng.chance(0.05));
        let model = self.model;
        let query = model.ty(&model.query);
        let roots: Vec<(&FieldDef, usize)> = [("claim", 10), ("claims", 5), ("doi", 5)]
            .into_iter()
            .filter_map(|(name, weight)| {
                query
                    .fields
                    .iter()
                    .find(|field| field.name == name)
                    .map(|field| (field, weight))
            })
            .collect();
        assert!(
            !roots.is_empty(),
            "the schema has none of the roots claim, claims, doi"
        );
        let mut draw = self.rng.below(roots.iter().map(|(_, weight)| weight).sum());
        let root = roots
            .iter()
            .find(|(_, weight)| {
                let here = draw < *weight;
                draw = draw.saturating_sub(*weight);
                here
            })
            .map(|(field, _)| *field)
            .expect("a root by weight");
        let mut keys = HashSet::new();
        let mut items = self.field_items(&model.query, root, 1, DEEPEST, false, false, &mut keys);
        if self.rng.chance(0.05) {
            // A second root field (which no compiled page answers today).
            items.push(if self.rng.chance(0.5) {
                "__typename".to_owned()
            } else {
                let slug = json!(self.rng.pick(&self.pools.slugs));
                format!("other: claim(slug: {slug}) {{ id }}")
            });
        }
        let two_operations = self.rng.chance(0.08);
        let mut name = self.rng.chance(0.6).then(|| self.fresh("Page"));
        if two_operations && name.is_none() {
            name = Some("Main".to_owned());
        }
        let definitions = if self.definitions.is_empty() {
            String::new()
        } else {
            format!("({})", self.definitions.join(", "))
        };
        let header = match &name {
            None if definitions.is_empty() && self.rng.chance(0.5) => String::new(),
            None => format!("query{definitions} "),
            Some(name) => format!("query {name}{definitions} "),
        };
        let mut document = format!("{header}{{ {} }}", items.join(" "));
        for fragment in &self.fragments {
            document.push('\n');
            document.push_str(fragment);
        }
        if two_operations {
            document.push_str("\nquery Other { __typename }");
        }
        let operation = name.filter(|_| two_operations || self.rng.chance(0.5));
        let root = match root.name.as_str() {
            "claim" => "claim",
            "claims" => "claims",
            _ => "doi",
        };
        Case {
            root,
            document,
            operation,
            variables: Value::Object(self.variables.clone()),
            caller: self.rng.below(callers),
        }
    }

    /// The selection under a field of type `ty` at `depth`, its fields no deeper than `limit`;
    /// `free` under an executor-only field (any field will do there).
    fn selection(&mut self, ty: &str, depth: usize, limit: usize, free: bool) -> String {
        let model = self.model;
        let def = model.ty(ty);
        let mut keys = HashSet::new();
        let mut items = Vec::new();
        if def.kind == Kind::Object {
            self.object_items(ty, depth, limit, free, &mut keys, &mut items);
        } else {
            // An interface or a union: its own fields, and inline fragments on its object types.
            if def.kind == Kind::Union || self.rng.chance(0.5) {
                items.push("__typename".to_owned());
            }
            let leaves: Vec<&FieldDef> = def
                .fields
                .iter()
                .filter(|field| !model.composite(field.ty.named()))
                .collect();
            if !leaves.is_empty() && self.rng.chance(0.5) {
                let field = *self.rng.pick(&leaves);
                items.extend(self.field_items(ty, field, depth, limit, free, false, &mut keys));
            }
            for _ in 0..1 + self.rng.below(2) {
                let object = self.rng.pick(&def.possible).clone();
                let mut inner = Vec::new();
                self.path.push(format!("... on {object}"));
                self.object_items(&object, depth, limit, free, &mut keys, &mut inner);
                self.path.pop();
                items.push(format!("... on {object} {{ {} }}", inner.join(" ")));
            }
        }
        if self.rng.chance(0.25) {
            let typename = if self.rng.chance(0.5) {
                "__typename".to_owned()
            } else {
                format!("{}: __typename", self.fresh("t"))
            };
            let item = self.wrap(ty, None, typename);
            let at = self.rng.below(items.len() + 1);
            items.insert(at, item);
        }
        items.join(" ")
    }

    /// Up to four fields of the object type `ty`, from its planned fields unless `free` (or it
    /// has none), or one executor-only field while the document may still take one.
    fn object_items(
        &mut self,
        ty: &str,
        depth: usize,
        limit: usize,
        free: bool,
        keys: &mut HashSet<String>,
        items: &mut Vec<String>,
    ) {
        let model = self.model;
        let fields: Vec<&FieldDef> = model
            .ty(ty)
            .fields
            .iter()
            .filter(|field| depth < limit || !model.composite(field.ty.named()))
            .collect();
        if fields.is_empty() {
            items.push("__typename".to_owned());
            return;
        }
        // Planned here: planned by the schema walk, and along this very path (`Study.doi` plans
        // under a citation, not under the synthesis).
        let (planned, other): (Vec<&FieldDef>, Vec<&FieldDef>) = fields.iter().partition(|field| {
            !free && self.planned.contains(&(ty.to_owned(), field.name.clone())) && self.plans_here(field)
        });
        let mut chosen = HashSet::new();
        for _ in 0..1 + self.rng.below(4) {
            let executor_only =
                !free && self.executor_fields > 0 && !other.is_empty() && self.rng.chance(0.3);
            let field = if executor_only {
                self.executor_fields -= 1;
                self.pick_field(&other)
            } else if free || planned.is_empty() {
                self.pick_field(&fields)
            } else {
                self.pick_field(&planned)
            };
            let composite = model.composite(field.ty.named());
            // An object field asked again under its own name is merged with the first (legal).
            let again = !chosen.insert(field.name.as_str());
            let merge = again && composite && field.args.is_empty() && self.rng.chance(0.05);
            if again && composite && !merge {
                continue;
            }
            let (free, limit) = if executor_only {
                (true, limit.min(depth + 2))
            } else {
                (free, limit)
            };
            items.extend(self.field_items(ty, field, depth, limit, free, merge, keys));
        }
    }

    /// Whether the schema walk's least selection of `field` plans at the end of the current path.
    fn plans_here(&mut self, field: &FieldDef) -> bool {
        let document = nested(&self.path, &self.model.minimal(field));
        *self
            .plans_at
            .entry(document)
            .or_insert_with_key(|document| plans(document, None))
    }

    /// One of `fields`, an object field half the time when there is one (so that documents reach
    /// deep into the page).
    fn pick_field<'f>(&mut self, fields: &[&'f FieldDef]) -> &'f FieldDef {
        let model = self.model;
        let objects: Vec<&FieldDef> = fields
            .iter()
            .copied()
            .filter(|field| model.composite(field.ty.named()))
            .collect();
        if !objects.is_empty() && self.rng.chance(0.5) {
            objects[self.rng.below(objects.len())]
        } else {
            fields[self.rng.below(fields.len())]
        }
    }

    /// A field of `parent` at `depth`, with an alias or not (always its name when `merge`), its
    /// arguments and its selection, wrapped in a fragment or not; sometimes a leaf twice under one
    /// key.
    #[expect(clippy::too_many_arguments, reason = "the walk's state, passed down")]
    fn field_items(
        &mut self,
        parent: &str,
        field: &FieldDef,
        depth: usize,
        limit: usize,
        free: bool,
        merge: bool,
        keys: &mut HashSet<String>,
    ) -> Vec<String> {
        let alias = (!merge && (keys.contains(&field.name) || self.rng.chance(0.25))).then(|| {
            // Now and then the name of another of the type's fields, not yet a key here.
            let model = self.model;
            let others: Vec<&String> = model
                .ty(parent)
                .fields
                .iter()
                .map(|other| &other.name)
                .filter(|name| !keys.contains(*name))
                .collect();
            if !others.is_empty() && self.rng.chance(0.2) {
                self.rng.pick(&others).to_string()
            } else {
                self.fresh("a")
            }
        });
        keys.insert(alias.clone().unwrap_or_else(|| field.name.clone()));
        let arguments = self.arguments(field);
        let directive = self.directive();
        let mut text = match &alias {
            Some(alias) => format!("{alias}: {}{arguments}{directive}", field.name),
            None => format!("{}{arguments}{directive}", field.name),
        };
        let named = field.ty.named();
        let composite = self.model.composite(named);
        if composite {
            self.path.push(self.model.opener(field));
            let selection = self.selection(named, depth + 1, limit, free);
            self.path.pop();
            let _ = write!(text, " {{ {selection} }}");
        }
        let twice = !composite && arguments.is_empty() && directive.is_empty() && self.rng.chance(0.08);
        let mut items = vec![self.wrap(parent, Some(&field.name), text.clone())];
        if twice {
            // The same leaf under the same key: legal, and answered once.
            items.push(self.wrap(parent, Some(&field.name), text));
        }
        items
    }

    /// `item` as it is, or in an inline fragment (on its type, on an interface that has the field,
    /// or without a type), or in a named fragment spread in its place.
    fn wrap(&mut self, ty: &str, field: Option<&str>, item: String) -> String {
        let model = self.model;
        let interfaces: Vec<&String> = model
            .ty(ty)
            .interfaces
            .iter()
            .filter(|interface| {
                field.is_none_or(|name| model.ty(interface).fields.iter().any(|f| f.name == name))
            })
            .collect();
        match self.rng.below(100) {
            0..70 => item,
            70..78 => format!("... on {ty} {{ {item} }}"),
            78..85 => format!("... {{ {item} }}"),
            85..92 => self.fragment(ty, &item),
            _ if interfaces.is_empty() => item,
            n => {
                let on = self.rng.pick(&interfaces).to_string();
                if n < 96 {
                    format!("... on {on} {{ {item} }}")
                } else {
                    self.fragment(&on, &item)
                }
            }
        }
    }

    fn fragment(&mut self, on: &str, item: &str) -> String {
        let name = self.fresh("F");
        self.fragments
            .push(format!("fragment {name} on {on} {{ {item} }}"));
        format!("...{name}")
    }

    /// A field's arguments: the required ones and about a third of the others, each a literal or a
    /// variable.
    fn arguments(&mut self, field: &FieldDef) -> String {
        let mut given = Vec::new();
        for arg in &field.args {
            if !arg.required() && !self.rng.chance(0.35) {
                continue;
            }
            let (literal, value) = self.value(&arg.name, &arg.ty);
            let written = self.literal_or_variable(arg, literal, value);
            given.push(format!("{}: {written}", arg.name));
        }
        if given.is_empty() {
            String::new()
        } else {
            format!("({})", given.join(", "))
        }
    }

    /// A value for the argument `name` of type `ty`, as a literal and as JSON: page sizes good and
    /// bad, cursors read before and made up, slugs and DOIs that exist and do not.
    fn value(&mut self, name: &str, ty: &TypeRef) -> (String, Value) {
        match ty {
            TypeRef::NonNull(inner) => self.value(name, inner),
            TypeRef::List(inner) => {
                let (literal, value) = self.value(name, inner);
                (format!("[{literal}]"), json!([value]))
            }
            TypeRef::Named(type_name) => match type_name.as_str() {
                "Int" => {
                    let n: i64 = match name {
                        "first" | "last" if self.rng.chance(0.15) => *self.rng.pick(&[-1, 101, 1000]),
                        "first" | "last" => *self.rng.pick(&[0, 1, 2, 3, 5, 20, 100]),
                        _ => *self.rng.pick(&[0, 1, 2, 3]),
                    };
                    (n.to_string(), json!(n))
                }
                "Float" => ("1.5".to_owned(), json!(1.5)),
                "Boolean" => {
                    let b = self.rng.chance(0.5);
                    (b.to_string(), json!(b))
                }
                "String" | "ID" => {
                    let pools = self.pools;
                    let text = match name {
                        "slug" => self.rng.pick(&pools.slugs).clone(),
                        "value" | "doi" => self.rng.pick(&pools.dois).clone(),
                        "after" | "before" if self.rng.chance(0.75) => self.rng.pick(&pools.cursors).clone(),
                        "after" | "before" => (*self.rng.pick(&["zzz", "", "Y3Vyc29yOjk5OTk5"])).to_owned(),
                        _ if type_name == "ID" => self.rng.pick(&pools.ids).clone(),
                        _ => "x".to_owned(),
                    };
                    (json!(text).to_string(), json!(text))
                }
                other => {
                    let model = self.model;
                    let ty = model.ty(other);
                    match ty.kind {
                        Kind::Enum => {
                            let value = self.rng.pick(&ty.enum_values).clone();
                            (value.clone(), json!(value))
                        }
                        Kind::Input => {
                            let mut literal = Vec::new();
                            let mut value = Map::new();
                            for field in ty.input_fields.iter().filter(|field| field.required()) {
                                let (l, v) = self.value(&field.name, &field.ty);
                                literal.push(format!("{}: {l}", field.name));
                                value.insert(field.name.clone(), v);
                            }
                            (format!("{{ {} }}", literal.join(", ")), Value::Object(value))
                        }
                        _ => ("\"x\"".to_owned(), json!("x")),
                    }
                }
            },
        }
    }

    /// The argument `arg` written as `literal`, or about a third of the time as a variable (declared
    /// as the argument's type or stricter, sometimes with `literal` as its default), sent as `value`
    /// or another value, or null, or not at all where that is allowed.
    fn literal_or_variable(&mut self, arg: &ArgDef, literal: String, value: Value) -> String {
        if !self.rng.chance(0.35) {
            return literal;
        }
        let name = self.fresh("v");
        let mut ty = arg.ty.sdl();
        if !arg.ty.non_null() && self.rng.chance(0.25) {
            ty.push('!');
        }
        let strict = ty.ends_with('!');
        let mut definition = format!("${name}: {ty}");
        let sent = if self.rng.chance(0.2) {
            let _ = write!(definition, " = {literal}");
            // The default stands in for an absent value; a value sent overrides it.
            self.rng.chance(0.3).then(|| self.value(&arg.name, &arg.ty).1)
        } else if strict {
            // Now and then a required variable not sent: the request is refused before it runs.
            (!self.rng.chance(0.03)).then_some(value)
        } else {
            match self.rng.below(10) {
                0 => None,
                1 => Some(Value::Null),
                _ => Some(value),
            }
        };
        if let Some(sent) = sent {
            self.variables.insert(name.clone(), sent);
        }
        self.definitions.push(definition);
        format!("${name}")
    }

    /// Now and then a directive on a field (the compiled pages take none).
    fn directive(&mut self) -> String {
        if self.directives == 0 || !self.rng.chance(0.3) {
            return String::new();
        }
        self.directives -= 1;
        if self.rng.chance(0.5) {
            return " @include(if: true)".to_owned();
        }
        let name = self.fresh("b");
        self.definitions.push(format!("${name}: Boolean!"));
        let skip = self.rng.chance(0.5);
        self.variables.insert(name.clone(), json!(skip));
        format!(" @skip(if: ${name})")
    }
}

/// Every string under `key` anywhere in `value`.
fn strings_under(value: &Value, key: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(text) if k == key => found.push(text.clone()),
                    _ => strings_under(v, key, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| strings_under(item, key, found)),
        _ => {}
    }
}

/// Slugs, DOIs, cursors and IDs, read from the executor's answers where they can be.
async fn pools(app: &TestApp) -> Pools {
    const READ: &str = r#"query Pools($slug: String!) {
      claim(slug: $slug) { id
        mechanisms { id steps { id citations { id value study { id } } } }
        evidence { edges { cursor node { id study { id doi { value } } } } } }
      claims(first: 5) { edges { cursor } }
    }"#;
    let mut slugs = vec![
        SEED_SLUG.to_owned(),
        "no-such-claim".to_owned(),
        "  claim-003 ".to_owned(),
    ];
    slugs.extend((1..=12).map(|n| format!("claim-{n:03}")));
    let mut dois: Vec<String> = (1..=12).map(|n| format!("10.5555/gen.{n}")).collect();
    dois.extend(["10.9999/no-such-doi".to_owned(), " 10.5555/GEN.3 ".to_owned()]);
    let mut cursors = Vec::new();
    let mut ids = vec![global_id("Claim", 999_999)];
    for slug in [SEED_SLUG, "claim-001", "claim-007"] {
        let data = app.data(READ, json!({ "slug": slug })).await;
        strings_under(&data, "value", &mut dois);
        strings_under(&data, "cursor", &mut cursors);
        strings_under(&data, "id", &mut ids);
    }
    for list in [&mut dois, &mut cursors, &mut ids] {
        list.sort();
        list.dedup();
    }
    assert!(
        cursors.len() >= 4 && ids.len() >= 10 && dois.len() > 14,
        "the pools read too little: {cursors:?} {ids:?} {dois:?}"
    );
    Pools {
        slugs,
        dois,
        cursors,
        ids,
    }
}

/// What the test compares of an answer.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: String,
}

async fn send(app: &TestApp, case: &Case, token: Option<&str>) -> Answer {
    let mut body = json!({ "query": case.document, "variables": case.variables });
    if let Some(operation) = &case.operation {
        body["operationName"] = json!(operation);
    }
    let authorization = token.map(|token| format!("Bearer {token}"));
    let headers: Vec<(&str, &str)> = authorization
        .iter()
        .map(|value| ("authorization", value.as_str()))
        .collect();
    let response: TestResponse = app.post_json(&body, &headers).await;
    Answer {
        status: response.status.as_u16(),
        content_type: response.header("content-type").map(str::to_owned),
        body: response.text(),
    }
}

/// How an answer compares with the executor's.
enum Compared {
    Same,
    /// Two executions (neither answer compiled): the same status and `data`, byte for byte, and
    /// the same errors in another order. The executor lists field errors as its resolvers finish
    /// (a list's items run concurrently), which may differ from one run to the next.
    ErrorsReordered,
    Different,
}

/// `answer` against the executor's `expected`; a compiled answer must be the same bytes.
fn compare(answer: &Answer, expected: &Answer, compiled: bool) -> Compared {
    if answer == expected {
        return Compared::Same;
    }
    if compiled {
        return Compared::Different;
    }
    /// The body before its errors, and its errors sorted; `None` without errors.
    fn split(body: &str) -> Option<(&str, Vec<String>)> {
        let at = body.find(",\"errors\":[")?;
        let list = body[at + ",\"errors\":".len()..].strip_suffix('}')?;
        let errors: Vec<Value> = serde_json::from_str(list).ok()?;
        let mut errors: Vec<String> = errors.iter().map(Value::to_string).collect();
        errors.sort();
        Some((&body[..at], errors))
    }
    let same_but_order = answer.status == expected.status
        && answer.content_type == expected.content_type
        && split(&answer.body).is_some_and(|split_answer| Some(split_answer) == split(&expected.body));
    if same_but_order {
        Compared::ErrorsReordered
    } else {
        Compared::Different
    }
}

/// A mismatch, in full: the request, both answers, and where their bodies part.
fn describe(
    index: usize,
    case: &Case,
    caller: &str,
    which: &str,
    compiled: &Answer,
    executor: &Answer,
) -> String {
    let at = compiled
        .body
        .bytes()
        .zip(executor.body.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(compiled.body.len().min(executor.body.len()));
    format!(
        "document #{index} ({caller}, {which} request on compiled pages), operation {:?}, variables {}:\n{}\n\
         bodies part at byte {at}\n compiled pages on ({} {:?}): {}\n compiled pages off ({} {:?}): {}",
        case.operation,
        case.variables,
        case.document,
        compiled.status,
        compiled.content_type,
        compiled.body,
        executor.status,
        executor.content_type,
        executor.body,
    )
}

/// A client gets the same answer, to the byte, whichever path serves its query: the compiled
/// claim page, the executor on a document it validated before, or the executor on a new one. Held
/// on a few hundred generated documents (most of them compiled, some not), anonymous and signed in.
#[tokio::test]
async fn generated_selections_answer_the_same_bytes_on_both_paths() {
    let started = Instant::now();
    let seed = match std::env::var("PLANS_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("PLANS_SEED={text:?} is not a number")),
        Err(_) => DEFAULT_SEED,
    };
    let model = Model::of_schema().await;
    let planned = model.planned();
    let app = TestApp::seeded().await;
    app.load_generated(12).await;
    let executor = app.with_compiled_queries(false);
    let pools = pools(&executor).await;
    let callers = [
        ("anonymous", None),
        (
            "a contributor",
            Some(executor.token("casey", Role::Contributor).await),
        ),
        (
            "a moderator",
            Some(executor.token("morgan", Role::Moderator).await),
        ),
    ];
    let mut generator = Generator::new(&model, &planned, &pools, seed);
    let cases: Vec<Case> = (0..DOCUMENTS).map(|_| generator.case(callers.len())).collect();

    let mut expected = Vec::with_capacity(cases.len());
    for case in &cases {
        expected.push(send(&executor, case, callers[case.caller].1.as_deref()).await);
    }
    assert_eq!(executor.compiled_answers().await, 0, "compiled pages are off");

    let app = executor.with_compiled_queries(true);
    let mut mismatches = Vec::new();
    let mut compiled_unplanned = Vec::new();
    let mut compiled = 0;
    let mut compiled_by_shape: BTreeMap<&str, usize> = BTreeMap::new();
    let mut reordered = 0;
    let mut count = app.compiled_answers().await;
    for (index, (case, expected)) in cases.iter().zip(&expected).enumerate() {
        let (caller, token) = &callers[case.caller];
        // The first request of a text validates it (or finds an earlier document of the same
        // text); the second may be compiled.
        let validating = send(&app, case, token.as_deref()).await;
        let between = app.compiled_answers().await;
        let repeated = send(&app, case, token.as_deref()).await;
        let after = app.compiled_answers().await;
        if after > between {
            compiled += 1;
            *compiled_by_shape.entry(case.root).or_insert(0) += 1;
            if case.document.contains("history") {
                *compiled_by_shape.entry("history").or_insert(0) += 1;
            }
        }
        if after > count && !plans(&case.document, case.operation.as_deref()) {
            compiled_unplanned.push(format!("#{index}: {}", case.document));
        }
        let answers = [
            ("first", &validating, between > count),
            ("second", &repeated, after > between),
        ];
        count = after;
        for (which, answer, was_compiled) in answers {
            match compare(answer, expected, was_compiled) {
                Compared::Same => {}
                Compared::ErrorsReordered => reordered += 1,
                Compared::Different => {
                    mismatches.push(describe(index, case, caller, which, answer, expected))
                }
            }
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "plans: seed {seed}, {DOCUMENTS} documents, {compiled} compiled ({compiled_by_shape:?}), \
         {reordered} executed answers with their errors in another order, {:.1} s",
        elapsed.as_secs_f64()
    );
    assert!(
        mismatches.is_empty(),
        "seed {seed} (PLANS_SEED): {} answers differ between the paths; the first:\n\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert!(
        compiled_unplanned.is_empty(),
        "seed {seed}: compiled, though plans() says the executor answers:\n{}",
        compiled_unplanned.join("\n")
    );
    assert!(
        compiled * 10 >= DOCUMENTS * 4,
        "seed {seed}: only {compiled} of {DOCUMENTS} documents were answered by a compiled page"
    );
    for shape in ["claim", "claims", "doi", "history"] {
        let answered = compiled_by_shape.get(shape).copied().unwrap_or(0);
        assert!(
            answered >= 10,
            "seed {seed}: only {answered} compiled documents reach {shape}: {compiled_by_shape:?}"
        );
    }
    assert!(
        DOCUMENTS - compiled >= DOCUMENTS / 20,
        "seed {seed}: {compiled} of {DOCUMENTS} documents were compiled; too few left to the executor"
    );
    assert!(
        expected.iter().any(|answer| answer.body.contains("\"errors\"")),
        "seed {seed}: no generated document was answered with an error"
    );
}
