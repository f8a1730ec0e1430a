//! Migrations go up and down cleanly, and the constraints they create hold.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tests::TestApp;

const TABLES: [&str; 11] = [
    "api_token",
    "citation",
    "claim",
    "contribution",
    "doi",
    "event",
    "evidence",
    "mechanism",
    "mechanism_step",
    "study",
    "user",
];

/// How many tables remain after undoing the last migration, then the one before, and so on: the
/// seven newest migrations only add columns and indexes (the browsing columns and indexes, the
/// folded search columns, then `version`).
const TABLES_AFTER_EACH_DOWN: [usize; 18] = [11, 11, 11, 11, 11, 11, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];

/// How many migrations, newest first, come after the one that adds `version`.
const AFTER_VERSION: usize = 6;

async fn tables(app: &TestApp) -> Vec<String> {
    let db = &app.db;
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
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
    // The browsing migrations (4), then the folded search columns (2).
    Migrator::down(&app.db, Some(6))
        .await
        .expect("undoing the folded columns");
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
