//! SQLite: the statements run on the calling thread.
//!
//! sqlx gives each SQLite connection a worker thread of its own: a statement goes to it over a
//! channel, and every row comes back the same way, each value copied into an allocation of its own.
//! For a page's statements (three at the time) that was 40% of the server's CPU, most of it the kernel switching
//! between threads, and SQLite itself a small part of it. SQLite is a library: the statements run
//! here instead, on the thread that asks, each on a connection of a small pool of its own and
//! prepared once per connection. A page's statements take tens of microseconds, less than the
//! hand-offs they replace, so nothing else on the runtime waits noticeably for them.
//!
//! The connections refuse writes (`query_only`). The file is in WAL mode (see [`crate::db`]), so
//! they see each committed write and never wait for the writer.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend, DbErr, Value};

/// Connections kept open for reads; one more is opened when all are in use, and closed after.
const POOLED: usize = 4;

/// Prepared statements kept per connection: a few shapes of a page's statements, by list length,
/// and of the look-ups by id, by number of ids (a few kilobytes each).
const PREPARED_PER_CONNECTION: usize = 256;

/// How long a read waits for a lock before failing (in WAL mode it seldom waits at all).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A small pool of connections to one SQLite file, for reads on the calling thread.
pub struct SqliteReads {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteReads {
    /// Reads for the file behind `db`; `None` for PostgreSQL and for an in-memory SQLite database.
    pub fn for_database(db: &DatabaseConnection) -> Option<SqliteReads> {
        if db.get_database_backend() != DbBackend::Sqlite {
            return None;
        }
        let options = db.get_sqlite_connection_pool().connect_options();
        let path = options.get_filename();
        // An in-memory database's "file name" names no file.
        // Connections are opened when first needed.
        path.is_file().then(|| SqliteReads {
            path: path.to_owned(),
            idle: Mutex::default(),
        })
    }

    /// Runs `sql` with `params` and hands each row to `each`, in order.
    pub fn query(
        &self,
        sql: &str,
        params: &[Value],
        mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), DbErr>,
    ) -> Result<(), DbErr> {
        let connection = self.take()?;
        let result = (|| {
            let mut statement = connection.prepare_cached(sql).map_err(sqlite_error)?;
            for (index, value) in params.iter().enumerate() {
                bind(&mut statement, index + 1, value)?;
            }
            let mut rows = statement.raw_query();
            while let Some(row) = rows.next().map_err(sqlite_error)? {
                each(row)?;
            }
            Ok(())
        })();
        self.give_back(connection);
        result
    }

    /// An idle connection, or a new one.
    fn take(&self) -> Result<rusqlite::Connection, DbErr> {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match idle {
            Some(connection) => Ok(connection),
            None => self.open(),
        }
    }

    fn give_back(&self, connection: rusqlite::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < POOLED {
            idle.push(connection);
        }
    }

    fn open(&self) -> Result<rusqlite::Connection, DbErr> {
        use rusqlite::OpenFlags;
        // Read-write as far as SQLite's files go (a reader of a WAL file writes its shared-memory
        // index), but `query_only` refuses any statement that would change the database.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = rusqlite::Connection::open_with_flags(&self.path, flags).map_err(sqlite_error)?;
        connection
            .pragma_update(None, "query_only", true)
            .map_err(sqlite_error)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
        connection.set_prepared_statement_cache_capacity(PREPARED_PER_CONNECTION);
        Ok(connection)
    }
}

/// Binds one parameter as sqlx binds it for SeaORM: the store's statements bind integers (ids,
/// limits), texts, booleans, times and floats (a search cursor's score), nothing else.
fn bind(statement: &mut rusqlite::CachedStatement<'_>, index: usize, value: &Value) -> Result<(), DbErr> {
    let bound = match value {
        Value::Int(Some(v)) => statement.raw_bind_parameter(index, v),
        Value::BigInt(Some(v)) => statement.raw_bind_parameter(index, v),
        Value::BigUnsigned(Some(v)) => {
            let v = i64::try_from(*v).map_err(|e| DbErr::Custom(format!("binding {v}: {e}")))?;
            statement.raw_bind_parameter(index, v)
        }
        Value::String(Some(v)) => statement.raw_bind_parameter(index, v.as_str()),
        Value::Double(Some(v)) => statement.raw_bind_parameter(index, v),
        // An integer, 0 or 1.
        Value::Bool(Some(v)) => statement.raw_bind_parameter(index, v),
        // The text sqlx writes for a time (and SeaORM stores): compared as text, it must match.
        Value::ChronoDateTimeUtc(Some(v)) => {
            let text = v.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
            statement.raw_bind_parameter(index, text)
        }
        other => {
            return Err(DbErr::Custom(format!(
                "an inline SQLite read cannot bind {other:?}"
            )));
        }
    };
    bound.map_err(sqlite_error)
}

/// SQLite's errors in SeaORM's type, so the callers' error handling stays one.
pub(crate) fn sqlite_error(error: rusqlite::Error) -> DbErr {
    super::read_error(format!("SQLite: {error}"))
}
