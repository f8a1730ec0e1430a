//! Query limits: what one request may ask of the server, checked before any resolver runs.
//!
//! The cheap checks come first, on the text (its length) and on the parsed document (aliases,
//! directives, fragments, and the size and depth the document has once its fragments are expanded,
//! computed with memoisation so a "fragment bomb" costs linear time). Then async-graphql's validation
//! computes the query's complexity, in which every list and connection is weighted by its page size
//! or its expected length (see [`page_cost`] and the `EXPECTED_*` sizes), and we refuse what exceeds
//! the limit. Every refusal is a `QUERY_TOO_COMPLEX` error that names the limit, its value and what
//! the query asked for.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet, VariableDefinition};
use async_graphql::{
    Json, Name, Positioned, Request, ServerError, ServerResult, ValidationResult, VisitorContext,
};

use crate::error::ErrorCode;

/// Mechanisms a claim is expected to have, for pricing `mechanisms`.
pub const EXPECTED_MECHANISMS: usize = 5;
/// Steps a mechanism is expected to have, for pricing `steps`.
pub const EXPECTED_STEPS: usize = 10;
/// DOIs a step is expected to cite, for pricing `citations`.
pub const EXPECTED_CITATIONS: usize = 3;
/// Studies a short list (a synthesis, a ladder rung) is expected to hold.
pub const EXPECTED_STUDIES: usize = 10;
/// Rungs of the evidence ladder.
pub const LADDER_RUNGS: usize = 5;

/// The longest list arguments (every list the schema takes as input has a cap): the write path's
/// ([`crate::domain::write::cap`]: citations per step, mechanisms per claim) and `nodes(ids:)`'s.
pub use crate::domain::write::cap::{CITATIONS_PER_STEP, MECHANISMS_PER_CLAIM};
/// IDs `nodes(ids:)` takes at most: a page's worth.
pub const NODE_IDS: usize = crate::graphql::connection::MAX_PAGE;

/// The complexity each item of a mutation's list input adds: one rate-limit point
/// ([`crate::rate_limit::COMPLEXITY_PER_POINT`]), for the DOI looked up or created and the row
/// written per item.
pub const WRITE_ITEM_COMPLEXITY: usize = crate::rate_limit::COMPLEXITY_PER_POINT;

/// The complexity of a mutation with a list input of `items` (capped at `cap`: a longer list is
/// refused before any work), known before it runs: the field, its payload, and
/// [`WRITE_ITEM_COMPLEXITY`] per item.
pub fn write_cost(items: usize, cap: usize, child_complexity: usize) -> usize {
    1usize
        .saturating_add(child_complexity)
        .saturating_add(items.min(cap).saturating_mul(WRITE_ITEM_COMPLEXITY))
}

/// The length of the list at `path` inside the argument `argument` of `field`, its variables
/// resolved, for pricing a field by its list input (`complexity = "..."` expressions call it with
/// the validation context async-graphql hands them). A value that is not such a list counts 0:
/// validation reports a malformed argument on its own, and parsing the whole argument here, as a
/// complexity expression that names the argument does, would report it a second time.
pub fn list_len(
    ctx: &VisitorContext<'_>,
    variables: &[Positioned<VariableDefinition>],
    field: &Field,
    argument: &str,
    path: &[&str],
) -> usize {
    let parsed = ctx.param_value::<Option<Json<serde_json::Value>>>(variables, field, argument, None);
    let Ok(Some(Json(value))) = parsed else {
        return 0;
    };
    path.iter()
        .try_fold(&value, |value, key| value.get(key))
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len)
}

/// The complexity of `nodes(ids:)`: each ID's object, with a longer list than [`NODE_IDS`]
/// priced at the cap (the resolver refuses it with `OUT_OF_RANGE`).
pub fn nodes_cost(ids: usize, child_complexity: usize) -> usize {
    ids.clamp(1, NODE_IDS).saturating_mul(child_complexity)
}

/// The complexity of a connection field: its page size times the cost of one item. The page size
/// is what the query asks for (`first` or `last`), else the default page; out-of-range values are
/// priced at the maximum (the resolver refuses them anyway).
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    use crate::graphql::connection::{DEFAULT_PAGE, MAX_PAGE};
    let size = match first.or(last) {
        Some(n) => usize::try_from(n).map_or(MAX_PAGE, |n| n.min(MAX_PAGE)),
        None => DEFAULT_PAGE,
    };
    size.max(1).saturating_mul(child_complexity)
}

/// What a search costs beyond its results: the full-text statement, and each word of the query.
pub const SEARCH_COMPLEXITY: usize = 10;
pub const SEARCH_WORD_COMPLEXITY: usize = 2;

/// The complexity of `search`: its page of results, the statement, and each word of `query`
/// (counted as the query parser counts them, capped at its maximum; a longer query is refused
/// before it runs).
pub fn search_cost(query: &str, first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    use crate::domain::search::query::{MAX_TERMS, words};
    let terms = words(query).len().min(MAX_TERMS);
    page_cost(first, last, child_complexity)
        .saturating_add(SEARCH_COMPLEXITY)
        .saturating_add(terms.saturating_mul(SEARCH_WORD_COMPLEXITY))
}

