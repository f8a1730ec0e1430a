//! Connecting to the database and bringing it to the current schema.

use std::sync::atomic::{AtomicI8, Ordering};
use std::time::Duration;

use tokio::time::Instant;

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

/// Whether the database answers, asked with a bound: `/ready` and `/metrics` must answer in time
/// whatever the database does, and the pool's acquire timeout (5 s) is far too long for that.
#[derive(Debug)]
pub struct Probe {
    timeout: Duration,
    /// When the last probe finished and whether the database answered it; the lock makes one
    /// probe run at a time, so a flood of health checks sends the database one query at a time.
    last: tokio::sync::Mutex<Option<(Instant, bool)>>,
    /// The last answer, for `/metrics`: 1 answered, 0 did not, -1 never asked.
    up: AtomicI8,
}

impl Probe {
    /// A probe that gives up on the database after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Probe {
            timeout,
            last: tokio::sync::Mutex::new(None),
            up: AtomicI8::new(-1),
        }
    }

    /// Whether the database answers a ping within the timeout. A caller that waited for another's
    /// probe takes that probe's answer rather than asking again.
    pub async fn answers(&self, db: &DatabaseConnection) -> bool {
        let asked = Instant::now();
        let probed = tokio::time::timeout(self.timeout, async {
            let mut last = self.last.lock().await;
            if let Some((at, answered)) = *last
                && at >= asked
            {
                return answered;
            }
            let answered = db.ping().await.is_ok();
            *last = Some((Instant::now(), answered));
            answered
        })
        .await;
        let answered = probed.unwrap_or(false);
        self.up.store(i8::from(answered), Ordering::Relaxed);
        answered
    }

    /// The last probe's answer: `Some(true)` when the database answered it, `None` before any.
    pub fn last_answer(&self) -> Option<bool> {
        match self.up.load(Ordering::Relaxed) {
            -1 => None,
            up => Some(up == 1),
        }
    }
}
