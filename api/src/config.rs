//! One typed configuration, read once at start-up from flags and `CLAIMGRAPH_*` environment
//! variables (a flag wins over its variable), with defaults that need no set-up at all.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Where data lives when nothing is configured: a SQLite file in the working directory, created on
/// first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://claimgraph.sqlite?mode=rwc";

/// claimgraph: scientific evidence as a linked graph, served over GraphQL.
#[derive(Debug, Parser)]
#[command(
    name = "claimgraph",
    version,
    about = "claimgraph: scientific evidence as a linked graph, served over GraphQL."
)]
pub struct Cli {
    /// The database: `sqlite://PATH?mode=rwc` (created if missing) or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "CLAIMGRAPH_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// The address the server listens on.
    #[arg(
        long,
        env = "CLAIMGRAPH_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Log format: `pretty` for people, `json` for log collectors. Levels come from `RUST_LOG`
    /// (default `info`).
    #[arg(long, env = "CLAIMGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    /// Database connections in the pool (default: 4 on SQLite, 10 on PostgreSQL).
    #[arg(long, env = "CLAIMGRAPH_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, seed it on first start, and serve GraphQL, GraphiQL and /health.
    Serve,
    /// Validate and load seed files (a file or a folder of *.toml); the bundled seed data when no
    /// path is given. Nothing is loaded if any file has a problem.
    Seed {
        /// A seed file or a folder of them.
        path: Option<PathBuf>,
    },
    /// Apply pending migrations (`up`) or revert them all (`down`).
    Migrate {
        #[arg(value_enum, default_value_t = MigrateDirection::Up)]
        direction: MigrateDirection,
    },
    /// Print the GraphQL schema (SDL), as committed in `api/schema.graphql`.
    Schema,
}

/// Which way `migrate` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MigrateDirection {
    Up,
    Down,
}
