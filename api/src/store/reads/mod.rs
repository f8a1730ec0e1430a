//! Where the store's reads run: straight on the database's own connections, not through SeaORM's
//! pool.
//!
//! A claim page is one statement on PostgreSQL and two on SQLite (see `graphql::loaders` and
//! `graphql::prefetch`). Through SeaORM's sqlx pool each of them paid more than
//! the database's work: on SQLite two trips to the connection's worker thread and one per row, on
//! PostgreSQL a second round trip when the pool took the connection back (sqlx pings every
//! connection it is given back). [`Reads`] runs those statements, and every other read of the
//! store (list pages, counts, batched look-ups), on connections of its own, with the SQL and
//! values SeaORM's query builder made; the rows are decoded by position (`crate::store::rows`).
//! Everything else, every write and every transaction, stays on SeaORM's pool.
//!
//! - [`sqlite`]: on a SQLite file, inline on the calling thread (rusqlite).
//! - [`postgres`]: on PostgreSQL, a small pool of sqlx connections that are not pinged on release.
//!
//! An in-memory SQLite database has no file to open twice: there [`Reads::for_database`] gives
//! `None` and the statements go through SeaORM.

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend, DbErr, Statement, Value};

use self::postgres::PgReads;
use self::sqlite::SqliteReads;

/// Called with each statement run, for the tests that count a page's statements.
pub type StatementObserver = Arc<dyn Fn(&Statement) + Send + Sync>;

/// The connections the store's reads run on.
pub struct Reads {
    backend: Backend,
    observer: Option<StatementObserver>,
}

/// Each lives once per process, behind an `Arc`: the variants' sizes do not matter.
#[expect(clippy::large_enum_variant, reason = "one per process")]
enum Backend {
    Sqlite(SqliteReads),
    Postgres(PgReads),
}

/// What [`Reads::start`] gives: SQLite's rows are only lent to a callback, on the calling thread;
/// PostgreSQL's come back as SeaORM rows.
pub enum Started<'a> {
    Sqlite(&'a SqliteReads),
    Postgres(&'a PgReads),
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        };
        f.debug_struct("Reads")
            .field("backend", &backend)
            .finish_non_exhaustive()
    }
}

impl Reads {
    /// Reads beside `db`'s pool: `None` for an in-memory SQLite database (and any other backend).
    pub fn for_database(db: &DatabaseConnection) -> Option<Reads> {
        let backend = match db.get_database_backend() {
            DbBackend::Sqlite => Backend::Sqlite(SqliteReads::for_database(db)?),
            DbBackend::Postgres => Backend::Postgres(PgReads::for_database(db)),
            _ => return None,
        };
        Some(Reads {
            backend,
            observer: None,
        })
    }

    /// The same reads, telling `observer` about each statement they run.
    pub fn observed(self, observer: StatementObserver) -> Reads {
        Reads {
            observer: Some(observer),
            ..self
        }
    }

    /// Tells the observer, if any, that `sql` runs with `values`, and gives the backend to run it on.
    pub fn start(&self, sql: &str, values: &[Value]) -> Started<'_> {
        if let Some(observer) = &self.observer {
            let backend = match self.backend {
                Backend::Sqlite(_) => DbBackend::Sqlite,
                Backend::Postgres(_) => DbBackend::Postgres,
            };
            observer(&Statement::from_sql_and_values(
                backend,
                sql,
                values.iter().cloned(),
            ));
        }
        match &self.backend {
            Backend::Sqlite(reads) => Started::Sqlite(reads),
            Backend::Postgres(reads) => Started::Postgres(reads),
        }
    }
}

/// The error of a failed read, in SeaORM's type so that callers handle one.
pub(crate) fn read_error(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(what.to_string())
}
