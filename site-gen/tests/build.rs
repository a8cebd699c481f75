//! Build the sample campaign into a temp dir and check what people get.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use campaign::Lang;
use scraper::{Html, Selector};
use site_gen::BuildOptions;
use site_gen::report::FIRST_PAGE_BUDGET;

mod support;

use support::{built, catalogue, page};

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).expect("valid selector")).collect()
}

#[test]
fn every_centre_and_every_open_day_is_in_both_languages() {
    let (_dir, out, _) = built();
    let catalogue = catalogue();
    let days: Vec<_> = catalogue.campaign().days().collect();
    for lang in Lang::ALL {
        let html = page(&out, &format!("{}/index.html", lang.code()));
        assert_eq!(select(&html, "html")[0].value().attr("lang"), Some(lang.code()));
        let options = select(&html, "select#centre option[data-open]");
        let offered: HashMap<&str, &str> = options
            .iter()
            .map(|o| (o.value().attr("value").unwrap_or(""), o.value().attr("data-open").unwrap_or("")))
            .collect();
        assert_eq!(offered.len(), catalogue.centres().len(), "{lang}: every centre, once");
        for centre in catalogue.centres() {
            let open = offered.get(centre.id.as_str()).unwrap_or_else(|| panic!("{lang}: {} missing", centre.id));
            let open_days: BTreeSet<_> = open.chars().zip(&days).filter(|(c, _)| *c == '1').map(|(_, d)| *d).collect();
            let expected: BTreeSet<_> = days.iter().copied().filter(|d| catalogue.is_open(centre, *d)).collect();
            assert_eq!(open_days, expected, "{lang}: open days of {}", centre.id);
        }
        // Each week offers every day of that week and "any".
        for week in catalogue.campaign().weeks() {
            let values: Vec<String> = select(&html, &format!("select#week{} option", week.number()))
                .iter()
                .map(|o| o.value().attr("value").unwrap_or("").to_owned())
                .collect();
            let mut expected = vec![String::new(), "any".to_owned()];
            expected.extend(catalogue.campaign().days_of(week).map(campaign::dates::format_date));
            assert_eq!(values, expected);
        }
    }
}

#[test]
fn the_form_posts_to_intake_and_works_without_scripts() {
    let (_dir, out, _) = built();
    for lang in ["en", "ms"] {
        let html = page(&out, &format!("{lang}/index.html"));
        let form = &select(&html, "form#application")[0];
        assert_eq!(form.value().attr("method"), Some("post"));
        // The language also rides in the address, so that intake can refuse
        // (busy, too large) in the right language before reading the body.
        assert_eq!(form.value().attr("action"), Some(format!("/api/v1/applications?lang={lang}").as_str()));
        let lang_field = &select(&html, "input[name=lang]")[0];
        assert_eq!(lang_field.value().attr("value"), Some(lang), "the language goes with the application");
        let names: BTreeSet<&str> =
            select(&html, "form#application [name]").iter().filter_map(|e| e.value().attr("name")).collect();
        for field in [
            "id_type",
            "id_number",
            "birth_date",
            "full_name",
            "phone",
            "email",
            "lang",
            "centre",
            "week1",
            "week2",
            "week3",
            "accept_other_dates",
            "consent",
        ] {
            assert!(names.contains(field), "{lang}: no field {field}");
        }
        let accept = &select(&html, "input[name=accept_other_dates]")[0];
        assert!(accept.value().attr("checked").is_some(), "accepting other dates is ticked by default");
        // The state filter needs scripts, so it starts hidden; the centre list is grouped by state without it.
        assert!(select(&html, "select#state")[0].value().attr("hidden").is_some());
        assert_eq!(select(&html, "select#centre optgroup").len(), 16);
    }
}

#[test]
fn every_control_has_a_label_and_every_group_a_legend() {
    let (_dir, out, _) = built();
    for lang in ["en", "ms"] {
        let html = page(&out, &format!("{lang}/index.html"));
        let labelled: BTreeSet<&str> =
            select(&html, "label[for]").iter().filter_map(|l| l.value().attr("for")).collect();
        for control in select(&html, "input:not([type=hidden]), select") {
            let id = control.value().attr("id").expect("every control has an id");
            assert!(labelled.contains(id), "{lang}: #{id} has no label");
        }
        for fieldset in select(&html, "fieldset") {
            assert!(fieldset.children().filter_map(scraper::ElementRef::wrap).any(|c| c.value().name() == "legend"));
        }
        let summary = &select(&html, "#error-summary")[0];
        assert_eq!(summary.value().attr("role"), Some("alert"), "errors are announced");
        assert_eq!(select(&html, "#status")[0].value().attr("aria-live"), Some("polite"));
    }
}

