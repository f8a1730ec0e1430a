//! Parsed documents, kept by their exact text, and what validation found of them.
//!
//! Clients send the same few documents again and again (a front end's pages, an integration's
//! queries, persisted queries). Parsing a claim page query takes about 150 µs; copying its parse
//! takes about 2 µs. So the handler looks a request's text up here first and hands async-graphql a
//! copy of the parse. Only documents that went on to run are kept (not ones that failed to parse,
//! validate or fit the limits). The key is the whole text, so two texts never share a parse.
//!
//! Validation is kept too. What the limits and validation decide depends on the text, the
//! operation chosen, and the variables: their values must fit their types, and those given to
//! `first` or `last` change the complexity (the only arguments the complexity functions read, see
//! [`super::limits::page_cost`]). So a request is [`Preparation::Validated`] when an earlier
//! request of the same text and operation passed, with the same values for its pricing variables,
//! and its own variables are plainly of their declared built-in scalar types (anything else, an
//! enum or an input object say, is validated in full every time). Such a request runs on the
//! schema without validation rules or extensions (see [`super::build_prevalidated_schema`]),
//! charged the complexity found before: validation and the per-field extension hooks were a
//! fifth of a claim page's CPU.
//!
//! A validation that passed also keeps its operation compiled, when it is a query that
//! [`super::compiled::CompiledQuery`] answers without the executor, marked private when its answer
//! selects anything about the caller; a request on that validation is [`Preparation::Validated`]
//! with it. A request run on a kept validation keeps its cache hints:
//! the schema without validation rules still computes them (`ValidationMode::Fast`).
//!
//! A parse takes about 40 times its text in memory; the cache is bounded by an estimate from that
//! ([`MAX_ESTIMATED_BYTES`]) and by [`MAX_DOCUMENTS`], least recently used out first, and each
//! document keeps at most [`MAX_VALIDATIONS_PER_DOCUMENT`] validations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Request, Value as ConstValue, Variables};
use async_graphql_value::Value;
use lru::LruCache;

use super::compiled::CompiledQuery;
use super::operation::chosen_operation;

/// Documents kept at most.
pub const MAX_DOCUMENTS: usize = 256;

/// Estimated memory of the kept parses at most (about 800 claim page queries).
pub const MAX_ESTIMATED_BYTES: usize = 16 * 1024 * 1024;

/// Validations kept per document (operations times values of its pricing variables); past it, the
/// oldest is forgotten.
pub const MAX_VALIDATIONS_PER_DOCUMENT: usize = 16;

/// Bytes a parse takes per byte of its text, measured on the claim page query (about 19 KB for 536
/// bytes of text) and on a document of 200 aliased claim selections (about 630 KB for 15 KB).
const PARSE_BYTES_PER_TEXT_BYTE: usize = 48;

/// The arguments a complexity function reads: a variable in one of them prices the document.
const PRICING_ARGUMENTS: [&str; 2] = ["first", "last"];

/// The cache; one per app, shared by its requests.
pub struct DocumentCache {
    /// The query length limit: a longer text is left for the limits to refuse, never parsed here.
    max_text_bytes: usize,
    /// Whether validated queries are compiled (`--compiled-pages`).
    compile_pages: bool,
    cache: Mutex<Cache>,
    /// Requests that ran on a validation found before.
    validations_reused: AtomicU64,
}

struct Cache {
    documents: LruCache<Arc<str>, Kept>,
    estimated_bytes: usize,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            documents: LruCache::unbounded(),
            estimated_bytes: 0,
        }
    }
}

/// One kept text.
struct Kept {
    document: Arc<ExecutableDocument>,
    /// The variables in `first` or `last` arguments, in any operation or fragment.
    pricing: Arc<[Name]>,
    /// The validations that passed, oldest first.
    validated: Vec<Passed>,
}

/// A validation that passed: the complexity it was priced at, and its operation compiled when it
/// is a query [`CompiledQuery`] answers (marked private when its answer is the caller's alone).
struct Passed {
    validation: Validation,
    complexity: usize,
    compiled: Option<Arc<CompiledQuery>>,
}

/// What a validation of a kept text depends on besides the text: the operation and the values of
/// the pricing variables.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Validation {
    operation: Option<String>,
    /// The pricing variables' values, as JSON, in the order of `Kept::pricing`.
    pricing: Vec<String>,
}

/// A request whose validation may be kept once it has run: what to keep it under.
pub struct ValidationKey {
    text: Arc<str>,
    validation: Validation,
}