/// Suggestions `suggest` returns when `first` is not given, and the most a client may ask for.
pub const DEFAULT_SUGGESTIONS: usize = 10;
pub const MAX_SUGGESTIONS: usize = 20;

/// The complexity of `suggest`: its suggestions (the default number when `first` is absent; out
/// of range priced at the maximum, which the resolver refuses anyway) and its two statements.
pub fn suggest_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let size = match first {
        Some(n) => usize::try_from(n).map_or(MAX_SUGGESTIONS, |n| n.min(MAX_SUGGESTIONS)),
        None => DEFAULT_SUGGESTIONS,
    };
    size.max(1).saturating_mul(child_complexity).saturating_add(2)
}

/// The limits, all configurable (see `config.rs`); the defaults let GraphiQL's introspection query
/// (depth 13, complexity about 230) and a page of 50 claim pages through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest query text, in bytes.
    pub max_query_bytes: usize,
    /// The deepest selection, fragments expanded.
    pub max_depth: usize,
    /// The highest complexity (see the module documentation).
    pub max_complexity: usize,
    /// Aliased fields in one document.
    pub max_aliases: usize,
    /// Directives in one document.
    pub max_directives: usize,
    /// Fragment definitions in one document.
    pub max_fragments: usize,
    /// Field selections once fragments are expanded: what validation would walk.
    pub max_expanded_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_query_bytes: 64 * 1024,
            max_depth: 15,
            max_complexity: 60_000,
            max_aliases: 50,
            max_directives: 50,
            max_fragments: 50,
            max_expanded_fields: 10_000,
        }
    }
}

/// A refusal: `QUERY_TOO_COMPLEX`, naming the limit, its value and what the query asked for.
fn too_complex(limit: &str, max: usize, actual: usize, what: &str) -> ServerError {
    let mut error = ServerError::new(
        format!(
            "The query's {what} is {actual}, over this server's limit of {max}; ask for less per request."
        ),
        None,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", ErrorCode::QueryTooComplex.as_str());
    extensions.set("limit", limit);
    extensions.set("max", max as u64);
    extensions.set("actual", actual as u64);
    error
}

/// What a document holds, counted before validation.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DocumentShape {
    pub aliases: usize,
    pub directives: usize,
    pub fragments: usize,
    /// Field selections with every fragment spread expanded (saturating).
    pub expanded_fields: usize,
    /// Depth with every fragment spread expanded.
    pub depth: usize,
    /// A fragment that spreads itself, directly or not; validation reports it, we only stop walking.
    pub cycle: bool,
}

/// Per fragment: (expanded fields, depth) once computed; `None` while being computed.
type Memo<'a> = HashMap<&'a Name, Option<(usize, usize)>>;

impl DocumentShape {
    pub fn of(document: &ExecutableDocument) -> Self {
        let mut shape = DocumentShape {
            fragments: document.fragments.len(),
            ..Default::default()
        };
        for fragment in document.fragments.values() {
            shape.directives += fragment.node.directives.len();
            shape.count_syntax(&fragment.node.selection_set.node);
        }
        let mut memo = Memo::new();
        for (_, operation) in document.operations.iter() {
            shape.directives += operation.node.directives.len();
            shape.directives += operation
                .node
                .variable_definitions
                .iter()
                .map(|v| v.node.directives.len())
                .sum::<usize>();
            shape.count_syntax(&operation.node.selection_set.node);
            let (fields, depth) = shape.expand(document, &operation.node.selection_set.node, &mut memo);
            shape.expanded_fields = shape.expanded_fields.saturating_add(fields);
            shape.depth = shape.depth.max(depth);
        }
        shape
    }

    /// Counts aliases and directives as written (fragments once, where they are defined).
    fn count_syntax(&mut self, set: &SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    self.aliases += usize::from(field.node.alias.is_some());
                    self.directives += field.node.directives.len();
                    self.count_syntax(&field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => self.directives += spread.node.directives.len(),
                Selection::InlineFragment(inline) => {
                    self.directives += inline.node.directives.len();
                    self.count_syntax(&inline.node.selection_set.node);
                }
            }
        }
    }

    /// (expanded fields, depth) of a selection set; each fragment is expanded once (memoised).
    fn expand<'a>(
        &mut self,
        document: &'a ExecutableDocument,
        set: &'a SelectionSet,
        memo: &mut Memo<'a>,
    ) -> (usize, usize) {
        let mut fields = 0usize;
        let mut depth = 0usize;
        for item in &set.items {
            let (f, d) = match &item.node {
                Selection::Field(field) => {
                    let (f, d) = self.expand(document, &field.node.selection_set.node, memo);
                    (f.saturating_add(1), d + 1)
                }
                Selection::InlineFragment(inline) => {
                    self.expand(document, &inline.node.selection_set.node, memo)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    match memo.get(name) {
                        Some(Some(done)) => *done,
                        Some(None) => {
                            self.cycle = true;
                            (0, 0)
                        }
                        None => match document.fragments.get(name) {
                            Some(fragment) => {
                                memo.insert(name, None);
                                let done = self.expand(document, &fragment.node.selection_set.node, memo);
                                memo.insert(name, Some(done));
                                done
                            }
                            None => (0, 0),
                        },
                    }
                }
            };
            fields = fields.saturating_add(f);
            depth = depth.max(d);
        }
        (fields, depth)
    }
}

