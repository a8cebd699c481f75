//! The door: the checks a submission must pass before intake reads its
//! body, each answered at once with an answer rendered at start-up.
//!
//! - A declared body over `--body-limit` gets 413 before a byte of it is
//!   read, so a client that sent `Expect: 100-continue` is never invited to
//!   send it.
//! - While the write queue is nearly full, or every submission slot is
//!   taken, 503 with Retry-After.
//!
//! The door takes no slot. A submission takes one only once its whole body
//! has arrived (`crate::routes::applications`): a client that is merely
//! slow costs a socket and a few kilobytes, and cannot keep anyone else
//! out. Under a flood most requests are refused here, so a refusal must cost
//! well under what serving one does, or refusing becomes the overload: this
//! layer sits in front of the timeout layer, the body and the handler.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::answer::Answer;
use crate::error::ApiError;
use crate::language::requested;
use crate::paths;
use crate::state::AppState;
use crate::submission::Format;
use crate::writer::Unavailable;

/// Applied to the router's routes, in front of their other layers: see the
/// module documentation.
#[derive(Debug, Clone)]
pub struct AdmissionLayer {
    state: Arc<AppState>,
}

impl AdmissionLayer {
    /// Admission by the limits in `state`.
    pub fn new(state: Arc<AppState>) -> AdmissionLayer {
        AdmissionLayer { state }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = Admission<S>;

    fn layer(&self, inner: S) -> Admission<S> {
        Admission { inner, state: self.state.clone() }
    }
}

/// See [`AdmissionLayer`].
#[derive(Debug, Clone)]
pub struct Admission<S> {
    inner: S,
    state: Arc<AppState>,
}

impl<S> Service<Request> for Admission<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Admitted<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() != Method::POST || !paths::is_submission(request.uri().path()) {
            return Admitted::Inner { future: self.inner.call(request) };
        }
        match refusal(&self.state, &request) {
            None => Admitted::Inner { future: self.inner.call(request) },
            Some(error) => Admitted::Refused { response: Some(refuse(&self.state, &request, &error)) },
        }
    }
}

/// Why a submission is refused before its body is read, if it is.
fn refusal(state: &AppState, request: &Request) -> Option<ApiError> {
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > state.body_limit as u64) {
        return Some(ApiError::TooLarge);
    }
    if state.queue.is_saturated() {
        return Some(ApiError::Unavailable(Unavailable::QueueFull));
    }
    // Slots are held only by submissions whose body is in: while none is
    // free, the writers are behind and this one would wait with them.
    if state.in_flight.available_permits() == 0 {
        return Some(ApiError::Unavailable(Unavailable::NoSlot));
    }
    None
}

/// The answer for a submission refused at the door, in the language and
/// format the request asks for.
fn refuse(state: &AppState, request: &Request, error: &ApiError) -> Response {
    let (lang, format) = requested(request.uri(), request.headers());
    if error.status().is_server_error() {
        state.refusals.note(error, &state.metrics);
    }
    Answer { format: format.unwrap_or(Format::Json), lang, catalogue: &state.catalogue, settings: &state.settings }
        .error(error)
}

pin_project! {
    /// The router's answer, or the door's.
    // pin_project_lite takes no documentation on variant fields.
    #[allow(missing_docs)]
    #[project = AdmittedProjection]
    pub enum Admitted<F> {
        /// Passed on to the router.
        Inner {
            // The router's answer.
            #[pin]
            future: F,
        },
        /// Refused at the door.
        Refused {
            // The answer, until it is taken.
            response: Option<Response>,
        },
    }
}

impl<F> Future for Admitted<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AdmittedProjection::Inner { future } => future.poll(cx),
            // Taken once; a future is not polled again after it is ready.
            AdmittedProjection::Refused { response } => response.take().map_or(Poll::Pending, |r| Poll::Ready(Ok(r))),
        }
    }
}
