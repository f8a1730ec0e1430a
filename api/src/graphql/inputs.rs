//! Checks on what a request brings, made before execution on every request (a document validated
//! once still gets new variables each time), each a request error that names what is at fault:
//!
//! - **Variable values** are coerced against their declared types as the GraphQL spec's
//!   CoerceVariableValues does (<https://spec.graphql.org/October2021/#sec-Coercing-Variable-Values>).
//!   async-graphql's validation lets some wrong values through (a list given for an input object,
//!   an `Int` past 32 bits inside one), and skips the check altogether for a document this server
//!   validated before; the resolver then failed to read its argument, which reached the client as an
//!   internal error. Here they are `BAD_USER_INPUT`, naming the variable and the place in its value.
//! - **No text holds a NUL character** (`\u0000`), in a variable or in the document's literals:
//!   PostgreSQL cannot store one in text (it failed as an internal error there) while SQLite took
//!   it; both now refuse it alike, as `BAD_USER_INPUT` naming the argument or variable.
//! - **Directives on `__typename`**: async-graphql does not validate `__typename` selections, so an
//!   unknown directive, a repeated `@skip`/`@include`, a missing or non-Boolean `if`, or an undefined
//!   variable there passed, and `{ __typename @include(if: $undefined) }` answered `{"data": null}`.
//!   They are `GRAPHQL_VALIDATION_FAILED` here, as for any other field.

use std::collections::HashSet;

use async_graphql::parser::types::{BaseType, Directive, ExecutableDocument, Selection, SelectionSet, Type};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{Name, OutputType, Pos, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};

use super::operation::chosen_operation;
use super::{Mutation, Query};
use crate::error::ErrorCode;

/// The schema's input types, for coercing variables.
pub struct InputTypes {
    registry: Registry,
}

impl std::fmt::Debug for InputTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputTypes")
            .field("types", &self.registry.types.len())
            .finish()
    }
}

/// A request error found here: its code, the message, what it names (`$variable.path` or
/// `argument.path`) and where in the document, when it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    pub pos: Option<Pos>,
}

impl InputTypes {
    /// The input types the query and mutation roots reach.
    pub fn of_schema() -> Self {
        let mut registry = Registry::default();
        Query::create_type_info(&mut registry);
        Mutation::create_type_info(&mut registry);
        registry.query_type = Query::type_name().into_owned();
        registry.mutation_type = Some(Mutation::type_name().into_owned());
        InputTypes { registry }
    }

    /// The schema's types, inputs and outputs alike.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Checks the request's variables against the operation it runs, and the document's own texts.
    /// `text` is the document's source, which says cheaply whether the document can hold a NUL.
    pub fn check(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
        text: &str,
    ) -> Result<(), InputError> {
        let Some(operation) = chosen_operation(document, operation_name) else {
            // No operation to run: execution reports that.
            return Ok(());
        };
        for definition in &operation.variable_definitions {
            let name = &definition.node.name.node;
            let Some(value) = variables.get(name) else {
                continue;
            };
            let mut path = format!("${name}");
            self.coerce(&definition.node.var_type.node, value, &mut path)
                .map_err(|Fault { code, reason }| InputError {
                    code,
                    message: format!(
                        "Variable \"${name}\" got an invalid value{}: {reason}.",
                        at_path(&path, name)
                    ),
                    field: Some(path),
                    pos: Some(definition.pos),
                })?;
        }
        // A NUL can only come from an escape (or a raw NUL, which the parser may let through).
        if text.contains("\\u") || text.contains('\0') {
            check_literals(document)?;
        }
        Ok(())
    }

    /// Coerces `value` to `ty`; `path` names where the value stands, and is left naming the place
    /// at fault on an error, whose text says what was expected.
    fn coerce(&self, ty: &Type, value: &ConstValue, path: &mut String) -> Result<(), Fault> {
        if let ConstValue::Null = value {
            return if ty.nullable {
                Ok(())
            } else {
                Err(Fault::bad(format!("expected a value of type {ty}, got null")))
            };
        }
        match &ty.base {
            BaseType::List(item) => match value {
                ConstValue::List(items) if items.len() > MAX_LIST_ITEMS => Err(Fault {
                    code: ErrorCode::OutOfRange,
                    reason: format!(
                        "a list may hold at most {MAX_LIST_ITEMS} items, and this one holds {}",
                        items.len()
                    ),
                }),
                ConstValue::List(items) => {
                    let base = path.len();
                    for (index, item_value) in items.iter().enumerate() {
                        push_index(path, index);
                        self.coerce(item, item_value, path)?;
                        path.truncate(base);
                    }
                    Ok(())
                }
                // A single value stands for a list of one.
                _ => self.coerce(item, value, path),
            },
            BaseType::Named(name) => self.coerce_named(name, value, path),
        }
    }

