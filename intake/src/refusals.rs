//! Counting and logging the submissions refused with 503, by cause: the
//! operator must see which limit was hit, not a guess.

use crate::error::ApiError;
use crate::metrics::{Metrics, ShedLabels};
use crate::throttled_log::ThrottledLog;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Refusals {
    log: ThrottledLog,
}

impl Refusals {
    /// Counts one refusal under its cause, and logs if no line went out this second.
    pub fn note(&self, error: &ApiError, metrics: &Metrics) {
        let cause = match error {
            ApiError::Unavailable(unavailable) => unavailable.cause(),
            _ => "other",
        };
        metrics.shed.get_or_create(&ShedLabels { cause }).inc();
        self.log.note(|refused| {
            tracing::warn!(%error, cause, refused, "refusing submissions with 503 (count since the last such line)");
        });
    }
}
