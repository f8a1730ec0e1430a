//! Connecting to the database and bringing it to the current schema.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait};

/// Connections per pool, on SQLite and PostgreSQL alike: on two cores, four statements in flight
/// keep both busy. More PostgreSQL backends only took turns on the same cores: at 10, PostgreSQL
/// spent 10 to 20% more CPU per page, in context switches, for no more pages a second.
const DEFAULT_MAX_CONNECTIONS: u32 = 4;

/// How long a pooled connection may sit idle before the pool checks it before handing it out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// How the pool behaves; the defaults suit a 2-core machine.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    /// Connections in the pool; `None` picks 4 (1 for an in-memory SQLite database).
    pub max_connections: Option<u32>,
    /// The longest a caller waits for a free connection.
    pub acquire_timeout: Duration,
    /// PostgreSQL only: the longest one statement may run before the server cancels it.
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: None,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens a pool on `url` (SQLite or PostgreSQL) with default settings but the pool size.
pub async fn connect(url: &str, max_connections: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    connect_with(
        url,
        PoolSettings {
            max_connections,
            ..PoolSettings::default()
        },
    )
    .await
}

/// Opens a pool on `url` (SQLite or PostgreSQL).
pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<DatabaseConnection, DbErr> {
    let max_connections = settings.max_connections;
    let sqlite = url.starts_with("sqlite:");
    // An in-memory SQLite database exists once per connection: a pool of them would be many databases.
    let in_memory = sqlite && url.contains(":memory:");
    let default_max = if in_memory { 1 } else { DEFAULT_MAX_CONNECTIONS };
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections.unwrap_or(default_max))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(settings.acquire_timeout)
        // By default the pool pings every connection it hands out: on PostgreSQL a round trip and
        // a backend wake-up, on SQLite a trip to the connection's worker thread, before each of a
        // page's statements; that doubled PostgreSQL's CPU per page. Only a connection that sat
        // idle long enough to have been dropped by the server or the network is checked first.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false);
    if !sqlite {
        // Every connection of the pool gets it, set by the server at connection start-up.
        options.map_sqlx_postgres_opts(move |pg| {
            pg.options([(
                "statement_timeout",
                format!("{}ms", settings.statement_timeout.as_millis()),
            )])
        });
    }
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite && !in_memory {
        // Readers never wait for the writer; the setting is stored in the file.
        db.execute_unprepared("PRAGMA journal_mode = WAL").await?;
    }
    Ok(db)
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database holds no claim yet: a new database (or one only migrated so far), which
/// the server seeds with the bundled data on start.
pub async fn holds_no_claim(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(entity::claim::Entity::find().one(db).await?.is_none())
}
