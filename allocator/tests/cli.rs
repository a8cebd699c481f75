//! The allocator as an operator runs it: what each command refuses, how the
//! refusal reads, and how a trial run is marked in everything it leads to.

mod common;

use std::process::Output;

use common::{data, text};
use store::testing::{Backend, TestDatabase};

/// While registration is open in the sample campaign.
const OPEN: &str = "2027-06-01T09:00:00+08:00";
/// After it closes.
const CLOSED: &str = "2028-01-01T09:00:00+08:00";

/// Runs `allocator COMMAND --database-url ... --data ... ARGS`, with a
/// backtrace asked for, as an operator's shell may have set.
fn allocator(db: &TestDatabase, command: &str, args: &[&str]) -> Output {
    common::allocator(db, command).args(args).env("RUST_BACKTRACE", "1").output().expect("the allocator runs")
}

/// A fresh SQLite database with `count` synthetic applications to the sample campaign.
async fn sqlite_with_applications(count: usize, seed: u64) -> TestDatabase {
    common::with_applications(Backend::Sqlite, &data(), count, seed, 1000).await.expect("sqlite always runs").0
}

#[tokio::test]
async fn a_refused_run_says_why_in_one_readable_line_and_draws_no_seed() {
    let db = sqlite_with_applications(20, 1).await;
    let refused = allocator(&db, "run", &["--pretend-now", OPEN]);
    let (stdout, stderr) = (text(&refused.stdout), text(&refused.stderr));
    assert!(!refused.status.success(), "{stderr}");
    assert!(!stdout.contains("seed"), "a seed printed for a run that never happened: {stdout}");
    assert!(stderr.contains("open until 2027-12-31 23:59:59 UTC+08:00"), "{stderr}");
    assert!(stderr.contains("--force"), "what to do: {stderr}");
    assert!(!stderr.to_lowercase().contains("backtrace"), "an expected refusal is no crash: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    assert!(allocator(&db, "run", &["--pretend-now", CLOSED, "--seed", "a"]).status.success());
    let again = allocator(&db, "run", &["--pretend-now", CLOSED]);
    let (stdout, stderr) = (text(&again.stdout), text(&again.stderr));
    assert!(!again.status.success() && !stdout.contains("seed"), "{stdout}");
    assert!(stderr.contains("--replace") && !stderr.to_lowercase().contains("backtrace"), "{stderr}");
}

#[tokio::test]
async fn follow_up_commands_refuse_a_run_that_left_out_later_applications() {
    let db = sqlite_with_applications(40, 2).await;
    assert!(allocator(&db, "run", &["--pretend-now", CLOSED, "--seed", "s"]).status.success());
    let catalogue = allocator::load_catalogue(&data()).expect("sample data");
    let late = loadgen::synth::run(&db.store, &catalogue, 3, 99, 10).await.expect("synth");
    assert_eq!(late.inserted, 3);
    let out = tempfile::tempdir().expect("temp dir");
    let out_dir = out.path().to_str().expect("utf-8 path");
    for command in ["confirmations", "export", "report"] {
        let refused = allocator(&db, command, &["--out", out_dir]);
        let stderr = text(&refused.stderr);
        assert!(!refused.status.success(), "{command} used a stale run: {}", text(&refused.stdout));
        assert!(stderr.contains("3 applications were stored after run"), "{command}: {stderr}");
        assert!(stderr.contains("allocator run --replace") && stderr.contains("--allow-stale"), "{stderr}");
        assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");
        let allowed = allocator(&db, command, &["--out", out_dir, "--allow-stale"]);
        assert!(allowed.status.success(), "{command} --allow-stale: {}", text(&allowed.stderr));
    }
    assert!(allocator(&db, "run", &["--pretend-now", CLOSED, "--seed", "s", "--replace"]).status.success());
    assert!(allocator(&db, "report", &["--out", out_dir]).status.success(), "everyone is in the new run");
}

#[tokio::test]
async fn a_trial_run_is_marked_everywhere_and_the_real_run_replaces_it() {
    let db = sqlite_with_applications(30, 3).await;
    let trial = allocator(&db, "run", &["--pretend-now", OPEN, "--force", "--seed", "t"]);
    assert!(trial.status.success(), "{}", text(&trial.stderr));
    assert!(text(&trial.stdout).contains("TRIAL"), "{}", text(&trial.stdout));
    assert!(db.store.current_run().await.expect("read").expect("stored").trial);

    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path();
    let out_dir = dir.to_str().expect("utf-8 path");
    assert!(allocator(&db, "confirmations", &["--out", out_dir]).status.success());
    assert!(dir.join("TRIAL-confirmations.csv").exists(), "a gateway must not pick it up as the real outbox");
    assert!(!dir.join("confirmations.csv").exists());
    let report = allocator(&db, "report", &["--out", out_dir]);
    assert!(text(&report.stdout).starts_with("TRIAL RUN"), "{}", text(&report.stdout));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json")).expect("valid");
    assert_eq!(json["run"]["trial"], true);
    assert!(std::fs::read_to_string(dir.join("report.html")).expect("html").contains("<h1>TRIAL: "));
    let export = dir.join("export");
    let export_dir = export.to_str().expect("utf-8 path");
    assert!(allocator(&db, "export", &["--out", export_dir]).status.success());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export.join("TRIAL-manifest.json")).expect("manifest"))
            .expect("valid");
    assert_eq!(manifest["trial"], true);
    let files = manifest["files"].as_array().expect("files");
    assert!(!files.is_empty());
    for file in files {
        let path = file["path"].as_str().expect("path");
        let name = path.rsplit('/').next().expect("a name");
        assert!(name.starts_with("TRIAL-") && export.join(path).exists(), "{path}");
    }

    let real = allocator(&db, "run", &["--pretend-now", CLOSED, "--seed", "r"]);
    assert!(real.status.success(), "a real run replaces a trial without --replace: {}", text(&real.stderr));
    let stored = db.store.current_run().await.expect("read").expect("stored");
    assert!(!stored.trial && stored.seed == "r");
    let report = allocator(&db, "report", &["--out", out_dir]);
    assert!(!text(&report.stdout).contains("TRIAL"), "{}", text(&report.stdout));
    assert!(allocator(&db, "confirmations", &["--out", out_dir]).status.success());
    assert!(dir.join("confirmations.csv").exists());

    for (now, force) in [(CLOSED, None), (OPEN, Some("--force"))] {
        let mut args = vec!["--pretend-now", now, "--seed", "x"];
        args.extend(force);
        let refused = allocator(&db, "run", &args);
        assert!(!refused.status.success(), "a real run is replaced only with --replace");
        assert!(text(&refused.stderr).contains("--replace"), "{}", text(&refused.stderr));
    }
    assert_eq!(db.store.current_run().await.expect("read").expect("stored").seed, "r");
}

