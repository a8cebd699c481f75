//! The stored allocation that `confirmations`, `export` and `report` work from.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::Args;

/// Whether to use a stored run that does not include every stored application.
#[derive(Debug, Args)]
pub struct StaleArgs {
    /// Use the stored allocation even though applications were stored after
    /// it (they are left out: they get no message and are on no list).
    #[arg(long)]
    allow_stale: bool,
}

/// The flags of a command that writes files from the stored allocation
/// into one folder (`confirmations`, `report`).
#[derive(Debug, Args)]
pub struct WriteFromStoredArgs {
    #[command(flatten)]
    pub store: cli::StoreArgs,
    #[command(flatten)]
    pub stale: StaleArgs,
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
}

/// A stored allocation with everything the follow-up commands need.
pub struct Stored {
    pub store: store::Store,
    pub run: store::RunRecord,
    pub applications: Vec<store::ApplicationRow>,
    pub allocations: Vec<store::AllocationRow>,
}

impl Stored {
    /// Opens the stored allocation, refusing one that left out applications
    /// stored after it unless the operator allows it.
    pub async fn open(args: &cli::StoreArgs, stale: &StaleArgs) -> anyhow::Result<Stored> {
        let store = super::open_store(args).await?;
        let run = store
            .current_run()
            .await?
            .ok_or_else(|| anyhow::anyhow!("no allocation is stored: run `allocator run` first"))?;
        let applications = store.all_applications().await?;
        let allocations = store.all_allocations().await?;
        let allocated: HashSet<&str> = allocations.iter().map(|a| a.reference.as_str()).collect();
        let missing = applications.iter().filter(|a| !allocated.contains(a.reference.as_str())).count();
        if missing > 0 {
            let (were, are) = if missing == 1 { ("application was", "is") } else { ("applications were", "are") };
            if !stale.allow_stale {
                anyhow::bail!(
                    "{missing} {were} stored after run {} and {are} not in it: run `allocator run --replace` to allocate everyone, or pass --allow-stale to go on without them",
                    run.run_id
                );
            }
            tracing::warn!(run = run.run_id, left_out = missing, "applications stored after the run are left out");
        }
        Ok(Stored { store, run, applications, allocations })
    }
}

/// What the operator reads about a trial run.
pub fn trial_note(run: &store::RunRecord) -> &'static str {
    if run.trial { " (a TRIAL run, made before registration closed: not the real allocation)" } else { "" }
}
