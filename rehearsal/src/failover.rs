//! `--failover`: the flood on a pg_auto_failover cluster started for the
//! run (`scripts/pg-cluster`: a monitor and two nodes on loopback), whose
//! primary is killed half-way (SIGKILL of its postmaster and its keeper)
//! instead of an intake instance. The standby is promoted, the instances
//! find it by themselves, and the usual checks then run against it.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail, ensure};
use loadgen::cluster::{Cluster, Detection};
use loadgen::outage::Outage;

use crate::instances::Instances;

/// What the kill did, as the crowd saw it.
pub struct Failover {
    /// Applications accepted (all instances) when the primary was killed.
    pub accepted_before: u64,
    /// The killed primary's port.
    pub killed: u16,
    /// The node that is primary after the run.
    pub promoted: u16,
    /// The refusals around the kill and the recovery.
    pub outage: Outage,
}

impl Failover {
    /// One line for the table.
    pub fn describe(&self) -> String {
        format!(
            "SIGKILL of the primary (:{}) after {} accepted, :{} promoted; {}",
            self.killed,
            self.accepted_before,
            self.promoted,
            self.outage.describe()
        )
    }
}

/// Starts the cluster with `script`; pg_auto_failover must be installed.
pub fn start_cluster(script: &Path, fast: bool) -> anyhow::Result<Cluster> {
    ensure!(
        loadgen::cluster::available()?,
        "--failover needs pg_auto_failover (Debian: postgresql-15-auto-failover pg-auto-failover-cli)"
    );
    let detection = if fast { Detection::Fast } else { Detection::Production };
    Cluster::start(script, detection).context("cannot start the failover cluster")
}

/// Once `threshold` applications are accepted, kills the cluster's primary;
/// waits for the load generator, then reads its `timeline` around the kill.
pub async fn kill_primary_half_way(
    instances: &Instances,
    cluster: &Cluster,
    mut load: Child,
    threshold: u64,
    timeline: &Path,
) -> anyhow::Result<Failover> {
    let (accepted_before, killed_at, killed) = loop {
        if let Some(status) = load.try_wait()? {
            bail!("the load ended ({status}) before {threshold} applications were accepted: nothing was killed");
        }
        let accepted = instances.accepted().await;
        if accepted >= threshold {
            let at = SystemTime::now();
            break (accepted, at, cluster.kill_primary()?);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let status = tokio::task::spawn_blocking(move || load.wait()).await??;
    ensure!(status.success(), "the load generator failed ({status})");
    let promoted = cluster.primary_port()?.context("no primary after the load")?;
    ensure!(promoted != killed, "the killed node :{killed} is still the primary");
    let outage = Outage::around(&loadgen::outage::read_timeline(timeline)?, killed_at);
    ensure!(outage.recovered.is_some(), "intake never took an application after the kill: {}", outage.describe());
    Ok(Failover { accepted_before, killed, promoted, outage })
}