/// Changes and withdrawals made before close are counted in the audit
/// report, and the run allocates the current versions only.
#[tokio::test]
async fn the_report_counts_changes_and_withdrawals_and_the_run_uses_current_versions() {
    let db = sqlite_with_applications(30, 3).await;
    let rows = db.store.all_applications().await.expect("read");
    let at = time::macros::datetime!(2027-06-02 10:00 +08:00);
    let mut moved = rows[0].clone();
    moved.full_name.push_str(" Binti Ali");
    let moved = {
        let catalogue = allocator::load_catalogue(&data()).expect("sample data");
        let app = campaign::Application::parse(&moved.to_raw(), &catalogue).expect("valid");
        store::ApplicationRow::new(&app, rows[0].reference.clone(), rows[0].submitted_at)
    };
    let outcomes = db
        .store
        .amend(&[
            store::Amendment::Change { row: moved, at, via: store::Channel::Api },
            store::Amendment::Withdraw {
                reference: rows[1].reference.clone(),
                id_number: rows[1].id_number.clone(),
                at,
                via: store::Channel::Form,
            },
        ])
        .await
        .expect("amended");
    assert_eq!(outcomes, [store::AmendOutcome::Changed { version: 2 }, store::AmendOutcome::Withdrawn]);
    assert!(allocator(&db, "run", &["--pretend-now", CLOSED, "--seed", "h"]).status.success());
    let allocations = db.store.all_allocations().await.expect("allocations");
    assert_eq!(allocations.len(), 29, "the withdrawn application is not allocated");
    assert!(allocations.iter().all(|a| a.reference != rows[1].reference));
    let out = tempfile::tempdir().expect("temp dir");
    let report = allocator(&db, "report", &["--out", out.path().to_str().expect("utf-8")]);
    let stdout = text(&report.stdout);
    assert!(stdout.contains("1 versions replaced by a change, 1 applications withdrawn"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).expect("json")).expect("valid");
    assert_eq!(json["before_close"]["versions_replaced"], 1);
    assert_eq!(json["before_close"]["withdrawn"], 1);
}
