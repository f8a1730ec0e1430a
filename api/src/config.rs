//! One typed configuration, read once at start-up from flags and `CLAIMGRAPH_*` environment
//! variables (a flag wins over its variable), with defaults that need no set-up at all.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{ArgAction, Parser, Subcommand, ValueEnum};

use crate::db::PoolSettings;
use crate::graphql::SchemaOptions;
use crate::graphql::limits::Limits;
use crate::http::HttpOptions;
use crate::http::documents::{PersistedQueryLimits, TrustedDocuments};
use crate::http::serve::{OpenFiles, ServeOptions};
use crate::rate_limit::RateLimits;

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

    /// Database connections in the pool (default: 4; 1 for an in-memory SQLite database).
    #[arg(long, env = "CLAIMGRAPH_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,

    /// PostgreSQL only: the longest a single SQL statement may run before the database cancels it.
    #[arg(
        long,
        env = "CLAIMGRAPH_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,

    /// The longest a request waits for a free database connection.
    #[arg(
        long,
        env = "CLAIMGRAPH_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub db_acquire_timeout_ms: u64,

    /// On SIGINT or SIGTERM, how long requests in flight may take to finish before the server exits.
    #[arg(
        long,
        env = "CLAIMGRAPH_SHUTDOWN_DEADLINE_MS",
        default_value_t = 15_000,
        global = true
    )]
    pub shutdown_deadline_ms: u64,

    /// The longest a GraphQL request may run before it is stopped with a `TIMEOUT` error (503).
    #[arg(
        long,
        env = "CLAIMGRAPH_REQUEST_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub request_timeout_ms: u64,

    /// Whether introspection (`__schema`, `__type`) answers: `true` or `false`. On for this public
    /// API; turning it off also breaks GraphiQL's docs and code generators.
    #[arg(long, env = "CLAIMGRAPH_INTROSPECTION", default_value_t = true, action = ArgAction::Set, global = true)]
    pub introspection: bool,

    /// Whether validation errors suggest field names ("did you mean ...?"): `true` or `false`.
    #[arg(long, env = "CLAIMGRAPH_SUGGESTIONS", default_value_t = true, action = ArgAction::Set, global = true)]
    pub suggestions: bool,

    /// Whether a query the server has validated before (a claim page, a page of claims, a DOI walk)
    /// is answered straight from its rows, without the GraphQL executor: `true` or `false`. The
    /// answer is the same byte for byte; off is for comparing the two.
    #[arg(long, env = "CLAIMGRAPH_COMPILED_PAGES", default_value_t = true, action = ArgAction::Set, global = true)]
    pub compiled_pages: bool,

    /// Whether `/graphiql` is served: `true` or `false`.
    #[arg(long, env = "CLAIMGRAPH_GRAPHIQL", default_value_t = true, action = ArgAction::Set, global = true)]
    pub graphiql: bool,

    /// Origins that browsers may call the API from, comma-separated
    /// (`https://a.example,https://b.example`), or `*` for any origin.
    #[arg(long, env = "CLAIMGRAPH_CORS_ORIGINS", default_value = "*", global = true)]
    pub cors_origins: String,

    /// The largest POST body accepted, in bytes (a claim page query is a few KiB).
    #[arg(long, env = "CLAIMGRAPH_MAX_BODY_BYTES", default_value_t = HttpOptions::default().max_body_bytes, global = true)]
    pub max_body_bytes: usize,

    /// The query limits (see `graphql::limits`).
    #[command(flatten)]
    pub limits: LimitArgs,

    /// The rate limits (see `rate_limit`).
    #[command(flatten)]
    pub rate_limits: RateLimitArgs,

    /// Persisted queries and trusted documents (see `http::documents`).
    #[command(flatten)]
    pub documents: DocumentArgs,

    /// Connection timeouts and the connection cap (see `http::serve`).
    #[command(flatten)]
    pub connections: ConnectionArgs,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The schema's limits and switches.
    pub fn schema_options(&self) -> SchemaOptions {
        SchemaOptions {
            limits: (&self.limits).into(),
            introspection: self.introspection,
            suggestions: self.suggestions,
            compiled_pages: self.compiled_pages,
        }
    }

    /// The HTTP layer's options. An origin that is not a valid header value is an error, and so is a
    /// trusted documents manifest that cannot be read or has any problem (the error lists them).
    pub fn http_options(&self) -> anyhow::Result<HttpOptions> {
        let origins = self.cors_origins.trim();
        let cors_origins = if origins == "*" {
            None
        } else {
            let parsed = origins
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| {
                    HeaderValue::from_str(o)
                        .map_err(|_| anyhow::anyhow!("--cors-origins: {o:?} is not a valid origin"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Some(parsed)
        };
        let trusted_documents = match &self.documents.trusted_documents {
            Some(path) => Some(Arc::new(TrustedDocuments::load(path)?)),
            None => None,
        };
        let rate = &self.rate_limits;
        let documents = &self.documents;
        Ok(HttpOptions {
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            graphiql: self.graphiql,
            cors_origins,
            max_body_bytes: self.max_body_bytes,
            rate_limits: rate.rate_limit.then(|| RateLimits {
                anonymous: rate.rate_limit_anonymous,
                authenticated: rate.rate_limit_authenticated,
                window: Duration::from_secs(rate.rate_limit_window_secs),
            }),
            trust_forwarded_for: rate.trust_forwarded_for,
            persisted_queries: documents.persisted_queries.then_some(PersistedQueryLimits {
                max_entries: documents.persisted_queries_max_entries,
                max_bytes: documents.persisted_queries_max_bytes,
            }),
            trusted_documents,
            ready_timeout: Duration::from_millis(self.connections.ready_timeout_ms),
        })
    }

    /// The server loop's settings; a connection cap not given is `open_files`' default cap.
    pub fn serve_options(&self, open_files: Option<&OpenFiles>) -> ServeOptions {
        let args = &self.connections;
        ServeOptions {
            header_read_timeout: Duration::from_millis(args.header_read_timeout_ms),
            body_read_timeout: Duration::from_millis(args.body_read_timeout_ms),
            idle_timeout: Duration::from_millis(args.idle_timeout_ms),
            response_write_timeout: Duration::from_millis(args.response_write_timeout_ms),
            max_connections: args
                .max_connections
                .or_else(|| open_files.map(OpenFiles::connection_cap))
                .unwrap_or(ServeOptions::default().max_connections),
            shutdown_deadline: Duration::from_millis(self.shutdown_deadline_ms),
            counters: Arc::default(),
        }
    }

    /// The database pool settings the flags describe.
    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
        }
    }
}

