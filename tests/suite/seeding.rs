//! Seed loading: idempotent, all or nothing, with every problem of a broken file reported.

use api::domain::seed::{LoadError, load_seed_files};
use entity::mechanism_step;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use serde_json::json;
use tests::{CLAIM_PAGE, SEED_SLUG, TestApp};

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect("count");
    row.and_then(|r| r.try_get::<i64>("", "n").ok()).unwrap_or(-1)
}

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut all = Vec::new();
    for table in [
        "claim",
        "mechanism",
        "mechanism_step",
        "citation",
        "doi",
        "study",
        "evidence",
    ] {
        all.push(count(app, table).await);
    }
    all
}

#[tokio::test]
async fn loading_the_seed_twice_gives_the_same_graph() {
    let app = TestApp::seeded().await;
    assert_eq!(counts(&app).await, [1, 3, 15, 15, 1, 1, 1]);
    let page = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let files = seeds::bundled().expect("bundled");
    let summary = load_seed_files(&app.db, &files).await.expect("second load");
    assert_eq!(summary.rows_written, 0, "a second load writes nothing");
    assert_eq!(counts(&app).await, [1, 3, 15, 15, 1, 1, 1]);
    // Same content and the same IDs.
    assert_eq!(app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await, page);
}

#[tokio::test]
async fn a_second_load_writes_no_event() {
    let app = TestApp::seeded().await;
    let events = count(&app, "event").await;
    assert!(events > 0, "the first load records its changes");
    let files = seeds::bundled().expect("bundled");
    let summary = load_seed_files(&app.db, &files).await.expect("second load");
    assert_eq!(summary.rows_written, 0);
    assert_eq!(count(&app, "event").await, events);
}

/// The bundled seed file, read with the seeds crate, to edit in memory.
fn bundled_file() -> seeds::SeedFile {
    let mut files = seeds::bundled().expect("bundled");
    assert_eq!(files.len(), 1);
    files.remove(0)
}

#[tokio::test]
async fn an_edited_step_is_updated_in_place() {
    let app = TestApp::seeded().await;
    let page = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let events = count(&app, "event").await;
    let mut file = bundled_file();
    let text = "An edited sentence for the second step of the second mechanism.";
    file.claims[0].mechanisms[1].steps[1].text = text.to_owned();
    let summary = load_seed_files(&app.db, &[file]).await.expect("loading the edit");
    assert_eq!(summary.rows_written, 1);

    // The same page, the same IDs, one text changed.
    let mut expected = page.clone();
    let step = &mut expected["claim"]["mechanisms"][1]["steps"][1];
    step["text"] = json!(text);
    let step_id = step["id"].clone();
    let now = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    assert_eq!(now, expected);
    assert_eq!(now["claim"]["mechanisms"][1]["steps"][1]["id"], step_id);

    let row = mechanism_step::Entity::find()
        .filter(mechanism_step::Column::Text.eq(text))
        .one(&app.db)
        .await
        .expect("reading the step")
        .expect("the edited step");
    assert_eq!(row.version, 2);
    assert_eq!(count(&app, "event").await, events + 1, "one event for one change");
    let updated = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT subject_type, subject_id, actor_id FROM event WHERE action = 'step.updated'",
        ))
        .await
        .expect("reading the event")
        .expect("a step.updated event");
    assert_eq!(
        updated.try_get::<String>("", "subject_type").ok().as_deref(),
        Some("MechanismStep")
    );
    assert_eq!(updated.try_get::<i32>("", "subject_id").ok(), Some(row.id));
    assert_eq!(
        updated.try_get::<Option<i32>>("", "actor_id").ok(),
        Some(None),
        "the seed has no actor"
    );
}

/// A page without its IDs and cursors, to compare content when rows were re-created.
fn without_ids(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("id");
            map.remove("cursor");
            map.values_mut().for_each(without_ids);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_ids),
        _ => {}
    }
}

#[tokio::test]
async fn what_the_file_no_longer_lists_is_removed_and_comes_back() {
    let app = TestApp::seeded().await;
    let mut page = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    let mut file = bundled_file();
    let claim = &mut file.claims[0];
    claim.mechanisms.truncate(2);
    claim.mechanisms[0].steps.truncate(4);
    claim.mechanisms[1].steps[0].citations.clear();
    claim.evidence.clear();
    let summary = load_seed_files(&app.db, std::slice::from_ref(&file))
        .await
        .expect("loading the shorter file");
    // A mechanism (its steps go with it), a step, a citation and an evidence row.
    assert_eq!(summary.rows_written, 4);
    assert_eq!(counts(&app).await, [1, 2, 9, 8, 1, 1, 0]);
    let again = load_seed_files(&app.db, &[file]).await.expect("loading it again");
    assert_eq!(again.rows_written, 0);

    let files = seeds::bundled().expect("bundled");
    let summary = load_seed_files(&app.db, &files).await.expect("restoring");
    // A mechanism, its 5 steps, a step, a citation and an evidence row.
    assert_eq!(summary.rows_written, 9);
    assert_eq!(counts(&app).await, [1, 3, 15, 15, 1, 1, 1]);
    let mut now = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await;
    without_ids(&mut page);
    without_ids(&mut now);
    assert_eq!(now, page);
}

