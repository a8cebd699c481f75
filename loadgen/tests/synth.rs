//! Synthetic applications are valid, reproducible and realistic.

use std::collections::BTreeSet;

use campaign::{Application, dates::age_on};
use store::testing::Backend;

fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

store::on_both_backends!(synthetic_applications_are_valid_reproducible_and_stored_once);

async fn synthetic_applications_are_valid_reproducible_and_stored_once(backend: Backend) {
    let Some(db) = store::testing::fresh(backend).await else { return };
    let catalogue = cli::load_catalogue(&data_dir()).expect("sample data");
    let report = loadgen::synth::run(&db.store, &catalogue, 3000, 42, 700).await.expect("synth");
    assert_eq!((report.inserted, report.already_stored), (3000, 0));

    let stored = db.store.all_applications().await.expect("read");
    assert_eq!(stored.len(), 3000);
    let on = catalogue.campaign().age_reference_date();
    let mut ages = [0usize; 2];
    for row in &stored {
        let app = Application::parse(&row.to_raw(), &catalogue).expect("every synthetic application is valid");
        let age = age_on(app.birth_date, on);
        ages[usize::from(age >= 60)] += 1;
    }
    let elderly = ages[1] as f64 / 3000.0;
    assert!((0.10..0.22).contains(&elderly), "about 16% are 60 or older: {elderly}");
    let centres: BTreeSet<_> = stored.iter().map(|r| r.centre_id.as_str()).collect();
    assert!(centres.len() > 300, "spread over many centres: {}", centres.len());

    // The same seed gives the same applications: a re-run stores nothing new.
    let again = loadgen::synth::run(&db.store, &catalogue, 3000, 42, 1000).await.expect("synth");
    assert_eq!((again.inserted, again.already_stored), (0, 3000));
    let first: Vec<_> = loadgen::synth::applications(&catalogue, 50, 9).collect();
    let second: Vec<_> = loadgen::synth::applications(&catalogue, 50, 9).collect();
    assert_eq!(first, second);
}

#[test]
fn the_synth_command_stores_applications() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("synth.db").display());
    let data = data_dir();
    let args = ["--count", "250", "--seed", "3", "--database-url", &url, "--data", data.to_str().expect("utf-8")];
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_synth")).args(args).output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("inserted=250"), "{log}");
}
