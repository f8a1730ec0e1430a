//! Seed loading: idempotent, all or nothing, with every problem of a broken file reported.

use api::domain::seed::load_seed_files;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
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
