//! Trusted documents mode: only the manifest's documents run, named by hash; any other document is
//! refused with TRUSTED_DOCUMENT_REQUIRED and never executed; a bad manifest stops the start.

use std::sync::Arc;

use api::graphql::SchemaOptions;
use api::http::HttpOptions;
use api::http::documents::{DocumentHash, TrustedDocuments};
use axum::http::StatusCode;
use clap::Parser;
use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, assert_refusal, url_encode};

fn manifest() -> String {
    json!({ DocumentHash::of(CLAIM_PAGE).to_string(): CLAIM_PAGE }).to_string()
}

async fn trusted_app() -> TestApp {
    let documents = TrustedDocuments::from_json(&manifest()).expect("a valid manifest");
    TestApp::seeded().await.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            trusted_documents: Some(Arc::new(documents)),
            ..HttpOptions::default()
        },
    )
}

fn claim_page_id() -> String {
    DocumentHash::of(CLAIM_PAGE).to_string()
}

fn assert_claim_page(body: &Value) {
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["claim"]["slug"], SEED_SLUG, "{body:#}");
}

#[tokio::test]
async fn a_manifest_document_runs_by_document_id_or_persisted_query_hash() {
    let app = trusted_app().await;
    let variables = json!({ "slug": SEED_SLUG });
    for body in [
        json!({ "documentId": format!("sha256:{}", claim_page_id()), "variables": variables }),
        json!({ "documentId": claim_page_id(), "variables": variables }),
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": claim_page_id() } }, "variables": variables }),
        // Its own text may come along, if it is the document's exact text.
        json!({ "documentId": claim_page_id(), "query": CLAIM_PAGE, "variables": variables }),
    ] {
        let response = app.post_json(&body, &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_claim_page(&response.json());
    }
    let uri = format!(
        "/graphql?documentId=sha256%3A{}&variables={}",
        claim_page_id(),
        url_encode(&variables.to_string())
    );
    let response = app.get(&uri).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_claim_page(&response.json());
}

#[tokio::test]
async fn a_free_form_query_is_refused_and_never_executed() {
    let app = trusted_app().await;
    let statements = app.statements();
    // Even the manifest's own text, sent without its id, as GraphiQL would send it.
    for query in ["{ claims { totalCount } }", CLAIM_PAGE] {
        let response = app.post_graphql(query, json!({ "slug": SEED_SLUG })).await;
        assert_refusal(
            &response,
            StatusCode::FORBIDDEN,
            "TRUSTED_DOCUMENT_REQUIRED",
            "This server runs only its trusted documents: name one by its hash in documentId",
        );
    }
    let response = app.get("/graphql?query=%7B__typename%7D").await;
    assert_refusal(
        &response,
        StatusCode::FORBIDDEN,
        "TRUSTED_DOCUMENT_REQUIRED",
        "instead of sending a query",
    );
    assert_eq!(app.statements(), statements, "nothing ran");
}

#[tokio::test]
async fn registering_an_automatic_persisted_query_is_refused() {
    let app = trusted_app().await;
    let query = "{ claims { totalCount } }";
    let id = DocumentHash::of(query).to_string();
    let register =
        json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": id } } });
    let response = app.post_json(&register, &[]).await;
    assert_refusal(
        &response,
        StatusCode::FORBIDDEN,
        "TRUSTED_DOCUMENT_REQUIRED",
        "This server runs only its trusted documents",
    );
    // Nothing was kept: the hash alone names no document.
    let response = app.post_json(&json!({ "documentId": id }), &[]).await;
    assert_refusal(
        &response,
        StatusCode::BAD_REQUEST,
        "PERSISTED_QUERY_NOT_FOUND",
        &format!("No trusted document has the id {id}: this server runs only the documents in its manifest."),
    );
    // A trusted id with some other text is a mismatch, and the trusted document does not run.
    let body = json!({ "documentId": claim_page_id(), "query": query });
    assert_refusal(
        &app.post_json(&body, &[]).await,
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        &format!("The query's SHA-256 is {id}, not {}", claim_page_id()),
    );
}

/// Reads the options as the binary does at start, with a manifest of `text`: the number of
/// documents loaded, or the error the start prints.
fn start_with_manifest(text: &str) -> Result<usize, String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("manifest.json");
    std::fs::write(&path, text).expect("writing the manifest");
    let path = path.to_str().expect("a UTF-8 path");
    api::config::Cli::try_parse_from(["claimgraph", "--trusted-documents", path])
        .expect("valid flags")
        .http_options()
        .map(|options| options.trusted_documents.map_or(0, |documents| documents.len()))
        .map_err(|err| format!("{err:#}"))
}

#[test]
fn a_good_manifest_is_loaded_at_start() {
    assert_eq!(start_with_manifest(&manifest()), Ok(1));
}

#[test]
fn a_bad_manifest_stops_the_start_naming_every_problem() {
    let wrong = DocumentHash::of("{ other }").to_string();
    let text = json!({ claim_page_id(): CLAIM_PAGE, wrong.clone(): CLAIM_PAGE, "nope": "{ __typename }" });
    let error = start_with_manifest(&text.to_string()).expect_err("refused");
    assert!(
        error.contains("manifest.json is not valid (2 problems)"),
        "{error}"
    );
    assert!(
        error.contains(&format!("{wrong}: the document's SHA-256 is {}", claim_page_id())),
        "{error}"
    );
    assert!(error.contains("\"nope\" is not a SHA-256 hash"), "{error}");

    let error = start_with_manifest("not json").expect_err("refused");
    assert!(error.contains("it is not JSON"), "{error}");
    let error = start_with_manifest("{}").expect_err("refused");
    assert!(error.contains("it lists no document"), "{error}");

    let missing =
        api::config::Cli::try_parse_from(["claimgraph", "--trusted-documents", "/nonexistent/manifest.json"])
            .expect("valid flags")
            .http_options()
            .map(|_| ())
            .map_err(|err| format!("{err:#}"))
            .expect_err("refused");
    assert!(
        missing.contains("cannot read the trusted documents manifest /nonexistent/manifest.json"),
        "{missing}"
    );
}
