//! PostgreSQL: a small pool of connections that are not pinged when they are given back.
//!
//! sqlx's pool sends every connection it is given back a `Sync` and waits for the answer, from a
//! task it spawns for that: one more round trip, a PostgreSQL wake-up and a task per statement, a
//! tenth of the server's CPU on a page. These connections are given back only when their statement
//! has finished; a read dropped half-way (a timeout) drops its connection with it, which is what
//! sqlx's ping was guarding against. A connection idle for a while is pinged before use, as in
//! SeaORM's pool (see [`crate::db`]). The connections refuse writes
//! (`default_transaction_read_only`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, Arguments, AssertSqlSafe, Connection};
use sea_orm::{DatabaseConnection, DbErr, QueryResult, Value};
use tokio::sync::{OnceCell, Semaphore};

use super::read_error;

/// How long a connection may sit idle before it is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// Connections to the database behind a SeaORM pool, as many at most as that pool has.
pub struct PgReads {
    /// SeaORM's pool, asked once for the search path its connections use.
    db: DatabaseConnection,
    options: PgConnectOptions,
    search_path: OnceCell<String>,
    permits: Semaphore,
    idle: Mutex<Vec<(PgConnection, Instant)>>,
}

impl PgReads {
    /// Reads with the connect options (server, role, `statement_timeout`) of `db`'s pool.
    pub fn for_database(db: &DatabaseConnection) -> PgReads {
        let pool = db.get_postgres_connection_pool();
        let size = usize::try_from(pool.options().get_max_connections())
            .unwrap_or(1)
            .max(1);
        PgReads {
            db: db.clone(),
            options: PgConnectOptions::clone(&pool.connect_options()),
            search_path: OnceCell::new(),
            permits: Semaphore::new(size),
            idle: Mutex::default(),
        }
    }

    /// Runs `sql` with `values` and returns its rows.
    pub async fn query(&self, sql: Arc<str>, values: Vec<Value>) -> Result<Vec<QueryResult>, DbErr> {
        let _permit = self.permits.acquire().await.map_err(read_error)?;
        let mut arguments = PgArguments::default();
        for value in values {
            // As sqlx binds them for SeaORM: the store's statements bind integers (ids, limits),
            // texts, booleans, times and floats (a search cursor's score), nothing else.
            match value {
                Value::Int(Some(v)) => arguments.add(v),
                Value::BigInt(Some(v)) => arguments.add(v),
                Value::BigUnsigned(Some(v)) => arguments.add(i64::try_from(v).map_err(read_error)?),
                Value::String(Some(v)) => arguments.add(v),
                Value::Bool(Some(v)) => arguments.add(v),
                Value::Double(Some(v)) => arguments.add(v),
                Value::ChronoDateTimeUtc(Some(v)) => arguments.add(v),
                other => return Err(read_error(format!("a read cannot bind {other:?}"))),
            }
            .map_err(read_error)?;
        }
        let mut connection = self.connection().await?;
        let rows = sqlx::query_with(AssertSqlSafe(sql), arguments)
            .fetch_all(&mut connection)
            .await
            .map_err(read_error)?;
        // Given back only now, its statement done; a failed one is closed instead.
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((connection, Instant::now()));
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }

    /// An idle connection that is still alive, or a new one.
    async fn connection(&self) -> Result<PgConnection, DbErr> {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        if let Some((mut connection, since)) = idle
            && (since.elapsed() < IDLE_BEFORE_PING || connection.ping().await.is_ok())
        {
            return Ok(connection);
        }
        // Asked of the pool's connections directly, as part of setting up connections, not as a
        // statement of the page that happens to open the first one.
        let search_path = self
            .search_path
            .get_or_try_init(|| async {
                sqlx::query_scalar::<_, String>("SELECT current_setting('search_path')")
                    .fetch_one(self.db.get_postgres_connection_pool())
                    .await
                    .map_err(read_error)
            })
            .await?;
        let mut connection = PgConnection::connect_with(&self.options)
            .await
            .map_err(read_error)?;
        // The search path SeaORM's connections have (set there after connecting, or by the
        // server), and no writes: these connections only read.
        let setup = format!("SET search_path = {search_path}; SET default_transaction_read_only = on");
        sqlx::raw_sql(AssertSqlSafe(setup))
            .execute(&mut connection)
            .await
            .map_err(read_error)?;
        Ok(connection)
    }
}
