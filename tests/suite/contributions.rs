//! Community contributions: tokens, roles, mutations, review, history, versions and one write path.

use entity::values::Role;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tests::{CLAIM_PAGE, FROM_DOI, SEED_SLUG, TestApp, single_error};

const NEW_DOI: &str = "10.1000/rest-pause.2026.001";

const SUBMIT_EVIDENCE: &str = r#"
mutation Submit($input: EvidenceSubmitInput!) {
  evidenceSubmit(input: $input) {
    evidence { id stance }
    contribution { id status action diff { field before after } }
    userErrors { field message code }
  }
}"#;

const COUNTS: &str = r#"
query Counts($slug: String!) {
  claim(slug: $slug) { id version evidenceCounts { supporting contradicting total } }
}"#;

const ACCEPT: &str = r#"
mutation Accept($id: ID!) {
  contributionAccept(input: { id: $id }) {
    contribution { status reviewer { name } }
    subject { id ... on Evidence { stance } }
    userErrors { field message code }
  }
}"#;

const REJECT: &str = r#"
mutation Reject($id: ID!, $reason: String!) {
  contributionReject(input: { id: $id, reason: $reason }) {
    contribution { status reason }
    userErrors { field message code }
  }
}"#;

const UPDATE_SYNTHESIS: &str = r#"
mutation Update($id: ID!, $version: Int!, $text: String!) {
  claimUpdate(input: { id: $id, version: $version, synthesis: $text }) {
    claim { version synthesis { text } }
    contribution { id status }
    userErrors { field message code }
  }
}"#;

const HISTORY: &str = r#"
query History($slug: String!) {
  claim(slug: $slug) {
    history(last: 50) { totalCount nodes { action actor { name } subjectId before after } }
  }
}"#;

async fn seed_claim(app: &TestApp) -> (String, i64) {
    let claim = app.data(COUNTS, json!({ "slug": SEED_SLUG })).await["claim"].clone();
    (
        claim["id"].as_str().expect("id").to_owned(),
        claim["version"].as_i64().expect("version"),
    )
}

fn supporting_with_new_study(claim_id: &str) -> Value {
    json!({ "input": {
        "claimId": claim_id,
        "doi": format!("https://doi.org/{NEW_DOI}"),
        "stance": "SUPPORTING",
        "note": "Greater thigh cross-sectional area after 8 weeks.",
        "study": {
            "title": "Rest-pause versus traditional sets: a randomised trial",
            "journal": "Journal of Example Studies",
            "year": 2026,
            "design": "RANDOMISED_CONTROLLED_TRIAL",
            "sampleSize": 24
        }
    }})
}

