//! Field errors as the GraphQL spec handles them
//! (<https://spec.graphql.org/October2021/#sec-Handling-Field-Errors>): a field that failed is
//! `null` in `data`, and when its type is non-null the `null` propagates to the nearest nullable
//! parent (a field or a list item), up to `data` itself.
//!
//! async-graphql 7.2 does neither: it leaves a failed field out of its object altogether, never
//! propagates, and answers `"data": null` for any root object left empty (so
//! `{ __typename @include(if: false) }` is `null`, not `{}`). Typed clients then read `undefined`
//! where their types promise an object. [`complete`] mends an executed response after the fact:
//! each error's path is resolved against the operation (aliases, fragments and type conditions
//! included) to the types of the fields along it, which say where the `null` goes. It also puts the
//! root object's keys in the order the operation selects them (the root's fields run in parallel,
//! and async-graphql writes them as they finish).

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet, Type};
use async_graphql::registry::Registry;

use super::operation::chosen_operation;
use async_graphql::{Name, PathSegment, Response, Value};

/// Fragments nest at most this deep when a path is resolved; validation has refused cycles, this
/// only bounds the walk.
const MAX_FRAGMENT_NESTING: usize = 64;

/// Makes an executed response's `data` follow the spec (see the module documentation). A request
/// error (no execution: errors without a path and no data) is left as it is.
pub fn complete(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut Response,
) {
    let executed = response.errors.iter().any(|error| !error.path.is_empty())
        || response.errors.is_empty()
        || response.data != Value::Null;
    if !executed {
        return;
    }
    let Some(operation) = chosen_operation(document, operation_name) else {
        return;
    };
    let root_type = match operation.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => match &registry.mutation_type {
            Some(name) => name.as_str(),
            None => return,
        },
        OperationType::Subscription => return,
    };
    let root = vec![(&operation.selection_set.node, root_type)];
    if response.data == Value::Null {
        response.data = Value::Object(Default::default());
    }
    let mut touched: Vec<Vec<PathSegment>> = Vec::new();
    for error in &response.errors {
        if error.path.is_empty() {
            continue;
        }
        let Some(types) = types_along(registry, document, &root, &error.path) else {
            continue;
        };
        // From the failed field upwards: null it, and go on up while the nulled place is non-null.
        let mut depth = error.path.len();
        loop {
            if depth == 0 {
                response.data = Value::Null;
                return;
            }
            let (parents, last) = error.path[..depth].split_at(depth - 1);
            if !set_null(&mut response.data, parents, &last[0]) {
                break;
            }
            touched.push(parents.to_vec());
            if types[depth - 1].nullable {
                break;
            }
            depth -= 1;
        }
    }
    touched.push(Vec::new());
    let mut reordered: Vec<&Vec<PathSegment>> = Vec::with_capacity(touched.len());
    for path in &touched {
        if reordered.contains(&path) {
            continue;
        }
        reordered.push(path);
    }
    for path in reordered {
        reorder(registry, document, &root, &mut response.data, path);
    }
}

/// The selection sets that apply at one place in the response, each with its static parent type.
type Sets<'a> = Vec<(&'a SelectionSet, &'a str)>;

/// The type of each place along `path`: a field's declared type for a field, the item type for a
/// list index. `None` when the path does not resolve (the walk then leaves that error alone).
fn types_along<'a>(
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    root: &Sets<'a>,
    path: &[PathSegment],
) -> Option<Vec<Type>> {
    let mut sets = root.clone();
    let mut current: Option<Type> = None;
    let mut types = Vec::with_capacity(path.len());
    for segment in path {
        let ty = match segment {
            PathSegment::Field(key) => {
                let (ty, children) = field_at(registry, document, &sets, key)?;
                sets = children;
                ty
            }
            PathSegment::Index(_) => match current?.base {
                async_graphql::parser::types::BaseType::List(item) => *item,
                async_graphql::parser::types::BaseType::Named(_) => return None,
            },
        };
        types.push(ty.clone());
        current = Some(ty);
    }
    Some(types)
}

