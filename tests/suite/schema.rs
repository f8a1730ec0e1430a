//! The schema as a reviewed artifact: the committed SDL matches the code, and everything in it is
//! described for the people reading it in GraphiQL.

use serde_json::Value;
use tests::TestApp;

#[test]
fn the_committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../api/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = api::build_schema().sdl();
    assert!(
        committed == current,
        "api/schema.graphql is out of date; regenerate it with `cargo run -- schema > api/schema.graphql` and review the diff"
    );
}

const INTROSPECT: &str = r#"{ __schema { types {
    name kind description
    fields(includeDeprecated: true) { name description args { name description } }
    inputFields { name description }
    enumValues(includeDeprecated: true) { name description } } } }"#;

fn described(value: &Value) -> bool {
    value["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let app = TestApp::migrated().await;
    let data = app.data(INTROSPECT, serde_json::json!({})).await;
    let mut missing = Vec::new();
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    for ty in data["__schema"]["types"].as_array().into_iter().flatten() {
        let name = ty["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.push(name.to_owned());
        }
        for field in ty["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(ty["inputFields"].as_array().into_iter().flatten())
        {
            let field_name = field["name"].as_str().unwrap_or_default();
            if !described(field) {
                missing.push(format!("{name}.{field_name}"));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!(
                        "{name}.{field_name}({})",
                        arg["name"].as_str().unwrap_or_default()
                    ));
                }
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if !described(value) {
                missing.push(format!("{name}.{}", value["name"].as_str().unwrap_or_default()));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
