//! `site-gen`: bakes every centre and every date of the campaign into a
//! static application form that any CDN can serve. There is no availability
//! API: the form lists everything, all open, in English and Bahasa Melayu,
//! and posts to intake.

pub mod assets;
pub mod build;
pub mod pages;
pub mod report;
pub mod rules;

use std::path::Path;

use anyhow::Context;
use campaign::Catalogue;

pub use build::{BuildOptions, build};

/// Loads the campaign in `data`, with the problems listed if it is invalid.
pub fn load_catalogue(data: &Path) -> anyhow::Result<Catalogue> {
    Catalogue::load(data).with_context(|| format!("cannot load the campaign in {}", data.display()))
}
