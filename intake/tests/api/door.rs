//! A hostile crowd cannot shut the door: slow bodies, idle and slow-header
//! sockets, oversized bodies and the connection cap, over raw sockets.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, application};

/// How long a test waits for something that should happen within a
/// second or two; a bound so that a broken server fails the test rather
/// than hanging it.
const PATIENCE: Duration = Duration::from_secs(15);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.url.trim_start_matches("http://")).await.expect("connected")
}

/// Everything the server sends until it closes the connection; `None` if
/// it is still open after `PATIENCE`.
async fn read_until_closed(socket: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&received).into_owned())
}

/// Whether the server has closed `socket`, without waiting.
async fn is_closed(socket: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(tokio::time::timeout(Duration::from_millis(10), socket.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
}

/// One answer: its head, then as many bytes of body as it declares.
async fn read_answer(socket: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&received);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let declared = head
                    .lines()
                    .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:")?.trim().parse().ok())
                    .unwrap_or(0);
                if body.len() >= declared {
                    return;
                }
            }
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no whole answer within {PATIENCE:?}");
    String::from_utf8_lossy(&received).into_owned()
}

const HEALTH_CHECK: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: intake\r\n\r\n";

/// Waits until the server has `open` connections of which `idle` have no
/// request in progress.
async fn wait_for_connections(app: &TestApp, open: u32, idle: u32) {
    for _ in 0..500 {
        let metrics = app.metrics().await;
        let value = |name: &str| metrics.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok());
        if value("intake_connections_open") == Some(f64::from(open))
            && value("intake_connections_idle") == Some(f64::from(idle))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never {open} connections open with {idle} idle:\n{}", app.metrics().await);
}

