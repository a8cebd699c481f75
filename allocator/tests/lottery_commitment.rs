//! Commit-then-reveal: a campaign that published the SHA-256 of its lottery
//! seed runs only with that seed, stores the commitment with the run and
//! reports whether the two match.

mod common;

use std::path::Path;
use std::process::Command;

use allocator::run::{RunOptions, run};
use allocator::seed::{SeedError, commitment_of};
use common::with_applications;
use store::testing::{Backend, fresh};
use time::OffsetDateTime;
use time::macros::datetime;

/// After registration closes in the sample campaign.
const CLOSED: OffsetDateTime = datetime!(2028-01-01 09:00 +08:00);

const SEED: &str = "committed-seed";

fn options(seed: &str) -> RunOptions {
    RunOptions { seed: seed.into(), replace: false, force: false, now: CLOSED }
}

/// The sample campaign with small centres (so ties and waiting lists matter),
/// committed to `commitment` when given.
fn campaign(commitment: Option<&str>) -> tempfile::TempDir {
    let dir = common::campaign_with_centres(
        "SGR-0001,Selangor,Petaling,Dewan Kecil,\"1, Jalan A\",2,Sat;Sun\n\
         PNG-0001,Pulau Pinang,Timur Laut,Dewan Besar,\"2, Jalan B\",3,\n",
    );
    if let Some(c) = commitment {
        let toml = dir.path().join("campaign.toml");
        let sample = std::fs::read_to_string(&toml).expect("sample campaign");
        // At the top: the file ends in the [helpline] table.
        std::fs::write(&toml, format!("lottery_commitment = \"{c}\"\n{sample}")).expect("write");
    }
    dir
}

fn committed() -> tempfile::TempDir {
    campaign(Some(&commitment_of(SEED).to_string()))
}

store::on_both_backends!(
    a_wrong_seed_is_refused_and_nothing_is_stored,
    the_committed_seed_allocates_as_before_and_the_run_keeps_the_commitment,
);

async fn a_wrong_seed_is_refused_and_nothing_is_stored(backend: Backend) {
    let dir = committed();
    let Some((db, catalogue)) = with_applications(backend, dir.path(), 200, 2, 200).await else { return };
    // Registration still open: the seed is refused first, before anything else is looked at.
    let early = RunOptions { now: datetime!(2027-06-01 09:00 +08:00), ..options("committed-seed ") };
    let refused = run(&db.store, &catalogue, dir.path(), &early).await.expect_err("refused");
    assert!(
        matches!(refused.downcast_ref::<SeedError>(), Some(SeedError::Mismatch { .. })),
        "refused for the seed, not for anything later: {refused}"
    );
    assert!(refused.to_string().contains("does not match the lottery commitment"), "{refused}");
    assert!(db.store.current_run().await.expect("read").is_none(), "nothing stored");
}

async fn the_committed_seed_allocates_as_before_and_the_run_keeps_the_commitment(backend: Backend) {
    let (Some(plain_db), Some(committed_db)) = (fresh(backend).await, fresh(backend).await) else { return };
    let (plain, committed) = (campaign(None), committed());
    let mut outcomes = Vec::new();
    for (db, dir) in [(&plain_db, &plain), (&committed_db, &committed)] {
        let catalogue = allocator::load_catalogue(dir.path()).expect("campaign");
        loadgen::synth::run(&db.store, &catalogue, 400, 7, 400).await.expect("synth");
        let record = run(&db.store, &catalogue, dir.path(), &options(SEED)).await.expect("run");
        let stored = db.store.current_run().await.expect("read").expect("stored");
        assert_eq!(stored.lottery_commitment, record.lottery_commitment, "the run stores what it checked");
        let allocations = db.store.all_allocations().await.expect("read");
        let applications = db.store.all_applications().await.expect("read");
        let report =
            allocator::report::Report::build(&catalogue, stored.clone(), &applications, &allocations).expect("report");
        let out = tempfile::tempdir().expect("temp dir");
        report.write(out.path()).expect("write");
        outcomes.push((stored, allocations, report, out));
    }
    let (plain_run, plain_rows, plain_report, plain_out) = &outcomes[0];
    let (committed_run, committed_rows, committed_report, committed_out) = &outcomes[1];
    assert!(plain_rows.iter().any(|r| r.waitlist_position.is_some()), "the lottery decides something");
    assert_eq!(plain_rows, committed_rows, "committing to the seed changes nothing in the allocation");
    assert_eq!(plain_run.lottery_commitment, None);
    let expected = commitment_of(SEED).to_string();
    assert_eq!(committed_run.lottery_commitment.as_deref(), Some(expected.as_str()));

    let json = |out: &tempfile::TempDir| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).expect("json")).expect("valid")
    };
    let (plain_json, committed_json) = (json(plain_out), json(committed_out));
    assert_eq!(committed_json["run"]["seed"], SEED);
    assert_eq!(committed_json["run"]["lottery_commitment"], expected.as_str());
    assert_eq!(committed_json["run"]["seed_sha256"], expected.as_str());
    assert_eq!(committed_json["run"]["seed_matches_commitment"], true);
    assert_eq!(plain_json["run"]["lottery_commitment"], serde_json::Value::Null);
    assert_eq!(plain_json["run"]["seed_matches_commitment"], serde_json::Value::Null);

    assert!(committed_report.summary().contains("the seed matches the commitment"), "{}", committed_report.summary());
    assert!(plain_report.summary().contains("not committed in advance"), "{}", plain_report.summary());
    let page = std::fs::read_to_string(committed_out.path().join("report.html")).expect("html");
    assert!(page.contains(&format!("<dt>Lottery commitment</dt><dd>{expected}</dd>")), "{page}");
    assert!(page.contains("the seed matches the commitment"));
    let page = std::fs::read_to_string(plain_out.path().join("report.html")).expect("html");
    assert!(page.contains("not committed in advance"));
}

