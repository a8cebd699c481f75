//! `allocator`: see the crate documentation, and `allocator --help`. Each
//! command lives in its own module under `cmd/`; this file only parses,
//! sets up logging and turns a refusal into one line and an exit code.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

// Millions of short strings are made and freed between the stages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Allocates appointments after registration closes, oldest first.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: cmd::Command,
}

#[tokio::main]
async fn main() -> ExitCode {
    cli::init_logging(cli::LogFormat::Human);
    // A refusal is an answer for the operator, not a crash: one line with
    // its causes, and no backtrace whatever RUST_BACKTRACE says.
    match Cli::parse().command.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