/// The head of a submission whose body will trickle.
fn slow_submission_head(declared: usize) -> String {
    format!(
        "POST /api/v1/applications HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\n\
         Content-Length: {declared}\r\n\r\n{{\"id_type\":"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_takes_no_slot() {
    let flags = ["--max-in-flight", "1", "--body-timeout", "30"];
    let app = TestApp::on_sqlite(&flags).await;
    // More dawdling senders than there are slots.
    let mut slow = Vec::new();
    for _ in 0..3 {
        let mut socket = connect(&app).await;
        socket.write_all(slow_submission_head(400).as_bytes()).await.expect("sent");
        slow.push(socket);
    }
    for i in 0..3 {
        let response = app.post_json(&application(&format!("600101-14-100{i}"))).await;
        assert_eq!(response.status(), 201, "a slow sender holds no slot");
    }
    assert_eq!(app.metric("intake_submissions_in_flight").await, 0.0, "no slot is held while bodies trickle");
    drop(slow);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_not_accepted_until_it_speaks() {
    // Periods far longer than the test: the kernel hands nothing over on its own meanwhile.
    let flags = ["--defer-accept", "30", "--idle-timeout", "60"];
    let app = TestApp::on_sqlite(&flags).await;
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(connect(&app).await);
    }
    // Connected after the silent ones: had they been waiting to be
    // accepted, intake would have taken (and counted) them first.
    let mut speaker = connect(&app).await;
    speaker.write_all(HEALTH_CHECK).await.expect("sent");
    let answer = read_answer(&mut speaker).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(app.metric("intake_connections_open").await, 1.0, "only the connection that spoke was accepted");
    // A held connection that speaks is served like any other.
    let mut late = silent.pop().expect("three");
    late.write_all(HEALTH_CHECK).await.expect("sent");
    let answer = read_answer(&mut late).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(app.metric("intake_connections_open").await, 2.0, "the others are still held by the kernel");
    for socket in &mut silent {
        assert!(!is_closed(socket).await, "a held connection stays open for its client");
    }
    drop((silent, speaker, late));
    app.stop().await;
}

// With --defer-accept 0 in the tests below: they test intake's own limits,
// which are what a silent connection meets once the kernel hands it over
// (or when it came through a full backlog by SYN cookies).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let app = TestApp::on_sqlite(&["--idle-timeout", "1", "--defer-accept", "0"]).await;
    // One that never says a word, and one that sent a request and stayed.
    let mut silent = connect(&app).await;
    let mut kept_alive = connect(&app).await;
    kept_alive.write_all(b"GET /healthz HTTP/1.1\r\nHost: intake\r\n\r\n").await.expect("sent");
    let answered = read_until_closed(&mut kept_alive).await.expect("closed once idle");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    assert_eq!(read_until_closed(&mut silent).await.as_deref(), Some(""), "closed without a word");
    assert!(app.metric("intake_connections_closed_total{reason=\"idle\"}").await >= 2.0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_sent_a_byte_at_a_time_is_cut_off() {
    let flags = ["--header-timeout", "1", "--idle-timeout", "60"];
    let app = TestApp::on_sqlite(&flags).await;
    let mut socket = connect(&app).await;
    let head = b"GET /healthz HTTP/1.1\r\nHost: intake\r\nX-Slow: ";
    let mut closed = false;
    for byte in head.iter().chain(std::iter::repeat_n(&b'a', 200)) {
        if socket.write_all(&[*byte]).await.is_err() || is_closed(&mut socket).await {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed, "a head still unfinished after the header timeout is cut off");
    assert_eq!(app.metric("intake_connections_closed_total{reason=\"header_timeout\"}").await, 1.0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_oversize_body_gets_413_before_it_is_sent() {
    let flags = ["--body-limit", "8192", "--body-timeout", "60"];
    let app = TestApp::on_sqlite(&flags).await;
    let mut socket = connect(&app).await;
    let head = "POST /api/v1/applications HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\n\
                Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n";
    socket.write_all(head.as_bytes()).await.expect("sent");
    // Nothing of the body is ever sent: the answer cannot wait for it.
    let answer = read_until_closed(&mut socket).await.expect("answered and closed without the body");
    assert!(answer.starts_with("HTTP/1.1 413"), "413 first, never 100 Continue: {answer}");
    assert!(answer.contains("\"too_large\""), "{answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_cap_the_longest_idle_goes_first() {
    let flags = ["--max-connections", "3", "--idle-timeout", "60", "--body-timeout", "60", "--defer-accept", "0"];
    let app = TestApp::on_sqlite(&flags).await;
    let mut oldest = connect(&app).await;
    let idle = connect(&app).await;
    // A submission in progress is never cut off to make room.
    let mut busy = connect(&app).await;
    busy.write_all(slow_submission_head(400).as_bytes()).await.expect("sent");
    wait_for_connections(&app, 3, 2).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let response = client.post(app.endpoint()).json(&application("600101-14-1111")).send().await.expect("sent");
    assert_eq!(response.status(), 201, "a newcomer is served at the cap");
    assert_eq!(read_until_closed(&mut oldest).await.as_deref(), Some(""), "the longest idle made room");
    assert!(!is_closed(&mut busy).await, "the submission in progress is still open");
    assert!(app.metric("intake_connections_closed_total{reason=\"evicted\"}").await >= 1.0);
    drop((idle, busy));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_with_none_idle_a_newcomer_is_closed_at_once() {
    let flags = ["--max-connections", "2", "--body-timeout", "60", "--defer-accept", "0"];
    let app = TestApp::on_sqlite(&flags).await;
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut socket = connect(&app).await;
        socket.write_all(slow_submission_head(400).as_bytes()).await.expect("sent");
        busy.push(socket);
    }
    wait_for_connections(&app, 2, 0).await;
    let mut newcomer = connect(&app).await;
    assert_eq!(read_until_closed(&mut newcomer).await.as_deref(), Some(""), "turned away at once");
    assert_eq!(app.metric("intake_connections_closed_total{reason=\"cap\"}").await, 1.0);
    drop(busy);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_arrives_a_few_bytes_at_a_time_is_read_whole() {
    let app = TestApp::on_sqlite(&[]).await;
    let body = serde_json::to_vec(&application("600101-14-5555")).expect("json");
    let mut socket = connect(&app).await;
    let head = format!(
        "POST /api/v1/applications HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.expect("sent");
    for piece in body.chunks(7) {
        socket.write_all(piece).await.expect("sent");
        socket.flush().await.expect("flushed");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let answer = read_until_closed(&mut socket).await.expect("answered");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    app.stop().await;
}
