//! Liveness, readiness and metrics for load balancers and monitoring.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

/// `/healthz`, `/readyz` and `/metrics`.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// The process is alive and answering.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready to take applications: the database answers and the write queue
/// has room. A load balancer sends traffic elsewhere while this is 503.
async fn readyz(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let depth = state.queue.depth();
    let saturated = state.queue.is_saturated();
    let ping = tokio::time::timeout(Duration::from_secs(1), state.store.ping()).await;
    let database = matches!(ping, Ok(Ok(()))) && state.queue.database_up();
    let status = if database && !saturated { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = format!(
        "database: {}\nqueue: {depth}/{}{}\n",
        if database { "up" } else { "down" },
        state.queue.capacity(),
        if saturated { " (saturated)" } else { "" }
    );
    (status, body)
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    state.metrics.queue_depth.set(i64::try_from(state.queue.depth()).unwrap_or(i64::MAX));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
