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
use campaign::reference;
use store::{Amendment, Decline};

use crate::error::ApiError;
use crate::paths;
use crate::routes::amendments::{amend, channel, prefer_language, stored_id_number};
use crate::state::AppState;
use crate::submission;

/// The decline route, at two addresses: the reference in the path, or (for
/// the "I cannot come" page's form) in the body.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(paths::DECLINE, post(decline)).route(paths::DECLINING, post(decline))
}

/// A decline of the application the path names, or the body's `reference` field.
async fn decline(State(state): State<Arc<AppState>>, named: Option<Path<String>>, request: Request) -> Response {
    amend(state, request, |state, format, bytes, lang| {
        let raw = submission::parse_identity(bytes, format)?;
        prefer_language(lang, &raw.lang);
        let id_number = stored_id_number(&raw.id_number)?;
        let typed = named.map_or(raw.reference, |Path(reference)| reference);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submission::{Format, Malformed};

    #[test]
    fn a_form_checkbox_and_a_json_boolean_both_ask_to_rejoin() {
        let parse = submission::parse_identity;
        let form = parse(b"id_number=600101-14-5001&rejoin=on&lang=ms", Format::Form).expect("read");
        assert_eq!(
            form,
            submission::RawIdentity {
                id_number: "600101-14-5001".into(),
                lang: "ms".into(),
                reference: String::new(),
                rejoin: true
            }
        );
        assert!(!parse(b"id_number=1", Format::Form).expect("read").rejoin);
        assert!(parse(br#"{"id_number":"1","rejoin":true}"#, Format::Json).expect("read").rejoin);
        let wrong = parse(br#"{"id_number":"1","rejoin":"yes"}"#, Format::Json);
        assert!(matches!(wrong, Err(Malformed::FieldType { .. })), "{wrong:?}");
    }
}
