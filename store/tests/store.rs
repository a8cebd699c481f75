//! The store on both backends: group commit, duplicates, reference collisions.

use std::path::Path;

use campaign::{Application, Catalogue};
use store::testing::{Backend, fresh, mykad_row};
use store::{ApplicationRow, InsertOutcome};
use time::macros::datetime;

fn catalogue() -> Catalogue {
    Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample data loads")
}

fn row(catalogue: &Catalogue, mykad: &str, name: &str, reference: &str) -> ApplicationRow {
    mykad_row(catalogue, mykad, name, reference, datetime!(2027-01-02 03:04:05.678 UTC))
}

/// A passport application; the number may be all digits, as some countries' are.
fn passport_row(catalogue: &Catalogue, number: &str, birth_date: &str, reference: &str) -> ApplicationRow {
    let mykad = row(catalogue, "600101-01-1111", "Siti", reference);
    let mut raw = mykad.to_raw();
    raw.id_type = "passport".into();
    raw.id_number = number.into();
    raw.birth_date = birth_date.into();
    let app = Application::parse(&raw, catalogue).expect("valid application");
    ApplicationRow::new(&app, reference.into(), mykad.submitted_at)
}

store::on_both_backends!(
    a_batch_is_stored_and_reads_back,
    a_retry_finds_the_stored_reference,
    a_different_application_for_the_same_identity_is_refused,
    one_number_is_one_identity_whatever_the_document_type,
    duplicates_inside_one_batch_are_resolved_in_order,
    a_reference_collision_stores_nothing_and_asks_for_another,
    the_batch_writer_decides_every_case_on_its_own_thread,
);

async fn a_batch_is_stored_and_reads_back(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let c = catalogue();
    let rows = vec![
        row(&c, "600101-01-1111", "Ahmad bin Ali @ Abu", "AAAAA-AAAAA"),
        row(&c, "700101-01-2222", "陈大文", "BBBBB-BBBBB"),
    ];
    let outcomes = db.store.insert_batch(&rows).await.expect("insert");
    assert_eq!(outcomes, [InsertOutcome::Inserted, InsertOutcome::Inserted]);
    assert_eq!(db.store.count_applications().await.expect("count"), 2);
    let stored = db.store.all_applications().await.expect("read back");
    assert_eq!(stored, rows, "every field survives the round trip");
    for row in &stored {
        let app = Application::parse(&row.to_raw(), &c).expect("a stored row parses back");
        assert_eq!(ApplicationRow::new(&app, row.reference.clone(), row.submitted_at), *row);
    }
}

async fn a_retry_finds_the_stored_reference(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let c = catalogue();
    let first = row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA");
    db.store.insert_batch(std::slice::from_ref(&first)).await.expect("insert");
    let retry = row(&c, "600101011111", "Siti", "CCCCC-CCCCC");
    let outcomes = db.store.insert_batch(&[retry]).await.expect("insert");
    assert_eq!(outcomes, [InsertOutcome::AlreadyStored { reference: "AAAAA-AAAAA".into() }]);
    assert_eq!(db.store.count_applications().await.expect("count"), 1);
}

async fn a_different_application_for_the_same_identity_is_refused(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let c = catalogue();
    db.store.insert_batch(&[row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA")]).await.expect("insert");
    let outcomes = db.store.insert_batch(&[row(&c, "600101-01-1111", "Someone Else", "DDDDD-DDDDD")]).await;
    assert_eq!(outcomes.expect("insert"), [InsertOutcome::IdentityTaken]);
    let stored = db.store.all_applications().await.expect("read");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].full_name, "Siti", "the stored application is untouched");
}

