//! Every list input has a documented cap, refused with `OUT_OF_RANGE` on its field before anything
//! is written; a mutation's cost grows with its list; one contributor's burst of writes does not
//! hold the write path from a moderator or from other callers' token look-ups.

use entity::values::Role;
use serde_json::{Value, json};
use tests::{SEED_SLUG, TestApp, single_error};

const STEP_ADD: &str = "mutation($input: StepAddInput!) { stepAdd(input: $input) {
    step { id version citations { value } } contribution { id } userErrors { field message code } } }";
const CITATION_ADD: &str = "mutation($input: CitationAddInput!) { citationAdd(input: $input) {
    step { citations { value } } userErrors { field message code } } }";
const MECHANISM_ADD: &str = "mutation($input: MechanismAddInput!) { mechanismAdd(input: $input) {
    mechanism { id } userErrors { field message code } } }";
const REORDER: &str = "mutation($input: MechanismReorderInput!) { mechanismReorder(input: $input) {
    claim { mechanisms { id } } userErrors { field message code } } }";
const PAGE: &str = "query($slug: String!) { claim(slug: $slug) { id version
    mechanisms { id version steps { id } } } }";

fn dois(n: usize, tag: &str) -> Vec<String> {
    (0..n).map(|i| format!("10.5555/{tag}.{i}")).collect()
}

/// The one user error of a refused payload, which must name `field` with OUT_OF_RANGE.
fn out_of_range<'a>(payload: &'a Value, field: &[&str]) -> &'a Value {
    let errors = payload["userErrors"].as_array().expect("userErrors");
    assert_eq!(errors.len(), 1, "one error: {payload:#}");
    assert_eq!(errors[0]["code"], "OUT_OF_RANGE", "{payload:#}");
    assert_eq!(errors[0]["field"], json!(field), "{payload:#}");
    &errors[0]
}

async fn seed_page(app: &TestApp) -> Value {
    app.data(PAGE, json!({ "slug": SEED_SLUG })).await["claim"].clone()
}

async fn events(app: &TestApp) -> Value {
    app.data("{ events(last: 1) { totalCount } }", json!({})).await["events"]["totalCount"].clone()
}

#[tokio::test]
async fn a_step_with_more_citations_than_the_cap_is_refused_and_nothing_is_written() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let contributor = app.token("casey", Role::Contributor).await;
    let page = seed_page(&app).await;
    let mechanism = &page["mechanisms"][0];
    let (steps, logged) = (mechanism["steps"].clone(), events(&app).await);
    for token in [&moderator, &contributor] {
        let input =
            json!({ "mechanismId": mechanism["id"], "text": "Too many.", "citations": dois(11, "over") });
        let data = app.data_as(token, STEP_ADD, json!({ "input": input })).await;
        let error = out_of_range(&data["stepAdd"], &["input", "citations"]);
        assert!(
            error["message"].as_str().is_some_and(|m| m.contains("10")),
            "{error}"
        );
        assert!(data["stepAdd"]["step"].is_null() && data["stepAdd"]["contribution"].is_null());
    }
    // A list of 10,000, past what any list variable may hold, is refused before anything runs.
    let input =
        json!({ "mechanismId": mechanism["id"], "text": "Far too many.", "citations": dois(10_000, "far") });
    let response = app
        .post_graphql_as(&moderator, STEP_ADD, json!({ "input": input }))
        .await;
    assert_eq!(response.status, 400, "{}", response.text());
    single_error(&response.json(), "OUT_OF_RANGE", Some("$input.citations"));
    assert_eq!(seed_page(&app).await["mechanisms"][0]["steps"], steps);
    assert_eq!(events(&app).await, logged, "no event, no contribution");
    let doi = app
        .data("{ doi(value: \"10.5555/over.0\") { value } }", json!({}))
        .await;
    assert!(doi["doi"].is_null(), "no DOI was created: {doi}");

    let input =
        json!({ "mechanismId": mechanism["id"], "text": "Just enough.", "citations": dois(10, "cap") });
    let data = app.data_as(&moderator, STEP_ADD, json!({ "input": input })).await;
    assert_eq!(data["stepAdd"]["userErrors"], json!([]), "{data:#}");
    let cited = data["stepAdd"]["step"]["citations"].as_array().map(Vec::len);
    assert_eq!(cited, Some(10));
}

