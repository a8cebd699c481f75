//! A bounded load generator for benchmarks and rehearsals, on loopback only.
//!
//! Closed loop (`--rate 0`: each connection sends its next request when the
//! last is answered) or open loop (`--rate N`: N requests a second whatever
//! the answers, as a crowd behaves). Every request carries a fresh, realistic
//! application drawn from the campaign's catalogue (`loadgen::synth`) unless
//! chosen as a duplicate (an earlier one sent again, as after a lost answer)
//! or an invalid one (a landline for a phone). Stops at `--count` requests or
//! `--duration` seconds, whichever comes first.
//!
//! With `--retry`, a 503 is retried after its Retry-After and a network
//! error on the next URL (as a load balancer fails over), until answered.
//! Prints one JSON summary; `--acks FILE` writes `reference,id_number,status`
//! for every 2xx and `--rejected FILE` `id_number,status` for every final
//! 4xx, so a rehearsal can check the database against them; `--timeline
//! FILE` the time and status of every answer.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use loadgen::submission::Submission;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// How long after `--duration` retries may go on, so every request sent gets a final answer.
const RETRY_GRACE: Duration = Duration::from_secs(60);

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
    /// Write `id_number,status` of every final 4xx here.
    #[arg(long)]
    rejected: Option<std::path::PathBuf>,
    /// Write `unix_ms,status` of every answer here (0 for a lost
    /// connection), to time an outage (`loadgen::outage`).
    #[arg(long)]
    timeline: Option<std::path::PathBuf>,
    /// Folder with the campaign files the applications are drawn from.
    #[arg(long, default_value = "data")]
    data: std::path::PathBuf,
}

#[derive(Default)]
struct Tally {
    /// Latency by status (0 for network errors).
    latencies: loadgen::latency::Latencies,
    acks: Vec<(String, String, u16)>,
    rejected: Vec<(String, u16)>,
    timeline: Vec<loadgen::outage::Answer>,
    /// Answers and 2xx by the URL that gave the final answer.
    by_url: std::collections::BTreeMap<String, (u64, u64)>,
    /// Requests still unanswered (503 or network error) when retrying had to stop.
    unresolved: u64,
    invalid_sent: u64,
    duplicates_sent: u64,
    retries: u64,
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
    let catalogue = campaign::Catalogue::load(&args.data)?;
    let mut generator = loadgen::synth::Generator::new(&catalogue, args.seed);
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut valid_sent: Vec<Arc<Submission>> = Vec::new();
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
        let duplicate = !valid_sent.is_empty() && rng.random_bool(args.duplicate_share.clamp(0.0, 1.0));
        let invalid = !duplicate && rng.random_bool(args.invalid_share.clamp(0.0, 1.0));
        let submission = if duplicate {
            valid_sent[rng.random_range(0..valid_sent.len())].clone()
        } else {
            let mut raw = generator.raw(usize::try_from(sent)?);
            if invalid {
                raw.phone = "03-1234 5678".into();
            }
            let submission = Arc::new(Submission::new(&raw, catalogue.campaign())?);
            if !invalid {
                valid_sent.push(submission.clone());
            }
            submission
        };
        let mut target = (sent % args.urls.len() as u64) as usize;
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
                let url = &args.urls[target];
                let at = Instant::now();
                let result = client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(submission.json.clone())
                    .send()
                    .await;
                let micros = u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX);
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
                let id_number = submission.id_number.clone();
                let retryable = status == 0 || status == 503;
                let again = {
                    let mut t = tally.lock().expect("tally");
                    t.latencies.record(status, micros);
                    if args.timeline.is_some() {
                        t.timeline.push(loadgen::outage::Answer::now(status));
                    }
                    match (status, reference) {
                        (200..=299, Some(reference)) => t.acks.push((reference, id_number, status)),
                        (400..=499, _) => t.rejected.push((id_number, status)),
                        _ => {}
                    }
                    let again = args.retry && retryable && Instant::now() < deadline + RETRY_GRACE;
                    t.retries += u64::from(again);
                    t.unresolved += u64::from(retryable && !again);
                    if !again {
                        let answered = t.by_url.entry(url.clone()).or_default();
                        answered.0 += 1;
                        answered.1 += u64::from((200..300).contains(&status));
                    }
                    again
                };
                if !again {
                    return;
                }
                if status == 0 && args.urls.len() > 1 {
                    // The instance is gone: fail over at once, as a load balancer would.
                    target = (target + 1) % args.urls.len();
                    continue;
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
    let answered = tally.latencies.answers();
    let by_status =
        tally.latencies.summary(|status| if status == 0 { "network_error".to_owned() } else { status.to_string() });
    let ok = tally.acks.len();
    let summary = json!({
        "sent": sent,
        "not_sent_client_saturated": skipped,
        "answers": answered,
        "retries": tally.retries,
        "unresolved": tally.unresolved,
        "by_url": tally.by_url.iter().map(|(url, (answers, ok))| (url.clone(), json!({ "answers": answers, "2xx": ok }))).collect::<serde_json::Map<_, _>>(),
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
        file.flush()?;
    }
    if let Some(path) = &args.timeline {
        loadgen::outage::write_timeline(path, &tally.timeline)?;
    }
    if let Some(path) = &args.rejected {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(file, "id_number,status")?;
        for (id, status) in &tally.rejected {
            writeln!(file, "{id},{status}")?;
        }
        file.flush()?;
    }
    Ok(())
}