#[test]
fn assets_are_content_hashed_and_nothing_comes_from_elsewhere() {
    let (_dir, out, _) = built();
    for path in
        ["en/index.html", "ms/index.html", "en/how-it-works.html", "ms/how-it-works.html", "index.html", "404.html"]
    {
        let text = fs::read_to_string(out.join(path)).expect("page");
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{path}: external URL"
        );
        assert!(!text.contains(" style=") && !text.contains("<style"), "{path}: inline style breaks a strict CSP");
        let html = Html::parse_document(&text);
        for script in select(&html, "script") {
            let kind = script.value().attr("type");
            assert!(script.value().attr("src").is_some() || kind == Some("application/json"), "{path}: inline script");
        }
        for link in select(&html, "link[rel=stylesheet], script[src]") {
            let url = link.value().attr("href").or(link.value().attr("src")).expect("url");
            let file = out.join(url.trim_start_matches('/'));
            let content = fs::read(&file).unwrap_or_else(|_| panic!("{path}: {url} is missing"));
            let hash: String = sha2_hex(&content)[..10].to_owned();
            assert!(url.contains(&format!(".{hash}.")), "{path}: {url} is not named by its content");
        }
    }
}

fn sha2_hex(content: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(content))
}

#[test]
fn the_first_page_fits_a_slow_phone_connection() {
    let (_dir, _out, report) = built();
    for lang in ["en", "ms"] {
        let size = report.first_page_gzipped(lang);
        assert!(size > 5_000, "the first page is measured ({size} bytes)");
        assert!(size <= FIRST_PAGE_BUDGET, "{lang}: {size} bytes gzipped is over the budget");
    }
}

#[test]
fn the_budget_is_twenty_kilobytes_and_the_report_shows_the_first_page() {
    let (_dir, _out, report) = built();
    assert_eq!(FIRST_PAGE_BUDGET, 20 * 1024);
    let shown = report.to_string();
    for lang in ["en", "ms"] {
        let line =
            format!("first page ({lang}: form + css + js): {} bytes gzipped, within", report.first_page_gzipped(lang));
        assert!(shown.contains(&line), "{shown}");
    }
}

#[test]
fn without_scripts_centres_are_listed_by_state_then_district_and_each_names_its_district() {
    let (_dir, out, _) = built();
    let catalogue = catalogue();
    for lang in ["en", "ms"] {
        let html = page(&out, &format!("{lang}/index.html"));
        for group in select(&html, "select#centre optgroup") {
            let centres: Vec<_> = group
                .select(&Selector::parse("option").expect("selector"))
                .map(|o| {
                    let id = o.value().attr("value").unwrap_or("");
                    let centre = catalogue.centre(id).unwrap_or_else(|| panic!("{lang}: {id} is a centre"));
                    let text: String = o.text().collect();
                    assert!(
                        text.to_lowercase().contains(&centre.district.to_lowercase()),
                        "{lang}: {text:?} names its district {}",
                        centre.district
                    );
                    assert!(text.contains(&centre.name), "{lang}: {text:?} gives the whole name");
                    (centre.district.to_lowercase(), centre.name.to_lowercase())
                })
                .collect();
            let mut sorted = centres.clone();
            sorted.sort();
            assert_eq!(centres, sorted, "{lang}: by district, then name");
        }
    }
}

