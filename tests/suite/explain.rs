//! Every statement of a claim page is index-backed on PostgreSQL: its plan has no sequential scan,
//! so a page costs the same at 100,000 claims as at 1,000.
//!
//! The check reads the plans PostgreSQL itself chooses for the recorded statements, with their own
//! values, on a generated graph of a few thousand claims (tens of thousands of steps and citations)
//! with fresh statistics, as autovacuum keeps them in production. It does not set
//! `enable_seqscan = off`: that only proves that an index path exists, while what a page costs is
//! the path the planner takes. At this size a scan of any of these tables costs far more than the
//! few index look-ups a page needs, so a sequential scan here means a statement with no usable index.

use sea_orm::{ConnectionTrait, Statement};
use seeds::generate::{GenerateOptions, generate, slug};
use serde_json::json;
use tests::{CLAIM_PAGE, FROM_DOI, TestApp};

/// Large enough that every table the page reads holds thousands of rows.
const CLAIMS: usize = 2_000;

/// The plan PostgreSQL chooses for `statement`, as EXPLAIN's text lines.
async fn plan_of(app: &TestApp, statement: &Statement) -> String {
    let explain = Statement {
        sql: format!("EXPLAIN {}", statement.sql),
        ..statement.clone()
    };
    let rows = app.db.query_all_raw(explain).await.expect("EXPLAIN");
    rows.iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").expect("a plan line"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A PostgreSQL database of [`CLAIMS`] generated claims, the tables in `tables` analysed (fresh
/// statistics, as autovacuum keeps them in production).
async fn generated_and_analysed(tables: &str) -> TestApp {
    assert!(
        TestApp::is_postgres(),
        "the EXPLAIN check reads PostgreSQL's plans: set TEST_DATABASE_URL to a PostgreSQL database"
    );
    let app = TestApp::migrated().await;
    generate(&app.db, &GenerateOptions::new(CLAIMS, 1))
        .await
        .expect("generating");
    app.db
        .execute_unprepared(&format!("ANALYZE {tables}"))
        .await
        .expect("analysing");
    app
}

// Reported as ignored (skipped), not passed, where it cannot run; `.ci/run` runs it on PostgreSQL.
#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL set and `-- --include-ignored`"]
async fn no_statement_of_a_claim_page_or_a_doi_walk_scans_a_whole_table_on_postgresql() {
    let app =
        generated_and_analysed("claim, mechanism, mechanism_step, citation, doi, study, evidence").await;
    let first = app.data(CLAIM_PAGE, json!({ "slug": slug(0) })).await;
    let doi = first["claim"]["mechanisms"][0]["steps"][0]["citations"][0]["value"].clone();
    assert!(doi.is_string(), "{first:#}");

    app.record_statements();
    for index in [0, CLAIMS / 2, CLAIMS - 1] {
        app.data(CLAIM_PAGE, json!({ "slug": slug(index) })).await;
    }
    app.data(FROM_DOI, json!({ "doi": doi })).await;
    let statements = app.recorded_statements();
    // Three claim pages of one statement each; the DOI walk's one statement (the DOI, its study,
    // its citing steps with their mechanisms and claims), then its study's evidence and their claims.
    assert_eq!(statements.len(), 6, "statements recorded: {statements:#?}");
    for statement in &statements {
        let plan = plan_of(&app, statement).await;
        assert!(
            !plan.contains("Seq Scan"),
            "a sequential scan in the plan of\n{}\n\n{plan}",
            statement.sql
        );
    }
}

// Reported as ignored (skipped), not passed, where it cannot run; `.ci/run` runs it on PostgreSQL.
#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL set and `-- --include-ignored`"]
async fn no_page_of_claims_in_any_order_scans_the_claims_on_postgresql() {
    const PAGE: &str = r#"query($orderBy: ClaimOrder, $after: String, $last: Int, $before: String) {
        claims(orderBy: $orderBy, first: 20, after: $after) { pageInfo { endCursor } }
        older: claims(orderBy: $orderBy, last: $last, before: $before) { pageInfo { startCursor } } }"#;
    let app = generated_and_analysed("claim, evidence").await;
    for field in ["CREATED_AT", "UPDATED_AT", "SLUG", "EVIDENCE_COUNT"] {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            // A cursor in the middle of the list, where a page must start an index range.
            let mut cursor = serde_json::Value::Null;
            for _ in 0..(CLAIMS / 2 / 100) {
                let page = app
                    .data(
                        "query($orderBy: ClaimOrder, $after: String) { claims(orderBy: $orderBy, first: 100, after: $after) { pageInfo { endCursor } } }",
                        json!({ "orderBy": order, "after": cursor }),
                    )
                    .await;
                cursor = page["claims"]["pageInfo"]["endCursor"].clone();
            }
            app.record_statements();
            app.data(
                PAGE,
                json!({ "orderBy": order, "after": cursor, "last": 20, "before": cursor }),
            )
            .await;
            let statements = app.recorded_statements();
            assert_eq!(statements.len(), 2, "statements recorded: {statements:#?}");
            for statement in &statements {
                let plan = plan_of(&app, statement).await;
                // An incremental sort (orders only the rows that tie on an index's leading column,
                // as it reads the index in order: CREATED_AT and SLUG) is bounded; a full sort is not.
                let full_sort = plan.lines().any(|line| {
                    line.trim_start()
                        .trim_start_matches("->  ")
                        .starts_with("Sort  (")
                });
                assert!(
                    !plan.contains("Seq Scan") && !full_sort,
                    "{field} {direction}: a scan or a sort in the plan of\n{}\n\n{plan}",
                    statement.sql
                );
                let index = match field {
                    "UPDATED_AT" => Some("idx_claim_updated_at_id"),
                    "EVIDENCE_COUNT" => Some("idx_claim_evidence_count_id"),
                    _ => None,
                };
                if let Some(index) = index {
                    assert!(plan.contains(index), "{field} {direction} reads {index}:\n{plan}");
                }
            }
        }
    }
}

