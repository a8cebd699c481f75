//! `intake`: see the crate documentation, and `intake --help`.

use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use intake::app::{Intake, shutdown_signal};
use intake::clock::{SharedClock, ShiftedClock, SystemClock};
use intake::config::{LogFormat, ServeArgs, StoreArgs};

/// The live application server of Temujanji.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the application endpoint (and, with --site, the static site).
    Serve(Box<ServeArgs>),
    /// Apply the database migrations, then exit.
    Migrate(StoreArgs),
    /// Load and check the campaign files, then print a summary.
    Check(StoreArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => {
            intake::telemetry::init(args.log_format);
            let catalogue = intake::load_catalogue(&args.store.data)?;
            tracing::info!("{}", catalogue.summary());
            let clock: SharedClock = match args.pretend_now {
                Some(start) => {
                    tracing::warn!(now = %start, "pretending the time is another: for rehearsals only");
                    Arc::new(ShiftedClock::starting_at(start))
                }
                None => Arc::new(SystemClock),
            };
            let intake = Intake::build(&args, catalogue, clock).await?;
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            tracing::info!(address = %listener.local_addr()?, "listening");
            intake.serve(listener, shutdown_signal()).await
        }
        Command::Migrate(args) => {
            intake::telemetry::init(LogFormat::Human);
            let store = store::Store::connect(&store::ConnectOptions::new(args.database_url.clone())).await?;
            store.migrate().await?;
            tracing::info!(backend = store.backend(), "migrations applied");
            Ok(())
        }
        Command::Check(args) => {
            println!("{}", intake::load_catalogue(&args.data)?.summary());
            Ok(())
        }
    }
}
