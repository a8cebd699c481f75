//! What the allocator's test binaries share: the sample campaign and small
//! campaigns made from it, applications to allocate, and the allocator
//! binary run as an operator runs it.

// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use campaign::{Application, Catalogue, RawApplication};
use store::ApplicationRow;
use store::testing::{Backend, TestDatabase, fresh};
use time::macros::datetime;

/// The sample campaign.
pub fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// The sample campaign's calendar with only the centres of `rows` (lines
/// of `centres.csv` after its header) and no dated closures.
pub fn campaign_with_centres(rows: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(data().join("campaign.toml"), dir.path().join("campaign.toml")).expect("campaign");
    let header = "id,state,district,name,address,daily_capacity,closed_weekdays\n";
    std::fs::write(dir.path().join("centres.csv"), format!("{header}{rows}")).expect("centres");
    std::fs::write(dir.path().join("closures.csv"), "centre_id,date,reason\n").expect("closures");
    dir
}

/// A fresh database on `backend` holding `count` synthetic applications to
/// the campaign in `data` (generated from `seed`, stored `batch` at a
/// time), and that campaign's catalogue; `None` when the backend is not
/// configured.
pub async fn with_applications(
    backend: Backend,
    data: &Path,
    count: usize,
    seed: u64,
    batch: usize,
) -> Option<(TestDatabase, Catalogue)> {
    let db = fresh(backend).await?;
    let catalogue = allocator::load_catalogue(data).expect("the campaign loads");
    loadgen::synth::run(&db.store, &catalogue, count, seed, batch).await.expect("synth");
    Some((db, catalogue))
}

/// The `i`th of a few applications to SGR-0001 stored directly rather than
/// through intake, for a test to give a value intake would refuse.
pub fn direct_row(catalogue: &Catalogue, i: usize, weeks: [&str; 3]) -> ApplicationRow {
    let raw = RawApplication {
        id_type: "mykad".into(),
        id_number: format!("400101010{i:03}"),
        full_name: "Siti Nurhaliza".into(),
        phone: "012-345 6789".into(),
        centre: "SGR-0001".into(),
        weeks: weeks.map(String::from).to_vec(),
        consent: true,
        ..RawApplication::default()
    };
    let app = Application::parse(&raw, catalogue).expect("valid");
    ApplicationRow::new(&app, format!("HSTL{i}-22222"), datetime!(2027-05-05 05:05 UTC))
}

/// The allocator binary, logging only warnings and errors.
pub fn allocator_binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_allocator"));
    command.env("RUST_LOG", "warn");
    command
}

/// `allocator COMMAND` on the test's database and the sample campaign; the
/// caller adds the command's arguments.
pub fn allocator(db: &TestDatabase, command: &str) -> Command {
    let mut allocator = allocator_binary();
    allocator.arg(command).args(["--database-url", &database_url(db)]).arg("--data").arg(data());
    allocator
}

/// The URL the allocator binary opens the test's database with (a Postgres
/// test works in a schema of its own).
fn database_url(db: &TestDatabase) -> String {
    match &db.options.postgres_schema {
        Some(schema) => {
            let join = if db.options.url.contains('?') { '&' } else { '?' };
            format!("{}{join}options=-c%20search_path%3D{schema}", db.options.url)
        }
        None => db.options.url.clone(),
    }
}

/// A command's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