#[tokio::test]
async fn the_whole_contribution_story_on_the_seed_claim() {
    let app = TestApp::seeded().await;
    let contributor = app.token("casey", Role::Contributor).await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let (claim_id, _) = seed_claim(&app).await;

    // A contributor submits supporting evidence with a new DOI and its study.
    let submitted = app
        .data_as(
            &contributor,
            SUBMIT_EVIDENCE,
            supporting_with_new_study(&claim_id),
        )
        .await["evidenceSubmit"]
        .clone();
    assert_eq!(submitted["evidence"], Value::Null, "{submitted:#}");
    assert_eq!(submitted["userErrors"], json!([]));
    let contribution = &submitted["contribution"];
    assert_eq!(contribution["status"], "PENDING");
    assert_eq!(contribution["action"], "evidenceSubmit");
    let diff = contribution["diff"].as_array().expect("diff");
    assert!(
        diff.iter()
            .any(|c| c["field"] == "stance" && c["before"].is_null() && c["after"] == "SUPPORTING"),
        "{diff:#?}"
    );
    let contribution_id = contribution["id"].as_str().expect("id").to_owned();

    // Nothing of it is public yet: counts, the DOI, the node itself.
    let counts = app.data(COUNTS, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(
        counts["claim"]["evidenceCounts"],
        json!({ "supporting": 0, "contradicting": 1, "total": 1 })
    );
    assert_eq!(
        app.data(FROM_DOI, json!({ "doi": NEW_DOI })).await["doi"],
        Value::Null
    );
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": contribution_id }),
        )
        .await;
    assert_eq!(
        node["node"],
        Value::Null,
        "anonymous callers cannot see contributions"
    );

    // The moderator's queue holds it, oldest first, with its author.
    let queue = app
        .data_as(
            &moderator,
            "{ contributions(status: PENDING) { totalCount nodes { id author { name } claim { slug } } } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["contributions"]["totalCount"], 1);
    assert_eq!(
        queue["contributions"]["nodes"][0],
        json!({ "id": contribution_id, "author": { "name": "casey" }, "claim": { "slug": SEED_SLUG } })
    );

    // The moderator accepts: the evidence is in, supporting becomes 1.
    let accepted = app
        .data_as(&moderator, ACCEPT, json!({ "id": contribution_id }))
        .await["contributionAccept"]
        .clone();
    assert_eq!(
        accepted["contribution"],
        json!({ "status": "ACCEPTED", "reviewer": { "name": "morgan" } })
    );
    assert_eq!(accepted["subject"]["stance"], "SUPPORTING");
    let counts = app.data(COUNTS, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(
        counts["claim"]["evidenceCounts"],
        json!({ "supporting": 1, "contradicting": 1, "total": 2 })
    );

    // The DOI's node links to the claim, through its study's evidence.
    let doi = app.data(FROM_DOI, json!({ "doi": NEW_DOI })).await["doi"].clone();
    assert_eq!(doi["value"], NEW_DOI);
    assert_eq!(
        doi["study"]["evidence"]["edges"],
        json!([{ "node": { "stance": "SUPPORTING", "claim": { "slug": SEED_SLUG } } }])
    );

    // History shows the submission, the change (as its author's) and the acceptance.
    let history = app.data(HISTORY, json!({ "slug": SEED_SLUG })).await["claim"]["history"].clone();
    let recent: Vec<(String, Value)> = history["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .rev()
        .take(3)
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["actor"]["name"].clone(),
            )
        })
        .collect();
    assert_eq!(
        recent,
        [
            ("contribution.accepted".to_owned(), json!("morgan")),
            ("evidence.added".to_owned(), json!("casey")),
            ("contribution.submitted".to_owned(), json!("casey")),
        ]
    );
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_changes_nothing() {
    let app = TestApp::seeded().await;
    let contributor = app.token("casey", Role::Contributor).await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let (claim_id, _) = seed_claim(&app).await;
    let submitted = app
        .data_as(
            &contributor,
            SUBMIT_EVIDENCE,
            supporting_with_new_study(&claim_id),
        )
        .await;
    let id = submitted["evidenceSubmit"]["contribution"]["id"].clone();

    let blank = app
        .data_as(&moderator, REJECT, json!({ "id": id, "reason": "   " }))
        .await["contributionReject"]
        .clone();
    assert_eq!(blank["contribution"], Value::Null);
    assert_eq!(blank["userErrors"][0]["field"], json!(["input", "reason"]));
    assert_eq!(blank["userErrors"][0]["code"], "REQUIRED");

    let rejected = app
        .data_as(
            &moderator,
            REJECT,
            json!({ "id": id, "reason": "The DOI resolves to another paper." }),
        )
        .await["contributionReject"]
        .clone();
    assert_eq!(
        rejected["contribution"],
        json!({ "status": "REJECTED", "reason": "The DOI resolves to another paper." })
    );
    let counts = app.data(COUNTS, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(counts["claim"]["evidenceCounts"]["supporting"], 0);

    // A reviewed contribution cannot be reviewed again.
    let again = app.data_as(&moderator, ACCEPT, json!({ "id": id })).await["contributionAccept"].clone();
    assert_eq!(again["userErrors"][0]["field"], json!(["input", "id"]));
    assert_eq!(again["userErrors"][0]["code"], "ALREADY_REVIEWED");
    assert_eq!(
        again["userErrors"][0]["message"],
        "This contribution was already rejected."
    );
}

#[tokio::test]
async fn each_role_may_do_what_it_may_and_no_more() {
    let app = TestApp::seeded().await;
    let contributor = app.token("casey", Role::Contributor).await;
    let other = app.token("chris", Role::Contributor).await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let admin = app.token("ada", Role::Admin).await;
    let (claim_id, version) = seed_claim(&app).await;

    // No token: reads work, writes and the queue are UNAUTHENTICATED.
    let anonymous = app
        .graphql(
            UPDATE_SYNTHESIS,
            json!({ "id": claim_id, "version": version, "text": "x" }),
        )
        .await;
    single_error(&anonymous, "UNAUTHENTICATED", None);
    assert_eq!(anonymous["data"], Value::Null);
    single_error(
        &app.graphql("{ contributions { totalCount } }", json!({})).await,
        "UNAUTHENTICATED",
        None,
    );
    assert_eq!(
        app.data("{ viewer { name } }", json!({})).await["viewer"],
        Value::Null
    );

    // viewer is the caller.
    let viewer = app
        .data_as(&contributor, "{ viewer { name role } }", json!({}))
        .await;
    assert_eq!(
        viewer["viewer"],
        json!({ "name": "casey", "role": "CONTRIBUTOR" })
    );

    // A contributor's edit waits; it may not review, not even someone else's.
    let pending = app
        .data_as(
            &contributor,
            UPDATE_SYNTHESIS,
            json!({ "id": claim_id, "version": version, "text": "A contributor's synthesis." }),
        )
        .await["claimUpdate"]
        .clone();
    assert_eq!(pending["claim"], Value::Null);
    assert_eq!(pending["contribution"]["status"], "PENDING");
    let submitted = app
        .data_as(&other, SUBMIT_EVIDENCE, supporting_with_new_study(&claim_id))
        .await;
    let others = submitted["evidenceSubmit"]["contribution"]["id"].clone();
    let refused = app
        .graphql_as(&contributor, ACCEPT, json!({ "id": others }))
        .await;
    single_error(&refused, "FORBIDDEN", None);

    // Contributors see only their own contributions; moderators see all.
    let own = app
        .data_as(&contributor, "{ contributions { totalCount } }", json!({}))
        .await;
    assert_eq!(own["contributions"]["totalCount"], 1);
    let all = app
        .data_as(&moderator, "{ contributions { totalCount } }", json!({}))
        .await;
    assert_eq!(all["contributions"]["totalCount"], 2);

    // Nobody reviews their own contribution, moderators included.
    let moderators_own = app
        .data_as(
            &admin,
            "{ contributions(status: PENDING) { nodes { id author { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        moderators_own["contributions"]["nodes"][1]["author"]["name"],
        "chris"
    );
    let own_review = app
        .graphql_as(&other, REJECT, json!({ "id": others, "reason": "mine" }))
        .await;
    single_error(&own_review, "FORBIDDEN", None);

    // Moderators' and admins' edits apply at once, and are recorded with their name.
    let applied = app
        .data_as(
            &admin,
            UPDATE_SYNTHESIS,
            json!({ "id": claim_id, "version": version, "text": "An admin's synthesis." }),
        )
        .await["claimUpdate"]
        .clone();
    assert_eq!(applied["claim"]["version"], version + 1);
    assert_eq!(applied["claim"]["synthesis"]["text"], "An admin's synthesis.");
    let history = app.data(HISTORY, json!({ "slug": SEED_SLUG })).await;
    let last = history["claim"]["history"]["nodes"]
        .as_array()
        .and_then(|n| n.last())
        .cloned()
        .expect("an event");
    assert_eq!(last["action"], "claim.updated");
    assert_eq!(last["actor"]["name"], "ada");
    assert_eq!(last["subjectId"], claim_id);
    assert_eq!(last["after"], json!({ "synthesis": "An admin's synthesis." }));
    assert!(last["before"]["synthesis"].is_string(), "{last:#}");

    // The contributor's pending edit is now stale: accepting it is a CONFLICT and it stays pending.
    let pending_id = pending["contribution"]["id"].clone();
    let stale = app
        .graphql_as(&moderator, ACCEPT, json!({ "id": pending_id }))
        .await;
    let error = single_error(&stale, "CONFLICT", Some("input.version"));
    assert_eq!(error["extensions"]["currentVersion"], version + 1);
    let queue = app
        .data_as(
            &moderator,
            "{ contributions(status: PENDING) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(
        queue["contributions"]["nodes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|c| c["id"] == pending_id)),
        "{queue:#}"
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_before_anything_runs() {
    let app = TestApp::seeded().await;
    let token = app.token("casey", Role::Contributor).await;
    for (header, why) in [
        ("Bearer cg_not-a-real-token".to_owned(), "unknown"),
        ("Basic Y2FzZXk6cGFzc3dvcmQ=".to_owned(), "not a bearer token"),
        ("Bearer".to_owned(), "empty"),
        (format!("Bearer {token}x"), "altered"),
    ] {
        let request = axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .header("authorization", header)
            .body(axum::body::Body::from(
                json!({ "query": "{ viewer { name } }" }).to_string(),
            ))
            .expect("a request");
        let response = app.request(request).await;
        assert_eq!(response.status, 401, "{why}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"), "{why}");
        let body = response.json();
        single_error(&body, "UNAUTHENTICATED", None);
        assert!(body.get("data").is_none(), "{why}: {body:#}");
    }

    // The scheme's name is case-insensitive.
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let request = axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("{scheme} {token}"))
            .body(axum::body::Body::from(
                json!({ "query": "{ viewer { name } }" }).to_string(),
            ))
            .expect("a request");
        let body = app.request(request).await.json();
        assert_eq!(body["data"]["viewer"]["name"], "casey", "{scheme}: {body:#}");
    }

    // Two Authorization headers are a bad request, whichever would have been believed.
    let request = axum::http::Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .header("authorization", format!("Bearer {token}"))
        .header("authorization", "Bearer cg_someone-else")
        .body(axum::body::Body::from(
            json!({ "query": "{ viewer { name } }" }).to_string(),
        ))
        .expect("a request");
    let response = app.request(request).await;
    tests::assert_refusal(
        &response,
        axum::http::StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        "more than one Authorization header",
    );

    // A revoked token stops working at once.
    api::domain::accounts::revoke_token(&app.db, &token)
        .await
        .expect("revoking");
    let response = app
        .post_graphql_as(&token, "{ viewer { name } }", json!({}))
        .await;
    assert_eq!(response.status, 401);
    single_error(&response.json(), "UNAUTHENTICATED", None);
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = TestApp::migrated().await;
    let token = app.token("casey", Role::Contributor).await;
    assert!(token.starts_with("cg_") && token.len() == 46, "{token}");
    let rows = entity::api_token::Entity::find()
        .all(&app.db)
        .await
        .expect("tokens");
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].secret_hash, token);
    assert!(!rows[0].secret_hash.contains(&token[3..]));
    assert_eq!(rows[0].secret_hash, api::domain::accounts::hash_secret(&token));
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_that_changes_nothing() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let (claim_id, version) = seed_claim(&app).await;
    let first = app
        .data_as(
            &moderator,
            UPDATE_SYNTHESIS,
            json!({ "id": claim_id, "version": version, "text": "First." }),
        )
        .await;
    assert_eq!(first["claimUpdate"]["claim"]["version"], version + 1);
    let events = entity::event::Entity::find().count(&app.db).await.expect("count");

    let stale = app
        .graphql_as(
            &moderator,
            UPDATE_SYNTHESIS,
            json!({ "id": claim_id, "version": version, "text": "Second." }),
        )
        .await;
    let error = single_error(&stale, "CONFLICT", Some("input.version"));
    assert_eq!(error["extensions"]["currentVersion"], version + 1);
    assert_eq!(error["extensions"]["basedOnVersion"], version);
    let page = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(page["claim"]["synthesis"]["text"], "First.");
    assert_eq!(
        entity::event::Entity::find().count(&app.db).await.expect("count"),
        events
    );
}

