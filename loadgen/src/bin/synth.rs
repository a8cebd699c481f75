//! `synth`: stores N synthetic, valid, realistic applications (benchmarks
//! and rehearsals), straight into the database through the store.

use clap::Parser;

/// Store N synthetic, valid, realistic applications (benchmarks and rehearsals).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Database and campaign files.
    #[command(flatten)]
    store: cli::StoreArgs,
    /// How many applications.
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Seed: the same seed gives the same applications.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Applications per transaction.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=5000))]
    batch: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Args { store: args, count, seed, batch } = Args::parse();
    cli::init_logging(cli::LogFormat::Human);
    let catalogue = cli::load_catalogue(&args.data)?;
    let store = store::Store::connect(&store::ConnectOptions::new(args.database_url.clone())).await?;
    store.migrate().await?;
    let started = std::time::Instant::now();
    let report = loadgen::synth::run(&store, &catalogue, count, seed, batch as usize).await?;
    let secs = started.elapsed().as_secs_f64();
    tracing::info!(
        inserted = report.inserted,
        already_stored = report.already_stored,
        seconds = format!("{secs:.2}"),
        per_second = format!("{:.0}", report.inserted as f64 / secs.max(1e-9)),
        "synthetic applications stored"
    );
    store.close().await;
    Ok(())
}
