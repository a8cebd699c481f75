//! What every handler and layer shares: the foundation the routes, the
//! admission layer and the wiring in `app` all stand on.

use std::sync::Arc;
use std::time::Duration;

use campaign::Catalogue;
use tokio::sync::Semaphore;

use crate::answer::PageSettings;
use crate::clock::SharedClock;
use crate::metrics::Metrics;
use crate::refusals::Refusals;
use crate::writer::WriteQueue;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    /// The campaign and its centres.
    pub catalogue: Arc<Catalogue>,
    /// The group-commit queue.
    pub queue: WriteQueue,
    /// The one source of "now".
    pub clock: SharedClock,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Submissions refused with 503, for the metrics and the log.
    pub refusals: Refusals,
    /// Answer page settings.
    pub settings: PageSettings,
    /// Submission slots: one is held from the moment a body is in until
    /// the submission is answered.
    pub in_flight: Arc<Semaphore>,
    /// How many slots there are.
    pub max_in_flight: usize,
    /// Largest body.
    pub body_limit: usize,
    /// Time allowed to send the body.
    pub body_timeout: Duration,
    /// Time a submission waits for its commit.
    pub commit_timeout: Duration,
}
