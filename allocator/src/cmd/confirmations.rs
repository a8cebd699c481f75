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
}

pub async fn run(args: ConfirmationsArgs) -> anyhow::Result<()> {
    let ConfirmationsArgs { stored: args, site_url } = args;
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
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