#[tokio::test]
async fn each_validation_error_names_its_field() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let (claim_id, _) = seed_claim(&app).await;
    let create = r#"mutation($input: ClaimCreateInput!) {
        claimCreate(input: $input) { claim { id } userErrors { field code message } } }"#;
    let body = app
        .data_as(
            &moderator,
            create,
            json!({ "input": {
                "slug": "Not A Slug", "statement": "  ", "population": "p".repeat(501),
                "intervention": "i", "comparator": "c", "outcome": "o", "synthesis": "s"
            }}),
        )
        .await;
    let errors: Vec<(Value, Value)> = body["claimCreate"]["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (json!(["input", "slug"]), json!("INVALID")),
            (json!(["input", "statement"]), json!("REQUIRED")),
            (json!(["input", "population"]), json!("TOO_LONG")),
        ]
    );
    assert_eq!(body["claimCreate"]["claim"], Value::Null);

    let taken = app
        .data_as(
            &moderator,
            create,
            json!({ "input": {
                "slug": SEED_SLUG, "statement": "s", "population": "p",
                "intervention": "i", "comparator": "c", "outcome": "o", "synthesis": "s"
            }}),
        )
        .await;
    assert_eq!(
        taken["claimCreate"]["userErrors"][0]["field"],
        json!(["input", "slug"])
    );
    assert_eq!(taken["claimCreate"]["userErrors"][0]["code"], "TAKEN");

    let mechanism =
        app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await["claim"]["mechanisms"][0]["id"].clone();
    let step = r#"mutation($input: StepAddInput!) {
        stepAdd(input: $input) { step { id } userErrors { field code message } } }"#;
    let cases = [
        (
            json!({ "mechanismId": mechanism, "text": "t", "citations": ["10.3390/jfmk11010080", "not a doi"] }),
            json!(["input", "citations", "1"]),
            "INVALID",
        ),
        (
            json!({ "mechanismId": mechanism, "text": "t", "position": 9 }),
            json!(["input", "position"]),
            "OUT_OF_RANGE",
        ),
        (
            json!({ "mechanismId": claim_id, "text": "t" }),
            json!(["input", "mechanismId"]),
            "INVALID",
        ),
        (
            json!({ "mechanismId": "TWVjaGFuaXNtOjk5OTk5", "text": "t" }),
            json!(["input", "mechanismId"]),
            "NOT_FOUND",
        ),
    ];
    for (input, field, code) in cases {
        let body = app.data_as(&moderator, step, json!({ "input": input })).await;
        let error = &body["stepAdd"]["userErrors"][0];
        assert_eq!(
            (&error["field"], error["code"].as_str()),
            (&field, Some(code)),
            "{body:#}"
        );
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(body["stepAdd"]["step"], Value::Null);
    }
    let study = r#"mutation($input: StudyUpsertInput!) {
        studyUpsert(input: $input) { study { id } userErrors { field code message } } }"#;
    let body = app
        .data_as(
            &moderator,
            study,
            json!({ "input": { "doi": "10.1000/new", "facts": {
                "title": "t", "year": 1500, "sampleSize": 0, "design": "COHORT_STUDY" } } }),
        )
        .await;
    let errors: Vec<(Value, Value)> = body["studyUpsert"]["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (json!(["input", "facts", "year"]), json!("OUT_OF_RANGE")),
            (json!(["input", "facts", "sampleSize"]), json!("OUT_OF_RANGE")),
        ]
    );
    let existing = app
        .data_as(
            &moderator,
            study,
            json!({ "input": { "doi": "10.3390/JFMK11010080", "facts": { "title": "t", "design": "COHORT_STUDY" } } }),
        )
        .await;
    assert_eq!(
        existing["studyUpsert"]["userErrors"][0]["field"],
        json!(["input", "version"])
    );
    assert_eq!(existing["studyUpsert"]["userErrors"][0]["code"], "REQUIRED");
    let evidence = app
        .data_as(
            &moderator,
            SUBMIT_EVIDENCE,
            json!({ "input": { "claimId": claim_id, "doi": "10.1000/unknown", "stance": "SUPPORTING" } }),
        )
        .await;
    assert_eq!(
        evidence["evidenceSubmit"]["userErrors"][0]["field"],
        json!(["input", "doi"])
    );
    assert_eq!(evidence["evidenceSubmit"]["userErrors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn a_write_that_fails_half_way_leaves_no_trace() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let page = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let mechanism = page["claim"]["mechanisms"][0]["id"].clone();
    let steps = entity::mechanism_step::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    let events = entity::event::Entity::find().count(&app.db).await.expect("count");
    let dois = entity::doi::Entity::find().count(&app.db).await.expect("count");
    // The step and its new DOI are written, then its citations cannot be.
    app.db
        .execute_unprepared("ALTER TABLE citation RENAME TO citation_away")
        .await
        .expect("renaming");
    let body = app
        .graphql_as(
            &moderator,
            r#"mutation($input: StepAddInput!) { stepAdd(input: $input) { step { id } } }"#,
            json!({ "input": { "mechanismId": mechanism, "position": 1, "text": "A new first step.",
                               "citations": ["10.1000/brand-new"] } }),
        )
        .await;
    single_error(&body, "INTERNAL_SERVER_ERROR", None);
    app.db
        .execute_unprepared("ALTER TABLE citation_away RENAME TO citation")
        .await
        .expect("renaming back");
    assert_eq!(
        entity::mechanism_step::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        steps
    );
    assert_eq!(
        entity::event::Entity::find().count(&app.db).await.expect("count"),
        events
    );
    assert_eq!(
        entity::doi::Entity::find().count(&app.db).await.expect("count"),
        dois
    );
    assert_eq!(app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await, page);
}

/// Drops every `id` and `cursor` from a response: row ids depend on the order rows were written.
fn without_ids(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != "id" && *k != "cursor")
                .map(|(k, v)| (k.clone(), without_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_ids).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn mutations_alone_rebuild_the_seed_page() {
    let seeded = TestApp::seeded().await;
    let expected = seeded.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;

    let app = TestApp::migrated().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let files = seeds::bundled().expect("bundled seed data");
    let file = &files[0];
    let seed = &file.claims[0];
    let created = app
        .data_as(
            &moderator,
            r#"mutation($input: ClaimCreateInput!) { claimCreate(input: $input) { claim { id } userErrors { message } } }"#,
            json!({ "input": {
                "slug": seed.slug, "statement": seed.statement, "population": seed.population,
                "intervention": seed.intervention, "comparator": seed.comparator, "outcome": seed.outcome,
                "effectDirection": seed.effect_direction.map(|d| d.name()), "synthesis": seed.synthesis
            }}),
        )
        .await;
    let claim_id = created["claimCreate"]["claim"]["id"].clone();
    assert!(claim_id.is_string(), "{created:#}");
    for study in &file.studies {
        let body = app
            .data_as(
                &moderator,
                r#"mutation($input: StudyUpsertInput!) { studyUpsert(input: $input) { study { id } userErrors { message } } }"#,
                json!({ "input": { "doi": study.doi.as_str(), "facts": {
                    "title": study.title, "journal": study.journal, "year": study.year,
                    "design": study.design.name(), "authors": study.authors,
                    "sampleSize": study.sample_size, "retracted": study.retracted
                }}}),
            )
            .await;
        assert_eq!(body["studyUpsert"]["userErrors"], json!([]), "{body:#}");
    }
    for mechanism in &seed.mechanisms {
        let body = app
            .data_as(
                &moderator,
                r#"mutation($input: MechanismAddInput!) { mechanismAdd(input: $input) { mechanism { id } userErrors { message } } }"#,
                json!({ "input": { "claimId": claim_id, "support": mechanism.support.name(),
                                   "label": mechanism.label, "summary": mechanism.summary } }),
            )
            .await;
        let mechanism_id = body["mechanismAdd"]["mechanism"]["id"].clone();
        assert!(mechanism_id.is_string(), "{body:#}");
        for step in &mechanism.steps {
            let citations: Vec<&str> = step.citations.iter().map(|d| d.as_str()).collect();
            let body = app
                .data_as(
                    &moderator,
                    r#"mutation($input: StepAddInput!) { stepAdd(input: $input) { step { id } userErrors { message } } }"#,
                    json!({ "input": { "mechanismId": mechanism_id, "text": step.text, "citations": citations } }),
                )
                .await;
            assert_eq!(body["stepAdd"]["userErrors"], json!([]), "{body:#}");
        }
    }
    for evidence in &seed.evidence {
        let body = app
            .data_as(
                &moderator,
                SUBMIT_EVIDENCE,
                json!({ "input": { "claimId": claim_id, "doi": evidence.study.as_str(),
                                   "stance": evidence.stance.name(), "note": evidence.note } }),
            )
            .await;
        assert_eq!(body["evidenceSubmit"]["userErrors"], json!([]), "{body:#}");
    }
    let rebuilt = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(without_ids(&rebuilt), without_ids(&expected));
}

#[tokio::test]
async fn concurrent_writers_lose_no_accepted_update() {
    const WRITERS: usize = 8;
    const EDITS: usize = 5;
    let app = std::sync::Arc::new(TestApp::seeded().await);
    let (claim_id, start) = seed_claim(&app).await;
    let mut tokens = Vec::new();
    for n in 0..WRITERS {
        tokens.push(app.token(&format!("mod-{n}"), Role::Moderator).await);
    }
    let mut tasks = Vec::new();
    for (writer, token) in tokens.into_iter().enumerate() {
        let app = app.clone();
        let claim_id = claim_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0;
            for edit in 0..EDITS {
                let text = format!("writer {writer}, edit {edit}");
                loop {
                    let (_, version) = seed_claim(&app).await;
                    let body = app
                        .graphql_as(
                            &token,
                            UPDATE_SYNTHESIS,
                            json!({ "id": claim_id, "version": version, "text": text }),
                        )
                        .await;
                    if body.get("errors").is_none() {
                        // Read after the commit: other writers may have bumped it again since.
                        let now = body["data"]["claimUpdate"]["claim"]["version"].as_i64();
                        assert!(now.is_some_and(|v| v > version), "{body:#}");
                        break;
                    }
                    single_error(&body, "CONFLICT", Some("input.version"));
                    conflicts += 1;
                }
            }
            conflicts
        }));
    }
    // Structural writes race too: each adds a mechanism to the same claim, whose 3 mechanisms and
    // the cap of 10 leave room for 7 of the 8: the last one in is refused, whatever the order.
    let adders: Vec<_> = (0..WRITERS)
        .map(|n| {
            let app = app.clone();
            let claim_id = claim_id.clone();
            tokio::spawn(async move {
                let token = app.token(&format!("adder-{n}"), Role::Moderator).await;
                let body = app
                    .graphql_as(
                        &token,
                        r#"mutation($input: MechanismAddInput!) { mechanismAdd(input: $input) { mechanism { rank } userErrors { field code } } }"#,
                        json!({ "input": { "claimId": claim_id, "support": "RULED_OUT", "summary": format!("added by {n}") } }),
                    )
                    .await;
                assert!(body.get("errors").is_none(), "{body:#}");
                let errors = &body["data"]["mechanismAdd"]["userErrors"];
                if errors == &json!([]) {
                    return true;
                }
                assert_eq!(errors, &json!([{ "field": ["input", "claimId"], "code": "OUT_OF_RANGE" }]));
                false
            })
        })
        .collect();
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.expect("a writer");
    }
    let mut added = 0;
    for task in adders {
        added += usize::from(task.await.expect("an adder"));
    }
    assert_eq!(added, WRITERS - 1, "the claim's mechanisms stop at the cap");
    // Every accepted update is in the history, in version order, and the last one is the claim's.
    let history = app
        .data(
            r#"query($slug: String!) { claim(slug: $slug) { version synthesis { text }
                 mechanisms { rank }
                 history(last: 100) { nodes { action after } } } }"#,
            json!({ "slug": SEED_SLUG }),
        )
        .await["claim"]
        .clone();
    let updates: Vec<String> = history["history"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|e| e["action"] == "claim.updated")
        .filter_map(|e| e["after"]["synthesis"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        updates.len(),
        WRITERS * EDITS,
        "{conflicts} conflicts were retried"
    );
    for writer in 0..WRITERS {
        for edit in 0..EDITS {
            assert!(updates.contains(&format!("writer {writer}, edit {edit}")));
        }
    }
    assert_eq!(
        history["synthesis"]["text"].as_str(),
        updates.last().map(String::as_str)
    );
    // Each update and each added mechanism bumped the version exactly once.
    assert_eq!(history["version"], start + (WRITERS * EDITS + added) as i64);
    let ranks: Vec<i64> = history["mechanisms"]
        .as_array()
        .expect("mechanisms")
        .iter()
        .filter_map(|m| m["rank"].as_i64())
        .collect();
    assert_eq!(
        ranks,
        (1..=(3 + added) as i64).collect::<Vec<_>>(),
        "ranks stay contiguous"
    );
}