    fn coerce_named(&self, name: &Name, value: &ConstValue, path: &mut String) -> Result<(), Fault> {
        if let ConstValue::String(text) = value
            && text.contains('\0')
        {
            return Err(Fault::bad(NUL_REASON.to_owned()));
        }
        let fits = match name.as_str() {
            "Int" => {
                matches!(value, ConstValue::Number(n) if n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()))
            }
            "Float" => matches!(value, ConstValue::Number(_)),
            "String" => matches!(value, ConstValue::String(_)),
            "Boolean" => matches!(value, ConstValue::Boolean(_)),
            "ID" => {
                matches!(value, ConstValue::String(_))
                    || matches!(value, ConstValue::Number(n) if n.is_i64() || n.is_u64())
            }
            _ => match self.registry.types.get(name.as_str()) {
                Some(MetaType::InputObject {
                    input_fields, oneof, ..
                }) => {
                    let ConstValue::Object(fields) = value else {
                        return Err(Fault::bad(format!(
                            "expected an object of type {name}, got {}",
                            kind(value)
                        )));
                    };
                    if let Some(unknown) = fields.keys().find(|key| !input_fields.contains_key(key.as_str()))
                    {
                        return Err(Fault::bad(format!("{name} has no field \"{unknown}\"")));
                    }
                    if *oneof && (fields.len() != 1 || fields.values().any(|v| matches!(v, ConstValue::Null)))
                    {
                        return Err(Fault::bad(format!("{name} takes exactly one field, not null")));
                    }
                    let base = path.len();
                    for field in input_fields.values() {
                        let Some(ty) = Type::new(&field.ty) else {
                            continue;
                        };
                        match fields.get(field.name.as_str()) {
                            Some(field_value) => {
                                path.push('.');
                                path.push_str(&field.name);
                                self.coerce(&ty, field_value, path)?;
                                path.truncate(base);
                            }
                            None if !ty.nullable && field.default_value.is_none() => {
                                return Err(Fault::bad(format!(
                                    "the field \"{}\" of type {} is required",
                                    field.name, field.ty
                                )));
                            }
                            None => {}
                        }
                    }
                    return Ok(());
                }
                Some(MetaType::Enum { enum_values, .. }) => match value {
                    ConstValue::String(v) => enum_values.contains_key(v.as_str()),
                    ConstValue::Enum(v) => enum_values.contains_key(v.as_str()),
                    _ => false,
                },
                Some(MetaType::Scalar {
                    is_valid: Some(is_valid),
                    ..
                }) => is_valid(value),
                // A type the schema does not take as input: validation names it.
                _ => true,
            },
        };
        if fits {
            Ok(())
        } else {
            Err(Fault::bad(format!(
                "expected {}, got {}",
                expected(name),
                kind(value)
            )))
        }
    }
}

/// The most items any list in a variable may hold, whatever its type: every list argument has a
/// lower cap of its own (see `limits`), checked where it is read; this one refuses a huge list before
/// its items are coerced one by one.
pub const MAX_LIST_ITEMS: usize = 1_000;

/// Why a value does not fit: `BAD_USER_INPUT` but for a list over [`MAX_LIST_ITEMS`].
struct Fault {
    code: ErrorCode,
    reason: String,
}

impl Fault {
    fn bad(reason: String) -> Self {
        Fault {
            code: ErrorCode::BadUserInput,
            reason,
        }
    }
}

/// Appends `[index]` to a path, without an allocation of its own.
fn push_index(path: &mut String, index: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(path, "[{index}]");
}

const NUL_REASON: &str = "text may not contain the NUL character (\\u0000)";

