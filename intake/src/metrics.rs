//! Prometheus metrics: what the operations team watches on opening day.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of the request counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route template, e.g. `/api/v1/applications`, or `other`.
    pub route: &'static str,
    /// The HTTP status answered.
    pub status: u16,
}

/// Every metric intake exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests by route and status.
    pub requests: Family<RequestLabels, Counter>,
    /// Applications newly committed.
    pub accepted: Counter,
    /// Applications waiting for the writer.
    pub queue_depth: Gauge,
    /// Applications per committed batch.
    pub batch_size: Histogram,
    /// Seconds from the start of a batch's transaction to its commit.
    pub commit_seconds: Histogram,
    /// Seconds an application waited in the queue before a writer took it.
    pub queue_wait_seconds: Histogram,
    /// Submissions refused with 503: no slot free, queue full, commit too slow,
    /// database down or shutting down (counted by [`crate::refusals::Refusals`]).
    pub shed: Counter,
    /// Batches that failed to commit.
    pub write_failures: Counter,
    /// 1 while the database is reachable, 0 while the writer waits for it.
    pub database_up: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("intake");
        let requests = Family::<RequestLabels, Counter>::default();
        let accepted = Counter::default();
        let queue_depth = Gauge::default();
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        let commit_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 14));
        let queue_wait_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 14));
        let shed = Counter::default();
        let write_failures = Counter::default();
        let database_up = Gauge::default();
        database_up.set(1);
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register("applications_accepted", "Applications newly committed", accepted.clone());
        registry.register("queue_depth", "Applications waiting for the writer", queue_depth.clone());
        registry.register("batch_size", "Applications per committed batch", batch_size.clone());
        registry.register("commit_seconds", "Seconds to write and commit one batch", commit_seconds.clone());
        registry.register(
            "queue_wait_seconds",
            "Seconds an application waited in the queue for a writer",
            queue_wait_seconds.clone(),
        );
        registry.register("shed", "Submissions refused with 503 (busy, database down or shutting down)", shed.clone());
        registry.register("write_failures", "Batches that failed to commit", write_failures.clone());
        registry.register("database_up", "1 while the database is reachable", database_up.clone());
        Metrics {
            registry,
            requests,
            accepted,
            queue_depth,
            batch_size,
            commit_seconds,
            queue_wait_seconds,
            shed,
            write_failures,
            database_up,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
