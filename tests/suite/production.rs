//! The production switches: security headers, CORS, readiness, timeouts, and turning off
//! introspection, suggestions and GraphiQL.

use std::sync::Arc;
use std::time::Duration;

use api::graphql::SchemaOptions;
use api::graphql::engine::Engine;
use api::http::HttpOptions;
use api::store::Store;
use api::{AppState, build_app};
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode};
use serde_json::json;
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, single_error};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::seeded().await;
    for response in [
        app.get("/health").await,
        app.post_graphql("{ __typename }", json!({})).await,
    ] {
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("x-frame-options"), Some("DENY"));
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            response.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
        assert!(response.header("x-request-id").is_some_and(|id| !id.is_empty()));
    }
}

#[tokio::test]
async fn graphiql_is_served_with_a_same_origin_script_policy() {
    let app = TestApp::seeded().await;
    let page = app.get("/graphiql").await;
    let policy = page.header("content-security-policy").expect("a policy");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
}

#[tokio::test]
async fn graphiql_can_be_turned_off() {
    let app = TestApp::seeded().await.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            graphiql: false,
            ..HttpOptions::default()
        },
    );
    assert_eq!(app.get("/graphiql").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/graphiql/start.js").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.data("{ __typename }", json!({})).await["__typename"], "Query");
}

#[tokio::test]
async fn introspection_and_suggestions_can_be_turned_off() {
    let app = TestApp::seeded().await;
    let on = app
        .graphql("{ claim(slug: \"x\") { statment } }", json!({}))
        .await;
    assert!(
        on["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Did you mean")),
        "{on:#}"
    );
    let app = app.reconfigured(
        SchemaOptions {
            introspection: false,
            suggestions: false,
            ..SchemaOptions::default()
        },
        HttpOptions::default(),
    );
    let off = app
        .graphql("{ claim(slug: \"x\") { statment } }", json!({}))
        .await;
    assert!(
        off["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.contains("Did you mean")),
        "{off:#}"
    );
    // async-graphql answers introspection fields with null when it is off.
    let body = app
        .graphql(
            "{ __schema { types { name } } __type(name: \"Claim\") { name } }",
            json!({}),
        )
        .await;
    assert!(
        body["data"]["__schema"].is_null() && body["data"]["__type"].is_null(),
        "introspection still answers: {body:#}"
    );
    // Ordinary queries are unaffected.
    assert_eq!(
        app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await["claim"]["slug"],
        SEED_SLUG
    );
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method("OPTIONS")
        .uri("/graphql")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .expect("a request")
}

