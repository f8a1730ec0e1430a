//! What the benchmark's database rows share (`page_reads`, `search_reads`): each task's tally of
//! requests, and the one RESULT line `tests/bench/run` parses.

use std::time::{Duration, Instant};

/// One task's count of requests, its failures and each request's time in microseconds.
#[derive(Default)]
pub struct Tally {
    pub pages: u64,
    pub errors: u64,
    pub micros: Vec<u32>,
}

impl Tally {
    /// Counts one request that took `elapsed` and succeeded or not.
    pub fn record(&mut self, ok: bool, elapsed: Duration) {
        if ok {
            self.pages += 1;
        } else {
            self.errors += 1;
        }
        self.micros
            .push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
    }

    /// Adds another task's tally to this one.
    pub fn add(&mut self, other: Tally) {
        self.pages += other.pages;
        self.errors += other.errors;
        self.micros.extend(other.micros);
    }

    /// The RESULT line of all the tasks' tallies, the run having started at `started`:
    /// `RESULT pages=P duration_s=S rps=R p50_us=A p99_us=B errors=E`.
    pub fn result_line(mut self, started: Instant) -> String {
        let elapsed = started.elapsed().as_secs_f64();
        self.micros.sort_unstable();
        let percentile = |p: f64| {
            let at = ((self.micros.len() as f64 * p) as usize).min(self.micros.len().saturating_sub(1));
            self.micros.get(at).copied().unwrap_or(0)
        };
        format!(
            "RESULT pages={} duration_s={elapsed:.3} rps={:.1} p50_us={} p99_us={} errors={}",
            self.pages,
            self.pages as f64 / elapsed,
            percentile(0.5),
            percentile(0.99),
            self.errors
        )
    }
}
