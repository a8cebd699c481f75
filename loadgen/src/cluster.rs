//! A PostgreSQL cluster with automatic failover (pg_auto_failover: a
//! monitor and two nodes with synchronous replication) on free loopback
//! ports under a temporary folder, run through `scripts/pg-cluster`, for
//! the failover test and rehearsal. Dropping it stops every process of the
//! cluster and removes the folder, whether the run passed or failed.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Set to `1` where the failover suites must run (CI): without
/// pg_auto_failover they then fail rather than skip.
pub const REQUIRE_VAR: &str = "TEMUJANJI_REQUIRE_FAILOVER";

/// How quickly the monitor gives up on a silent primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// pg_auto_failover's own timeouts, as deployed (deploy/README.md).
    Production,
    /// Shorter timeouts (`FAST_FAILOVER=1`), so that tests wait less.
    Fast,
}

/// A running cluster; stopped and removed when dropped.
#[derive(Debug)]
pub struct Cluster {
    script: PathBuf,
    dir: PathBuf,
    url: String,
}

/// Whether `pg_autoctl` is installed. When it is not: `Ok(false)` with a
/// notice, or an error if [`REQUIRE_VAR`] is set.
pub fn available() -> anyhow::Result<bool> {
    let found = Command::new("pg_autoctl").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
            bail!(
                "{REQUIRE_VAR}=1 but pg_autoctl is missing (Debian: postgresql-15-auto-failover pg-auto-failover-cli)"
            );
        }
        eprintln!("note: pg_autoctl is missing: skipping the failover run (set {REQUIRE_VAR}=1 to require it)");
    }
    Ok(found)
}

impl Cluster {
    /// Starts a cluster with `script` (`scripts/pg-cluster`); returns once
    /// the standby is synchronous. Takes about 15 s.
    pub fn start(script: &Path, detection: Detection) -> anyhow::Result<Cluster> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.subsec_nanos();
        let dir = std::env::temp_dir().join(format!("temujanji-cluster-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // From here on, dropping the guard stops whatever was started.
        let mut cluster = Cluster { script: script.to_owned(), dir, url: String::new() };
        let port = free_port_run(3)?;
        let fast = if detection == Detection::Fast { "1" } else { "0" };
        let output = Command::new(&cluster.script)
            .arg("start")
            .arg(&cluster.dir)
            .arg(port.to_string())
            .env("FAST_FAILOVER", fast)
            .output()
            .with_context(|| format!("cannot run {}", cluster.script.display()))?;
        if !output.status.success() {
            bail!("{} start failed: {}", cluster.script.display(), String::from_utf8_lossy(&output.stderr));
        }
        let stdout = String::from_utf8(output.stdout)?;
        cluster.url = stdout.lines().last().context("pg-cluster printed no URL")?.trim().to_owned();
        Ok(cluster)
    }

    /// The database URL naming both nodes, for intake.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// SIGKILLs the primary's postmaster and its keeper; returns its port.
    pub fn kill_primary(&self) -> anyhow::Result<u16> {
        let port = self.run("kill-primary")?;
        port.trim().parse().with_context(|| format!("pg-cluster kill-primary printed {port:?}"))
    }

    /// The port of the node that is primary and healthy now, if any.
    pub fn primary_port(&self) -> anyhow::Result<Option<u16>> {
        let port = self.run("primary")?;
        Ok(port.trim().parse().ok())
    }

    fn run(&self, command: &str) -> anyhow::Result<String> {
        let output = Command::new(&self.script).arg(command).arg(&self.dir).output()?;
        if !output.status.success() {
            bail!("pg-cluster {command} failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8(output.stdout)?)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        match Command::new(&self.script).arg("stop").arg(&self.dir).status() {
            Ok(status) if status.success() => {}
            outcome => eprintln!("could not stop the cluster in {}: {outcome:?}", self.dir.display()),
        }
    }
}

/// The first of `count` consecutive loopback ports free right now.
fn free_port_run(count: u16) -> anyhow::Result<u16> {
    for _ in 0..50 {
        let first = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if first.checked_add(count).is_none() {
            continue;
        }
        let free = (0..count).all(|n| TcpListener::bind(("127.0.0.1", first + n)).is_ok());
        if free {
            return Ok(first);
        }
    }
    bail!("found no {count} consecutive free loopback ports")
}
