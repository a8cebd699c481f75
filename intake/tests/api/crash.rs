//! `kill -9` in the middle of a load: every application that got a 2xx is
//! in the database after a restart, and retrying the ones whose answer was
//! lost gives each exactly one stored application.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;

use crate::helpers::{application, data_dir};

/// The real binary, serving on a free loopback port.
struct Running {
    child: Child,
    url: String,
}

fn start(database_url: &str) -> Running {
    let data = data_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--database-url", database_url])
        .args(["--pretend-now", "2027-06-01T10:00:00+08:00", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("intake starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines.next().expect("intake logs its address before exiting").expect("readable log");
        let entry: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if entry["message"] == "listening" {
            break entry["address"].as_str().expect("address field").to_owned();
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Running { child, url: format!("http://{address}/api/v1/applications") }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_mid_load_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite:{}", dir.path().join("crash.db").display());
    let mut server = start(&database_url);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");

    // 600 submissions, 32 at a time; kill -9 once 150 are acknowledged.
    let total = 600;
    let slots = Arc::new(Semaphore::new(32));
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<(usize, String)>::new()));
    let mut tasks = Vec::new();
    for i in 0..total {
        let permit = slots.clone().acquire_owned().await.expect("semaphore");
        let (client, url, answers) = (client.clone(), server.url.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let response = client.post(&url).json(&application(&format!("6001011{i:05}"))).send().await.ok()?;
            if response.status().is_success() {
                let body: Value = response.json().await.ok()?;
                let reference = body["reference"].as_str()?.to_owned();
                answers.lock().expect("lock").push((i, reference));
            }
            Some(())
        }));
        if acknowledged.lock().expect("lock").len() >= 150 && server.child.try_wait().expect("status").is_none() {
            server.child.kill().expect("SIGKILL");
            server.child.wait().expect("reaped");
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 150 && acknowledged.len() < total, "killed mid-load: {}", acknowledged.len());

    // After a restart every acknowledged application is there.
    let mut server = start(&database_url);
    let reopened = store::Store::connect(&store::ConnectOptions::new(database_url.clone())).await.expect("open");
    let stored: BTreeSet<String> =
        reopened.all_applications().await.expect("read").into_iter().map(|r| r.reference).collect();
    for (_, reference) in &acknowledged {
        assert!(stored.contains(reference), "acknowledged {reference} is missing after kill -9");
    }

    // A client retries every submission whose answer it did not get: each
    // gets 201, or 200 with the reference of what was committed before.
    let answered: BTreeSet<usize> = acknowledged.iter().map(|(i, _)| *i).collect();
    let mut references: BTreeSet<String> = acknowledged.iter().map(|(_, r)| r.clone()).collect();
    for i in (0..total).filter(|i| !answered.contains(i)) {
        let response =
            client.post(&server.url).json(&application(&format!("6001011{i:05}"))).send().await.expect("sent");
        assert!(matches!(response.status().as_u16(), 200 | 201), "retry of {i}: {}", response.status());
        let body: Value = response.json().await.expect("json");
        references.insert(body["reference"].as_str().expect("reference").to_owned());
    }
    let stored: BTreeSet<String> =
        reopened.all_applications().await.expect("read").into_iter().map(|r| r.reference).collect();
    assert_eq!(stored.len(), total, "exactly one application per applicant");
    assert_eq!(stored, references, "and each one's reference is the one its applicant holds");
    server.child.kill().expect("stop");
    let _ = server.child.wait();
}