/// The declared type of the field answered under response key `key`, and the selection sets under
/// it with their parent type.
fn field_at<'a>(
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    sets: &Sets<'a>,
    key: &str,
) -> Option<(Type, Sets<'a>)> {
    let mut found: Option<Type> = None;
    let mut children = Vec::new();
    for &(set, parent) in sets {
        let mut fields = Vec::new();
        fields_named(document, set, parent, key, &mut fields);
        for (field, parent) in fields {
            let name = field.name.node.as_str();
            let ty = if name == "__typename" {
                Some("String!".to_owned())
            } else {
                registry
                    .types
                    .get(parent)
                    .and_then(|meta| meta.field_by_name(name))
                    .map(|meta| meta.ty.clone())
            };
            let Some(ty) = ty.as_deref().and_then(Type::new) else {
                continue;
            };
            let named = registry
                .types
                .get_key_value(named_type(&ty))
                .map(|(name, _)| name.as_str());
            if let Some(named) = named {
                children.push((&field.selection_set.node, named));
            }
            found.get_or_insert(ty);
        }
    }
    found.map(|ty| (ty, children))
}

/// The named type under a type's lists and non-nulls.
fn named_type(ty: &Type) -> &str {
    match &ty.base {
        async_graphql::parser::types::BaseType::Named(name) => name.as_str(),
        async_graphql::parser::types::BaseType::List(item) => named_type(item),
    }
}

/// Calls `visit` with every field of `set`, fragments expanded, and the type it is selected on:
/// the fragment's type condition, or the set's own parent type.
fn visit_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    parent: &'a str,
    nesting: usize,
    visit: &mut impl FnMut(&'a async_graphql::parser::types::Field, &'a str),
) {
    if nesting > MAX_FRAGMENT_NESTING {
        return;
    }
    for selection in &set.items {
        let (inner, condition) = match &selection.node {
            Selection::Field(field) => {
                visit(&field.node, parent);
                continue;
            }
            Selection::InlineFragment(fragment) => (
                &fragment.node.selection_set.node,
                fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map(|c| c.node.on.node.as_str()),
            ),
            Selection::FragmentSpread(spread) => {
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => (
                        &fragment.node.selection_set.node,
                        Some(fragment.node.type_condition.node.on.node.as_str()),
                    ),
                    None => continue,
                }
            }
        };
        visit_fields(document, inner, condition.unwrap_or(parent), nesting + 1, visit);
    }
}

/// The fields of `set` (fragments expanded) answered under response key `key`, each with the type
/// it is selected on.
fn fields_named<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    parent: &'a str,
    key: &str,
    out: &mut Vec<(&'a async_graphql::parser::types::Field, &'a str)>,
) {
    visit_fields(document, set, parent, 0, &mut |field, parent| {
        if field.response_key().node == key {
            out.push((field, parent));
        }
    });
}

