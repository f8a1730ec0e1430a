//! The claim graph's schema as ordered migrations, one schema change per file and no data (seed
//! data lives in the `seeds` crate). Every migration has a `down` that undoes it exactly, and both
//! directions are tested on SQLite and PostgreSQL.
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
