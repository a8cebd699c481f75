//! `POST /api/v1/applications/{reference}` (change) and
//! `POST /api/v1/applications/{reference}/withdraw`: the applicant's own
//! corrections before registration closes, committed by the same writers
//! as new applications. A plain HTML form cannot put the reference in the
//! path, so `POST /api/v1/applications/change` and `.../withdraw` take it
//! as a `reference` field of the body and answer exactly the same.
//!
//! An unknown reference and a known one with another person's identity get
//! the same 404, by the same path (both are decided by the writer, in the
//! database), so neither tells anything about the other.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::post;
use campaign::application::{MyKadNumber, PassportNumber};
use campaign::{Application, Lang, RegistrationStatus, reference};
use store::{AmendOutcome, Amendment, ApplicationRow, Channel};

use crate::answer::Answer;
use crate::error::ApiError;
use crate::language::requested;
use crate::paths;
use crate::routes::applications::read_body;
use crate::state::AppState;
use crate::submission::{self, Format};
use crate::writer::{Stored, Unavailable};

/// The change and withdrawal routes, each at two addresses: the
/// reference in the path, or (for a plain form) in the body.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(paths::APPLICATION, post(change))
        .route(paths::WITHDRAW, post(withdraw))
        .route(paths::CHANGE, post(change))
        .route(paths::WITHDRAWAL, post(withdraw))
}

/// A change of the application the path names, or the body's `reference` field.
async fn change(State(state): State<Arc<AppState>>, named: Option<Path<String>>, request: Request) -> Response {
    amend(state, request, |state, format, bytes, lang| {
        let weeks = state.catalogue.campaign().week_count();
        let raw = match format {
            Format::Form => submission::parse_form(bytes, weeks),
            Format::Json => submission::parse_json(bytes, weeks)?,
        };
        prefer_language(lang, &raw.lang);
        registration_is_open(state)?;
        let application = Application::parse(&raw, &state.catalogue).map_err(ApiError::Invalid)?;
        let typed = match named {
            Some(Path(reference)) => reference,
            None => submission::reference_field(bytes, format)?,
        };
        let reference = reference::parse(&typed).ok_or(ApiError::NotFound)?;
        let now = state.clock.now();
        let row = ApplicationRow::new(&application, reference, now);
        Ok(Amendment::Change { row, at: now, via: channel(format) })
    })
    .await
}

/// A withdrawal of the application the path names, or the body's `reference` field.
async fn withdraw(State(state): State<Arc<AppState>>, named: Option<Path<String>>, request: Request) -> Response {
    amend(state, request, |state, format, bytes, lang| {
        let raw = submission::parse_identity(bytes, format)?;
        prefer_language(lang, &raw.lang);
        registration_is_open(state)?;
        let id_number = stored_id_number(&raw.id_number)?;
        let typed = named.map_or(raw.reference, |Path(reference)| reference);
        let reference = reference::parse(&typed).ok_or(ApiError::NotFound)?;
        Ok(Amendment::Withdraw { reference, id_number, at: state.clock.now(), via: channel(format) })
    })
    .await
}

/// Reads the body, builds the amendment with `build`, commits it and answers.
pub(crate) async fn amend<F>(state: Arc<AppState>, request: Request, build: F) -> Response
where
    F: FnOnce(&AppState, Format, &[u8], &mut Lang) -> Result<Amendment, ApiError>,
{
    let (parts, body) = request.into_parts();
    let (mut lang, format) = requested(&parts.uri, &parts.headers);
    let answer = |format, lang| Answer { format, lang, catalogue: &state.catalogue, settings: &state.settings };
    let Some(format) = format else {
        return answer(Format::Json, lang).error(&ApiError::UnsupportedMediaType);
    };
    let committed = async {
        let bytes = read_body(body, &state).await?;
        let _slot = state.in_flight.clone().try_acquire_owned().map_err(|_| Unavailable::NoSlot)?;
        let amendment = build(&state, format, &bytes, &mut lang)?;
        let reference = match &amendment {
            Amendment::Change { row, .. } => row.reference.clone(),
            Amendment::Withdraw { reference, .. } => reference.clone(),
            Amendment::Decline(decline) => decline.reference.clone(),
        };
        let outcome = commit(&state, amendment).await?;
        Ok::<_, ApiError>((reference, outcome))
    };
    match committed.await {
        Ok((reference, outcome)) => answer(format, lang).amended(&reference, &outcome),
        Err(error) => {
            if error.status().is_server_error() {
                state.refusals.note(&error, &state.metrics);
            }
            answer(format, lang).error(&error)
        }
    }
}

/// Answers in the language the body asks for, if it names one.
pub(crate) fn prefer_language(lang: &mut Lang, asked: &str) {
    if let Ok(chosen) = asked.parse::<Lang>() {
        *lang = chosen;
    }
}

fn registration_is_open(state: &AppState) -> Result<(), ApiError> {
    match state.catalogue.campaign().registration_status(state.clock.now()) {
        RegistrationStatus::NotYetOpen => Err(ApiError::NotYetOpen),
        RegistrationStatus::Closed => Err(ApiError::Closed),
        RegistrationStatus::Open => Ok(()),
    }
}

/// The identity number as stored. A number that is no identity number
/// cannot be the stored one: not found, like a mismatched one.
pub(crate) fn stored_id_number(typed: &str) -> Result<String, ApiError> {
    MyKadNumber::parse(typed)
        .map(|n| n.as_str().to_owned())
        .or_else(|_| PassportNumber::parse(typed).map(|n| n.as_str().to_owned()))
        .map_err(|_| ApiError::NotFound)
}

pub(crate) fn channel(format: Format) -> Channel {
    match format {
        Format::Form => Channel::Form,
        Format::Json => Channel::Api,
    }
}

async fn commit(state: &AppState, amendment: Amendment) -> Result<AmendOutcome, ApiError> {
    let committed = state.queue.amend(amendment)?;
    match tokio::time::timeout(state.commit_timeout, committed).await {
        Ok(Ok(Ok(Stored::Amended(outcome)))) => Ok(outcome),
        Ok(Ok(Ok(_))) => Err(ApiError::Internal("the writer answered an amendment as a new application")),
        Ok(Ok(Err(unavailable))) => Err(unavailable.into()),
        Ok(Err(_)) => Err(Unavailable::ShuttingDown.into()),
        // Still queued: the write goes on, and a retry finds it made.
        Err(_) => Err(Unavailable::CommitTimeout.into()),
    }
}