/// What validation found of a request that passed the limits and every validation rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The complexity it was priced at.
    pub complexity: usize,
    /// Whether its answer may be public: it selects nothing marked `cache_control(private)` (the
    /// caller's rate limit, themself, contributions, events, users). A compiled operation
    /// carries it, since a compiled answer is written without the executor's cache hints.
    pub public: bool,
}

/// Filled in during validation (by `graphql::rate_limit::ChargeRateLimit`) with the verdict on a
/// request that passed the limits and every validation rule.
#[derive(Debug, Default)]
pub struct ValidationRecord(OnceLock<Verdict>);

impl ValidationRecord {
    /// Records that the request passed, and what validation found.
    pub fn passed(&self, verdict: Verdict) {
        let _ = self.0.set(verdict);
    }

    /// The verdict, when the request passed.
    pub fn verdict(&self) -> Option<Verdict> {
        self.0.get().copied()
    }
}

/// A document parsed for this request, to keep once the request has run.
pub struct FreshDocument {
    text: Arc<str>,
    document: ExecutableDocument,
    pricing: Arc<[Name]>,
}

/// What [`DocumentCache::prepare`] did for a request.
pub enum Preparation {
    /// The request holds a copy of a kept parse, and repeats a request that passed the limits and
    /// validation at `complexity`: it may run without validating again, and, when `compiled` is
    /// given, without the executor.
    Validated {
        complexity: usize,
        compiled: Option<Arc<CompiledQuery>>,
    },
    /// The request holds a copy of a kept parse, to validate; `key` is where its validation may be
    /// kept (`None` when its variables are not plain enough to reuse one).
    Reused { key: Option<ValidationKey> },
    /// The request holds a parse of its own, to keep if it runs (`None` when it is too large to
    /// keep), with its validation.
    Parsed {
        fresh: Option<FreshDocument>,
        key: Option<ValidationKey>,
    },
    /// The text is over the length limit or does not parse: nothing parsed it, and only the limits
    /// or execution should (they refuse it).
    Unparsed,
}

impl Preparation {
    /// Whether the request holds its parsed document, so reading it costs nothing more.
    pub fn is_parsed(&self) -> bool {
        !matches!(self, Preparation::Unparsed)
    }

    /// Whether the request's validation, once it has run, may be kept.
    pub fn keeps_validation(&self) -> bool {
        matches!(
            self,
            Preparation::Reused { key: Some(_) } | Preparation::Parsed { key: Some(_), .. }
        )
    }
}

fn estimate(text: &str) -> usize {
    text.len().saturating_mul(PARSE_BYTES_PER_TEXT_BYTE)
}

