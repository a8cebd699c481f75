//! The confirmations outbox opens safely in a spreadsheet and stays usable by the gateway.

mod common;

use std::collections::HashMap;

use allocator::run::{RunOptions, run};
use common::direct_row;
use store::ApplicationRow;
use store::testing::{Backend, fresh};
use time::macros::datetime;

/// Emails stored before they were checked properly, or written into the
/// database by hand: the outbox must not turn them into formulas.
const HOSTILE_EMAILS: [&str; 5] =
    ["=cmd|' /C calc'!A0@example.my", "+SUM(1+1)@example.my", "-2+3@example.my", "@evil.example", "\t=1@example.my"];

store::on_both_backends!(no_confirmation_cell_runs_as_a_formula_and_phones_stay_e164);

async fn no_confirmation_cell_runs_as_a_formula_and_phones_stay_e164(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let data = common::data();
    let catalogue = allocator::load_catalogue(&data).expect("sample campaign");
    let rows: Vec<ApplicationRow> = HOSTILE_EMAILS
        .iter()
        .enumerate()
        .map(|(i, email)| {
            let mut row = direct_row(&catalogue, i, ["any"; 3]);
            row.email = Some((*email).to_owned());
            row
        })
        .collect();
    db.store.insert_batch(&rows).await.expect("stored");
    let options =
        RunOptions { seed: "outbox".into(), replace: false, force: false, now: datetime!(2028-01-02 00:00 UTC) };
    run(&db.store, &catalogue, &data, &options).await.expect("run");
    let applications = db.store.all_applications().await.expect("read");
    let allocations = db.store.all_allocations().await.expect("read");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = allocator::confirm::write_outbox(&catalogue, &applications, &allocations, false, None, dir.path())
        .expect("outbox");

    let stored: HashMap<&str, &str> =
        rows.iter().map(|r| (r.reference.as_str(), r.email.as_deref().unwrap_or(""))).collect();
    let mut reader = csv::Reader::from_path(&path).expect("csv");
    let mut seen = 0;
    for record in reader.records() {
        let r = record.expect("row");
        for cell in r.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell == &r[1], "a formula cell: {cell:?}");
        }
        assert_eq!(&r[1], "+60123456789", "the phone stays E.164 for the gateway");
        assert_eq!(r[2].to_owned(), format!("'{}", stored[&r[0]]), "the email is written as text");
        seen += 1;
    }
    assert_eq!(seen, HOSTILE_EMAILS.len());
}