#[test]
fn without_scripts_every_centre_can_be_checked_on_its_state_page() {
    let (_dir, out, _) = built();
    let catalogue = catalogue();
    for lang in Lang::ALL {
        let m = campaign::Messages::of(lang);
        let form = page(&out, &format!("{}/index.html", lang.code()));
        let links: Vec<String> = select(&form, "ul.state-pages a")
            .iter()
            .map(|a| a.value().attr("href").unwrap_or("").trim_start_matches('/').to_owned())
            .collect();
        assert_eq!(links.len(), 16, "{lang}: a link per state");
        let mut listed = BTreeSet::new();
        for link in &links {
            let html = page(&out, link);
            assert_eq!(select(&html, "html")[0].value().attr("lang"), Some(lang.code()));
            for item in select(&html, "ul.centres > li") {
                let id = item.value().attr("id").unwrap_or("");
                let centre = catalogue.centre(id).unwrap_or_else(|| panic!("{link}: {id} is a centre"));
                let text: String = item.text().collect();
                assert!(text.contains(&centre.name) && text.contains(&centre.address), "{link}: {text}");
                let first_open = catalogue.campaign().days().find(|d| catalogue.is_open(centre, *d)).expect("open");
                assert!(text.contains(&m.date(first_open)), "{link}: {id} gives its open days: {text}");
                let closed = catalogue.campaign().days().find(|d| !catalogue.is_open(centre, *d));
                if let Some(closed) = closed {
                    assert!(!text.contains(&m.date(closed)), "{link}: {id} is closed on {closed}");
                }
                assert!(listed.insert(centre.id.clone()), "{link}: {id} listed once");
            }
        }
        assert_eq!(listed.len(), catalogue.centres().len(), "{lang}: every centre is on its state's page");
    }
}

#[test]
fn every_page_footer_gives_the_helpline_in_its_language() {
    let (_dir, out, _) = built();
    for (lang, words) in [("en", "Call the vaccination helpline"), ("ms", "Hubungi talian bantuan vaksinasi")] {
        for path in ["index.html", "how-it-works.html"] {
            let html = page(&out, &format!("{lang}/{path}"));
            let footer: String = select(&html, "footer").iter().flat_map(|f| f.text()).collect();
            assert!(footer.contains(words) && footer.contains("03-8000 8000 (08:00-20:00)"), "{lang}/{path}: {footer}");
        }
    }
}

#[test]
fn the_other_pages_exist_in_both_languages() {
    let (_dir, out, _) = built();
    for lang in ["en", "ms"] {
        let how = page(&out, &format!("{lang}/how-it-works.html"));
        assert_eq!(select(&how, "h2").len(), 6, "{lang}: every step is explained, declining and rounds too");
        let switch = select(&how, "header a[hreflang]");
        assert_eq!(switch.len(), 1, "{lang}: a visible language switch");
    }
    let root = page(&out, "index.html");
    let links: Vec<&str> = select(&root, "a[hreflang]").iter().filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(links, ["/ms/", "/en/"]);
    let not_found = page(&out, "404.html");
    assert_eq!(select(&not_found, "section[lang]").len(), 2);
}

#[test]
fn a_rebuild_starts_from_scratch_but_keeps_the_readme() {
    let (_dir, out, _) = built();
    fs::write(out.join("README.md"), "kept").expect("write");
    fs::write(out.join("assets/style.old.css"), "stale").expect("write");
    fs::create_dir(out.join("results")).expect("results folder");
    fs::write(out.join("results/manifest.json"), "published").expect("write");
    let options = BuildOptions { intake_url: "/x".into(), base_path: "/".into() };
    site_gen::build(&catalogue(), &options, &out).expect("rebuild");
    assert!(!out.join("assets/style.old.css").exists(), "stale files go");
    assert_eq!(fs::read_to_string(out.join("README.md")).expect("kept"), "kept");
    let published = fs::read_to_string(out.join("results/manifest.json")).expect("kept");
    assert_eq!(published, "published", "the published results stay beside the site");
}

#[test]
fn a_folder_that_site_gen_did_not_write_is_never_emptied() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("precious.txt"), "do not delete").expect("write");
    let options = BuildOptions { intake_url: "/x".into(), base_path: "/".into() };
    let error = site_gen::build(&catalogue(), &options, dir.path()).expect_err("refused");
    assert!(error.to_string().contains("refusing to delete"), "{error}");
    assert!(dir.path().join("precious.txt").exists());
}

#[test]
fn bad_data_is_refused_with_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    for file in ["campaign.toml", "closures.csv"] {
        fs::copy(data.join(file), dir.path().join(file)).expect("copy");
    }
    fs::write(
        dir.path().join("centres.csv"),
        "id,state,district,name,address,daily_capacity,closed_weekdays\nX-1,Mars,a,b,c,10,\n",
    )
    .expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_site-gen"))
        .args(["build", "--out"])
        .arg(dir.path().join("out"))
        .arg("--data")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("centres.csv:2: state: unknown state \"Mars\""), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing is written from bad data");
}