#[tokio::test]
async fn any_origin_may_call_by_default_and_a_configured_list_is_enforced() {
    let app = TestApp::seeded().await;
    let open = app.request(preflight("https://elsewhere.example")).await;
    assert_eq!(open.header("access-control-allow-origin"), Some("*"));
    let app = app.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            cors_origins: Some(vec![HeaderValue::from_static("https://front.example")]),
            ..HttpOptions::default()
        },
    );
    let allowed = app.request(preflight("https://front.example")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://front.example")
    );
    let refused = app.request(preflight("https://elsewhere.example")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_preflight_allows_the_common_client_and_tracing_headers_and_no_others() {
    let app = TestApp::seeded().await;
    let wanted = [
        "content-type",
        "accept",
        "authorization",
        "traceparent",
        "tracestate",
        "baggage",
        "sentry-trace",
        "apollographql-client-name",
        "apollographql-client-version",
        "apollo-require-preflight",
        "x-apollo-operation-name",
        "x-request-id",
    ];
    let request = Request::builder()
        .method("OPTIONS")
        .uri("/graphql")
        .header("origin", "https://elsewhere.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            format!("{},x-unknown-header", wanted.join(",")),
        )
        .body(Body::empty())
        .expect("a request");
    let answer = app.request(request).await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    let allowed: Vec<String> = answer
        .header("access-control-allow-headers")
        .expect("allowed headers")
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    for name in wanted {
        assert!(
            allowed.iter().any(|a| a == name),
            "{name} is not allowed: {allowed:?}"
        );
    }
    assert!(
        !allowed.iter().any(|a| a == "x-unknown-header"),
        "an unknown header was echoed: {allowed:?}"
    );
}

#[tokio::test]
async fn ready_follows_the_database_and_health_does_not() {
    let app = TestApp::seeded().await;
    let ready = app.get("/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json(), json!({ "status": "ready" }));
    app.db.clone().close().await.expect("closing the pool");
    let ready = app.get("/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json(), json!({ "status": "unavailable" }));
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_past_the_timeout_is_stopped_with_timeout() {
    let mut app = TestApp::seeded().await;
    let http = HttpOptions {
        request_timeout: Duration::ZERO,
        ..HttpOptions::default()
    };
    // A zero timeout still waits for the timer's next tick (1 ms), and a page can be served within
    // that. With every connection of the pool busy, a read through the pool waits for one, and the
    // timeout fires there. The store's own read connections never wait for the pool (on a SQLite
    // file they read inline): this app's store has none, as on an in-memory database.
    let mut state = AppState::configured(app.db.clone(), SchemaOptions::default(), http.clone());
    state.engine = Arc::new(Engine::new(
        Store::new(app.db.clone(), None),
        SchemaOptions::default(),
        http.request_timeout,
    ));
    app.router = build_app(state);
    let held = app.hold_every_connection().await;
    let response = app
        .post_graphql("{ claims(first: 5) { totalCount } }", json!({}))
        .await;
    drop(held);
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = response.json();
    single_error(&body, "TIMEOUT", None);
    assert!(body.get("data").is_none_or(|d| d.is_null()));
}

#[tokio::test]
async fn a_get_query_is_cacheable_and_revalidates_with_its_etag() {
    let app = TestApp::seeded().await;
    let uri = "/graphql?query=%7B%20claim(slug%3A%20%22rest-pause-training%22)%20%7B%20slug%20%7D%20%7D";
    let first = app.get(uri).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("cache-control"), Some("public, max-age=60"));
    let etag = first.header("etag").expect("an ETag").to_owned();
    let again = app
        .request(
            Request::get(uri)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let stale = app
        .request(
            Request::get(uri)
                .header("if-none-match", "\"0\"")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.json(), first.json());
    // POSTs and answers with errors are not cached.
    let post = app
        .post_graphql("{ claim(slug: \"rest-pause-training\") { slug } }", json!({}))
        .await;
    assert_eq!(post.header("etag"), None);
    let failed = app
        .get("/graphql?query=%7B%20doi(value%3A%20%22bad%22)%20%7B%20value%20%7D%20%7D")
        .await;
    assert_eq!(failed.header("etag"), None);
}

#[tokio::test]
async fn a_signed_in_get_is_never_publicly_cacheable() {
    let app = TestApp::seeded().await;
    let token = app.token("casey", entity::values::Role::Contributor).await;
    let signed_in = |uri: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };
    // Public data: the anonymous answer is public, kept apart from signed-in ones.
    let claim = "/graphql?query=%7B%20claim(slug%3A%20%22rest-pause-training%22)%20%7B%20slug%20%7D%20%7D";
    let anonymous = app.get(claim).await;
    assert_eq!(anonymous.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(anonymous.header("vary"), Some("accept, authorization"));
    let signed = app.request(signed_in(claim)).await;
    assert_eq!(signed.status, StatusCode::OK);
    assert_eq!(signed.header("cache-control"), None);
    assert_eq!(signed.header("etag"), None);
    // The caller themself: private for everyone, anonymous included (see `caching`).
    let viewer = "/graphql?query=%7B%20viewer%20%7B%20name%20%7D%20%7D";
    let anonymous = app.get(viewer).await;
    assert_eq!(anonymous.json()["data"]["viewer"], serde_json::Value::Null);
    assert_eq!(anonymous.header("cache-control"), Some("private, no-store"));
    assert_eq!(anonymous.header("etag"), None);
    let signed = app.request(signed_in(viewer)).await;
    assert_eq!(signed.status, StatusCode::OK);
    assert_eq!(signed.json()["data"]["viewer"]["name"], "casey");
    assert_eq!(signed.header("cache-control"), Some("private, no-store"));
    assert_eq!(signed.header("etag"), None);
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome_errors_by_code_and_the_pool() {
    let app = TestApp::seeded().await;
    app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    app.graphql("query Broken { doi(value: \"nope\") { value } }", json!({}))
        .await;
    app.request(
        Request::post("/graphql")
            .header("content-type", "text/plain")
            .body(Body::from("{}"))
            .expect("request"),
    )
    .await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain"))
    );
    let text = metrics.text();
    for line in [
        "claimgraph_graphql_requests_total{operation=\"ClaimPage\",outcome=\"ok\"} 1",
        "claimgraph_graphql_requests_total{operation=\"Broken\",outcome=\"error\"} 1",
        "claimgraph_graphql_requests_total{operation=\"_anonymous\",outcome=\"refused\"} 1",
        "claimgraph_graphql_errors_total{code=\"BAD_USER_INPUT\"} 1",
        "claimgraph_graphql_errors_total{code=\"UNSUPPORTED_MEDIA_TYPE\"} 1",
        "claimgraph_graphql_request_duration_seconds_count 3",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert!(text.contains("claimgraph_db_pool_connections "), "{text}");
    assert!(
        text.contains("claimgraph_graphql_request_duration_seconds_bucket{le=\"+Inf\"} 3"),
        "{text}"
    );
}

#[tokio::test]
async fn a_clients_request_id_is_kept_only_when_it_is_a_short_token() {
    let app = TestApp::seeded().await;
    let with_id = |id: &str| {
        Request::get("/health")
            .header("x-request-id", id)
            .body(Body::empty())
            .expect("request")
    };
    let kept = app.request(with_id("trace-42.a_b")).await;
    assert_eq!(kept.header("x-request-id"), Some("trace-42.a_b"));
    for hostile in ["x\" forged=\"1", &"a".repeat(65), "a b"] {
        let replaced = app.request(with_id(hostile)).await;
        let id = replaced.header("x-request-id").expect("an id");
        assert_ne!(id, hostile);
        assert_eq!(id.len(), 36, "a fresh UUID: {id}");
    }
}
