//! Under a flood or a database outage intake answers 503 with Retry-After
//! at once, never hangs, and recovers by itself.

use std::time::{Duration, Instant};

use serde_json::Value;
use store::testing::Backend;

use crate::helpers::{OPEN, TestApp, application, as_pairs, form};

/// Holds the database's write lock from another connection until dropped.
enum Blocker {
    Sqlite(rusqlite::Connection),
    Postgres(sqlx::postgres::PgConnection),
}

impl Blocker {
    async fn lock(app: &TestApp) -> Blocker {
        use sqlx::Connection;
        match app.store() {
            store::Store::Sqlite(file) => {
                let conn = rusqlite::Connection::open(file.path()).expect("connection");
                conn.execute_batch("BEGIN EXCLUSIVE").expect("lock");
                Blocker::Sqlite(conn)
            }
            store::Store::Postgres(pool) => {
                let mut conn = pool.acquire().await.expect("connection").detach();
                sqlx::query("BEGIN").execute(&mut conn).await.expect("begin");
                sqlx::query("LOCK TABLE applications IN ACCESS EXCLUSIVE MODE").execute(&mut conn).await.expect("lock");
                let _ = conn.ping().await;
                Blocker::Postgres(conn)
            }
        }
    }

    async fn release(self) {
        match self {
            Blocker::Sqlite(conn) => drop(conn.execute_batch("ROLLBACK")),
            Blocker::Postgres(mut conn) => drop(sqlx::query("ROLLBACK").execute(&mut conn).await),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_sheds_at_once_and_nothing_acknowledged_is_lost_sqlite() {
    a_full_queue_sheds_at_once_and_nothing_acknowledged_is_lost(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_sheds_at_once_and_nothing_acknowledged_is_lost_postgres() {
    a_full_queue_sheds_at_once_and_nothing_acknowledged_is_lost(Backend::Postgres).await;
}

/// The writer is stuck behind a lock; with room for two in the queue, the
/// rest are refused at once with Retry-After. When the lock goes, the
/// queued ones commit and new ones are taken: no restart.
async fn a_full_queue_sheds_at_once_and_nothing_acknowledged_is_lost(backend: Backend) {
    let flags = ["--queue-capacity", "2", "--max-batch", "1", "--writers", "1", "--commit-timeout", "30"];
    let Some(app) = TestApp::spawn(backend, OPEN, &flags).await else { return };
    let blocker = Blocker::lock(&app).await;
    // One in the writer's hands, two waiting in the queue.
    let mut waiting = Vec::new();
    for i in 0..3 {
        waiting
            .push(tokio::spawn(app.client.post(app.endpoint()).json(&application(&format!("60010100000{i}"))).send()));
        // In order: each holds its slot (and its place in the queue) before the next is sent.
        app.wait_for_metric("intake_submissions_in_flight", f64::from(i + 1)).await;
    }
    let started = Instant::now();
    let shed = app.post_json(&application("600101000009")).await;
    assert_eq!(shed.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(2), "shed at once, not after a wait");
    let retry_after: u64 = shed.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((5..=10).contains(&retry_after), "{retry_after}");
    let body: Value = shed.json().await.expect("json");
    assert_eq!(body["error"]["code"], "busy");

    blocker.release().await;
    let mut acknowledged = 0;
    for request in waiting {
        let response = request.await.expect("task").expect("answered");
        if response.status().is_success() {
            acknowledged += 1;
        } else {
            assert_eq!(response.status(), 503, "waiting requests end in 2xx or an honest 503");
        }
    }
    // SQLite gives up on its lock after its busy timeout; whatever was
    // acknowledged is stored, and a retry of the rest succeeds.
    let fresh = app.post_json(&application("600101000010")).await;
    assert!(fresh.status().is_success(), "taking applications again: {}", fresh.status());
    let stored = app.store().count_applications().await.expect("count");
    assert_eq!(stored, acknowledged + 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_slot_taken_submissions_are_shed_before_any_work() {
    let origin = "https://daftar.example.my";
    let flags = ["--max-in-flight", "1", "--commit-timeout", "30", "--allowed-origin", origin];
    let app = TestApp::on_sqlite(&flags).await;
    // A submission whose commit waits behind a lock holds the only slot.
    let blocker = Blocker::lock(&app).await;
    let waiting = tokio::spawn(app.client.post(app.endpoint()).json(&application("600101-14-9999")).send());
    app.wait_for_metric("intake_submissions_in_flight", 1.0).await;
    let started = Instant::now();
    let shed = app
        .client
        .post(app.endpoint())
        .header("origin", origin)
        .json(&application("600101-14-1111"))
        .send()
        .await
        .expect("sent");
    assert_eq!(shed.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(2));
    // The form's script on the CDN's origin may read the refusal, and so
    // knows how long to wait.
    assert_eq!(shed.headers()["access-control-allow-origin"], origin);
    assert!(shed.headers()["access-control-expose-headers"].to_str().expect("ascii").contains("retry-after"));
    // The plain form gets the same refusal as a page, in the language its
    // address names (the body, which also names it, is never read).
    let fields = form("600101-14-2222", "ms");
    let page =
        app.client.post(format!("{}?lang=ms", app.endpoint())).form(&as_pairs(&fields)).send().await.expect("sent");
    assert_eq!(page.status(), 503);
    assert!(page.headers().contains_key("retry-after"));
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    // Refused in front of the other layers, yet as secured as any answer.
    for name in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
        assert!(page.headers().contains_key(name), "{name} on a refusal");
    }
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.expect("text");
    assert!(html.contains("lang=\"ms\"") && html.contains("Terlalu banyak permohonan"), "{html}");
    // Counted under the limit that refused them, and as answers.
    assert_eq!(app.metric("intake_shed_total{cause=\"no_slot\"}").await, 2.0, "{}", app.metrics().await);
    let refused = "intake_http_requests_total{route=\"/api/v1/applications\",status=\"503\"}";
    assert_eq!(app.metric(refused).await, 2.0);
    blocker.release().await;
    let first = waiting.await.expect("task").expect("answered");
    assert!(first.status() == 201 || first.status() == 503, "{}", first.status());
    assert_eq!(app.post_json(&application("600101-14-1111")).await.status(), 201, "the slot is free again");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_finishes_gets_408() {
    let app = TestApp::on_sqlite(&["--body-timeout", "1"]).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    tx.send(Ok(b"{\"full_name\":".to_vec())).await.expect("first bytes");
    let started = Instant::now();
    let response = app
        .client
        .post(app.endpoint())
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(tokio_stream_from(rx)))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 408);
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(tx);
    app.stop().await;
}

/// A stream of body chunks fed from a channel.
fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
