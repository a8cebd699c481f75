//! Turning an outcome into a response body: JSON for the JavaScript path,
//! a small HTML page (same look, same language) for the plain form.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use campaign::{Catalogue, Lang, Messages};
use rand::RngExt;
use serde::Serialize;
use serde_json::{Map, Value, json};

use store::{AmendOutcome, DeclineOutcome};

use crate::error::ApiError;
use crate::submission::Format;
use crate::writer::Unavailable;

/// What intake's answer pages need to know besides the outcome.
#[derive(Debug, Clone)]
pub struct PageSettings {
    /// URL of the stylesheet for answer pages.
    pub stylesheet: String,
    /// Retry-After is drawn between this and twice this many seconds, so
    /// refused clients do not all come back in the same second.
    pub retry_after_secs: u64,
    /// Per language, in [`Lang::ALL`] order.
    texts: [LangTexts; 2],
    /// The 503 answer per language and format, rendered once: under a flood
    /// it is most of what intake sends, and must cost as little as it can.
    busy: Vec<(Lang, Format, Rendered)>,
}

impl PageSettings {
    /// Settings for `catalogue` and the form at `form_url` (`{lang}` stands
    /// for `en` or `ms`), with the texts that never change rendered once at
    /// start-up rather than on every request.
    pub fn new(catalogue: &Catalogue, stylesheet: String, form_url: String, retry_after_secs: u64) -> PageSettings {
        let texts = Lang::ALL.map(|lang| LangTexts::new(catalogue, &form_url, lang));
        let mut settings = PageSettings { stylesheet, retry_after_secs, texts, busy: Vec::new() };
        let busy = ApiError::Unavailable(Unavailable::QueueFull);
        settings.busy = Lang::ALL
            .into_iter()
            .flat_map(|lang| [Format::Json, Format::Form].map(|format| (lang, format)))
            .map(|(lang, format)| {
                (lang, format, Answer { format, lang, catalogue, settings: &settings }.render_error(&busy))
            })
            .collect();
        settings
    }

    fn texts(&self, lang: Lang) -> &LangTexts {
        let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        &self.texts[index]
    }

    /// The form in `lang`.
    pub fn form_url(&self, lang: Lang) -> &str {
        &self.texts(lang).form_url
    }
}

/// One language's texts that are the same for every applicant, written
/// once at start-up: a success answer then only adds what is its own.
#[derive(Debug, Clone)]
struct LangTexts {
    /// "What happens next", its dates already written: only `{phone}` is
    /// left to fill for each applicant.
    next_steps: String,
    /// The form.
    form_url: String,
    /// The site's "Change or withdraw my application" page.
    change_url: String,
}

impl LangTexts {
    fn new(catalogue: &Catalogue, form_url: &str, lang: Lang) -> LangTexts {
        let campaign = catalogue.campaign();
        let m = Messages::of(lang);
        let next_steps = m.render(
            "intake.next_steps",
            &[
                ("closes", &m.date_time(campaign.registration_closes())),
                ("first_day", &m.long_date(campaign.first_day())),
            ],
        );
        let form_url = form_url.replace("{lang}", lang.code());
        let change_url = format!("{form_url}change/");
        LangTexts { next_steps, form_url, change_url }
    }
}

/// The JSON answer to a stored application, written straight from borrowed
/// text rather than through a map. Its fields are in alphabetical order, the
/// order intake's other JSON answers (maps) write their keys in.
#[derive(Serialize)]
struct StoredJson<'a> {
    change_url: &'a str,
    new: bool,
    next_steps: &'a str,
    reference: &'a str,
}

/// An answer's status, type and body, ready to send.
#[derive(Debug, Clone)]
struct Rendered {
    status: StatusCode,
    content_type: HeaderValue,
    body: Bytes,
}

impl Rendered {
    fn json(status: StatusCode, payload: &impl Serialize) -> Rendered {
        Rendered {
            status,
            content_type: HeaderValue::from_static("application/json"),
            // Serialising a Value cannot fail.
            body: serde_json::to_vec(payload).unwrap_or_default().into(),
        }
    }

    fn into_response(self) -> Response {
        (self.status, [(header::CONTENT_TYPE, self.content_type)], self.body).into_response()
    }
}

/// How to answer one request.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// JSON or HTML.
    pub format: Format,
    /// The applicant's language.
    pub lang: Lang,
    /// The campaign (for dates in messages).
    pub catalogue: &'a Catalogue,
    /// Page settings.
    pub settings: &'a PageSettings,
}