/// Sets the place `last` under `parents` to null. False when the place is gone already (a null
/// from another error stands above it), or when `parents` leads to no object or list.
fn set_null(data: &mut Value, parents: &[PathSegment], last: &PathSegment) -> bool {
    let Some(container) = walk(data, parents) else {
        return false;
    };
    match (container, last) {
        (Value::Object(object), PathSegment::Field(key)) => {
            object.insert(Name::new(key), Value::Null);
            true
        }
        (Value::List(items), PathSegment::Index(index)) => match items.get_mut(*index) {
            Some(item) => {
                *item = Value::Null;
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn walk<'v>(data: &'v mut Value, path: &[PathSegment]) -> Option<&'v mut Value> {
    let mut value = data;
    for segment in path {
        value = match (value, segment) {
            (Value::Object(object), PathSegment::Field(key)) => object.get_mut(key.as_str())?,
            (Value::List(items), PathSegment::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Puts the keys of the object at `path` in the order its selection sets name them.
fn reorder(
    registry: &Registry,
    document: &ExecutableDocument,
    root: &Sets<'_>,
    data: &mut Value,
    path: &[PathSegment],
) {
    let mut sets = root.clone();
    for segment in path {
        if let PathSegment::Field(key) = segment {
            match field_at(registry, document, &sets, key) {
                Some((_, children)) => sets = children,
                None => return,
            }
        }
    }
    let Some(Value::Object(object)) = walk(data, path) else {
        return;
    };
    let mut order: Vec<&str> = Vec::new();
    for &(set, _) in &sets {
        response_keys(document, set, &mut order);
    }
    let rank = |key: &str| order.iter().position(|k| *k == key).unwrap_or(usize::MAX);
    object.sort_by(|a, _, b, _| rank(a.as_str()).cmp(&rank(b.as_str())));
}

/// The response keys of `set`, fragments expanded, in the order they first appear.
fn response_keys<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, out: &mut Vec<&'a str>) {
    visit_fields(document, set, "", 0, &mut |field, _| {
        let key = field.response_key().node.as_str();
        if !out.contains(&key) {
            out.push(key);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::ServerError;

    /// `data` and errors at `paths`, completed for `query`, as the JSON text the response carries
    /// (keys in their order).
    fn completed(query: &str, data: serde_json::Value, paths: &[&[&str]]) -> String {
        let types = crate::graphql::inputs::InputTypes::of_schema();
        let document = async_graphql::parser::parse_query(query).expect("a document");
        let mut response = Response::new(Value::from_json(data).expect("a value"));
        for path in paths {
            let mut error = ServerError::new("failed", None);
            error.path = path
                .iter()
                .map(|segment| match segment.parse::<usize>() {
                    Ok(index) => PathSegment::Index(index),
                    Err(_) => PathSegment::Field((*segment).to_owned()),
                })
                .collect();
            response.errors.push(error);
        }
        complete(types.registry(), &document, None, &mut response);
        let mut text = Vec::new();
        crate::graphql::json::write_value(&mut text, &response.data);
        String::from_utf8(text).expect("UTF-8")
    }

    #[test]
    fn a_failed_nullable_field_is_null_in_its_place() {
        let query = r#"{ a: claim(slug: "x") { slug } doi(value: "bad") { value } z: __typename }"#;
        let data = completed(
            query,
            serde_json::json!({ "z": "Query", "a": { "slug": "x" } }),
            &[&["doi"]],
        );
        assert_eq!(data, r#"{"a":{"slug":"x"},"doi":null,"z":"Query"}"#);
        let data = completed(
            r#"{ doi(value: "bad") { value } }"#,
            serde_json::json!(null),
            &[&["doi"]],
        );
        assert_eq!(data, r#"{"doi":null}"#);
    }

    #[test]
    fn a_failed_non_null_field_nulls_its_nearest_nullable_parent() {
        // `evidence` is non-null: the claim, which is nullable, becomes null.
        let query = r#"{ claim(slug: "x") { slug evidence(first: 2, after: "zzz") { totalCount } } }"#;
        let data = completed(
            query,
            serde_json::json!({ "claim": { "slug": "x" } }),
            &[&["claim", "evidence"]],
        );
        assert_eq!(data, r#"{"claim":null}"#);
        // Through an alias and a fragment, as deep as a list item.
        let query = r#"query { c: claim(slug: "x") { ...F } } fragment F on Claim { mechanisms { rank steps { position } } }"#;
        let data = completed(
            query,
            serde_json::json!({ "c": { "mechanisms": [{ "rank": 1, "steps": [] }, { "rank": 2, "steps": [] }] } }),
            &[&["c", "mechanisms", "1", "rank"]],
        );
        // `rank: Int!` in `[Mechanism!]!`: the item is non-null, the list is non-null, the claim is not.
        assert_eq!(data, r#"{"c":null}"#);
    }

    #[test]
    fn a_non_null_root_field_nulls_data() {
        let data = completed(
            "{ __typename claims { totalCount } }",
            serde_json::json!({ "__typename": "Query" }),
            &[&["claims"]],
        );
        assert_eq!(data, "null");
    }

    #[test]
    fn an_empty_root_is_an_empty_object_and_root_keys_follow_the_query() {
        assert_eq!(
            completed("{ __typename @include(if: false) }", serde_json::json!(null), &[]),
            "{}"
        );
        let query = r#"{ b: __typename a: claim(slug: "x") { slug } c: __typename }"#;
        let data = completed(
            query,
            serde_json::json!({ "a": null, "c": "Query", "b": "Query" }),
            &[],
        );
        assert_eq!(data, r#"{"b":"Query","a":null,"c":"Query"}"#);
    }

    #[test]
    fn an_error_under_a_place_already_null_changes_nothing_more() {
        let query = r#"{ claim(slug: "x") { slug evidence(first: 2) { totalCount } } }"#;
        let data = completed(
            query,
            serde_json::json!({ "claim": null }),
            &[&["claim", "evidence"], &["claim", "evidence", "totalCount"]],
        );
        assert_eq!(data, r#"{"claim":null}"#);
    }
}
