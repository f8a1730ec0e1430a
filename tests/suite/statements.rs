//! No N+1: the claim page costs the same number of SQL statements for 1 claim as for 50.

use serde_json::{Value, json};
use tests::TestApp;

/// The ClaimPage selection, applied to every claim of a list.
const CLAIM_LIST_PAGE: &str = r#"
query ClaimListPage($first: Int!) {
  claims(first: $first) { totalCount edges { node {
    id slug statement population intervention comparator outcome
    synthesis { text studyCount studies { title } }
    mechanisms { id rank support summary
      steps { id position text citations { value url study { title } } } }
    evidenceCounts { supporting contradicting total }
    evidence(first: 20) { totalCount edges { cursor node { stance study { title year design doi { value } } } } }
    evidenceNeeds { rank design cebmLevel description metBy { title } }
  } } }
}"#;

/// Runs the list page for `first` claims; returns how many statements it cost and the claims.
async fn cost_of_page(app: &TestApp, first: usize) -> (usize, Vec<Value>) {
    let before = app.statements();
    let data = app.data(CLAIM_LIST_PAGE, json!({ "first": first })).await;
    let cost = app.statements() - before;
    (
        cost,
        data["claims"]["edges"].as_array().cloned().unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_list_of_fifty_claim_pages_costs_what_one_costs() {
    let app = TestApp::migrated().await;
    app.load_generated(50).await;
    let (one, claims) = cost_of_page(&app, 1).await;
    assert_eq!(claims.len(), 1);
    let (fifty, claims) = cost_of_page(&app, 50).await;
    assert_eq!(claims.len(), 50);
    // The pages are whole: 3 mechanisms x 5 steps x 2 citations, 2 evidence rows each.
    for claim in &claims {
        let node = &claim["node"];
        assert_eq!(node["mechanisms"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            node["mechanisms"][2]["steps"][4]["citations"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(
            node["evidenceCounts"],
            json!({ "supporting": 1, "contradicting": 1, "total": 2 })
        );
    }
    assert_eq!(one, fifty, "1 claim cost {one} statements, 50 cost {fifty}");
    // One per relation level at most: claims, count, mechanisms, steps, citations, study by DOI,
    // studies cited, studies by id, evidence, evidence studies' DOIs.
    assert!(fifty <= 12, "{fifty} statements for a page");
}

#[tokio::test]
async fn the_seed_claim_page_is_a_handful_of_statements() {
    let app = TestApp::seeded().await;
    let before = app.statements();
    app.data(tests::CLAIM_PAGE, json!({ "slug": tests::SEED_SLUG }))
        .await;
    let cost = app.statements() - before;
    assert!(cost <= 10, "{cost} statements for the seed page");
}
