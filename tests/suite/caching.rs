//! Caching of GET answers: an answer that cannot depend on the caller is public with an ETag; one
//! that selects anything about the caller (their rate limit, themself, contributions, events,
//! users) is `private, no-store` with no ETag, the first time and every later time the same document
//! runs (on a kept validation, or as a compiled page).

use std::time::Duration;

use api::graphql::SchemaOptions;
use api::http::HttpOptions;
use api::rate_limit::RateLimits;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use entity::values::Role;
use serde_json::json;
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, TestResponse, url_encode};

const PRIVATE: &str = "private, no-store";
const PUBLIC: &str = "public, max-age=60";

/// The seed app with rate limits on, so `rateLimit` answers.
async fn limited() -> TestApp {
    TestApp::seeded().await.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            rate_limits: Some(RateLimits {
                anonymous: 1_000,
                authenticated: 10_000,
                window: Duration::from_secs(60),
            }),
            ..HttpOptions::default()
        },
    )
}

fn get_uri(query: &str, variables: serde_json::Value) -> String {
    format!(
        "/graphql?query={}&variables={}",
        url_encode(query),
        url_encode(&variables.to_string())
    )
}

fn assert_private(response: &TestResponse, what: &str) {
    assert_eq!(response.status, StatusCode::OK, "{what}: {}", response.text());
    assert!(
        response.json().get("errors").is_none(),
        "{what}: {}",
        response.text()
    );
    assert_eq!(response.header("cache-control"), Some(PRIVATE), "{what}");
    assert_eq!(response.header("etag"), None, "{what}");
}

#[tokio::test]
async fn a_get_of_the_rate_limit_is_private_every_time() {
    let app = limited().await;
    let uri = get_uri("{ rateLimit { used remaining } }", json!({}));
    let first = app.get(&uri).await;
    let second = app.get(&uri).await;
    // The second ran on the first one's validation.
    assert_eq!(
        app.counter("claimgraph_graphql_validations_reused_total").await,
        1
    );
    assert_private(&first, "the first GET");
    assert_private(&second, "the second GET");
    assert_ne!(
        first.json()["data"]["rateLimit"]["used"],
        second.json()["data"]["rateLimit"]["used"],
        "each answer is its own client's budget"
    );
    // With nothing to revalidate, an If-None-Match never gets a 304.
    let again = app
        .request(
            Request::get(&uri)
                .header("if-none-match", "*")
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_private(&again, "a conditional GET");
}

#[tokio::test]
async fn every_caller_dependent_field_makes_a_get_private() {
    let app = limited().await;
    let token = app.token("casey", Role::Contributor).await;
    let documents = [
        "{ rateLimit { remaining } }",
        "{ __typename claim(slug: \"rest-pause-training\") { slug } rateLimit { cost } }",
        "{ viewer { name } }",
        "{ events(last: 1) { totalCount } }",
        "{ events(last: 1) { nodes { action actor { name } } } }",
        "{ claim(slug: \"rest-pause-training\") { history(last: 1) { totalCount } } }",
        "{ claim(slug: \"rest-pause-training\") { slug history(first: 1) { nodes { action } } } }",
    ];
    for document in documents {
        let uri = get_uri(document, json!({}));
        for run in ["first", "second"] {
            assert_private(&app.get(&uri).await, &format!("{run} GET of {document}"));
        }
        // A signed-in GET of it is private too.
        let signed = app
            .request(
                Request::get(&uri)
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await;
        assert_private(&signed, &format!("signed-in GET of {document}"));
    }
    // Contributions need a token: a signed-in GET of them is private.
    let uri = get_uri("{ contributions { totalCount } }", json!({}));
    let signed = app
        .request(
            Request::get(&uri)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_private(&signed, "contributions");
    // A user's fields through `node(id:)`, by a fragment on User.
    let id = app.data_as(&token, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let uri = get_uri(
        "query($id: ID!) { node(id: $id) { id ... on User { name } } }",
        json!({ "id": id }),
    );
    for run in ["first", "second"] {
        let response = app.get(&uri).await;
        assert_eq!(
            response.header("cache-control"),
            Some(PRIVATE),
            "{run} GET of a user"
        );
    }
}

#[tokio::test]
async fn a_get_of_the_claim_page_stays_public_with_an_etag_every_time() {
    let app = limited().await;
    let uri = get_uri(CLAIM_PAGE, json!({ "slug": SEED_SLUG }));
    // Validated, then on the kept validation (answered as a compiled page), then again.
    let mut etags = Vec::new();
    for run in 0..3 {
        let response = app.get(&uri).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.header("cache-control"), Some(PUBLIC), "run {run}");
        // One client's budget is not for a shared cache to keep and hand to the next.
        assert_eq!(response.header("x-ratelimit-remaining"), None, "run {run}");
        etags.push(response.header("etag").expect("an ETag").to_owned());
    }
    // A private answer, and the same page by POST, still say where the client stands.
    let private = app.get(&get_uri("{ rateLimit { used } }", json!({}))).await;
    assert!(private.header("x-ratelimit-remaining").is_some());
    let page = app.post_graphql(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    assert!(page.header("x-ratelimit-remaining").is_some());
    assert!(etags.windows(2).all(|w| w[0] == w[1]), "{etags:?}");
    // A POST that selects the rate limit is marked private too.
    let post = app.post_graphql("{ rateLimit { remaining } }", json!({})).await;
    assert_eq!(post.header("cache-control"), Some(PRIVATE));
    assert_eq!(post.header("etag"), None);
}
