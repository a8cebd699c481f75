//! `POST /api/v1/results`: the "Check my result" form without JavaScript.
//! The same derivation as the page's script, from the same published
//! files (`--results`), with nothing stored and no database: the answer is
//! an HTML page in the person's language.
//!
//! Each lookup costs one slow key derivation, on purpose; so lookups run on
//! the blocking pool, at most one per core at once, and any beyond that
//! are answered 503 with Retry-After at once rather than queued.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use campaign::{Catalogue, Lang, Messages};
use http_body_util::BodyExt;
use result_files::lookup::LookupError;
use result_files::{ResultRecord, Secret, Status};
use tokio::sync::Semaphore;

use crate::answer::PageSettings;
use crate::calendar::{self, Appointment};
use crate::language::requested_language;
use crate::paths;
use crate::state::AppState;

/// The largest form accepted: two short fields and a language.
const BODY_LIMIT: usize = 1024;

/// The published results and how many lookups may run at once.
#[derive(Debug)]
struct Results {
    dir: PathBuf,
    derivations: Arc<Semaphore>,
}

/// The lookup route, reading the publication in `dir` (its `results/` folder or the folder itself).
pub fn router(dir: &Path) -> anyhow::Result<Router<Arc<AppState>>> {
    let dir = if dir.join("results").join(result_files::manifest::FILE_NAME).exists() || dir.join("results").is_dir() {
        dir.join("results")
    } else {
        dir.to_path_buf()
    };
    anyhow::ensure!(dir.is_dir(), "--results {} is not a folder", dir.display());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let results = Results {
        dir: dir.canonicalize().context("--results cannot be read")?,
        derivations: Arc::new(Semaphore::new(cores)),
    };
    Ok(Router::new().route(paths::RESULTS, post(look_up)).layer(Extension(Arc::new(results))))
}

/// What the person typed, checked: the secret, or each wrong field.
fn parse(body: &[u8]) -> (Option<Lang>, Result<Secret, Vec<&'static str>>) {
    let (mut lang, mut reference, mut birth) = (None, String::new(), String::new());
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "lang" => lang = value.parse().ok(),
            "reference" => reference = value.into_owned(),
            "birth_date" => birth = value.into_owned(),
            _ => {}
        }
    }
    let birth_date = campaign::dates::parse_date(birth.trim());
    let secret = birth_date.and_then(|born| Secret::new(&reference, born).ok());
    let mut wrong = Vec::new();
    if result_files::derive::normalise_reference(&reference).is_none() {
        wrong.push("reference");
    }
    if birth_date.is_none() {
        wrong.push("birth_date");
    }
    (lang, secret.ok_or(wrong))
}

async fn look_up(
    State(state): State<Arc<AppState>>,
    Extension(results): Extension<Arc<Results>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let lang = requested_language(&parts.uri, &parts.headers).unwrap_or_default();
    let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("temujanji");
    let page = |lang| ResultAnswer {
        lang,
        catalogue: &state.catalogue,
        settings: &state.settings,
        host: host.split(':').next().unwrap_or(host),
        now: state.clock.now(),
    };
    let Some(bytes) = read_limited(body, state.body_timeout).await else {
        return page(lang).errors(StatusCode::PAYLOAD_TOO_LARGE, &["reference", "birth_date"]);
    };
    let (chosen, parsed) = parse(&bytes);
    let lang = chosen.unwrap_or(lang);
    let secret = match parsed {
        Ok(secret) => secret,
        Err(wrong) => return page(lang).errors(StatusCode::BAD_REQUEST, &wrong),
    };
    let Ok(permit) = results.derivations.clone().try_acquire_owned() else {
        return page(lang).unavailable(StatusCode::SERVICE_UNAVAILABLE, "result.busy");
    };
    let dir = results.dir.clone();
    let reference = secret.reference().to_owned();
    let found = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        result_files::lookup(&dir, &secret)
    })
    .await;
    match found {
        Ok(Ok(Some(record))) => page(lang).found(&record, &reference),
        Ok(Ok(None)) => page(lang).not_found(),
        Ok(Err(LookupError::Io { source, .. })) if source.kind() == std::io::ErrorKind::NotFound => {
            page(lang).unavailable(StatusCode::NOT_FOUND, "result.not_published")
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "the published results cannot be read");
            page(lang).unavailable(StatusCode::SERVICE_UNAVAILABLE, "result.unavailable")
        }
        Err(error) => {
            tracing::error!(%error, "a result lookup failed");
            page(lang).unavailable(StatusCode::SERVICE_UNAVAILABLE, "result.unavailable")
        }
    }
}

/// The body, unless it is larger than [`BODY_LIMIT`] or slower than `timeout`.
async fn read_limited(body: Body, timeout: std::time::Duration) -> Option<Vec<u8>> {
    let limited = http_body_util::Limited::new(body, BODY_LIMIT);
    let collected = tokio::time::timeout(timeout, limited.collect()).await.ok()?.ok()?;
    Some(collected.to_bytes().to_vec())
}

#[derive(Template)]
#[template(path = "intake/result.html")]
struct ResultHtml<'a> {
    lang: &'a str,
    t: &'static Messages,
    skip_to_content: &'a str,
    campaign_name: &'a str,
    stylesheet: &'a str,
    title: &'a str,
    heading: &'a str,
    ok: bool,
    errors: Vec<(&'static str, &'a str)>,
    paragraphs: Vec<String>,
    rows: Vec<(&'a str, String)>,
    calendar: Option<CalendarLink>,
    page_url: String,
    helpline: String,
}

