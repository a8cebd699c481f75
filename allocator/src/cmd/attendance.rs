//! `allocator attendance`: store what the centres' returned day lists say.

use std::path::PathBuf;

use clap::Args;
use time::OffsetDateTime;

#[derive(Debug, Args)]
pub struct AttendanceArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    /// The export's manifest.json (by default the one in the export folder
    /// each file sits in).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Returned day lists, CSV or workbook (.xlsx), under the names they were exported with.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub async fn run(args: AttendanceArgs) -> anyhow::Result<()> {
    let store = super::open_store(&args.store).await?;
    let imports =
        allocator::attendance::import_files(&store, &args.files, args.manifest.as_deref(), OffsetDateTime::now_utc())
            .await;
    store.close().await;
    let mut refused = 0;
    for import in imports? {
        match import.outcome {
            Ok((accepted, done)) => println!(
                "{}: {} recorded ({} new, {} corrected), {} unchanged, {} unknown, {} declined before the day",
                import.name,
                done.added + done.changed,
                done.added,
                done.changed,
                done.unchanged,
                accepted.unknown,
                accepted.declined
            ),
            Err(problems) => {
                refused += 1;
                for problem in problems {
                    eprintln!("{problem}");
                }
                eprintln!("{}: refused, nothing stored from it", import.name);
            }
        }
    }
    anyhow::ensure!(refused == 0, "{refused} of {} files refused (every problem is listed above)", args.files.len());
    Ok(())
}
