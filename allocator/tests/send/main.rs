//! `allocator send` against a real local Kannel with a fake SMSC: every
//! message arrives exactly once, reports are stored, and neither a
//! `kill -9` of the sender nor an outage of the gateway loses or doubles one.

#[path = "../common/mod.rs"]
mod common;
mod kannel;

use std::collections::BTreeMap;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use allocator::send::gateway::{Gateway, Submission};
use allocator::send::queue::sms_messages;
use common::{data, with_applications};
use kannel::Kannel;
use store::testing::{Backend, TestDatabase};
use store::{DeliveryStatus, InDoubtResolution, OutboxMessage, OutboxState};
use time::OffsetDateTime;

/// After registration closes in the sample campaign.
const CLOSED: &str = "2028-01-01T09:00:00+08:00";

fn succeeded(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A database with `count` applications, allocated.
async fn allocated(backend: Backend, count: usize, seed: u64) -> Option<TestDatabase> {
    let (db, _) = with_applications(backend, &data(), count, seed, 1000).await?;
    let run = common::allocator(&db, "run").args(["--pretend-now", CLOSED, "--seed", "s"]).output();
    succeeded(&run.expect("allocator runs"), "allocator run");
    Some(db)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn send_args(kannel: &Kannel, reports_port: u16, extra: &[&str]) -> Vec<String> {
    let mut args = kannel.send_flags();
    args.extend(["--reports-listen".into(), format!("127.0.0.1:{reports_port}")]);
    args.extend(["--in-doubt-grace", "3", "--drain-timeout", "60", "--request-timeout", "5"].map(String::from));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

async fn run_id(db: &TestDatabase) -> String {
    db.store.current_run().await.expect("read").expect("a run").run_id
}

async fn outbox(db: &TestDatabase) -> Vec<OutboxMessage> {
    db.store.outbox_messages(&run_id(db).await, None).await.expect("read the outbox")
}

/// Polls the store until at least `n` messages went out (bounded).
async fn wait_until_sent(db: &TestDatabase, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let gone =
            outbox(db).await.iter().filter(|m| matches!(m.state, OutboxState::Sent | OutboxState::Delivered)).count();
        if gone >= n {
            return;
        }
        assert!(Instant::now() < deadline, "only {gone} of {n} messages went out within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits for a spawned sender to end (bounded) and checks it succeeded.
fn finished(mut child: Child, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(150);
    while child.try_wait().expect("the sender's status").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not finish within 150 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("its output");
    succeeded(&output, what);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn spawn_send(db: &TestDatabase, args: &[String]) -> Child {
    common::allocator(db, "send")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sender starts")
}

/// Every queued message reached the handset exactly once and was reported
/// delivered; every allocated or waitlisted applicant has one.
async fn each_arrived_exactly_once(db: &TestDatabase, kannel: &Kannel) {
    let messages = outbox(db).await;
    let allocations = db.store.all_allocations().await.expect("read");
    assert_eq!(messages.len(), allocations.iter().filter(|a| !a.declined).count(), "one message per applicant");
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for (_, text) in kannel.handset() {
        *received.entry(text).or_default() += 1;
    }
    let doubled: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "received more than once: {doubled:?}");
    let missing: Vec<_> = messages.iter().filter(|m| !received.contains_key(&m.message.body)).collect();
    assert!(missing.is_empty(), "{} never arrived, e.g. {:?}{}", missing.len(), missing.first(), kannel.logs());
    assert_eq!(received.len(), messages.len(), "the handset got only the outbox's messages");
    let undelivered: Vec<_> = messages.iter().filter(|m| m.state != OutboxState::Delivered).collect();
    assert!(undelivered.is_empty(), "{} not reported delivered, e.g. {:?}", undelivered.len(), undelivered.first());
    report_agrees_with_the_handset(db, kannel);
}

/// `allocator report`'s messages.csv counts as delivered what the handset got.
fn report_agrees_with_the_handset(db: &TestDatabase, kannel: &Kannel) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let report = common::allocator(db, "report").arg("--out").arg(out.path()).output();
    let report = report.expect("the report runs");
    succeeded(&report, "allocator report");
    let stdout = String::from_utf8_lossy(&report.stdout);
    let received = kannel.handset().len();
    assert!(stdout.contains(&format!("messages: {received} delivered, 0 sent")), "{stdout}");
    let mut reader = csv::Reader::from_path(out.path().join("messages.csv")).expect("messages.csv");
    let headers = reader.headers().expect("a header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect("the column");
    let (delivered, lang) = (column("delivered"), column("lang"));
    let mut by_lang: BTreeMap<String, usize> = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("a row");
        *by_lang.entry(record[lang].to_owned()).or_default() += record[delivered].parse::<usize>().expect("a count");
    }
    assert_eq!(by_lang.values().sum::<usize>(), received, "{by_lang:?}");
    assert!(by_lang.len() == 2, "both languages are counted: {by_lang:?}");

    // report.json and report.html say the same.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).expect("report.json"))
            .expect("JSON");
    let messages = &json["messages"];
    assert_eq!(messages["all"]["delivered"], received, "{messages}");
    assert_eq!(messages["all"]["total"], received, "{messages}");
    assert_eq!(messages["by_round"]["1"]["delivered"], received, "{messages}");
    for (lang, n) in &by_lang {
        assert_eq!(messages["by_lang"][lang]["delivered"], *n, "{messages}");
    }
    let html = std::fs::read_to_string(out.path().join("report.html")).expect("report.html");
    let all = format!("<th scope=\"row\">All messages</th><td class=\"n\">{received}</td>");
    assert!(html.contains(&all), "report.html lacks {all}");
}

async fn every_applicant_gets_one_message_and_its_delivery_is_stored(backend: Backend) {
    let Some(kannel) = Kannel::start() else { return };
    let Some(db) = allocated(backend, 300, 1).await else { return };
    let args = send_args(&kannel, 0, &["--rate", "500", "--concurrency", "8"]);
    let first = common::allocator(&db, "send").args(&args).output().expect("the sender runs");
    succeeded(&first, "allocator send");
    assert!(String::from_utf8_lossy(&first.stdout).contains("queued 300 new messages"));
    each_arrived_exactly_once(&db, &kannel).await;
    let one = &outbox(&db).await[0];
    let reports = db.store.delivery_reports(one.id).await.expect("read");
    assert!(reports.iter().any(|r| r.status == DeliveryStatus::Accepted), "{reports:?}");
    assert!(reports.iter().any(|r| r.status == DeliveryStatus::Delivered && r.attempt == 1), "{reports:?}");

    // Sending again queues nothing new and sends nothing.
    let again = common::allocator(&db, "send").args(&args).output().expect("the sender runs");
    succeeded(&again, "allocator send again");
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("queued 0 new messages") && stdout.contains("sent 0 messages"), "{stdout}");
    each_arrived_exactly_once(&db, &kannel).await;
}

async fn a_send_killed_mid_way_resumes_with_no_message_lost_or_doubled(backend: Backend) {
    let Some(kannel) = Kannel::start() else { return };
    let Some(db) = allocated(backend, 400, 2).await else { return };
    // The listener's port is kept: Kannel calls back the same address
    // for the reports of messages sent before the kill.
    let args = send_args(&kannel, free_port(), &["--rate", "60", "--concurrency", "4"]);
    let mut killed = spawn_send(&db, &args);
    wait_until_sent(&db, 100).await;
    killed.kill().expect("SIGKILL");
    killed.wait().expect("reaped");
    let before = outbox(&db).await;
    assert!(before.iter().any(|m| m.state == OutboxState::Pending), "killed before the end");

    let stdout = finished(spawn_send(&db, &args), "the resumed send");
    assert!(stdout.contains("queued 0 new messages"), "{stdout}");
    each_arrived_exactly_once(&db, &kannel).await;
}

async fn a_gateway_outage_mid_send_is_retried_without_loss(backend: Backend) {
    let Some(kannel) = Kannel::start() else { return };
    let Some(db) = allocated(backend, 300, 3).await else { return };
    let args = send_args(&kannel, free_port(), &["--rate", "60", "--concurrency", "4"]);
    let sender = spawn_send(&db, &args);
    wait_until_sent(&db, 60).await;
    kannel.stop_gateway();
    kannel.start_gateway();
    finished(sender, "the send through an outage");
    each_arrived_exactly_once(&db, &kannel).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_cleanly_with_nothing_left_mid_request_and_a_rerun_resumes() {
    let Some(kannel) = Kannel::start() else { return };
    let Some(db) = allocated(Backend::Sqlite, 200, 5).await else { return };
    let args = send_args(&kannel, free_port(), &["--rate", "40", "--concurrency", "4"]);
    let sender = spawn_send(&db, &args);
    wait_until_sent(&db, 40).await;
    let interrupt = Command::new("kill").args(["-INT", &sender.id().to_string()]).status().expect("kill runs");
    assert!(interrupt.success());
    let stdout = finished(sender, "the interrupted send");
    assert!(stdout.contains("stopped before the end"), "{stdout}");
    let states: Vec<_> = outbox(&db).await.into_iter().map(|m| m.state).collect();
    assert!(states.contains(&OutboxState::Pending), "it stopped early");
    assert!(!states.contains(&OutboxState::Sending), "every request in flight was settled");
    finished(spawn_send(&db, &args), "the resumed send");
    each_arrived_exactly_once(&db, &kannel).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_stop_the_send_with_every_message_still_pending() {
    let Some(kannel) = Kannel::start() else { return };
    let Some(db) = allocated(Backend::Sqlite, 20, 6).await else { return };
    let mut args = send_args(&kannel, 0, &[]);
    let password = args.iter().position(|a| a == "--password").expect("the flag") + 1;
    args[password] = "not-the-password".into();
    let refused = common::allocator(&db, "send").args(&args).output().expect("the sender runs");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.contains("refused our credentials") && stderr.contains("--password"), "{stderr}");
    assert!(outbox(&db).await.iter().all(|m| m.state == OutboxState::Pending), "nothing went out or failed");
    assert!(kannel.handset().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_run_is_not_sent_unless_asked() {
    let Some((db, _)) = with_applications(Backend::Sqlite, &data(), 10, 7, 1000).await else { return };
    let trial = ["--pretend-now", "2027-06-01T09:00:00+08:00", "--force", "--seed", "t"];
    succeeded(&common::allocator(&db, "run").args(trial).output().expect("runs"), "a trial run");
    let flags = ["--gateway-url", "http://127.0.0.1:9/cgi-bin/sendsms", "--username", "u", "--password", "p"];
    let refused = common::allocator(&db, "send").args(flags).output().expect("the sender runs");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("trial run") && stderr.contains("--allow-trial"), "{stderr}");
    assert!(outbox(&db).await.is_empty(), "nothing queued");
}

/// Claims the next pending message as a sender does before its request.
async fn claim(db: &TestDatabase) -> OutboxMessage {
    let run_id = run_id(db).await;
    db.store.claim_next_message(&run_id, OffsetDateTime::now_utc()).await.expect("claim").expect("a pending message")
}

/// Polls the handset until `body` arrived (bounded).
async fn wait_for_handset(kannel: &Kannel, body: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kannel.handset().iter().any(|(_, text)| text == body) {
        assert!(Instant::now() < deadline, "{body:?} never reached the handset{}", kannel.logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn messages_in_doubt_are_sent_again_only_when_the_gateway_never_had_them(backend: Backend) {
    let Some(kannel) = Kannel::start() else { return };
    let Some(db) = allocated(backend, 30, 4).await else { return };
    let (run_id, catalogue) = (run_id(&db).await, allocator::load_catalogue(&data()).expect("sample data"));
    let (applications, allocations) =
        (db.store.all_applications().await.expect("read"), db.store.all_allocations().await.expect("read"));
    let messages = sms_messages(&catalogue, &applications, &allocations, &run_id, None, None).expect("messages");
    db.store.queue_messages(messages, OffsetDateTime::now_utc()).await.expect("queued");
    let port = free_port();
    let gateway = Gateway::new(
        kannel.value("TEMUJANJI_GATEWAY_URL"),
        kannel.value("TEMUJANJI_GATEWAY_USERNAME"),
        kannel.value("TEMUJANJI_GATEWAY_PASSWORD"),
        None,
        &format!("http://127.0.0.1:{port}"),
        Duration::from_secs(5),
    )
    .expect("a client");
    // A sender claimed three messages and died: the first reached Kannel
    // and the handset, the second Kannel while the SMSC was away (it waits
    // in bearerbox's queue), the third never left. Nobody listened for reports.
    let (had, held, never) = (claim(&db).await, claim(&db).await, claim(&db).await);
    assert!(matches!(gateway.submit(&had).await, Submission::Accepted(_)));
    wait_for_handset(&kannel, &had.message.body).await;
    kannel.stop_smsc();
    assert!(matches!(gateway.submit(&held).await, Submission::Accepted(_)));

    let sender = spawn_send(&db, &send_args(&kannel, port, &["--rate", "200"]));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let resolution = outbox(&db).await.into_iter().find(|m| m.id == held.id).and_then(|m| m.resolution);
        if resolution == Some(InDoubtResolution::Queued) {
            break;
        }
        assert!(Instant::now() < deadline, "the message in Kannel's queue was never found there: {resolution:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kannel.start_smsc();
    finished(sender, "the send after a crash");
    each_arrived_exactly_once(&db, &kannel).await;
    let after = outbox(&db).await;
    let find = |id: i64| after.iter().find(|m| m.id == id).map(|m| (m.resolution, m.attempts));
    assert_eq!(find(had.id), Some((Some(InDoubtResolution::Report), 1)), "its late report settled it");
    assert_eq!(find(held.id), Some((Some(InDoubtResolution::Queued), 1)), "waited for, not resent");
    assert_eq!(find(never.id), Some((Some(InDoubtResolution::Resent), 2)), "sent again: Kannel never had it");
}

store::on_both_backends!(
    messages_in_doubt_are_sent_again_only_when_the_gateway_never_had_them,
    every_applicant_gets_one_message_and_its_delivery_is_stored,
    a_send_killed_mid_way_resumes_with_no_message_lost_or_doubled,
    a_gateway_outage_mid_send_is_retried_without_loss,
);
