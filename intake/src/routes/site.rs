//! The answer pages' stylesheet and, for local runs, the baked static site.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::paths;
use crate::state::AppState;

/// The stylesheet shared with the static site.
pub const STYLESHEET: &str = include_str!("../../../templates/site/style.css");

/// The stylesheet route, at [`paths::STYLESHEET`] for the answer pages.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(paths::STYLESHEET, get(stylesheet))
}

async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], STYLESHEET)
}

/// Serves `dir` as a CDN would: hashed assets cached for a year, pages for
/// five minutes, `404.html` for unknown paths. Nothing outside the folder
/// and no dot-file is ever served, and a redirect never leaves the origin.
pub fn static_site(dir: &Path) -> anyhow::Result<Router<Arc<AppState>>> {
    let root = dir.canonicalize().with_context(|| format!("--site {} cannot be read", dir.display()))?;
    let not_found = ServeFile::new(root.join("404.html"));
    let serve = ServeDir::new(&root).not_found_service(not_found.clone());
    let guard = SiteGuard { root: Arc::new(root), not_found };
    Ok(Router::new()
        .fallback_service(serve)
        .layer(middleware::from_fn(cache_headers))
        .layer(middleware::from_fn_with_state(guard, refuse_outside_the_site)))
}

#[derive(Clone)]
struct SiteGuard {
    root: Arc<PathBuf>,
    not_found: ServeFile,
}

/// 404 for a dot-file, a path that a browser could read as another origin
/// (`//host`, a backslash), or one that leads, through a symlink, out of
/// the site's folder.
async fn refuse_outside_the_site(State(guard): State<SiteGuard>, request: Request, next: Next) -> Response {
    let raw = request.uri().path();
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let hidden = decoded.split('/').any(|segment| segment.starts_with('.'));
    let foreign = decoded.contains("//") || decoded.contains('\\');
    if hidden || foreign || !inside(&guard.root, &decoded).await {
        let mut response = guard.not_found.clone().oneshot(Request::new(Body::empty())).await.into_response();
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    next.run(request).await
}

/// Whether what `path` names (a directory's `index.html` included) stays
/// inside `root` once every symlink is followed. A path that names nothing
/// is left to the file server's own 404.
async fn inside(root: &Path, path: &str) -> bool {
    let target = root.join(path.trim_start_matches('/'));
    let Ok(resolved) = tokio::fs::canonicalize(&target).await else { return true };
    if !resolved.starts_with(root) {
        return false;
    }
    match tokio::fs::canonicalize(resolved.join("index.html")).await {
        Ok(index) => index.starts_with(root),
        Err(_) => true,
    }
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let policy = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}
