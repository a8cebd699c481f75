//! `POST /api/v1/applications/{reference}/decline`: after allocation, a
//! person gives back an appointment they cannot keep, so a later round can
//! offer it to the waiting list; they may ask to rejoin the waiting list,
//! at their original priority.
//!
//! Proven, answered and committed as a withdrawal is: the identity number,
//! the same 404 for an unknown reference and another person's, the same
//! group-commit writers.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::post;
use campaign::application::{MyKadNumber, PassportNumber};
use campaign::{Lang, reference};
use serde_json::Value;
use store::{Amendment, Decline};

use crate::error::ApiError;
use crate::paths;
use crate::routes::amendments::{amend, channel};
use crate::state::AppState;
use crate::submission::{Format, Malformed};

/// The decline route.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(paths::DECLINE, post(decline)).route(paths::DECLINING, post(decline_by_form))
}

async fn decline(State(state): State<Arc<AppState>>, Path(reference): Path<String>, request: Request) -> Response {
    decline_named(state, Some(reference), request).await
}

/// The "I cannot come" page's form, which cannot put the reference in the path.
async fn decline_by_form(State(state): State<Arc<AppState>>, request: Request) -> Response {
    decline_named(state, None, request).await
}

/// A decline of the application `reference` names, or the body's `reference` field.
async fn decline_named(state: Arc<AppState>, reference: Option<String>, request: Request) -> Response {
    amend(state, request, |state, format, bytes, lang| {
        let raw = parse(bytes, format)?;
        if let Ok(chosen) = raw.lang.parse::<Lang>() {
            *lang = chosen;
        }
        // A number that is no identity number cannot be the stored one.
        let id_number = MyKadNumber::parse(&raw.id_number)
            .map(|n| n.as_str().to_owned())
            .or_else(|_| PassportNumber::parse(&raw.id_number).map(|n| n.as_str().to_owned()))
            .map_err(|_| ApiError::NotFound)?;
        let typed = match reference {
            Some(reference) => reference,
            None => crate::submission::reference_field(bytes, format)?,
        };
        let reference = reference::parse(&typed).ok_or(ApiError::NotFound)?;
        let now = state.clock.now();
        Ok(Amendment::Decline(Decline {
            reference,
            id_number,
            earliest_start: state.catalogue.campaign().earliest_declinable_start(now),
            rejoin: raw.rejoin,
            at: now,
            via: channel(format),
        }))
    })
    .await
}

/// What a decline sends: the identity number, whether to rejoin the
/// waiting list, and optionally the language to answer in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RawDecline {
    id_number: String,
    lang: String,
    rejoin: bool,
}

/// Reads a decline's body, form or JSON; other fields are ignored. The
/// form's `rejoin` is a checkbox (present means yes, as browsers send it).
fn parse(body: &[u8], format: Format) -> Result<RawDecline, ApiError> {
    let mut raw = RawDecline::default();
    match format {
        Format::Form => {
            for (key, value) in form_urlencoded::parse(body) {
                match key.as_ref() {
                    "id_number" => raw.id_number = value.into_owned(),
                    "lang" => raw.lang = value.into_owned(),
                    "rejoin" => raw.rejoin = !matches!(value.as_ref(), "" | "no" | "false" | "0"),
                    _ => {}
                }
            }
        }
        Format::Json => {
            let value: Value = serde_json::from_slice(body).map_err(|e| Malformed::Json(e.to_string()))?;
            let Value::Object(fields) = value else { return Err(Malformed::NotAnObject.into()) };
            for (key, value) in fields {
                match (key.as_str(), value) {
                    ("id_number", Value::String(s)) => raw.id_number = s,
                    ("lang", Value::String(s)) => raw.lang = s,
                    ("id_number" | "lang", Value::Null) => {}
                    ("id_number" | "lang", _) => {
                        return Err(Malformed::FieldType { field: key, expected: "a string" }.into());
                    }
                    ("rejoin", Value::Bool(b)) => raw.rejoin = b,
                    ("rejoin", Value::Null) => {}
                    ("rejoin", _) => return Err(Malformed::FieldType { field: key, expected: "true or false" }.into()),
                    _ => {}
                }
            }
        }
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_checkbox_and_a_json_boolean_both_ask_to_rejoin() {
        let form = parse(b"id_number=600101-14-5001&rejoin=on&lang=ms", Format::Form).expect("read");
        assert_eq!(form, RawDecline { id_number: "600101-14-5001".into(), lang: "ms".into(), rejoin: true });
        assert!(!parse(b"id_number=1", Format::Form).expect("read").rejoin);
        assert!(parse(br#"{"id_number":"1","rejoin":true}"#, Format::Json).expect("read").rejoin);
        let wrong = parse(br#"{"id_number":"1","rejoin":"yes"}"#, Format::Json);
        assert!(matches!(wrong, Err(ApiError::Malformed(Malformed::FieldType { .. }))), "{wrong:?}");
    }
}
