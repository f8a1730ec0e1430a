//! The store: every SQL statement the server reads with, and every row decoder, in one layer.
//!
//! Above it, `graphql` and `domain` ask for rows by what they mean (a page of claims, the
//! mechanisms of these claims, a claim page down to its citations) and never build SQL. Below it
//! is the database: for every read here, connections of the store's own ([`reads`]) when it has
//! them, else SeaORM's pool; the write path has SeaORM's pool ([`Store::connection`]) and its
//! transactions.
//!
//! - [`relations`]: batched look-ups, one statement for all the keys of one query level: rows by
//!   id, and each relation by its parents (a claim's mechanisms, a DOI's citing steps, ...).
//! - [`trees`]: several relations of a list of claims as one joined statement, and a whole claim
//!   page as one statement.
//! - [`walks`]: a DOI with its study and the steps citing it, their mechanisms and claims, as one
//!   statement (the walk integrations take from a DOI to the claims that rest on it).
//! - [`lists`]: pages of the lists the schema offers (claims, studies, events, contributions),
//!   read by keyset, their filters, their counts and their facets (grouped counts); single look-ups (a DOI by its value) and the
//!   visible ids of a type.
//! - [`search`]: full-text search and suggestions, each database's own engine over the search
//!   index, and its rebuild.
//! - [`statements`], [`rows`]: where every read runs, and the joined statements' texts (built
//!   once); row decoding by position from SeaORM's rows or from SQLite's.
//! - [`reads`]: the connections the reads run on.
//!
//! Visibility is the domain's rule ([`crate::domain::visibility`]): the store takes its conditions
//! as given and applies them in SQL, so pages, cursors and counts only ever meet visible rows.

pub mod lists;
pub mod reads;
pub mod relations;
pub mod rows;
pub mod search;
pub mod statements;
pub mod trees;
pub mod walks;

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend, DbErr};

use self::reads::Reads;

/// The store's errors are the database's; a batch's error is shared between its callers.
pub type StoreError = DbErr;

/// Where reads go: the store's own read connections when there are any, else SeaORM's pool.
/// Cheap to clone (both are shared handles); the request loader holds one per request.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Where the reads run, beside SeaORM's pool (see [`reads`]); `None`: through the pool.
    reads: Option<Arc<Reads>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.db.get_database_backend())
            .field("reads", &self.reads)
            .finish()
    }
}

impl Store {
    /// A store over `db`, whose reads run on `reads` when given.
    pub fn new(db: DatabaseConnection, reads: Option<Arc<Reads>>) -> Self {
        Store { db, reads }
    }

    /// A store over `db` with read connections of its own, when the database has a file or a
    /// server to open them on (not an in-memory SQLite database).
    pub fn open(db: DatabaseConnection) -> Self {
        let reads = Reads::for_database(&db).map(Arc::new);
        Store { db, reads }
    }

    /// The same store, with each statement its read connections run reported to `observer` (the
    /// tests count a page's statements).
    pub fn observed(self, observer: reads::StatementObserver) -> Self {
        let reads = Reads::for_database(&self.db).map(|reads| Arc::new(reads.observed(observer)));
        Store { reads, ..self }
    }

    /// SeaORM's pool: for the write path, which runs its own transactions.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Whether a claim page is best read as one statement (PostgreSQL: one round trip to another
    /// process) rather than as its branches side by side (SQLite: statements in this process).
    pub fn one_statement_pages(&self) -> bool {
        self.db.get_database_backend() == DbBackend::Postgres
    }

    pub(crate) fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub(crate) fn reads(&self) -> Option<&Reads> {
        self.reads.as_deref()
    }
}
