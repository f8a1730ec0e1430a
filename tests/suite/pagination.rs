//! Relay pagination: forwards and backwards with cursors, `totalCount`, filters, order, and limits.

use serde_json::{Value, json};
use tests::{TestApp, single_error};

const CLAIMS: &str = r#"query($first: Int, $after: String, $last: Int, $before: String, $filter: ClaimFilter, $orderBy: ClaimOrder) {
    claims(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
        totalCount
        edges { cursor node { slug } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"#;

fn slugs(claims: &Value) -> Vec<String> {
    claims["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["slug"].as_str().map(str::to_owned))
        .collect()
}

fn expected(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|i| format!("claim-{i:03}")).collect()
}

async fn app_with_claims(n: usize) -> TestApp {
    let app = TestApp::migrated().await;
    app.load_generated(n).await;
    app
}

#[tokio::test]
async fn pages_forward_with_end_cursors_until_the_end() {
    let app = app_with_claims(25).await;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let claims = app.data(CLAIMS, json!({ "first": 10, "after": after })).await["claims"].clone();
        assert_eq!(claims["totalCount"], 25);
        seen.extend(slugs(&claims));
        pages += 1;
        assert_eq!(claims["pageInfo"]["hasPreviousPage"], pages > 1);
        if claims["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = claims["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected(1..=25));
}

#[tokio::test]
async fn pages_backward_with_start_cursors() {
    let app = app_with_claims(25).await;
    let last = app.data(CLAIMS, json!({ "last": 10 })).await["claims"].clone();
    assert_eq!(slugs(&last), expected(16..=25));
    assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(last["pageInfo"]["hasNextPage"], false);
    let before = last["pageInfo"]["startCursor"].clone();
    let previous = app.data(CLAIMS, json!({ "last": 10, "before": before })).await["claims"].clone();
    assert_eq!(slugs(&previous), expected(6..=15));
    assert_eq!(previous["pageInfo"]["hasNextPage"], true);
    let first = app
        .data(
            CLAIMS,
            json!({ "last": 10, "before": previous["pageInfo"]["startCursor"] }),
        )
        .await["claims"]
        .clone();
    assert_eq!(slugs(&first), expected(1..=5));
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
}

#[tokio::test]
async fn the_default_page_is_twenty_and_a_hundred_is_allowed() {
    let app = app_with_claims(105).await;
    let page = app.data(CLAIMS, json!({})).await["claims"].clone();
    assert_eq!(slugs(&page).len(), 20);
    assert_eq!(page["totalCount"], 105);
    let page = app.data(CLAIMS, json!({ "first": 100 })).await["claims"].clone();
    assert_eq!(slugs(&page).len(), 100);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn more_than_a_hundred_is_an_error_not_a_silent_cap() {
    let app = app_with_claims(3).await;
    for (args, field) in [
        (json!({ "first": 1000 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "last": 1000 }), "last"),
        (json!({ "first": -1 }), "first"),
        (json!({ "first": 1, "last": 1 }), "last"),
    ] {
        let body = app.graphql(CLAIMS, args.clone()).await;
        single_error(&body, "BAD_USER_INPUT", Some(field));
        assert_eq!(body["data"], Value::Null, "no data for {args}");
    }
}

#[tokio::test]
async fn a_cursor_that_is_not_ours_is_refused() {
    let app = app_with_claims(3).await;
    for cursor in ["garbage", "aWQ6MQ"] {
        let body = app.graphql(CLAIMS, json!({ "first": 1, "after": cursor })).await;
        single_error(&body, "BAD_USER_INPUT", Some("after"));
    }
    // A cursor made for one order does not fit another.
    let by_slug = json!({ "field": "SLUG", "direction": "ASC" });
    let page = app.data(CLAIMS, json!({ "first": 1, "orderBy": by_slug })).await["claims"].clone();
    let body = app
        .graphql(
            CLAIMS,
            json!({ "first": 1, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    single_error(&body, "BAD_USER_INPUT", Some("after"));
}

#[tokio::test]
async fn claims_sort_by_slug_in_either_direction() {
    let app = app_with_claims(12).await;
    let order = json!({ "field": "SLUG", "direction": "DESC" });
    let page = app.data(CLAIMS, json!({ "first": 5, "orderBy": order })).await["claims"].clone();
    assert_eq!(
        slugs(&page),
        expected(8..=12).into_iter().rev().collect::<Vec<_>>()
    );
    let next = app
        .data(
            CLAIMS,
            json!({ "first": 5, "orderBy": order, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        slugs(&next["claims"]),
        expected(3..=7).into_iter().rev().collect::<Vec<_>>()
    );
    let back = app
        .data(
            CLAIMS,
            json!({ "last": 2, "orderBy": order, "before": next["claims"]["pageInfo"]["startCursor"] }),
        )
        .await;
    assert_eq!(slugs(&back["claims"]), ["claim-009", "claim-008"]);
}

#[tokio::test]
async fn the_statement_filter_is_case_insensitive_and_counts_matches_only() {
    let app = app_with_claims(12).await;
    let filter = json!({ "statementContains": "NUMBER 1" });
    let page = app.data(CLAIMS, json!({ "filter": filter })).await["claims"].clone();
    assert_eq!(slugs(&page), ["claim-001", "claim-010", "claim-011", "claim-012"]);
    assert_eq!(page["totalCount"], 4);
    // LIKE wildcards in the text are matched literally.
    let page = app
        .data(CLAIMS, json!({ "filter": { "statementContains": "%" } }))
        .await["claims"]
        .clone();
    assert_eq!(page["totalCount"], 0);
    let body = app
        .graphql(
            CLAIMS,
            json!({ "filter": { "statementContains": "x".repeat(201) } }),
        )
        .await;
    single_error(&body, "BAD_USER_INPUT", Some("filter.statementContains"));
}

#[tokio::test]
async fn a_dois_citing_steps_page_both_ways() {
    let app = TestApp::seeded().await;
    let query = r#"query($first: Int, $after: String, $last: Int, $before: String) {
        doi(value: "10.3390/jfmk11010080") { citedBy(first: $first, after: $after, last: $last, before: $before) {
            totalCount edges { cursor node { position mechanism { rank } } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } } }"#;
    let page = app.data(query, json!({ "first": 4 })).await["doi"]["citedBy"].clone();
    assert_eq!(page["totalCount"], 15);
    assert_eq!(page["edges"].as_array().map(Vec::len), Some(4));
    let next = app
        .data(
            query,
            json!({ "first": 4, "after": page["pageInfo"]["endCursor"] }),
        )
        .await["doi"]["citedBy"]
        .clone();
    let positions: Vec<&Value> = next["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"]["position"])
        .collect();
    assert_eq!(positions, [5, 1, 2, 3]);
    assert_eq!(next["pageInfo"]["hasPreviousPage"], true);
    let back = app
        .data(
            query,
            json!({ "last": 2, "before": next["pageInfo"]["startCursor"] }),
        )
        .await["doi"]["citedBy"]
        .clone();
    let positions: Vec<&Value> = back["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"]["position"])
        .collect();
    assert_eq!(positions, [3, 4]);
    let body = app.graphql(query, json!({ "first": 1000 })).await;
    single_error(&body, "BAD_USER_INPUT", Some("first"));
}

#[tokio::test]
async fn studies_page_and_filter_by_design() {
    let app = app_with_claims(6).await;
    let query = r#"query($filter: StudyFilter, $after: String) { studies(first: 2, filter: $filter, after: $after) {
        totalCount nodes { title design } pageInfo { hasNextPage endCursor } } }"#;
    let all = app.data(query, json!({})).await["studies"].clone();
    assert_eq!(all["totalCount"], 6);
    let rcts = app
        .data(
            query,
            json!({ "filter": { "design": "RANDOMISED_CONTROLLED_TRIAL" } }),
        )
        .await["studies"]
        .clone();
    assert_eq!(rcts["totalCount"], 3);
    assert!(
        rcts["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|s| s["design"] == "RANDOMISED_CONTROLLED_TRIAL")
    );
    let next = app
        .data(query, json!({ "after": all["pageInfo"]["endCursor"] }))
        .await["studies"]
        .clone();
    assert_eq!(
        next["nodes"],
        json!([
            { "title": "Generated study 3", "design": "COHORT_STUDY" },
            { "title": "Generated study 4", "design": "RANDOMISED_CONTROLLED_TRIAL" },
        ])
    );
}
