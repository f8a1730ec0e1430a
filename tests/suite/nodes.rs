//! Global IDs: every type is a `Node`, every ID round-trips, and bad IDs are typed errors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tests::{SEED_SLUG, TestApp, single_error};

/// One ID of each node type in the seed graph, with its type name.
async fn one_id_of_each_type(app: &TestApp) -> Vec<(String, &'static str)> {
    let query = r#"query($slug: String!) {
        claim(slug: $slug) { id
            mechanisms { id steps { id citations { id study { id } } } }
            evidence(first: 1) { edges { node { id } } } } }"#;
    let claim = app.data(query, json!({ "slug": SEED_SLUG })).await["claim"].clone();
    let mechanism = &claim["mechanisms"][0];
    let step = &mechanism["steps"][0];
    let citation = &step["citations"][0];
    let id = |v: &Value| v.as_str().expect("an id").to_owned();
    vec![
        (id(&claim["id"]), "Claim"),
        (id(&mechanism["id"]), "Mechanism"),
        (id(&step["id"]), "MechanismStep"),
        (id(&citation["id"]), "Doi"),
        (id(&citation["study"]["id"]), "Study"),
        (id(&claim["evidence"]["edges"][0]["node"]["id"]), "Evidence"),
    ]
}

#[tokio::test]
async fn node_round_trips_every_type() {
    let app = TestApp::seeded().await;
    for (id, type_name) in one_id_of_each_type(&app).await {
        let node = app
            .data(
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"], json!({ "__typename": type_name, "id": id }));
    }
}

#[tokio::test]
async fn node_fragments_reach_type_specific_fields() {
    let app = TestApp::seeded().await;
    let ids = one_id_of_each_type(&app).await;
    let query = "query($id: ID!) { node(id: $id) { ... on Claim { slug } } }";
    let data = app.data(query, json!({ "id": ids[0].0 })).await;
    assert_eq!(data["node"]["slug"], SEED_SLUG);
}

#[tokio::test]
async fn nodes_keeps_the_order_given_and_is_null_for_ids_that_name_nothing() {
    let app = TestApp::seeded().await;
    let ids = one_id_of_each_type(&app).await;
    let missing = URL_SAFE_NO_PAD.encode("Claim:999999");
    let wanted = [ids[4].0.clone(), missing, ids[0].0.clone()];
    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": wanted }),
        )
        .await;
    assert_eq!(
        data["nodes"],
        json!([
            { "__typename": "Study", "id": wanted[0] },
            null,
            { "__typename": "Claim", "id": wanted[2] },
        ])
    );
}

#[tokio::test]
async fn a_garbage_id_is_bad_user_input_and_its_node_null() {
    let app = TestApp::seeded().await;
    let forged = URL_SAFE_NO_PAD.encode("Claim:one");
    for garbage in ["", "not-an-id", "Q2xhaW06", forged.as_str(), "🙂"] {
        let body = app
            .graphql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": garbage }),
            )
            .await;
        single_error(&body, "BAD_USER_INPUT", Some("id"));
        assert_eq!(body["data"], json!({ "node": null }), "{garbage:?}: {body:#}");
    }
}

#[tokio::test]
async fn an_id_of_the_wrong_type_is_refused_by_study() {
    let app = TestApp::seeded().await;
    let ids = one_id_of_each_type(&app).await;
    let body = app
        .graphql(
            "query($id: ID!) { study(id: $id) { title } }",
            json!({ "id": ids[0].0 }),
        )
        .await;
    let error = single_error(&body, "BAD_USER_INPUT", Some("id"));
    assert_eq!(
        error["message"],
        "expected the ID of a Study, got the ID of a Claim"
    );
    assert_eq!(body["data"], json!({ "study": null }), "{body:#}");
    let ok = app
        .data(
            "query($id: ID!) { study(id: $id) { title } }",
            json!({ "id": ids[4].0 }),
        )
        .await;
    assert!(
        ok["study"]["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Effects of Advanced"))
    );
}

#[tokio::test]
async fn more_than_a_hundred_ids_are_refused() {
    let app = TestApp::seeded().await;
    let ids: Vec<String> = (1..=101)
        .map(|i| URL_SAFE_NO_PAD.encode(format!("Claim:{i}")))
        .collect();
    let body = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    single_error(&body, "OUT_OF_RANGE", Some("ids"));
}
