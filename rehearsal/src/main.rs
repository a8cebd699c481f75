//! `rehearse`: the dress rehearsal for opening day, end to end on the
//! production shape. Called by `scripts/rehearse`, which builds the release
//! binaries first; see `rehearse --help`.
//!
//! 1. bakes the site; prepares a fresh database (a new Postgres database
//!    beside the one in `--postgres`, else an SQLite file and one instance);
//! 2. starts `--instances` intake servers on loopback ports sharing it;
//! 3. floods them with the load generator (realistic applications, a share of
//!    duplicate retries and of invalid ones), bounded in count and time;
//! 4. kills one instance with SIGKILL half-way and restarts it;
//! 5. checks the database against the answers: every 2xx stored exactly once
//!    under its reference, nothing else stored, no rejected one stored;
//! 6. runs the allocator, the confirmations, the exports and the report and
//!    checks that their counts agree with each other and with the database;
//!    publishes the results and looks a sample of them up;
//! 7. sends the confirmations through a local Kannel and its fake SMSC
//!    and checks what arrived against the outbox and the report (see `sms`;
//!    `--no-sms` skips it, as does a machine without Kannel);
//! 8. with `--decline-share`, declines that share of the held places through
//!    intake and runs round 2 (see `rounds.rs`), and sends its messages;
//! 9. prints one table.
//!
//! With `--failover` the database is a pg_auto_failover cluster started for
//! the run, and step 4 kills its primary instead (see `failover`).
//!
//! Any disagreement ends the run with an error and a non-zero exit.

mod checks;
mod failover;
mod instances;
mod results;
mod rounds;
mod setup;
mod sms;
mod table;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use crate::instances::Instances;
use crate::table::Table;

#[derive(Debug, Parser)]
#[command(about = "Rehearse a whole campaign: flood, crash, allocate, export, and check that nothing is lost")]
struct Args {
    /// Submissions to send (including the duplicate and invalid ones).
    #[arg(long, default_value_t = 200_000)]
    applicants: u64,
    /// Intake instances sharing the database (1 on SQLite).
    #[arg(long, default_value_t = 2)]
    instances: usize,
    /// A Postgres server to rehearse on, as a URL to any database there; a
    /// database named `temujanji_rehearsal` is dropped and created beside it.
    /// Without it, the rehearsal runs on an SQLite file with one instance.
    #[arg(long)]
    postgres: Option<String>,
    /// Folder with the release binaries (intake, site-gen, allocator, loadgen).
    #[arg(long, default_value = "target/release")]
    bin: PathBuf,
    /// Campaign files.
    #[arg(long, default_value = "data")]
    data: PathBuf,
    /// Working folder, emptied first (only if it is a rehearsal's): the site,
    /// the database file, logs, outputs.
    #[arg(long, default_value = "target/rehearsal")]
    work: PathBuf,
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 128)]
    connections: usize,
    /// Longest the flood may last, in seconds (it stops earlier once every submission is sent).
    #[arg(long, default_value_t = 180)]
    max_seconds: u64,
    /// Share of submissions that repeat an earlier one (a retry after a lost answer).
    #[arg(long, default_value_t = 0.05)]
    duplicate_share: f64,
    /// Share of submissions that are invalid.
    #[arg(long, default_value_t = 0.02)]
    invalid_share: f64,
    /// Scale every centre's daily capacity by this (at least 1 place a day),
    /// so that demand exceeds places as it will on opening day and the
    /// waiting lists and "other date" offers are exercised too; 1 keeps the
    /// catalogue as it is.
    #[arg(long, default_value_t = 0.02)]
    places_share: f64,
    /// Seed for the applicants and for the allocation lottery.
    #[arg(long, default_value_t = 2028)]
    seed: u64,
    /// PBKDF2 iterations of the published results. The real count (see
    /// `allocator publish --help`) costs tens of milliseconds per applicant;
    /// a rehearsal checks the files, not the cost, so it uses the fewest.
    #[arg(long, default_value_t = 1_000)]
    kdf_iterations: u32,
    /// Rehearse on a pg_auto_failover cluster (a monitor and two nodes on
    /// loopback, started with --pg-cluster and stopped after) and, once half
    /// the applicants are accepted, SIGKILL its primary's postmaster and
    /// keeper instead of an intake instance; report the 503 window and the
    /// recovery time.
    #[arg(long, conflicts_with = "postgres")]
    failover: bool,
    /// With --failover: the monitor's short timeouts (`FAST_FAILOVER=1`)
    /// rather than pg_auto_failover's own.
    #[arg(long, requires = "failover")]
    fast_failover: bool,
    /// The script that starts, kills and stops the cluster.
    #[arg(long, default_value = "scripts/pg-cluster")]
    pg_cluster: PathBuf,
    /// After the first run, this share of the people holding a place decline
    /// it through intake, then `allocator round` gives the freed places to
    /// the waiting list (0: no second round).
    #[arg(long, default_value_t = 0.0)]
    decline_share: f64,
    /// Do not send the confirmations through a local Kannel (they are sent
    /// by default when Kannel is installed).
    #[arg(long)]
    no_sms: bool,
    /// The script that starts and stops the local Kannel.
    #[arg(long, default_value = "scripts/kannel-local")]
    kannel_local: PathBuf,
}

