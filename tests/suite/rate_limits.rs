//! Rate limits: every response says where the client stands, a request the budget cannot cover is
//! refused with 429 and RATE_LIMITED before anything runs, the budget comes back when the window
//! ends, and clients are told apart by address.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api::graphql::SchemaOptions;
use api::http::HttpOptions;
use api::rate_limit::RateLimits;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::json;
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, TestResponse, assert_refusal};

/// The app with `budget` points per `window` for each anonymous client.
async fn limited(budget: u64, window: Duration, trust_forwarded_for: bool) -> TestApp {
    TestApp::seeded().await.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            rate_limits: Some(RateLimits {
                anonymous: budget,
                authenticated: budget * 10,
                window,
            }),
            trust_forwarded_for,
            ..HttpOptions::default()
        },
    )
}

const MINUTE: Duration = Duration::from_secs(60);

/// The four `x-ratelimit-*` figures: limit, remaining, used, reset.
fn rate_headers(response: &TestResponse) -> (u64, u64, u64, u64) {
    let number = |name: &str| {
        response
            .header(name)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {name} header: {:?}", response.headers))
    };
    (
        number("x-ratelimit-limit"),
        number("x-ratelimit-remaining"),
        number("x-ratelimit-used"),
        number("x-ratelimit-reset"),
    )
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A POST of `{ __typename }` from `peer` (a TCP address, as the server sees it) with
/// `X-Forwarded-For: forwarded`.
async fn typename_from(app: &TestApp, peer: Option<&str>, forwarded: Option<&str>) -> TestResponse {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    let mut request = request
        .body(Body::from(json!({ "query": "{ __typename }" }).to_string()))
        .expect("a request");
    if let Some(peer) = peer {
        let address: SocketAddr = peer.parse().expect("an address");
        request.extensions_mut().insert(ConnectInfo(address));
    }
    app.request(request).await
}

#[tokio::test]
async fn every_graphql_response_says_where_the_client_stands_and_the_count_goes_down() {
    let app = TestApp::seeded().await;
    let first = app.post_graphql("{ __typename }", json!({})).await;
    assert_eq!(first.status, StatusCode::OK);
    let (limit, remaining, used, reset) = rate_headers(&first);
    assert_eq!((limit, remaining, used), (5_000, 4_999, 1));
    let hour = now_epoch() + 3_600;
    assert!(
        (hour - 2..=hour + 2).contains(&reset),
        "reset {reset}, expected about {hour}"
    );

    // A claim page costs its complexity divided by 100, rounded up: about 10.
    let page = app.post_graphql(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let (_, remaining, used, same_reset) = rate_headers(&page);
    assert!((5..=20).contains(&(used - 1)), "a claim page cost {}", used - 1);
    assert_eq!(remaining, 5_000 - used);
    assert_eq!(same_reset, reset, "one window");

    // A publicly cacheable GET answer is charged but carries no figures: they are this client's,
    // and a shared cache would hand them to the next.
    let get = app.get("/graphql?query=%7B__typename%7D").await;
    assert_eq!(get.header("cache-control"), Some("public, max-age=60"));
    assert!(get.header("x-ratelimit-used").is_none(), "{:?}", get.headers);
    let used = used + 1;
    // Refusals carry the headers, and cost one point: by GET, a bad body, another method.
    let get = app.get("/graphql?query=%7B").await;
    assert_eq!(get.header("cache-control"), None);
    assert_eq!(rate_headers(&get).2, used + 1);
    let malformed = app
        .request(
            Request::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from("{"))
                .expect("a request"),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(rate_headers(&malformed).2, used + 2);
    let put = app
        .request(Request::put("/graphql").body(Body::empty()).expect("a request"))
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(rate_headers(&put).2, used + 3);
    // Other routes are not metered.
    assert!(app.get("/health").await.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn a_document_refused_by_the_limits_costs_one_point() {
    let app = TestApp::seeded().await;
    let aliases: String = (0..2000).map(|i| format!("a{i}: __typename ")).collect();
    let response = app.post_graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(rate_headers(&response).2, 1);
    let invalid = app.post_graphql("{ nope }", json!({})).await;
    assert_eq!(rate_headers(&invalid).2, 2);
}

#[tokio::test]
async fn past_the_budget_the_answer_is_429_rate_limited_with_retry_after_and_nothing_runs() {
    let app = limited(12, MINUTE, false).await;
    let page = app.post_graphql(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let (_, remaining, used, reset) = rate_headers(&page);
    assert_eq!(remaining, 12 - used);
    assert!(remaining > 0 && remaining < used, "the page cost {used} of 12");

    // The next page costs more than is left: refused, and charged one point, before any SQL runs.
    let statements = app.statements();
    let refused = app.post_graphql(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let error = assert_refusal(
        &refused,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        &format!("this request would cost {used} points, more than the {remaining} left"),
    );
    assert_eq!(app.statements(), statements, "nothing ran");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("may spend 12 query-cost points per window"),
        "{message}"
    );
    assert!(message.contains("The budget resets at 20"), "{message}");
    let retry_after: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After: {retry_after}");
    assert_eq!(
        refused.header("content-type"),
        Some("application/graphql-response+json; charset=utf-8")
    );
    assert_eq!(rate_headers(&refused), (12, remaining - 1, used + 1, reset));

    // What is left still buys small queries, down to nothing.
    for left in (0..remaining - 1).rev() {
        let small = app.post_graphql("{ __typename }", json!({})).await;
        assert_eq!(small.status, StatusCode::OK);
        assert_eq!(rate_headers(&small).1, left);
    }
    // With nothing left, every request is refused at once, whatever it holds.
    for body in [json!({ "query": "{ __typename }" }), json!([1, 2])] {
        let refused = app.post_json(&body, &[]).await;
        assert_refusal(
            &refused,
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "may spend 12 query-cost points per window and none are left",
        );
        assert!(refused.header("retry-after").is_some());
        assert_eq!(rate_headers(&refused), (12, 0, 12, reset));
    }
    // Under application/json too: the status is HTTP's, whatever the media type.
    let json_only = app
        .post_json(
            &json!({ "query": "{ __typename }" }),
            &[("accept", "application/json")],
        )
        .await;
    assert_refusal(
        &json_only,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "none are left",
    );
}

#[tokio::test]
async fn the_budget_is_whole_again_when_the_window_ends() {
    let app = limited(2, Duration::from_secs(1), false).await;
    for _ in 0..2 {
        assert_eq!(
            app.post_graphql("{ __typename }", json!({})).await.status,
            StatusCode::OK
        );
    }
    let refused = app.post_graphql("{ __typename }", json!({})).await;
    assert_refusal(
        &refused,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "none are left",
    );
    assert_eq!(refused.header("retry-after"), Some("1"));
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    let again = app.post_graphql("{ __typename }", json!({})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(rate_headers(&again).1, 1);
}

#[tokio::test]
async fn clients_are_told_apart_by_peer_address_and_by_forwarded_address_only_when_trusted() {
    let app = limited(2, MINUTE, false).await;
    // The TCP peer is the client; a header the client wrote proves nothing.
    for forwarded in ["198.51.100.1", "198.51.100.2"] {
        let response = typename_from(&app, Some("192.0.2.1:5000"), Some(forwarded)).await;
        assert_eq!(response.status, StatusCode::OK);
    }
    let spent = typename_from(&app, Some("192.0.2.1:6000"), Some("198.51.100.3")).await;
    assert_refusal(
        &spent,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "none are left",
    );
    let other_peer = typename_from(&app, Some("192.0.2.2:5000"), None).await;
    assert_eq!(rate_headers(&other_peer).1, 1);
    // Requests with no peer at all (in-process) share one budget of their own.
    let unknown = typename_from(&app, None, None).await;
    assert_eq!(rate_headers(&unknown).1, 1);

    // Behind a trusted proxy, the last forwarded address is the client, whatever the peer.
    let app = limited(2, MINUTE, true).await;
    let proxy = Some("10.0.0.1:443");
    for _ in 0..2 {
        let response = typename_from(&app, proxy, Some("203.0.113.7, 198.51.100.1")).await;
        assert_eq!(response.status, StatusCode::OK);
    }
    let spent = typename_from(&app, proxy, Some("198.51.100.1")).await;
    assert_refusal(
        &spent,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "none are left",
    );
    let other = typename_from(&app, proxy, Some("198.51.100.1, 198.51.100.2")).await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(rate_headers(&other).1, 1);
    // No usable header: the peer.
    let no_header = typename_from(&app, proxy, None).await;
    assert_eq!(rate_headers(&no_header).1, 1);
    // IPv6 clients count by their /64.
    typename_from(&app, proxy, Some("2001:db8:0:1::1")).await;
    let same_64 = typename_from(&app, proxy, Some("2001:db8:0:1::2")).await;
    assert_eq!(rate_headers(&same_64).1, 0);
}

#[tokio::test]
async fn the_rate_limit_field_reports_this_requests_cost_and_what_is_left() {
    let app = TestApp::seeded().await;
    let query = "{ rateLimit { cost limit used remaining resetAt } }";
    let response = app.post_graphql(query, json!({})).await;
    let (_, _, _, reset) = rate_headers(&response);
    let body = response.json();
    let rate = &body["data"]["rateLimit"];
    assert_eq!(rate["cost"], 1, "{body:#}");
    assert_eq!(rate["limit"], 5_000);
    assert_eq!(rate["used"], 1);
    assert_eq!(rate["remaining"], 4_999);
    let reset_at =
        chrono::DateTime::parse_from_rfc3339(rate["resetAt"].as_str().expect("resetAt")).expect("RFC 3339");
    assert_eq!(reset_at.timestamp(), i64::try_from(reset).expect("a timestamp"));

    // Asked with a claim page, it prices the whole request, as the headers do.
    let with_page = CLAIM_PAGE.replacen(
        "claim(slug: $slug) {",
        "rateLimit { cost used remaining } claim(slug: $slug) {",
        1,
    );
    let response = app.post_graphql(&with_page, json!({ "slug": SEED_SLUG })).await;
    let (_, remaining, used, _) = rate_headers(&response);
    let body = response.json();
    let rate = &body["data"]["rateLimit"];
    assert!(rate["cost"].as_u64().is_some_and(|cost| cost >= 10), "{rate}");
    assert_eq!(rate["used"].as_u64(), Some(used));
    assert_eq!(rate["remaining"].as_u64(), Some(remaining));
    assert_eq!(used, 1 + rate["cost"].as_u64().unwrap_or_default());
}

#[tokio::test]
async fn rate_limits_can_be_turned_off() {
    let app = TestApp::seeded().await.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            rate_limits: None,
            ..HttpOptions::default()
        },
    );
    let response = app.post_graphql("{ rateLimit { remaining } }", json!({})).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), json!({ "data": { "rateLimit": null } }));
    assert!(response.header("x-ratelimit-limit").is_none());
}

#[test]
fn the_flags_set_the_budgets_and_the_window() {
    use clap::Parser;
    let cli = api::config::Cli::try_parse_from([
        "claimgraph",
        "--rate-limit-anonymous",
        "100",
        "--rate-limit-authenticated",
        "1000",
        "--rate-limit-window-secs",
        "60",
        "--trust-forwarded-for",
        "true",
    ])
    .expect("valid flags");
    let options = cli.http_options().expect("options");
    assert_eq!(
        options.rate_limits,
        Some(RateLimits {
            anonymous: 100,
            authenticated: 1000,
            window: MINUTE
        })
    );
    assert!(options.trust_forwarded_for);
    let off = api::config::Cli::try_parse_from(["claimgraph", "--rate-limit", "false"]).expect("valid");
    assert_eq!(off.http_options().expect("options").rate_limits, None);
    let defaults = api::config::Cli::try_parse_from(["claimgraph"]).expect("valid");
    let defaults = defaults.http_options().expect("options");
    assert_eq!(defaults.rate_limits, Some(RateLimits::default()));
    assert!(!defaults.trust_forwarded_for);
    assert!(api::config::Cli::try_parse_from(["claimgraph", "--rate-limit-window-secs", "0"]).is_err());
}

#[tokio::test]
async fn a_token_spends_its_users_budget_and_a_bad_token_its_address() {
    let app = limited(3, MINUTE, false).await;
    let token = app.token("casey", entity::values::Role::Contributor).await;
    // The user's budget is the authenticated one, apart from the anonymous one.
    let signed = app.post_graphql_as(&token, "{ __typename }", json!({})).await;
    assert_eq!(signed.status, StatusCode::OK);
    let (limit, remaining, used, _) = rate_headers(&signed);
    assert_eq!((limit, remaining, used), (30, 29, 1));
    // A bad token is refused as UNAUTHENTICATED and charged to the (anonymous) client.
    for spent in 1..=3u64 {
        let bad = app
            .post_graphql_as("cg_guessed", "{ __typename }", json!({}))
            .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert_eq!(rate_headers(&bad).2, spent);
    }
    let limited_now = app
        .post_graphql_as("cg_guessed", "{ __typename }", json!({}))
        .await;
    assert_refusal(&limited_now, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "");
    // The user is unaffected by what the anonymous client spent.
    let signed = app.post_graphql_as(&token, "{ __typename }", json!({})).await;
    assert_eq!(rate_headers(&signed).1, 28);
}
