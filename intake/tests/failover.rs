//! The database primary dies mid-flood: the real intake binary on a real
//! pg_auto_failover cluster (a monitor and two nodes on loopback), a crowd
//! applying, and the primary's postmaster and keeper killed with SIGKILL
//! once some applications are acknowledged. Nothing acknowledged may be lost
//! or stored twice, intake may refuse (503) only while the standby is being
//! promoted, and it must take applications again without a restart.
//!
//! Runs when `pg_autoctl` is installed; with TEMUJANJI_REQUIRE_FAILOVER=1
//! (CI) it fails without it rather than skip.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use loadgen::cluster::{Cluster, Detection};
use loadgen::outage::{Answer, Outage};
use loadgen::submission::Submission;
use serde_json::Value;

/// Concurrent applicants.
const CROWD: usize = 16;
/// Most applications the crowd may send: the run's bound.
const APPLICANTS: usize = 6_000;
/// Acknowledged before the primary is killed, and after intake recovers.
const ACKNOWLEDGED_BEFORE: usize = 300;
const ACKNOWLEDGED_AFTER: usize = 300;
/// Longest any wait of the run may last.
const PATIENCE: Duration = Duration::from_secs(90);
/// Longest intake may refuse: the monitor's fast detection takes about 9 s,
/// then each writer's next probe finds the new primary; generous, for a
/// loaded machine.
const LONGEST_WINDOW: Duration = Duration::from_secs(45);
/// While registration is open in the sample campaign.
const OPEN: &str = "2027-06-01T10:00:00+08:00";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_primary_mid_flood_loses_no_acknowledged_application_and_intake_recovers_by_itself() {
    if !loadgen::cluster::available().expect("pg_auto_failover is required here") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cluster = Cluster::start(&root.join("scripts/pg-cluster"), Detection::Fast).expect("a cluster");
    let mut intake = IntakeProcess::start(&root.join("data"), cluster.url()).await;
    let crowd = Crowd::start(&root.join("data"), intake.submit_url());

    crowd.wait_until("applications acknowledged before the kill", |seen| seen.acks.len() >= ACKNOWLEDGED_BEFORE).await;
    let killed = SystemTime::now();
    let old_primary = cluster.kill_primary().expect("the primary killed");
    crowd
        .wait_until("applications acknowledged after the failover", |seen| {
            let outage = Outage::around(&seen.answers, killed);
            outage.refused > 0 && outage.acknowledged_after >= ACKNOWLEDGED_AFTER as u64
        })
        .await;
    let seen = crowd.stop().await;

    let outage = Outage::around(&seen.answers, killed);
    eprintln!("failover: {}", outage.describe());
    assert_eq!(seen.unresolved, 0, "every application got a final answer");
    assert_eq!(outage.refused_before_kill, 0, "no refusal before the primary was killed");
    assert!(outage.window() <= LONGEST_WINDOW, "refused for too long: {}", outage.describe());
    assert!(intake.is_running(), "intake recovered without a restart");
    let new_primary = cluster.primary_port().expect("the cluster's state");
    assert!(new_primary.is_some_and(|port| port != old_primary), "the standby is primary: {new_primary:?}");

    let store = store::Store::connect(&store::ConnectOptions::new(cluster.url())).await.expect("the new primary");
    let mut stored: HashMap<String, String> = HashMap::new();
    for row in store.all_applications().await.expect("read") {
        let twice = stored.insert(row.id_number.clone(), row.reference.clone());
        assert!(twice.is_none(), "{} is stored twice", row.id_number);
    }
    let mut acknowledged: HashMap<&str, &str> = HashMap::new();
    for (id, reference) in &seen.acks {
        let earlier = acknowledged.insert(id, reference);
        assert!(earlier.is_none_or(|e| e == reference), "{id} acknowledged under two references");
        assert_eq!(stored.get(id), Some(reference), "{id} was acknowledged as {reference}");
    }
    // Every application was retried until answered, so a row stored with
    // its answer lost was found by the retry: stored is exactly acknowledged.
    assert_eq!(stored.len(), acknowledged.len(), "only acknowledged applications are stored");
    store.close().await;
}

