//! `allocator confirmations`: one message for every applicant.

use clap::Args;

use super::stored::{Stored, WriteFromStoredArgs, trial_note};

#[derive(Debug, Args)]
pub struct ConfirmationsArgs {
    #[command(flatten)]
    stored: WriteFromStoredArgs,
    /// The site's address, e.g. https://daftar.example.my: each SMS then ends
    /// with its "Check my result" page, the reference in the fragment.
    #[arg(long)]
    site_url: Option<allocator::result_link::SiteUrl>,
    /// Only the people whose situation round N changed (newly allocated, or a new
    /// waiting-list position), into DIR/confirmations-round-N.csv. Round 1 is the first run.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    round: Option<u32>,
}

pub async fn run(args: ConfirmationsArgs) -> anyhow::Result<()> {
    let ConfirmationsArgs { stored: args, site_url, round } = args;
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    if let Some(round) = round {
        let last = store.rounds().await?.last().map_or(store::FIRST_ROUND, |r| r.round);
        if round > last {
            anyhow::bail!("round {round} is not stored: the last round of run {} is {last}", run.run_id);
        }
        let (path, written) = allocator::confirm::write_round_outbox(
            &catalogue,
            &applications,
            &allocations,
            round,
            site_url.as_ref(),
            &args.out,
        )?;
        println!(
            "wrote {written} messages for round {round} of run {} to {} (personal data: readable by its owner only)",
            run.run_id,
            path.display()
        );
        store.close().await;
        return Ok(());
    }
    let path = allocator::confirm::write_outbox(
        &catalogue,
        &applications,
        &allocations,
        run.trial,
        site_url.as_ref(),
        &args.out,
    )?;
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
