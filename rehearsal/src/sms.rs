//! The confirmations sent for real: a local Kannel (bearerbox, smsbox and
//! its fake SMSC, started by scripts/kannel-local in the rehearsal folder),
//! the real `allocator send`, then the checks: the fake SMSC received one
//! message for each person the round concerns and no reference twice, the
//! outbox counts each of them delivered, and `allocator report` says the same.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use store::{OutboxState, Store};

use crate::run_command;

/// What scripts/kannel-local runs (Debian's kannel and kannel-extras).
const DAEMONS: [&str; 3] = ["/usr/sbin/bearerbox", "/usr/sbin/smsbox", "/usr/lib/kannel/test/fakesmsc"];

/// Far above what the local gateway takes: the rehearsal measures the sender
/// and Kannel, not the operator's link.
const RATE: &str = "100000";

/// Requests in flight (as scripts/bench-send).
const CONCURRENCY: &str = "32";

/// Longest wait for the fake SMSC's log to show what the send was told was delivered.
const HANDSET_WAIT: Duration = Duration::from_secs(10);

/// Whether to send: not with `--no-sms`; not when Kannel is missing (with a
/// notice), unless `TEMUJANJI_REQUIRE_KANNEL` is set: then that is an error.
pub fn wanted(no_sms: bool) -> anyhow::Result<bool> {
    if no_sms {
        return Ok(false);
    }
    let missing: Vec<&str> = DAEMONS.iter().copied().filter(|path| !Path::new(path).exists()).collect();
    if missing.is_empty() {
        return Ok(true);
    }
    ensure!(
        std::env::var_os("TEMUJANJI_REQUIRE_KANNEL").is_none(),
        "Kannel is required (TEMUJANJI_REQUIRE_KANNEL is set) but {} is missing: apt-get install kannel kannel-extras, or pass --no-sms",
        missing.join(", ")
    );
    println!(
        "note: Kannel is not installed ({} missing; Debian: kannel kannel-extras): the confirmations are not sent (--no-sms)",
        missing.join(", ")
    );
    Ok(false)
}

/// A local Kannel; stopped when dropped, so also when a check fails.
pub struct Gateway {
    script: PathBuf,
    dir: PathBuf,
    env: HashMap<String, String>,
    /// Handset lines of earlier sends.
    seen: usize,
}

impl Gateway {
    /// Starts one on free loopback ports with its files in `dir`.
    pub fn start(script: &Path, dir: &Path) -> anyhow::Result<Gateway> {
        // Made first, so that a start that fails half-way is stopped too.
        let mut gateway = Gateway { script: script.to_owned(), dir: dir.to_owned(), env: HashMap::new(), seen: 0 };
        gateway.env = gateway
            .script("start")?
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        Ok(gateway)
    }

    fn script(&self, command: &str) -> anyhow::Result<String> {
        run_command(Command::new(&self.script).arg(command).arg(&self.dir))
    }

    /// The flags `allocator send` needs to use it.
    fn send_flags(&self) -> anyhow::Result<Vec<String>> {
        let mut flags = Vec::new();
        for (flag, key) in [
            ("--gateway-url", "TEMUJANJI_GATEWAY_URL"),
            ("--username", "TEMUJANJI_GATEWAY_USERNAME"),
            ("--password", "TEMUJANJI_GATEWAY_PASSWORD"),
            ("--gateway-admin-url", "TEMUJANJI_GATEWAY_ADMIN_URL"),
            ("--gateway-admin-password", "TEMUJANJI_GATEWAY_ADMIN_PASSWORD"),
        ] {
            let value = self.env.get(key).with_context(|| format!("kannel-local start printed no {key}"))?;
            flags.extend([flag.to_owned(), value.clone()]);
        }
        Ok(flags)
    }

    /// What the fake SMSC received since the last call ("from to text MESSAGE"
    /// lines), once there are at least `expected` (bounded wait: its log may
    /// lag behind the delivery reports by a moment).
    fn received_since_last(&mut self, expected: usize) -> anyhow::Result<Vec<String>> {
        let deadline = Instant::now() + HANDSET_WAIT;
        loop {
            let lines: Vec<String> = self.script("handset")?.lines().map(str::to_owned).collect();
            let new = lines.len().saturating_sub(self.seen);
            if new >= expected || Instant::now() >= deadline {
                let received = lines[self.seen..].to_vec();
                self.seen = lines.len();
                return Ok(received);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = Command::new(&self.script).arg("stop").arg(&self.dir).output();
    }
}

/// One send, checked.
pub struct Sent {
    /// The round sent (1: the run's own).
    pub round: u32,
    /// People the round's confirmations are for.
    pub people: u64,
    /// Messages the fake SMSC received, each for one of them, none twice.
    pub received: u64,
    /// The round's messages delivered in the outbox.
    pub delivered: u64,
    /// Seconds `allocator send` took, start to end.
    pub seconds: f64,
    /// Its own account ("sent N messages in S s (R/s) ...").
    pub outcome: String,
}

impl Sent {
    /// One line for the table.
    pub fn describe(&self) -> String {
        format!(
            "{} received by the fake SMSC = {} delivered in the outbox and report = {} people; {:.0} messages/s end to end",
            self.received,
            self.delivered,
            self.people,
            self.received as f64 / self.seconds.max(1e-3)
        )
    }
}

/// Where the allocator is and how it reaches the database.
pub struct Allocator<'a> {
    /// The release binary.
    pub bin: &'a Path,
    /// `--database-url URL --data DIR`.
    pub store_flags: &'a [&'a str],
    /// Where `allocator report` writes, one folder per send.
    pub out: &'a Path,
}

