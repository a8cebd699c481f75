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

/// Labels of the refusal counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ShedLabels {
    /// Which limit refused it: see `crate::writer::Unavailable::cause`.
    pub cause: &'static str,
}

/// Labels of the closed-connection counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConnectionLabels {
    /// `idle`, `header_timeout`, `evicted` (closed to make room at the
    /// cap), `cap` (turned away: at the cap and none idle) or `shutdown`.
    pub reason: &'static str,
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
    /// Submission slots in use (`--max-in-flight`): bodies in, not yet answered.
    pub submissions_in_flight: Gauge,
    /// Applications per committed batch.
    pub batch_size: Histogram,
    /// Seconds from the start of a batch's transaction to its commit.
    pub commit_seconds: Histogram,
    /// Seconds an application waited in the queue before a writer took it.
    pub queue_wait_seconds: Histogram,
    /// Submissions refused with 503, by cause (counted by [`crate::refusals::Refusals`]).
    pub shed: Family<ShedLabels, Counter>,
    /// Batches that failed to commit.
    pub write_failures: Counter,
    /// 1 while the database is reachable, 0 while the writer waits for it.
    pub database_up: Gauge,
    /// Connections open on the public listener.
    pub connections_open: Gauge,
    /// Of those, connections with no request in progress.
    pub connections_idle: Gauge,
    /// Connections the server closed, by reason (clients' own closes are not counted).
    pub connections_closed: Family<ConnectionLabels, Counter>,
    /// Failed accepts: the process is out of file descriptors, most likely.
    pub accept_errors: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("intake");
        let requests = Family::<RequestLabels, Counter>::default();
        let accepted = Counter::default();
        let queue_depth = Gauge::default();
        let submissions_in_flight = Gauge::default();
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        let commit_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 14));
        let queue_wait_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 14));
        let shed = Family::<ShedLabels, Counter>::default();
        let write_failures = Counter::default();
        let database_up = Gauge::default();
        database_up.set(1);
        let connections_open = Gauge::default();
        let connections_idle = Gauge::default();
        let connections_closed = Family::<ConnectionLabels, Counter>::default();
        let accept_errors = Counter::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register("applications_accepted", "Applications newly committed", accepted.clone());
        registry.register("queue_depth", "Applications waiting for the writer", queue_depth.clone());
        registry.register(
            "submissions_in_flight",
            "Submission slots in use: bodies read, not yet answered",
            submissions_in_flight.clone(),
        );
        registry.register("batch_size", "Applications per committed batch", batch_size.clone());
        registry.register("commit_seconds", "Seconds to write and commit one batch", commit_seconds.clone());
        registry.register(
            "queue_wait_seconds",
            "Seconds an application waited in the queue for a writer",
            queue_wait_seconds.clone(),
        );
        registry.register("shed", "Submissions refused with 503, by the limit that refused them", shed.clone());
        registry.register("write_failures", "Batches that failed to commit", write_failures.clone());
        registry.register("database_up", "1 while the database is reachable", database_up.clone());
        registry.register("connections_open", "Connections open on the public listener", connections_open.clone());
        registry.register("connections_idle", "Open connections with no request in progress", connections_idle.clone());
        registry.register(
            "connections_closed",
            "Connections closed by the server, by reason (idle, header_timeout, evicted, cap, shutdown)",
            connections_closed.clone(),
        );
        registry.register("accept_errors", "Connections that could not be accepted", accept_errors.clone());
        Metrics {
            registry,
            requests,
            accepted,
            queue_depth,
            submissions_in_flight,
            batch_size,
            commit_seconds,
            queue_wait_seconds,
            shed,
            write_failures,
            database_up,
            connections_open,
            connections_idle,
            connections_closed,
            accept_errors,
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
