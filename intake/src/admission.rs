//! Admission: how many submissions intake works on at once, and the
//! cheapest answer it can give the rest.
//!
//! A submission beyond `--max-in-flight`, or one arriving while the write
//! queue is nearly full, is refused here, in front of the timeout layer,
//! the request body and the per-request middleware (axum applies router
//! layers once the route is matched, a table lookup), with the 503 rendered
//! at start-up. Under a flood most requests are refused, so a refusal has to
//! cost well under what serving one does: otherwise refusing becomes the
//! overload, and accepted and refused requests alike queue for the CPU.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use pin_project_lite::pin_project;
use tokio::sync::OwnedSemaphorePermit;
use tower::{Layer, Service};

use crate::answer::Answer;
use crate::app::{AppState, finish};
use crate::error::ApiError;
use crate::routes::applications::{self, requested};
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
        if request.method() != Method::POST || request.uri().path() != applications::PATH {
            return Admitted::Inner { future: self.inner.call(request), _permit: None };
        }
        match admit(&self.state) {
            Some(permit) => Admitted::Inner { future: self.inner.call(request), _permit: Some(permit) },
            None => Admitted::Refused { response: Some(refuse(&self.state, &request)) },
        }
    }
}

/// A slot for one submission, or none: the queue is nearly full (the
/// writers are behind, so this one would most likely find it full after
/// being read and parsed), or every slot is taken.
fn admit(state: &AppState) -> Option<OwnedSemaphorePermit> {
    if state.queue.is_saturated() {
        return None;
    }
    state.in_flight.clone().try_acquire_owned().ok()
}

/// The 503 for a submission refused at the door, in the language and
/// format the request asks for, counted like every other answer.
fn refuse(state: &AppState, request: &Request) -> Response {
    let (lang, format) = requested(request.uri(), request.headers());
    let error = ApiError::Unavailable(Unavailable::QueueFull);
    state.refusals.note(&error, &state.metrics);
    let answer =
        Answer { format: format.unwrap_or(Format::Json), lang, catalogue: &state.catalogue, settings: &state.settings };
    let mut response = answer.error(&error);
    finish(state, applications::PATH, &mut response);
    response
}

pin_project! {
    /// The router's answer, holding the submission's slot until it is
    /// given; or the refusal.
    // pin_project_lite takes no documentation on variant fields.
    #[allow(missing_docs)]
    #[project = AdmittedProjection]
    pub enum Admitted<F> {
        /// Passed on to the router.
        Inner {
            // The router's answer.
            #[pin]
            future: F,
            // The slot, for a submission.
            _permit: Option<OwnedSemaphorePermit>,
        },
        /// Refused at the door.
        Refused {
            // The 503, until it is taken.
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
            AdmittedProjection::Inner { future, .. } => future.poll(cx),
            // Taken once; a future is not polled again after it is ready.
            AdmittedProjection::Refused { response } => response.take().map_or(Poll::Pending, |r| Poll::Ready(Ok(r))),
        }
    }
}
