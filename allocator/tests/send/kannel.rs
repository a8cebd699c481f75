//! A real local Kannel (bearerbox, smsbox and the fake SMSC) for one test,
//! started and stopped through scripts/kannel-local.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running local Kannel; stopped when dropped.
pub struct Kannel {
    dir: tempfile::TempDir,
    env: HashMap<String, String>,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kannel-local")
}

fn installed() -> bool {
    ["/usr/sbin/bearerbox", "/usr/sbin/smsbox", "/usr/lib/kannel/test/fakesmsc"].iter().all(|p| Path::new(p).exists())
}

impl Kannel {
    /// Starts one on free ports, or `None` (with a notice) when Kannel is
    /// not installed, unless `TEMUJANJI_REQUIRE_KANNEL` is set: then it fails.
    pub fn start() -> Option<Kannel> {
        if !installed() {
            assert!(
                std::env::var_os("TEMUJANJI_REQUIRE_KANNEL").is_none(),
                "Kannel is required (TEMUJANJI_REQUIRE_KANNEL) but missing: apt-get install kannel kannel-extras"
            );
            eprintln!("note: Kannel is not installed (Debian: kannel kannel-extras): skipping a send test");
            return None;
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut kannel = Kannel { dir, env: HashMap::new() };
        let output = kannel.script("start");
        kannel.env = String::from_utf8_lossy(&output)
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(kannel)
    }

    fn script(&self, command: &str) -> Vec<u8> {
        let output = Command::new(script()).arg(command).arg(self.dir.path()).output().expect("kannel-local runs");
        assert!(
            output.status.success(),
            "kannel-local {command}: {}{}",
            String::from_utf8_lossy(&output.stderr),
            self.logs()
        );
        output.stdout
    }

    /// The tail of each daemon's log, for a failure's message.
    pub fn logs(&self) -> String {
        ["bearerbox.log", "smsbox.log", "handset.log"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                format!("\n--- {name}\n{}", lines[lines.len().saturating_sub(15)..].join("\n"))
            })
            .collect()
    }

    /// One of the values it printed (TEMUJANJI_GATEWAY_URL, ...).
    pub fn value(&self, key: &str) -> &str {
        self.env.get(key).map_or("", String::as_str)
    }

    /// The flags `allocator send` needs to use it.
    pub fn send_flags(&self) -> Vec<String> {
        [
            ("--gateway-url", "TEMUJANJI_GATEWAY_URL"),
            ("--username", "TEMUJANJI_GATEWAY_USERNAME"),
            ("--password", "TEMUJANJI_GATEWAY_PASSWORD"),
            ("--gateway-admin-url", "TEMUJANJI_GATEWAY_ADMIN_URL"),
            ("--gateway-admin-password", "TEMUJANJI_GATEWAY_ADMIN_PASSWORD"),
        ]
        .iter()
        .flat_map(|(flag, key)| [(*flag).to_owned(), self.value(key).to_owned()])
        .collect()
    }

    /// Every message the fake SMSC received: (recipient, text).
    pub fn handset(&self) -> Vec<(String, String)> {
        let log = std::fs::read_to_string(self.dir.path().join("handset.log")).unwrap_or_default();
        log.lines()
            .filter_map(|line| line.split_once("Got message ").map(|(_, rest)| rest))
            .filter_map(|rest| rest.split_once(": <").map(|(_, m)| m.strip_suffix('>').unwrap_or(m)))
            .filter_map(|m| {
                let mut parts = m.splitn(4, ' ');
                let (_from, to, kind, text) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
                (kind == "text").then(|| (to.to_owned(), text.to_owned()))
            })
            .collect()
    }

    /// Stops smsbox and bearerbox: the gateway is away.
    pub fn stop_gateway(&self) {
        self.script("stop-box");
    }

    /// Starts them again on the same ports.
    pub fn start_gateway(&self) {
        self.script("start-box");
    }

    /// Stops the fake SMSC: bearerbox queues what it is given.
    pub fn stop_smsc(&self) {
        self.script("stop-smsc");
    }

    /// Starts the fake SMSC again: the queued messages go out.
    pub fn start_smsc(&self) {
        self.script("start-smsc");
    }
}

impl Drop for Kannel {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(self.dir.path()).output();
    }
}
