//! `allocator export`: the staff lists, per state and centre.

use std::path::PathBuf;

use clap::Args;
use time::OffsetDateTime;

use super::stored::{StaleArgs, Stored, trial_note};

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    #[command(flatten)]
    stale: StaleArgs,
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "out/export")]
    out: PathBuf,
    /// Only this centre (repeat for several).
    #[arg(long = "centre")]
    centres: Vec<String>,
    /// Only centres in this state (repeat for several).
    #[arg(long = "state")]
    states: Vec<campaign::State>,
    /// Leave out the UTF-8 byte-order mark.
    #[arg(long)]
    no_bom: bool,
    /// Language of the printed workbooks' headings (en or ms).
    #[arg(long, default_value = "ms")]
    lang: campaign::Lang,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let catalogue = cli::load_catalogue(&args.store.data)?;
    for id in &args.centres {
        anyhow::ensure!(
            catalogue.centre(&id.to_ascii_uppercase()).is_some(),
            "--centre {id}: no such centre in the catalogue"
        );
    }
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    let ExportArgs { out, centres, states, no_bom, lang, .. } = args;
    let options = allocator::export::ExportOptions { centres, states, no_bom, lang, changes: None };
    let stored =
        allocator::staff_changes::Exported { run: &run, applications: &applications, allocations: &allocations };
    let allocator::staff_changes::ExportDone { files, record, previous } = allocator::staff_changes::export_and_record(
        &store,
        &catalogue,
        &stored,
        options,
        &out,
        OffsetDateTime::now_utc(),
    )
    .await?;
    match previous {
        Some(p) => println!(
            "export {} of run {}: each centre's changes list holds what changed since export {} ({})",
            record.number,
            run.run_id,
            p.number,
            campaign::dates::format_date(p.exported_at.date())
        ),
        None => println!("export 1 of run {}: the next export will list each day's changes since this one", run.run_id),
    }
    println!(
        "wrote {} files for run {}{} to {} with a manifest; the centre lists hold personal data and are readable by their owner only: hand them over encrypted (see README)",
        files.len(),
        run.run_id,
        trial_note(&run),
        out.display()
    );
    store.close().await;
    Ok(())
}
