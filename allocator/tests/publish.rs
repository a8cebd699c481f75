//! The published results: no personal data in any file, every bucket the
//! same size, each record opened by its reference and birth date only, and
//! the page's JavaScript opening the very bytes the Rust side wrote.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use allocator::run::{RunOptions, run};
use result_files::{ResultRecord, Secret, Status};
use store::testing::Backend;
use time::macros::datetime;

store::on_both_backends!(published_results_hold_no_personal_data_and_open_with_reference_and_birth_date_only);

/// The sample campaign with two centres of one place a day, so that many
/// applicants end on a waiting list.
fn small_campaign() -> tempfile::TempDir {
    common::campaign_with_centres(
        "SGR-0001,Selangor,Petaling,Dewan Orang Ramai Seksyen 7,\"1, Jalan Plumbum, 40000 Shah Alam\",1,Sun\n\
         KUL-0001,W.P. Kuala Lumpur,Kepong,Klinik Kesihatan Kepong,\"2, Jalan Kepong, 52100 Kuala Lumpur\",1,\n",
    )
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .expect("results folder")
        .map(|entry| entry.expect("entry").path())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("readable");
            (path, bytes)
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn published_results_hold_no_personal_data_and_open_with_reference_and_birth_date_only(backend: Backend) {
    let data = small_campaign();
    let Some((db, catalogue)) = common::with_applications(backend, data.path(), 120, 17, 1000).await else { return };
    let options =
        RunOptions { seed: "publish".into(), replace: false, force: false, now: datetime!(2028-01-02 00:00 UTC) };
    let stored_run = run(&db.store, &catalogue, data.path(), &options).await.expect("run");
    let applications = db.store.all_applications().await.expect("read");
    let allocations = db.store.all_allocations().await.expect("read");
    let out = tempfile::tempdir().expect("temp dir");
    let published = allocator::publish::write_results(
        &stored_run,
        &applications,
        &allocations,
        1_000,
        out.path(),
        datetime!(2028-01-02 01:00 UTC),
    )
    .expect("published");

    let files = files(&published.dir);
    assert_eq!(files.len(), published.manifest.buckets as usize + 1, "the buckets and the manifest");
    for application in &applications {
        let national = format!("0{}", application.phone.trim_start_matches("+60"));
        let personal = [
            application.full_name.as_str(),
            application.phone.as_str(),
            national.as_str(),
            application.email.as_deref().unwrap_or(""),
            application.id_number.as_str(),
            application.reference.as_str(),
        ];
        for (path, bytes) in &files {
            for value in personal {
                assert!(!contains(bytes, value), "{} holds {value:?}", path.display());
            }
        }
    }
    let bucket_sizes: std::collections::BTreeSet<usize> =
        files.iter().filter(|(p, _)| p.extension().is_some_and(|e| e == "bin")).map(|(_, b)| b.len()).collect();
    assert_eq!(bucket_sizes.len(), 1, "buckets of several sizes: {bucket_sizes:?}");

    let (mut allocated, mut waitlisted) = (0, 0);
    for allocation in &allocations {
        let application = applications.iter().find(|a| a.reference == allocation.reference).expect("its application");
        let secret = Secret::new(&allocation.reference, application.birth_date).expect("a reference");
        let found = result_files::lookup(&published.dir, &secret).expect("readable").expect("found");
        assert_eq!(found.centre, allocation.centre_id);
        assert_eq!(found.position, allocation.waitlist_position);
        match &allocation.appointment {
            Some(slot) => {
                allocated += 1;
                assert_eq!(found.status, Status::Allocated);
                assert_eq!(found.date.as_deref(), Some(campaign::dates::format_date(slot.date).as_str()));
                assert_eq!(
                    found.window,
                    Some(format!(
                        "{}-{}",
                        campaign::dates::format_time(slot.window.start),
                        campaign::dates::format_time(slot.window.end)
                    ))
                );
            }
            None => {
                waitlisted += 1;
                assert_eq!(found.status, Status::Waitlisted);
            }
        }
        let next_day = application.birth_date.next_day().expect("a day");
        let wrong = Secret::new(&allocation.reference, next_day).expect("a reference");
        assert_eq!(result_files::lookup(&published.dir, &wrong).expect("readable"), None);
    }
    assert!(allocated > 0 && waitlisted > 0, "both outcomes published: {allocated} / {waitlisted}");

    if backend == Backend::Sqlite {
        let sample: Vec<(String, String, Option<ResultRecord>)> = allocations
            .iter()
            .take(6)
            .flat_map(|allocation| {
                let application = applications.iter().find(|a| a.reference == allocation.reference).expect("found");
                let birth = campaign::dates::format_date(application.birth_date);
                let secret = Secret::new(&allocation.reference, application.birth_date).expect("a reference");
                let expected = result_files::lookup(&published.dir, &secret).expect("readable");
                let wrong = campaign::dates::format_date(application.birth_date.next_day().expect("a day"));
                [(allocation.reference.to_lowercase(), birth, expected), (allocation.reference.clone(), wrong, None)]
            })
            .collect();
        node_opens_the_same_records(&published.dir, &sample);
    }
}

/// The page's lookup (`templates/site/result-lookup.js`) run under node's
/// WebCrypto on the files the Rust side wrote finds the same results.
fn node_opens_the_same_records(dir: &Path, sample: &[(String, String, Option<ResultRecord>)]) {
    if Command::new("node").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("TEMUJANJI_REQUIRE_NODE").is_none(),
            "node is required (TEMUJANJI_REQUIRE_NODE) but missing"
        );
        eprintln!("note: node is not installed: skipping the JavaScript/Rust result parity test");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/site/result-lookup.js");
    let queries: Vec<(&str, &str)> = sample.iter().map(|(r, b, _)| (r.as_str(), b.as_str())).collect();
    let driver = r#"
const fs = require("fs"), path = require("path");
const [script, dir, queries] = process.argv.slice(1);
const R = new Function(fs.readFileSync(script, "utf8") + "\nreturn TemujanjiResults;")();
const fetchBytes = async (name) => { try { return fs.readFileSync(path.join(dir, name)); } catch { return null; } };
(async () => {
  const out = [];
  for (const [reference, birth] of JSON.parse(queries)) {
    out.push(await R.lookup(R.normaliseReference(reference), birth, fetchBytes));
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"#;
    let output = Command::new("node")
        .arg("-e")
        .arg(driver)
        .arg(&script)
        .arg(dir)
        .arg(serde_json::to_string(&queries).expect("json"))
        .output()
        .expect("node runs");
    assert!(output.status.success(), "node: {}", String::from_utf8_lossy(&output.stderr));
    let found: Vec<Option<ResultRecord>> = serde_json::from_slice(&output.stdout).expect("node's answers");
    let expected: Vec<Option<ResultRecord>> = sample.iter().map(|(_, _, e)| e.clone()).collect();
    assert_eq!(found, expected);
    assert!(expected.iter().any(Option::is_some) && expected.iter().any(Option::is_none));
}
