//! `allocator report`: the auditor's figures, printed and written.

use super::stored::{Stored, WriteFromStoredArgs};

pub async fn run(args: WriteFromStoredArgs) -> anyhow::Result<()> {
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    let mut report = allocator::report::Report::build(&catalogue, run, &applications, &allocations)?;
    report.history = store.history_counts().await?;
    let (declines, rounds, attendance) = (store.declines().await?, store.rounds().await?, store.attendance().await?);
    report.rounds =
        allocator::report::rounds::RoundFigures::new(&catalogue, &allocations, rounds, &declines, &attendance);
    report.messages = store.outbox_counts(&report.run.run_id).await?;
    print!("{}", report.summary());
    print!("{}", report.rounds.summary());
    print!("{}", allocator::report::messages::summary(&report.messages));
    report.write(&args.out)?;
    allocator::report::rounds::write_days(&args.out, &report.rounds.days)?;
    allocator::report::messages::write(&args.out, &report.messages)?;
    println!(
        "wrote report.html, report.json, outcomes.csv, states.csv, busiest_centres.csv, busiest_days.csv, days.csv and messages.csv to {}",
        args.out.display()
    );
    store.close().await;
    Ok(())
}
