//! What every handler shares ([`AppState`]) and the HTTP layer's settings ([`HttpOptions`]).

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;
use sea_orm::DatabaseConnection;

use super::documents::{PersistedQueries, PersistedQueryLimits, TrustedDocuments};
use super::metrics;
use crate::db::Probe;
use crate::graphql::SchemaOptions;
use crate::graphql::engine::Engine;
use crate::rate_limit::{RateLimiter, RateLimits};
use crate::store::Store;
use crate::store::reads::StatementObserver;

/// What every handler shares: the engine, the database pool and the HTTP options.
#[derive(Clone)]
pub struct AppState {
    /// Runs GraphQL requests (see [`crate::graphql::engine`]).
    pub engine: Arc<Engine>,
    pub db: DatabaseConnection,
    pub options: HttpOptions,
    /// Counters behind `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// Every client's rate-limit window; `None` when rate limits are off.
    pub rate_limiter: Option<Arc<RateLimiter>>,
    /// The automatic persisted query cache; `None` when persisted queries are off.
    pub persisted_queries: Option<Arc<PersistedQueries>>,
    /// Whether the database answers, asked with a short bound (`/ready`, `/metrics`).
    pub probe: Arc<Probe>,
}

/// The HTTP layer's settings (see `config.rs` for their flags).
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// The longest a GraphQL request may run; past it the answer is 503 with `TIMEOUT`.
    pub request_timeout: Duration,
    /// Whether `/graphiql` is served.
    pub graphiql: bool,
    /// Origins allowed to call the API from a browser; `None` allows any (no credentials are used).
    pub cors_origins: Option<Vec<HeaderValue>>,
    /// The largest POST body read; a larger one is refused with 413.
    pub max_body_bytes: usize,
    /// Each client's budget; `None` turns rate limits off.
    pub rate_limits: Option<RateLimits>,
    /// Whether the client address comes from the last `X-Forwarded-For` entry (set by a trusted
    /// proxy) rather than from the TCP peer.
    pub trust_forwarded_for: bool,
    /// The automatic persisted query cache's size; `None` turns automatic persisted queries off.
    pub persisted_queries: Option<PersistedQueryLimits>,
    /// The trusted documents: when set, only they run.
    pub trusted_documents: Option<Arc<TrustedDocuments>>,
    /// The longest `/ready` (and `/metrics`) wait for the database to answer a probe.
    pub ready_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            request_timeout: Duration::from_secs(10),
            graphiql: true,
            cors_origins: None,
            // A claim page query is a few KiB; a MiB leaves room for large variables.
            max_body_bytes: 1024 * 1024,
            rate_limits: Some(RateLimits::default()),
            trust_forwarded_for: false,
            persisted_queries: Some(PersistedQueryLimits::default()),
            trusted_documents: None,
            // Well under the second a load balancer's health check usually allows.
            ready_timeout: Duration::from_millis(500),
        }
    }
}

impl AppState {
    /// The state with the default options.
    pub fn new(db: DatabaseConnection) -> Self {
        AppState::configured(db, SchemaOptions::default(), HttpOptions::default())
    }

    /// The state with the given options.
    pub fn configured(db: DatabaseConnection, schema: SchemaOptions, options: HttpOptions) -> Self {
        AppState {
            engine: Arc::new(Engine::new(
                Store::open(db.clone()),
                schema,
                options.request_timeout,
            )),
            db,
            rate_limiter: options
                .rate_limits
                .clone()
                .map(|limits| Arc::new(RateLimiter::new(limits))),
            persisted_queries: options
                .persisted_queries
                .map(|limits| Arc::new(PersistedQueries::new(limits))),
            probe: Arc::new(Probe::new(options.ready_timeout)),
            options,
            metrics: Arc::default(),
        }
    }
}

impl AppState {
    /// The same state, calling `observer` with each statement the store's read connections run
    /// (SeaORM's own statements are observed with `DatabaseConnection::set_metric_callback`): for
    /// tests that count a page's statements. Call it on a state just made, before it is shared.
    pub fn observe_statements(mut self, observer: StatementObserver) -> Self {
        match Arc::get_mut(&mut self.engine) {
            Some(engine) => engine.observe_statements(observer),
            None => tracing::warn!("statements not observed: the engine is already shared"),
        }
        self
    }
}
