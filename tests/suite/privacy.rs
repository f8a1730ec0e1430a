//! Privacy: what each kind of caller (anonymous, another contributor, the author, a moderator) sees
//! of contributions under review, of the events they leave, and of users. Nothing pending or
//! rejected is public: not in `events`, `Claim.history`, their `totalCount`s and cursors, nor
//! through `node(id:)`, where a hidden node looks exactly like one that does not exist.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::values::Role;
use serde_json::{Value, json};
use tests::{SEED_SLUG, TestApp};

const SUBMIT_EVIDENCE: &str = r#"
mutation Submit($input: EvidenceSubmitInput!) {
  evidenceSubmit(input: $input) { contribution { id } userErrors { message } }
}"#;

const ACCEPT: &str = r#"
mutation Accept($id: ID!) {
  contributionAccept(input: { id: $id }) { contribution { status } userErrors { message } }
}"#;

const REJECT: &str = r#"
mutation Reject($id: ID!) {
  contributionReject(input: { id: $id, reason: "Not this paper." }) { contribution { status } userErrors { message } }
}"#;

/// Every event the caller may see, with the count the list gives.
const EVENTS: &str = r#"{ events(last: 100) { totalCount nodes { id action actor { name } } } }"#;

const HISTORY: &str = r#"
query History($slug: String!) {
  claim(slug: $slug) { history(last: 100) { totalCount nodes { id action } } }
}"#;

const NODE: &str = r#"query($id: ID!) { node(id: $id) { __typename id ... on Event { action } ... on Contribution { status } } }"#;

const USER: &str =
    r#"query($id: ID!) { node(id: $id) { __typename ... on User { id name role createdAt } } }"#;

/// The four kinds of caller, as tokens (`None` for anonymous), with a label for messages.
struct Callers {
    author: String,
    other: String,
    moderator: String,
}

impl Callers {
    async fn new(app: &TestApp) -> Callers {
        Callers {
            author: app.token("casey", Role::Contributor).await,
            other: app.token("dana", Role::Contributor).await,
            moderator: app.token("morgan", Role::Moderator).await,
        }
    }

