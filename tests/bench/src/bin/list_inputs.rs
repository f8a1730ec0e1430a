//! Measures what large list inputs cost the server (issue 14, point 3): one `stepAdd` with N
//! citations, 8 of them at once from one contributor while a moderator writes and another user's
//! token is looked up, the claim page once a step with N citations is accepted, and a
//! `mechanismReorder` with M IDs. Runs on the suite's database (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`), through the router in-process, with the body limit raised so that the
//! list sizes of the issue reach the resolvers.
//!
//! Usage: `list_inputs CITATIONS REORDER_IDS [WRITERS]` (8 concurrent writers by default). Prints
//! one `RESULT` line per figure.

use std::time::{Duration, Instant};

use api::graphql::SchemaOptions;
use api::http::HttpOptions;
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use entity::values::Role;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp};
use tower::ServiceExt;

const STEP_ADD: &str = "mutation($input: StepAddInput!) { stepAdd(input: $input) { step { id } contribution { id } userErrors { field code } } }";

/// Posts `query` as `token`; the time it took, the body's size and the body.
async fn post(router: &Router, token: &str, query: &str, variables: Value) -> (Duration, usize, Value) {
    let (took, size, body, _) = post_priced(router, token, query, variables).await;
    (took, size, body)
}

/// [`post`], with the points the token's user has spent so far (`x-ratelimit-used`).
async fn post_priced(
    router: &Router,
    token: &str,
    query: &str,
    variables: Value,
) -> (Duration, usize, Value, u64) {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body))
        .expect("a request");
    let started = Instant::now();
    let response = router.clone().oneshot(request).await.expect("a response");
    let used = response
        .headers()
        .get("x-ratelimit-used")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    let took = started.elapsed();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (took, bytes.len(), json, used)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn citations(n: usize, tag: &str) -> Vec<String> {
    (0..n).map(|i| format!("10.5555/{tag}.{i}")).collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let m: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let writers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let backend = if TestApp::is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let http = HttpOptions {
        max_body_bytes: 64 * 1024 * 1024,
        request_timeout: Duration::from_secs(120),
        ..HttpOptions::default()
    };
    let app = TestApp::seeded()
        .await
        .reconfigured(SchemaOptions::default(), http);
    let contributor = app.token("casey", Role::Contributor).await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let reader = app.token("riley", Role::Contributor).await;
    let page = app
        .data(
            "query($slug: String!) { claim(slug: $slug) { id version mechanisms { id version } } }",
            json!({ "slug": SEED_SLUG }),
        )
        .await;
    let mechanism = page["claim"]["mechanisms"][0]["id"].clone();
    let mechanism_version = page["claim"]["mechanisms"][0]["version"].clone();
    let router = app.router.clone();

    // One stepAdd with N citations.
    let input = json!({ "input": { "mechanismId": mechanism, "text": "One step.", "citations": citations(n, "one") } });
    let (took, size, body, cost) = post_priced(&router, &contributor, STEP_ADD, input).await;
    println!(
        "RESULT {backend} step_add citations={n} ms={} bytes={size} cost={cost} errors={}",
        ms(took),
        body["data"]["stepAdd"]["userErrors"]
            .as_array()
            .map_or(0, Vec::len)
    );

    // WRITERS at once from the contributor; a moderator's write and a token look-up 50 ms later.
    let mut burst = tokio::task::JoinSet::new();
    for w in 0..writers {
        let (router, token) = (router.clone(), contributor.clone());
        let input = json!({ "input": { "mechanismId": mechanism, "text": "A step.", "citations": citations(n, &format!("w{w}")) } });
        burst.spawn(async move { post(&router, &token, STEP_ADD, input).await });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let update = "mutation($input: MechanismUpdateInput!) { mechanismUpdate(input: $input) { mechanism { version } userErrors { code } } }";
    let moderator_write = {
        let (router, token) = (router.clone(), moderator.clone());
        let input = json!({ "input": { "id": mechanism, "version": mechanism_version, "label": "Renamed" } });
        tokio::spawn(async move { post(&router, &token, update, input).await })
    };
    let lookup = {
        let (router, token) = (router.clone(), reader.clone());
        tokio::spawn(async move { post(&router, &token, "{ viewer { name } }", json!({})).await })
    };
    let (write_took, _, write_body) = moderator_write.await.expect("the moderator's write");
    let (lookup_took, _, lookup_body) = lookup.await.expect("the look-up");
    let mut slowest = Duration::ZERO;
    let mut refused = 0;
    while let Some(done) = burst.join_next().await {
        let (took, _, body) = done.expect("a writer");
        slowest = slowest.max(took);
        if body.get("errors").is_some() || body["data"]["stepAdd"]["contribution"].is_null() {
            refused += 1;
        }
    }
    println!(
        "RESULT {backend} contention writers={writers} citations={n} moderator_write_ms={} moderator_ok={} token_lookup_ms={} lookup_ok={} contributor_slowest_ms={} contributor_not_submitted={refused}",
        ms(write_took),
        write_body.get("errors").is_none(),
        ms(lookup_took),
        lookup_body["data"]["viewer"]["name"] == "riley",
        ms(slowest),
    );

    // The claim page once a moderator's step with N citations is in.
    let (_, normal, _) = post(&router, &reader, CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let input = json!({ "input": { "mechanismId": mechanism, "text": "A long step.", "citations": citations(n, "page") } });
    let (_, _, added) = post(&router, &moderator, STEP_ADD, input).await;
    let (_, grown, _) = post(&router, &reader, CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    println!(
        "RESULT {backend} claim_page citations={n} added={} bytes_before={normal} bytes_after={grown}",
        added["data"]["stepAdd"]["step"].is_object()
    );

    // A reorder with M IDs.
    let fresh = app
        .data(
            "query($slug: String!) { claim(slug: $slug) { id version } }",
            json!({ "slug": SEED_SLUG }),
        )
        .await;
    let ids: Vec<String> = (1..=m)
        .map(|i| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Mechanism:{i}"))
        })
        .collect();
    let reorder = "mutation($input: MechanismReorderInput!) { mechanismReorder(input: $input) { claim { id } userErrors { field code } } }";
    let sorter = app.token("sam", Role::Moderator).await;
    let input = json!({ "input": { "claimId": fresh["claim"]["id"], "version": fresh["claim"]["version"], "mechanismIds": ids } });
    let (took, size, body, cost) = post_priced(&router, &sorter, reorder, input).await;
    println!(
        "RESULT {backend} reorder ids={m} ms={} bytes={size} cost={cost} errors={}",
        ms(took),
        body["data"]["mechanismReorder"]["userErrors"]
            .as_array()
            .map_or(0, Vec::len)
    );
    // The same with IDs of the wrong type: one user error each, before the cap.
    let wrong: Vec<String> = (1..=m)
        .map(|i| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Claim:{i}"))
        })
        .collect();
    let sorter = app.token("sasha", Role::Moderator).await;
    let input = json!({ "input": { "claimId": fresh["claim"]["id"], "version": fresh["claim"]["version"], "mechanismIds": wrong } });
    let (took, size, body, cost) = post_priced(&router, &sorter, reorder, input).await;
    println!(
        "RESULT {backend} reorder_wrong_ids ids={m} ms={} bytes={size} cost={cost} errors={}",
        ms(took),
        body["data"]["mechanismReorder"]["userErrors"]
            .as_array()
            .map_or(0, Vec::len)
    );
}
