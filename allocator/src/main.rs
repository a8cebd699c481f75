//! `allocator`: see the crate documentation, and `allocator --help`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// Millions of short strings are made and freed between the stages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Allocates appointments after registration closes, oldest first.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Whether to use a stored run that does not include every stored application.
#[derive(Debug, Args)]
struct StaleArgs {
    /// Use the stored allocation even though applications were stored after
    /// it (they are left out: they get no message and are on no list).
    #[arg(long)]
    allow_stale: bool,
}

#[derive(Debug, Args)]
struct StoreArgs {
    /// `sqlite:PATH` or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:var/temujanji.db")]
    database_url: String,
    /// Folder with campaign.toml, centres.csv and closures.csv.
    #[arg(long, env = "TEMUJANJI_DATA", default_value = "data")]
    data: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Allocate every stored application and store the result in one transaction.
    Run {
        #[command(flatten)]
        store: StoreArgs,
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
        #[arg(long, value_parser = parse_instant)]
        pretend_now: Option<OffsetDateTime>,
    },
    /// Draw a lottery seed before registration opens, keep it in FILE (readable by its owner
    /// only; never printed) and print the commitment to publish in campaign.toml.
    CommitSeed {
        /// The file to create; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write DIR/confirmations.csv: one message for every applicant, for the SMS/email gateway.
    Confirmations {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        stale: StaleArgs,
        /// Folder to write into (created if missing).
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Write the staff lists: per centre and state folder, day lists and
    /// waiting lists (CSV), summary.csv and manifest.json.
    Export {
        #[command(flatten)]
        store: StoreArgs,
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
    },
    /// Print the auditor's figures and write them to DIR (report.json and CSVs).
    Report {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        stale: StaleArgs,
        /// Folder to write into (created if missing).
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Read every application as the run does, and say how many and how fast
    /// (a check that the store is readable, and the floor of the run's time).
    Scan {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Load and check the campaign files, then print a summary.
    Check {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// A stored allocation with everything the follow-up commands need.
struct Stored {
    store: store::Store,
    run: store::RunRecord,
    applications: Vec<store::ApplicationRow>,
    allocations: Vec<store::AllocationRow>,
}

impl Stored {
    /// Opens the stored allocation, refusing one that left out applications
    /// stored after it unless the operator allows it.
    async fn open(args: &StoreArgs, stale: &StaleArgs) -> anyhow::Result<Stored> {
        let store = store::Store::connect(&store::ConnectOptions::new(args.database_url.clone())).await?;
        store.migrate().await?;
        let run = store
            .current_run()
            .await?
            .ok_or_else(|| anyhow::anyhow!("no allocation is stored: run `allocator run` first"))?;
        let applications = store.all_applications().await?;
        let allocations = store.all_allocations().await?;
        let allocated: HashSet<&str> = allocations.iter().map(|a| a.reference.as_str()).collect();
        let missing = applications.iter().filter(|a| !allocated.contains(a.reference.as_str())).count();
        if missing > 0 {
            let (were, are) = if missing == 1 { ("application was", "is") } else { ("applications were", "are") };
            if !stale.allow_stale {
                anyhow::bail!(
                    "{missing} {were} stored after run {} and {are} not in it: run `allocator run --replace` to allocate everyone, or pass --allow-stale to go on without them",
                    run.run_id
                );
            }
            tracing::warn!(run = run.run_id, left_out = missing, "applications stored after the run are left out");
        }
        Ok(Stored { store, run, applications, allocations })
    }
}

/// What the operator reads about a trial run.
fn trial_note(run: &store::RunRecord) -> &'static str {
    if run.trial { " (a TRIAL run, made before registration closed: not the real allocation)" } else { "" }
}

fn parse_instant(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("{text:?} is not an RFC 3339 instant: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).init();
    // A refusal is an answer for the operator, not a crash: one line with
    // its causes, and no backtrace whatever RUST_BACKTRACE says.
    match run_command(Cli::parse().command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_command(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run { store: args, seed, seed_file, replace, force, pretend_now } => {
            let catalogue = allocator::load_catalogue(&args.data)?;
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
            let store = store::Store::connect(&store::ConnectOptions::new(args.database_url.clone())).await?;
            store.migrate().await?;
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
            let record = allocator::run::run(&store, &catalogue, &args.data, &options).await?;
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
        }
        Command::CommitSeed { out } => {
            let commitment = allocator::seed::commit_new_seed(&out)?;
            println!(
                "wrote a new lottery seed to {} (readable by its owner only: keep it secret and safe until the run).\nPublish this line in campaign.toml before registration opens:\nlottery_commitment = \"{commitment}\"",
                out.display()
            );
        }
        Command::Confirmations { store: args, stale, out } => {
            let catalogue = allocator::load_catalogue(&args.data)?;
            let Stored { store, run, applications, allocations } = Stored::open(&args, &stale).await?;
            let path = allocator::confirm::write_outbox(&catalogue, &applications, &allocations, run.trial, &out)?;
            println!(
                "wrote {} messages for run {}{} to {} (personal data: readable by its owner only)",
                allocations.len(),
                run.run_id,
                trial_note(&run),
                path.display()
            );
            store.close().await;
        }
        Command::Export { store: args, stale, out, centres, states, no_bom, lang } => {
            let catalogue = allocator::load_catalogue(&args.data)?;
            for id in &centres {
                anyhow::ensure!(
                    catalogue.centre(&id.to_ascii_uppercase()).is_some(),
                    "--centre {id}: no such centre in the catalogue"
                );
            }
            let Stored { store, run, applications, allocations } = Stored::open(&args, &stale).await?;
            let options = allocator::export::ExportOptions { centres, states, no_bom, lang };
            let files = allocator::export::write_exports(
                &catalogue,
                &run,
                &applications,
                &allocations,
                &options,
                &out,
                OffsetDateTime::now_utc(),
            )?;
            println!(
                "wrote {} files for run {}{} to {} with a manifest; the centre lists hold personal data and are readable by their owner only: hand them over encrypted (see README)",
                files.len(),
                run.run_id,
                trial_note(&run),
                out.display()
            );
            store.close().await;
        }
        Command::Report { store: args, stale, out } => {
            let catalogue = allocator::load_catalogue(&args.data)?;
            let Stored { store, run, applications, allocations } = Stored::open(&args, &stale).await?;
            let report = allocator::report::Report::build(&catalogue, run, &applications, &allocations)?;
            print!("{}", report.summary());
            report.write(&out)?;
            println!(
                "wrote report.html, report.json, outcomes.csv, states.csv, busiest_centres.csv and busiest_days.csv to {}",
                out.display()
            );
            store.close().await;
        }
        Command::Scan { store: args } => {
            let store = store::Store::connect(&store::ConnectOptions::new(args.database_url.clone())).await?;
            store.migrate().await?;
            let started = std::time::Instant::now();
            let inputs = store.read_allocation_inputs().await?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "scanned {} applications in {seconds:.2}s ({:.0} a second); digest {}",
                inputs.rows.len(),
                inputs.rows.len() as f64 / seconds.max(1e-9),
                inputs.digest
            );
            store.close().await;
        }
        Command::Check { store } => println!("{}", allocator::load_catalogue(&store.data)?.summary()),
    }
    Ok(())
}
