//! `/metrics` in Prometheus' text format: GraphQL requests by operation and outcome, their latency,
//! errors by code, and the database pool's use.
//!
//! Operation names come from clients, so they are sanitised and capped: past [`MAX_OPERATIONS`]
//! distinct names, new ones are counted as `_other`, and the series count stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
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
    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
        }
    }
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, Outcome), u64>,
    errors: BTreeMap<String, u64>,
    latency: Histogram,
}

/// The server's counters; one per app, shared by its handlers.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
    /// Requests answered from a compiled claim page (see `graphql::compiled`), not the executor.
    compiled_pages: AtomicU64,
    /// What the server loop counts (see `http::serve`); the binary hands these to it.
    pub connections: Arc<ConnectionCounters>,
}

impl Metrics {
    /// Records that a request was answered from a compiled claim page.
    pub fn record_compiled_page(&self) {
        self.compiled_pages.fetch_add(1, Ordering::Relaxed);
    }

    /// Records one GraphQL request.
    pub fn record(&self, operation: Option<&str>, outcome: Outcome, error_codes: &[&str], elapsed: Duration) {
        let Ok(mut counters) = self.counters.lock() else {
            return;
        };
        let mut label = sanitise(operation);
        let known = counters.requests.keys().any(|(name, _)| *name == label);
        let distinct = counters
            .requests
            .keys()
            .map(|(name, _)| name)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if !known && distinct >= MAX_OPERATIONS {
            label = "_other".to_owned();
        }
        *counters.requests.entry((label, outcome)).or_default() += 1;
        for code in error_codes {
            *counters.errors.entry((*code).to_owned()).or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        let latency = &mut counters.latency;
        for (bucket, bound) in latency.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        latency.count += 1;
        latency.sum += seconds;
    }

    /// The text exposition, with the pool's gauges read now and the count of requests that ran on
    /// a validation found before.
    fn render(&self, db: &DatabaseConnection, validations_reused: u64, db_up: Option<bool>) -> String {
        let mut out = String::new();
        if let Ok(counters) = self.counters.lock() {
            out.push_str(
                "# HELP claimgraph_graphql_requests_total GraphQL requests by operation name and outcome.\n",
            );
            out.push_str("# TYPE claimgraph_graphql_requests_total counter\n");
            for ((operation, outcome), count) in &counters.requests {
                let _ = writeln!(
                    out,
                    "claimgraph_graphql_requests_total{{operation=\"{operation}\",outcome=\"{}\"}} {count}",
                    outcome.label()
                );
            }
            out.push_str("# HELP claimgraph_graphql_errors_total GraphQL errors by extensions.code.\n");
            out.push_str("# TYPE claimgraph_graphql_errors_total counter\n");
            for (code, count) in &counters.errors {
                let _ = writeln!(out, "claimgraph_graphql_errors_total{{code=\"{code}\"}} {count}");
            }
            out.push_str(
                "# HELP claimgraph_graphql_request_duration_seconds Time to answer a GraphQL request.\n",
            );
            out.push_str("# TYPE claimgraph_graphql_request_duration_seconds histogram\n");
            let latency = &counters.latency;
            for (bucket, bound) in latency.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "claimgraph_graphql_request_duration_seconds_bucket{{le=\"{bound}\"}} {bucket}"
                );
            }
            let _ = writeln!(
                out,
                "claimgraph_graphql_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
                latency.count
            );
            let _ = writeln!(
                out,
                "claimgraph_graphql_request_duration_seconds_sum {}",
                latency.sum
            );
            let _ = writeln!(
                out,
                "claimgraph_graphql_request_duration_seconds_count {}",
                latency.count
            );
        }
        out.push_str(
            "# HELP claimgraph_graphql_validations_reused_total GraphQL requests that ran on the validation of an earlier request of the same document.\n",
        );
        out.push_str("# TYPE claimgraph_graphql_validations_reused_total counter\n");
        let _ = writeln!(
            out,
            "claimgraph_graphql_validations_reused_total {validations_reused}"
        );
        out.push_str(
            "# HELP claimgraph_graphql_compiled_pages_total GraphQL requests answered from a compiled claim page, without the executor.\n",
        );
        out.push_str("# TYPE claimgraph_graphql_compiled_pages_total counter\n");
        let _ = writeln!(
            out,
            "claimgraph_graphql_compiled_pages_total {}",
            self.compiled_pages.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP claimgraph_db_up Whether the database answered a ping within the readiness timeout, asked for this scrape (1 yes, 0 no).\n",
        );
        out.push_str("# TYPE claimgraph_db_up gauge\n");
        let _ = writeln!(out, "claimgraph_db_up {}", u8::from(db_up == Some(true)));
        let (size, idle) = pool_use(db);
        out.push_str(
            "# HELP claimgraph_db_pool_connections Connections the pool holds, as the pool knows them: one the database or the network dropped counts until the pool next uses it (see claimgraph_db_up).\n",
        );
        out.push_str("# TYPE claimgraph_db_pool_connections gauge\n");
        let _ = writeln!(out, "claimgraph_db_pool_connections {size}");
        out.push_str(
            "# HELP claimgraph_db_pool_idle_connections Held connections not lent out; not checked, so during an outage dead connections count here until used.\n",
        );
        out.push_str("# TYPE claimgraph_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "claimgraph_db_pool_idle_connections {idle}");
        self.render_connections(&mut out);
        out
    }

    /// The server loop's connection gauges and counters.
    fn render_connections(&self, out: &mut String) {
        let c = &self.connections;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        out.push_str("# HELP claimgraph_http_connections_open HTTP connections being served.\n");
        out.push_str("# TYPE claimgraph_http_connections_open gauge\n");
        let _ = writeln!(out, "claimgraph_http_connections_open {}", read(&c.open));
        for (name, help, counter) in [
            (
                "claimgraph_http_connections_refused_total",
                "Connections closed on arrival because the connection cap was reached.",
                &c.refused,
            ),
            (
                "claimgraph_http_header_timeouts_total",
                "Connections closed because a request's headers did not arrive in time.",
                &c.header_timeouts,
            ),
            (
                "claimgraph_http_body_timeouts_total",
                "Requests answered 408 because their body did not arrive in time.",
                &c.body_timeouts,
            ),
            (
                "claimgraph_http_idle_closed_total",
                "Kept-alive connections closed after waiting too long for a next request.",
                &c.idle_closed,
            ),
            (
                "claimgraph_http_write_timeouts_total",
                "Connections closed because their client did not take an answer in time.",
                &c.write_timeouts,
            ),
            (
                "claimgraph_http_accept_errors_total",
                "Failed accepts for want of a resource (descriptors, memory), each followed by a pause.",
                &c.accept_errors,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", read(counter));
        }
    }
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
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(
            &state.db,
            state.engine.validations_reused(),
            state.probe.last_answer(),
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let counters = metrics
            .counters
            .lock()
            .map(|c| c.requests.len())
            .unwrap_or_default();
        assert_eq!(counters, MAX_OPERATIONS + 1);
    }
}
