//! Liveness and readiness for load balancers; metrics for monitoring.
//!
//! The public listener answers `/healthz` and `/readyz` (load balancers
//! need them); `/metrics` is only on the admin listener, since live counts
//! of what is accepted and refused are feedback for an attacker.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

/// `/healthz` and `/readyz`, for the public listener.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// `/healthz`, `/readyz` and `/metrics`, for the admin listener.
pub fn admin_router() -> Router<Arc<AppState>> {
    router().route("/metrics", get(metrics))
}

/// The process is alive and answering.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready to take applications: the writers reach the database and the
/// write queue has room. A load balancer sends traffic elsewhere while this
/// is 503. It reads what the writers already know (each failed commit marks
/// the database down until a probe succeeds), so a flood of readiness
/// checks costs no database round trip.
async fn readyz(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let depth = state.queue.depth();
    let saturated = state.queue.is_saturated();
    let database = state.queue.database_up();
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
    let free = state.in_flight.available_permits();
    state.metrics.submissions_in_flight.set(i64::try_from(state.max_in_flight.saturating_sub(free)).unwrap_or(0));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
