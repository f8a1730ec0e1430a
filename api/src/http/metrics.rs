//! `/metrics` in Prometheus' text format (version 0.0.4), kept and encoded by `prometheus-client`,
//! the Prometheus project's Rust client: GraphQL requests by operation and outcome, their latency,
//! errors by code, and the database pool's and the server loop's counts, read at each scrape.
//!
//! Operation names come from clients, so they are sanitised and capped: past [`MAX_OPERATIONS`]
//! distinct names, new ones are counted as `_other`, and the series count stays bounded.
//!
//! A labelled family with no series yet (no error counted since the start) prints nothing, not even
//! its `# HELP` and `# TYPE` lines, as the crate's encoder does; Prometheus reads it as absent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::{EncodeLabelSet, prometheus_text};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::DatabaseConnection;

use super::AppState;
use super::serve::ConnectionCounters;

/// Distinct operation labels kept before new names fold into `_other`.
pub const MAX_OPERATIONS: usize = 100;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How a GraphQL request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Answered with data and no error.
    Ok,
    /// Answered, with errors.
    Error,
    /// Refused before execution (HTTP-level: media type, body, method, batch).
    Refused,
    /// Stopped by the request timeout.
    Timeout,
}

impl Outcome {
    const ALL: [Outcome; 4] = [Outcome::Ok, Outcome::Error, Outcome::Refused, Outcome::Timeout];

    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    code: String,
}

/// The server's counters; one per app, shared by its handlers. On the request path a request costs
/// a shared (read) lock on the requests family's map, an atomic add, and the histogram's own short
/// lock; a name seen for the first time takes the map's write lock once.
pub struct Metrics {
    /// What the request path updates; everything read at a scrape is added then (see [`scraped`]).
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    duration: Histogram,
    /// Requests answered from a compiled claim page (see `graphql::compiled`), not the executor.
    compiled_pages: Counter,
    /// Distinct operation names in `requests`, for the cap.
    operations: AtomicUsize,
    /// What the server loop counts (see `http::serve`); the binary hands these to it.
    pub connections: Arc<ConnectionCounters>,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::default();
        let errors = Family::default();
        let duration = Histogram::new(BUCKETS);
        let compiled_pages = Counter::default();
        // The registry adds `_total` to counters' names and a full stop to each help text.
        let mut registry = Registry::default();
        registry.register(
            "claimgraph_graphql_requests",
            "GraphQL requests by operation name and outcome",
            requests.clone(),
        );
        registry.register(
            "claimgraph_graphql_errors",
            "GraphQL errors by extensions.code",
            errors.clone(),
        );
        registry.register(
            "claimgraph_graphql_request_duration_seconds",
            "Time to answer a GraphQL request",
            duration.clone(),
        );
        registry.register(
            "claimgraph_graphql_compiled_pages",
            "GraphQL requests answered by a compiled query, without the executor",
            compiled_pages.clone(),
        );
        Metrics {
            registry,
            requests,
            errors,
            duration,
            compiled_pages,
            operations: AtomicUsize::new(0),
            connections: Arc::default(),
        }
    }
}

impl Metrics {
    /// Records that a request was answered from a compiled claim page.
    pub fn record_compiled_page(&self) {
        self.compiled_pages.inc();
    }

    /// Records one GraphQL request.
    pub fn record(&self, operation: Option<&str>, outcome: Outcome, error_codes: &[&str], elapsed: Duration) {
        let labels = RequestLabels {
            operation: sanitise(operation),
            outcome: outcome.label(),
        };
        // The usual case, a name and outcome counted before, takes only the map's read lock.
        match self.requests.get(&labels) {
            Some(counter) => {
                counter.inc();
            }
            None => {
                let labels = self.capped(labels);
                self.requests.get_or_create(&labels).inc();
            }
        }
        for code in error_codes {
            self.errors
                .get_or_create(&ErrorLabels {
                    code: (*code).to_owned(),
                })
                .inc();
        }
        self.duration.observe(elapsed.as_secs_f64());
    }

