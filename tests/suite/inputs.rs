//! What a request brings is checked before anything runs, on both databases alike: a variable whose
//! value does not fit its type and any text holding a NUL are BAD_USER_INPUT naming the variable or
//! argument, never an internal error; directives on `__typename` are validated like any other.

use axum::http::StatusCode;
use entity::values::Role;
use serde_json::{Value, json};
use tests::{SEED_SLUG, TestApp, single_error};

const CLAIM_CREATE: &str = r#"mutation($input: ClaimCreateInput!) {
  claimCreate(input: $input) { claim { slug } userErrors { field code message } } }"#;

fn new_claim(slug: &str, statement: &str) -> Value {
    json!({
        "slug": slug, "statement": statement, "population": "adults", "intervention": "x",
        "comparator": "y", "outcome": "z", "synthesis": "s"
    })
}

/// A request error naming `field`, whatever the database.
fn refused(response: &tests::TestResponse, code: &str, field: Option<&str>) -> Value {
    assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.text());
    let body = response.json();
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body:#}"
    );
    single_error(&body, code, field).clone()
}

async fn claim_count(app: &TestApp) -> u64 {
    app.data("{ claims { totalCount } }", json!({})).await["claims"]["totalCount"]
        .as_u64()
        .expect("a count")
}

#[tokio::test]
async fn a_nul_in_a_variable_or_a_literal_is_bad_user_input_naming_it() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let before = claim_count(&app).await;
    // In a variable, at the top and deep inside an input object.
    let response = app
        .post_graphql(
            "query($s: String!) { claim(slug: $s) { slug } }",
            json!({ "s": "rest\u{0}pause" }),
        )
        .await;
    let error = refused(&response, "BAD_USER_INPUT", Some("$s"));
    assert!(
        error["message"].as_str().is_some_and(|m| m.contains("NUL")),
        "{error:#}"
    );
    let response = app
        .post_graphql_as(
            &moderator,
            CLAIM_CREATE,
            json!({ "input": new_claim("nul-claim", "a claim with a \u{0} inside") }),
        )
        .await;
    refused(&response, "BAD_USER_INPUT", Some("$input.statement"));
    // In the document's own literals: an argument, a field of an input object, a default value.
    let response = app
        .post_graphql(r#"{ claim(slug: "rest\u0000pause") { slug } }"#, Value::Null)
        .await;
    refused(&response, "BAD_USER_INPUT", Some("slug"));
    let literal = r#"mutation { claimCreate(input: {slug: "nul-claim", statement: "a\u0000b", population: "p",
      intervention: "i", comparator: "c", outcome: "o", synthesis: "s"}) { claim { slug } } }"#;
    refused(
        &app.post_graphql_as(&moderator, literal, Value::Null).await,
        "BAD_USER_INPUT",
        Some("input.statement"),
    );
    let response = app
        .post_graphql(
            r#"query($s: String = "\u0000") { claim(slug: $s) { slug } }"#,
            Value::Null,
        )
        .await;
    refused(&response, "BAD_USER_INPUT", Some("$s"));
    assert_eq!(claim_count(&app).await, before, "nothing was written");
    // The same claim without the NUL is written: the refusal was the NUL's alone.
    let body = app
        .data_as(
            &moderator,
            CLAIM_CREATE,
            json!({ "input": new_claim("nul-claim", "a claim") }),
        )
        .await;
    assert_eq!(body["claimCreate"]["claim"]["slug"], "nul-claim", "{body:#}");
}

#[tokio::test]
async fn a_variable_that_does_not_fit_its_type_is_bad_user_input_naming_the_variable() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let claim = app
        .data(
            "query($s: String!) { claim(slug: $s) { id version } }",
            json!({ "s": SEED_SLUG }),
        )
        .await["claim"]
        .clone();
    let claim_id = &claim["id"];
    let update = "mutation($i: ClaimUpdateInput!) { claimUpdate(input: $i) { claim { slug } } }";
    for (input, field, words) in [
        (
            json!([]),
            "$i",
            "expected an object of type ClaimUpdateInput, got a list",
        ),
        (
            json!({ "id": claim_id, "version": 2_147_483_648_i64 }),
            "$i.version",
            "expected Int",
        ),
        (
            json!({ "id": claim_id, "version": 1, "statement": 7 }),
            "$i.statement",
            "expected String",
        ),
        (
            json!({ "id": claim_id, "version": 1, "colour": "red" }),
            "$i",
            "no field \"colour\"",
        ),
        (
            json!({ "version": 1 }),
            "$i",
            "the field \"id\" of type ID! is required",
        ),
    ] {
        // Twice: the second request runs on the first one's kept validation.
        for _ in 0..2 {
            let response = app
                .post_graphql_as(&moderator, update, json!({ "i": input }))
                .await;
            let error = refused(&response, "BAD_USER_INPUT", Some(field));
            let message = error["message"].as_str().unwrap_or_default();
            assert!(
                message.starts_with("Variable \"$i\" got an invalid value"),
                "{message}"
            );
            assert!(message.contains(words), "{message}");
        }
    }
    let response = app
        .post_graphql(
            "query($n: Int) { claims(first: $n) { totalCount } }",
            json!({ "n": 1_u64 << 40 }),
        )
        .await;
    refused(&response, "BAD_USER_INPUT", Some("$n"));
    // The claim is as it was.
    let data = app
        .data(
            "query($s: String!) { claim(slug: $s) { id version } }",
            json!({ "s": SEED_SLUG }),
        )
        .await;
    assert_eq!(data["claim"], claim, "{data:#}");
}

#[tokio::test]
async fn directives_on_typename_are_validated_like_any_field() {
    let app = TestApp::seeded().await;
    for query in [
        "{ __typename @include(if: $undefined) }",
        "{ __typename @skip(if: false) @skip(if: false) }",
        "{ __typename @unknown }",
        "{ __typename @skip }",
        "{ claim(slug: \"x\") { __typename @include(if: \"yes\") } }",
        "query { ...F } fragment F on Query { __typename @skip(if: $nope) }",
    ] {
        let response = app.post_graphql(query, Value::Null).await;
        refused(&response, "GRAPHQL_VALIDATION_FAILED", None);
    }
    // (async-graphql also misses a variable's use there: one used only on `__typename` is reported
    // unused, so this one is used on a field too.)
    let query = r#"query($b: Boolean!) {
      a: __typename @skip(if: $b) b: __typename @include(if: $b) c: claim(slug: "x") @skip(if: $b) { slug } }"#;
    let data = app.data(query, json!({ "b": true })).await;
    assert_eq!(data, json!({ "b": "Query" }));
}