impl DocumentCache {
    /// An empty cache that parses texts of at most `max_text_bytes` (the query length limit) and,
    /// when `compile_pages`, compiles the claim page queries that pass validation.
    pub fn new(max_text_bytes: usize, compile_pages: bool) -> Self {
        DocumentCache {
            max_text_bytes,
            compile_pages,
            cache: Mutex::default(),
            validations_reused: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Every change keeps the estimate in step with the entries, so a poisoned lock is usable.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives `request` its parsed document: a copy of the kept parse when there is one, else a
    /// parse of its own, which comes back to be [kept](Self::keep) if the request runs; and says
    /// whether a validation found before applies to it. A text over the length limit is not parsed
    /// here: the limits refuse it without parsing.
    pub fn prepare(&self, request: &mut Request) -> Preparation {
        if request.query.len() > self.max_text_bytes {
            return Preparation::Unparsed;
        }
        let kept = {
            let mut cache = self.lock();
            cache
                .documents
                .get_key_value(request.query.as_str())
                .map(|(text, kept)| {
                    let key = validation_of(&kept.document, &kept.pricing, request).map(|validation| {
                        ValidationKey {
                            text: text.clone(),
                            validation,
                        }
                    });
                    let passed = key.as_ref().and_then(|key| {
                        kept.validated
                            .iter()
                            .find(|passed| passed.validation == key.validation)
                            .map(|passed| (passed.complexity, passed.compiled.clone()))
                    });
                    (kept.document.clone(), key, passed)
                })
        };
        if let Some((document, key, passed)) = kept {
            request.set_parsed_query(ExecutableDocument::clone(&document));
            if let Some((complexity, compiled)) = passed {
                self.validations_reused.fetch_add(1, Ordering::Relaxed);
                return Preparation::Validated { complexity, compiled };
            }
            return Preparation::Reused { key };
        }
        let text: Option<Arc<str>> =
            (estimate(&request.query) <= MAX_ESTIMATED_BYTES).then(|| Arc::from(request.query.as_str()));
        let Ok(document) = request.parsed_query() else {
            return Preparation::Unparsed;
        };
        let Some(text) = text else {
            return Preparation::Parsed {
                fresh: None,
                key: None,
            };
        };
        let document = document.clone();
        let pricing = pricing_variables(&document);
        let key = validation_of(&document, &pricing, request).map(|validation| ValidationKey {
            text: text.clone(),
            validation,
        });
        Preparation::Parsed {
            fresh: Some(FreshDocument {
                text,
                document,
                pricing,
            }),
            key,
        }
    }

    /// Keeps a document that has run, with the verdict its request passed validation with when
    /// that may be kept, dropping the least recently used to stay within bounds.
    pub fn keep(&self, fresh: FreshDocument, validated: Option<(ValidationKey, Verdict)>) {
        let added = estimate(&fresh.text);
        let mut cache = self.lock();
        let kept = Kept {
            document: Arc::new(fresh.document),
            pricing: fresh.pricing,
            validated: Vec::new(),
        };
        if let Some(previous) = cache.documents.put(fresh.text.clone(), kept) {
            // Two requests raced to parse the same text: the estimate counts it once.
            drop(previous);
            cache.estimated_bytes -= added;
        }
        cache.estimated_bytes += added;
        if let Some((key, verdict)) = validated {
            remember(&mut cache, key, verdict, self.compile_pages);
        }
        while cache.estimated_bytes > MAX_ESTIMATED_BYTES || cache.documents.len() > MAX_DOCUMENTS {
            match cache.documents.pop_lru() {
                Some((text, _)) => cache.estimated_bytes -= estimate(&text),
                None => break,
            }
        }
    }

    /// Keeps the validation of a request that ran on a kept document, unless the document has
    /// left the cache since.
    pub fn keep_validation(&self, key: ValidationKey, verdict: Verdict) {
        remember(&mut self.lock(), key, verdict, self.compile_pages);
    }

    /// Documents kept.
    pub fn len(&self) -> usize {
        self.lock().documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Requests that ran on a validation found before, since the server started.
    pub fn validations_reused(&self) -> u64 {
        self.validations_reused.load(Ordering::Relaxed)
    }
}

fn remember(cache: &mut Cache, key: ValidationKey, verdict: Verdict, compile_pages: bool) {
    let Some(kept) = cache.documents.peek_mut(&key.text) else {
        return;
    };
    if kept
        .validated
        .iter()
        .any(|passed| passed.validation == key.validation)
    {
        return;
    }
    if kept.validated.len() >= MAX_VALIDATIONS_PER_DOCUMENT {
        kept.validated.remove(0);
    }
    // Compiled once per operation: the page depends on the text and the operation, not on the
    // values that priced it, and a text priced many ways keeps one compiled page. Whether the
    // answer may be public depends on the same two (on the fields selected, whatever `@skip` says).
    let same_operation = kept
        .validated
        .iter()
        .find(|passed| passed.validation.operation == key.validation.operation);
    let compiled = match same_operation {
        Some(passed) => passed.compiled.clone(),
        None => compile_pages
            .then(|| CompiledQuery::compile(&kept.document, key.validation.operation.as_deref()))
            .flatten()
            .map(|compiled| Arc::new(compiled.public(verdict.public))),
    };
    kept.validated.push(Passed {
        validation: key.validation,
        complexity: verdict.complexity,
        compiled,
    });
}

/// What a validation of `request` depends on besides its text, or `None` when its variables are
/// not all plainly of their declared types (then it is validated in full).
fn validation_of(document: &ExecutableDocument, pricing: &[Name], request: &Request) -> Option<Validation> {
    let operation = chosen_operation(document, request.operation_name.as_deref())?;
    if !plain_variables(operation, &request.variables) {
        return None;
    }
    let pricing = pricing
        .iter()
        .map(|name| match request.variables.get(name) {
            Some(value) => value.to_string(),
            None => String::new(),
        })
        .collect();
    Some(Validation {
        operation: request.operation_name.clone(),
        pricing,
    })
}

/// The first variable `request`'s operation requires (non-null, without a default) that it does not
/// send, as `$name` and its type. async-graphql's validation lets such a request through to fail in
/// the resolvers; GraphQL's rules make it a request error.
pub fn missing_variable(request: &mut Request) -> Option<(String, String)> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let operation = chosen_operation(document, operation_name.as_deref())?;
    let required: Vec<(Name, String)> = operation
        .variable_definitions
        .iter()
        .map(|definition| &definition.node)
        .filter(|definition| !definition.var_type.node.nullable && definition.default_value.is_none())
        .map(|definition| (definition.name.node.clone(), definition.var_type.node.to_string()))
        .collect();
    required
        .into_iter()
        .find(|(name, _)| !request.variables.contains_key(name))
        .map(|(name, ty)| (format!("${name}"), ty))
}

/// Whether every variable sent is declared by `operation`, and every declared one is a built-in
/// scalar (not a list) whose value is plainly of its type, or absent where that is allowed. What
/// this refuses is not wrong, only left to full validation, which says exactly what is wrong.
fn plain_variables(operation: &OperationDefinition, variables: &Variables) -> bool {
    let definitions = &operation.variable_definitions;
    let declared = |name: &Name| definitions.iter().any(|d| d.node.name.node == *name);
    if !variables.keys().all(declared) {
        return false;
    }
    definitions.iter().all(|definition| {
        let definition = &definition.node;
        let ty = &definition.var_type.node;
        let BaseType::Named(type_name) = &ty.base else {
            return false;
        };
        if !BUILT_IN_SCALARS.contains(&type_name.as_str()) {
            return false;
        }
        match variables.get(&definition.name.node) {
            None => ty.nullable || definition.default_value.is_some(),
            Some(ConstValue::Null) => ty.nullable,
            Some(value) => scalar_fits(type_name, value),
        }
    })
}

/// The scalars every GraphQL schema has, whose values [`scalar_fits`] checks.
const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// Whether `value` is plainly a value of the built-in scalar `type_name`.
fn scalar_fits(type_name: &str, value: &ConstValue) -> bool {
    match (type_name, value) {
        ("String", ConstValue::String(_)) | ("Boolean", ConstValue::Boolean(_)) => true,
        ("ID", ConstValue::String(_)) => true,
        ("Int" | "ID", ConstValue::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        ("Float", ConstValue::Number(n)) => n.as_f64().is_some_and(f64::is_finite),
        _ => false,
    }
}

/// The variables given to a `first` or `last` argument anywhere in the document, each once.
fn pricing_variables(document: &ExecutableDocument) -> Arc<[Name]> {
    fn walk(set: &SelectionSet, found: &mut Vec<Name>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        if PRICING_ARGUMENTS.contains(&name.node.as_str()) {
                            collect_variables(&value.node, found);
                        }
                    }
                    walk(&field.node.selection_set.node, found);
                }
                Selection::InlineFragment(inline) => walk(&inline.node.selection_set.node, found),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut found = Vec::new();
    for (_, operation) in document.operations.iter() {
        walk(&operation.node.selection_set.node, &mut found);
    }
    for fragment in document.fragments.values() {
        walk(&fragment.node.selection_set.node, &mut found);
    }
    found.sort();
    found.dedup();
    found.into()
}

fn collect_variables(value: &Value, found: &mut Vec<Name>) {
    match value {
        Value::Variable(name) => found.push(name.clone()),
        Value::List(items) => items.iter().for_each(|item| collect_variables(item, found)),
        Value::Object(fields) => fields.values().for_each(|field| collect_variables(field, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, variables: serde_json::Value) -> Request {
        Request::new(query).variables(Variables::from_json(variables))
    }

    /// Prepares `request` and keeps it as if it had run and passed validation at `complexity`, its
    /// answer public.
    fn run(cache: &DocumentCache, request: Request, complexity: usize) -> bool {
        let verdict = Verdict {
            complexity,
            public: true,
        };
        run_to(cache, request, verdict)
    }

    /// Prepares `request` and keeps it as if it had run and passed validation with `verdict`.
    fn run_to(cache: &DocumentCache, mut request: Request, verdict: Verdict) -> bool {
        match cache.prepare(&mut request) {
            Preparation::Validated { .. } => true,
            Preparation::Reused { key } => {
                if let Some(key) = key {
                    cache.keep_validation(key, verdict);
                }
                false
            }
            Preparation::Parsed { fresh, key } => {
                if let Some(fresh) = fresh {
                    cache.keep(fresh, key.map(|key| (key, verdict)));
                }
                false
            }
            Preparation::Unparsed => false,
        }
    }

    #[test]
    fn a_kept_document_is_handed_out_again_without_parsing() {
        let cache = DocumentCache::new(usize::MAX, true);
        let mut request = Request::new("{ __typename }");
        let Preparation::Parsed {
            fresh: Some(fresh), ..
        } = cache.prepare(&mut request)
        else {
            panic!("a new text is parsed");
        };
        assert!(cache.is_empty(), "nothing is kept before the request runs");
        cache.keep(fresh, None);
        assert_eq!(cache.len(), 1);
        let mut again = Request::new("{ __typename }");
        assert!(matches!(
            cache.prepare(&mut again),
            Preparation::Reused { key: Some(_) }
        ));
        assert!(again.parsed_query().is_ok());
        // Another text, however close, is another document.
        let close = cache.prepare(&mut Request::new("{ __typename  }"));
        assert!(matches!(close, Preparation::Parsed { fresh: Some(_), .. }));
    }

    #[test]
    fn a_text_that_does_not_parse_or_is_too_long_is_not_prepared() {
        let cache = DocumentCache::new(20, true);
        let broken = cache.prepare(&mut Request::new("{ broken"));
        assert!(matches!(broken, Preparation::Unparsed));
        let long = cache.prepare(&mut Request::new("{ __typename __typename }"));
        assert!(matches!(long, Preparation::Unparsed));
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let cache = DocumentCache::new(usize::MAX, true);
        for i in 0..MAX_DOCUMENTS + 10 {
            let mut request = Request::new(format!("{{ a{i}: __typename }}"));
            if let Preparation::Parsed {
                fresh: Some(fresh), ..
            } = cache.prepare(&mut request)
            {
                cache.keep(fresh, None);
            }
        }
        assert_eq!(cache.len(), MAX_DOCUMENTS);
        // The oldest went first.
        let oldest = cache.prepare(&mut Request::new("{ a0: __typename }"));
        assert!(matches!(oldest, Preparation::Parsed { fresh: Some(_), .. }));
        let last = format!("{{ a{}: __typename }}", MAX_DOCUMENTS + 9);
        assert!(matches!(
            cache.prepare(&mut Request::new(last)),
            Preparation::Reused { .. }
        ));
        // A document whose parse would not fit is parsed for its request, never kept.
        let huge = format!(
            "{{ __typename }} #{}",
            "x".repeat(MAX_ESTIMATED_BYTES / PARSE_BYTES_PER_TEXT_BYTE)
        );
        let mut request = Request::new(huge);
        assert!(matches!(
            cache.prepare(&mut request),
            Preparation::Parsed {
                fresh: None,
                key: None
            }
        ));
    }

    #[test]
    fn a_claim_page_validation_keeps_its_compiled_page_unless_compiling_is_off() {
        const CLAIM: &str = "query C($slug: String!) { claim(slug: $slug) { slug } }";
        for (compile_pages, compiled) in [(true, true), (false, false)] {
            let cache = DocumentCache::new(usize::MAX, compile_pages);
            assert!(!run(
                &cache,
                request(CLAIM, serde_json::json!({ "slug": "a" })),
                3
            ));
            let mut again = request(CLAIM, serde_json::json!({ "slug": "b" }));
            let Preparation::Validated { compiled: kept, .. } = cache.prepare(&mut again) else {
                panic!("the second request should reuse the validation");
            };
            assert_eq!(kept.is_some(), compiled, "compile_pages = {compile_pages}");
        }
    }

    #[test]
    fn a_claim_page_whose_answer_is_private_is_compiled_private() {
        // As if the page selected something about the caller: its answer is the caller's alone,
        // and says so wherever it is written.
        const CLAIM: &str = "query C($slug: String!) { claim(slug: $slug) { slug } }";
        let cache = DocumentCache::new(usize::MAX, true);
        let private = Verdict {
            complexity: 3,
            public: false,
        };
        assert!(!run_to(
            &cache,
            request(CLAIM, serde_json::json!({ "slug": "a" })),
            private
        ));
        let mut again = request(CLAIM, serde_json::json!({ "slug": "b" }));
        let Preparation::Validated { compiled, .. } = cache.prepare(&mut again) else {
            panic!("the second request should reuse the validation");
        };
        assert!(!compiled.expect("compiled").is_public());
    }

    #[test]
    fn validations_of_one_operation_share_its_compiled_page() {
        const PRICED: &str =
            "query C($slug: String!, $n: Int) { claim(slug: $slug) { evidence(first: $n) { totalCount } } }";
        let cache = DocumentCache::new(usize::MAX, true);
        let mut compiled = Vec::new();
        for n in [1, 2] {
            let variables = serde_json::json!({ "slug": "a", "n": n });
            assert!(!run(&cache, request(PRICED, variables.clone()), 3));
            let Preparation::Validated {
                compiled: Some(page), ..
            } = cache.prepare(&mut request(PRICED, variables))
            else {
                panic!("the request should run on its compiled page");
            };
            compiled.push(page);
        }
        assert!(
            Arc::ptr_eq(&compiled[0], &compiled[1]),
            "one compiled page for both prices"
        );
    }

    const PAGE: &str = "query Page($slug: String!, $n: Int) { claim(slug: $slug) { slug } claims(first: $n) { totalCount } }";

    #[test]
    fn a_validation_is_reused_for_the_same_operation_and_pricing_values_only() {
        let cache = DocumentCache::new(usize::MAX, true);
        assert!(!run(
            &cache,
            request(PAGE, serde_json::json!({ "slug": "a", "n": 5 })),
            70
        ));
        // Another slug: the slug prices nothing, so the validation holds, at its complexity.
        let mut again = request(PAGE, serde_json::json!({ "slug": "b", "n": 5 }));
        assert!(matches!(
            cache.prepare(&mut again),
            // Two root fields: not a claim page the compiled path answers.
            Preparation::Validated {
                complexity: 70,
                compiled: None
            }
        ));
        assert_eq!(cache.validations_reused(), 1);
        // Another page size prices the document anew.
        assert!(!run(
            &cache,
            request(PAGE, serde_json::json!({ "slug": "b", "n": 50 })),
            700
        ));
        let mut large = request(PAGE, serde_json::json!({ "slug": "c", "n": 50 }));
        assert!(matches!(
            cache.prepare(&mut large),
            Preparation::Validated { complexity: 700, .. }
        ));
        // Null and absent are different values.
        assert!(!run(
            &cache,
            request(PAGE, serde_json::json!({ "slug": "c", "n": null })),
            1
        ));
        assert!(!run(&cache, request(PAGE, serde_json::json!({ "slug": "c" })), 2));
        // The same text naming its operation is another validation.
        let named = request(PAGE, serde_json::json!({ "slug": "a", "n": 5 })).operation_name("Page");
        assert!(!run(&cache, named, 70));
    }

    #[test]
    fn variables_that_are_not_plainly_of_their_type_are_always_validated_in_full() {
        let cache = DocumentCache::new(usize::MAX, true);
        assert!(!run(
            &cache,
            request(PAGE, serde_json::json!({ "slug": "a", "n": 5 })),
            70
        ));
        for variables in [
            serde_json::json!({ "slug": 5, "n": 5 }),
            serde_json::json!({ "slug": null, "n": 5 }),
            serde_json::json!({ "n": 5 }),
            serde_json::json!({ "slug": "a", "n": "5" }),
            serde_json::json!({ "slug": "a", "n": 5_000_000_000_i64 }),
            serde_json::json!({ "slug": "a", "n": 5, "other": 1 }),
        ] {
            let mut odd = request(PAGE, variables.clone());
            assert!(
                matches!(cache.prepare(&mut odd), Preparation::Reused { key: None }),
                "{variables}"
            );
        }
        // An operation name the document does not hold chooses nothing to validate again.
        let mut unknown = request(PAGE, serde_json::json!({ "slug": "a", "n": 5 })).operation_name("Other");
        assert!(matches!(
            cache.prepare(&mut unknown),
            Preparation::Reused { key: None }
        ));
        // Input objects, enums and lists are left to full validation.
        for query in [
            "query ($s: Stance) { __typename }",
            "query ($ids: [ID!]) { __typename }",
        ] {
            let mut first = request(query, serde_json::json!({}));
            assert!(
                matches!(cache.prepare(&mut first), Preparation::Parsed { key: None, .. }),
                "{query}"
            );
        }
    }

    #[test]
    fn pricing_variables_are_found_in_operations_and_fragments() {
        let document = async_graphql::parser::parse_query(
            "query ($a: Int, $b: Int, $c: String) { claims(first: $a) { ...F } } \
             fragment F on ClaimConnection { edges { node { evidence(last: $b, after: $c) { totalCount } } } }",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let pricing = pricing_variables(&document);
        let names: Vec<&str> = pricing.iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
