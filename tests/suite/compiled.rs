//! Claim pages answered from their rows without the executor (`api::graphql::compiled`): a request
//! whose document was validated before, and that the compiler accepts, gets the executor's answer
//! byte for byte, from the same statements (never more); anything else is left to the executor and
//! still answered. Each case runs on an app with compiled pages off (the executor's answer) and on one
//! with them on, twice: the first request validates, the second is the compiled one.

use axum::http::StatusCode;
use entity::values::Role;
use serde_json::{Value, json};
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp, url_encode};

/// Every field the compiled page answers, `__typename` on every object.
const EVERY_FIELD: &str = r#"
query Every($slug: String!) {
  claim(slug: $slug) {
    __typename id version slug statement population intervention comparator outcome effectDirection
    createdAt updatedAt
    synthesis { __typename text studyCount
      studies { __typename id version title journal year design authors sampleSize retracted } }
    mechanisms { __typename id version rank support label summary
      steps { __typename id version position text
        citations { __typename id value url
          study { __typename id title design doi { __typename id value url } } } } }
    evidenceCounts { __typename supporting contradicting inconclusive total }
    evidence { __typename totalCount
      pageInfo { __typename hasPreviousPage hasNextPage startCursor endCursor }
      edges { __typename cursor
        node { __typename id version stance note createdAt
          study { __typename id title year doi { id value url } } } }
      nodes { id stance } }
    evidenceNeeds { __typename rank design cebmLevel startingCertainty description
      metBy { __typename id title design } }
  }
}"#;

/// Fragments (named, on an interface, inline without a type), aliases and a leaf asked twice.
const FRAGMENTS: &str = r#"
query Fragments($slug: String!) {
  page: claim(slug: $slug) {
    ...Head
    ... on Node { id }
    ... { slug }
    id
    ways: mechanisms { ...Way }
    tally: evidenceCounts { all: total }
  }
}
fragment Head on Claim { slug title: statement }
fragment Way on Mechanism { rank steps { n: position citations { value } } }"#;

/// The synthesis alone: its studies come from a statement of their own.
const SYNTHESIS: &str = r#"
query Synthesis($slug: String!) { claim(slug: $slug) { synthesis { studyCount studies { title } } } }"#;