/// The appointment's calendar file, embedded in the page.
struct CalendarLink {
    href: String,
    file_name: String,
}

struct ResultAnswer<'a> {
    lang: Lang,
    catalogue: &'a Catalogue,
    settings: &'a PageSettings,
    /// The site's host name, for the calendar event's UID.
    host: &'a str,
    now: time::OffsetDateTime,
}

impl ResultAnswer<'_> {
    fn messages(&self) -> &'static Messages {
        Messages::of(self.lang)
    }

    #[allow(clippy::too_many_arguments)]
    fn render(
        &self,
        status: StatusCode,
        heading: &str,
        ok: bool,
        paragraphs: Vec<String>,
        rows: Vec<(&str, String)>,
        errors: Vec<(&'static str, &str)>,
        calendar: Option<CalendarLink>,
    ) -> Response {
        let m = self.messages();
        let campaign = self.catalogue.campaign();
        let html = ResultHtml {
            lang: self.lang.code(),
            t: m,
            skip_to_content: m.text("common.skip_to_content"),
            campaign_name: campaign.name(),
            stylesheet: paths::STYLESHEET,
            title: m.text("result.title"),
            heading,
            ok,
            errors,
            paragraphs,
            rows,
            calendar,
            page_url: format!("{}result/", self.settings.form_url(self.lang)),
            helpline: m.render("common.helpline", &[("helpline", &campaign.helpline().to_string())]),
        }
        .render();
        match html {
            Ok(html) => (status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "the result page cannot be rendered");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }

    /// 400 (or 413) naming each field to correct.
    fn errors(&self, status: StatusCode, wrong: &[&'static str]) -> Response {
        let m = self.messages();
        let message = |field: &str| match field {
            "reference" => m.text("result.reference_error"),
            _ => m.text("result.birth_date_error"),
        };
        let errors = wrong.iter().map(|field| (*field, message(field))).collect();
        self.render(status, m.text("result.errors_title"), false, Vec::new(), Vec::new(), errors, None)
    }

    fn not_found(&self) -> Response {
        let m = self.messages();
        self.render(
            StatusCode::NOT_FOUND,
            m.text("result.not_found_title"),
            false,
            vec![m.text("result.not_found_body").to_owned()],
            Vec::new(),
            Vec::new(),
            None,
        )
    }

    fn unavailable(&self, status: StatusCode, key: &str) -> Response {
        let m = self.messages();
        let first_day = m.long_date(self.catalogue.campaign().first_day());
        let text = m.render(key, &[("first_day", &first_day)]);
        let mut response = self.render(status, m.text("result.title"), false, vec![text], Vec::new(), Vec::new(), None);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        }
        response
    }

    fn found(&self, record: &ResultRecord, reference: &str) -> Response {
        let m = self.messages();
        let centre = self.catalogue.centre(&record.centre);
        let allocated = record.status == Status::Allocated;
        let mut rows = vec![(m.text("result.centre_code"), record.centre.clone())];
        if let Some(centre) = centre {
            rows.push((m.text("result.centre_name"), centre.name.clone()));
            rows.push((m.text("result.centre_address"), centre.address.clone()));
        }
        let mut paragraphs = Vec::new();
        let date = record.date.as_deref().and_then(campaign::dates::parse_date);
        if allocated {
            rows.push((
                m.text("result.date"),
                date.map_or_else(|| record.date.clone().unwrap_or_default(), |d| m.long_date(d)),
            ));
            rows.push((m.text("result.time"), record.window.clone().unwrap_or_default()));
        } else {
            let position = record.position.unwrap_or_default().to_string();
            paragraphs.push(m.render("result.waitlisted_body", &[("position", &position)]));
            rows.push((m.text("result.position"), position));
        }
        let heading = if allocated { "result.allocated_title" } else { "result.waitlisted_title" };
        let calendar = date.zip(record.window.as_deref()).filter(|_| allocated).and_then(|(date, window)| {
            self.calendar(
                reference,
                date,
                window,
                &record.centre,
                centre.map(|c| (c.name.as_str(), c.address.as_str())),
            )
        });
        self.render(StatusCode::OK, m.text(heading), allocated, paragraphs, rows, Vec::new(), calendar)
    }

    /// The same event the page's script offers: the window in UTC, the
    /// centre's code and name, its address, what to bring and the reference.
    fn calendar(
        &self,
        reference: &str,
        date: time::Date,
        window: &str,
        code: &str,
        centre: Option<(&str, &str)>,
    ) -> Option<CalendarLink> {
        let m = self.messages();
        let (name, address) = centre.unwrap_or((code, code));
        let appointment = Appointment {
            reference,
            date,
            window,
            offset: self.catalogue.campaign().registration_closes().offset(),
            summary: format!("{}: {code} {name}", m.text("result.calendar_event")),
            location: address.to_owned(),
            description: format!("{} {}: {reference}", m.text("result.bring_body"), m.text("result.reference_label")),
            host: self.host,
            lang: self.lang.code(),
        };
        let ics = calendar::ics(&appointment, self.now)?;
        Some(CalendarLink { href: calendar::data_url(&ics), file_name: format!("vaccination-{reference}.ics") })
    }
}
