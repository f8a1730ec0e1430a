//! GraphQL over HTTP (<https://graphql.github.io/graphql-over-http/draft/>): media type negotiation,
//! status codes, which methods and content types run anything, and how malformed or oversized
//! requests are refused. `tests/audit` runs the npm `graphql-http` audit against a live server; these
//! pin the same behaviour in-process, plus what the audit does not check.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tests::{TestApp, TestResponse, url_encode as encode};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// POSTs `body` with the given headers.
async fn post(app: &TestApp, headers: &[(&str, &str)], body: impl Into<Body>) -> TestResponse {
    let mut request = Request::post("/graphql");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.request(request.body(body.into()).expect("a valid request"))
        .await
}

/// POSTs `{"query": query}` as JSON, accepting `accept`.
async fn post_query(app: &TestApp, accept: &str, query: &str) -> TestResponse {
    let body = json!({ "query": query }).to_string();
    post(app, &[("content-type", JSON), ("accept", accept)], body).await
}

/// GETs `/graphql` with `query` in the URL.
async fn get_query(app: &TestApp, accept: Option<&str>, query: &str) -> TestResponse {
    let uri = format!("/graphql?query={}", encode(query));
    let mut request = Request::get(uri);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    app.request(request.body(Body::empty()).expect("a valid request"))
        .await
}

/// Asserts the response is JSON of `media` with exactly one error of `code` and no `data`.
fn assert_refused(response: &TestResponse, status: StatusCode, code: &str, media: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    assert_content_type(response, media);
    let body = response.json();
    assert!(body.get("data").is_none(), "a refusal has no data: {body:#}");
    tests::single_error(&body, code, None);
    body
}

fn assert_content_type(response: &TestResponse, media: &str) {
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.split(';').next() == Some(media),
        "expected {media}, got {content_type:?}"
    );
}

/// Words that only Rust's debug output or type names would put in a message.
const RUST_DEBUG: [&str; 8] = [
    "InvalidRequest",
    "Error(",
    "ParseRequestError",
    "serde",
    "Some(",
    "::",
    "expected ident",
    "line: ",
];

