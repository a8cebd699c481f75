//! Building the site: render every page in memory, then replace the output
//! folder's contents in one go.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use askama::Template;
use campaign::{Catalogue, Lang, Messages};

use crate::assets::{self, HashedAsset};
use crate::change_page::{self, ChangePage};
use crate::decline_page::{self, DeclinePage};
use crate::pages::{
    self, Chrome, FormPage, HowPage, LanguageChoice, LanguageSwitch, NotFoundPage, RootPage, StateLink, StatePage,
};
use crate::report::Report;
use crate::result_page::{self, ResultPage};
use crate::rules;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Where the applications are posted: absolute for a CDN, or a path
    /// such as `/api/v1/applications` when intake serves the site.
    pub intake_url: String,
    /// The URL path the site is served under, ending in `/`.
    pub base_path: String,
}

/// Files other tools put in the output folder that a build keeps: the
/// results `allocator publish` wrote beside the site survive a rebuild.
const KEPT: [&str; 3] = ["README.md", ".gitkeep", "results"];

/// Marks a folder as site-gen's, so a build never empties a folder it did not make.
const MARKER: &str = ".site-gen";

/// Renders the whole site for `catalogue` into `out` (emptied first).
pub fn build(catalogue: &Catalogue, options: &BuildOptions, out: &Path) -> anyhow::Result<Report> {
    let files = render(catalogue, options)?;
    prepare(out)?;
    let mut report = Report::default();
    for (path, content) in &files {
        let target = out.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&target, content).with_context(|| format!("cannot write {}", target.display()))?;
        report.add(path, content);
    }
    fs::write(out.join(MARKER), "This folder is rebuilt from scratch by site-gen.\n")?;
    Ok(report)
}

/// Every file of the site: (path relative to the root, content).
pub fn render(catalogue: &Catalogue, options: &BuildOptions) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let base = &options.base_path;
    if !base.starts_with('/') || !base.ends_with('/') {
        bail!("--base-path {base:?} must start and end with '/'");
    }
    let css = assets::stylesheet();
    let js = assets::script();
    let result_js = assets::result_script();
    let result_script = format!("{base}{}", result_js.path);
    let change_js = assets::change_script();
    let change_script = format!("{base}{}", change_js.path);
    let stylesheet = format!("{base}{}", css.path);
    let script = format!("{base}{}", js.path);
    let name = catalogue.campaign().name();
    let listed: Vec<_> = pages::centres_by_state_and_district(catalogue).into_iter().flat_map(|(_, c)| c).collect();
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for lang in Lang::ALL {
        let t = Messages::of(lang);
        let other = Lang::ALL.into_iter().find(|l| *l != lang).unwrap_or(lang);
        let switch = |page: &str| LanguageSwitch {
            href: format!("{base}{}/{page}", other.code()),
            lang: other.code(),
            label: t.text("common.language_switch"),
        };
        let home_href = format!("{base}{}/", lang.code());
        let how_href = format!("{base}{}/how-it-works.html", lang.code());
        let campaign = catalogue.campaign();
        let dates = [
            ("opens", t.date_time(campaign.registration_opens())),
            ("closes", t.date_time(campaign.registration_closes())),
            ("first_day", t.long_date(campaign.first_day())),
            ("hours", campaign.decline_until_hours().to_string()),
        ];
        let args: Vec<(&str, &str)> = dates.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let finder = assets::finder(&listed, lang);
        let helpline = t.render("common.helpline", &[("helpline", &campaign.helpline().to_string())]);
        let chrome = Chrome {
            lang: lang.code(),
            t,
            campaign_name: name,
            stylesheet: &stylesheet,
            home_href: home_href.clone(),
            how_href: how_href.clone(),
            switch: None,
            helpline,
        };
        let by_state = pages::centres_by_state_and_district(catalogue);
        let state_links = by_state
            .iter()
            .map(|(state, _)| StateLink {
                href: format!("{base}{}", pages::state_page_path(lang, *state)),
                name: state.name(),
            })
            .collect();
        for (state, centres) in &by_state {
            let path = pages::state_page_path(lang, *state);
            let page = StatePage {
                chrome: chrome.switching_to(LanguageSwitch {
                    href: format!("{base}{}", pages::state_page_path(other, *state)),
                    lang: other.code(),
                    label: t.text("common.language_switch"),
                }),
                title: t.render("centres.state_page_title", &[("state", state.name())]),
                lead: t.render("centres.state_page_lead", &[("state", state.name())]),
                districts: pages::districts(catalogue, centres, lang),
            };
            files.push(rendered(path, &page)?);
        }
        let form = FormPage {
            chrome: chrome.switching_to(switch("")),
            script: &script,
            lead: t.render("site.lead", &args),
            intake_url: &options.intake_url,
            groups: pages::centre_groups(catalogue),
            state_links,
            finder_url: format!("{base}{}", finder.path),
            weeks: pages::weeks(catalogue, lang),
            age_reference_date: campaign::dates::format_date(campaign.age_reference_date()),
            name_max: campaign::application::FullName::MAX_CHARS,
            rules_json: rules::for_script_element(&rules::rules(catalogue, lang)),
        };
        files.push(rendered(PathBuf::from(lang.code()).join("index.html"), &form)?);
        let change = ChangePage {
            form: FormPage {
                chrome: chrome.switching_to(switch("change/")),
                lead: t.render("change.lead", &args),
                rules_json: rules::for_script_element(&change_page::rules(rules::rules(catalogue, lang), lang)),
                groups: pages::centre_groups(catalogue),
                weeks: pages::weeks(catalogue, lang),
                state_links: form
                    .state_links
                    .iter()
                    .map(|l| StateLink { href: l.href.clone(), name: l.name })
                    .collect(),
                ..form
            },
            change_script: &change_script,
        };
        files.push(rendered(change_page::path(lang), &change)?);
        let decline = DeclinePage {
            chrome: chrome.switching_to(switch("decline/")),
            intake_url: &options.intake_url,
            lead: t.render("decline.lead", &args),
        };
        files.push(rendered(decline_page::path(lang), &decline)?);
        files.push((PathBuf::from(finder.path), finder.content));
        let centre_files = result_page::centre_files(catalogue, lang);
        let result = ResultPage {
            chrome: chrome.switching_to(switch("result/")),
            script: &result_script,
            lookup_url: result_page::lookup_url(&options.intake_url),
            data_json: result_page::script_data(catalogue, lang, base, &centre_files),
        };
        files.push(rendered(result_page::path(lang), &result)?);
        for (_, asset) in centre_files {
            files.push((PathBuf::from(asset.path), asset.content));
        }
        let sections = ["apply", "order", "rule", "results", "rounds", "bring"]
            .iter()
            .map(|s| (t.text(&format!("how.{s}_title")).to_owned(), t.render(&format!("how.{s}_body"), &args)))
            .collect();
        let how = HowPage {
            chrome: chrome.switching_to(switch("how-it-works.html")),
            sections,
            commitment: campaign.lottery_commitment().map(ToString::to_string),
        };
        files.push(rendered(PathBuf::from(lang.code()).join("how-it-works.html"), &how)?);
    }
    let choices = |title: &str, prompt: &str| -> Vec<LanguageChoice> {
        [Lang::Ms, Lang::En]
            .into_iter()
            .map(|lang| {
                let t = Messages::of(lang);
                LanguageChoice {
                    lang: lang.code(),
                    href: format!("{base}{}/", lang.code()),
                    title: t.text(title).to_owned(),
                    prompt: t.text(prompt).to_owned(),
                    link: t.text("common.back_to_form").to_owned(),
                }
            })
            .collect()
    };
    let root =
        RootPage { campaign_name: name, stylesheet: &stylesheet, choices: choices("site.title", "site.lead_short") };
    files.push(rendered("index.html", &root)?);
    let not_found = NotFoundPage {
        campaign_name: name,
        stylesheet: &stylesheet,
        choices: choices("site.not_found_title", "site.not_found_body"),
    };
    files.push(rendered("404.html", &not_found)?);
    for HashedAsset { path, content } in [css, js, result_js, change_js] {
        files.push((PathBuf::from(path), content));
    }
    files.push((PathBuf::from("_headers"), cdn_headers(options).into_bytes()));
    Ok(files)
}

