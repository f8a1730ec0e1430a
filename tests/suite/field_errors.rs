//! Field errors as the GraphQL spec handles them ("Handling Field Errors",
//! <https://spec.graphql.org/October2021/#sec-Handling-Field-Errors>): a failed field is null in
//! its place, a null in a non-null place propagates to the nearest nullable parent, and `data` keeps
//! the keys of the query, in its order. The answers are compared as text, so key order counts.

use serde_json::json;
use tests::{SEED_SLUG, TestApp};

/// The response body's `data`, as the bytes of the answer hold it.
async fn data_text(app: &TestApp, query: &str) -> String {
    let response = app.post_graphql(query, json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text());
    let text = response.text();
    let start = text.find("\"data\":").expect("data") + "\"data\":".len();
    let end = text.find(",\"errors\"").unwrap_or(text.len() - 1);
    text[start..end].to_owned()
}

#[tokio::test]
async fn a_failed_nullable_field_is_null_beside_its_siblings() {
    let app = TestApp::seeded().await;
    let query =
        format!(r#"{{ a: claim(slug: "{SEED_SLUG}") {{ slug }} doi(value: "not a doi") {{ value }} }}"#);
    assert_eq!(
        data_text(&app, &query).await,
        format!(r#"{{"a":{{"slug":"{SEED_SLUG}"}},"doi":null}}"#)
    );
    assert_eq!(
        data_text(&app, r#"{ doi(value: "not a doi") { value } }"#).await,
        r#"{"doi":null}"#
    );
    // The error still says what failed, where.
    let body = app
        .graphql(r#"{ doi(value: "not a doi") { value } }"#, json!({}))
        .await;
    assert_eq!(body["errors"][0]["path"], json!(["doi"]), "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_failed_non_null_field_nulls_its_nearest_nullable_parent() {
    let app = TestApp::seeded().await;
    // `evidence` is non-null: its claim, nullable, is null; the sibling root field stays.
    let query = format!(
        r#"{{ claim(slug: "{SEED_SLUG}") {{ slug evidence(first: 2, after: "zzz") {{ totalCount }} }} n: __typename }}"#
    );
    assert_eq!(data_text(&app, &query).await, r#"{"claim":null,"n":"Query"}"#);
    // The same through an alias and a fragment.
    let query = format!(
        r#"query {{ c: claim(slug: "{SEED_SLUG}") {{ ...Page }} }} fragment Page on Claim {{ slug e: evidence(first: 500) {{ totalCount }} }}"#
    );
    assert_eq!(data_text(&app, &query).await, r#"{"c":null}"#);
    // Under a non-null root field, `data` itself is null.
    let body = app
        .graphql("{ claims(first: 500) { totalCount } }", json!({}))
        .await;
    assert_eq!(body["data"], json!(null), "{body:#}");
    assert_eq!(body["errors"][0]["path"], json!(["claims"]), "{body:#}");
}

#[tokio::test]
async fn a_root_with_every_field_skipped_is_an_empty_object() {
    let app = TestApp::seeded().await;
    assert_eq!(data_text(&app, "{ __typename @include(if: false) }").await, "{}");
    assert_eq!(data_text(&app, "{ __typename @skip(if: true) }").await, "{}");
}

#[tokio::test]
async fn root_fields_come_back_in_the_order_the_query_asks() {
    let app = TestApp::seeded().await;
    let query = format!(
        r#"{{ z: __typename c: claim(slug: "{SEED_SLUG}") {{ slug }} a: claims(first: 1) {{ totalCount }} m: __typename }}"#
    );
    assert_eq!(
        data_text(&app, &query).await,
        format!(r#"{{"z":"Query","c":{{"slug":"{SEED_SLUG}"}},"a":{{"totalCount":1}},"m":"Query"}}"#)
    );
}