#[test]
fn the_cdn_is_told_how_to_cache_and_what_the_page_may_reach() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options =
        BuildOptions { intake_url: "https://intake.example.my/api/v1/applications".into(), base_path: "/".into() };
    site_gen::build(&catalogue(), &options, dir.path()).expect("build");
    let headers = fs::read_to_string(dir.path().join("_headers")).expect("_headers");
    assert!(headers.contains("/assets/*\n  Cache-Control: public, max-age=31536000, immutable"));
    assert!(headers.contains("/*\n  Cache-Control: public, max-age=300"));
    assert!(headers.contains("connect-src 'self' https://intake.example.my;"), "{headers}");
    assert!(headers.contains("form-action 'self' https://intake.example.my;"));
    let form = page(dir.path(), "en/index.html");
    assert_eq!(
        select(&form, "form#application")[0].value().attr("action"),
        Some("https://intake.example.my/api/v1/applications?lang=en")
    );
}

#[test]
fn the_centre_finder_comes_after_the_first_page_and_knows_every_centre() {
    let (_dir, out, report) = built();
    let catalogue = catalogue();
    for lang in ["en", "ms"] {
        let html = page(&out, &format!("{lang}/index.html"));
        let href = select(&html, "#search-field")[0].value().attr("data-script").expect("finder").to_owned();
        let scripts: Vec<_> = select(&html, "script[src]").iter().filter_map(|s| s.value().attr("src")).collect();
        assert!(!scripts.contains(&href.as_str()), "{lang}: the finder is not loaded with the page");
        let finder = fs::read_to_string(out.join(href.trim_start_matches('/'))).expect("finder written");
        let counted = report.files.iter().find(|f| f.path.to_string_lossy() == href.trim_start_matches('/'));
        assert!(counted.is_some_and(|f| f.gzipped > 0), "{lang}: the report lists the finder");
        for centre in catalogue.centres() {
            let postcode = centre.postcode.as_ref().expect("sample postcode");
            let location = centre.location.expect("sample location");
            let row = format!("[\"{}\",", centre.id);
            assert!(finder.contains(&row), "{lang}: {} in the finder", centre.id);
            assert!(finder.contains(&format!("\"{postcode}\",{},{}]", location.latitude(), location.longitude())));
        }
    }
}

#[test]
fn the_result_page_works_without_scripts_and_fits_a_cheap_phone_with_its_bucket() {
    let (_dir, out, report) = built();
    for lang in ["en", "ms"] {
        let path = format!("{lang}/result/index.html");
        let html = page(&out, &path);
        let form = select(&html, "form#result-form");
        let form = form.first().expect("the result form");
        assert_eq!(form.value().attr("method"), Some("post"));
        assert_eq!(form.value().attr("action"), Some(format!("/api/v1/results?lang={lang}").as_str()), "{path}");
        for id in ["reference", "birth_date"] {
            let label = select(&html, &format!("label[for={id}]"));
            assert_eq!(label.len(), 1, "{path}: #{id} has a label");
        }
        let live = select(&html, "#result-status[role=status][aria-live=polite]");
        assert_eq!(live.len(), 1, "{path}: a live region for the result");
        let data = select(&html, "script#result-data");
        let data: serde_json::Value =
            serde_json::from_str(&data.first().expect("data").text().collect::<String>()).expect("JSON");
        assert_eq!(data["results_url"], "/results/");
        for (prefix, url) in data["centres"].as_object().expect("centres") {
            let file = fs::read(out.join(url.as_str().expect("url").trim_start_matches('/'))).expect("centres file");
            let centres: serde_json::Value = serde_json::from_slice(&file).expect("JSON");
            for (id, details) in centres.as_object().expect("by code") {
                assert!(id.starts_with(&format!("{prefix}-")), "{id} in {prefix}");
                assert_eq!(details.as_array().map(Vec::len), Some(3), "{id}: name, address, open days");
            }
        }
        assert!(data["days"]["2028-01-10"].as_str().is_some_and(|d| d.contains("2028")), "the days, written out");
        let size = report.result_page_gzipped(lang);
        assert!(size > 3_000, "the result page is measured ({size} bytes)");
        assert!(
            size + site_gen::report::BUCKET_ALLOWANCE <= site_gen::report::RESULT_PAGE_BUDGET,
            "{lang}: {size} bytes gzipped and a bucket are over the budget"
        );
        let form_page = page(&out, &format!("{lang}/index.html"));
        assert_eq!(select(&form_page, &format!("footer a[href='/{lang}/result/']")).len(), 1, "linked from the form");
    }
}