/// Every change mutation, with an input that is valid against the seed graph.
fn every_change(page: &Value, evidence_id: &Value) -> Vec<(&'static str, String, Value)> {
    let claim = &page["claim"];
    let mechanism = &claim["mechanisms"][0];
    let step = &mechanism["steps"][0];
    let doi = "10.3390/jfmk11010080";
    let facts = json!({ "title": "A study", "design": "COHORT_STUDY" });
    vec![
        (
            "claimCreate",
            "ClaimCreateInput".into(),
            json!({ "slug": "a-new-claim", "statement": "s",
            "population": "p", "intervention": "i", "comparator": "c", "outcome": "o", "synthesis": "s" }),
        ),
        (
            "claimUpdate",
            "ClaimUpdateInput".into(),
            json!({ "id": claim["id"], "version": claim["version"], "outcome": "strength" }),
        ),
        (
            "mechanismAdd",
            "MechanismAddInput".into(),
            json!({ "claimId": claim["id"], "support": "RULED_OUT", "summary": "s" }),
        ),
        (
            "mechanismUpdate",
            "MechanismUpdateInput".into(),
            json!({ "id": mechanism["id"], "version": mechanism["version"], "label": "l" }),
        ),
        (
            "mechanismReorder",
            "MechanismReorderInput".into(),
            json!({ "claimId": claim["id"], "version": claim["version"],
            "mechanismIds": [claim["mechanisms"][2]["id"], claim["mechanisms"][1]["id"], claim["mechanisms"][0]["id"]] }),
        ),
        (
            "mechanismRemove",
            "RemoveInput".into(),
            json!({ "id": claim["mechanisms"][2]["id"], "version": claim["mechanisms"][2]["version"] }),
        ),
        (
            "stepAdd",
            "StepAddInput".into(),
            json!({ "mechanismId": mechanism["id"], "text": "t", "citations": [doi] }),
        ),
        (
            "stepUpdate",
            "StepUpdateInput".into(),
            json!({ "id": step["id"], "version": step["version"], "text": "t" }),
        ),
        (
            "stepMove",
            "StepMoveInput".into(),
            json!({ "id": step["id"], "version": step["version"], "position": 5 }),
        ),
        (
            "stepRemove",
            "RemoveInput".into(),
            json!({ "id": step["id"], "version": step["version"] }),
        ),
        (
            "citationAdd",
            "CitationAddInput".into(),
            json!({ "stepId": step["id"], "version": step["version"], "doi": "10.1000/other" }),
        ),
        (
            "citationRemove",
            "CitationRemoveInput".into(),
            json!({ "stepId": step["id"], "version": step["version"], "doi": doi }),
        ),
        (
            "studyUpsert",
            "StudyUpsertInput".into(),
            json!({ "doi": "10.1000/other", "facts": facts }),
        ),
        (
            "evidenceSubmit",
            "EvidenceSubmitInput".into(),
            json!({ "claimId": claim["id"], "doi": "10.1000/other",
            "stance": "INCONCLUSIVE", "study": facts }),
        ),
        (
            "evidenceUpdate",
            "EvidenceUpdateInput".into(),
            json!({ "id": evidence_id, "version": 1, "note": "n" }),
        ),
        (
            "evidenceRemove",
            "RemoveInput".into(),
            json!({ "id": evidence_id, "version": 1 }),
        ),
    ]
}