    /// (label, token) for each kind of caller.
    fn each(&self) -> [(&'static str, Option<&str>); 4] {
        [
            ("anonymous", None),
            ("another contributor", Some(self.other.as_str())),
            ("the author", Some(self.author.as_str())),
            ("a moderator", Some(self.moderator.as_str())),
        ]
    }
}

/// The whole body of `query` as `token` (anonymous without one).
async fn body_as(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    match token {
        Some(token) => app.graphql_as(token, query, variables).await,
        None => app.graphql(query, variables).await,
    }
}

async fn data_as(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let body = body_as(app, token, query, variables).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"].clone()
}

/// A new supporting study for the seed claim, distinct per `n`.
fn evidence_input(claim_id: &str, n: u32) -> Value {
    json!({ "input": {
        "claimId": claim_id,
        "doi": format!("10.1000/privacy.{n}"),
        "stance": "SUPPORTING",
        "study": { "title": format!("Study {n}"), "year": 2026, "design": "RANDOMISED_CONTROLLED_TRIAL" }
    }})
}

async fn submit(app: &TestApp, token: &str, claim_id: &str, n: u32) -> String {
    let data = app
        .data_as(token, SUBMIT_EVIDENCE, evidence_input(claim_id, n))
        .await;
    data["evidenceSubmit"]["contribution"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no contribution: {data:#}"))
        .to_owned()
}

async fn seed_claim_id(app: &TestApp) -> String {
    let data = app
        .data(
            "query($slug: String!) { claim(slug: $slug) { id } }",
            json!({ "slug": SEED_SLUG }),
        )
        .await;
    data["claim"]["id"].as_str().expect("an id").to_owned()
}

/// The events list as `token` sees it: (totalCount, [(id, action)]).
async fn events_seen(app: &TestApp, token: Option<&str>, query: &str) -> (u64, Vec<(String, String)>) {
    let data = data_as(app, token, query, json!({ "slug": SEED_SLUG })).await;
    let list = data
        .get("events")
        .cloned()
        .unwrap_or_else(|| data["claim"]["history"].clone());
    let nodes = list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|e| {
            (
                e["id"].as_str().expect("id").to_owned(),
                e["action"].as_str().expect("action").to_owned(),
            )
        })
        .collect();
    (list["totalCount"].as_u64().expect("totalCount"), nodes)
}

fn global_id(type_name: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// The seed graph with one pending and one rejected contribution of casey's, and the events
/// those left (submitted, submitted, rejected), as the moderator sees them.
struct Scene {
    callers: Callers,
    pending: String,
    rejected: String,
    public_events: u64,
    hidden_events: Vec<(String, String)>,
}

async fn scene(app: &TestApp) -> Scene {
    let callers = Callers::new(app).await;
    let claim_id = seed_claim_id(app).await;
    let (public_events, _) = events_seen(app, None, EVENTS).await;
    let pending = submit(app, &callers.author, &claim_id, 1).await;
    let rejected = submit(app, &callers.author, &claim_id, 2).await;
    let reviewed = app
        .data_as(&callers.moderator, REJECT, json!({ "id": rejected }))
        .await;
    assert_eq!(
        reviewed["contributionReject"]["contribution"]["status"],
        "REJECTED"
    );
    let (_, all) = events_seen(app, Some(&callers.moderator), EVENTS).await;
    let hidden_events = all[public_events as usize..].to_vec();
    Scene {
        callers,
        pending,
        rejected,
        public_events,
        hidden_events,
    }
}

#[tokio::test]
async fn pending_and_rejected_contributions_leave_events_only_their_author_and_moderators_see() {
    let app = TestApp::seeded().await;
    let scene = scene(&app).await;
    let actions: Vec<&str> = scene.hidden_events.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "contribution.submitted",
            "contribution.submitted",
            "contribution.rejected"
        ]
    );
    for query in [EVENTS, HISTORY] {
        for (who, token) in scene.callers.each() {
            let (total, nodes) = events_seen(&app, token, query).await;
            let sees_hidden = matches!(who, "the author" | "a moderator");
            let hidden_seen: Vec<_> = nodes
                .iter()
                .filter(|event| scene.hidden_events.contains(event))
                .collect();
            assert_eq!(
                hidden_seen.len(),
                if sees_hidden { 3 } else { 0 },
                "{who} in {query}: {nodes:?}"
            );
            // The count says what the list says: no hidden event is counted.
            assert_eq!(total, nodes.len() as u64, "{who} in {query}");
            if query == EVENTS {
                let expected = scene.public_events + if sees_hidden { 3 } else { 0 };
                assert_eq!(total, expected, "{who}");
            }
        }
    }
}

#[tokio::test]
async fn a_hidden_event_or_contribution_looks_exactly_like_a_missing_one() {
    let app = TestApp::seeded().await;
    let scene = scene(&app).await;
    let missing_event = global_id("Event", 999_999);
    let missing_contribution = global_id("Contribution", 999_999);
    let hidden: Vec<&str> = scene
        .hidden_events
        .iter()
        .map(|(id, _)| id.as_str())
        .chain([scene.pending.as_str(), scene.rejected.as_str()])
        .collect();
    for (who, token) in scene.callers.each() {
        let sees = matches!(who, "the author" | "a moderator");
        for id in &hidden {
            let body = body_as(&app, token, NODE, json!({ "id": id })).await;
            if sees {
                assert_eq!(body["data"]["node"]["id"], json!(id), "{who}: {body}");
            } else {
                let missing = if type_of(id).starts_with("Event") {
                    &missing_event
                } else {
                    &missing_contribution
                };
                let absent = body_as(&app, token, NODE, json!({ "id": missing })).await;
                assert_eq!(body, absent, "{who} told {id} from a missing node");
                assert_eq!(body, json!({ "data": { "node": null } }));
            }
        }
        // `nodes(ids:)` batches the same rule.
        let data = data_as(
            &app,
            token,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": hidden }),
        )
        .await;
        let found = data["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| !n.is_null())
            .count();
        assert_eq!(found, if sees { hidden.len() } else { 0 }, "{who}: {data}");
    }
}

/// The type name a global ID carries.
fn type_of(id: &str) -> String {
    String::from_utf8(URL_SAFE_NO_PAD.decode(id).expect("base64")).expect("utf-8")
}

#[tokio::test]
async fn cursors_walk_the_visible_events_only() {
    let app = TestApp::seeded().await;
    let scene = scene(&app).await;
    let query = r#"query($after: String) { events(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id } } }"#;
    for (who, token) in scene.callers.each() {
        let (_, expected) = events_seen(&app, token, EVENTS).await;
        let mut walked = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = data_as(&app, token, query, json!({ "after": after })).await;
            let page = &data["events"];
            assert_eq!(page["totalCount"], expected.len(), "{who}");
            for node in page["nodes"].as_array().expect("nodes") {
                walked.push(node["id"].as_str().expect("id").to_owned());
            }
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        let ids: Vec<String> = expected.into_iter().map(|(id, _)| id).collect();
        assert_eq!(walked, ids, "{who}");
    }
    // The latest event an anonymous caller sees is the seed's last, not the rejection.
    let latest = data_as(&app, None, "{ events(last: 1) { nodes { action } } }", json!({})).await;
    assert_ne!(latest["events"]["nodes"][0]["action"], "contribution.rejected");
}

#[tokio::test]
async fn an_accepted_contribution_and_its_events_become_public() {
    let app = TestApp::seeded().await;
    let scene = scene(&app).await;
    let accepted = app
        .data_as(&scene.callers.moderator, ACCEPT, json!({ "id": scene.pending }))
        .await;
    assert_eq!(
        accepted["contributionAccept"]["contribution"]["status"],
        "ACCEPTED"
    );
    let (total, nodes) = events_seen(&app, None, EVENTS).await;
    let fresh: Vec<&str> = nodes[scene.public_events as usize..]
        .iter()
        .map(|(_, action)| action.as_str())
        .collect();
    // The submission, the change (a new study and DOI, the evidence) and the acceptance; never
    // the rejected one's two events.
    assert_eq!(fresh.first(), Some(&"contribution.submitted"));
    assert_eq!(fresh.last(), Some(&"contribution.accepted"));
    assert!(fresh.contains(&"evidence.added"), "{fresh:?}");
    assert!(!fresh.contains(&"contribution.rejected"), "{fresh:?}");
    assert_eq!(
        fresh.iter().filter(|a| **a == "contribution.submitted").count(),
        1
    );
    assert_eq!(total, nodes.len() as u64);
    // The contribution itself stays its author's and the moderators'.
    let node = data_as(&app, None, NODE, json!({ "id": scene.pending })).await;
    assert_eq!(node["node"], Value::Null);
}

/// The user IDs of casey (the author) and morgan (the moderator).
async fn user_ids(app: &TestApp, callers: &Callers) -> (String, String) {
    let id = |data: Value| data["viewer"]["id"].as_str().expect("an id").to_owned();
    (
        id(app.data_as(&callers.author, "{ viewer { id } }", json!({})).await),
        id(app
            .data_as(&callers.moderator, "{ viewer { id } }", json!({}))
            .await),
    )
}

#[tokio::test]
async fn a_user_with_no_public_change_is_seen_only_by_themself_and_moderators() {
    let app = TestApp::seeded().await;
    let scene = scene(&app).await;
    let (casey, _) = user_ids(&app, &scene.callers).await;
    let missing = global_id("User", 999_999);
    for (who, token) in scene.callers.each() {
        let body = body_as(&app, token, USER, json!({ "id": casey })).await;
        match who {
            "the author" | "a moderator" => assert_eq!(
                body["data"]["node"],
                json!({ "__typename": "User", "id": casey, "name": "casey", "role": "CONTRIBUTOR",
                        "createdAt": body["data"]["node"]["createdAt"] }),
                "{who}"
            ),
            _ => {
                let absent = body_as(&app, token, USER, json!({ "id": missing })).await;
                assert_eq!(body, absent, "{who} told a private user from a missing one");
                assert_eq!(body, json!({ "data": { "node": null } }), "{who}");
            }
        }
        if matches!(who, "the author" | "a moderator") {
            assert!(body["data"]["node"]["createdAt"].is_string(), "{who}");
        }
    }
}

#[tokio::test]
async fn a_user_seen_making_a_public_change_shows_a_name_and_nothing_more() {
    let app = TestApp::seeded().await;
    let scene = scene(&app).await;
    app.data_as(&scene.callers.moderator, ACCEPT, json!({ "id": scene.pending }))
        .await;
    let (casey, morgan) = user_ids(&app, &scene.callers).await;
    for (who, token) in scene.callers.each() {
        for (id, name, role) in [(&casey, "casey", "CONTRIBUTOR"), (&morgan, "morgan", "MODERATOR")] {
            let data = data_as(&app, token, USER, json!({ "id": id })).await;
            let node = &data["node"];
            assert_eq!(node["name"], name, "{who}");
            let own_or_moderator = who == "a moderator" || (who == "the author" && name == "casey");
            if own_or_moderator {
                assert_eq!(node["role"], role, "{who} on {name}");
                assert!(node["createdAt"].is_string(), "{who} on {name}");
            } else {
                assert_eq!(node["role"], Value::Null, "{who} on {name}");
                assert_eq!(node["createdAt"], Value::Null, "{who} on {name}");
            }
        }
        // The same through the events that show them.
        let data = data_as(
            &app,
            token,
            "{ events(last: 1) { nodes { action actor { name role } } } }",
            json!({}),
        )
        .await;
        let actor = &data["events"]["nodes"][0]["actor"];
        assert_eq!(actor["name"], "morgan", "{who}");
        let role = if who == "a moderator" {
            json!("MODERATOR")
        } else {
            Value::Null
        };
        assert_eq!(actor["role"], role, "{who}");
    }
}
