//! `allocator report`: the auditor's figures, printed and written.

use std::path::PathBuf;

use clap::Args;

use super::stored::{StaleArgs, Stored};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    #[command(flatten)]
    stale: StaleArgs,
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "out")]
    out: PathBuf,
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    let report = allocator::report::Report::build(&catalogue, run, &applications, &allocations)?;
    print!("{}", report.summary());
    report.write(&args.out)?;
    println!(
        "wrote report.html, report.json, outcomes.csv, states.csv, busiest_centres.csv and busiest_days.csv to {}",
        args.out.display()
    );
    store.close().await;
    Ok(())
}
