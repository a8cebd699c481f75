//! The pages and what they show: one view model per template.

use askama::Template;
use campaign::dates::format_date;
use campaign::{Catalogue, Lang, Messages};

/// A link to the same page in the other language.
#[derive(Debug)]
pub struct LanguageSwitch {
    /// Target URL.
    pub href: String,
    /// `en` or `ms`.
    pub lang: &'static str,
    /// The other language's name, in that language.
    pub label: &'static str,
}

/// One state's centres in the select.
#[derive(Debug)]
pub struct CentreGroup {
    /// Short code, for narrowing by state.
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
    /// The centres, by name.
    pub centres: Vec<CentreOption>,
}

/// One centre in the select.
#[derive(Debug)]
pub struct CentreOption {
    /// The centre id (the submitted value).
    pub id: String,
    /// What people read.
    pub label: String,
    /// One character per campaign day, `1` when the centre is open.
    pub open: String,
}

/// One week's day choices.
#[derive(Debug)]
pub struct WeekView {
    /// `week1` ...
    pub field: String,
    /// "Week 1: Mon 10 Jan 2028 to Sun 16 Jan 2028".
    pub label: String,
    /// Every day of the week (narrowed by centre when scripts run).
    pub days: Vec<DayOption>,
}

/// One day in a week's select.
#[derive(Debug)]
pub struct DayOption {
    /// `YYYY-MM-DD`.
    pub iso: String,
    /// "Mon 10 Jan 2028".
    pub label: String,
}

/// The application form.
#[derive(Template)]
#[template(path = "site/form.html")]
pub(crate) struct FormPage<'a> {
    pub(crate) lang: &'static str,
    pub(crate) t: &'static Messages,
    pub(crate) campaign_name: &'a str,
    pub(crate) stylesheet: &'a str,
    pub(crate) script: &'a str,
    pub(crate) home_href: String,
    pub(crate) how_href: String,
    pub(crate) switch: Option<LanguageSwitch>,
    pub(crate) helpline: String,
    pub(crate) lead: String,
    pub(crate) intake_url: &'a str,
    pub(crate) groups: Vec<CentreGroup>,
    pub(crate) weeks: Vec<WeekView>,
    pub(crate) age_reference_date: String,
    pub(crate) name_max: usize,
    pub(crate) rules_json: String,
}

/// How it works.
#[derive(Template)]
#[template(path = "site/how.html")]
pub(crate) struct HowPage<'a> {
    pub(crate) lang: &'static str,
    pub(crate) t: &'static Messages,
    pub(crate) campaign_name: &'a str,
    pub(crate) stylesheet: &'a str,
    pub(crate) home_href: String,
    pub(crate) how_href: String,
    pub(crate) switch: Option<LanguageSwitch>,
    pub(crate) helpline: String,
    pub(crate) sections: Vec<(String, String)>,
    /// The campaign's lottery commitment (`sha256:<hex>`), published from the first day.
    pub(crate) commitment: Option<String>,
}

/// One language's entry on the bilingual pages.
#[derive(Debug)]
pub(crate) struct LanguageChoice {
    pub(crate) lang: &'static str,
    pub(crate) href: String,
    pub(crate) title: String,
    pub(crate) prompt: String,
    pub(crate) link: String,
}

/// The root page: pick a language.
#[derive(Template)]
#[template(path = "site/root.html")]
pub(crate) struct RootPage<'a> {
    pub(crate) campaign_name: &'a str,
    pub(crate) stylesheet: &'a str,
    pub(crate) choices: Vec<LanguageChoice>,
}

/// The 404 page, in both languages.
#[derive(Template)]
#[template(path = "site/not_found.html")]
pub(crate) struct NotFoundPage<'a> {
    pub(crate) campaign_name: &'a str,
    pub(crate) stylesheet: &'a str,
    pub(crate) choices: Vec<LanguageChoice>,
}

/// Centres by state, with their open days, in `lang`'s words.
pub fn centre_groups(catalogue: &Catalogue) -> Vec<CentreGroup> {
    let days: Vec<_> = catalogue.campaign().days().collect();
    catalogue
        .centres_by_state()
        .into_iter()
        .map(|(state, centres)| CentreGroup {
            slug: state.slug(),
            name: state.name(),
            centres: centres
                .into_iter()
                .map(|c| CentreOption {
                    id: c.id.to_string(),
                    label: format!("{} ({})", c.name, c.district),
                    open: days.iter().map(|d| if catalogue.is_open(c, *d) { '1' } else { '0' }).collect(),
                })
                .collect(),
        })
        .collect()
}

/// The weeks with every day, labelled in `lang`.
pub fn weeks(catalogue: &Catalogue, lang: Lang) -> Vec<WeekView> {
    let m = Messages::of(lang);
    let campaign = catalogue.campaign();
    campaign
        .weeks()
        .map(|week| {
            let days: Vec<_> = campaign.days_of(week).collect();
            let (from, to) = (days[0], days[days.len() - 1]);
            WeekView {
                field: week.field_name(),
                label: m.render(
                    "site.week_label",
                    &[("week", &week.to_string()), ("from", &m.date(from)), ("to", &m.date(to))],
                ),
                days: days.into_iter().map(|d| DayOption { iso: format_date(d), label: m.date(d) }).collect(),
            }
        })
        .collect()
}
