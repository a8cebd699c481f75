//! The lottery commitment is public from the first day: baked onto the
//! "how it works" page in both languages, with how to check it.

use std::fs;
use std::path::Path;

use campaign::{Lang, Messages};
use scraper::{Html, Selector};
use site_gen::BuildOptions;

const COMMITMENT: &str = "sha256:6ae9e4d22c4670b9140fc378214b3274fb3f64d16058717f974515000680b24c";

fn build(commitment: Option<&str>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    fs::create_dir(&data).expect("mkdir");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    for file in ["campaign.toml", "centres.csv", "closures.csv"] {
        fs::copy(sample.join(file), data.join(file)).expect("copy");
    }
    if let Some(c) = commitment {
        let toml = fs::read_to_string(data.join("campaign.toml")).expect("read");
        fs::write(data.join("campaign.toml"), format!("lottery_commitment = \"{c}\"\n{toml}")).expect("write");
    }
    let catalogue = site_gen::load_catalogue(&data).expect("campaign loads");
    let out = dir.path().join("dist");
    let options = BuildOptions { intake_url: "/api/v1/applications".into(), base_path: "/".into() };
    site_gen::build(&catalogue, &options, &out).expect("build");
    (dir, out)
}

fn how_page(out: &Path, lang: Lang) -> Html {
    Html::parse_document(&fs::read_to_string(out.join(lang.code()).join("how-it-works.html")).expect("page"))
}

fn texts(html: &Html, css: &str) -> Vec<String> {
    html.select(&Selector::parse(css).expect("selector")).map(|e| e.text().collect::<String>()).collect()
}

#[test]
fn the_how_page_shows_the_commitment_and_how_to_check_it_in_both_languages() {
    let (_dir, out) = build(Some(COMMITMENT));
    for lang in Lang::ALL {
        let t = Messages::of(lang);
        let html = how_page(&out, lang);
        assert_eq!(texts(&html, "code.commitment"), [COMMITMENT], "{lang}: the commitment, once");
        let headings = texts(&html, "h2");
        assert_eq!(headings.len(), 7, "{lang}: the six steps and the commitment");
        assert_eq!(headings[6], t.text("how.commitment_title"), "{lang}");
        let paragraphs = texts(&html, "p").join("\n");
        for key in ["how.commitment_body", "how.commitment_check"] {
            assert!(paragraphs.contains(t.text(key)), "{lang}: {key} is on the page");
        }
        let commands = texts(&html, ".commands code");
        assert!(commands.iter().any(|c| c == "printf %s \"$(cat lottery-seed.txt)\" | sha256sum"), "{commands:?}");
        assert!(
            commands.iter().any(|c| c.starts_with("python3 ") && c.ends_with("< lottery-seed.txt")),
            "{commands:?}"
        );
    }
}

#[test]
fn without_a_commitment_the_page_promises_none() {
    let (_dir, out) = build(None);
    for lang in Lang::ALL {
        let html = how_page(&out, lang);
        assert!(texts(&html, "code.commitment").is_empty(), "{lang}");
        assert_eq!(texts(&html, "h2").len(), 6, "{lang}");
    }
}