#[tokio::test]
async fn citation_add_cannot_grow_a_step_past_the_cap() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let page = seed_page(&app).await;
    let input =
        json!({ "mechanismId": page["mechanisms"][0]["id"], "text": "Full.", "citations": dois(9, "full") });
    let step = app.data_as(&moderator, STEP_ADD, json!({ "input": input })).await["stepAdd"]["step"].clone();
    let add = |doi: &str, version: &Value| json!({ "input": { "stepId": step["id"], "version": version, "doi": doi } });
    let data = app
        .data_as(&moderator, CITATION_ADD, add("10.5555/tenth", &step["version"]))
        .await;
    assert_eq!(data["citationAdd"]["userErrors"], json!([]), "{data:#}");
    let version = step["version"].as_i64().expect("a version") + 1;
    let data = app
        .data_as(&moderator, CITATION_ADD, add("10.5555/eleventh", &json!(version)))
        .await;
    out_of_range(&data["citationAdd"], &["input", "doi"]);
    let step = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on MechanismStep { version citations { value } } } }",
            json!({ "id": step["id"] }),
        )
        .await["node"]
        .clone();
    assert_eq!(step["citations"].as_array().map(Vec::len), Some(10));
    assert_eq!(step["version"], version, "the refused citation changed nothing");
}

#[tokio::test]
async fn a_claim_holds_at_most_ten_mechanisms_and_a_reorder_lists_at_most_ten() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let claim = seed_page(&app).await;
    let have = claim["mechanisms"].as_array().map_or(0, Vec::len);
    for n in have..10 {
        let input = json!({ "claimId": claim["id"], "support": "LESS_SUPPORTED", "summary": format!("Mechanism {n}.") });
        let data = app
            .data_as(&moderator, MECHANISM_ADD, json!({ "input": input }))
            .await;
        assert_eq!(data["mechanismAdd"]["userErrors"], json!([]), "{data:#}");
    }
    let input = json!({ "claimId": claim["id"], "support": "LESS_SUPPORTED", "summary": "The eleventh." });
    let data = app
        .data_as(&moderator, MECHANISM_ADD, json!({ "input": input }))
        .await;
    out_of_range(&data["mechanismAdd"], &["input", "claimId"]);

    let claim = seed_page(&app).await;
    let mut ids: Vec<Value> = claim["mechanisms"]
        .as_array()
        .expect("mechanisms")
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(ids.len(), 10);
    // Eleven IDs, and 50,000 IDs of the wrong type: one error each time, naming the list.
    let mut over = ids.clone();
    over.push(ids[0].clone());
    let wrong: Vec<String> = (1..=50_000).map(|i| format!("Q2xhaW06{i}")).collect();
    let input = json!({ "claimId": claim["id"], "version": claim["version"], "mechanismIds": over });
    let data = app.data_as(&moderator, REORDER, json!({ "input": input })).await;
    out_of_range(&data["mechanismReorder"], &["input", "mechanismIds"]);
    assert!(data["mechanismReorder"]["claim"].is_null());
    let input = json!({ "claimId": claim["id"], "version": claim["version"], "mechanismIds": wrong });
    let response = app
        .post_graphql_as(&moderator, REORDER, json!({ "input": input }))
        .await;
    assert_eq!(response.status, 400, "{}", response.text());
    single_error(&response.json(), "OUT_OF_RANGE", Some("$input.mechanismIds"));
    assert_eq!(
        seed_page(&app).await["version"],
        claim["version"],
        "nothing changed"
    );

    ids.reverse();
    let input = json!({ "claimId": claim["id"], "version": claim["version"], "mechanismIds": ids });
    let data = app.data_as(&moderator, REORDER, json!({ "input": input })).await;
    assert_eq!(data["mechanismReorder"]["userErrors"], json!([]), "{data:#}");
    let order: Vec<Value> = data["mechanismReorder"]["claim"]["mechanisms"]
        .as_array()
        .expect("mechanisms")
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(order, ids);
}

#[tokio::test]
async fn nodes_takes_at_most_a_hundred_ids() {
    let app = TestApp::seeded().await;
    let id = seed_page(&app).await["id"].clone();
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let body = app.graphql(query, json!({ "ids": vec![id.clone(); 101] })).await;
    let error = single_error(&body, "OUT_OF_RANGE", Some("ids"));
    assert!(
        error["message"].as_str().is_some_and(|m| m.contains("100")),
        "{error}"
    );
    assert!(body["data"].is_null(), "{body:#}");
    let data = app.data(query, json!({ "ids": vec![id; 100] })).await;
    assert_eq!(data["nodes"].as_array().map(Vec::len), Some(100));
}