async fn one_number_is_one_identity_whatever_the_document_type(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let c = catalogue();
    db.store.insert_batch(&[row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA")]).await.expect("insert");
    let as_passport = passport_row(&c, "600101011111", "1970-01-01", "BBBBB-BBBBB");
    let outcomes = db.store.insert_batch(std::slice::from_ref(&as_passport)).await.expect("insert");
    assert_eq!(outcomes, [InsertOutcome::IdentityTaken]);
    let retried = db.store.insert_batch(&[as_passport]).await.expect("insert");
    assert_eq!(retried, [InsertOutcome::IdentityTaken], "not a reference to retry with");
    assert_eq!(db.store.count_applications().await.expect("count"), 1);
}

/// A batch that repeats an identity: once as a retry, once with other
/// details; and what each of its rows comes to, stored into an empty database.
fn batch_with_duplicates(c: &Catalogue) -> (Vec<ApplicationRow>, [InsertOutcome; 4]) {
    let rows = vec![
        row(c, "600101-01-1111", "Siti", "AAAAA-AAAAA"),
        row(c, "600101-01-1111", "Siti", "BBBBB-BBBBB"),
        row(c, "600101-01-1111", "Other", "CCCCC-CCCCC"),
        row(c, "700101-01-2222", "Ali", "DDDDD-DDDDD"),
    ];
    let outcomes = [
        InsertOutcome::Inserted,
        InsertOutcome::AlreadyStored { reference: "AAAAA-AAAAA".into() },
        InsertOutcome::IdentityTaken,
        InsertOutcome::Inserted,
    ];
    (rows, outcomes)
}

async fn duplicates_inside_one_batch_are_resolved_in_order(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let (rows, expected) = batch_with_duplicates(&catalogue());
    let outcomes = db.store.insert_batch(&rows).await.expect("insert");
    assert_eq!(outcomes, expected);
    assert_eq!(db.store.count_applications().await.expect("count"), 2);
}

async fn a_reference_collision_stores_nothing_and_asks_for_another(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let c = catalogue();
    db.store.insert_batch(&[row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA")]).await.expect("insert");
    let outcomes = db
        .store
        .insert_batch(&[
            row(&c, "700101-01-2222", "Ali", "AAAAA-AAAAA"),
            row(&c, "800101-01-3333", "Abu", "EEEEE-EEEEE"),
        ])
        .await
        .expect("insert");
    assert_eq!(outcomes, [InsertOutcome::ReferenceTaken, InsertOutcome::Inserted]);
    assert_eq!(db.store.count_applications().await.expect("count"), 2);
}

#[tokio::test]
#[should_panic(expected = "configured but unusable")]
async fn a_configured_but_unreachable_postgres_fails_the_test_instead_of_skipping_it() {
    store::testing::fresh_with(Backend::Postgres, Some("postgres://postgres@127.0.0.1:1/test".into())).await;
}

/// The writer intake commits through, used as intake uses it: on a
/// blocking thread of its own, one batch after another.
async fn the_batch_writer_decides_every_case_on_its_own_thread(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let c = catalogue();
    let (first, first_expected) = batch_with_duplicates(&c);
    let second = vec![
        row(&c, "800101-01-3333", "Abu", "AAAAA-AAAAA"),
        row(&c, "600101011111", "Siti", "EEEEE-EEEEE"),
        row(&c, "900101-01-4444", "Ah Kow", "FFFFF-FFFFF"),
        passport_row(&c, "700101012222", "1960-01-01", "GGGGG-GGGGG"),
    ];
    let mut writer = db.store.batch_writer(std::time::Duration::from_secs(30)).expect("a writer opens");
    let (first_copy, second_copy) = (first.clone(), second.clone());
    let (one, two) = tokio::task::spawn_blocking(move || {
        writer.ping().expect("answers");
        let one = writer.insert_batch(&first_copy.iter().collect::<Vec<_>>()).expect("first batch");
        let two = writer.insert_batch(&second_copy.iter().collect::<Vec<_>>()).expect("second batch");
        (one, two)
    })
    .await
    .expect("the writer thread ends");
    assert_eq!(one, first_expected);
    assert_eq!(
        two,
        [
            InsertOutcome::ReferenceTaken,
            InsertOutcome::AlreadyStored { reference: "AAAAA-AAAAA".into() },
            InsertOutcome::Inserted,
            InsertOutcome::IdentityTaken,
        ]
    );
    let stored = db.store.all_applications().await.expect("read back");
    let references: Vec<&str> = stored.iter().map(|r| r.reference.as_str()).collect();
    assert_eq!(references, ["AAAAA-AAAAA", "DDDDD-DDDDD", "FFFFF-FFFFF"]);
    assert_eq!(stored[0], first[0], "every field as written");
}

/// A batch that does not come back within the commit timeout (here, held
/// behind another session's lock, as a commit waits for a lost standby) has
/// an unknown outcome: the writer reports an error, never success, drops
/// its connection, and the retry stores the application once, under its
/// reference, whether or not the abandoned statement went through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_past_the_commit_timeout_is_not_acknowledged_and_its_retry_stores_it_once() {
    use sqlx::Connection;
    let Some(db) = fresh(Backend::Postgres).await else { return };
    let schema = db.options.postgres_schema.clone().expect("a test schema");
    let mut holder = sqlx::PgConnection::connect(&db.options.url).await.expect("a second session");
    for statement in [format!("SET search_path TO \"{schema}\""), "BEGIN".into(), "LOCK TABLE applications".into()] {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut holder).await.expect("the table held");
    }
    let application = row(&catalogue(), "600101-01-1111", "Siti", "AAAAA-AAAAA");
    let mut writer = db.store.batch_writer(std::time::Duration::from_secs(1)).expect("a writer opens");
    let batch = application.clone();
    let (mut writer, held) = tokio::task::spawn_blocking(move || {
        let outcome = writer.insert_batch(&[&batch]);
        (writer, outcome)
    })
    .await
    .expect("the writer thread");
    assert!(matches!(held, Err(store::StoreError::TimedOut(_))), "{held:?}");

    sqlx::query("ROLLBACK").execute(&mut holder).await.expect("the table released");
    let batch = application.clone();
    let retried = tokio::task::spawn_blocking(move || writer.insert_batch(&[&batch]))
        .await
        .expect("the writer thread")
        .expect("the retry on a new connection");
    let found = InsertOutcome::AlreadyStored { reference: application.reference.clone() };
    assert!(retried == [InsertOutcome::Inserted] || retried == [found], "{retried:?}");
    let stored = db.store.all_applications().await.expect("read back");
    assert_eq!(stored, [application], "stored once, as written");
}

/// A row edited by hand into something no application could be is
/// reported with its reference and column, never read as something else.
#[tokio::test]
async fn a_stored_row_that_no_longer_reads_names_its_reference_and_column() {
    let db = fresh(Backend::Sqlite).await.expect("sqlite always runs");
    let c = catalogue();
    db.store.insert_batch(&[row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA")]).await.expect("insert");
    let store::Store::Sqlite(file) = &db.store else { unreachable!("an SQLite store") };
    let edit = rusqlite::Connection::open(file.path()).expect("opens");
    edit.execute("UPDATE applications SET choices = 'any,2028-02-30,any'", []).expect("edited");
    let error = db.store.all_applications().await.expect_err("a corrupt row").to_string();
    assert!(error.contains("AAAAA-AAAAA") && error.contains("choices"), "{error}");
}

/// `?mode=rwc` is a mode, not part of the file name; `mode=ro` never writes.
#[tokio::test]
async fn sqlite_url_parameters_are_honoured() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("x.db");
    let url = |query: &str| store::ConnectOptions::new(format!("sqlite://{}{query}", file.display()));
    let read_only = store::Store::connect(&url("?mode=ro")).await;
    assert!(read_only.is_err(), "mode=ro does not create a missing file");
    let db = store::Store::connect(&url("?mode=rwc")).await.expect("created");
    db.migrate().await.expect("migrated");
    assert!(file.exists(), "the file is named without its query");
    let c = catalogue();
    let read_only = store::Store::connect(&url("?mode=ro")).await.expect("opens read only");
    let refused = read_only.insert_batch(&[row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA")]).await;
    assert!(refused.is_err(), "a read-only store refuses writes");
    assert_eq!(read_only.count_applications().await.expect("reads"), 0);
}
