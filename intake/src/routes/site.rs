//! The answer pages' stylesheet and, for local runs, the baked static site.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

use crate::app::AppState;

/// The stylesheet shared with the static site.
pub const STYLESHEET: &str = include_str!("../../../templates/site/style.css");

/// Where intake serves [`STYLESHEET`] for its answer pages.
pub const STYLESHEET_PATH: &str = "/api/v1/style.css";

/// The stylesheet route.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(STYLESHEET_PATH, get(stylesheet))
}

async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], STYLESHEET)
}

/// Serves `dir` as a CDN would: hashed assets cached for a year, pages for
/// five minutes, `404.html` for unknown paths.
pub fn static_site(dir: &Path) -> Router<Arc<AppState>> {
    let serve = ServeDir::new(dir).not_found_service(ServeFile::new(dir.join("404.html")));
    Router::new().fallback_service(serve).layer(middleware::from_fn(cache_headers))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let policy = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}
