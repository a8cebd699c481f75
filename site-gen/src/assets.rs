//! The stylesheet and script, named by their content so a CDN may cache
//! them forever: a new build with new content gets new names.

use campaign::{Centre, Lang, Messages};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The shared stylesheet (also served by intake for its answer pages).
pub const STYLESHEET: &str = include_str!("../../templates/site/style.css");
/// Validation rules' logic, shared with the node parity test.
pub const VALIDATE_JS: &str = include_str!("../../templates/site/validate.js");
/// The form's enhancements.
pub const APP_JS: &str = include_str!("../../templates/site/app.js");
/// Finding and opening a published result, shared with the node parity test.
pub const RESULT_LOOKUP_JS: &str = include_str!("../../templates/site/result-lookup.js");
/// The result page's behaviour.
pub const RESULT_JS: &str = include_str!("../../templates/site/result.js");
/// The change page's additions to the form's script: the reference, and withdrawing.
pub const CHANGE_JS: &str = include_str!("../../templates/site/change.js");
/// Finding a centre: search, nearest, the chosen centre's details.
pub const CENTRES_JS: &str = include_str!("../../templates/site/centres.js");

/// A file with a content-hashed name under `assets/`.
#[derive(Debug, Clone)]
pub struct HashedAsset {
    /// Path relative to the site root, e.g. `assets/style.3f2a9c0d1e.css`.
    pub path: String,
    /// The content.
    pub content: Vec<u8>,
}

impl HashedAsset {
    /// Names `content` as `assets/<stem>.<hash>.<extension>`.
    pub fn new(stem: &str, extension: &str, content: Vec<u8>) -> HashedAsset {
        let digest = Sha256::digest(&content);
        let hash = hex::encode(&digest[..5]);
        HashedAsset { path: format!("assets/{stem}.{hash}.{extension}"), content }
    }
}

/// The site's stylesheet.
pub fn stylesheet() -> HashedAsset {
    HashedAsset::new("style", "css", STYLESHEET.as_bytes().to_vec())
}

/// The stem of the centre finder's files, which the form loads after it is
/// shown (so they are not part of the first page's weight).
pub const FINDER_STEM: &str = "finder";

/// The centre finder for `lang`: its texts, one array per centre (id,
/// name, district, state, address, postcode, latitude, longitude; `null`
/// when the data has none) in the order of the form's list, then its code.
/// Coordinates are in the file so "nearest to me" measures in the page and
/// nobody's location is ever sent.
pub fn finder(centres: &[&Centre], lang: Lang) -> HashedAsset {
    let rows: Vec<Value> = centres
        .iter()
        .map(|c| {
            json!([
                c.id.as_str(),
                c.name,
                c.district,
                c.state.name(),
                c.address,
                c.postcode.as_ref().map(|p| p.as_str()),
                c.location.map(|l| l.latitude()),
                c.location.map(|l| l.longitude()),
            ])
        })
        .collect();
    let ui: Map<String, Value> =
        Messages::of(lang).section("finder.").map(|(k, v)| (k.to_owned(), Value::String(v.to_owned()))).collect();
    let data = json!({ "ui": ui, "centres": rows });
    let content = format!("window.TemujanjiFinder = {data};\n{CENTRES_JS}");
    HashedAsset::new(&format!("{FINDER_STEM}-{}", lang.code()), "js", content.into_bytes())
}

/// The site's one script: validation, then the form's enhancements.
pub fn script() -> HashedAsset {
    HashedAsset::new("app", "js", format!("{VALIDATE_JS}\n{APP_JS}").into_bytes())
}

/// The stem of the result page's script, which only that page loads.
pub const RESULT_STEM: &str = "result.";

/// The result page's script: the lookup, then the page's behaviour.
pub fn result_script() -> HashedAsset {
    HashedAsset::new("result", "js", format!("{RESULT_LOOKUP_JS}\n{RESULT_JS}").into_bytes())
}

/// The stem of the change page's script, which only that page loads.
pub const CHANGE_STEM: &str = "change.";

/// The change page's script, loaded after the form's own.
pub fn change_script() -> HashedAsset {
    HashedAsset::new("change", "js", CHANGE_JS.as_bytes().to_vec())
}
