//! A hostile crowd for `scripts/bench-hostile`: many connections that hold
//! the door without ever finishing a request, reconnecting whenever the
//! server closes one, for a bounded time. Loopback only.
//!
//! - `idle`: connect and send nothing;
//! - `slow-header`: send a request head one byte at a time;
//! - `slow-body`: send a whole head, then the body one byte at a time.
//!
//! Every second it prints to stderr how many of its connections are open;
//! at the end one JSON line to stdout: connections made, closed by the
//! server, and the longest any one stayed open.
//!
//! `cargo run --release -p loadgen --bin hostile -- --address 127.0.0.1:8080 --mode idle --connections 10000 --duration 20`

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Idle,
    SlowHeader,
    SlowBody,
}

#[derive(Parser, Debug)]
struct Args {
    /// The server (a loopback address).
    #[arg(long)]
    address: SocketAddr,
    #[arg(long, value_enum)]
    mode: Mode,
    /// Connections held at once.
    #[arg(long, default_value_t = 2000)]
    connections: usize,
    /// Seconds of attack; then every connection is dropped.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Milliseconds between two trickled bytes.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
}

#[derive(Default)]
struct Counts {
    open: AtomicUsize,
    connects: AtomicU64,
    failed_connects: AtomicU64,
    closed_by_server: AtomicU64,
    longest_open_ms: AtomicU64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.address.ip().is_loopback(), "loopback addresses only");
    let counts = Arc::new(Counts::default());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.duration);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..args.connections {
        let counts = counts.clone();
        let args_mode = args.mode;
        let interval = Duration::from_millis(args.interval_ms);
        let address = args.address;
        tasks.spawn(async move {
            // Spread the first connects over a second, as a crowd arrives.
            tokio::time::sleep(Duration::from_micros((n as u64 * 997) % 1_000_000)).await;
            while tokio::time::Instant::now() < deadline {
                let held = tokio::time::timeout_at(deadline, hold(address, args_mode, interval, &counts)).await;
                if held.is_err() {
                    break;
                }
            }
        });
    }
    let started = Instant::now();
    let reporter = {
        let counts = counts.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                eprintln!(
                    "{:>4.0}s open {:>6} connects {:>7} closed by server {:>7}",
                    started.elapsed().as_secs_f64(),
                    counts.open.load(Ordering::Relaxed),
                    counts.connects.load(Ordering::Relaxed),
                    counts.closed_by_server.load(Ordering::Relaxed)
                );
            }
        })
    };
    while tasks.join_next().await.is_some() {}
    reporter.abort();
    println!(
        "{{\"mode\":\"{:?}\",\"connects\":{},\"failed_connects\":{},\"closed_by_server\":{},\"longest_open_ms\":{}}}",
        args.mode,
        counts.connects.load(Ordering::Relaxed),
        counts.failed_connects.load(Ordering::Relaxed),
        counts.closed_by_server.load(Ordering::Relaxed),
        counts.longest_open_ms.load(Ordering::Relaxed)
    );
    Ok(())
}

/// One connection, held until the server closes it.
async fn hold(address: SocketAddr, mode: Mode, interval: Duration, counts: &Counts) {
    let Ok(mut socket) = TcpStream::connect(address).await else {
        counts.failed_connects.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(100)).await;
        return;
    };
    counts.connects.fetch_add(1, Ordering::Relaxed);
    counts.open.fetch_add(1, Ordering::Relaxed);
    let opened = Instant::now();
    let _open = OpenGuard(counts);
    let trickle: &[u8] = match mode {
        Mode::Idle => b"",
        Mode::SlowHeader => b"POST /api/v1/applications HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\n",
        Mode::SlowBody => {
            let head = "POST /api/v1/applications HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\n\
                        Content-Length: 4000\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return closed(counts, opened);
            }
            b"{\"full_name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        }
    };
    let mut next = 0;
    let mut buffer = [0u8; 1024];
    loop {
        tokio::select! {
            read = socket.read(&mut buffer) => match read {
                // The server answered (408, say) or closed: either way, gone.
                Ok(0) | Err(_) => return closed(counts, opened),
                Ok(_) => {}
            },
            () = tokio::time::sleep(interval), if !trickle.is_empty() => {
                let byte = trickle[next % trickle.len()];
                next += 1;
                if socket.write_all(&[byte]).await.is_err() {
                    return closed(counts, opened);
                }
            }
        }
    }
}

fn closed(counts: &Counts, opened: Instant) {
    counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
    counts.longest_open_ms.fetch_max(opened.elapsed().as_millis() as u64, Ordering::Relaxed);
}

struct OpenGuard<'a>(&'a Counts);

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}