/// Flags for [`Limits`]; the defaults are `Limits::default()`'s.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// The longest query text accepted, in bytes.
    #[arg(long, env = "CLAIMGRAPH_MAX_QUERY_BYTES", default_value_t = Limits::default().max_query_bytes, global = true)]
    pub max_query_bytes: usize,
    /// The deepest selection accepted, fragments expanded (GraphiQL's introspection needs 13).
    #[arg(long, env = "CLAIMGRAPH_MAX_DEPTH", default_value_t = Limits::default().max_depth, global = true)]
    pub max_depth: usize,
    /// The highest query complexity accepted (lists weighted by page size; a claim page is about 1,000).
    #[arg(long, env = "CLAIMGRAPH_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity, global = true)]
    pub max_complexity: usize,
    /// The most aliased fields in one document.
    #[arg(long, env = "CLAIMGRAPH_MAX_ALIASES", default_value_t = Limits::default().max_aliases, global = true)]
    pub max_aliases: usize,
    /// The most directives in one document.
    #[arg(long, env = "CLAIMGRAPH_MAX_DIRECTIVES", default_value_t = Limits::default().max_directives, global = true)]
    pub max_directives: usize,
    /// The most fragment definitions in one document.
    #[arg(long, env = "CLAIMGRAPH_MAX_FRAGMENTS", default_value_t = Limits::default().max_fragments, global = true)]
    pub max_fragments: usize,
    /// The most field selections once fragments are expanded.
    #[arg(long, env = "CLAIMGRAPH_MAX_EXPANDED_FIELDS", default_value_t = Limits::default().max_expanded_fields, global = true)]
    pub max_expanded_fields: usize,
}

