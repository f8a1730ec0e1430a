//! The claim graph's schema as ordered migrations, one schema change per file and no data (seed
//! data lives in the `seeds` crate), except where a new column is derived from existing ones: its
//! migration fills it in for the rows already there ([`backfill_folded`]; one `UPDATE` counts
//! `claim.evidence_count`). Every migration has a
//! `down` that undoes it exactly, and both directions are tested on SQLite and PostgreSQL.
//!
//! Foreign keys are declared inside `CREATE TABLE` because SQLite cannot add them later; every
//! foreign-key and look-up column gets an index of its own (or leads a unique one).

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_claim;
mod m20261128_000002_create_mechanism;
mod m20261128_000003_create_mechanism_step;
mod m20261128_000004_create_doi;
mod m20261128_000005_create_study;
mod m20261128_000006_create_citation;
mod m20261128_000007_create_evidence;
mod m20261129_000001_create_user;
mod m20261129_000002_create_api_token;
mod m20261129_000003_create_contribution;
mod m20261129_000004_create_event;
mod m20261129_000005_add_version;
mod m20261204_000001_add_claim_statement_folded;
mod m20261204_000002_add_study_title_folded;
mod m20261205_000001_create_search_index;
mod m20261205_000011_add_claim_pico_folded;
mod m20261205_000012_add_study_journal_folded;
mod m20261205_000013_add_claim_evidence_count;
mod m20261205_000014_index_claim_updated_at;

/// Runs the migrations in order; `Migrator::up(db, None)` brings any database to the current schema.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_claim::Migration),
            Box::new(m20261128_000002_create_mechanism::Migration),
            Box::new(m20261128_000003_create_mechanism_step::Migration),
            Box::new(m20261128_000004_create_doi::Migration),
            Box::new(m20261128_000005_create_study::Migration),
            Box::new(m20261128_000006_create_citation::Migration),
            Box::new(m20261128_000007_create_evidence::Migration),
            Box::new(m20261129_000001_create_user::Migration),
            Box::new(m20261129_000002_create_api_token::Migration),
            Box::new(m20261129_000003_create_contribution::Migration),
            Box::new(m20261129_000004_create_event::Migration),
            Box::new(m20261129_000005_add_version::Migration),
            Box::new(m20261204_000001_add_claim_statement_folded::Migration),
            Box::new(m20261204_000002_add_study_title_folded::Migration),
            Box::new(m20261205_000001_create_search_index::Migration),
            Box::new(m20261205_000011_add_claim_pico_folded::Migration),
            Box::new(m20261205_000012_add_study_journal_folded::Migration),
            Box::new(m20261205_000013_add_claim_evidence_count::Migration),
            Box::new(m20261205_000014_index_claim_updated_at::Migration),
        ]
    }
}

/// Creates a (possibly unique) index named `idx_<table>_<columns>`.
pub(crate) fn index<T, C>(table: T, columns: &[C], unique: bool) -> IndexCreateStatement
where
    T: IntoIden + Copy + 'static,
    C: IntoIden + Copy + 'static,
{
    let mut name = format!("idx_{}", table.into_iden());
    let mut statement = Index::create();
    statement.table(table);
    for column in columns {
        name.push('_');
        name.push_str(&column.into_iden().to_string());
        statement.col(*column);
    }
    statement.name(name);
    if unique {
        statement.unique();
    }
    statement.to_owned()
}

/// Rows read per statement while filling in a folded column.
const BACKFILL_BATCH: u64 = 1_000;

/// Sets `target` to `entity::values::fold(source)` on every row of `table` (null where `source`
/// is), a batch of rows at a time in id order. The rule is Rust code (neither database folds Unicode the same way), so each
/// row is read and written back.
pub(crate) async fn backfill_folded(
    manager: &SchemaManager<'_>,
    table: &str,
    source: &str,
    target: &str,
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let (first, second) = match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    let select = format!(
        "SELECT \"id\", \"{source}\" FROM \"{table}\" WHERE \"id\" > {first} ORDER BY \"id\" LIMIT {BACKFILL_BATCH}"
    );
    let update = format!("UPDATE \"{table}\" SET \"{target}\" = {first} WHERE \"id\" = {second}");
    let mut after = 0i32;
    loop {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(backend, &select, [after.into()]))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get_by_index(0)?;
        for row in &rows {
            let id: i32 = row.try_get_by_index(0)?;
            let text: Option<String> = row.try_get_by_index(1)?;
            let folded = text.map(|text| entity::values::fold(&text));
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                &update,
                [folded.into(), id.into()],
            ))
            .await?;
        }
    }
}
