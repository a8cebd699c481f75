//! `allocator publish`: the results as static files beside the site.

use std::path::PathBuf;

use clap::Args;
use time::OffsetDateTime;

use super::stored::{StaleArgs, Stored, trial_note};

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    #[command(flatten)]
    stale: StaleArgs,
    /// Folder to write `results/` into (the site's folder, or one uploaded beside it).
    #[arg(long, default_value = "dist")]
    out: PathBuf,
    /// PBKDF2 iterations per derivation: each applicant's phone pays it once,
    /// a guesser once per guess. Lower only for rehearsals and tests.
    #[arg(long, default_value_t = result_files::write::DEFAULT_ITERATIONS,
          value_parser = clap::value_parser!(u32).range(i64::from(*result_files::manifest::ITERATIONS.start())..=i64::from(*result_files::manifest::ITERATIONS.end())))]
    kdf_iterations: u32,
    /// Publish although the stored run is a trial (made before registration closed).
    #[arg(long)]
    allow_trial: bool,
}

pub async fn run(args: PublishArgs) -> anyhow::Result<()> {
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    store.close().await;
    anyhow::ensure!(
        !run.trial || args.allow_trial,
        "run {} is a trial run, made before registration closed: its results are not the real ones (pass --allow-trial to publish them anyway)",
        run.run_id
    );
    let published = allocator::publish::write_results(
        &run,
        &applications,
        &allocations,
        args.kdf_iterations,
        &args.out,
        OffsetDateTime::now_utc(),
    )?;
    let m = &published.manifest;
    println!(
        "published {} results of run {}{} to {}: {} buckets of {} records ({} bytes each), {} PBKDF2 iterations",
        published.records,
        run.run_id,
        trial_note(&run),
        published.dir.display(),
        m.buckets,
        m.records_per_bucket,
        m.bucket_file_bytes(),
        m.iterations
    );
    Ok(())
}
