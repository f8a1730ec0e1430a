//! A repeated document runs on the validation of the first request that passed (see
//! `api::graphql::document_cache`): the same answers, the same prices and the same refusals as when
//! every request is validated in full, and no validation reused where the variables could change
//! what validation says.

use std::time::Duration;

use api::graphql::SchemaOptions;
use api::http::HttpOptions;
use api::rate_limit::RateLimits;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, assert_refusal, claim_page_selection, single_error};

/// `claimgraph_graphql_validations_reused_total` from `/metrics`.
async fn reused(app: &TestApp) -> u64 {
    app.counter("claimgraph_graphql_validations_reused_total").await
}

#[tokio::test]
async fn a_repeated_page_reuses_its_validation_and_answers_the_same() {
    let app = TestApp::seeded().await;
    let page = json!({ "slug": SEED_SLUG });
    let first = app.post_graphql(CLAIM_PAGE, page.clone()).await;
    assert_eq!(reused(&app).await, 0, "the first request is validated in full");
    let second = app.post_graphql(CLAIM_PAGE, page.clone()).await;
    assert_eq!(reused(&app).await, 1);
    assert_eq!((first.status, second.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(first.json(), second.json());
    // Another claim: the slug prices nothing, so the validation holds; an unknown claim is null.
    let other = app.graphql(CLAIM_PAGE, json!({ "slug": "no-such-claim" })).await;
    assert_eq!(other, json!({ "data": { "claim": null } }));
    assert_eq!(reused(&app).await, 2);
}

#[tokio::test]
async fn variables_of_the_wrong_shape_are_refused_as_the_first_time() {
    let fresh = TestApp::seeded().await;
    let wrong = [
        json!({ "slug": 5 }),
        json!({ "slug": null }),
        json!({}),
        json!({ "slug": ["a"] }),
        json!({ "slug": SEED_SLUG, "extra": 1 }),
    ];
    // What full validation says to each, on an app that has never seen the document.
    let mut expected = Vec::new();
    for variables in &wrong {
        let answer = fresh.post_graphql(CLAIM_PAGE, variables.clone()).await;
        expected.push((answer.status, answer.json()));
    }
    // The same requests after the document has passed validation once.
    let app = TestApp::seeded().await;
    app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    for (variables, (status, body)) in wrong.iter().zip(&expected) {
        let answer = app.post_graphql(CLAIM_PAGE, variables.clone()).await;
        assert_eq!((answer.status, &answer.json()), (*status, body), "{variables}");
    }
    let codes: Vec<&Value> = expected
        .iter()
        .map(|(_, body)| &body["errors"][0]["extensions"]["code"])
        .collect();
    // A value of the wrong type is the caller's input at fault, named by its variable; a
    // required variable left out is a validation failure of the request.
    assert_eq!(
        codes[..4],
        [
            &json!("BAD_USER_INPUT"),
            &json!("BAD_USER_INPUT"),
            &json!("GRAPHQL_VALIDATION_FAILED"),
            &json!("BAD_USER_INPUT")
        ],
        "{expected:#?}"
    );
    for (_, body) in [&expected[0], &expected[1], &expected[3]] {
        assert_eq!(body["errors"][0]["extensions"]["field"], "$slug", "{body:#}");
    }
    // A required variable left out is a request error, not a resolver's failure.
    let (status, body) = &expected[2];
    assert_eq!(*status, StatusCode::BAD_REQUEST, "{body:#}");
    assert_eq!(
        body["errors"][0]["message"],
        "Variable \"$slug\" of required type \"String!\" was not provided."
    );
    assert!(body.get("data").is_none(), "{body:#}");
    assert_eq!(reused(&app).await, 0, "none of them reused the validation");
}

/// The ClaimPage selection under every claim of a page of `$n`.
fn pages_of_claims() -> String {
    let selection = claim_page_selection();
    format!("query Pages($n: Int) {{ claims(first: $n) {{ nodes {{ {selection} }} }} rateLimit {{ cost }} }}")
}

#[tokio::test]
async fn a_page_size_in_a_variable_is_priced_and_limited_for_each_value() {
    let app = TestApp::seeded().await;
    let query = pages_of_claims();
    let cost = |body: &Value| {
        body["data"]["rateLimit"]["cost"]
            .as_i64()
            .unwrap_or_else(|| panic!("{body:#}"))
    };
    let one = app.graphql(&query, json!({ "n": 1 })).await;
    let one_again = app.graphql(&query, json!({ "n": 1 })).await;
    assert_eq!(reused(&app).await, 1);
    assert_eq!(cost(&one), cost(&one_again));
    let fifty = app.graphql(&query, json!({ "n": 50 })).await;
    let fifty_again = app.graphql(&query, json!({ "n": 50 })).await;
    assert_eq!(reused(&app).await, 2);
    assert_eq!(cost(&fifty), cost(&fifty_again));
    assert!(
        cost(&fifty) > 40 * cost(&one),
        "{} vs {}",
        cost(&fifty),
        cost(&one)
    );
    // A page size over the complexity limit is refused however often the document passed.
    for _ in 0..2 {
        let body = app.graphql(&query, json!({ "n": 100 })).await;
        let error = single_error(&body, "QUERY_TOO_COMPLEX", None);
        assert_eq!(error["extensions"]["limit"], "complexity", "{body:#}");
        assert!(body["data"].is_null());
    }
    assert_eq!(reused(&app).await, 2);
}

#[tokio::test]
async fn a_reused_validation_is_charged_and_refused_over_budget_like_a_full_one() {
    // The claim page costs 10 points or so: a budget of 25 covers two pages and refuses the third.
    let app = TestApp::seeded().await.reconfigured(
        SchemaOptions::default(),
        HttpOptions {
            rate_limits: Some(RateLimits {
                anonymous: 25,
                authenticated: 250,
                window: Duration::from_secs(60),
            }),
            ..HttpOptions::default()
        },
    );
    let query = format!(
        "{} rateLimit {{ cost used }} }}",
        CLAIM_PAGE.trim_end().strip_suffix('}').expect("a closing brace")
    );
    let query = query.as_str();
    let page = json!({ "slug": SEED_SLUG });
    let first = app.data(query, page.clone()).await;
    let second = app.data(query, page.clone()).await;
    assert_eq!(reused(&app).await, 1);
    let cost = first["rateLimit"]["cost"].as_i64().unwrap_or_default();
    assert!(cost > 1, "{first:#}");
    assert_eq!(second["rateLimit"]["cost"], cost);
    assert_eq!(second["rateLimit"]["used"], 2 * cost);
    let third = app.post_graphql(query, page).await;
    if 3 * cost > 25 {
        let error = assert_refusal(&third, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "");
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&cost.to_string())
        );
        assert!(third.header("retry-after").is_some());
    } else {
        panic!("the page costs {cost}: the budget must be lowered for this test");
    }
}
