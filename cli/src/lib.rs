//! What every Temujanji command line shares, so `intake`, `allocator`,
//! `site-gen` and the load tools take the same flags, log the same way and
//! report a broken campaign the same way.
//!
//! No HTTP and no SQL: the database URL is only text here, and each binary
//! opens the store itself.

use std::path::{Path, PathBuf};

use anyhow::Context;
use campaign::Catalogue;
use clap::{Args, ValueEnum};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing_subscriber::EnvFilter;

/// Where the data lives, shared by every command that touches the database.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// `sqlite:PATH` (created if missing; `?mode=ro`, `rw` or `rwc` as in sqlx)
    /// or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:var/temujanji.db")]
    pub database_url: String,
    /// Folder with campaign.toml, centres.csv and closures.csv.
    #[arg(long, env = "TEMUJANJI_DATA", default_value = "data")]
    pub data: PathBuf,
}

/// Loads the campaign in `data`, with the problems listed if it is invalid.
pub fn load_catalogue(data: &Path) -> anyhow::Result<Catalogue> {
    Catalogue::load(data).with_context(|| format!("cannot load the campaign in {}", data.display()))
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Installs the global subscriber: `RUST_LOG` filters, `info` (and sqlx's
/// warnings) by default. Only the first call counts, so tests may call it
/// as often as they start a server.
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal: log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Parses a `--pretend-now` instant (rehearsals of a campaign whose
/// registration is not open today).
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("{text:?} is not an RFC 3339 instant such as 2027-06-01T10:00:00+08:00: {e}"))
}
