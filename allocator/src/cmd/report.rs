//! `allocator report`: the auditor's figures, printed and written.

use super::stored::{Stored, WriteFromStoredArgs};

pub async fn run(args: WriteFromStoredArgs) -> anyhow::Result<()> {
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    let mut report = allocator::report::Report::build(&catalogue, run, &applications, &allocations)?;
    report.history = store.history_counts().await?;
    print!("{}", report.summary());
    report.write(&args.out)?;
    let (declines, rounds, attendance) = (store.declines().await?, store.rounds().await?, store.attendance().await?);
    print!("{}", allocator::report::rounds::summary(&rounds, &declines));
    let days = allocator::report::rounds::by_day(&catalogue, &allocations, &declines, &attendance);
    allocator::report::rounds::write_days(&args.out, &days)?;
    let messages = store.outbox_counts(&report.run.run_id).await?;
    print!("{}", allocator::report::messages::summary(&messages));
    allocator::report::messages::write(&args.out, &messages)?;
    println!(
        "wrote report.html, report.json, outcomes.csv, states.csv, busiest_centres.csv, busiest_days.csv, days.csv and messages.csv to {}",
        args.out.display()
    );
    store.close().await;
    Ok(())
}