impl From<&LimitArgs> for Limits {
    fn from(args: &LimitArgs) -> Self {
        Limits {
            max_query_bytes: args.max_query_bytes,
            max_depth: args.max_depth,
            max_complexity: args.max_complexity,
            max_aliases: args.max_aliases,
            max_directives: args.max_directives,
            max_fragments: args.max_fragments,
            max_expanded_fields: args.max_expanded_fields,
        }
    }
}

/// Flags for [`RateLimits`]; the defaults are `RateLimits::default()`'s.
#[derive(Debug, Clone, clap::Args)]
pub struct RateLimitArgs {
    /// Whether each client has a budget of query-cost points per window: `true` or `false`.
    #[arg(long, env = "CLAIMGRAPH_RATE_LIMIT", default_value_t = true, action = ArgAction::Set, global = true)]
    pub rate_limit: bool,
    /// Points per window for each client address without a token (a claim page costs about 10).
    #[arg(long, env = "CLAIMGRAPH_RATE_LIMIT_ANONYMOUS", default_value_t = RateLimits::default().anonymous, global = true)]
    pub rate_limit_anonymous: u64,
    /// Points per window for each authenticated user.
    #[arg(long, env = "CLAIMGRAPH_RATE_LIMIT_AUTHENTICATED", default_value_t = RateLimits::default().authenticated, global = true)]
    pub rate_limit_authenticated: u64,
    /// How long a window lasts, in seconds, from a client's first request in it.
    #[arg(
        long,
        env = "CLAIMGRAPH_RATE_LIMIT_WINDOW_SECS",
        default_value_t = RateLimits::default().window.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub rate_limit_window_secs: u64,
    /// Whether the client address is the last entry of `X-Forwarded-For` rather than the TCP peer:
    /// `true` only behind a proxy that appends it, since clients can write the header themselves.
    #[arg(long, env = "CLAIMGRAPH_TRUST_FORWARDED_FOR", default_value_t = false, action = ArgAction::Set, global = true)]
    pub trust_forwarded_for: bool,
}

/// Flags for the server loop (`http::serve`) and the readiness probe; the defaults are
/// `ServeOptions::default()`'s.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionArgs {
    /// The longest a client may take to send a request's headers, from its connection's opening or
    /// its request's first byte; past it the connection is closed.
    #[arg(long, env = "CLAIMGRAPH_HEADER_READ_TIMEOUT_MS", default_value_t = millis(ServeOptions::default().header_read_timeout), value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub header_read_timeout_ms: u64,
    /// The longest a client may take to send a request's body, from its headers; past it the
    /// answer is 408 and the connection is closed.
    #[arg(long, env = "CLAIMGRAPH_BODY_READ_TIMEOUT_MS", default_value_t = millis(ServeOptions::default().body_read_timeout), value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub body_read_timeout_ms: u64,
    /// How long a kept-alive connection may wait for its next request before it is closed.
    #[arg(long, env = "CLAIMGRAPH_IDLE_TIMEOUT_MS", default_value_t = millis(ServeOptions::default().idle_timeout), value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub idle_timeout_ms: u64,
    /// The longest a client may take to read an answer, from its start; past it the connection is
    /// closed.
    #[arg(long, env = "CLAIMGRAPH_RESPONSE_WRITE_TIMEOUT_MS", default_value_t = millis(ServeOptions::default().response_write_timeout), value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub response_write_timeout_ms: u64,
    /// Connections served at once; past it a new connection is closed at once (default: the
    /// open-files limit less a tenth, at least 256, kept for the database and files; at most 65,536).
    #[arg(long, env = "CLAIMGRAPH_MAX_CONNECTIONS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), global = true)]
    pub max_connections: Option<usize>,
    /// The longest `/ready` waits for the database before answering 503.
    #[arg(long, env = "CLAIMGRAPH_READY_TIMEOUT_MS", default_value_t = millis(HttpOptions::default().ready_timeout), value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub ready_timeout_ms: u64,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Flags for automatic persisted queries and trusted documents.