const VERSIONS: &str = r#"
query Versions($slug: String!) {
  claim(slug: $slug) { id version
    mechanisms { id version steps { id version } }
    evidence(first: 5) { nodes { id version } } }
}"#;

#[tokio::test]
async fn every_mutation_refuses_anonymous_callers_and_waits_for_review_from_contributors() {
    let app = TestApp::seeded().await;
    let contributor = app.token("casey", Role::Contributor).await;
    let page = app.data(VERSIONS, json!({ "slug": SEED_SLUG })).await;
    let evidence_id = page["claim"]["evidence"]["nodes"][0]["id"].clone();
    let before = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let events = entity::event::Entity::find().count(&app.db).await.expect("count");
    for (name, input_type, input) in every_change(&page, &evidence_id) {
        let document = format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ contribution {{ status action }} userErrors {{ field message }} }} }}"
        );
        let anonymous = app.graphql(&document, json!({ "input": input })).await;
        single_error(&anonymous, "UNAUTHENTICATED", None);
        let submitted = app
            .data_as(&contributor, &document, json!({ "input": input }))
            .await;
        assert_eq!(submitted[name]["userErrors"], json!([]), "{name}: {submitted:#}");
        assert_eq!(
            submitted[name]["contribution"],
            json!({ "status": "PENDING", "action": name }),
            "{name}"
        );
    }
    // Sixteen pending contributions and their sixteen `contribution.submitted` events; the graph
    // itself has not moved.
    let queue = app
        .data_as(
            &contributor,
            "{ contributions(status: PENDING) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["contributions"]["totalCount"], 16);
    assert_eq!(
        entity::event::Entity::find().count(&app.db).await.expect("count"),
        events + 16
    );
    assert_eq!(app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await, before);
    assert_eq!(
        app.data(FROM_DOI, json!({ "doi": "10.1000/other" })).await["doi"],
        Value::Null
    );
}