/// The intake binary on loopback ports, killed (its log printed on failure) when dropped.
struct IntakeProcess {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl IntakeProcess {
    async fn start(data: &Path, database_url: &str) -> IntakeProcess {
        let dir = tempfile::tempdir().expect("a folder");
        let log = dir.path().join("intake.log");
        let (port, admin) = (free_port(), free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_intake"))
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}"), "--admin-listen", &format!("127.0.0.1:{admin}")])
            .arg("--data")
            .arg(data)
            .args(["--database-url", database_url, "--pretend-now", OPEN, "--defer-accept", "0"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log"))
            .spawn()
            .expect("intake starts");
        let mut intake = IntakeProcess { child, port, log, _dir: dir };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return intake;
            }
            assert!(intake.is_running(), "intake exited");
            assert!(Instant::now() < deadline, "intake was not ready within {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn submit_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1/applications", self.port)
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().is_ok_and(|exit| exit.is_none())
    }
}

impl Drop for IntakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("intake's log, last lines:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
    }
}

/// What the crowd has seen so far.
#[derive(Default)]
struct Seen {
    /// Every answer, with when it came.
    answers: Vec<Answer>,
    /// (identity, reference) of every 2xx.
    acks: Vec<(String, String)>,
    /// Applications given up on, unanswered.
    unresolved: usize,
}

/// Applicants sending valid applications one after another, each retrying
/// a refusal with the same body until answered, as the site's script does.
struct Crowd {
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    tasks: tokio::task::JoinSet<()>,
}

impl Crowd {
    fn start(data: &Path, url: String) -> Crowd {
        let catalogue = campaign::Catalogue::load(data).expect("the sample campaign");
        let mut generator = loadgen::synth::Generator::new(&catalogue, 21);
        let submissions: Arc<Vec<Submission>> = Arc::new(
            (0..APPLICANTS)
                .map(|n| Submission::new(&generator.raw(n), catalogue.campaign()).expect("a body"))
                .collect(),
        );
        let (seen, stop, next) = (Arc::default(), Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("a client");
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..CROWD {
            let applicant = Applicant {
                url: url.clone(),
                client: client.clone(),
                seen: Arc::clone(&seen),
                giving_up: Instant::now() + 2 * PATIENCE,
            };
            let (submissions, stop, next) = (submissions.clone(), stop.clone(), next.clone());
            tasks.spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let Some(submission) = submissions.get(next.fetch_add(1, Ordering::SeqCst)) else { return };
                    applicant.apply(submission).await;
                }
            });
        }
        Crowd { seen, stop, tasks }
    }

    /// Polls what the crowd has seen until `done` (bounded by [`PATIENCE`]).
    async fn wait_until(&self, what: &str, done: impl Fn(&Seen) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if done(&self.seen.lock().expect("seen")) {
                return;
            }
            assert!(Instant::now() < deadline, "{what}: not within {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Lets each applicant finish the application in hand, then returns what was seen.
    async fn stop(mut self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        while let Some(joined) = self.tasks.join_next().await {
            joined.expect("an applicant");
        }
        std::mem::take(&mut *self.seen.lock().expect("seen"))
    }
}

struct Applicant {
    url: String,
    client: reqwest::Client,
    seen: Arc<Mutex<Seen>>,
    giving_up: Instant,
}

impl Applicant {
    /// Sends `submission` until it gets a final answer (or the run's time is up).
    async fn apply(&self, submission: &Submission) {
        loop {
            let sent = self
                .client
                .post(&self.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(submission.json.clone())
                .send()
                .await;
            let (status, reference) = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body: Value = response.json().await.unwrap_or(Value::Null);
                    (status, body["reference"].as_str().map(str::to_owned))
                }
                Err(_) => (0, None),
            };
            let refused = status == 0 || status == 503;
            {
                let mut seen = self.seen.lock().expect("seen");
                seen.answers.push(Answer::now(status));
                if let (200..=299, Some(reference)) = (status, reference) {
                    seen.acks.push((submission.id_number.clone(), reference));
                }
                if refused && Instant::now() > self.giving_up {
                    seen.unresolved += 1;
                    return;
                }
            }
            if !refused {
                assert!(matches!(status, 200 | 201), "a valid application was answered {status}");
                return;
            }
            // Shorter than intake's Retry-After, so the window is timed finely.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A loopback port free right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("bound").port()
}