/// Where the rehearsal keeps its files.
struct Work {
    root: PathBuf,
}

/// Marks a folder as a rehearsal's, so that only such a folder is emptied.
const WORK_MARKER: &str = ".rehearsal";

impl Work {
    /// Empties `root` (only if empty already or a rehearsal's) and marks it.
    fn fresh(root: &Path) -> anyhow::Result<Work> {
        if root.exists() {
            let empty = std::fs::read_dir(root)?.next().is_none();
            ensure!(
                empty || root.join(WORK_MARKER).is_file(),
                "{} holds files that are not a rehearsal's: give --work an empty or new folder",
                root.display()
            );
            std::fs::remove_dir_all(root).with_context(|| format!("cannot empty {}", root.display()))?;
        }
        std::fs::create_dir_all(root)?;
        std::fs::write(root.join(WORK_MARKER), "written by scripts/rehearse; emptied by the next rehearsal\n")?;
        Ok(Work { root: root.to_owned() })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.postgres.is_none() && !args.failover && args.instances != 1 {
        println!("SQLite has one writer process: rehearsing with 1 instance (give --postgres URL for more)");
        args.instances = 1;
    }
    ensure!(args.instances >= 1, "--instances must be at least 1");
    ensure!(args.applicants >= 10, "--applicants must be at least 10");
    ensure!(args.places_share > 0.0 && args.places_share <= 1.0, "--places-share must be in (0, 1]");
    ensure!((0.0..=1.0).contains(&args.decline_share), "--decline-share must be in [0, 1]");
    let started = Instant::now();
    let mut table = Table::default();

    let work = Work::fresh(&args.work)?;
    if args.places_share < 1.0 {
        args.data = setup::scaled_campaign(&args.data, args.places_share, &work.path("data"))?;
    }
    let catalogue = campaign::Catalogue::load(&args.data)
        .with_context(|| format!("cannot load the campaign in {}", args.data.display()))?;
    let campaign = catalogue.campaign();
    // Inside the registration window for intake, after it for the allocator,
    // whatever today's date is.
    let during = (campaign.registration_opens() + time::Duration::hours(1)).format(&Rfc3339)?;
    let after = (campaign.registration_closes() + time::Duration::hours(1)).format(&Rfc3339)?;

    // 1. The site and a fresh database.
    let stage = Instant::now();
    run_command(
        Command::new(args.bin.join("site-gen"))
            .args(["build", "--data", path_str(&args.data)?, "--intake-url", "/api/v1/applications", "--out"])
            .arg(work.path("dist")),
    )?;
    ensure!(work.path("dist/ms/index.html").is_file(), "site-gen wrote no dist/ms/index.html");
    table.stage("bake the site", stage.elapsed(), "dist/en, dist/ms".into());

    let stage = Instant::now();
    // Stopped when dropped: at the end, or on the first error.
    let cluster = args.failover.then(|| failover::start_cluster(&args.pg_cluster, args.fast_failover)).transpose()?;
    let database_url = match (&cluster, &args.postgres) {
        (Some(cluster), _) => cluster.url().to_owned(),
        (None, Some(url)) => setup::fresh_postgres(url).await?,
        (None, None) => format!("sqlite:{}", work.path("rehearsal.db").display()),
    };
    let status = Command::new(args.bin.join("intake"))
        .args(["migrate", "--database-url", &database_url, "--data"])
        .arg(&args.data)
        .status()?;
    ensure!(status.success(), "intake migrate failed");
    table.stage("fresh database", stage.elapsed(), redact(&database_url));

    // 2-4. The flood, with a crash half-way.
    let stage = Instant::now();
    let mut instances = Instances::start(&args.bin, &args.data, &database_url, &during, args.instances, &work.root)?;
    instances.wait_ready(Duration::from_secs(30)).await?;
    let mut loadgen = Command::new(args.bin.join("loadgen"));
    for url in instances.submit_urls() {
        loadgen.args(["--url", &url]);
    }
    let summary_path = work.path("loadgen.json");
    let loadgen = loadgen
        .args(["--count", &args.applicants.to_string()])
        .args(["--duration", &args.max_seconds.to_string()])
        .args(["--connections", &args.connections.to_string()])
        .args(["--duplicate-share", &args.duplicate_share.to_string()])
        .args(["--invalid-share", &args.invalid_share.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .arg("--retry")
        .arg("--data")
        .arg(&args.data)
        .arg("--acks")
        .arg(work.path("acks.csv"))
        .arg("--rejected")
        .arg(work.path("rejected.csv"))
        .arg("--timeline")
        .arg(work.path("timeline.csv"))
        .stdout(std::fs::File::create(&summary_path)?)
        .spawn()
        .context("cannot start the load generator")?;
    let (crash, flood_stage) = match &cluster {
        Some(cluster) => {
            let timeline = work.path("timeline.csv");
            let failover =
                failover::kill_primary_half_way(&instances, cluster, loadgen, args.applicants / 2, &timeline).await?;
            (failover.describe(), "flood, primary killed")
        }
        None => (instances.crash_half_way(loadgen, args.applicants / 2).await?.describe(), "flood, crash, restart"),
    };
    let load: Value = serde_json::from_str(&std::fs::read_to_string(&summary_path)?)
        .context("the load generator did not print its summary")?;
    instances.stop_all()?;
    let flood = stage.elapsed();
    table.stage(flood_stage, flood, crash);
    table.load(&load, &instances.submit_urls());

    // 5. Every acknowledged application stored once, nothing else.
    let stage = Instant::now();
    let store = store::Store::connect(&store::ConnectOptions::new(database_url.clone())).await?;
    let stored = checks::acknowledged_equals_stored(&store, &work.path("acks.csv"), &work.path("rejected.csv")).await?;
    ensure!(load["unresolved"].as_u64() == Some(0), "{} submissions never got a final answer", load["unresolved"]);
    table.stage("check answers vs database", stage.elapsed(), stored.describe());
    table.integrity(&stored);

    // 6. Allocation and everything after it.
    let stage = Instant::now();
    let seed = format!("rehearsal-{}", args.seed);
    let allocator = args.bin.join("allocator");
    let store_flags = ["--database-url", &database_url, "--data", path_str(&args.data)?];
    let said = run_command(Command::new(&allocator).arg("run").args(store_flags).args([
        "--seed",
        &seed,
        "--pretend-now",
        &after,
    ]))?;
    let run = store.current_run().await?.context("the allocator stored no run")?;
    // The allocator's own account of its stages ("run ...: ... (read, allocate, write)").
    let stages = said.lines().find(|l| l.starts_with("run ")).and_then(|l| l.rsplit_once('(')).map_or("", |(_, t)| t);
    table.stage("allocator run", stage.elapsed(), stages.trim_end_matches(')').to_owned());

    let stage = Instant::now();
    let out = work.path("out");
    for (command, folder) in [("confirmations", out.clone()), ("export", out.join("export")), ("report", out.clone())] {
        run_command(Command::new(&allocator).arg(command).args(store_flags).arg("--out").arg(folder))?;
    }
    let counts = checks::outputs_agree(&run, stored.applications, &out)?;
    table.stage("confirmations, exports, report", stage.elapsed(), counts.describe());
    table.allocation(&run, &counts);

    // Stopped when dropped: at the end, or on the first error.
    let mut gateway = None;
    if sms::wanted(args.no_sms)? {
        let stage = Instant::now();
        let gateway = gateway.insert(sms::Gateway::start(&args.kannel_local, &work.path("kannel"))?);
        let sender = sms::Allocator { bin: &allocator, store_flags: &store_flags, out: &out };
        let sent = sms::send_and_check(gateway, &store, &sender, None).await?;
        ensure!(
            sent.people == run.allocated + run.waitlisted,
            "{} confirmations sent, but the run allocated {} and waitlisted {}",
            sent.people,
            run.allocated,
            run.waitlisted
        );
        table.stage("send confirmations via Kannel", stage.elapsed(), sent.describe());
        table.sms(&sent);
    }

    let stage = Instant::now();
    let kdf = args.kdf_iterations.to_string();
    run_command(
        Command::new(&allocator)
            .arg("publish")
            .args(store_flags)
            .arg("--out")
            .arg(work.path("dist"))
            .args(["--kdf-iterations", &kdf]),
    )?;
    let lookups = results::sample_agrees(&store, &work.path("dist")).await?;
    table.stage("publish results, look a sample up", stage.elapsed(), lookups.describe());

    if args.decline_share > 0.0 {
        let stage = Instant::now();
        let phase = rounds::Phase {
            bin: &args.bin,
            data: &args.data,
            database_url: &database_url,
            after: &after,
            instances: args.instances,
            share: args.decline_share,
            logs: &work.root,
        };
        let checked = rounds::decline_and_round(&store, &phase).await?;
        table.stage("declines via intake, round 2", stage.elapsed(), checked.describe());
        if let Some(gateway) = gateway.as_mut() {
            let stage = Instant::now();
            let sender = sms::Allocator { bin: &allocator, store_flags: &store_flags, out: &out };
            let sent = sms::send_and_check(gateway, &store, &sender, Some(checked.round.round)).await?;
            ensure!(
                sent.people >= checked.round.given,
                "round {}: {} messages, but it gave {} places",
                sent.round,
                sent.people,
                checked.round.given
            );
            table.stage("send round 2's messages via Kannel", stage.elapsed(), sent.describe());
            table.sms(&sent);
        }
    }
    drop(gateway);
    store.close().await;

    table.stage("total", started.elapsed(), String::new());
    print!("{table}");
    println!("rehearsal passed: every acknowledged application was stored exactly once and every count agrees");
    Ok(())
}

fn path_str(path: &Path) -> anyhow::Result<&str> {
    path.to_str().with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Runs `command`, failing with its output if it fails; returns its standard output.
fn run_command(command: &mut Command) -> anyhow::Result<String> {
    let output = command.output().with_context(|| format!("cannot run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The URL without a password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
