//! `report.html`: the auditor's report as one self-contained page, with
//! bar charts drawn as inline SVG (no scripts, nothing fetched), readable
//! offline and printable.

use askama::Template;

use super::Report;

/// Width of a full bar, in CSS pixels.
const BAR_WIDTH: f64 = 200.0;

/// One row with a bar: `count` of `total`.
struct Bar {
    label: String,
    count: u64,
    total: u64,
    percent: String,
    svg: String,
}

impl Bar {
    fn new(label: impl Into<String>, count: u64, total: u64) -> Bar {
        let share = if total == 0 { 0.0 } else { count as f64 / total as f64 };
        Bar { label: label.into(), count, total, percent: format!("{:.1}%", 100.0 * share), svg: bar_svg(share) }
    }
}

/// The bar itself; decorative, since the row states the figures.
fn bar_svg(share: f64) -> String {
    let filled = (share.clamp(0.0, 1.0) * BAR_WIDTH).round();
    format!(
        "<svg width=\"{BAR_WIDTH}\" height=\"14\" aria-hidden=\"true\" focusable=\"false\">\
         <rect class=\"track\" width=\"{BAR_WIDTH}\" height=\"14\"/><rect class=\"bar\" width=\"{filled}\" height=\"14\"/></svg>"
    )
}

struct CentreRow {
    id: String,
    name: String,
    applicants: u64,
    places: u64,
    waitlisted: u64,
    per_place: String,
}

struct DayRow {
    centre: String,
    date: String,
    wanted: u64,
    places: u64,
    per_place: String,
}

#[derive(Template)]
#[template(path = "report/report.html")]
struct ReportPage {
    trial: bool,
    run_id: String,
    seed: String,
    lottery: crate::seed::SeedAudit,
    rule: String,
    input_fingerprint: String,
    applicants: u64,
    allocated: u64,
    waitlisted: u64,
    outcomes: Vec<Bar>,
    ages: Vec<Bar>,
    states: Vec<Bar>,
    centres: Vec<CentreRow>,
    days: Vec<DayRow>,
    after_first_run: String,
    messages: Vec<(String, super::messages::StateCounts)>,
}

/// How a choice column reads in the page.
fn choice_label(choice: &str) -> String {
    match choice.strip_prefix("week") {
        Some(n) => format!("Got their week {n} choice"),
        None if choice == "other" => "Got another date at their centre".to_owned(),
        None => choice.to_owned(),
    }
}

fn per_place(a: u64, b: u64) -> String {
    if b == 0 { "no places".to_owned() } else { format!("{:.2}", a as f64 / b as f64) }
}

/// Renders the report as HTML.
pub fn render(report: &Report) -> Result<String, askama::Error> {
    let overall = &report.overall;
    let mut outcomes: Vec<Bar> = report
        .choices
        .iter()
        .map(|c| Bar::new(choice_label(c), overall.by_choice.get(c).copied().unwrap_or(0), overall.applicants))
        .collect();
    outcomes.push(Bar::new("Waitlisted", overall.waitlisted, overall.applicants));
    ReportPage {
        trial: report.run.trial,
        run_id: report.run.run_id.clone(),
        seed: report.run.seed.clone(),
        lottery: report.lottery.clone(),
        rule: report.run.rule.clone(),
        input_fingerprint: report.run.input_fingerprint.clone(),
        applicants: overall.applicants,
        allocated: overall.allocated,
        waitlisted: overall.waitlisted,
        outcomes,
        ages: report.by_age.iter().map(|(band, o)| Bar::new(*band, o.allocated, o.applicants)).collect(),
        states: report
            .states
            .iter()
            .map(|(state, places, allocated, _)| Bar::new(state.name(), *allocated, *places))
            .collect(),
        centres: report
            .busiest_centres
            .iter()
            .map(|(id, name, applicants, places, waitlisted)| CentreRow {
                id: id.clone(),
                name: name.clone(),
                applicants: *applicants,
                places: *places,
                waitlisted: *waitlisted,
                per_place: per_place(*applicants, *places),
            })
            .collect(),
        days: report
            .busiest_days
            .iter()
            .map(|(centre, date, wanted, places)| DayRow {
                centre: centre.clone(),
                date: campaign::dates::format_date(*date),
                wanted: *wanted,
                places: *places,
                per_place: per_place(*wanted, *places),
            })
            .collect(),
        after_first_run: super::rounds_html::render(&report.rounds)?,
        messages: super::messages::rows(&report.messages),
    }
    .render()
}
