//! The sender's listener for delivery reports: Kannel calls
//! `GET /dlr?id=ID&attempt=N&status=CODE&answer=TEXT` for each state
//! change of each message. Each is stored before the answer, so a 200
//! means it is kept; anything else makes Kannel call again later.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use store::{DeliveryReport, DeliveryStatus, ReportOutcome, Store};
use tokio::sync::{mpsc, oneshot, watch};

use super::batch::next_batch;

/// A report as Kannel sends it.
#[derive(Debug, Deserialize)]
struct RawReport {
    id: i64,
    attempt: u32,
    status: i64,
    #[serde(default)]
    answer: String,
}

/// One report on its way to the writer, and where its outcome goes.
type Pending = (DeliveryReport, oneshot::Sender<Option<ReportOutcome>>);

/// The most reports stored in one transaction.
const BATCH: usize = 500;

/// Stores reports as they come, many to a transaction when many come at
/// once (one commit each would cap how fast Kannel can call back).
async fn write_reports(store: Store, mut received: mpsc::UnboundedReceiver<Pending>) {
    while let Some(batch) = next_batch(&mut received, BATCH).await {
        let (reports, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        match store.record_delivery_reports(reports).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Some(outcome));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "delivery reports could not be stored; the gateway will call again");
                for reply in replies {
                    let _ = reply.send(None);
                }
            }
        }
    }
}

async fn receive(
    State(writer): State<mpsc::UnboundedSender<Pending>>,
    Query(raw): Query<RawReport>,
) -> (StatusCode, &'static str) {
    let Some(status) = DeliveryStatus::from_code(raw.status) else {
        return (StatusCode::BAD_REQUEST, "unknown status");
    };
    let report = DeliveryReport {
        outbox_id: raw.id,
        attempt: raw.attempt,
        status,
        answer: raw.answer,
        received_at: time::OffsetDateTime::now_utc(),
    };
    let (reply, outcome) = oneshot::channel();
    if writer.send((report, reply)).is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping");
    }
    match outcome.await {
        Ok(Some(ReportOutcome::Recorded(_))) => (StatusCode::OK, "stored"),
        // Not ours (another database, or a message since removed): say so
        // once rather than have Kannel call for ever.
        Ok(Some(ReportOutcome::UnknownMessage)) => (StatusCode::NOT_FOUND, "no such message"),
        Ok(None) | Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "not stored"),
    }
}

/// The listener, serving until `stop` turns true.
pub struct ReportListener {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: watch::Sender<bool>,
}

impl ReportListener {
    /// Binds `listen` and serves reports into `store`.
    pub async fn start(listen: SocketAddr, store: Store) -> anyhow::Result<ReportListener> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for delivery reports on {listen}: {e}"))?;
        let addr = listener.local_addr()?;
        // Unbounded: how many come at once is bounded by smsbox
        // (`max-pending-requests`).
        let (writer, received) = mpsc::unbounded_channel();
        let writing = tokio::spawn(write_reports(store, received));
        let app = Router::new().route("/dlr", get(receive)).with_state(writer);
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
            // The router, and with it the writer's last sender, is gone:
            // the writer ends once what it was given is stored.
            let _ = writing.await;
            served
        });
        Ok(ReportListener { addr, task, stop })
    }

    /// Stops listening once the reports being stored are answered.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