/// One evidence page, by the page arguments given as variables.
const EVIDENCE_PAGE: &str = r#"
query Evidence($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {
  claim(slug: $slug) {
    evidence(first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
      edges { cursor node { stance study { title } } }
    }
  }
}"#;

/// The list page of the benchmark (`tests/bench/shapes/list.graphql`).
const LIST: &str = r#"
query ClaimList($after: String) {
  claims(first: 20, after: $after) {
    edges { node { id slug statement evidenceCounts { supporting contradicting }
      mechanisms { rank support label summary } } }
    pageInfo { endCursor hasNextPage }
  }
}"#;

/// A list page with every connection field, claims under both `edges` and `nodes`.
const LIST_EVERY_FIELD: &str = r#"
query Claims($first: Int, $last: Int, $after: String, $before: String) {
  claims(first: $first, last: $last, after: $after, before: $before) {
    __typename totalCount
    pageInfo { __typename hasPreviousPage hasNextPage startCursor endCursor }
    edges { __typename cursor
      node { __typename id slug createdAt effectDirection
        synthesis { studyCount studies { title } }
        evidence(first: 1) { totalCount edges { node { stance study { title doi { value } } } } }
        evidenceNeeds { rank metBy { title } } } }
    nodes { slug mechanisms { steps { position citations { value study { title } } } } }
  }
}"#;

/// The DOI walk of the benchmark (`tests/bench/shapes/doi_walk.graphql`).
const DOI_WALK: &str = r#"
query DoiWalk($value: String!) {
  doi(value: $value) {
    value
    study { title year design }
    citedBy(first: 20) {
      edges { node { position text mechanism { rank label claim { slug statement } } } }
      pageInfo { endCursor hasNextPage }
    }
  }
}"#;

/// A DOI walk with every field the walk's statement reads.
const DOI_EVERY_FIELD: &str = r#"
query Walk($value: String!, $first: Int, $last: Int) {
  doi(value: $value) {
    __typename id value url
    study { __typename id version title journal year design authors sampleSize retracted doi { id value } }
    citedBy(first: $first, last: $last) {
      __typename totalCount
      pageInfo { __typename hasPreviousPage hasNextPage startCursor endCursor }
      edges { __typename cursor
        node { __typename id version position text
          mechanism { __typename id version rank support label summary
            claim { __typename id slug statement population effectDirection createdAt synthesis { text } } } } }
      nodes { id mechanism { id } }
    }
  }
}"#;

/// A claim's history page (`tests/bench/shapes/history.graphql`).
const HISTORY: &str = r#"
query ClaimHistory($slug: String!) {
  claim(slug: $slug) {
    slug
    history(first: 20) {
      edges { node { id action subjectId actor { name } before after createdAt } }
      pageInfo { endCursor hasNextPage }
    }
  }
}"#;

/// A history page with every field the compiled page answers, twice under two aliases.
const HISTORY_EVERY_FIELD: &str = r#"
query Every($slug: String!, $last: Int) {
  claim(slug: $slug) {
    id
    history(last: $last) {
      __typename totalCount
      pageInfo { __typename hasPreviousPage hasNextPage startCursor endCursor }
      edges { __typename cursor
        node { __typename id action subjectId before after createdAt
          actor { __typename id name role createdAt } } }
      nodes { ... on Node { id } action }
    }
    oldest: history(first: 1) { nodes { action actor { name } } }
  }
}"#;

/// (query, variables, whether the compiled page answers it)
fn cases(cursor: &str, claim_cursor: &str) -> Vec<(&'static str, Value, bool)> {
    let slug = |s: &str| json!({ "slug": s });
    vec![
        // DOI walks, the DOI in any spelling.
        (DOI_WALK, json!({ "value": "10.3390/jfmk11010080" }), true),
        (
            DOI_WALK,
            json!({ "value": "https://doi.org/10.5555/GEN.2" }),
            true,
        ),
        (DOI_WALK, json!({ "value": "10.9999/no-such-doi" }), true),
        (
            DOI_EVERY_FIELD,
            json!({ "value": "doi:10.5555/gen.3", "first": 2 }),
            true,
        ),
        (
            DOI_EVERY_FIELD,
            json!({ "value": "10.5555/gen.3", "last": 1 }),
            true,
        ),
        (DOI_EVERY_FIELD, json!({ "value": "10.3390/jfmk11010080" }), true),
        (
            r#"{ doi(value: " 10.5555/gen.1 ") { value url id } }"#,
            json!({}),
            true,
        ),
        // A value that is not a DOI, page arguments that do not fit, fields the walk does not read.
        (DOI_WALK, json!({ "value": "not a doi" }), false),
        (
            DOI_EVERY_FIELD,
            json!({ "value": "10.5555/gen.3", "first": -1 }),
            false,
        ),
        (
            r#"{ doi(value: "10.5555/gen.3") { citedBy { nodes { citations { value } } } } }"#,
            json!({}),
            false,
        ),
        (
            r#"{ doi(value: "10.5555/gen.3") { citedBy { nodes { mechanism { claim { mechanisms { rank } } } } } } }"#,
            json!({}),
            false,
        ),
        (
            r#"{ doi(value: "10.5555/gen.3") { study { doi { study { title } } } } }"#,
            json!({}),
            false,
        ),
        // A claim's history (the seed loader's events).
        (HISTORY, slug(SEED_SLUG), true),
        (HISTORY_EVERY_FIELD, json!({ "slug": SEED_SLUG, "last": 3 }), true),
        (HISTORY_EVERY_FIELD, json!({ "slug": "claim-002" }), true),
        (
            HISTORY_EVERY_FIELD,
            json!({ "slug": SEED_SLUG, "last": -3 }),
            false,
        ),
        (
            r#"{ claim(slug: "rest-pause-training") { history { nodes { subject { id } } } } }"#,
            json!({}),
            false,
        ),
        (
            r#"{ claims(first: 1) { nodes { history { totalCount } } } }"#,
            json!({}),
            false,
        ),
        // Lists of claims.
        (LIST, json!({}), true),
        (LIST, json!({ "after": claim_cursor }), true),
        (LIST_EVERY_FIELD, json!({ "first": 3 }), true),
        (
            LIST_EVERY_FIELD,
            json!({ "last": 2, "before": claim_cursor }),
            true,
        ),
        (
            LIST_EVERY_FIELD,
            json!({ "first": 2, "after": claim_cursor }),
            true,
        ),
        (
            r#"{ claims(first: 2, orderBy: { field: SLUG, direction: DESC }, filter: { statementContains: "CLAIM" }) { totalCount edges { cursor node { slug } } } }"#,
            json!({}),
            true,
        ),
        (
            r#"{ claims(filter: { statementContains: "nothing like this" }) { totalCount nodes { slug } pageInfo { startCursor hasNextPage } } }"#,
            json!({}),
            true,
        ),
        (LIST_EVERY_FIELD, json!({ "first": 1000 }), false),
        (LIST_EVERY_FIELD, json!({ "first": 1, "after": cursor }), false),
        (
            r#"{ claims(first: 2) { nodes { slug mechanisms { claim { slug } } } } }"#,
            json!({}),
            false,
        ),
        (CLAIM_PAGE, slug(SEED_SLUG), true),
        (CLAIM_PAGE, slug("claim-002"), true),
        // The resolver trims the slug; an unknown claim is null.
        (CLAIM_PAGE, slug("  claim-003 "), true),
        (CLAIM_PAGE, slug("no-such-claim"), true),
        (EVERY_FIELD, slug(SEED_SLUG), true),
        (EVERY_FIELD, slug("claim-001"), true),
        (FRAGMENTS, slug(SEED_SLUG), true),
        (SYNTHESIS, slug("claim-002"), true),
        (EVIDENCE_PAGE, json!({ "slug": "claim-001", "first": 1 }), true),
        (EVIDENCE_PAGE, json!({ "slug": "claim-001", "last": 1 }), true),
        (
            EVIDENCE_PAGE,
            json!({ "slug": "claim-001", "first": 1, "after": cursor }),
            true,
        ),
        (
            r#"{ claim(slug: "claim-001") { evidence(stance: CONTRADICTING) { totalCount edges { node { stance } } } } }"#,
            json!({}),
            true,
        ),
        // A variable's default stands in for an absent value.
        (
            r#"query Default($slug: String! = "rest-pause-training") { claim(slug: $slug) { slug } }"#,
            json!({}),
            true,
        ),
        // Arguments the page cannot take: the executor's error, from the executor.
        (
            EVIDENCE_PAGE,
            json!({ "slug": "claim-001", "first": 1, "last": 1 }),
            false,
        ),
        (
            EVIDENCE_PAGE,
            json!({ "slug": "claim-001", "after": "not a cursor" }),
            false,
        ),
        // Fields the page's rows do not hold, and directives: left to the executor.
        (
            r#"query Up($slug: String!) { claim(slug: $slug) { mechanisms { claim { slug } } } }"#,
            slug(SEED_SLUG),
            false,
        ),
        (
            r#"query Skip($slug: String!, $yes: Boolean!) { claim(slug: $slug) { slug @include(if: $yes) id } }"#,
            json!({ "slug": SEED_SLUG, "yes": false }),
            false,
        ),
        (
            r#"query Metby($slug: String!) { claim(slug: $slug) { evidenceNeeds { metBy { doi { value } } } } }"#,
            slug(SEED_SLUG),
            false,
        ),
    ]
}

#[tokio::test]
async fn a_compiled_page_answers_as_the_executor_does_byte_for_byte() {
    let app = TestApp::seeded().await;
    app.load_generated(3).await;
    let executor = app.with_compiled_queries(false);
    let first_page = executor
        .data(EVIDENCE_PAGE, json!({ "slug": "claim-001", "first": 1 }))
        .await;
    let cursor = first_page["claim"]["evidence"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("an end cursor")
        .to_owned();
    let claims = executor
        .data("{ claims(first: 2) { pageInfo { endCursor } } }", json!({}))
        .await;
    let claim_cursor = claims["claims"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("a claim cursor")
        .to_owned();
    let cases = cases(&cursor, &claim_cursor);
    let mut expected = Vec::new();
    for (query, variables, _) in &cases {
        let answer = executor.post_graphql(query, variables.clone()).await;
        let statements = executor.statements();
        let again = executor.post_graphql(query, variables.clone()).await;
        assert_eq!(
            answer.json(),
            again.json(),
            "the executor answers {query} alike twice"
        );
        expected.push((answer, executor.statements() - statements));
    }
    assert_eq!(executor.compiled_answers().await, 0, "compiled pages are off");

    let app = executor.with_compiled_queries(true);
    for ((query, variables, compiles), (expected, executor_cost)) in cases.iter().zip(&expected) {
        // The first request of a text validates it (or repeats an earlier case's text).
        let validating = app.post_graphql(query, variables.clone()).await;
        let before = app.compiled_answers().await;
        let statements = app.statements();
        let repeated = app.post_graphql(query, variables.clone()).await;
        let cost = app.statements() - statements;
        let answered = app.compiled_answers().await - before;
        assert_eq!(
            answered,
            u64::from(*compiles),
            "compiled: {query} with {variables}"
        );
        for answer in [&validating, &repeated] {
            assert_eq!(answer.status, expected.status, "{query} with {variables}");
            for header in ["content-type", "cache-control"] {
                assert_eq!(
                    answer.header(header),
                    expected.header(header),
                    "{header} of {query}"
                );
            }
            assert_same(
                &answer.text(),
                &expected.text(),
                &format!("{query} with {variables}"),
            );
        }
        // The page's statements, as the executor runs them (a claim page: 1 on PostgreSQL, 2 on
        // SQLite); never more. Fewer where the executor looks up a row the page already holds (the
        // DOI of a cited DOI's study).
        assert!(
            cost <= *executor_cost,
            "statements for {query} with {variables}: {cost} > {executor_cost}"
        );
        if *query == CLAIM_PAGE || !compiles {
            assert_eq!(cost, *executor_cost, "statements for {query} with {variables}");
        }
    }
    assert!(
        expected.iter().any(|(e, _)| e.text().contains("\"errors\"")),
        "the cases include an executor error"
    );
}

/// Asserts two answers are the same text, showing where they part when they are not.
fn assert_same(answer: &str, expected: &str, what: &str) {
    if answer == expected {
        return;
    }
    let at = answer
        .bytes()
        .zip(expected.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(answer.len().min(expected.len()));
    let around = |text: &str| {
        let start = text.floor_char_boundary(at.saturating_sub(120));
        let end = text.ceil_char_boundary((at + 120).min(text.len()));
        text[start..end].to_owned()
    };
    panic!(
        "{what}: the answers part at byte {at}\n compiled: {}\n executor: {}",
        around(answer),
        around(expected)
    );
}

#[tokio::test]
async fn both_paths_write_a_claims_keys_in_the_query_order() {
    // A generated claim: under its citations, the executor looks each study's DOI up with a
    // statement of its own, so `mechanisms` finishes last; the answer keeps the query's order.
    let app = TestApp::seeded().await;
    app.load_generated(3).await;
    let executor = app.with_compiled_queries(false);
    let variables = json!({ "slug": "claim-001" });
    // The second request runs on the validation of the first, as most requests do.
    executor.post_graphql(EVERY_FIELD, variables.clone()).await;
    let executed = executor.post_graphql(EVERY_FIELD, variables.clone()).await.text();
    let app = executor.with_compiled_queries(true);
    app.post_graphql(EVERY_FIELD, variables.clone()).await;
    let compiled = app.post_graphql(EVERY_FIELD, variables).await.text();
    assert_eq!(app.compiled_answers().await, 1);
    for text in [executed, compiled] {
        assert_in_query_order(&text);
    }
}

fn assert_in_query_order(text: &str) {
    let keys = [
        "__typename",
        "id",
        "version",
        "slug",
        "statement",
        "population",
        "intervention",
        "comparator",
        "outcome",
        "effectDirection",
        "createdAt",
        "updatedAt",
        "synthesis",
        "mechanisms",
        "evidenceCounts",
        "evidence",
        "evidenceNeeds",
    ];
    let at: Vec<usize> = keys
        .iter()
        .map(|key| {
            text.find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("no {key} in {text}"))
        })
        .collect();
    assert!(at.is_sorted(), "the claim's keys in the query's order: {text}");
}

#[tokio::test]
async fn a_compiled_page_over_get_keeps_its_etag_and_revalidates() {
    let app = TestApp::seeded().await.with_compiled_queries(true);
    let uri = format!(
        "/graphql?query={}&variables={}",
        url_encode(CLAIM_PAGE),
        url_encode(&json!({ "slug": SEED_SLUG }).to_string())
    );
    let validating = app.get(&uri).await;
    let compiled = app.get(&uri).await;
    assert_eq!(app.compiled_answers().await, 1);
    assert_eq!(validating.status, StatusCode::OK);
    assert_eq!(compiled.text(), validating.text());
    let etag = compiled.header("etag").expect("an ETag").to_owned();
    assert_eq!(validating.header("etag"), Some(etag.as_str()));
    assert_eq!(
        compiled.header("cache-control"),
        validating.header("cache-control")
    );
    let revalidated = app
        .request(
            axum::http::Request::get(&uri)
                .header("if-none-match", &etag)
                .body(axum::body::Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert_eq!(app.compiled_answers().await, 2);
}

#[tokio::test]
async fn compiled_pages_off_answers_every_request_on_the_executor() {
    let app = TestApp::seeded().await.with_compiled_queries(false);
    for _ in 0..3 {
        let answer = app.post_graphql(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    assert_eq!(app.compiled_answers().await, 0);
}

const SUBMIT_EVIDENCE: &str = r#"
mutation Submit($input: EvidenceSubmitInput!) {
  evidenceSubmit(input: $input) { contribution { id } userErrors { message } }
}"#;

/// A claim's history is the caller's: each kind of caller (anonymous, another contributor, the
/// author of a pending contribution, a moderator) gets from a compiled page the events, actors and
/// count the executor gives them, marked private like the executor's.
#[tokio::test]
async fn a_compiled_history_answers_each_caller_as_the_executor_does() {
    let app = TestApp::seeded().await;
    let author = app.token("casey", Role::Contributor).await;
    let other = app.token("dana", Role::Contributor).await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let claim = app
        .data(
            "query($slug: String!) { claim(slug: $slug) { id } }",
            json!({ "slug": SEED_SLUG }),
        )
        .await;
    let input = json!({ "input": {
        "claimId": claim["claim"]["id"],
        "doi": "10.1000/compiled.history",
        "stance": "SUPPORTING",
        "study": { "title": "A pending study", "year": 2026, "design": "COHORT_STUDY" }
    }});
    let submitted = app.data_as(&author, SUBMIT_EVIDENCE, input).await;
    assert!(
        submitted["evidenceSubmit"]["contribution"]["id"].is_string(),
        "{submitted:#}"
    );
    let variables = json!({ "slug": SEED_SLUG, "last": 5 });
    let executor = app.with_compiled_queries(false);
    let callers = [None, Some(&other), Some(&author), Some(&moderator)];
    let mut expected = Vec::new();
    for token in callers {
        expected.push(match token {
            Some(token) => {
                executor
                    .post_graphql_as(token, HISTORY_EVERY_FIELD, variables.clone())
                    .await
            }
            None => {
                executor
                    .post_graphql(HISTORY_EVERY_FIELD, variables.clone())
                    .await
            }
        });
    }
    let app = executor.with_compiled_queries(true);
    let mut bodies = Vec::new();
    for (token, expected) in callers.into_iter().zip(&expected) {
        let before = app.compiled_answers().await;
        for _ in 0..2 {
            let answer = match token {
                Some(token) => {
                    app.post_graphql_as(token, HISTORY_EVERY_FIELD, variables.clone())
                        .await
                }
                None => app.post_graphql(HISTORY_EVERY_FIELD, variables.clone()).await,
            };
            assert_eq!(answer.status, StatusCode::OK);
            assert_eq!(answer.header("cache-control"), expected.header("cache-control"));
            assert_same(&answer.text(), &expected.text(), "a history page");
        }
        assert!(
            app.compiled_answers().await > before,
            "the repeated history page is compiled"
        );
        bodies.push(expected.text());
    }
    assert!(
        expected
            .iter()
            .all(|e| e.header("cache-control").is_some_and(|c| c.contains("private"))),
        "a history page is the caller's alone"
    );
    // The pending contribution's submission is the author's and the moderator's to see.
    let submissions = |body: &String| body.matches("contribution.submitted").count();
    assert_eq!(submissions(&bodies[0]), submissions(&bodies[1]));
    assert!(
        submissions(&bodies[2]) > submissions(&bodies[0]),
        "the author sees their submission"
    );
    assert!(
        submissions(&bodies[3]) > submissions(&bodies[0]),
        "a moderator sees it"
    );
    // Only the user themself and moderators see an account's role.
    assert!(!bodies[0].contains("\"role\":\"CONTRIBUTOR\""));
    assert!(bodies[2].contains("\"role\":\"CONTRIBUTOR\""), "{}", bodies[2]);
}
