//! Over HTTP: health, GraphiQL and its bundled assets, and queries by GET and by POST.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use tests::{SEED_SLUG, TestApp};

#[tokio::test]
async fn health_answers_ok() {
    let app = TestApp::migrated().await;
    let response = app.get("/health").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), json!({ "status": "ok" }));
}

#[tokio::test]
async fn a_query_by_post_returns_the_claim() {
    let app = TestApp::seeded().await;
    let response = app
        .post_graphql(
            "query($slug: String!) { claim(slug: $slug) { slug } }",
            json!({ "slug": SEED_SLUG }),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.json(),
        json!({ "data": { "claim": { "slug": SEED_SLUG } } })
    );
}

#[tokio::test]
async fn a_query_by_get_returns_the_claim() {
    let app = TestApp::seeded().await;
    let uri = "/graphql?query=query%28%24slug%3A%20String%21%29%20%7B%20claim%28slug%3A%20%24slug%29%20%7B%20slug%20%7D%20%7D\
               &variables=%7B%22slug%22%3A%22rest-pause-training%22%7D";
    let response = app.get(uri).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({ "data": { "claim": { "slug": SEED_SLUG } } })
    );
}

/// Hosts a browser would fetch a script, style or font from if the page were not self-contained.
const CDN_HOSTS: [&str; 7] = [
    "unpkg.com",
    "jsdelivr.net",
    "cdnjs.",
    "esm.sh",
    "googleapis.com",
    "gstatic.com",
    "skypack.dev",
];

#[tokio::test]
async fn graphiql_is_served_from_bundled_assets_naming_no_external_url() {
    let app = TestApp::migrated().await;
    let page = app.get("/graphiql").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let html = page.text();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page names an external URL:\n{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("onload="),
        "inline script in the page"
    );
    // Every asset the page links is served by us, with its type, and names no CDN.
    let linked: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with("/graphiql/"))
        .collect();
    for name in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "operations.js",
        "start.js",
    ] {
        assert!(
            linked.contains(&format!("/graphiql/{name}").as_str()),
            "the page does not load {name}: {linked:?}"
        );
    }
    for path in linked {
        let asset = app.get(path).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert!(asset.body.len() > 100, "{path} is empty");
        let text = asset.text();
        for host in CDN_HOSTS {
            assert!(
                !text.contains(&format!("//{host}")) && !text.contains(&format!(".{host}/")),
                "{path} names {host}"
            );
        }
    }
    assert_eq!(
        app.get("/graphiql/no-such-file.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn graphiql_opens_with_its_first_example_and_talks_only_to_this_origin() {
    let app = TestApp::migrated().await;
    let start = app.get("/graphiql/start.js").await.text();
    // The first example is the ClaimPage query for the seed claim (see graphiql_examples.rs).
    assert!(
        start.contains("'/graphiql/examples.json'"),
        "start.js loads no examples"
    );
    assert!(start.contains("'/graphql'"));
}

#[tokio::test]
async fn the_bundled_licences_are_served_beside_the_assets() {
    let app = TestApp::migrated().await;
    for name in ["LICENSE-graphiql", "LICENSE-react", "LICENSE-react-dom"] {
        let licence = app.get(&format!("/graphiql/{name}")).await;
        assert_eq!(licence.status, StatusCode::OK);
        assert!(
            licence.text().contains("MIT License") || licence.text().contains("Permission is hereby granted")
        );
    }
}

#[tokio::test]
async fn the_root_redirects_to_graphiql() {
    let app = TestApp::migrated().await;
    let response = app
        .request(Request::get("/").body(Body::empty()).expect("request"))
        .await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), Some("/graphiql"));
}

#[tokio::test]
async fn a_document_that_does_not_parse_is_graphql_parse_failed() {
    let app = TestApp::migrated().await;
    let body = app.graphql("{ claim(slug:", json!({})).await;
    tests::single_error(&body, "GRAPHQL_PARSE_FAILED", None);
    assert!(body["data"].is_null());
}

#[tokio::test]
async fn an_unknown_field_is_graphql_validation_failed_and_a_wrong_variable_bad_user_input() {
    let app = TestApp::migrated().await;
    let body = app.graphql("{ claim(slug: \"x\") { nope } }", json!({})).await;
    let error = tests::single_error(&body, "GRAPHQL_VALIDATION_FAILED", None);
    assert!(error["message"].as_str().is_some_and(|m| m.contains("nope")));
    let body = app
        .graphql(
            "query($n: Int) { claims(first: $n) { totalCount } }",
            json!({ "n": "many" }),
        )
        .await;
    let error = tests::single_error(&body, "BAD_USER_INPUT", Some("$n"));
    assert_eq!(
        error["message"],
        "Variable \"$n\" got an invalid value: expected Int, a whole number from -2147483648 to 2147483647, got a string."
    );
    assert!(body.get("data").is_none(), "a request error: {body:#}");
}

#[tokio::test]
async fn a_repeated_query_answers_each_time_by_its_own_variables() {
    // The second and third requests reuse the first one's parse: `@skip` must still follow each
    // request's variables, not the first request's.
    let app = TestApp::seeded().await;
    let query = "query($skip: Boolean!) { __typename claim(slug: \"rest-pause-training\") @skip(if: $skip) { slug } }";
    for skip in [true, false, true, false] {
        let data = app.data(query, json!({ "skip": skip })).await;
        assert_eq!(data.get("claim").is_none(), skip, "{data}");
        assert_eq!(data["__typename"], "Query");
    }
}
