//! The "Check my result" page: the form, the texts and dates its script
//! needs, and the centres' details it looks a result's centre up in, one
//! small file per code prefix so a phone fetches only its own.

use std::collections::BTreeMap;

use askama::Template;
use campaign::{Catalogue, Lang, Messages};
use serde_json::{Map, Value, json};

use crate::assets::HashedAsset;
use crate::pages::{Chrome, in_chrome};
use crate::rules;

/// The page.
#[derive(Template)]
#[template(path = "site/result.html")]
pub(crate) struct ResultPage<'a> {
    pub(crate) chrome: Chrome<'a>,
    pub(crate) script: &'a str,
    /// Where the form posts without scripts (intake's fallback).
    pub(crate) lookup_url: String,
    /// Everything the script needs, as JSON for a script element.
    pub(crate) data_json: String,
}

in_chrome!(ResultPage);

/// Where the page is, relative to the site root.
pub fn path(lang: Lang) -> String {
    format!("{}/result/index.html", lang.code())
}

/// intake's lookup address for an application address such as
/// `https://intake.example/api/v1/applications` (its sibling `results`).
pub fn lookup_url(intake_url: &str) -> String {
    match intake_url.strip_suffix("/applications") {
        Some(api) => format!("{api}/results"),
        None => format!("{}/results", intake_url.trim_end_matches('/')),
    }
}

/// The code prefix that groups a centre's details: `SGR` of `SGR-0001`.
pub fn code_prefix(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// The centres' details for `lang`, one asset per code prefix: each maps a
/// centre's code to its name, address and open days.
pub fn centre_files(catalogue: &Catalogue, lang: Lang) -> Vec<(String, HashedAsset)> {
    let m = Messages::of(lang);
    let mut groups: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for centre in catalogue.centres() {
        let open_days: Vec<String> =
            catalogue.campaign().days().filter(|d| catalogue.is_open(centre, *d)).map(|d| m.date(d)).collect();
        groups
            .entry(code_prefix(centre.id.as_str()).to_owned())
            .or_default()
            .insert(centre.id.to_string(), json!([centre.name, centre.address, open_days.join(", ")]));
    }
    groups
        .into_iter()
        .map(|(prefix, centres)| {
            let stem = format!("centres-{}-{}", lang.code(), prefix.to_lowercase());
            let content = Value::Object(centres).to_string().into_bytes();
            (prefix, HashedAsset::new(&stem, "json", content))
        })
        .collect()
}

/// The data the page's script reads: where the results and centres are,
/// the texts, and each campaign day written out in `lang`.
pub fn script_data(catalogue: &Catalogue, lang: Lang, base: &str, centres: &[(String, HashedAsset)]) -> String {
    let m = Messages::of(lang);
    let campaign = catalogue.campaign();
    let mut texts: Map<String, Value> = m.section("result.").map(|(k, v)| (k.to_owned(), v.into())).collect();
    texts.insert(
        "not_published".into(),
        m.render("result.not_published", &[("first_day", &m.long_date(campaign.first_day()))]).into(),
    );
    let days: Map<String, Value> =
        campaign.days().map(|d| (campaign::dates::format_date(d), m.long_date(d).into())).collect();
    let centre_urls: Map<String, Value> =
        centres.iter().map(|(prefix, asset)| (prefix.clone(), format!("{base}{}", asset.path).into())).collect();
    let data = json!({
        "lang": lang.code(),
        "results_url": format!("{base}results/"),
        "centres": centre_urls,
        "days": days,
        "utc_offset_minutes": campaign.registration_closes().offset().whole_minutes(),
        "texts": texts,
    });
    rules::for_script_element(&data)
}
