//! Automatic persisted queries (Apollo's protocol): a hash alone is looked up, a hash with its query
//! is checked and kept, by POST and by GET, and a hash that is not the query's is refused.

use api::graphql::SchemaOptions;
use api::http::HttpOptions;
use api::http::documents::DocumentHash;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tests::{SEED_SLUG, TestApp, assert_refusal, url_encode};

const QUERY: &str = "query Slug($slug: String!) { claim(slug: $slug) { slug statement } }";

fn hash(text: &str) -> String {
    DocumentHash::of(text).to_string()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// The GET URL of a hash alone, with the slug variable.
fn get_uri(hash: &str) -> String {
    format!(
        "/graphql?extensions={}&variables={}",
        url_encode(&persisted(hash).to_string()),
        url_encode(&json!({ "slug": SEED_SLUG }).to_string())
    )
}

fn expected_slug(body: &Value) {
    assert_eq!(body["data"]["claim"]["slug"], SEED_SLUG, "{body:#}");
}

#[tokio::test]
async fn an_unknown_hash_alone_is_persisted_query_not_found() {
    let app = TestApp::seeded().await;
    let body = json!({ "extensions": persisted(&hash(QUERY)), "variables": { "slug": SEED_SLUG } });
    // Apollo's clients match on the code, or on this exact message, and then send the query.
    let response = app.post_json(&body, &[]).await;
    assert_refusal(
        &response,
        StatusCode::BAD_REQUEST,
        "PERSISTED_QUERY_NOT_FOUND",
        "PersistedQueryNotFound",
    );
    assert_eq!(response.json()["errors"][0]["message"], "PersistedQueryNotFound");
    // A request error: 200 under application/json, as for a document that does not validate.
    let response = app.post_json(&body, &[("accept", "application/json")]).await;
    assert_refusal(
        &response,
        StatusCode::OK,
        "PERSISTED_QUERY_NOT_FOUND",
        "PersistedQueryNotFound",
    );
    // By GET as well.
    let response = app.get(&get_uri(&hash(QUERY))).await;
    assert_refusal(
        &response,
        StatusCode::OK,
        "PERSISTED_QUERY_NOT_FOUND",
        "PersistedQueryNotFound",
    );
}

#[tokio::test]
async fn a_hash_with_its_query_registers_it_and_the_hash_alone_then_runs_by_post_and_get() {
    let app = TestApp::seeded().await;
    let variables = json!({ "slug": SEED_SLUG });
    let register = json!({ "query": QUERY, "variables": variables, "extensions": persisted(&hash(QUERY)) });
    let registered = app.post_json(&register, &[]).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text());
    expected_slug(&registered.json());

    let by_hash = json!({ "variables": variables, "extensions": persisted(&hash(QUERY)) });
    let response = app.post_json(&by_hash, &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json(), registered.json());

    // A GET of the hash alone is the bandwidth win: short URLs that caches can keep.
    let uri = get_uri(&hash(QUERY));
    let response = app.get(&uri).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json(), registered.json());
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    let etag = response.header("etag").expect("an ETag").to_owned();
    let revalidated = app
        .request(
            Request::get(&uri)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);

    // The GraphQL-over-HTTP draft's documentId names the same document.
    let by_id = json!({ "documentId": format!("sha256:{}", hash(QUERY)), "variables": variables });
    assert_eq!(app.post_json(&by_id, &[]).await.json(), registered.json());
}

#[tokio::test]
async fn a_hash_that_is_not_the_querys_is_refused_and_nothing_is_kept() {
    let app = TestApp::seeded().await;
    let other = "{ __typename }";
    let body =
        json!({ "query": QUERY, "variables": { "slug": SEED_SLUG }, "extensions": persisted(&hash(other)) });
    let statements = app.statements();
    let response = app.post_json(&body, &[]).await;
    let error = assert_refusal(
        &response,
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        &format!("The query's SHA-256 is {}, not {}", hash(QUERY), hash(other)),
    );
    assert_eq!(app.statements(), statements, "nothing ran");
    assert!(error["message"].as_str().is_some_and(|m| m.ends_with('.')));
    for id in [hash(other), hash(QUERY)] {
        let response = app.post_json(&json!({ "extensions": persisted(&id) }), &[]).await;
        assert_refusal(
            &response,
            StatusCode::BAD_REQUEST,
            "PERSISTED_QUERY_NOT_FOUND",
            "PersistedQueryNotFound",
        );
    }
}

#[tokio::test]
async fn a_malformed_persisted_query_extension_is_400_saying_what_it_must_be() {
    let app = TestApp::seeded().await;
    let good = hash(QUERY);
    for (extension, message) in [
        (
            json!({ "version": 2, "sha256Hash": good }),
            "Only version 1 of extensions.persistedQuery is supported.",
        ),
        (
            json!({ "version": 1, "sha256Hash": "abc" }),
            "extensions.persistedQuery must be an object {\"version\": 1, \"sha256Hash\"",
        ),
        (json!("yes"), "extensions.persistedQuery must be an object"),
    ] {
        let body = json!({ "query": QUERY, "extensions": { "persistedQuery": extension } });
        let response = app.post_json(&body, &[]).await;
        assert_refusal(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST", message);
    }
    let body = json!({ "documentId": 7 });
    assert_refusal(
        &app.post_json(&body, &[]).await,
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        "The documentId parameter must name a document by its SHA-256",
    );
    let body = json!({ "documentId": hash("{ a }"), "extensions": persisted(&good) });
    assert_refusal(
        &app.post_json(&body, &[]).await,
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        "documentId and extensions.persistedQuery.sha256Hash name different documents",
    );
}

#[tokio::test]
async fn a_mutation_named_by_hash_is_still_refused_by_get() {
    let app = TestApp::seeded().await;
    let mutation = "mutation { nothing }";
    // It parses, so it is kept, though it does not validate against the schema.
    let body = json!({ "query": mutation, "extensions": persisted(&hash(mutation)) });
    app.post_json(&body, &[]).await;
    let uri = format!(
        "/graphql?extensions={}",
        url_encode(&persisted(&hash(mutation)).to_string())
    );
    let response = app.get(&uri).await;
    assert_refusal(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Only queries may be sent by GET",
    );
    assert_eq!(response.header("allow"), Some("POST"));
}

#[tokio::test]
async fn persisted_queries_can_be_turned_off() {
    let app = TestApp::seeded().await.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            persisted_queries: None,
            ..HttpOptions::default()
        },
    );
    let register =
        json!({ "query": QUERY, "variables": { "slug": SEED_SLUG }, "extensions": persisted(&hash(QUERY)) });
    // With its text, the query runs (Apollo's clients send that once told persisted queries are off).
    let response = app.post_json(&register, &[]).await;
    assert_eq!(response.status, StatusCode::OK);
    expected_slug(&response.json());
    let response = app
        .post_json(&json!({ "extensions": persisted(&hash(QUERY)) }), &[])
        .await;
    assert_refusal(
        &response,
        StatusCode::BAD_REQUEST,
        "PERSISTED_QUERY_NOT_SUPPORTED",
        "PersistedQueryNotSupported",
    );
}