#[tokio::test]
async fn a_contributor_promoted_to_moderator_still_cannot_review_their_own_contribution() {
    let app = TestApp::seeded().await;
    let token = app.token("casey", Role::Contributor).await;
    let (claim_id, _) = seed_claim(&app).await;
    let submitted = app
        .data_as(&token, SUBMIT_EVIDENCE, supporting_with_new_study(&claim_id))
        .await;
    let id = submitted["evidenceSubmit"]["contribution"]["id"].clone();
    app.db
        .execute_unprepared("UPDATE \"user\" SET role = 'MODERATOR' WHERE name = 'casey'")
        .await
        .expect("promoting");
    let refused = app.graphql_as(&token, ACCEPT, json!({ "id": id })).await;
    single_error(&refused, "FORBIDDEN", None);
    let refused = app
        .graphql_as(&token, REJECT, json!({ "id": id, "reason": "changed my mind" }))
        .await;
    single_error(&refused, "FORBIDDEN", None);
    let queue = app
        .data_as(
            &token,
            "{ contributions(status: PENDING) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["contributions"]["totalCount"], 1);
}

#[tokio::test]
async fn of_sixteen_concurrent_accepts_one_applies_and_the_others_hear_it_was_already_accepted() {
    const MODERATORS: usize = 16;
    let app = std::sync::Arc::new(TestApp::seeded().await);
    let contributor = app.token("casey", Role::Contributor).await;
    let (claim_id, _) = seed_claim(&app).await;
    let submitted = app
        .data_as(
            &contributor,
            SUBMIT_EVIDENCE,
            supporting_with_new_study(&claim_id),
        )
        .await;
    let id = submitted["evidenceSubmit"]["contribution"]["id"].clone();
    let mut tokens = Vec::new();
    for n in 0..MODERATORS {
        tokens.push(app.token(&format!("mod-{n}"), Role::Moderator).await);
    }
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let (app, id) = (app.clone(), id.clone());
            tokio::spawn(async move { app.data_as(&token, ACCEPT, json!({ "id": id })).await })
        })
        .collect();
    let mut applied = 0;
    let mut losers = Vec::new();
    for task in tasks {
        let payload = task.await.expect("an accept")["contributionAccept"].clone();
        if payload["userErrors"] == json!([]) {
            assert_eq!(payload["contribution"]["status"], "ACCEPTED", "{payload:#}");
            applied += 1;
        } else {
            losers.push(payload);
        }
    }
    assert_eq!(applied, 1, "{losers:#?}");
    assert_eq!(losers.len(), MODERATORS - 1);
    for payload in losers {
        assert_eq!(payload["contribution"], Value::Null);
        assert_eq!(
            payload["userErrors"],
            json!([{
                "field": ["input", "id"],
                "message": "This contribution was already accepted.",
                "code": "ALREADY_REVIEWED"
            }]),
            "{payload:#}"
        );
    }
    // Applied once: one new supporting evidence row, one acceptance event.
    let counts = app.data(COUNTS, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(counts["claim"]["evidenceCounts"]["supporting"], 1);
    let history = app.data(HISTORY, json!({ "slug": SEED_SLUG })).await;
    let accepted = history["claim"]["history"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|e| e["action"] == "contribution.accepted")
        .count();
    assert_eq!(accepted, 1);
}