/// ` at "ids[2]"` when the fault is inside the variable's value, nothing when it is the value.
fn at_path(path: &str, name: &Name) -> String {
    let inner = path
        .strip_prefix('$')
        .and_then(|p| p.strip_prefix(name.as_str()))
        .unwrap_or_default();
    if inner.is_empty() {
        String::new()
    } else {
        format!(" at \"{}{inner}\"", name.as_str())
    }
}

/// What a built-in scalar must be, in words.
fn expected(name: &Name) -> String {
    match name.as_str() {
        "Int" => "Int, a whole number from -2147483648 to 2147483647".to_owned(),
        "Float" => "Float, a number".to_owned(),
        "String" => "String, a text".to_owned(),
        "Boolean" => "Boolean, true or false".to_owned(),
        "ID" => "ID, a text or a whole number".to_owned(),
        other => other.to_owned(),
    }
}

/// A JSON value's kind, as a client would call it.
fn kind(value: &ConstValue) -> &'static str {
    match value {
        ConstValue::Null => "null",
        ConstValue::Number(n) if n.is_f64() => "a fractional number",
        ConstValue::Number(_) => "a number out of range",
        ConstValue::String(_) => "a string",
        ConstValue::Boolean(_) => "a Boolean",
        ConstValue::Binary(_) => "binary data",
        ConstValue::Enum(_) => "an enumeration value",
        ConstValue::List(_) => "a list",
        ConstValue::Object(_) => "an object",
    }
}

/// Every argument literal and variable default in the document, with its owner's name.
fn check_literals(document: &ExecutableDocument) -> Result<(), InputError> {
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                let mut path = format!("${}", definition.node.name.node);
                if const_holds_nul(&default.node, &mut path) {
                    let place = format!("The default value of \"{path}\"");
                    return Err(nul_literal(path, place, default.pos));
                }
            }
        }
        check_selection_literals(&operation.node.selection_set.node)?;
    }
    for fragment in document.fragments.values() {
        check_selection_literals(&fragment.node.selection_set.node)?;
    }
    Ok(())
}

fn check_selection_literals(set: &SelectionSet) -> Result<(), InputError> {
    for selection in &set.items {
        let (directives, arguments, inner) = match &selection.node {
            Selection::Field(field) => (
                &field.node.directives,
                Some((&field.node.name.node, &field.node.arguments)),
                Some(&field.node.selection_set.node),
            ),
            Selection::FragmentSpread(spread) => (&spread.node.directives, None, None),
            Selection::InlineFragment(fragment) => (
                &fragment.node.directives,
                None,
                Some(&fragment.node.selection_set.node),
            ),
        };
        if let Some((field, arguments)) = arguments {
            check_arguments(arguments, &format!("of the field \"{field}\""))?;
        }
        for directive in directives {
            check_arguments(
                &directive.node.arguments,
                &format!("of the directive \"@{}\"", directive.node.name.node),
            )?;
        }
        if let Some(inner) = inner {
            check_selection_literals(inner)?;
        }
    }
    Ok(())
}

fn check_arguments(
    arguments: &[(Positioned<Name>, Positioned<Value>)],
    owner: &str,
) -> Result<(), InputError> {
    for (name, value) in arguments {
        let mut path = name.node.to_string();
        if value_holds_nul(&value.node, &mut path) {
            let place = format!("The argument \"{path}\" {owner}");
            return Err(nul_literal(path, place, value.pos));
        }
    }
    Ok(())
}

/// A literal holding a NUL: `place` says which, as a sentence's subject.
fn nul_literal(path: String, place: String, pos: Pos) -> InputError {
    InputError {
        code: ErrorCode::BadUserInput,
        message: format!("{place} holds a NUL character (\\u0000), which no text may contain."),
        field: Some(path),
        pos: Some(pos),
    }
}

/// Whether a literal holds a NUL; `path` is left naming where.
fn value_holds_nul(value: &Value, path: &mut String) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::List(items) => items.iter().enumerate().any(|(index, item)| {
            let base = path.len();
            push_index(path, index);
            let found = value_holds_nul(item, path);
            if !found {
                path.truncate(base);
            }
            found
        }),
        Value::Object(fields) => fields.iter().any(|(name, item)| {
            let base = path.len();
            path.push('.');
            path.push_str(name);
            let found = value_holds_nul(item, path);
            if !found {
                path.truncate(base);
            }
            found
        }),
        _ => false,
    }
}

