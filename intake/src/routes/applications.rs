//! `POST /api/v1/applications`: validate, queue for group commit, answer.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::post;
use campaign::application::MobilePhone;
use campaign::{Application, Lang, RegistrationStatus};
use http_body_util::BodyExt;
use store::ApplicationRow;

use crate::answer::Answer;
use crate::error::ApiError;
use crate::language::requested;
use crate::paths;
use crate::state::AppState;
use crate::submission::{self, Format};
use crate::writer::{Stored, Unavailable};
use campaign::reference;

/// The submission route.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(paths::APPLICATIONS, post(submit))
}

// The whole request rather than `Uri` and `HeaderMap` extractors, which
// would copy both.
async fn submit(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Until the body says otherwise.
    let (mut lang, format) = requested(&parts.uri, &parts.headers);
    let answer = |format, lang| Answer { format, lang, catalogue: &state.catalogue, settings: &state.settings };
    let Some(format) = format else {
        return answer(Format::Json, lang).error(&ApiError::UnsupportedMediaType);
    };
    match accept(&state, format, body, &mut lang).await {
        Ok((Stored::New { reference }, phone)) => answer(format, lang).stored(&reference, &phone.national(), true),
        Ok((Stored::Existing { reference }, phone)) => {
            answer(format, lang).stored(&reference, &phone.national(), false)
        }
        Ok((Stored::IdentityTaken, _)) => answer(format, lang).error(&ApiError::IdentityTaken),
        Ok((Stored::Amended(_), _)) => {
            answer(format, lang).error(&ApiError::Internal("the writer answered a new application as an amendment"))
        }
        Err(error) => {
            if error.status().is_server_error() {
                state.refusals.note(&error, &state.metrics);
            }
            answer(format, lang).error(&error)
        }
    }
}

/// Everything between the body and the commit; sets `lang` as soon as the
/// body says which language the applicant reads.
async fn accept(
    state: &AppState,
    format: Format,
    body: Body,
    lang: &mut Lang,
) -> Result<(Stored, MobilePhone), ApiError> {
    // Past the door (`crate::admission`); a slot is taken only once the
    // whole body is in, so a slow sender holds none.
    let bytes = read_body(body, state).await?;
    let _slot = state.in_flight.clone().try_acquire_owned().map_err(|_| Unavailable::NoSlot)?;
    let weeks = state.catalogue.campaign().week_count();
    let raw = match format {
        Format::Form => submission::parse_form(&bytes, weeks),
        Format::Json => submission::parse_json(&bytes, weeks)?,
    };
    if let Ok(chosen) = raw.lang.parse::<Lang>() {
        *lang = chosen;
    }
    let now = state.clock.now();
    match state.catalogue.campaign().registration_status(now) {
        RegistrationStatus::NotYetOpen => return Err(ApiError::NotYetOpen),
        RegistrationStatus::Closed => return Err(ApiError::Closed),
        RegistrationStatus::Open => {}
    }
    let application = Application::parse(&raw, &state.catalogue).map_err(ApiError::Invalid)?;
    let phone = application.phone.clone();
    let row = ApplicationRow::new(&application, reference::generate_with(&mut rand::rng()), now);
    let committed = state.queue.submit(row)?;
    match tokio::time::timeout(state.commit_timeout, committed).await {
        Ok(Ok(Ok(stored))) => Ok((stored, phone)),
        Ok(Ok(Err(unavailable))) => Err(unavailable.into()),
        // The writer dropped the reply without answering: it is shutting down.
        Ok(Err(_)) => Err(Unavailable::ShuttingDown.into()),
        // Still queued: the write goes on, and a retry will find it stored.
        Err(_) => Err(Unavailable::CommitTimeout.into()),
    }
}

/// Reads the whole body within the body timeout and the size limit.
///
/// Each chunk is copied out as it arrives rather than kept: a chunk is a
/// view into the connection's read buffer, and one kept alive pins that
/// whole buffer, so a client trickling a byte at a time would make intake
/// hold kilobytes for every byte it sends.
pub(crate) async fn read_body(mut body: Body, state: &AppState) -> Result<Vec<u8>, ApiError> {
    let read = async {
        let declared = usize::try_from(http_body::Body::size_hint(&body).lower()).unwrap_or(usize::MAX);
        let mut bytes = Vec::with_capacity(declared.min(state.body_limit));
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                ApiError::Malformed(submission::Malformed::Json(format!("the body could not be read: {e}")))
            })?;
            if let Some(data) = frame.data_ref() {
                if bytes.len() + data.len() > state.body_limit {
                    return Err(ApiError::TooLarge);
                }
                bytes.extend_from_slice(data);
            }
        }
        Ok(bytes)
    };
    tokio::time::timeout(state.body_timeout, read).await.unwrap_or(Err(ApiError::BodyTimeout))
}
