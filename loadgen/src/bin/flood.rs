//! Open-loop flood for `scripts/bench-intake`'s overload run: offers a fixed
//! rate of fresh, valid applications (the same body as `bench-intake.lua`)
//! over many keep-alive connections, and reports answers by status with
//! latency counted from each request's *scheduled* time, so a slow server
//! cannot hide behind a slow client.
//!
//! It writes requests and reads answers on raw sockets from one thread: the
//! general load generator (`loadgen`, an HTTP client library) spends more CPU
//! per request than the server and, sharing the cores, could not offer twice
//! the server's rate, which is what this run is for.
//!
//! `cargo run --release -p loadgen --bin flood -- --url http://127.0.0.1:8080/api/v1/applications --rate 30000`

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use loadgen::answer_head;
use loadgen::latency::Latencies;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};

#[derive(Parser, Debug)]
struct Args {
    /// The submission endpoint (loopback only).
    #[arg(long)]
    url: String,
    /// Requests offered per second, whatever the answers.
    #[arg(long)]
    rate: u64,
    /// Keep-alive connections; a request due while all are busy waits, and
    /// its wait counts in its latency.
    #[arg(long, default_value_t = 2048)]
    connections: usize,
    /// Seconds of offering.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Offset of the identity numbers, so runs against one database differ.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Requests due but not yet taken by a connection, beyond which the client
/// is saturated and stops counting them as offered.
const BACKLOG_PER_CONNECTION: usize = 4;

/// Time after the offering stops for answers still on their way.
const DRAIN: Duration = Duration::from_secs(10);

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (host_port, path) = target(&args.url)?;
    let (due_tx, due_rx) = mpsc::channel::<(Instant, u64)>(args.connections * BACKLOG_PER_CONNECTION);
    let due_rx = Arc::new(Mutex::new(due_rx));
    let started = Instant::now();
    let mut connections = tokio::task::JoinSet::new();
    for _ in 0..args.connections {
        let (due_rx, host_port, path) = (due_rx.clone(), host_port.clone(), path.clone());
        connections.spawn(async move { connection(&host_port, &path, &due_rx).await });
    }
    // The schedule: request i is due at started + i / rate, sent or not.
    let step = Duration::from_secs_f64(1.0 / args.rate.max(1) as f64);
    let total = args.rate * args.duration;
    let (mut offered, mut not_sent) = (0u64, 0u64);
    for i in 0..total {
        let due = started + step.mul_f64(i as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        match due_tx.try_send((due, args.seed * 10_000_000 + i)) {
            Ok(()) => offered += 1,
            Err(_) => not_sent += 1,
        }
    }
    drop(due_tx);
    let mut latencies = Latencies::default();
    let deadline = tokio::time::Instant::now() + DRAIN;
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, connections.join_next()).await {
        for (status, micros) in joined? {
            latencies.record(status, u64::from(micros));
        }
    }
    let unanswered = connections.len();
    connections.abort_all();
    let seconds = started.elapsed().as_secs_f64();
    let ok = latencies.successes();
    let by_status = latencies.summary(|status| status.to_string());
    let summary = json!({
        "offered_per_s": args.rate,
        "sent": offered,
        "not_sent_client_saturated": not_sent,
        "connections_unfinished": unanswered,
        "seconds": seconds,
        "rate_2xx_per_s": ok as f64 / (args.duration as f64),
        "by_status": by_status,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

/// `host:port` and path of a loopback `http://` URL.
fn target(url: &str) -> anyhow::Result<(String, String)> {
    let rest = url.strip_prefix("http://").context("an http:// URL")?;
    let (host_port, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let host = host_port.rsplit_once(':').map_or(host_port, |(h, _)| h);
    anyhow::ensure!(host == "127.0.0.1" || host == "localhost" || host == "[::1]", "loopback URLs only: {url}");
    Ok((host_port.to_owned(), path))
}

/// One keep-alive connection: takes the next due request, sends it, reads the
/// answer; reconnects when the server closes. Returns (status, microseconds
/// from due to answer) per request; status 0 when the connection failed.
async fn connection(host_port: &str, path: &str, due: &Mutex<mpsc::Receiver<(Instant, u64)>>) -> Vec<(u16, u32)> {
    let mut answers = Vec::new();
    let mut stream: Option<TcpStream> = None;
    let mut request = Vec::with_capacity(512);
    let mut buffer = vec![0u8; 4096];
    loop {
        let Some((due_at, n)) = due.lock().await.recv().await else { return answers };
        request.clear();
        write_request(&mut request, host_port, path, n);
        let status = match exchange(&mut stream, host_port, &request, &mut buffer).await {
            Ok((status, keep_alive)) => {
                if !keep_alive {
                    stream = None;
                }
                status
            }
            Err(_) => {
                stream = None;
                0
            }
        };
        answers.push((status, u32::try_from(due_at.elapsed().as_micros()).unwrap_or(u32::MAX)));
    }
}

/// A fresh valid application for index `n`, as `bench-intake.lua` makes them.
fn write_request(out: &mut Vec<u8>, host_port: &str, path: &str, n: u64) {
    let (yy, mm, dd) = (40 + (n / 1_000_000) % 60, 1 + (n / 10_000) % 12, 1 + (n / 120_000) % 28);
    let body = format!(
        "{{\"id_type\":\"mykad\",\"id_number\":\"{yy:02}{mm:02}{dd:02}{:06}\",\"full_name\":\"Pemohon Ujian\",\
         \"phone\":\"012-345 6789\",\"lang\":\"ms\",\"centre\":\"SGR-0001\",\"week1\":\"any\",\"week2\":\"any\",\
         \"week3\":\"any\",\"consent\":true}}",
        n % 1_000_000
    );
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "POST {path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
}

/// Sends one request and reads its answer: (status, whether the connection stays open).
async fn exchange(
    stream: &mut Option<TcpStream>,
    host_port: &str,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> anyhow::Result<(u16, bool)> {
    if stream.is_none() {
        let s = TcpStream::connect(host_port).await?;
        s.set_nodelay(true)?;
        *stream = Some(s);
    }
    let s = stream.as_mut().context("connected")?;
    s.write_all(request).await?;
    let mut filled = 0;
    let head = loop {
        if filled == buffer.len() {
            buffer.resize(buffer.len() * 2, 0);
        }
        let read = s.read(&mut buffer[filled..]).await?;
        anyhow::ensure!(read > 0, "closed before the answer");
        filled += read;
        if let Some(head) = answer_head::parse(&buffer[..filled])? {
            break head;
        }
    };
    let mut body_read = filled - head.head_length;
    while body_read < head.body_length {
        let read = s.read(&mut buffer[..]).await?;
        anyhow::ensure!(read > 0, "closed in the body");
        body_read += read;
    }
    Ok((head.status, head.keep_alive))
}
