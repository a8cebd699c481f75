//! Prometheus metrics: what the operations team watches on opening day.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Metric, Registry};

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
        let r = &mut registry;
        let metrics = Metrics {
            requests: registered(r, "http_requests", "HTTP requests by route and status", Family::default()),
            accepted: registered(r, "applications_accepted", "Applications newly committed", Counter::default()),
            queue_depth: registered(r, "queue_depth", "Applications waiting for the writer", Gauge::default()),
            submissions_in_flight: registered(
                r,
                "submissions_in_flight",
                "Submission slots in use: bodies read, not yet answered",
                Gauge::default(),
            ),
            batch_size: registered(
                r,
                "batch_size",
                "Applications per committed batch",
                Histogram::new(exponential_buckets(1.0, 2.0, 12)),
            ),
            commit_seconds: registered(
                r,
                "commit_seconds",
                "Seconds to write and commit one batch",
                Histogram::new(exponential_buckets(0.000_25, 2.0, 14)),
            ),
            queue_wait_seconds: registered(
                r,
                "queue_wait_seconds",
                "Seconds an application waited in the queue for a writer",
                Histogram::new(exponential_buckets(0.000_25, 2.0, 14)),
            ),
            shed: registered(
                r,
                "shed",
                "Submissions refused with 503, by the limit that refused them",
                Family::default(),
            ),
            write_failures: registered(r, "write_failures", "Batches that failed to commit", Counter::default()),
            database_up: registered(r, "database_up", "1 while the database is reachable", Gauge::default()),
            connections_open: registered(
                r,
                "connections_open",
                "Connections open on the public listener",
                Gauge::default(),
            ),
            connections_idle: registered(
                r,
                "connections_idle",
                "Open connections with no request in progress",
                Gauge::default(),
            ),
            connections_closed: registered(
                r,
                "connections_closed",
                "Connections closed by the server, by reason (idle, header_timeout, evicted, cap, shutdown)",
                Family::default(),
            ),
            accept_errors: registered(r, "accept_errors", "Connections that could not be accepted", Counter::default()),
            registry,
        };
        metrics.database_up.set(1);
        metrics
    }
}

/// `metric`, once registered: the registry keeps a handle to the same value.
fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
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
