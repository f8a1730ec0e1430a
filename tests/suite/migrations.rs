//! Migrations go up and down cleanly, and the constraints they create hold.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tests::TestApp;

const TABLES: [&str; 12] = [
    "api_token",
    "citation",
    "claim",
    "contribution",
    "doi",
    "event",
    "evidence",
    "mechanism",
    "mechanism_step",
    "search_entry",
    "study",
    "user",
];

/// The full-text engine's own tables beside `search_entry`, which differ by database (SQLite's
/// FTS5 tables and their shadow tables, PostgreSQL's word list), and the view entries are copied
/// from: left out of [`TABLES`], and
/// checked gone with the search index by [`the_search_index_goes_with_its_migration`].
const SEARCH_INTERNALS: [&str; 5] = [
    "search_fts",
    "search_words",
    "search_vocab",
    "search_word",
    "search_source",
];

/// How many tables remain after undoing the last migration, then the one before, and so on: the
/// browsing migrations' columns and indexes first (4), then the search index, then three
/// migrations that only add columns (the folded search columns, then `version`).
const TABLES_AFTER_EACH_DOWN: [usize; 19] =
    [12, 12, 12, 12, 11, 11, 11, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];

/// How many migrations, newest first, come after the one that adds `version`.
const AFTER_VERSION: usize = 7;

async fn tables(app: &TestApp) -> Vec<String> {
    all_tables(app)
        .await
        .into_iter()
        .filter(|t| !SEARCH_INTERNALS.iter().any(|internal| t.starts_with(internal)))
        .collect()
}

/// Every table and view, the search engine's included.
async fn all_tables(app: &TestApp) -> Vec<String> {
    let db = &app.db;
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("listing tables");
    rows.iter()
        .filter_map(|r| r.try_get::<String>("", "t").ok())
        .filter(|t| t != "seaql_migrations")
        .collect()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let app = TestApp::unmigrated().await;
    assert!(tables(&app).await.is_empty());
    Migrator::up(&app.db, None).await.expect("up");
    assert_eq!(tables(&app).await, TABLES);
    assert_eq!(
        Migrator::get_pending_migrations(&app.db)
            .await
            .expect("pending")
            .len(),
        0
    );
    Migrator::down(&app.db, None).await.expect("down");
    assert!(
        tables(&app).await.is_empty(),
        "down leaves {:?}",
        tables(&app).await
    );
    Migrator::up(&app.db, None).await.expect("up again");
    assert_eq!(tables(&app).await, TABLES);
}

#[tokio::test]
async fn each_migration_can_be_undone_one_at_a_time() {
    let app = TestApp::migrated().await;
    assert_eq!(Migrator::migrations().len(), TABLES_AFTER_EACH_DOWN.len());
    assert!(has_version_column(&app).await);
    for (step, remaining) in TABLES_AFTER_EACH_DOWN.into_iter().enumerate() {
        Migrator::down(&app.db, Some(1)).await.expect("one down");
        assert_eq!(
            tables(&app).await.len(),
            remaining,
            "after undoing {} migrations",
            step + 1
        );
        if step == AFTER_VERSION {
            assert!(!has_version_column(&app).await, "the version columns are gone");
        }
    }
}

/// Whether `claim` has its `version` column.
async fn has_version_column(app: &TestApp) -> bool {
    app.db
        .execute_unprepared("SELECT version FROM claim WHERE 1 = 0")
        .await
        .is_ok()
}

#[tokio::test]
async fn unique_constraints_refuse_duplicates() {
    let app = TestApp::seeded().await;
    let db = &app.db;
    for sql in [
        "INSERT INTO doi (value) VALUES ('10.3390/jfmk11010080')",
        "INSERT INTO mechanism_step (mechanism_id, position, text) SELECT mechanism_id, position, 'x' FROM mechanism_step LIMIT 1",
        "INSERT INTO mechanism (claim_id, rank, support, summary) SELECT claim_id, rank, support, 'x' FROM mechanism LIMIT 1",
        "INSERT INTO evidence (claim_id, study_id, stance, created_at) SELECT claim_id, study_id, stance, created_at FROM evidence LIMIT 1",
        "INSERT INTO claim (slug, statement, population, intervention, comparator, outcome, synthesis, created_at, updated_at) \
         SELECT slug, statement, population, intervention, comparator, outcome, synthesis, created_at, updated_at FROM claim LIMIT 1",
        "INSERT INTO mechanism (claim_id, rank, support, summary) VALUES (999999, 9, 'RULED_OUT', 'a mechanism of no claim')",
        "INSERT INTO \"user\" (name, role, created_at) VALUES ('ada', 'ADMIN', CURRENT_TIMESTAMP), ('ada', 'ADMIN', CURRENT_TIMESTAMP)",
        "INSERT INTO api_token (user_id, label, secret_hash, prefix, created_at) VALUES (999999, 'x', 'h', 'p', CURRENT_TIMESTAMP)",
    ] {
        let result = db.execute_unprepared(sql).await;
        assert!(result.is_err(), "accepted: {sql}");
    }
}

