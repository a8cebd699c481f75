//! Helpers for the test suites of the crates that store applications,
//! behind the `testing` feature (a dev-dependency feature: never in a
//! shipped binary).
//!
//! SQLite tests always run, each on a fresh file. Postgres tests run when
//! `TEMUJANJI_TEST_POSTGRES_URL` is set, each in a fresh schema; if the URL is
//! set and the server cannot be reached they fail rather than skip, so CI
//! never passes by testing less.

use crate::{ConnectOptions, Store};

/// Runs each named `async fn NAME(backend: Backend)` once per backend, as
/// `sqlite::NAME` and `postgres::NAME` tests on a two-thread runtime.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::testing::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::testing::Backend::Postgres).await } )+ }
    };
}

/// The variable naming the Postgres server the tests may use.
pub const POSTGRES_URL_VAR: &str = "TEMUJANJI_TEST_POSTGRES_URL";

/// The backends a test can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in a temporary folder.
    Sqlite,
    /// A fresh schema on the server named by [`POSTGRES_URL_VAR`].
    Postgres,
}

/// A migrated, empty store for one test, and what to keep alive while it is used.
#[derive(Debug)]
pub struct TestDatabase {
    /// Connection options (URL and schema) to open it again, e.g. from a server under test.
    pub options: ConnectOptions,
    /// The store, migrated.
    pub store: Store,
    /// Keeps the SQLite file's folder until the test ends.
    pub _dir: Option<tempfile::TempDir>,
}

/// The Postgres URL for tests, or `None` (with a notice) when unset.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("note: {POSTGRES_URL_VAR} is unset: skipping a Postgres test");
            None
        }
    }
}

/// A fresh database on `backend`, or `None` when that backend is not configured.
///
/// # Panics
/// When Postgres is configured but unreachable: that must fail the test.
pub async fn fresh(backend: Backend) -> Option<TestDatabase> {
    let url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(postgres_url()?),
    };
    Some(fresh_with(backend, url).await)
}

/// [`fresh`] with the Postgres URL given rather than read from the environment.
///
/// # Panics
/// When the database cannot be opened or migrated.
pub async fn fresh_with(backend: Backend, postgres_url: Option<String>) -> TestDatabase {
    let (options, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = format!("sqlite:{}", dir.path().join("test.db").display());
            (ConnectOptions::new(url), Some(dir))
        }
        Backend::Postgres => {
            let mut options = ConnectOptions::new(postgres_url.expect("a Postgres URL for a Postgres test"));
            options.postgres_schema = Some(unique_schema());
            (options, None)
        }
    };
    let store = Store::connect(&options)
        .await
        .unwrap_or_else(|e| panic!("the {backend:?} test database is configured but unusable: {e}"));
    store.migrate().await.expect("migrations apply to an empty database");
    TestDatabase { options, store, _dir: dir }
}

fn unique_schema() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("test_{}_{}_{}", std::process::id(), nanos % 1_000_000_000, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A valid MyKad application of `name` for centre SGR-0001 of the sample
/// data, any open day of each week, stored under `reference`: the row most
/// store and route tests need.
pub fn mykad_row(
    catalogue: &campaign::Catalogue,
    mykad: &str,
    name: &str,
    reference: &str,
    submitted_at: time::OffsetDateTime,
) -> crate::ApplicationRow {
    let raw = campaign::RawApplication {
        id_type: "mykad".into(),
        id_number: mykad.into(),
        full_name: name.into(),
        phone: "0123456789".into(),
        lang: "en".into(),
        centre: "SGR-0001".into(),
        weeks: vec!["any".into(); 3], // the sample campaign has three weeks
        consent: true,
        ..campaign::RawApplication::default()
    };
    let application = campaign::Application::parse(&raw, catalogue).expect("a valid application");
    crate::ApplicationRow::new(&application, reference.into(), submitted_at)
}

/// The record of a finished real run that allocated `allocated`
/// applications and waitlisted `waitlisted`, for a test that stores
/// allocation rows it makes itself.
pub fn run_record(
    run_id: &str,
    finished_at: time::OffsetDateTime,
    allocated: u64,
    waitlisted: u64,
) -> crate::RunRecord {
    crate::RunRecord {
        run_id: run_id.into(),
        seed: "seed".into(),
        input_fingerprint: "f".into(),
        lottery_commitment: None,
        rule: "rule".into(),
        started_at: finished_at,
        finished_at,
        applicants: allocated + waitlisted,
        allocated,
        waitlisted,
        read_seconds: 0.0,
        allocate_seconds: 0.0,
        write_seconds: 0.0,
        trial: false,
    }
}
