//! Internal failures reach clients only as a generic, coded error: no SQL, no file path, no Rust type.

use sea_orm::ConnectionTrait;
use serde_json::json;
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp};

/// Words that would betray the server's internals in a response.
const LEAKS: [&str; 12] = [
    "SELECT",
    "select ",
    "FROM ",
    "sqlite",
    "postgres",
    "no such table",
    "relation ",
    "DbErr",
    "sea_orm",
    "sqlx",
    "/tmp",
    ".rs:",
];

fn assert_no_leak(text: &str) {
    for leak in LEAKS {
        assert!(!text.contains(leak), "the response leaks {leak:?}: {text}");
    }
}

#[tokio::test]
async fn a_database_failure_is_an_internal_error_that_leaks_nothing() {
    let app = TestApp::seeded().await;
    app.db
        .execute_unprepared("DROP TABLE citation")
        .await
        .expect("dropping a table");
    let response = app.post_graphql(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let text = response.text();
    assert_no_leak(&text);
    let body = response.json();
    let errors = body["errors"].as_array().expect("errors");
    assert!(!errors.is_empty(), "{body:#}");
    let request_id = response
        .header("x-request-id")
        .expect("every response carries its request id")
        .to_owned();
    assert!(!request_id.is_empty());
    for error in errors {
        assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR", "{body:#}");
        assert_eq!(error["message"], api::error::INTERNAL_MESSAGE);
        // The id a client reports, which names the one log line holding the cause.
        assert_eq!(error["extensions"]["requestId"], request_id.as_str(), "{body:#}");
    }
}

#[tokio::test]
async fn a_failing_root_query_leaks_nothing() {
    let app = TestApp::seeded().await;
    // Renaming works the same on SQLite and PostgreSQL, whatever references the table.
    app.db
        .execute_unprepared("ALTER TABLE claim RENAME TO claim_gone")
        .await
        .expect("renaming a table");
    for query in [
        "{ claim(slug: \"rest-pause-training\") { slug } }",
        "{ claims { totalCount edges { node { slug } } } }",
        "{ doi(value: \"10.3390/jfmk11010080\") { citedBy { edges { node { mechanism { claim { slug } } } } } } }",
    ] {
        let response = app.post_graphql(query, json!({})).await;
        let text = response.text();
        assert_no_leak(&text);
        let body = response.json();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
            "{query}: {body:#}"
        );
    }
}

#[test]
#[should_panic(expected = "no ERROR was logged in request never-logged")]
fn an_internal_answer_whose_cause_was_not_logged_fails_the_suite() {
    tests::internal_errors::listen();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        "x-request-id",
        axum::http::HeaderValue::from_static("never-logged"),
    );
    tests::internal_errors::assert_logged(&tests::TestResponse {
        status: axum::http::StatusCode::OK,
        headers,
        body: br#"{"errors":[{"message":"x","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#.to_vec(),
    });
}