/// Runs one mutation as `token`, which must apply without user errors.
async fn apply(app: &TestApp, token: &str, name: &str, input_type: &str, input: Value) {
    let document = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field message }} }} }}"
    );
    let body = app.data_as(token, &document, json!({ "input": input })).await;
    assert_eq!(body[name]["userErrors"], json!([]), "{name}: {body:#}");
}

#[tokio::test]
async fn moves_and_removals_keep_positions_contiguous() {
    let app = TestApp::seeded().await;
    let moderator = app.token("morgan", Role::Moderator).await;
    let shape = r#"query($slug: String!) { claim(slug: $slug) { id version
        mechanisms { id rank version summary steps { id position version text citations { value } } } } }"#;
    let read = || async { app.data(shape, json!({ "slug": SEED_SLUG })).await["claim"].clone() };
    let claim = read().await;
    let ids: Vec<Value> = (0..3).map(|i| claim["mechanisms"][i]["id"].clone()).collect();

    // Reorder mechanisms 3, 1, 2.
    apply(&app, &moderator, "mechanismReorder", "MechanismReorderInput",
        json!({ "claimId": claim["id"], "version": claim["version"], "mechanismIds": [ids[2], ids[0], ids[1]] })).await;
    let claim = read().await;
    let order: Vec<Value> = claim["mechanisms"]
        .as_array()
        .expect("m")
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(order, [ids[2].clone(), ids[0].clone(), ids[1].clone()]);
    let ranks: Vec<i64> = claim["mechanisms"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["rank"].as_i64())
        .collect();
    assert_eq!(ranks, [1, 2, 3]);

    // Move the first step of the (now second) mechanism to the end.
    let mechanism = &claim["mechanisms"][1];
    let steps: Vec<Value> = mechanism["steps"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    let first = &mechanism["steps"][0];
    apply(
        &app,
        &moderator,
        "stepMove",
        "StepMoveInput",
        json!({ "id": first["id"], "version": first["version"], "position": 5 }),
    )
    .await;
    let claim = read().await;
    let moved: Vec<Value> = claim["mechanisms"][1]["steps"]
        .as_array()
        .expect("s")
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(moved, [&steps[1..], &steps[..1]].concat());

    // Remove the third step: the rest close up.
    let third = &claim["mechanisms"][1]["steps"][2];
    apply(
        &app,
        &moderator,
        "stepRemove",
        "RemoveInput",
        json!({ "id": third["id"], "version": third["version"] }),
    )
    .await;
    let claim = read().await;
    let positions: Vec<i64> = claim["mechanisms"][1]["steps"]
        .as_array()
        .expect("s")
        .iter()
        .filter_map(|s| s["position"].as_i64())
        .collect();
    assert_eq!(positions, [1, 2, 3, 4]);

    // Cite a second DOI first, then remove the original citation.
    let step = &claim["mechanisms"][1]["steps"][0];
    apply(&app, &moderator, "citationAdd", "CitationAddInput",
        json!({ "stepId": step["id"], "version": step["version"], "doi": "DOI:10.1000/FIRST", "position": 1 })).await;
    let claim = read().await;
    let step = &claim["mechanisms"][1]["steps"][0];
    assert_eq!(
        step["citations"],
        json!([{ "value": "10.1000/first" }, { "value": "10.3390/jfmk11010080" }])
    );
    apply(
        &app,
        &moderator,
        "citationRemove",
        "CitationRemoveInput",
        json!({ "stepId": step["id"], "version": step["version"], "doi": "10.3390/jfmk11010080" }),
    )
    .await;
    let claim = read().await;
    assert_eq!(
        claim["mechanisms"][1]["steps"][0]["citations"],
        json!([{ "value": "10.1000/first" }])
    );

    // Remove the first mechanism: its steps go, the others move up, the DOI stays.
    let gone = &claim["mechanisms"][0];
    apply(
        &app,
        &moderator,
        "mechanismRemove",
        "RemoveInput",
        json!({ "id": gone["id"], "version": gone["version"] }),
    )
    .await;
    let claim = read().await;
    let ranks: Vec<i64> = claim["mechanisms"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["rank"].as_i64())
        .collect();
    assert_eq!(ranks, [1, 2]);
    assert_eq!(
        app.data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": gone["steps"][0]["id"] })
        )
        .await["node"],
        Value::Null
    );
    let doi = app.data(FROM_DOI, json!({ "doi": "10.3390/jfmk11010080" })).await["doi"].clone();
    assert_eq!(
        doi["citedBy"]["totalCount"], 8,
        "15, less the removed mechanism's 5, the removed step's 1 and the citation removed by hand"
    );
    // The removals are in the history with what they removed.
    let history = app.data(HISTORY, json!({ "slug": SEED_SLUG })).await["claim"]["history"]["nodes"].clone();
    let removed = history
        .as_array()
        .expect("h")
        .iter()
        .find(|e| e["action"] == "mechanism.removed")
        .cloned()
        .expect("removal event");
    assert_eq!(removed["subjectId"], gone["id"]);
    assert_eq!(removed["after"], Value::Null);
    assert_eq!(removed["before"]["summary"], gone["summary"]);
}
