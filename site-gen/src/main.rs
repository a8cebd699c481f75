//! `site-gen`: see the crate documentation, and `site-gen --help`.

use std::path::PathBuf;

use clap::Parser;

/// Bakes the campaign into a static application form.
#[derive(Debug, Parser)]
#[command(version, about)]
enum Command {
    /// Build the static site into --out (emptied first).
    Build {
        /// Folder with campaign.toml, centres.csv and closures.csv.
        #[arg(long, env = "TEMUJANJI_DATA", default_value = "data")]
        data: PathBuf,
        /// Where forms are posted: an absolute URL for a CDN
        /// (https://intake.example.my/api/v1/applications) or a path when
        /// intake serves the site itself.
        #[arg(long, env = "SITE_INTAKE_URL", default_value = "/api/v1/applications")]
        intake_url: String,
        /// The folder to write; site-gen refuses to empty a folder it did not write.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        /// The URL path the site is served under.
        #[arg(long, default_value = "/")]
        base_path: String,
    },
    /// Load and check the campaign files, then print a summary.
    Check {
        /// Folder with campaign.toml, centres.csv and closures.csv.
        #[arg(long, env = "TEMUJANJI_DATA", default_value = "data")]
        data: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Command::parse() {
        Command::Build { data, intake_url, out, base_path } => {
            let catalogue = site_gen::load_catalogue(&data)?;
            let report = site_gen::build(&catalogue, &site_gen::BuildOptions { intake_url, base_path }, &out)?;
            println!("{}", catalogue.summary());
            print!("{report}");
            println!("wrote {}", out.display());
        }
        Command::Check { data } => println!("{}", site_gen::load_catalogue(&data)?.summary()),
    }
    Ok(())
}