#[derive(Debug, Clone, clap::Args)]
pub struct DocumentArgs {
    /// Whether automatic persisted queries (Apollo's protocol) are kept: `true` or `false`.
    #[arg(long, env = "CLAIMGRAPH_PERSISTED_QUERIES", default_value_t = true, action = ArgAction::Set, global = true)]
    pub persisted_queries: bool,
    /// The most automatic persisted queries kept.
    #[arg(long, env = "CLAIMGRAPH_PERSISTED_QUERIES_MAX_ENTRIES", default_value_t = PersistedQueryLimits::default().max_entries, global = true)]
    pub persisted_queries_max_entries: usize,
    /// The most bytes of automatic persisted query text kept.
    #[arg(long, env = "CLAIMGRAPH_PERSISTED_QUERIES_MAX_BYTES", default_value_t = PersistedQueryLimits::default().max_bytes, global = true)]
    pub persisted_queries_max_bytes: usize,
    /// A manifest of trusted documents (`{"<sha256>": "<document>"}`): when given, only those
    /// documents run, named by `documentId` or `extensions.persistedQuery.sha256Hash`.
    #[arg(long, env = "CLAIMGRAPH_TRUSTED_DOCUMENTS", global = true)]
    pub trusted_documents: Option<PathBuf>,
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
    /// Write a synthetic graph of N claims (slugs gen-000001, ...) for benchmarks, after migrating.
    /// The same N and seed give the same graph. A database that already holds generated claims is
    /// refused.
    Generate {
        /// How many claims to write (each with 3 mechanisms of 5 steps, citations and evidence).
        #[arg(long)]
        claims: usize,
        /// The random seed.
        #[arg(long, default_value_t = seeds::generate::DEFAULT_SEED)]
        seed: u64,
    },
    /// Manage the full-text search index.
    SearchIndex {
        #[command(subcommand)]
        command: SearchIndexCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

/// `search-index ...`: the full-text search index.
#[derive(Debug, Subcommand)]
pub enum SearchIndexCommand {
    /// Rebuild the index from the graph's tables, in one transaction (after migrating). The index
    /// follows every write by itself; rebuild after restoring a backup taken without it, or to
    /// compact it. Running it twice gives the same index.
    Rebuild,
}

/// `user ...`: manage accounts.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (after migrating). Give them a token with `token create`.
    Create {
        /// The user's handle: 1 to 64 lower-case letters, digits, '-' or '_'.
        name: String,
        /// What the user may do.
        #[arg(long, value_enum, default_value_t = RoleArg::Contributor)]
        role: RoleArg,
    },
}

/// `token ...`: manage API tokens.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user and print its secret, once: it is stored only as a hash.
    Create {
        /// The user's handle.
        user: String,
        /// What the token is for, to tell tokens apart ("laptop", "ci").
        #[arg(long, default_value = "default")]
        label: String,
    },
    /// Revoke a token: it never authenticates again.
    Revoke {
        /// The token's first 10 characters (as `token list` shows them), or the whole secret.
        prefix: String,
    },
    /// List a user's tokens (prefix, label, created, revoked), newest first.
    List {
        /// The user's handle.
        user: String,
    },
}

/// A user's role, as the CLI spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Submits changes for review.
    Contributor,
    /// Edits directly and reviews contributions.
    Moderator,
    /// A moderator who also manages users.
    Admin,
}

impl From<RoleArg> for entity::values::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Contributor => entity::values::Role::Contributor,
            RoleArg::Moderator => entity::values::Role::Moderator,
            RoleArg::Admin => entity::values::Role::Admin,
        }
    }
}

/// Which way `migrate` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MigrateDirection {
    Up,
    Down,
}
