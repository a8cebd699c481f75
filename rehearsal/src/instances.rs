//! The intake instances of a rehearsal: started, watched, crashed and
//! restarted, stopped the way an operator stops them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

/// What the crash did.
pub struct Crash {
    /// Applications accepted (all instances) when the instance was killed.
    pub accepted_before: u64,
    /// From SIGKILL until the restarted instance was ready again.
    pub downtime: Duration,
}

impl Crash {
    /// One line for the table.
    pub fn describe(&self) -> String {
        format!(
            "SIGKILL of instance 1 after {} accepted; back in {:.1}s",
            self.accepted_before,
            self.downtime.as_secs_f64()
        )
    }
}

/// Running intake servers on loopback ports, all on one database.
pub struct Instances {
    bin: PathBuf,
    data: PathBuf,
    database_url: String,
    pretend_now: String,
    logs: PathBuf,
    ports: Vec<u16>,
    /// Each instance's admin listener (metrics).
    admin_ports: Vec<u16>,
    children: Vec<Option<Child>>,
    client: reqwest::Client,
}

impl Instances {
    /// Starts `count` instances, each on a free loopback port.
    pub fn start(
        bin: &Path,
        data: &Path,
        database_url: &str,
        pretend_now: &str,
        count: usize,
        logs: &Path,
    ) -> anyhow::Result<Instances> {
        let mut instances = Instances {
            bin: bin.to_owned(),
            data: data.to_owned(),
            database_url: database_url.to_owned(),
            pretend_now: pretend_now.to_owned(),
            logs: logs.to_owned(),
            ports: Vec::new(),
            admin_ports: Vec::new(),
            children: Vec::new(),
            client: reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?,
        };
        for n in 0..count {
            instances.ports.push(free_port()?);
            instances.admin_ports.push(free_port()?);
            instances.children.push(None);
            instances.spawn(n)?;
        }
        Ok(instances)
    }

    fn spawn(&mut self, n: usize) -> anyhow::Result<()> {
        // Appending, so the log of a restarted instance shows both lives.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.logs.join(format!("intake-{}.log", n + 1)))?;
        let child = Command::new(self.bin.join("intake"))
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{}", self.ports[n])])
            .args(["--admin-listen", &format!("127.0.0.1:{}", self.admin_ports[n])])
            .arg("--data")
            .arg(&self.data)
            .args(["--database-url", &self.database_url, "--pretend-now", &self.pretend_now])
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .context("cannot start intake")?;
        self.children[n] = Some(child);
        Ok(())
    }

    /// The submission URL of every instance, in order.
    pub fn submit_urls(&self) -> Vec<String> {
        self.ports.iter().map(|p| format!("http://127.0.0.1:{p}/api/v1/applications")).collect()
    }

    /// Waits until every instance answers `/readyz` with 200.
    pub async fn wait_ready(&mut self, within: Duration) -> anyhow::Result<()> {
        for n in 0..self.ports.len() {
            self.wait_one_ready(n, within).await?;
        }
        Ok(())
    }

    async fn wait_one_ready(&mut self, n: usize, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        let url = format!("http://127.0.0.1:{}/readyz", self.ports[n]);
        loop {
            if let Ok(response) = self.client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if let Some(child) = self.children[n].as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("intake instance {} exited ({status}); see intake-{}.log", n + 1, n + 1);
            }
            ensure!(Instant::now() < deadline, "intake instance {} was not ready within {within:?}", n + 1);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Applications newly accepted, summed over the instances' `/metrics`
    /// (an instance that does not answer counts nothing).
    pub async fn accepted(&self) -> u64 {
        let mut total = 0;
        for port in &self.admin_ports {
            let Ok(response) = self.client.get(format!("http://127.0.0.1:{port}/metrics")).send().await else {
                continue;
            };
            let text = response.text().await.unwrap_or_default();
            total += text
                .lines()
                .filter_map(|l| l.strip_prefix("intake_applications_accepted_total "))
                .filter_map(|v| v.trim().parse::<f64>().ok())
                .map(|v| v as u64)
                .sum::<u64>();
        }
        total
    }

    /// Once `threshold` applications are accepted, kills the first instance
    /// with SIGKILL (no chance to finish anything) and restarts it; then
    /// waits for the load generator to finish.
    pub async fn crash_half_way(&mut self, mut load: Child, threshold: u64) -> anyhow::Result<Crash> {
        let crash = loop {
            if let Some(status) = load.try_wait()? {
                bail!("the load ended ({status}) before {threshold} applications were accepted: nothing was crashed");
            }
            let accepted = self.accepted().await;
            if accepted >= threshold {
                let killed = Instant::now();
                let mut child = self.children[0].take().context("instance 1 is not running")?;
                child.kill()?; // SIGKILL
                child.wait()?;
                // Let the crowd notice it is gone before it returns.
                tokio::time::sleep(Duration::from_millis(500)).await;
                self.spawn(0)?;
                self.wait_one_ready(0, Duration::from_secs(30)).await?;
                break Crash { accepted_before: accepted, downtime: killed.elapsed() };
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let status = tokio::task::spawn_blocking(move || load.wait()).await??;
        ensure!(status.success(), "the load generator failed ({status})");
        Ok(crash)
    }

    /// SIGTERM to every instance, as an operator stops them: each must
    /// commit what it accepted and exit cleanly.
    pub fn stop_all(&mut self) -> anyhow::Result<()> {
        for (n, slot) in self.children.iter_mut().enumerate() {
            let Some(mut child) = slot.take() else { continue };
            let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status()?;
            ensure!(status.success(), "cannot send SIGTERM to instance {}", n + 1);
            let deadline = Instant::now() + Duration::from_secs(30);
            let exit = loop {
                if let Some(exit) = child.try_wait()? {
                    break exit;
                }
                if Instant::now() > deadline {
                    child.kill()?;
                    bail!("instance {} did not stop within 30 s of SIGTERM", n + 1);
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            ensure!(exit.success(), "instance {} exited with {exit} after SIGTERM; see intake-{}.log", n + 1, n + 1);
        }
        Ok(())
    }
}

impl Drop for Instances {
    fn drop(&mut self) {
        for child in self.children.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback port free right now (the OS picks it).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
