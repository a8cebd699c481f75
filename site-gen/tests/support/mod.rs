//! What the site's tests share: the sample campaign, built into a temp dir
//! as intake serves it, and its pages parsed.

use std::fs;
use std::path::{Path, PathBuf};

use campaign::Catalogue;
use scraper::Html;
use site_gen::BuildOptions;
use site_gen::report::Report;

/// The sample campaign in `data/`.
pub fn catalogue() -> Catalogue {
    site_gen::load_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample data")
}

/// The sample campaign built into `dist/` of a temp dir (kept while the
/// dir lives), posting to intake's address on the same origin.
pub fn built() -> (tempfile::TempDir, PathBuf, Report) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("dist");
    let options = BuildOptions { intake_url: "/api/v1/applications".into(), base_path: "/".into() };
    let report = site_gen::build(&catalogue(), &options, &out).expect("build");
    (dir, out, report)
}

/// The page at `path` under the built site, parsed.
pub fn page(out: &Path, path: &str) -> Html {
    Html::parse_document(&fs::read_to_string(out.join(path)).expect("page exists"))
}
