//! The pages and what they show: one view model per template.

use askama::Template;
use campaign::dates::format_date;
use campaign::{Catalogue, Centre, Lang, Messages, State};

/// A link to the same page in the other language.
#[derive(Debug, Clone)]
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

/// A link to one state's page of centres.
#[derive(Debug)]
pub struct StateLink {
    /// The page.
    pub href: String,
    /// The state's name.
    pub name: &'static str,
}

/// One centre as its state's page shows it.
#[derive(Debug)]
pub struct CentreDetails {
    /// The centre id (what staff and SMS name it by).
    pub id: String,
    /// Full name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Every campaign day the centre is open, in `lang`'s words.
    pub open_days: String,
}

/// One district's centres on a state's page.
#[derive(Debug)]
pub struct DistrictCentres {
    /// District name.
    pub name: String,
    /// Its centres, by name.
    pub centres: Vec<CentreDetails>,
}

/// What every page of one language shows around its content (`base.html`);
/// each page derefs to it, so the templates read its fields as their own.
#[derive(Debug, Clone)]
pub(crate) struct Chrome<'a> {
    pub(crate) lang: &'static str,
    pub(crate) t: &'static Messages,
    pub(crate) campaign_name: &'a str,
    pub(crate) stylesheet: &'a str,
    pub(crate) home_href: String,
    pub(crate) how_href: String,
    pub(crate) switch: Option<LanguageSwitch>,
    pub(crate) helpline: String,
}

impl<'a> Chrome<'a> {
    /// The same chrome, its language link pointing at `switch`.
    pub(crate) fn switching_to(&self, switch: LanguageSwitch) -> Chrome<'a> {
        Chrome { switch: Some(switch), ..self.clone() }
    }
}

/// A page that wraps another view model in its `field`: its template reads
/// the wrapped fields as its own (askama looks fields up through `Deref`).
macro_rules! wraps {
    ($page:ident, $field:ident: $inner:ident) => {
        impl<'a> std::ops::Deref for $page<'a> {
            type Target = $inner<'a>;
            fn deref(&self) -> &$inner<'a> {
                &self.$field
            }
        }
    };
}
pub(crate) use wraps;

/// Pages laid out by `base.html`, around their `chrome`.
macro_rules! in_chrome {
    ($($page:ident),+) => {
        $($crate::pages::wraps!($page, chrome: Chrome);)+
    };
}
pub(crate) use in_chrome;

in_chrome!(StatePage, FormPage, HowPage);

/// A state's centres with addresses and open days: the way to check a centre without scripts.
#[derive(Template)]
#[template(path = "site/state.html")]
pub(crate) struct StatePage<'a> {
    pub(crate) chrome: Chrome<'a>,
    pub(crate) title: String,
    pub(crate) lead: String,
    pub(crate) districts: Vec<DistrictCentres>,
}

/// The application form.
#[derive(Template)]
#[template(path = "site/form.html")]
pub(crate) struct FormPage<'a> {
    pub(crate) chrome: Chrome<'a>,
    pub(crate) script: &'a str,
    pub(crate) lead: String,
    pub(crate) intake_url: &'a str,
    pub(crate) groups: Vec<CentreGroup>,
    pub(crate) state_links: Vec<StateLink>,
    pub(crate) finder_url: String,
    pub(crate) weeks: Vec<WeekView>,
    pub(crate) age_reference_date: String,
    pub(crate) name_max: usize,
    pub(crate) rules_json: String,
}

/// How it works.
#[derive(Template)]
#[template(path = "site/how.html")]
pub(crate) struct HowPage<'a> {
    pub(crate) chrome: Chrome<'a>,
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

/// Centres by state, then by district and name, so a town's centres stand together.
pub fn centres_by_state_and_district(catalogue: &Catalogue) -> Vec<(State, Vec<&Centre>)> {
    let mut groups = catalogue.centres_by_state();
    for (_, centres) in &mut groups {
        centres.sort_by(|a, b| {
            (a.district.to_lowercase(), a.name.to_lowercase(), &a.id).cmp(&(
                b.district.to_lowercase(),
                b.name.to_lowercase(),
                &b.id,
            ))
        });
    }
    groups
}

/// Centres by state, each labelled with its district first, with their open days.
pub fn centre_groups(catalogue: &Catalogue) -> Vec<CentreGroup> {
    let days: Vec<_> = catalogue.campaign().days().collect();
    centres_by_state_and_district(catalogue)
        .into_iter()
        .map(|(state, centres)| CentreGroup {
            slug: state.slug(),
            name: state.name(),
            centres: centres
                .into_iter()
                .map(|c| CentreOption {
                    id: c.id.to_string(),
                    label: option_label(c),
                    open: days.iter().map(|d| if catalogue.is_open(c, *d) { '1' } else { '0' }).collect(),
                })
                .collect(),
        })
        .collect()
}

/// A centre's name, followed by its district unless the name already says
/// it: every option names its district without repeating it (the page must
/// stay small on a cheap phone).
fn option_label(c: &Centre) -> String {
    if c.name.to_lowercase().contains(&c.district.to_lowercase()) {
        c.name.clone()
    } else {
        format!("{} ({})", c.name, c.district)
    }
}

/// Where `state`'s page of centres lives, relative to the site root.
pub fn state_page_path(lang: Lang, state: State) -> String {
    format!("{}/centres/{}.html", lang.code(), state.slug())
}

/// One state's centres, by district, with addresses and open days in `lang`'s words.
pub fn districts(catalogue: &Catalogue, centres: &[&Centre], lang: Lang) -> Vec<DistrictCentres> {
    let m = Messages::of(lang);
    let mut districts: Vec<DistrictCentres> = Vec::new();
    for c in centres {
        let details = CentreDetails {
            id: c.id.to_string(),
            name: c.name.clone(),
            address: c.address.clone(),
            open_days: catalogue
                .campaign()
                .days()
                .filter(|d| catalogue.is_open(c, *d))
                .map(|d| m.date(d))
                .collect::<Vec<_>>()
                .join(", "),
        };
        match districts.last_mut() {
            Some(last) if last.name == c.district => last.centres.push(details),
            _ => districts.push(DistrictCentres { name: c.district.clone(), centres: vec![details] }),
        }
    }
    districts
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