/// The points `query` costs a user who has spent nothing yet.
async fn cost(app: &TestApp, name: &str, role: Role, query: &str, variables: Value) -> u64 {
    let token = app.token(name, role).await;
    let response = app.post_graphql_as(&token, query, variables).await;
    response
        .header("x-ratelimit-used")
        .and_then(|used| used.parse().ok())
        .unwrap_or_else(|| panic!("no x-ratelimit-used: {response:?}"))
}

#[tokio::test]
async fn a_mutation_costs_a_point_per_item_of_its_list() {
    let app = TestApp::seeded().await;
    let claim = seed_page(&app).await;
    let mechanism = claim["mechanisms"][0]["id"].clone();
    let step = |n: usize| json!({ "input": { "mechanismId": mechanism, "text": "Priced.", "citations": dois(n, &format!("p{n}")) } });
    let none = cost(&app, "c0", Role::Contributor, STEP_ADD, step(0)).await;
    let one = cost(&app, "c1", Role::Contributor, STEP_ADD, step(1)).await;
    let ten = cost(&app, "c10", Role::Contributor, STEP_ADD, step(10)).await;
    let over = cost(&app, "c11", Role::Contributor, STEP_ADD, step(11)).await;
    assert_eq!((one - none, ten - none), (1, 10), "{none} {one} {ten}");
    assert_eq!(
        over, ten,
        "a list over the cap is priced at the cap: it is refused before any work"
    );

    let ids: Vec<Value> = claim["mechanisms"]
        .as_array()
        .expect("mechanisms")
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    let reorder = |ids: &[Value]| json!({ "input": { "claimId": claim["id"], "version": claim["version"], "mechanismIds": ids } });
    let one = cost(&app, "r1", Role::Moderator, REORDER, reorder(&ids[..1])).await;
    let three = cost(&app, "r3", Role::Moderator, REORDER, reorder(&ids)).await;
    assert_eq!(three - one, 2);
}

#[tokio::test]
async fn a_contributors_burst_of_writes_does_not_hold_the_write_path_from_others() {
    let app = TestApp::seeded().await;
    let contributor = app.token("casey", Role::Contributor).await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let reader = app.token("riley", Role::Contributor).await;
    let page = seed_page(&app).await;
    let mechanism = page["mechanisms"][0].clone();
    let app = std::sync::Arc::new(app);
    let mut burst = tokio::task::JoinSet::new();
    for w in 0..8 {
        let (app, token) = (app.clone(), contributor.clone());
        let input = json!({ "mechanismId": mechanism["id"], "text": format!("Step {w}."), "citations": dois(10, &format!("b{w}")) });
        burst.spawn(async move { app.graphql_as(&token, STEP_ADD, json!({ "input": input })).await });
    }
    let update = "mutation($input: MechanismUpdateInput!) { mechanismUpdate(input: $input) { mechanism { label } userErrors { code } } }";
    let input = json!({ "id": mechanism["id"], "version": mechanism["version"], "label": "Renamed" });
    let (write, lookup) = tokio::join!(
        app.graphql_as(&moderator, update, json!({ "input": input })),
        app.graphql_as(&reader, "{ viewer { name } }", json!({})),
    );
    assert_eq!(
        write["data"]["mechanismUpdate"]["mechanism"]["label"], "Renamed",
        "{write:#}"
    );
    assert_eq!(lookup["data"]["viewer"]["name"], "riley", "{lookup:#}");
    while let Some(done) = burst.join_next().await {
        let body = done.expect("a write");
        assert!(body.get("errors").is_none(), "{body:#}");
        assert!(body["data"]["stepAdd"]["contribution"].is_object(), "{body:#}");
    }
}

#[tokio::test]
async fn pricing_a_malformed_list_input_adds_no_second_error() {
    let app = TestApp::seeded().await;
    let contributor = app.token("casey", Role::Contributor).await;
    let query = "mutation($c: [String!]!) { stepAdd(input: { mechanismId: \"x\", text: \"t\", citations: $c }) { step { id } } }";
    let body = app.graphql_as(&contributor, query, json!({ "c": [1] })).await;
    single_error(&body, "BAD_USER_INPUT", Some("$c[0]"));
    let body = app
        .graphql_as(
            &contributor,
            "mutation { stepAdd(input: { mechanismId: \"x\", citations: [\"a\"] }) { step { id } } }",
            json!({}),
        )
        .await;
    single_error(&body, "GRAPHQL_VALIDATION_FAILED", None);
    let body = app.graphql("{ nodes(ids: [1.5]) { id } }", json!({})).await;
    single_error(&body, "GRAPHQL_VALIDATION_FAILED", None);
}
