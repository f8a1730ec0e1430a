//! Connecting to the database and bringing it to the current schema.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait};

/// Opens a pool on `url` (SQLite or PostgreSQL).
pub async fn connect(url: &str, max_connections: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    // An in-memory SQLite database exists once per connection: a pool of them would be many databases.
    let in_memory = sqlite && url.contains(":memory:");
    let default_max = if in_memory {
        1
    } else if sqlite {
        4
    } else {
        10
    };
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections.unwrap_or(default_max))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
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