/// The report recomputes the hash: a stored commitment that the seed does not hash to is shown as such.
#[tokio::test]
async fn the_report_says_when_the_seed_does_not_match_its_stored_commitment() {
    let dir = committed();
    let (db, catalogue) = with_applications(Backend::Sqlite, dir.path(), 50, 3, 50).await.expect("sqlite always runs");
    run(&db.store, &catalogue, dir.path(), &options(SEED)).await.expect("run");
    let mut stored = db.store.current_run().await.expect("read").expect("stored");
    stored.seed = "another".into();
    let report = allocator::report::Report::build(
        &catalogue,
        stored,
        &db.store.all_applications().await.expect("read"),
        &db.store.all_allocations().await.expect("read"),
    )
    .expect("report");
    assert_eq!(report.to_json()["run"]["seed_matches_commitment"], false);
    assert!(report.summary().contains("DOES NOT MATCH"), "{}", report.summary());
}

/// `allocator run` against a database that does not exist yet: a refusal
/// that happens before any work leaves it uncreated.
fn run_binary(dir: &Path, db: &Path, seed_args: &[&str]) -> std::process::Output {
    common::allocator_binary()
        .arg("run")
        .arg("--data")
        .arg(dir)
        .arg("--database-url")
        .arg(format!("sqlite:{}", db.display()))
        .args(seed_args)
        .args(["--pretend-now", "2028-01-01T09:00:00+08:00"])
        .output()
        .expect("allocator runs")
}

#[test]
fn commit_seed_writes_a_private_seed_whose_sha256sum_is_the_printed_commitment() {
    let work = tempfile::tempdir().expect("temp dir");
    let seed_file = work.path().join("lottery-seed.txt");
    let output = common::allocator_binary().arg("commit-seed").arg("--out").arg(&seed_file).output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8(output.stdout).expect("UTF-8");
    let seed = std::fs::read_to_string(&seed_file).expect("seed file").trim_end().to_owned();
    assert!(!said.contains(&seed), "the seed is never printed: {said}");
    let line = said.lines().find(|l| l.starts_with("lottery_commitment = ")).expect("the line to publish");
    let published = line.trim_start_matches("lottery_commitment = ").trim_matches('"');

    // The README's one-liner, run as written.
    let shell = Command::new("sh")
        .arg("-c")
        .arg("printf %s \"$(cat \"$1\")\" | sha256sum")
        .arg("sh")
        .arg(&seed_file)
        .output()
        .expect("sh runs");
    let hex = String::from_utf8(shell.stdout).expect("UTF-8");
    assert_eq!(published, format!("sha256:{}", hex.split_whitespace().next().expect("a digest")));
    // And the Python one, where Python is installed.
    let python = Command::new("python3")
        .arg("-c")
        .arg("import hashlib; print(hashlib.sha256(input().encode()).hexdigest())")
        .stdin(std::fs::File::open(&seed_file).expect("open"))
        .output();
    if let Ok(python) = python {
        assert_eq!(published, format!("sha256:{}", String::from_utf8_lossy(&python.stdout).trim()));
    }

    // The committed campaign accepts that file, and refuses another seed or none, before touching the database.
    let dir = campaign(Some(published));
    let db = work.path().join("never-created.db");
    let wrong = run_binary(dir.path(), &db, &["--seed", "guess"]);
    let missing = run_binary(dir.path(), &db, &[]);
    for (what, output, expected) in
        [("a wrong seed", &wrong, "does not match the lottery commitment"), ("no seed", &missing, "--seed-file")]
    {
        assert!(!output.status.success(), "{what} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{what}: {stderr}");
    }
    assert!(!db.exists(), "refused before the database was opened");
    let ok = run_binary(dir.path(), &db, &["--seed-file", seed_file.to_str().expect("UTF-8 path")]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("matches the published lottery commitment"));

    let again = common::allocator_binary().arg("commit-seed").arg("--out").arg(&seed_file).output().expect("runs");
    assert!(!again.status.success(), "an existing seed file is never replaced");
    assert_eq!(std::fs::read_to_string(&seed_file).expect("kept").trim_end(), seed);
}