#[tokio::test]
async fn a_refused_value_names_its_claim_and_field_and_loads_nothing() {
    let app = TestApp::seeded().await;
    let before = counts(&app).await;
    let events = count(&app, "event").await;
    let mut file = bundled_file();
    // Longer than any step the graph stores; built in memory, past the seed reader's own check.
    file.claims[0].mechanisms[2].steps[3].text = "x".repeat(5_000);
    file.claims[0].statement = "An edited statement.".to_owned();
    let err = load_seed_files(&app.db, &[file])
        .await
        .expect_err("the step is too long");
    assert!(matches!(err, LoadError::Refused { .. }), "{err:?}");
    let message = err.to_string();
    for expected in [
        "seeds/data/rest-pause-training.toml",
        "claim \"rest-pause-training\"",
        "claim[1].mechanism[3].step[4].text",
        "At most 4000 characters",
    ] {
        assert!(message.contains(expected), "{expected:?} missing from: {message}");
    }
    assert_eq!(counts(&app).await, before);
    assert_eq!(
        count(&app, "event").await,
        events,
        "the claim's edit was rolled back too"
    );
    let statement = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await["claim"]["statement"].clone();
    assert_ne!(statement, json!("An edited statement."));
}

#[tokio::test]
async fn an_edited_seed_file_updates_the_graph_in_place() {
    let app = TestApp::seeded().await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../seeds/data/rest-pause-training.toml"
    ))
    .expect("reading the seed file");
    let edited = text.replacen("stance = \"CONTRADICTING\"", "stance = \"SUPPORTING\"", 1);
    let file = seeds::parse_str("edited.toml", &edited).expect("the edit is valid");
    let summary = load_seed_files(&app.db, &[file]).await.expect("loading the edit");
    assert_eq!(summary.rows_written, 1);
    let claim = app.data(CLAIM_PAGE, json!({ "slug": SEED_SLUG })).await["claim"].clone();
    assert_eq!(
        claim["evidenceCounts"],
        json!({ "supporting": 1, "contradicting": 0, "total": 1 })
    );
}

#[tokio::test]
async fn a_broken_file_reports_every_problem_and_loads_nothing() {
    let broken = r#"
[[claim]]
slug = "Bad Slug"
statement = "A claim."
population = "p"
intervention = "i"
comparator = "c"
outcome = "o"
synthesis = "s"

[[claim.mechanism]]
rank = 1
support = "PROBABLE"
summary = "m"

[[claim.mechanism.step]]
position = 1
text = "one."
citations = ["10.33/bad"]

[[claim.mechanism.step]]
position = 1
text = "two."
citations = []
"#;
    let report = seeds::parse_str("broken.toml", broken).expect_err("the file is broken");
    let text = report.to_string();
    assert!(report.problems.len() >= 4, "{text}");
    for expected in ["slug", "PROBABLE", "10.33/bad", "position"] {
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.reason.contains(expected) || p.location.contains(expected)),
            "no problem about {expected}: {text}"
        );
    }
    assert!(
        report
            .problems
            .iter()
            .all(|p| p.file == "broken.toml" && !p.location.is_empty()),
        "{text}"
    );
}

#[tokio::test]
async fn a_failed_load_leaves_the_database_as_it_was() {
    let app = TestApp::seeded().await;
    let before = counts(&app).await;
    // Valid on its own, but its claim's slug is taken by a claim it does not define in the same way:
    // make the database refuse half-way by dropping a table the load writes last.
    let file = seeds::parse_str("more.toml", &tests::generated_claims(3)).expect("valid");
    app.db
        .execute_raw(Statement::from_string(DbBackend::Sqlite, "SELECT 1"))
        .await
        .ok();
    app.db
        .execute_unprepared("DROP TABLE evidence")
        .await
        .expect("dropping evidence");
    let result = load_seed_files(&app.db, &[file]).await;
    assert!(
        result.is_err(),
        "the load cannot finish without the evidence table"
    );
    assert_eq!(
        count(&app, "claim").await,
        before[0],
        "no claim of the failed load remains"
    );
    assert_eq!(
        count(&app, "doi").await,
        before[4],
        "no DOI of the failed load remains"
    );
}
