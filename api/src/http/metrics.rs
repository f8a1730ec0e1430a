//! `/metrics` in Prometheus' text format: GraphQL requests by operation and outcome, their latency,
//! errors by code, and the database pool's use.
//!
//! Operation names come from clients, so they are sanitised and capped: past [`MAX_OPERATIONS`]
//! distinct names, new ones are counted as `_other`, and the series count stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;

use super::AppState;

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
    fn render(&self, db: &DatabaseConnection, validations_reused: u64) -> String {
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
        let (size, idle) = pool_use(db);
        out.push_str("# HELP claimgraph_db_pool_connections Open database connections in the pool.\n");
        out.push_str("# TYPE claimgraph_db_pool_connections gauge\n");
        let _ = writeln!(out, "claimgraph_db_pool_connections {size}");
        out.push_str("# HELP claimgraph_db_pool_idle_connections Open connections not in use.\n");
        out.push_str("# TYPE claimgraph_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "claimgraph_db_pool_idle_connections {idle}");
        out
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

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state
            .metrics
            .render(&state.db, state.documents.validations_reused()),
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
