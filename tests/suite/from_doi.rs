//! From a DOI, in any spelling, back to the claims that rely on it: through its study's evidence and
//! through the mechanism steps that cite it.

use serde_json::json;
use tests::{FROM_DOI, SEED_SLUG, TestApp, single_error};

#[tokio::test]
async fn every_common_spelling_of_the_doi_reaches_the_claim_both_ways() {
    let app = TestApp::seeded().await;
    for spelling in [
        "10.3390/jfmk11010080",
        "10.3390/JFMK11010080",
        "doi:10.3390/jfmk11010080",
        "  DOI:10.3390/jfmk11010080  ",
        "https://doi.org/10.3390/jfmk11010080",
        "HTTPS://DOI.ORG/10.3390/JFMK11010080",
        "http://dx.doi.org/10.3390/jfmk11010080",
    ] {
        let doi = app.data(FROM_DOI, json!({ "doi": spelling })).await["doi"].clone();
        assert_eq!(doi["value"], "10.3390/jfmk11010080", "{spelling}");
        assert_eq!(doi["url"], "https://doi.org/10.3390/jfmk11010080");
        let evidence = &doi["study"]["evidence"]["edges"];
        assert_eq!(
            evidence,
            &json!([{ "node": { "stance": "CONTRADICTING", "claim": { "slug": SEED_SLUG } } }])
        );
        assert_eq!(doi["citedBy"]["totalCount"], 15);
        let edges = doi["citedBy"]["edges"].as_array().expect("edges");
        assert_eq!(edges.len(), 15);
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["mechanism"]["claim"]["slug"] == SEED_SLUG)
        );
        let ranks: Vec<i64> = edges
            .iter()
            .filter_map(|e| e["node"]["mechanism"]["rank"].as_i64())
            .collect();
        assert_eq!(ranks, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    }
}

#[tokio::test]
async fn a_well_formed_doi_the_graph_does_not_hold_is_null() {
    let app = TestApp::seeded().await;
    let body = app
        .graphql(FROM_DOI, json!({ "doi": "10.1000/not-in-the-graph" }))
        .await;
    assert_eq!(body, json!({ "data": { "doi": null } }));
}

#[tokio::test]
async fn a_malformed_doi_is_rejected_with_its_field() {
    let app = TestApp::seeded().await;
    for bad in [
        "",
        "jfmk11010080",
        "10.33/jfmk",
        "https://doi.org/",
        "10.3390/has space",
    ] {
        let body = app.graphql(FROM_DOI, json!({ "doi": bad })).await;
        let error = single_error(&body, "BAD_USER_INPUT", Some("value"));
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("is not a DOI")),
            "{body:#}"
        );
        // The failed field is null in its place (GraphQL spec, "Handling Field Errors").
        assert_eq!(body["data"], json!({ "doi": null }), "{bad:?}: {body:#}");
    }
}