/// The async-graphql extension that applies [`Limits`].
pub struct QueryLimits(pub Arc<Limits>);

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryLimitsExtension(self.0.clone()))
    }
}

struct QueryLimitsExtension(Arc<Limits>);

#[async_graphql::async_trait::async_trait]
impl Extension for QueryLimitsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let limits = &self.0;
        if request.query.len() > limits.max_query_bytes {
            return Err(too_complex(
                "queryBytes",
                limits.max_query_bytes,
                request.query.len(),
                "length in bytes",
            ));
        }
        // Parse here, once (the request keeps the document): async-graphql's own checks after
        // parsing expand fragment spreads without memoisation, so a fragment bomb must be stopped
        // before them.
        let mut request = request;
        let shape = DocumentShape::of(request.parsed_query()?);
        if shape.cycle {
            // Validation would say the same, but only after walks that a cycle makes endless.
            let mut error = ServerError::new(
                "A fragment spreads itself, directly or through other fragments.",
                None,
            );
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", ErrorCode::GraphqlValidationFailed.as_str());
            return Err(error);
        }
        let checks = [
            ("aliases", limits.max_aliases, shape.aliases, "number of aliases"),
            (
                "directives",
                limits.max_directives,
                shape.directives,
                "number of directives",
            ),
            (
                "fragments",
                limits.max_fragments,
                shape.fragments,
                "number of fragment definitions",
            ),
            (
                "expandedFields",
                limits.max_expanded_fields,
                shape.expanded_fields,
                "number of fields once fragments are expanded",
            ),
            ("depth", limits.max_depth, shape.depth, "depth"),
        ];
        for (limit, max, actual, what) in checks {
            if actual > max {
                return Err(too_complex(limit, max, actual, what));
            }
        }
        // What async-graphql's validation leaves out, within the limits above.
        let operation = request.operation_name.clone();
        super::inputs::check_typename_directives(request.parsed_query()?, operation.as_deref())?;
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let limits = &self.0;
        if result.complexity > limits.max_complexity {
            return Err(vec![too_complex(
                "complexity",
                limits.max_complexity,
                result.complexity,
                "complexity",
            )]);
        }
        if result.depth > limits.max_depth {
            return Err(vec![too_complex(
                "depth",
                limits.max_depth,
                result.depth,
                "depth",
            )]);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_what_was_over_which_limit() {
        let error = too_complex("depth", 15, 43, "depth");
        assert_eq!(
            error.message,
            "The query's depth is 43, over this server's limit of 15; ask for less per request."
        );
        let extensions = error.extensions.unwrap_or_default();
        assert_eq!(
            extensions.get("limit"),
            Some(&async_graphql::Value::from("depth"))
        );
        assert_eq!(extensions.get("actual"), Some(&async_graphql::Value::from(43u64)));
    }

    fn shape(query: &str) -> DocumentShape {
        DocumentShape::of(&async_graphql::parser::parse_query(query).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn aliases_directives_and_fragments_are_counted_as_written() {
        let s = shape(
            "query Q { a: __typename b: __typename @skip(if: false) ...F } fragment F on Query { c: __typename }",
        );
        assert_eq!((s.aliases, s.directives, s.fragments), (3, 1, 1));
    }

    #[test]
    fn fragments_are_expanded_where_they_are_spread() {
        let s = shape(
            "{ claim(slug: \"x\") { ...A ...A } } fragment A on Claim { slug mechanisms { ...B } } fragment B on Mechanism { rank summary }",
        );
        // claim + 2 x (slug + mechanisms + rank + summary)
        assert_eq!(s.expanded_fields, 9);
        assert_eq!(s.depth, 3);
    }

    #[test]
    fn a_fragment_bomb_is_sized_without_being_walked() {
        // Each fragment spreads the next twice: 2^40 fields once expanded.
        let mut query = String::from("{ ...F0 }");
        for i in 0..40 {
            query.push_str(&format!(
                " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        query.push_str(" fragment F40 on Query { __typename }");
        let s = shape(&query);
        assert!(s.expanded_fields > 1 << 39, "{}", s.expanded_fields);
    }

    #[test]
    fn a_fragment_cycle_is_noticed_and_stops_the_walk() {
        let s = shape("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }");
        assert!(s.cycle);
    }

    #[test]
    fn a_page_costs_its_size_times_one_item() {
        assert_eq!(page_cost(Some(10), None, 7), 70);
        assert_eq!(page_cost(None, Some(3), 7), 21);
        assert_eq!(page_cost(None, None, 7), 140);
        assert_eq!(page_cost(Some(1000), None, 1), 100);
        assert_eq!(page_cost(Some(-5), None, 1), 100);
        assert_eq!(page_cost(Some(0), None, 4), 4);
    }
}
