//! The example operations of GraphiQL's Examples menu (`api/assets/graphiql/examples.json`): each one
//! runs against the seed data as a visitor would run it, so an example never falls behind the schema.

use entity::values::Role;
use serde_json::Value;
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp};

const EXAMPLES: &str = include_str!("../../api/assets/graphiql/examples.json");

/// One example: its operation's name, its query text and its variables.
struct Example {
    name: String,
    query: String,
    variables: Value,
    needs_token: bool,
}

fn examples() -> Vec<Example> {
    let list: Vec<Value> = serde_json::from_str(EXAMPLES).expect("examples.json is a JSON list");
    list.into_iter()
        .map(|example| {
            let lines: Vec<&str> = example["query"]
                .as_array()
                .expect("a query is a list of lines")
                .iter()
                .map(|line| line.as_str().expect("a line is a string"))
                .collect();
            assert!(
                example["label"].as_str().is_some_and(|label| !label.is_empty()),
                "{example:#}"
            );
            Example {
                name: example["name"].as_str().expect("a name").to_owned(),
                query: lines.join("\n"),
                variables: example["variables"].clone(),
                needs_token: example["needsToken"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

/// The query without its `#` comment lines.
fn without_comments(query: &str) -> String {
    query
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_menu_offers_the_claim_page_first_then_the_doi_walk_claims_search_history_and_a_contribution() {
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ClaimPage",
            "FromDoi",
            "BrowseClaims",
            "Search",
            "ClaimHistory",
            "SubmitEvidence"
        ]
    );
    // A first-time visitor sees the front ends' own query for the seed claim.
    assert_eq!(without_comments(&examples[0].query), CLAIM_PAGE.trim());
    assert_eq!(examples[0].variables["slug"], SEED_SLUG);
    for example in &examples {
        assert!(
            example.query.contains(&format!(" {}(", example.name)),
            "{} is not the name of its operation",
            example.name
        );
    }
}

#[tokio::test]
async fn every_read_only_example_returns_data_from_the_seed_data() {
    let app = TestApp::seeded().await;
    for example in examples().iter().filter(|e| !e.needs_token) {
        let body = app.graphql(&example.query, example.variables.clone()).await;
        assert!(body.get("errors").is_none(), "{}: {body:#}", example.name);
        let data = body["data"].as_object().expect("data");
        for (field, value) in data {
            assert!(!value.is_null(), "{}: {field} is null: {body:#}", example.name);
        }
    }
}

#[tokio::test]
async fn the_contribution_example_runs_for_a_signed_in_contributor() {
    let app = TestApp::seeded().await;
    let token = app.token("casey", Role::Contributor).await;
    let examples = examples();
    let signed: Vec<&Example> = examples.iter().filter(|e| e.needs_token).collect();
    assert_eq!(signed.len(), 1, "one contribution example");
    let example = signed[0];
    assert!(example.query.contains("Authorization: Bearer") || example.query.contains("\"Authorization\""));
    let data = app
        .data_as(&token, &example.query, example.variables.clone())
        .await;
    let payload = data
        .as_object()
        .and_then(|d| d.values().next())
        .expect("a payload");
    assert_eq!(payload["userErrors"], Value::Array(vec![]), "{data:#}");
    assert_eq!(payload["contribution"]["status"], "PENDING", "{data:#}");
}

#[tokio::test]
async fn the_examples_are_served_beside_the_page() {
    let app = TestApp::migrated().await;
    let served = app.get("/graphiql/examples.json").await;
    assert!(
        served
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert_eq!(served.text(), EXAMPLES);
}