/// Sends round `round`'s confirmations (`None`: the run's, to everybody)
/// through `gateway` and checks them against the handset, the outbox and
/// the report.
pub async fn send_and_check(
    gateway: &mut Gateway,
    store: &Store,
    allocator: &Allocator<'_>,
    round: Option<u32>,
) -> anyhow::Result<Sent> {
    let run = store.current_run().await?.context("no stored run to send")?;
    let allocations = store.all_allocations().await?;
    let everybody: HashSet<&str> = allocations.iter().map(|a| a.reference.as_str()).collect();
    let people: HashSet<&str> = allocations
        .iter()
        .filter(|a| !a.declined && round.is_none_or(|r| a.round == r))
        .map(|a| a.reference.as_str())
        .collect();
    let round_number = round.unwrap_or(store::FIRST_ROUND);

    let started = Instant::now();
    let mut send = Command::new(allocator.bin);
    send.arg("send").args(allocator.store_flags).args(gateway.send_flags()?).args([
        "--reports-listen",
        "127.0.0.1:0",
        "--rate",
        RATE,
        "--concurrency",
        CONCURRENCY,
    ]);
    if let Some(round) = round {
        send.args(["--round", &round.to_string()]);
    }
    let said = run_command(&mut send)?;
    let seconds = started.elapsed().as_secs_f64();
    let outcome = said.lines().find(|l| l.starts_with("sent ")).context("allocator send printed no outcome")?;
    ensure!(outcome.ends_with("still open: none"), "round {round_number}: the send left messages open: {outcome}");

    let received = gateway.received_since_last(people.len())?;
    let mut by_reference: HashMap<&str, u64> = HashMap::new();
    for line in &received {
        let mut found = line.split_whitespace().map(|w| w.trim_end_matches('.')).filter(|w| everybody.contains(w));
        let reference =
            found.next().with_context(|| format!("the fake SMSC received a message with no reference: {line}"))?;
        ensure!(people.contains(reference), "round {round_number}: {reference} got a message it is not due: {line}");
        *by_reference.entry(reference).or_default() += 1;
    }
    let twice: Vec<_> = by_reference.iter().filter(|(_, n)| **n > 1).map(|(r, _)| *r).collect();
    ensure!(
        twice.is_empty(),
        "round {round_number}: {} references received twice, e.g. {:?}",
        twice.len(),
        twice.first()
    );
    let missing = people.iter().filter(|r| !by_reference.contains_key(*r)).count();
    ensure!(missing == 0, "round {round_number}: {missing} of {} people got no message", people.len());

    let counts = store.outbox_counts(&run.run_id).await?;
    let in_round = |state: Option<OutboxState>| -> u64 {
        counts.iter().filter(|c| c.round == round_number && state.is_none_or(|s| c.state == s)).map(|c| c.count).sum()
    };
    let delivered = in_round(Some(OutboxState::Delivered));
    ensure!(
        delivered == people.len() as u64 && in_round(None) == delivered,
        "round {round_number}: the outbox holds {} messages, {delivered} delivered, for {} people",
        in_round(None),
        people.len()
    );
    report_agrees(allocator, round_number, delivered, counts.iter().map(|c| c.count).sum())?;

    Ok(Sent {
        round: round_number,
        people: people.len() as u64,
        received: received.len() as u64,
        delivered,
        seconds,
        outcome: outcome.to_owned(),
    })
}

/// `allocator report` counts `delivered` messages of `round` in messages.csv
/// and report.json and, in its printed summary, `all` messages delivered and none open.
fn report_agrees(allocator: &Allocator<'_>, round: u32, delivered: u64, all: u64) -> anyhow::Result<()> {
    let out = allocator.out.join(format!("after-send-round-{round}"));
    let said =
        run_command(Command::new(allocator.bin).arg("report").args(allocator.store_flags).arg("--out").arg(&out))?;
    let expected = format!("messages: {all} delivered, 0 sent (no final report yet), 0 failed, 0 pending, 0 in doubt");
    ensure!(said.contains(&expected), "allocator report does not say {expected:?}:\n{said}");
    let path = out.join("messages.csv");
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| format!("{}: no {name} column", path.display()))
    };
    let (round_column, delivered_column) = (column("round")?, column("delivered")?);
    let mut in_csv = 0;
    for record in reader.records() {
        let record = record?;
        if record[round_column].parse::<u32>()? == round {
            in_csv += record[delivered_column].parse::<u64>()?;
        }
    }
    ensure!(in_csv == delivered, "{}: {in_csv} delivered in round {round}, the outbox {delivered}", path.display());
    let path = out.join("report.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("{} is not JSON", path.display()))?;
    let in_json = &json["messages"]["by_round"][round.to_string()]["delivered"];
    ensure!(
        in_json.as_u64() == Some(delivered),
        "{}: {in_json} delivered in round {round}, the outbox {delivered}",
        path.display()
    );
    Ok(())
}
