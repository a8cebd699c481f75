//! `allocator round`: give every free place on or after a day to the
//! waiting list, by the first run's rule and seed order.

use clap::Args;
use time::{Date, OffsetDateTime};

#[derive(Debug, Args)]
pub struct RoundArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    /// The first day (YYYY-MM-DD) whose places may still be given: after
    /// today, leaving time to send the messages.
    #[arg(long, value_parser = parse_day)]
    not_before: Date,
    /// Redo the last round (only the last; its places must not have been declined since).
    #[arg(long)]
    replace: bool,
    /// Act as if the time were this RFC 3339 instant (rehearsals only).
    #[arg(long, value_parser = cli::parse_instant)]
    pretend_now: Option<OffsetDateTime>,
}

fn parse_day(text: &str) -> Result<Date, String> {
    campaign::dates::parse_date(text).ok_or_else(|| format!("{text:?} is not a date: write YYYY-MM-DD"))
}

pub async fn run(args: RoundArgs) -> anyhow::Result<()> {
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let store = super::open_store(&args.store).await?;
    let options = allocator::round_run::RoundOptions {
        not_before: args.not_before,
        replace: args.replace,
        now: args.pretend_now.unwrap_or_else(OffsetDateTime::now_utc),
    };
    let record = allocator::round_run::run_round(&store, &catalogue, &args.store.data, &options).await?;
    println!(
        "round {}{} of run {}: {} waiting, {} places free from {}: {} given, {} left free (nobody waiting wanted them)",
        record.round,
        if args.replace { " (redone)" } else { "" },
        record.run_id,
        record.waiting,
        record.freed,
        campaign::dates::format_date(record.not_before),
        record.given,
        record.left_free
    );
    println!("input fingerprint: {}", record.input_fingerprint);
    store.close().await;
    Ok(())
}
