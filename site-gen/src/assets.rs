//! The stylesheet and script, named by their content so a CDN may cache
//! them forever: a new build with new content gets new names.

use sha2::{Digest, Sha256};

/// The shared stylesheet (also served by intake for its answer pages).
pub const STYLESHEET: &str = include_str!("../../templates/site/style.css");
/// Validation rules' logic, shared with the node parity test.
pub const VALIDATE_JS: &str = include_str!("../../templates/site/validate.js");
/// The form's enhancements.
pub const APP_JS: &str = include_str!("../../templates/site/app.js");

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

/// The site's one script: validation, then the form's enhancements.
pub fn script() -> HashedAsset {
    HashedAsset::new("app", "js", format!("{VALIDATE_JS}\n{APP_JS}").into_bytes())
}