/// A page's file: where it goes under the root, and the page rendered there.
fn rendered(path: impl Into<PathBuf>, page: &impl Template) -> askama::Result<(PathBuf, Vec<u8>)> {
    Ok((path.into(), page.render()?.into_bytes()))
}

/// Response headers for the CDN, in the `_headers` format several CDNs
/// read (and a plain statement of policy for the others): hashed assets
/// cached for a year, pages for five minutes, and a strict CSP that lets
/// the form reach intake's origin and nothing else.
fn cdn_headers(options: &BuildOptions) -> String {
    let intake_origin = options
        .intake_url
        .split_once("://")
        .map(|(scheme, rest)| format!(" {scheme}://{}", rest.split('/').next().unwrap_or(rest)))
        .unwrap_or_default();
    let base = &options.base_path;
    format!(
        "{base}assets/*\n  Cache-Control: public, max-age=31536000, immutable\n\
         {base}*\n  Cache-Control: public, max-age=300\n  \
         Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'{intake_origin}; form-action 'self'{intake_origin}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'\n  \
         X-Content-Type-Options: nosniff\n  Referrer-Policy: no-referrer\n  X-Frame-Options: DENY\n"
    )
}

/// Empties `out` for a fresh build, refusing a folder that is not ours.
fn prepare(out: &Path) -> anyhow::Result<()> {
    if !out.exists() {
        return fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()));
    }
    let entries: Vec<_> = fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read {}", out.display()))?;
    let ours = out.join(MARKER).exists();
    let foreign: Vec<_> =
        entries.iter().filter(|e| !KEPT.iter().any(|k| e.file_name() == *k) && e.file_name() != MARKER).collect();
    if !ours && !foreign.is_empty() {
        bail!(
            "{} holds files site-gen did not write ({} entries); refusing to delete them. Choose an empty or new folder.",
            out.display(),
            foreign.len()
        );
    }
    for entry in foreign {
        let path = entry.path();
        if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) }
            .with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}
