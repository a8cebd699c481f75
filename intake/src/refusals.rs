//! Counting and logging the submissions refused with 503.
//!
//! A flood refuses thousands a second. A log line each would cost more CPU
//! than the refusal itself and slow every other answer (measured: a line per
//! refusal made refusing cost about twice what accepting does in the bare
//! stack), so refusals are counted in the metrics and logged at most once a
//! second, with how many there were.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::ApiError;
use crate::metrics::Metrics;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Refusals {
    /// The second (Unix time) of the last log line.
    logged_second: AtomicU64,
    /// Refusals since the last log line.
    since_logged: AtomicU64,
}

impl Refusals {
    /// Counts one refusal, and logs if no line went out this second.
    pub fn note(&self, error: &ApiError, metrics: &Metrics) {
        metrics.shed.inc();
        self.since_logged.fetch_add(1, Ordering::Relaxed);
        let second = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let last = self.logged_second.load(Ordering::Relaxed);
        if second != last
            && self.logged_second.compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            let refused = self.since_logged.swap(0, Ordering::Relaxed);
            tracing::warn!(%error, refused, "refusing submissions with 503 (count since the last such line)");
        }
    }
}
