//! Deeply nested requests: refused with QUERY_TOO_COMPLEX before anything recursive reads them,
//! whatever carries the nesting (lists, objects, default values, directive arguments, variables)
//! and however it is sent (POST or GET), and the server goes on serving claim pages.

use axum::http::StatusCode;
use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, assert_refusal, url_encode};

/// The depths the issue names: from just past the limit to far past the body limit's reach.
const DEPTHS: [usize; 4] = [100, 1_000, 10_000, 100_000];

fn nested(open: &str, inner: &str, close: &str, levels: usize) -> String {
    format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
}

/// Documents nesting `levels` deep in each place a value can stand.
fn deep_documents(levels: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "a list argument",
            format!("{{ nodes(ids: {}) {{ id }} }}", nested("[", "\"x\"", "]", levels)),
        ),
        (
            "an object argument",
            format!(
                "{{ claims(filter: {}) {{ totalCount }} }}",
                nested("{a: ", "1", "}", levels)
            ),
        ),
        (
            "a default value",
            format!(
                "query($ids: [ID!] = {}) {{ __typename }}",
                nested("[", "\"x\"", "]", levels)
            ),
        ),
        (
            "a variable's type",
            format!("query($ids: {}) {{ __typename }}", nested("[", "ID", "]", levels)),
        ),
        (
            "a directive argument",
            format!(
                "{{ __typename @include(if: {}) }}",
                nested("[", "true", "]", levels)
            ),
        ),
        (
            "an unknown field's argument",
            format!("{{ nothing(x: {}) }}", nested("[", "1", "]", levels)),
        ),
        (
            "selection sets",
            format!("{{{}}}", nested("claims {", "totalCount", "}", levels)),
        ),
    ]
}

/// A GET of `uri`, accepting `application/graphql-response+json`.
async fn get(app: &TestApp, uri: String) -> tests::TestResponse {
    app.request(
        axum::http::Request::get(uri)
            .header("accept", "application/graphql-response+json")
            .body(axum::body::Body::empty())
            .expect("a request"),
    )
    .await
}

/// Asserts a nesting refusal of `limit` and that the next claim page is served.
async fn refused_then_served(app: &TestApp, response: &tests::TestResponse, limit: &str, what: &str) {
    let error = assert_refusal(
        response,
        StatusCode::BAD_REQUEST,
        "QUERY_TOO_COMPLEX",
        "nest at most",
    );
    assert_eq!(error["extensions"]["limit"], limit, "{what}: {error:#}");
    assert_eq!(error["extensions"]["max"], 64, "{what}: {error:#}");
    let page = app.graphql(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(
        page["data"]["claim"]["slug"], SEED_SLUG,
        "{what}: the next page: {page:#}"
    );
}

#[tokio::test]
async fn deep_documents_are_refused_by_post_at_every_depth() {
    let app = TestApp::seeded().await;
    for levels in DEPTHS {
        for (what, document) in deep_documents(levels) {
            let limit = if what == "selection sets" {
                "selectionDepth"
            } else {
                "valueDepth"
            };
            let response = app.post_graphql(&document, Value::Null).await;
            refused_then_served(&app, &response, limit, &format!("{what}, {levels} levels")).await;
            let error = &response.json()["errors"][0];
            assert_eq!(
                error["locations"][0]["line"], 1,
                "{what}: the place is given: {error:#}"
            );
        }
    }
}

#[tokio::test]
async fn deep_documents_are_refused_by_get_at_every_depth() {
    let app = TestApp::seeded().await;
    let mut sent = 0;
    for levels in DEPTHS {
        for (what, document) in deep_documents(levels) {
            let limit = if what == "selection sets" {
                "selectionDepth"
            } else {
                "valueDepth"
            };
            let uri = format!("/graphql?query={}", url_encode(&document));
            // A URI is at most 64 KiB (the `http` crate's limit, and hyper answers 414 past it before
            // any handler runs): deeper documents cannot be sent by GET at all.
            if uri.len() >= usize::from(u16::MAX) {
                assert!(levels >= 10_000, "{what}, {levels} levels fits in a URI");
                continue;
            }
            let response = get(&app, uri).await;
            refused_then_served(&app, &response, limit, &format!("GET {what}, {levels} levels")).await;
            sent += 1;
        }
    }
    assert!(
        sent >= 2 * deep_documents(1).len(),
        "GET sent only {sent} documents"
    );
}

#[tokio::test]
async fn deep_variables_are_refused_by_post_and_get_naming_the_variable() {
    let app = TestApp::seeded().await;
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    for levels in DEPTHS {
        for value in [
            nested("[", "\"x\"", "]", levels),
            nested("{\"a\":", "1", "}", levels),
        ] {
            let body = format!(
                "{{\"query\": {}, \"variables\": {{\"ids\": {value}}}}}",
                json!(query)
            );
            let response = app
                .request(
                    axum::http::Request::post("/graphql")
                        .header("content-type", "application/json")
                        .header("accept", "application/graphql-response+json")
                        .body(axum::body::Body::from(body))
                        .expect("a request"),
                )
                .await;
            refused_then_served(
                &app,
                &response,
                "valueDepth",
                &format!("POST variables, {levels}"),
            )
            .await;
            assert_eq!(response.json()["errors"][0]["extensions"]["field"], "$ids");
            let uri = format!(
                "/graphql?query={}&variables={}",
                url_encode(query),
                url_encode(&format!("{{\"ids\": {value}}}"))
            );
            if uri.len() >= usize::from(u16::MAX) {
                assert!(levels >= 10_000, "{levels} levels fit in a URI");
                continue;
            }
            let response = get(&app, uri).await;
            refused_then_served(&app, &response, "valueDepth", &format!("GET variables, {levels}")).await;
            assert_eq!(response.json()["errors"][0]["extensions"]["field"], "$ids");
        }
    }
}

#[tokio::test]
async fn values_at_the_limit_are_read_as_usual() {
    let app = TestApp::seeded().await;
    // 64 levels of list: the parser reads it, validation refuses it as the wrong type, typed.
    let document = format!("{{ nodes(ids: {}) {{ id }} }}", nested("[", "\"x\"", "]", 64));
    let body = app.graphql(&document, Value::Null).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body:#}"
    );
    // A variable nested 64 levels deep is read, and refused only as the wrong type.
    let variables =
        json!({ "ids": serde_json::from_str::<Value>(&nested("[", "\"x\"", "]", 63)).expect("JSON") });
    let body = app
        .graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", variables)
        .await;
    let code = &body["errors"][0]["extensions"]["code"];
    assert_ne!(code, "QUERY_TOO_COMPLEX", "{body:#}");
    assert_ne!(code, "INTERNAL_SERVER_ERROR", "{body:#}");
}
