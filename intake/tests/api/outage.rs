//! A database outage: intake answers 503 at once while the database is
//! unreachable, loses nothing it acknowledged, and resumes by itself.
//!
//! The outage is real: intake talks to Postgres through a loopback proxy
//! that the test cuts (dropping every connection) and restores.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{OPEN, TestApp, application};

/// Forwards loopback connections to `upstream` while `up` is true.
struct Proxy {
    address: String,
    up: Arc<AtomicBool>,
    cut: tokio::sync::watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let address = listener.local_addr().expect("bound").to_string();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let (accept_up, accept_cut) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    continue; // dropped: connection refused, in effect
                }
                let upstream = upstream.clone();
                let mut cuts = accept_cut.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { address, up, cut }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_gets_fast_503s_and_service_resumes_by_itself() {
    let Some(url) = store::testing::postgres_url() else { return };
    let target = url.split('@').nth(1).and_then(|rest| rest.split('/').next()).expect("host:port in the URL");
    let proxy = Proxy::start(target.to_owned()).await;
    let proxied = url.replacen(target, &proxy.address, 1);
    let Some(app) = TestApp::spawn_with_url(store::testing::Backend::Postgres, &proxied, OPEN, &[]).await else {
        return;
    };
    let first = app.post_json(&application("600101-14-0001")).await;
    assert_eq!(first.status(), 201);

    proxy.cut();
    let mut refused = 0;
    for i in 0..5 {
        let started = Instant::now();
        let response = app.post_json(&application(&format!("60010114100{i}"))).await;
        assert_eq!(response.status(), 503, "an unreachable database is an honest 503");
        assert!(response.headers().contains_key("retry-after"));
        assert!(started.elapsed() < Duration::from_secs(8), "answered in {:?}", started.elapsed());
        refused += 1;
    }
    let ready = app.client.get(format!("{}/readyz", app.url)).send().await.expect("sent");
    assert_eq!(ready.status(), 503, "readiness reports the outage");

    proxy.restore();
    // The writer probes the database by itself and says so: no restart.
    app.wait_for_metric("intake_database_up", 1.0).await;
    // A pooled connection cut during the outage may still fail one batch
    // (answered 503, and retried by the client, as here).
    let mut reference = None;
    for _ in 0..5 {
        let response = app.post_json(&application("600101-14-0002")).await;
        if response.status() == 201 {
            let body: Value = response.json().await.expect("json");
            reference = Some(body["reference"].as_str().expect("reference").to_owned());
            break;
        }
        assert_eq!(response.status(), 503);
    }
    let reference = reference.expect("taking applications again once the database is back");
    assert_eq!(refused, 5);
    let stored = app.store().all_applications().await.expect("read");
    let numbers: Vec<&str> = stored.iter().map(|r| r.id_number.as_str()).collect();
    assert!(numbers.contains(&"600101140001") && numbers.contains(&"600101140002"), "{numbers:?}");
    assert!(stored.iter().any(|r| r.reference == reference));
    app.stop().await;
}
