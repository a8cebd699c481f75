//! `allocator confirmations`: one message for every applicant.

use std::path::PathBuf;

use clap::Args;

use super::stored::{StaleArgs, Stored, trial_note};

#[derive(Debug, Args)]
pub struct ConfirmationsArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    #[command(flatten)]
    stale: StaleArgs,
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "out")]
    out: PathBuf,
}

pub async fn run(args: ConfirmationsArgs) -> anyhow::Result<()> {
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    let path = allocator::confirm::write_outbox(&catalogue, &applications, &allocations, run.trial, &args.out)?;
    println!(
        "wrote {} messages for run {}{} to {} (personal data: readable by its owner only)",
        allocations.len(),
        run.run_id,
        trial_note(&run),
        path.display()
    );
    store.close().await;
    Ok(())
}
