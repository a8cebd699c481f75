//! A log line at most once a second, saying how many times something
//! happened since the last one. A flood refuses thousands of requests or
//! connections a second: a line for each would cost more CPU than the
//! refusal itself and slow every other answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// See the module documentation.
#[derive(Debug, Default)]
pub struct ThrottledLog {
    /// The second (Unix time) of the last line.
    logged_second: AtomicU64,
    /// Events since the last line.
    since_logged: AtomicU64,
}

impl ThrottledLog {
    /// Counts one event, and calls `log` with the count since the last line
    /// if no line went out this second.
    pub fn note(&self, log: impl FnOnce(u64)) {
        self.since_logged.fetch_add(1, Ordering::Relaxed);
        let second = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let last = self.logged_second.load(Ordering::Relaxed);
        if second != last
            && self.logged_second.compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            log(self.since_logged.swap(0, Ordering::Relaxed));
        }
    }
}
