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
    // The claims, their count, the mechanisms down to the studies their steps cite (which also
    // answer the synthesis), and the evidence with its studies and their DOIs.
    assert_eq!(fifty, 4, "{fifty} statements for a page");
}

#[tokio::test]
async fn the_seed_claim_page_is_one_statement_on_postgresql_and_two_on_sqlite() {
    let app = TestApp::seeded().await;
    let before = app.statements();
    app.data(tests::CLAIM_PAGE, json!({ "slug": tests::SEED_SLUG }))
        .await;
    let cost = app.statements() - before;
    // The claim with its evidence down to the studies' DOIs, and its mechanisms down to the cited
    // studies: on PostgreSQL one UNION ALL (one round trip), on SQLite (inline statements, where
    // the UNION's sort costs more than a second statement) two.
    let expected = if TestApp::is_postgres() { 1 } else { 2 };
    assert_eq!(cost, expected, "{cost} statements for the seed page");
}

/// Parts of the claim page, each of which the prefetcher answers with a different set of statements.
const PAGE_PARTS: [&str; 9] = [
    "synthesis { text }",
    "synthesis { studyCount }",
    "synthesis { studyCount studies { id title } }",
    "mechanisms { id rank support summary }",
    "mechanisms { id steps { id position text } }",
    "mechanisms { steps { citations { value url } } } synthesis { studies { title } }",
    "mechanisms { steps { citations { value study { title design } } } }",
    "evidenceCounts { supporting contradicting total } evidence(first: 3) { totalCount edges { cursor node { stance } } }",
    "evidence { edges { node { study { id title doi { value } } } } } evidenceNeeds { rank metBy { id } }",
];

#[tokio::test]
async fn every_part_of_a_claim_page_reads_the_same_through_the_prefetcher_as_without_it() {
    let app = TestApp::seeded().await;
    app.load_generated(3).await;
    for slug in [tests::SEED_SLUG, "claim-002"] {
        let id = app
            .data(
                "query($slug: String!) { claim(slug: $slug) { id } }",
                json!({ "slug": slug }),
            )
            .await["claim"]["id"]
            .clone();
        for part in PAGE_PARTS {
            // `claim(slug:)` prefetches; `node(id:)` resolves the same claim through the loaders alone.
            let before = app.statements();
            let prefetched = app
                .data(
                    &format!("query($slug: String!) {{ claim(slug: $slug) {{ {part} }} }}"),
                    json!({ "slug": slug }),
                )
                .await;
            let cost = app.statements() - before;
            let loaded = app
                .data(
                    &format!("query($id: ID!) {{ node(id: $id) {{ ... on Claim {{ {part} }} }} }}"),
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(prefetched["claim"], loaded["node"], "{slug}: {part}");
            assert!(cost <= 3, "{slug}: {part} cost {cost} statements");
        }
    }
}

#[tokio::test]
async fn a_claim_with_nothing_under_it_reads_as_empty_through_the_prefetcher_and_the_loaders() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", entity::values::Role::Moderator).await;
    let created = app
        .data_as(
            &moderator,
            r#"mutation($input: ClaimCreateInput!) {
                claimCreate(input: $input) { claim { id } userErrors { field code message } } }"#,
            json!({ "input": {
                "slug": "an-empty-claim", "statement": "Nothing is known yet.", "population": "p",
                "intervention": "i", "comparator": "c", "outcome": "o", "synthesis": "s"
            }}),
        )
        .await;
    let id = created["claimCreate"]["claim"]["id"].clone();
    assert!(id.is_string(), "{created:#}");
    let selection = "mechanisms { id steps { id citations { value study { title } } } } \
        synthesis { studyCount studies { title } } evidenceCounts { total } \
        evidence { totalCount edges { node { stance study { title doi { value } } } } } \
        evidenceNeeds { rank metBy { title } }";
    let before = app.statements();
    let prefetched = app
        .data(
            &format!("{{ claim(slug: \"an-empty-claim\") {{ {selection} }} }}"),
            json!({}),
        )
        .await;
    // On PostgreSQL its one statement says the claim has nothing under it: nothing is read again.
    // (On SQLite an empty second statement cannot say so, and the loaders read the branches.)
    if TestApp::is_postgres() {
        assert_eq!(app.statements() - before, 1);
    }
    let loaded = app
        .data(
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Claim {{ {selection} }} }} }}"),
            json!({ "id": id }),
        )
        .await;
    assert_eq!(prefetched["claim"], loaded["node"]);
    assert_eq!(prefetched["claim"]["mechanisms"], json!([]));
    assert_eq!(prefetched["claim"]["evidence"]["totalCount"], 0);
    assert_eq!(prefetched["claim"]["synthesis"]["studyCount"], 0);
}

/// Selections on a DOI, from its study to the claims that cite it, with fragments and aliases.
const DOI_PARTS: &[&str] = &[
    "value",
    "study { title year design }",
    "citedBy { totalCount edges { cursor node { position text } } }",
    "citedBy { nodes { id mechanism { rank summary } } }",
    "citedBy(first: 3, after: null) { edges { node { mechanism { claim { slug statement } } } } pageInfo { hasNextPage endCursor } }",
    "s: study { title } c: citedBy(last: 2) { edges { node { ...Up } } }",
];

#[tokio::test]
async fn a_doi_walk_is_one_statement_and_reads_what_the_loaders_read() {
    let app = TestApp::seeded().await;
    app.load_generated(3).await;
    let doi = "10.3390/jfmk11010080";
    let id = app
        .data(
            "query($v: String!) { doi(value: $v) { id } }",
            json!({ "v": doi }),
        )
        .await["doi"]["id"]
        .clone();
    let fragment = "fragment Up on MechanismStep { position mechanism { rank claim { slug } } }";
    for part in DOI_PARTS {
        let fragment = if part.contains("...Up") { fragment } else { "" };
        // `doi(value:)` walks in one statement; `node(id:)` resolves the same DOI through the loaders.
        let before = app.statements();
        let walked = app
            .data(
                &format!("query($v: String!) {{ doi(value: $v) {{ {part} }} }} {fragment}"),
                json!({ "v": doi }),
            )
            .await;
        let cost = app.statements() - before;
        let loaded = app
            .data(
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on Doi {{ {part} }} }} }} {fragment}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(walked["doi"], loaded["node"], "{part}");
        assert_eq!(cost, 1, "{part} cost {cost} statements");
    }
    assert_eq!(
        app.data(
            "query($v: String!) { doi(value: $v) { citedBy { totalCount } } }",
            json!({ "v": "10.1000/not-in-the-graph" })
        )
        .await,
        json!({ "doi": null })
    );
}