    /// `labels`, or `_other` in place of an operation name new past the cap. Two first requests of
    /// one name at the same moment may count it twice, which only makes the cap a little stricter.
    fn capped(&self, labels: RequestLabels) -> RequestLabels {
        let known = Outcome::ALL.iter().any(|outcome| {
            self.requests
                .get(&RequestLabels {
                    operation: labels.operation.clone(),
                    outcome: outcome.label(),
                })
                .is_some()
        });
        let admitted = known
            || self
                .operations
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    (n < MAX_OPERATIONS).then_some(n + 1)
                })
                .is_ok();
        if admitted {
            labels
        } else {
            RequestLabels {
                operation: "_other".to_owned(),
                ..labels
            }
        }
    }

    /// The text exposition: the request path's metrics, then what `scrape` read now.
    fn render(&self, scrape: &Scrape) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_text::encode(&mut out, &self.registry)?;
        prometheus_text::encode(&mut out, &scraped(scrape, &self.connections))?;
        Ok(out)
    }
}

/// The values a scrape reads from elsewhere: the engine, the readiness probe and the pool.
struct Scrape {
    validations_reused: u64,
    db_up: Option<bool>,
    /// (open, idle) connections of the pool.
    pool: (u32, usize),
}

/// A registry of the values read at this scrape, as constant metrics.
fn scraped(scrape: &Scrape, connections: &ConnectionCounters) -> Registry {
    let mut registry = Registry::default();
    registry.register(
        "claimgraph_graphql_validations_reused",
        "GraphQL requests that ran on the validation of an earlier request of the same document",
        ConstCounter::new(scrape.validations_reused),
    );
    registry.register(
        "claimgraph_db_up",
        "Whether the database answered a ping within the readiness timeout, asked for this scrape (1 yes, 0 no)",
        ConstGauge::new(u32::from(scrape.db_up == Some(true))),
    );
    let (size, idle) = scrape.pool;
    registry.register(
        "claimgraph_db_pool_connections",
        "Connections the pool holds, as the pool knows them: one the database or the network dropped counts until the pool next uses it (see claimgraph_db_up)",
        ConstGauge::new(size),
    );
    registry.register(
        "claimgraph_db_pool_idle_connections",
        "Held connections not lent out; not checked, so during an outage dead connections count here until used",
        ConstGauge::new(idle),
    );
    let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    registry.register(
        "claimgraph_http_connections_open",
        "HTTP connections being served",
        ConstGauge::new(read(&connections.open)),
    );
    for (name, help, counter) in [
        (
            "claimgraph_http_connections_refused",
            "Connections closed on arrival because the connection cap was reached",
            &connections.refused,
        ),
        (
            "claimgraph_http_header_timeouts",
            "Connections closed because a request's headers did not arrive in time",
            &connections.header_timeouts,
        ),
        (
            "claimgraph_http_body_timeouts",
            "Requests answered 408 because their body did not arrive in time",
            &connections.body_timeouts,
        ),
        (
            "claimgraph_http_idle_closed",
            "Kept-alive connections closed after waiting too long for a next request",
            &connections.idle_closed,
        ),
        (
            "claimgraph_http_write_timeouts",
            "Connections closed because their client did not take an answer in time",
            &connections.write_timeouts,
        ),
        (
            "claimgraph_http_accept_errors",
            "Failed accepts for want of a resource (descriptors, memory), each followed by a pause",
            &connections.accept_errors,
        ),
    ] {
        registry.register(name, help, ConstCounter::new(read(counter)));
    }
    registry
}

/// (open, idle) connections of the pool behind `db`.
fn pool_use(db: &DatabaseConnection) -> (u32, usize) {
    // Each accessor panics on the other backend: match first.
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        sea_orm::DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    }
}

