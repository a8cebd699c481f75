//! `allocator confirmations`: one message for every applicant.

use super::stored::{Stored, WriteFromStoredArgs, trial_note};

pub async fn run(args: WriteFromStoredArgs) -> anyhow::Result<()> {
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