#[tokio::test]
async fn a_client_accepting_graphql_response_json_gets_it() {
    let app = TestApp::migrated().await;
    let response = post_query(&app, GRAPHQL_RESPONSE, "{ __typename }").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_content_type(&response, GRAPHQL_RESPONSE);
    assert_eq!(response.json(), json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn a_client_accepting_only_application_json_gets_it() {
    let app = TestApp::migrated().await;
    let response = post_query(&app, JSON, "{ __typename }").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_content_type(&response, JSON);
    assert_eq!(response.json(), json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn a_client_accepting_both_gets_graphql_response_json() {
    let app = TestApp::migrated().await;
    let response = post_query(
        &app,
        "application/json, application/graphql-response+json",
        "{ __typename }",
    )
    .await;
    assert_content_type(&response, GRAPHQL_RESPONSE);
}

#[tokio::test]
async fn no_accept_header_or_any_type_gets_application_json() {
    let app = TestApp::migrated().await;
    let response = post(
        &app,
        &[("content-type", JSON)],
        json!({ "query": "{ __typename }" }).to_string(),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_content_type(&response, JSON);
    let response = post_query(&app, "*/*", "{ __typename }").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_content_type(&response, JSON);
}

#[tokio::test]
async fn an_accept_allowing_neither_type_is_406() {
    let app = TestApp::migrated().await;
    let response = post_query(&app, "text/html", "{ __typename }").await;
    assert_refused(&response, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE", JSON);
    let response = get_query(&app, Some("application/xml"), "{ __typename }").await;
    assert_refused(&response, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE", JSON);
}

#[tokio::test]
async fn a_validation_error_under_graphql_response_json_is_400_without_data() {
    let app = TestApp::migrated().await;
    let response = post_query(&app, GRAPHQL_RESPONSE, "{ nope }").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_content_type(&response, GRAPHQL_RESPONSE);
    let body = response.json();
    assert!(body.get("data").is_none(), "{body:#}");
    tests::single_error(&body, "GRAPHQL_VALIDATION_FAILED", None);
}

#[tokio::test]
async fn a_validation_error_under_application_json_is_200() {
    let app = TestApp::migrated().await;
    let response = post_query(&app, JSON, "{ nope }").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_content_type(&response, JSON);
    tests::single_error(&response.json(), "GRAPHQL_VALIDATION_FAILED", None);
}

#[tokio::test]
async fn a_parse_error_under_graphql_response_json_is_400_and_under_application_json_200() {
    let app = TestApp::migrated().await;
    let response = post_query(&app, GRAPHQL_RESPONSE, "{").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let body = response.json();
    assert!(body.get("data").is_none(), "{body:#}");
    tests::single_error(&body, "GRAPHQL_PARSE_FAILED", None);
    let response = post_query(&app, JSON, "{").await;
    assert_eq!(response.status, StatusCode::OK);
    tests::single_error(&response.json(), "GRAPHQL_PARSE_FAILED", None);
}

#[tokio::test]
async fn a_variable_of_the_wrong_type_under_graphql_response_json_is_400() {
    let app = TestApp::migrated().await;
    let body = json!({ "query": "query($id: ID!) { __typename }", "variables": { "id": null } }).to_string();
    let response = post(
        &app,
        &[("content-type", JSON), ("accept", GRAPHQL_RESPONSE)],
        body,
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    tests::single_error(&response.json(), "BAD_USER_INPUT", Some("$id"));
}

#[tokio::test]
async fn a_resolver_error_still_answers_200_with_data() {
    let app = TestApp::migrated().await;
    // `first` over 100 is a caller's mistake found while executing, not a request error.
    let response = post_query(&app, GRAPHQL_RESPONSE, "{ claims(first: 101) { totalCount } }").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let body = response.json();
    assert!(body.get("data").is_some(), "{body:#}");
    tests::single_error(&body, "BAD_USER_INPUT", Some("first"));
}

#[tokio::test]
async fn a_text_plain_post_is_415_and_runs_nothing() {
    let app = TestApp::migrated().await;
    let body = json!({ "query": "{ __typename }" }).to_string();
    let response = post(
        &app,
        &[("content-type", "text/plain"), ("accept", GRAPHQL_RESPONSE)],
        body,
    )
    .await;
    assert_refused(
        &response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        GRAPHQL_RESPONSE,
    );
}

#[tokio::test]
async fn a_form_post_is_415() {
    let app = TestApp::migrated().await;
    let body = format!("query={}", encode("{ __typename }"));
    let response = post(
        &app,
        &[("content-type", "application/x-www-form-urlencoded")],
        body,
    )
    .await;
    assert_refused(
        &response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        JSON,
    );
    let multipart = "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ __typename }\"}\r\n--x--\r\n";
    let response = post(
        &app,
        &[("content-type", "multipart/form-data; boundary=x")],
        multipart,
    )
    .await;
    assert_refused(
        &response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        JSON,
    );
}

#[tokio::test]
async fn a_post_without_a_content_type_is_415() {
    let app = TestApp::migrated().await;
    let response = post(&app, &[], json!({ "query": "{ __typename }" }).to_string()).await;
    assert_refused(
        &response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        JSON,
    );
}

#[tokio::test]
async fn a_json_post_with_a_utf8_charset_is_accepted() {
    let app = TestApp::migrated().await;
    let body = json!({ "query": "{ __type(name: \"Run🏃Swim🏊\") { name } }" }).to_string();
    let response = post(&app, &[("content-type", "application/json; charset=utf-8")], body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json(), json!({ "data": { "__type": null } }));
}

#[tokio::test]
async fn a_mutation_by_get_is_405_allowing_post() {
    let app = TestApp::migrated().await;
    let response = get_query(&app, Some(GRAPHQL_RESPONSE), "mutation { __typename }").await;
    assert_refused(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        GRAPHQL_RESPONSE,
    );
    assert_eq!(response.header("allow"), Some("POST"));
}

#[tokio::test]
async fn a_mutation_by_get_is_found_through_its_operation_name() {
    let app = TestApp::migrated().await;
    let document = "query Read { __typename } mutation Write { __typename }";
    let uri = format!("/graphql?query={}&operationName=Write", encode(document));
    let response = app.get(&uri).await;
    assert_refused(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        JSON,
    );
    assert_eq!(response.header("allow"), Some("POST"));
}

#[tokio::test]
async fn the_operation_name_of_a_get_picks_the_operation() {
    let app = TestApp::migrated().await;
    let document = "query Kind { __typename } query Name { __type(name: \"Claim\") { name } }";
    let uri = format!("/graphql?query={}&operationName=Name", encode(document));
    let response = app.get(&uri).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({ "data": { "__type": { "name": "Claim" } } })
    );
}

#[tokio::test]
async fn a_query_by_get_still_works_with_variables() {
    let app = TestApp::migrated().await;
    let uri = format!(
        "/graphql?query={}&variables={}",
        encode("query($name: String!) { __type(name: $name) { name } }"),
        encode(r#"{"name": "Claim"}"#)
    );
    let response = app.get(&uri).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_content_type(&response, JSON);
    assert_eq!(
        response.json(),
        json!({ "data": { "__type": { "name": "Claim" } } })
    );
}

#[tokio::test]
async fn a_get_without_a_query_is_400() {
    let app = TestApp::migrated().await;
    let response = app.get("/graphql").await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST", JSON);
    let response = app
        .get("/graphql?query=%7B__typename%7D&variables=not-json")
        .await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST", JSON);
}

#[tokio::test]
async fn another_method_is_405_naming_get_and_post() {
    let app = TestApp::migrated().await;
    let request = Request::put("/graphql")
        .body(Body::empty())
        .expect("a valid request");
    let response = app.request(request).await;
    assert_refused(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        JSON,
    );
    assert_eq!(response.header("allow"), Some("GET, POST"));
}

#[tokio::test]
async fn a_batch_is_refused_with_400() {
    let app = TestApp::migrated().await;
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]).to_string();
    let response = post(
        &app,
        &[("content-type", JSON), ("accept", GRAPHQL_RESPONSE)],
        batch,
    )
    .await;
    let body = assert_refused(
        &response,
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        GRAPHQL_RESPONSE,
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Batch"))
    );
}

#[tokio::test]
async fn a_1000_operation_batch_is_refused_like_any_batch() {
    let app = TestApp::migrated().await;
    let batch = Value::Array(vec![json!({ "query": "{ __typename }" }); 1000]).to_string();
    let response = post(&app, &[("content-type", JSON)], batch).await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST", JSON);
}

#[tokio::test]
async fn a_2_mib_body_is_413_with_a_json_error() {
    let app = TestApp::migrated().await;
    let padding = " ".repeat(2 * 1024 * 1024);
    let body = format!(r#"{{"query": "{{ __typename }}"{padding}}}"#);
    // With its length declared, as browsers send it: refused before reading.
    let length = body.len().to_string();
    let response = post(
        &app,
        &[("content-type", JSON), ("content-length", length.as_str())],
        body.clone(),
    )
    .await;
    assert_refused(
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        JSON,
    );
    // With no declared length (in-process, nothing adds one): refused while reading.
    let response = post(&app, &[("content-type", JSON)], body).await;
    assert_refused(
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        JSON,
    );
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read() {
    let app = TestApp::migrated().await;
    let padding = " ".repeat(1024 * 1024 - 64);
    let body = format!(r#"{{"query": "{{ __typename }}"{padding}}}"#);
    let response = post(&app, &[("content-type", JSON)], body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
}

#[tokio::test]
async fn the_body_limit_is_a_flag() {
    let app = TestApp::migrated().await.reconfigured(
        api::graphql::SchemaOptions::default(),
        api::http::HttpOptions {
            max_body_bytes: 100,
            ..api::http::HttpOptions::default()
        },
    );
    let small = json!({ "query": "{ __typename }" }).to_string();
    let response = post(&app, &[("content-type", JSON)], small).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let large = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(100)) }).to_string();
    let response = post(&app, &[("content-type", JSON)], large).await;
    let body = assert_refused(
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        JSON,
    );
    assert_eq!(
        body["errors"][0]["message"],
        "The request body is larger than 100 bytes, the most this endpoint reads."
    );

    use clap::Parser;
    let flag = |args: &[&str]| {
        api::config::Cli::try_parse_from(args)
            .expect("valid flags")
            .http_options()
            .expect("options")
            .max_body_bytes
    };
    assert_eq!(flag(&["claimgraph"]), 1024 * 1024);
    assert_eq!(flag(&["claimgraph", "--max-body-bytes", "4096"]), 4096);
}

#[tokio::test]
async fn malformed_json_is_400_with_a_sentence_and_no_rust_names() {
    let app = TestApp::migrated().await;
    for body in [r#"{ "not a JSON"#, r#"{query: "{ __typename }"}"#, "{", "nul"] {
        let response = post(
            &app,
            &[("content-type", JSON), ("accept", GRAPHQL_RESPONSE)],
            body,
        )
        .await;
        let refused = assert_refused(
            &response,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            GRAPHQL_RESPONSE,
        );
        let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("The request body is not valid JSON"),
            "{message}"
        );
        for word in RUST_DEBUG {
            assert!(!response.text().contains(word), "{word:?} in {}", response.text());
        }
    }
}

#[tokio::test]
async fn an_empty_body_is_400() {
    let app = TestApp::migrated().await;
    let response = post(&app, &[("content-type", JSON)], "").await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST", JSON);
}

#[tokio::test]
async fn parameters_of_the_wrong_type_are_400_naming_the_parameter() {
    let app = TestApp::migrated().await;
    let cases = [
        (json!({ "notquery": "{ __typename }" }), "query"),
        (json!({ "query": { "obj": "ect" } }), "query"),
        (json!({ "query": 0 }), "query"),
        (json!({ "query": ["{ __typename }"] }), "query"),
        (
            json!({ "query": "{ __typename }", "operationName": false }),
            "operationName",
        ),
        (
            json!({ "query": "{ __typename }", "variables": "string" }),
            "variables",
        ),
        (
            json!({ "query": "{ __typename }", "variables": [1] }),
            "variables",
        ),
        (
            json!({ "query": "{ __typename }", "extensions": 0 }),
            "extensions",
        ),
        (json!("{ __typename }"), "JSON object"),
    ];
    for (body, named) in cases {
        let response = post(&app, &[("content-type", JSON)], body.to_string()).await;
        let refused = assert_refused(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST", JSON);
        let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{body}: {message}");
        for word in RUST_DEBUG {
            assert!(!message.contains(word), "{word:?} in {message}");
        }
    }
}

#[tokio::test]
async fn null_parameters_count_as_absent() {
    let app = TestApp::migrated().await;
    let body = json!({
        "query": "{ __typename }", "operationName": null, "variables": null, "extensions": null
    });
    let response = post(&app, &[("content-type", JSON)], body.to_string()).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json(), json!({ "data": { "__typename": "Query" } }));
}
