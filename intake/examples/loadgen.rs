//! A bounded load generator for benchmarks and rehearsals, on loopback only.
//!
//! Closed loop (`--rate 0`: each connection sends its next request when the
//! last is answered) or open loop (`--rate N`: N requests a second whatever
//! the answers, as a crowd behaves). Every request carries a fresh valid
//! application unless chosen as a duplicate retry or an invalid one. Stops at
//! `--count` requests or `--duration` seconds, whichever comes first.
//! Prints one JSON summary; `--acks FILE` writes `reference,id_number` for
//! every 2xx so a rehearsal can check the database against it.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

#[derive(Debug, Parser)]
struct Args {
    /// Intake submission URLs (loopback); requests are spread over them in turn.
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    /// Requests per second (open loop); 0 for closed loop.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Concurrent connections (closed loop) or most requests in flight (open loop).
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Stop after this many requests.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// Share of requests that re-send an earlier application (a retry).
    #[arg(long, default_value_t = 0.0)]
    duplicate_share: f64,
    /// Share of requests that are invalid (a bad phone number).
    #[arg(long, default_value_t = 0.0)]
    invalid_share: f64,
    /// Retry 503s and network errors (honouring Retry-After, capped at 2 s) until answered.
    #[arg(long)]
    retry: bool,
    /// Seed for identities, so two runs do not collide when they differ.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write `reference,id_number,status` of every 2xx here.
    #[arg(long)]
    acks: Option<std::path::PathBuf>,
}

#[derive(Default)]
struct Tally {
    /// Latency in microseconds by status (0 for network errors).
    latencies: std::collections::BTreeMap<u16, Vec<u32>>,
    acks: Vec<(String, String, u16)>,
    invalid_sent: u64,
    duplicates_sent: u64,
    retries: u64,
}

fn application(id: u64, invalid: bool) -> Value {
    // A valid MyKad: birth dates 1940-1999 from the id, last six digits from it too.
    let yy = 40 + (id / 1_000_000) % 60;
    let mm = 1 + (id / 10_000) % 12;
    let dd = 1 + (id / 120_000) % 28;
    json!({
        "id_type": "mykad",
        "id_number": format!("{yy:02}{mm:02}{dd:02}{:06}", id % 1_000_000),
        "full_name": "Pemohon Ujian",
        "phone": if invalid { "03-1234 5678" } else { "012-345 6789" },
        "lang": "ms",
        "centre": "SGR-0001",
        "week1": "any", "week2": "any", "week3": "any",
        "consent": true
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    for url in &args.urls {
        let host = url.split("//").nth(1).and_then(|r| r.split(['/', ':']).next()).unwrap_or("");
        anyhow::ensure!(host == "127.0.0.1" || host == "localhost" || host == "[::1]", "loopback URLs only: {url}");
    }
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(args.connections).timeout(Duration::from_secs(30)).build()?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration);
    let slots = Arc::new(Semaphore::new(args.connections));
    let mut rng = StdRng::seed_from_u64(args.seed);
    let id_base = args.seed * 10_000_000;
    let mut tasks = tokio::task::JoinSet::new();
    let mut sent = 0u64;
    let mut skipped = 0u64;
    let interval = (args.rate > 0).then(|| Duration::from_secs_f64(1.0 / args.rate as f64));
    while sent < args.count && Instant::now() < deadline {
        let permit = match interval {
            // Open loop: the schedule does not wait for answers; if every slot is
            // busy the request is counted as not sent (the client is saturated).
            Some(step) => {
                let due = started + step.mul_f64(sent as f64 + skipped as f64);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    tokio::time::sleep(wait).await;
                }
                match slots.clone().try_acquire_owned() {
                    Ok(p) => p,
                    Err(_) => {
                        skipped += 1;
                        continue;
                    }
                }
            }
            None => slots.clone().acquire_owned().await?,
        };
        let duplicate = sent > 0 && rng.random_bool(args.duplicate_share.clamp(0.0, 1.0));
        let invalid = !duplicate && rng.random_bool(args.invalid_share.clamp(0.0, 1.0));
        let id = if duplicate { id_base + rng.random_range(0..sent) } else { id_base + sent };
        let body = application(id, invalid);
        let url = args.urls[(sent % args.urls.len() as u64) as usize].clone();
        sent += 1;
        {
            let mut t = tally.lock().expect("tally");
            t.invalid_sent += u64::from(invalid);
            t.duplicates_sent += u64::from(duplicate);
        }
        let (client, tally, args) = (client.clone(), tally.clone(), args.clone());
        tasks.spawn(async move {
            let _permit = permit;
            loop {
                let at = Instant::now();
                let result = client.post(&url).json(&body).send().await;
                let micros = u32::try_from(at.elapsed().as_micros()).unwrap_or(u32::MAX);
                let (status, retry_after, reference) = match result {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let retry_after = response
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok());
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        (status, retry_after, body["reference"].as_str().map(str::to_owned))
                    }
                    Err(_) => (0, None, None),
                };
                let again = {
                    let mut t = tally.lock().expect("tally");
                    t.latencies.entry(status).or_default().push(micros);
                    if let (200..=299, Some(reference)) = (status, reference) {
                        t.acks.push((reference, body["id_number"].as_str().unwrap_or("").to_owned(), status));
                    }
                    let again = args.retry
                        && (status == 0 || status == 503)
                        && Instant::now() < deadline + Duration::from_secs(30);
                    t.retries += u64::from(again);
                    again
                };
                if !again {
                    return;
                }
                let pause = retry_after
                    .map_or(Duration::from_millis(200), |s| Duration::from_secs(s).min(Duration::from_secs(2)));
                tokio::time::sleep(pause).await;
            }
        });
    }
    let sending = started.elapsed();
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let tally = tally.lock().expect("tally");
    let mut by_status = serde_json::Map::new();
    let mut answered = 0;
    for (status, latencies) in &tally.latencies {
        let mut sorted = latencies.clone();
        sorted.sort_unstable();
        let pct = |p: f64| {
            sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0) as f64 / 1000.0
        };
        answered += sorted.len();
        by_status.insert(
            if *status == 0 { "network_error".to_owned() } else { status.to_string() },
            json!({ "count": sorted.len(), "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0) }),
        );
    }
    let ok = tally.acks.len();
    let summary = json!({
        "sent": sent,
        "not_sent_client_saturated": skipped,
        "answers": answered,
        "retries": tally.retries,
        "acknowledged": ok,
        "duplicates_sent": tally.duplicates_sent,
        "invalid_sent": tally.invalid_sent,
        "seconds": elapsed.as_secs_f64(),
        "rate_sent_per_s": sent as f64 / sending.as_secs_f64().max(1e-9),
        "rate_2xx_per_s": ok as f64 / elapsed.as_secs_f64().max(1e-9),
        "by_status": by_status,
    });
    println!("{summary}");
    if let Some(path) = &args.acks {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(file, "reference,id_number,status")?;
        for (reference, id, status) in &tally.acks {
            writeln!(file, "{reference},{id},{status}")?;
        }
    }
    Ok(())
}