/// An operation name as a label: letters, digits and `_`, at most 64 characters; `_anonymous` when
/// absent and `_invalid` when it holds anything else.
fn sanitise(operation: Option<&str>) -> String {
    match operation {
        None | Some("") => "_anonymous".to_owned(),
        Some(name) if name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            name.to_owned()
        }
        Some(_) => "_invalid".to_owned(),
    }
}

/// `GET /metrics`. The database is probed for each scrape (within the readiness timeout), so
/// `claimgraph_db_up` is never older than the scrape.
pub async fn metrics(State(state): State<AppState>) -> Response {
    state.probe.answers(&state.db).await;
    let scrape = Scrape {
        validations_reused: state.engine.validations_reused(),
        db_up: state.probe.last_answer(),
        pool: pool_use(&state.db),
    };
    match state.metrics.render(&scrape) {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)], text).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(metrics: &Metrics) -> String {
        let scrape = Scrape {
            validations_reused: 4,
            db_up: Some(true),
            pool: (2, 1),
        };
        metrics.render(&scrape).unwrap_or_default()
    }

    #[test]
    fn operation_labels_are_sanitised() {
        assert_eq!(sanitise(None), "_anonymous");
        assert_eq!(sanitise(Some("ClaimPage")), "ClaimPage");
        assert_eq!(sanitise(Some("bad\"} 1\nx")), "_invalid");
    }

    #[test]
    fn new_operation_names_fold_into_other_past_the_cap() {
        let metrics = Metrics::default();
        for i in 0..MAX_OPERATIONS + 5 {
            metrics.record(
                Some(&format!("Op{i}")),
                Outcome::Ok,
                &[],
                Duration::from_millis(1),
            );
        }
        // A known name keeps its label under another outcome.
        metrics.record(Some("Op0"), Outcome::Error, &[], Duration::ZERO);
        let text = rendered(&metrics);
        let series = text
            .lines()
            .filter(|l| l.starts_with("claimgraph_graphql_requests_total{"))
            .count();
        assert_eq!(series, MAX_OPERATIONS + 2, "{text}");
        for line in [
            "claimgraph_graphql_requests_total{operation=\"_other\",outcome=\"ok\"} 5",
            "claimgraph_graphql_requests_total{operation=\"Op0\",outcome=\"error\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn the_exposition_keeps_the_names_types_and_help_it_had() {
        let metrics = Metrics::default();
        metrics.record(
            Some("ClaimPage"),
            Outcome::Error,
            &["BAD_USER_INPUT"],
            Duration::from_millis(3),
        );
        metrics.record_compiled_page();
        let text = rendered(&metrics);
        for line in [
            "# HELP claimgraph_graphql_requests_total GraphQL requests by operation name and outcome.",
            "# TYPE claimgraph_graphql_requests_total counter",
            "claimgraph_graphql_requests_total{operation=\"ClaimPage\",outcome=\"error\"} 1",
            "# TYPE claimgraph_graphql_errors_total counter",
            "claimgraph_graphql_errors_total{code=\"BAD_USER_INPUT\"} 1",
            "# TYPE claimgraph_graphql_request_duration_seconds histogram",
            "claimgraph_graphql_request_duration_seconds_bucket{le=\"0.0025\"} 0",
            "claimgraph_graphql_request_duration_seconds_bucket{le=\"0.005\"} 1",
            "claimgraph_graphql_request_duration_seconds_bucket{le=\"10\"} 1",
            "claimgraph_graphql_request_duration_seconds_bucket{le=\"+Inf\"} 1",
            "claimgraph_graphql_request_duration_seconds_count 1",
            "claimgraph_graphql_compiled_pages_total 1",
            "claimgraph_graphql_validations_reused_total 4",
            "# TYPE claimgraph_db_up gauge",
            "claimgraph_db_up 1",
            "claimgraph_db_pool_connections 2",
            "claimgraph_db_pool_idle_connections 1",
            "claimgraph_http_connections_open 0",
            "# TYPE claimgraph_http_accept_errors_total counter",
            "claimgraph_http_accept_errors_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        assert!(!text.contains("_total_total") && !text.contains(".."), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
    }
}
