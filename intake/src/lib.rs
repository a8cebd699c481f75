//! The live server: validates one application and stores it durably, shedding load under a flood.
//!
//! The binary is a thin wrapper around this library so integration tests can
//! drive the same code.

use std::path::Path;

use anyhow::Context;
use campaign::Catalogue;

/// Loads the campaign in `data`, with the problems listed if it is invalid.
pub fn load_catalogue(data: &Path) -> anyhow::Result<Catalogue> {
    Catalogue::load(data).with_context(|| format!("cannot load the campaign in {}", data.display()))
}