#[derive(Template)]
#[template(path = "intake/page.html")]
struct Page<'a> {
    lang: &'a str,
    site_name: &'a str,
    skip_to_content: &'a str,
    campaign_name: &'a str,
    stylesheet: &'a str,
    title: &'a str,
    lead: &'a str,
    reference: Option<&'a str>,
    reference_label: &'a str,
    reference_hint: &'a str,
    errors: Vec<(String, String)>,
    paragraphs: Vec<String>,
    back_hint: Option<&'a str>,
    /// The change page, offered where a person may want to correct what is stored.
    change: Option<ChangeLink<'a>>,
    form_url: &'a str,
    back_to_form: &'a str,
    helpline: String,
}

/// A link to the "Change or withdraw my application" page, with a sentence before it.
struct ChangeLink<'a> {
    hint: &'a str,
    href: &'a str,
    text: &'a str,
}

impl Answer<'_> {
    fn texts(&self) -> &LangTexts {
        self.settings.texts(self.lang)
    }

    fn change_link(&self, hint: &'static str) -> ChangeLink<'_> {
        let m = Messages::of(self.lang);
        ChangeLink { hint: m.text(hint), href: &self.texts().change_url, text: m.text("common.change_link") }
    }

    /// 201 for a new application, 200 for one already stored.
    pub fn stored(&self, reference: &str, phone_national: &str, new: bool) -> Response {
        let status = if new { StatusCode::CREATED } else { StatusCode::OK };
        let m = Messages::of(self.lang);
        let next = self.next_steps(phone_national);
        match self.format {
            Format::Json => {
                let change_url = &self.texts().change_url;
                Rendered::json(status, &StoredJson { change_url, new, next_steps: &next, reference }).into_response()
            }
            Format::Form => {
                let (title, lead) = if new {
                    ("intake.accepted_title", "intake.accepted_lead")
                } else {
                    ("intake.already_title", "intake.already_lead")
                };
                let change = Some(self.change_link("intake.change_hint"));
                self.page(status, m.text(title), m.text(lead), Some(reference), Vec::new(), vec![next], None, change)
                    .into_response()
            }
        }
    }

    /// 200 for a change, withdrawal or decline committed now or found
    /// already made (an identical retry); 404 for [`AmendOutcome::NotFound`],
    /// 409 for a decline without an appointment or too late.
    pub fn amended(&self, reference: &str, outcome: &AmendOutcome) -> Response {
        let m = Messages::of(self.lang);
        let (payload, key) = match outcome {
            AmendOutcome::Changed { version } => {
                (json!({ "reference": reference, "changed": true, "version": version }), "intake.changed")
            }
            AmendOutcome::Unchanged => (json!({ "reference": reference, "changed": false }), "intake.unchanged"),
            AmendOutcome::Withdrawn | AmendOutcome::AlreadyWithdrawn => {
                (json!({ "reference": reference, "withdrawn": true }), "intake.withdrawn")
            }
            AmendOutcome::Decline(
                DeclineOutcome::Declined { rejoined } | DeclineOutcome::AlreadyDeclined { rejoined },
            ) => (
                json!({ "reference": reference, "declined": true, "rejoined": rejoined }),
                if *rejoined { "intake.declined_rejoined" } else { "intake.declined" },
            ),
            AmendOutcome::Decline(DeclineOutcome::NoAppointment) => return self.error(&ApiError::NoAppointment),
            AmendOutcome::Decline(DeclineOutcome::TooLate { .. }) => return self.error(&ApiError::TooLateToDecline),
            AmendOutcome::NotFound => return self.error(&ApiError::NotFound),
        };
        match self.format {
            Format::Json => Rendered::json(StatusCode::OK, &payload).into_response(),
            Format::Form => {
                let title = m.text(&format!("{key}_title")).to_owned();
                let lead = m.text(&format!("{key}_lead")).to_owned();
                self.page(StatusCode::OK, &title, &lead, Some(reference), Vec::new(), Vec::new(), None, None)
                    .into_response()
            }
        }
    }

    /// The error's status, with its message in the applicant's language.
    pub fn error(&self, error: &ApiError) -> Response {
        let ApiError::Unavailable(_) = error else { return self.render_error(error).into_response() };
        let busy = self.settings.busy.iter().find(|(l, f, _)| *l == self.lang && *f == self.format);
        let mut response = busy.map_or_else(|| self.render_error(error), |(_, _, r)| r.clone()).into_response();
        let secs = self.settings.retry_after_secs.max(1);
        let wait = rand::rng().random_range(secs..=secs * 2);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        response
    }

    fn render_error(&self, error: &ApiError) -> Rendered {
        let m = Messages::of(self.lang);
        let code = error.code();
        let title = m.text(&format!("intake.error.{code}_title")).to_owned();
        let body = self.error_body(error);
        let field_errors = match error {
            ApiError::Invalid(errors) => errors.messages(self.lang),
            _ => Vec::new(),
        };
        match self.format {
            Format::Json => {
                let mut payload = json!({ "error": { "code": code, "title": title, "message": body } });
                if let ApiError::IdentityTaken = error {
                    payload["error"]["change_url"] = self.texts().change_url.as_str().into();
                    payload["error"]["change_text"] = m.text("common.change_link").into();
                }
                if !field_errors.is_empty() {
                    let fields: Map<String, Value> =
                        field_errors.iter().map(|(f, msg)| (f.clone(), Value::String(msg.clone()))).collect();
                    payload["errors"] = Value::Object(fields);
                }
                Rendered::json(error.status(), &payload)
            }
            Format::Form => {
                let back = matches!(error, ApiError::Invalid(_)).then(|| m.text("intake.back_hint"));
                let change = match error {
                    ApiError::IdentityTaken => Some(self.change_link("intake.change_taken_hint")),
                    // Only a change or withdrawal is answered "not found": back to where it was typed.
                    ApiError::NotFound => Some(self.change_link("intake.change_retry_hint")),
                    _ => None,
                };
                self.page(error.status(), &title, &body, None, field_errors, Vec::new(), back, change)
            }
        }
    }

    fn error_body(&self, error: &ApiError) -> String {
        let m = Messages::of(self.lang);
        let campaign = self.catalogue.campaign();
        let key = match error {
            ApiError::Invalid(_) => return m.text("intake.error.invalid_lead").to_owned(),
            ApiError::Malformed(detail) => {
                return m.render("intake.error.malformed_body", &[("detail", &detail.to_string())]);
            }
            other => format!("intake.error.{}_body", other.code()),
        };
        m.render(
            &key,
            &[
                ("opens", &m.date_time(campaign.registration_opens())),
                ("closes", &m.date_time(campaign.registration_closes())),
                ("first_day", &m.long_date(campaign.first_day())),
                ("helpline", &campaign.helpline().to_string()),
                ("hours", &campaign.decline_until_hours().to_string()),
            ],
        )
    }

    fn next_steps(&self, phone_national: &str) -> String {
        campaign::messages::fill(&self.texts().next_steps, &[("phone", phone_national)])
    }

    #[allow(clippy::too_many_arguments)]
    fn page(
        &self,
        status: StatusCode,
        title: &str,
        lead: &str,
        reference: Option<&str>,
        errors: Vec<(String, String)>,
        paragraphs: Vec<String>,
        back_hint: Option<&str>,
        change: Option<ChangeLink<'_>>,
    ) -> Rendered {
        let m = Messages::of(self.lang);
        let page = Page {
            lang: self.lang.code(),
            site_name: m.text("common.site_name"),
            skip_to_content: m.text("common.skip_to_content"),
            campaign_name: self.catalogue.campaign().name(),
            stylesheet: &self.settings.stylesheet,
            title,
            lead,
            reference,
            reference_label: m.text("intake.reference_label"),
            reference_hint: m.text("intake.reference_hint"),
            errors,
            paragraphs,
            back_hint,
            change,
            form_url: self.settings.form_url(self.lang),
            back_to_form: m.text("common.back_to_form"),
            helpline: m.render("common.helpline", &[("helpline", &self.catalogue.campaign().helpline().to_string())]),
        };
        let html = page.render().unwrap_or_else(|error| {
            tracing::error!(%error, "answer page failed to render");
            title.to_owned()
        });
        Rendered { status, content_type: HeaderValue::from_static("text/html; charset=utf-8"), body: html.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_answer_is_byte_for_byte_what_a_json_map_writes() {
        let stored = StoredJson { change_url: "/ms/change/", new: true, next_steps: "SMS \"012\"", reference: "K7M4Q" };
        let map =
            json!({ "reference": "K7M4Q", "new": true, "next_steps": "SMS \"012\"", "change_url": "/ms/change/" });
        assert_eq!(serde_json::to_vec(&stored).expect("json"), serde_json::to_vec(&map).expect("json"));
    }
}
