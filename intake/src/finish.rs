//! What every answer gets before it leaves, whichever layer gave it (the
//! handlers, the door's refusals, the CORS preflight, the static site):
//! counted by route and status, the security headers API.md promises, and
//! `no-store` on an API answer that says nothing of caching.
//!
//! The outermost layer, written by hand rather than with `from_fn` (which
//! boxes a future per request): under a flood most answers are refusals, and
//! each must cost as little as it can.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::metrics::{Metrics, RequestLabels};
use crate::paths;

/// Headers every response carries. The CSP allows nothing from elsewhere and
/// no inline code, which also covers the static site when intake serves it.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    ),
    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    // The form's "nearest to me" may ask for the location (it stays in the page); no embedded frame may.
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(self), interest-cohort=()"),
    ),
];

/// Routes counted under their own name in the request metrics; anything
/// else (the static site, unknown paths) is counted as `other`.
const COUNTED_ROUTES: [&str; 11] = [
    paths::APPLICATIONS,
    paths::APPLICATION,
    paths::WITHDRAW,
    paths::CHANGE,
    paths::WITHDRAWAL,
    paths::DECLINE,
    paths::DECLINING,
    paths::STYLESHEET,
    "/healthz",
    "/readyz",
    "/metrics",
];

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct FinishLayer {
    metrics: Arc<Metrics>,
}

impl FinishLayer {
    /// Counting into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> FinishLayer {
        FinishLayer { metrics }
    }
}

impl<S> Layer<S> for FinishLayer {
    type Service = Finish<S>;

    fn layer(&self, inner: S) -> Finish<S> {
        Finish { inner, metrics: self.metrics.clone() }
    }
}

/// See [`FinishLayer`].
#[derive(Debug, Clone)]
pub struct Finish<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Finish<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Finishing<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let matched = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
        let route = COUNTED_ROUTES.into_iter().find(|r| Some(*r) == matched).unwrap_or("other");
        Finishing { inner: self.inner.call(request), route, metrics: self.metrics.clone() }
    }
}

pin_project! {
    /// The inner answer, finished when it is ready.
    pub struct Finishing<F> {
        #[pin]
        inner: F,
        route: &'static str,
        metrics: Arc<Metrics>,
    }
}

impl<F> Future for Finishing<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Poll::Ready(Ok(mut response)) = this.inner.poll(cx) else { return Poll::Pending };
        finish(this.metrics, this.route, &mut response);
        Poll::Ready(Ok(response))
    }
}

fn finish(metrics: &Metrics, route: &'static str, response: &mut Response) {
    let status = response.status().as_u16();
    metrics.requests.get_or_create(&RequestLabels { route, status }).inc();
    let headers = response.headers_mut();
    for (name, value) in &SECURITY_HEADERS {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    if route.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