// Reported as ignored (skipped), not passed, where it cannot run; `.ci/run` runs it on PostgreSQL.
#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL set and `-- --include-ignored`"]
async fn no_statement_of_a_search_or_a_suggestion_scans_a_whole_table_on_postgresql() {
    let app =
        generated_and_analysed("claim, mechanism, mechanism_step, study, doi, search_entry, search_word")
            .await;
    let search = r#"query($q: String!, $after: String) {
        search(query: $q, first: 5, after: $after) { totalCount pageInfo { endCursor } nodes { type } } }"#;
    let suggest = r#"query($p: String!) { suggest(prefix: $p) { node { __typename } } }"#;
    let first = app.data(search, json!({ "q": "creatine supplementation" })).await;
    let cursor = first["search"]["pageInfo"]["endCursor"].clone();
    assert!(cursor.is_string(), "{first:#}");

    app.record_statements();
    // A page after a cursor with its count; a misspelt query (its spelling look-ups); a DOI; a
    // suggestion by the start of a statement, then by word.
    app.data(
        search,
        json!({ "q": "creatine supplementation", "after": cursor }),
    )
    .await;
    app.data(search, json!({ "q": "creatin suplementation " })).await;
    app.data(search, json!({ "q": "https://doi.org/10.5555/cg.1" }))
        .await;
    app.data(suggest, json!({ "p": "in older adults" })).await;
    app.data(suggest, json!({ "p": "sarcopen" })).await;
    // Claims filtered by a search, in order of relevance.
    app.data(
        r#"{ claims(filter: { search: "creatine supplementation" }, orderBy: { field: RELEVANCE }, first: 5) { nodes { slug } } }"#,
        json!({}),
    )
    .await;
    let statements = app.recorded_statements();
    assert!(statements.len() >= 10, "statements recorded: {statements:#?}");
    for statement in &statements {
        let plan = plan_of(&app, statement).await;
        assert!(
            !plan.contains("Seq Scan"),
            "a sequential scan in the plan of\n{}\n\n{plan}",
            statement.sql
        );
    }
}
