//! `intake`: see the crate documentation.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The live server: validates one application and stores it durably, shedding load under a flood.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and check the campaign files, then print a summary.
    Check {
        /// Folder holding campaign.toml, centres.csv and closures.csv.
        #[arg(long, env = "TEMUJANJI_DATA", default_value = "data")]
        data: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Check { data } => {
            let catalogue = intake::load_catalogue(&data)?;
            println!("{}", catalogue.summary());
        }
    }
    Ok(())
}
