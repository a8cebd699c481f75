//! The store on both backends: group commit, duplicates, reference collisions.

use std::path::Path;

use campaign::{Application, Catalogue, RawApplication};
use store::testing::{Backend, fresh};
use store::{ApplicationRow, InsertOutcome};
use time::macros::datetime;

fn catalogue() -> Catalogue {
    Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample data loads")
}

fn row(catalogue: &Catalogue, mykad: &str, name: &str, reference: &str) -> ApplicationRow {
    let raw = RawApplication {
        id_type: "mykad".into(),
        id_number: mykad.into(),
        full_name: name.into(),
        phone: "0123456789".into(),
        lang: "en".into(),
        centre: "SGR-0001".into(),
        weeks: vec!["any".into(); 3],
        consent: true,
        ..RawApplication::default()
    };
    let app = Application::parse(&raw, catalogue).expect("valid application");
    ApplicationRow::new(&app, reference.into(), datetime!(2027-01-02 03:04:05.678 UTC))
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

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(store::testing::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(store::testing::Backend::Postgres).await } )* }
    };
}

on_both_backends!(
    a_batch_is_stored_and_reads_back,
    a_retry_finds_the_stored_reference,
    a_different_application_for_the_same_identity_is_refused,
    one_number_is_one_identity_whatever_the_document_type,
    duplicates_inside_one_batch_are_resolved_in_order,
    a_reference_collision_stores_nothing_and_asks_for_another,
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

async fn duplicates_inside_one_batch_are_resolved_in_order(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let c = catalogue();
    let rows = vec![
        row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA"),
        row(&c, "600101-01-1111", "Siti", "BBBBB-BBBBB"),
        row(&c, "600101-01-1111", "Other", "CCCCC-CCCCC"),
        row(&c, "700101-01-2222", "Ali", "DDDDD-DDDDD"),
    ];
    let outcomes = db.store.insert_batch(&rows).await.expect("insert");
    assert_eq!(
        outcomes,
        [
            InsertOutcome::Inserted,
            InsertOutcome::AlreadyStored { reference: "AAAAA-AAAAA".into() },
            InsertOutcome::IdentityTaken,
            InsertOutcome::Inserted,
        ]
    );
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

/// The in-process SQLite writer that intake uses decides every case the same way.
#[tokio::test]
async fn the_sqlite_writer_decides_every_case_like_the_store() {
    let db = fresh(Backend::Sqlite).await.expect("sqlite always runs");
    let c = catalogue();
    let mut writer = db.store.sqlite_writer().await.expect("an SQLite store").expect("opens");
    writer.ping().expect("answers");
    let first = vec![
        row(&c, "600101-01-1111", "Siti", "AAAAA-AAAAA"),
        row(&c, "600101-01-1111", "Siti", "BBBBB-BBBBB"),
        row(&c, "600101-01-1111", "Other", "CCCCC-CCCCC"),
        row(&c, "700101-01-2222", "Ali", "DDDDD-DDDDD"),
    ];
    assert_eq!(
        writer.insert_batch(&first).expect("insert"),
        [
            InsertOutcome::Inserted,
            InsertOutcome::AlreadyStored { reference: "AAAAA-AAAAA".into() },
            InsertOutcome::IdentityTaken,
            InsertOutcome::Inserted,
        ]
    );
    let second = vec![
        row(&c, "800101-01-3333", "Abu", "AAAAA-AAAAA"),
        row(&c, "600101011111", "Siti", "EEEEE-EEEEE"),
        row(&c, "900101-01-4444", "Ah Kow", "FFFFF-FFFFF"),
        passport_row(&c, "700101012222", "1960-01-01", "GGGGG-GGGGG"),
    ];
    assert_eq!(
        writer.insert_batch(&second).expect("insert"),
        [
            InsertOutcome::ReferenceTaken,
            InsertOutcome::AlreadyStored { reference: "AAAAA-AAAAA".into() },
            InsertOutcome::Inserted,
            InsertOutcome::IdentityTaken,
        ]
    );
    let stored = db.store.all_applications().await.expect("read through the pool");
    let references: Vec<&str> = stored.iter().map(|r| r.reference.as_str()).collect();
    assert_eq!(references, ["AAAAA-AAAAA", "DDDDD-DDDDD", "FFFFF-FFFFF"]);
    assert_eq!(stored[0], first[0], "every field as written");
}
