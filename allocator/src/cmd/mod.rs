//! One module per `allocator` command, each a flag struct and a `run`.

mod attendance;
mod check;
mod commit_seed;
mod confirmations;
mod export;
mod publish;
mod report;
mod round;
mod run;
mod scan;
mod send;
mod stored;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Allocate every stored application and store the result in one transaction.
    Run(run::RunArgs),
    /// Give every free place on or after --not-before (declined, unused, or added to
    /// centres.csv since) to the waiting list, by the first run's rule and seed order.
    Round(round::RoundArgs),
    /// Draw a lottery seed before registration opens, keep it in FILE (readable by its owner
    /// only; never printed) and print the commitment to publish in campaign.toml.
    CommitSeed(commit_seed::CommitSeedArgs),
    /// Write DIR/confirmations.csv: one message for every applicant, for the SMS/email gateway.
    Confirmations(confirmations::ConfirmationsArgs),
    /// Queue every confirmation in the outbox and send what is pending through
    /// Kannel, once each, with delivery reports; run again to resume.
    Send(send::SendArgs),
    /// Write the staff lists: per centre and state folder, day lists and
    /// waiting lists (CSV), summary.csv and manifest.json.
    Export(export::ExportArgs),
    /// Write DIR/results/: every applicant's result sealed for the "Check my
    /// result" page, found and opened only with reference and birth date.
    Publish(publish::PublishArgs),
    /// Store who came, from the centres' filled-in day lists (CSV or .xlsx,
    /// `attended` = y/n/ya/tidak); a file that does not match the stored run
    /// is refused whole, with every problem listed.
    Attendance(attendance::AttendanceArgs),
    /// Print the auditor's figures and write them to DIR (report.json and CSVs).
    Report(stored::WriteFromStoredArgs),
    /// Read every application as the run does, and say how many and how fast
    /// (a check that the store is readable, and the floor of the run's time).
    Scan(cli::StoreArgs),
    /// Load and check the campaign files, then print a summary.
    Check(cli::StoreArgs),
}

impl Command {
    /// Carries the command out; an error is a refusal for the operator.
    pub async fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Run(args) => run::run(args).await,
            Command::Round(args) => round::run(args).await,
            Command::CommitSeed(args) => commit_seed::run(&args),
            Command::Confirmations(args) => confirmations::run(args).await,
            Command::Send(args) => send::run(args).await,
            Command::Export(args) => export::run(args).await,
            Command::Publish(args) => publish::run(args).await,
            Command::Attendance(args) => attendance::run(args).await,
            Command::Report(args) => report::run(args).await,
            Command::Scan(args) => scan::run(&args).await,
            Command::Check(args) => check::run(&args),
        }
    }
}

/// Opens the store named on the command line, with its schema up to date.
async fn open_store(args: &cli::StoreArgs) -> anyhow::Result<store::Store> {
    let store = store::Store::connect(&store::ConnectOptions::new(args.database_url.clone())).await?;
    store.migrate().await?;
    Ok(store)
}
