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
use tokio::sync::watch;

/// A report as Kannel sends it.
#[derive(Debug, Deserialize)]
struct RawReport {
    id: i64,
    attempt: u32,
    status: i64,
    #[serde(default)]
    answer: String,
}

async fn receive(State(store): State<Store>, Query(raw): Query<RawReport>) -> (StatusCode, &'static str) {
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
    match store.record_delivery_report(report).await {
        Ok(ReportOutcome::Recorded(_)) => (StatusCode::OK, "stored"),
        // Not ours (another database, or a message since removed): say so
        // once rather than have Kannel call for ever.
        Ok(ReportOutcome::UnknownMessage) => (StatusCode::NOT_FOUND, "no such message"),
        Err(e) => {
            tracing::warn!(error = %e, id = raw.id, "a delivery report could not be stored; the gateway will call again");
            (StatusCode::SERVICE_UNAVAILABLE, "not stored")
        }
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
        let app = Router::new().route("/dlr", get(receive)).with_state(store);
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        });
        Ok(ReportListener { addr, task, stop })
    }

    /// Stops listening once the reports being stored are answered.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