#[tokio::test]
async fn the_folded_search_columns_are_filled_in_for_rows_already_there() {
    use entity::{claim, study};
    use sea_orm::EntityTrait;
    let app = TestApp::seeded().await;
    // The browsing migrations (4), the search index, then the folded search columns (2).
    Migrator::down(&app.db, Some(7))
        .await
        .expect("undoing the search index and the folded columns");
    app.db
        .execute_unprepared("UPDATE claim SET statement = 'École: ΣΟΦΊΑ in der Straße, İstanbul'")
        .await
        .expect("a statement in four scripts");
    Migrator::up(&app.db, None).await.expect("up again");
    let claims = claim::Entity::find().all(&app.db).await.expect("claims");
    assert!(!claims.is_empty());
    for row in claims {
        assert_eq!(row.statement_folded, "ecole: σοφια in der strasse, istanbul");
    }
    let studies = study::Entity::find().all(&app.db).await.expect("studies");
    assert!(!studies.is_empty());
    for row in studies {
        assert_eq!(row.title_folded, entity::values::fold(&row.title));
    }
    // The search index, created again, holds the rows already there.
    let found = app
        .data(
            r#"{ search(query: "straße") { totalCount nodes { type } } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(found["search"]["totalCount"], 1, "{found}");
    assert_eq!(found["search"]["nodes"][0]["type"], "CLAIM");
}

#[tokio::test]
async fn the_search_index_goes_with_its_migration() {
    let app = TestApp::migrated().await;
    let internals = |tables: Vec<String>| -> Vec<String> {
        tables.into_iter().filter(|t| t.starts_with("search_")).collect()
    };
    let with_index = internals(all_tables(&app).await);
    assert!(with_index.contains(&"search_entry".to_owned()), "{with_index:?}");
    assert!(
        with_index.contains(&"search_source".to_owned()),
        "the view: {with_index:?}"
    );
    // The browsing migrations (4) came after it.
    Migrator::down(&app.db, Some(5))
        .await
        .expect("undoing the search index");
    assert_eq!(internals(all_tables(&app).await), Vec::<String>::new());
    Migrator::up(&app.db, None).await.expect("up again");
    assert_eq!(internals(all_tables(&app).await), with_index);
}

#[tokio::test]
async fn the_browsing_columns_are_filled_in_for_rows_already_there() {
    use entity::{claim, evidence, study};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::seeded().await;
    app.load_generated(3).await;
    Migrator::down(&app.db, Some(4))
        .await
        .expect("undoing the browsing migrations");
    app.db
        .execute_unprepared("UPDATE claim SET population = 'Élite ATHLETES', outcome = 'Straße'")
        .await
        .expect("PICO texts with accents");
    Migrator::up(&app.db, None).await.expect("up again");
    let claims = claim::Entity::find().all(&app.db).await.expect("claims");
    assert_eq!(claims.len(), 4);
    for row in claims {
        assert_eq!(row.population_folded, "elite athletes");
        assert_eq!(row.outcome_folded, "strasse");
        assert_eq!(row.intervention_folded, entity::values::fold(&row.intervention));
        assert_eq!(row.comparator_folded, entity::values::fold(&row.comparator));
        let counted = evidence::Entity::find()
            .filter(evidence::Column::ClaimId.eq(row.id))
            .count(&app.db)
            .await
            .expect("counting evidence");
        assert_eq!(row.evidence_count as u64, counted, "{}", row.slug);
    }
    for row in study::Entity::find().all(&app.db).await.expect("studies") {
        assert_eq!(
            row.journal_folded,
            row.journal.as_deref().map(entity::values::fold)
        );
    }
}