fn const_holds_nul(value: &ConstValue, path: &mut String) -> bool {
    value_holds_nul(&value.clone().into_value(), path)
}

impl From<InputError> for async_graphql::ServerError {
    fn from(error: InputError) -> Self {
        let mut server_error = async_graphql::ServerError::new(error.message, error.pos);
        let extensions = server_error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", error.code.as_str());
        if let Some(field) = error.field {
            extensions.set("field", field);
        }
        server_error
    }
}

/// The directives on `__typename` selections anywhere in the document, checked as validation
/// checks them on every other field. A document's own property: checked with the other document
/// limits (see `limits`), so only once for a document whose validation is kept.
pub fn check_typename_directives(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<(), InputError> {
    let Some(operation) = chosen_operation(document, operation_name) else {
        return Ok(());
    };
    let defined: HashSet<&Name> = operation
        .variable_definitions
        .iter()
        .map(|definition| &definition.node.name.node)
        .collect();
    let mut sets = vec![&operation.selection_set.node];
    sets.extend(document.fragments.values().map(|f| &f.node.selection_set.node));
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.name.node == "__typename" {
                        check_directives(&field.node.directives, &defined)?;
                    }
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => sets.push(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    Ok(())
}

fn check_directives(
    directives: &[Positioned<Directive>],
    defined: &HashSet<&Name>,
) -> Result<(), InputError> {
    let invalid = |message: String, pos: Pos| InputError {
        code: ErrorCode::GraphqlValidationFailed,
        message,
        field: None,
        pos: Some(pos),
    };
    let mut seen: HashSet<&str> = HashSet::new();
    for directive in directives {
        let name = directive.node.name.node.as_str();
        if !matches!(name, "skip" | "include") {
            return Err(invalid(format!("Unknown directive \"@{name}\"."), directive.pos));
        }
        if !seen.insert(name) {
            return Err(invalid(
                format!("The directive \"@{name}\" can only be used once at this location."),
                directive.pos,
            ));
        }
        let mut condition = None;
        for (argument, value) in &directive.node.arguments {
            if argument.node != "if" {
                return Err(invalid(
                    format!("Unknown argument \"{}\" on directive \"@{name}\".", argument.node),
                    argument.pos,
                ));
            }
            condition = Some(value);
        }
        let Some(condition) = condition else {
            return Err(invalid(
                format!(
                    "Directive \"@{name}\" argument \"if\" of type \"Boolean!\" is required, but it was not provided."
                ),
                directive.pos,
            ));
        };
        match &condition.node {
            Value::Boolean(_) => {}
            Value::Variable(variable) if defined.contains(variable) => {}
            Value::Variable(variable) => {
                return Err(invalid(
                    format!("Variable \"${variable}\" is not defined."),
                    condition.pos,
                ));
            }
            _ => {
                return Err(invalid(
                    format!("Invalid value for argument \"if\" of \"@{name}\": expected type \"Boolean!\"."),
                    condition.pos,
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, variables: serde_json::Value) -> Result<(), InputError> {
        let document = async_graphql::parser::parse_query(query).expect("a document");
        InputTypes::of_schema().check(&document, None, &Variables::from_json(variables), query)?;
        check_typename_directives(&document, None)
    }

    #[test]
    fn a_variable_of_the_right_type_passes() {
        let query = "query($s: String!, $n: Int, $ids: [ID!]!) { claim(slug: $s) { slug } claims(first: $n) { totalCount } nodes(ids: $ids) { id } }";
        assert_eq!(
            check(query, serde_json::json!({ "s": "x", "n": 3, "ids": ["a", 4] })),
            Ok(())
        );
        // A single value stands for a list of one.
        assert_eq!(
            check(query, serde_json::json!({ "s": "x", "n": null, "ids": "a" })),
            Ok(())
        );
    }

    #[test]
    fn a_wrong_value_names_the_variable_and_the_place() {
        let query = "mutation($i: ClaimUpdateInput!) { claimUpdate(input: $i) { claim { slug } } }";
        let error = check(query, serde_json::json!({ "i": [] })).expect_err("a list for an object");
        assert_eq!(error.code, ErrorCode::BadUserInput);
        assert_eq!(error.field.as_deref(), Some("$i"));
        assert!(
            error
                .message
                .contains("expected an object of type ClaimUpdateInput, got a list"),
            "{}",
            error.message
        );
        let error = check(
            query,
            serde_json::json!({ "i": { "id": "x", "version": 2_147_483_648_i64 } }),
        )
        .expect_err("past 32 bits");
        assert_eq!(error.field.as_deref(), Some("$i.version"));
        assert!(
            error
                .message
                .starts_with("Variable \"$i\" got an invalid value at \"i.version\": expected Int"),
            "{}",
            error.message
        );
        let error = check(
            query,
            serde_json::json!({ "i": { "id": "x", "version": 1, "nope": 1 } }),
        )
        .expect_err("an unknown field");
        assert!(error.message.contains("no field \"nope\""), "{}", error.message);
        let error = check(query, serde_json::json!({ "i": { "version": 1 } })).expect_err("a required field");
        assert!(error.message.contains("\"id\""), "{}", error.message);
    }

    #[test]
    fn a_huge_list_is_out_of_range_before_its_items_are_read() {
        let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
        let ids = vec![serde_json::json!(null); MAX_LIST_ITEMS + 1];
        let error = check(query, serde_json::json!({ "ids": ids })).expect_err("too long");
        assert_eq!(
            (error.code, error.field.as_deref()),
            (ErrorCode::OutOfRange, Some("$ids"))
        );
        assert!(error.message.contains("at most 1000 items"), "{}", error.message);
        let ids = vec![serde_json::json!("x"); MAX_LIST_ITEMS];
        assert_eq!(check(query, serde_json::json!({ "ids": ids })), Ok(()));
    }

    #[test]
    fn a_nul_anywhere_is_refused_with_its_place() {
        let query = "query($s: String!, $ids: [ID!]!) { claim(slug: $s) { slug } nodes(ids: $ids) { id } }";
        let error = check(query, serde_json::json!({ "s": "a\u{0}b", "ids": [] })).expect_err("NUL");
        assert_eq!(
            (error.code, error.field.as_deref()),
            (ErrorCode::BadUserInput, Some("$s"))
        );
        let error = check(query, serde_json::json!({ "s": "a", "ids": ["x", "\u{0}"] })).expect_err("NUL");
        assert_eq!(error.field.as_deref(), Some("$ids[1]"));
        let error = check("{ claim(slug: \"a\\u0000\") { slug } }", serde_json::json!({})).expect_err("NUL");
        assert_eq!(error.field.as_deref(), Some("slug"));
        assert!(error.message.contains("the field \"claim\""), "{}", error.message);
        let error = check(
            "mutation { claimUpdate(input: {id: \"x\", version: 1, statement: \"\\u0000\"}) { claim { slug } } }",
            serde_json::json!({}),
        )
        .expect_err("NUL");
        assert_eq!(error.field.as_deref(), Some("input.statement"));
        let error = check(
            "query($s: String = \"\\u0000\") { claim(slug: $s) { slug } }",
            serde_json::json!({}),
        )
        .expect_err("NUL");
        assert_eq!(error.field.as_deref(), Some("$s"));
    }

    #[test]
    fn directives_on_typename_are_validated() {
        for (query, message) in [
            (
                "{ __typename @include(if: $undefined) }",
                "Variable \"$undefined\" is not defined.",
            ),
            (
                "{ __typename @skip(if: false) @skip(if: false) }",
                "can only be used once",
            ),
            ("{ __typename @unknown }", "Unknown directive \"@unknown\"."),
            ("{ __typename @skip }", "is required"),
            ("{ __typename @skip(if: 1) }", "expected type \"Boolean!\""),
            (
                "{ ... on Query { __typename @skip(if: false, x: 1) } }",
                "Unknown argument \"x\"",
            ),
        ] {
            let error = check(query, serde_json::json!({})).expect_err(query);
            assert_eq!(error.code, ErrorCode::GraphqlValidationFailed, "{query}");
            assert!(error.message.contains(message), "{query}: {}", error.message);
        }
        assert_eq!(
            check(
                "query($b: Boolean!) { __typename @skip(if: $b) @include(if: true) }",
                serde_json::json!({ "b": true })
            ),
            Ok(())
        );
    }
}
