//! `allocator run`: allocate every stored application, checking the seed
//! against the published commitment first.

use std::path::PathBuf;

use clap::Args;
use time::OffsetDateTime;

use super::stored::trial_note;

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    /// The lottery seed for same-birth-date ties; drawn at random (and printed) when absent.
    /// Publish it: with it anyone can recompute the order.
    #[arg(long)]
    seed: Option<String>,
    /// Read the seed from this file (one line), as `commit-seed` wrote it. When campaign.toml
    /// has a lottery_commitment, the seed must be given (this or --seed) and match it.
    #[arg(long, conflicts_with = "seed")]
    seed_file: Option<PathBuf>,
    /// Replace an allocation that is already stored.
    #[arg(long)]
    replace: bool,
    /// Run although registration is still open (a trial run).
    #[arg(long)]
    force: bool,
    /// Act as if the time were this RFC 3339 instant (rehearsals only).
    #[arg(long, value_parser = cli::parse_instant)]
    pretend_now: Option<OffsetDateTime>,
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let RunArgs { store: store_args, seed, seed_file, replace, force, pretend_now } = args;
    let catalogue = cli::load_catalogue(&store_args.data)?;
    let commitment = catalogue.campaign().lottery_commitment();
    // A seed given or committed to is checked before anything is
    // read: a seed other than the committed one is never tried.
    let given = if seed.is_some() || seed_file.is_some() || commitment.is_some() {
        let chosen = allocator::seed::choose_seed(seed, seed_file.as_deref(), commitment)?;
        allocator::seed::check_seed(commitment, &chosen)?;
        Some(chosen)
    } else {
        None
    };
    let store = super::open_store(&store_args).await?;
    let now = pretend_now.unwrap_or_else(OffsetDateTime::now_utc);
    // Refuse before drawing: a seed printed for a run that never
    // happened would be taken for the published one.
    let trial = allocator::run::preflight(&store, &catalogue, replace, force, now).await?;
    let seed = given.unwrap_or_else(allocator::lottery::random_seed);
    match commitment {
        Some(c) => println!("seed: {seed} (matches the published lottery commitment {c})"),
        None => println!("seed: {seed} (not committed in advance: campaign.toml has no lottery_commitment)"),
    }
    if trial {
        println!("registration is still open: this is a TRIAL run, stored and reported as one");
    }
    let options = allocator::run::RunOptions { seed, replace, force, now };
    let record = allocator::run::run(&store, &catalogue, &store_args.data, &options).await?;
    println!(
        "run {}{}: {} applicants, {} allocated, {} waitlisted (read {:.2}s, allocate {:.2}s, write {:.2}s)",
        record.run_id,
        trial_note(&record),
        record.applicants,
        record.allocated,
        record.waitlisted,
        record.read_seconds,
        record.allocate_seconds,
        record.write_seconds
    );
    store.close().await;
    Ok(())
}
