//! `allocator round` on both backends: after the first run and a share of
//! declines, freed places go to the waiting list, reproducibly.

mod common;

use std::collections::HashMap;

use allocator::round_run::{RoundOptions, run_round};
use allocator::run::{RunOptions, run};
use common::{data, text, with_applications};
use store::testing::Backend;
use store::{AllocationRow, Amendment, Channel, Decline, Store};
use time::OffsetDateTime;
use time::macros::{date, datetime};

/// After registration closes, before the campaign.
const CLOSED: OffsetDateTime = datetime!(2028-01-01 09:00 +08:00);

store::on_both_backends!(a_round_gives_freed_places_keeps_holders_and_is_redone_identically);

/// Declines every `nth` appointment; every other declining person asks to rejoin.
async fn decline_every(store: &Store, nth: usize) -> usize {
    let applications: HashMap<String, String> =
        store.all_applications().await.expect("read").into_iter().map(|a| (a.reference, a.id_number)).collect();
    let declines: Vec<Amendment> = store
        .all_allocations()
        .await
        .expect("read")
        .into_iter()
        .filter(|a| a.appointment.is_some())
        .step_by(nth)
        .enumerate()
        .map(|(i, a)| {
            Amendment::Decline(Decline {
                id_number: applications[&a.reference].clone(),
                reference: a.reference,
                earliest_start: datetime!(2028-01-02 09:00),
                rejoin: i % 2 == 0,
                at: CLOSED,
                via: Channel::Api,
            })
        })
        .collect();
    store.amend(&declines).await.expect("declined");
    declines.len()
}

async fn a_round_gives_freed_places_keeps_holders_and_is_redone_identically(backend: Backend) {
    let Some((db, catalogue)) = with_applications(backend, &data(), 3000, 7, 1000).await else { return };
    let options = RunOptions { seed: "s1".into(), replace: false, force: false, now: CLOSED };
    run(&db.store, &catalogue, &data(), &options).await.expect("run");
    let declined = decline_every(&db.store, 10).await;
    assert!(declined > 10, "a share declines: {declined}");
    let before: HashMap<String, AllocationRow> =
        db.store.all_allocations().await.expect("read").into_iter().map(|a| (a.reference.clone(), a)).collect();

    let round = RoundOptions { not_before: date!(2028 - 01 - 12), replace: false, now: CLOSED };
    let record = run_round(&db.store, &catalogue, &data(), &round).await.expect("round 2");
    assert_eq!(record.round, 2);
    assert_eq!(record.freed, record.given + record.left_free, "every freed place is given or left free");
    assert!(record.given > 0, "{record:?}");
    let after = db.store.all_allocations().await.expect("read");
    for row in &after {
        let was = &before[&row.reference];
        if was.appointment.is_some() {
            assert_eq!(row, was, "a holder keeps their place");
        }
        if row.round == 2
            && let Some(a) = row.appointment
        {
            assert!(a.date >= round.not_before, "{row:?}");
        }
    }
    let newly = after.iter().filter(|r| r.round == 2 && r.appointment.is_some()).count() as u64;
    assert_eq!(newly, record.given);
    assert_eq!(db.store.rounds().await.expect("rounds"), vec![record.clone()]);

    // Redone from the same stored state: byte for byte the same rows.
    let redo = RoundOptions { replace: true, ..round.clone() };
    let again = run_round(&db.store, &catalogue, &data(), &redo).await.expect("redone");
    assert_eq!(again.input_fingerprint, record.input_fingerprint);
    assert_eq!((again.given, again.left_free), (record.given, record.left_free));
    assert_eq!(db.store.all_allocations().await.expect("read"), after);

    // A third round with nothing new to give changes nothing.
    let third = run_round(&db.store, &catalogue, &data(), &round).await.expect("round 3");
    assert_eq!((third.round, third.given), (3, 0));
    assert_eq!(db.store.round_changes(3).await.expect("changes"), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_refuses_a_past_day_and_a_redo_without_a_round() {
    let (db, catalogue) = with_applications(Backend::Sqlite, &data(), 200, 3, 1000).await.expect("sqlite always runs");
    let options = RunOptions { seed: "s1".into(), replace: false, force: false, now: CLOSED };
    run(&db.store, &catalogue, &data(), &options).await.expect("run");
    // Whether the command succeeded, and all it said.
    let command = |name: &str, args: &[&str]| {
        let output = common::allocator(&db, name).args(args).output().expect("the allocator runs");
        (output.status.success(), text(&output.stdout) + &text(&output.stderr))
    };
    let round = |args: &[&str]| command("round", &[&["--pretend-now", "2028-01-11T09:00:00+08:00"], args].concat());
    let (ok, said) = round(&["--not-before", "2028-01-11"]);
    assert!(!ok && said.contains("is not after today"), "{said}");
    let (ok, said) = round(&["--not-before", "2028-01-13", "--replace"]);
    assert!(!ok && said.contains("no round is stored to redo"), "{said}");
    let (ok, said) = round(&["--not-before", "13/01/2028"]);
    assert!(!ok && said.contains("write YYYY-MM-DD"), "{said}");
    let (ok, said) = round(&["--not-before", "2028-01-13"]);
    assert!(ok && said.contains("round 2 of run") && said.contains("left free"), "{said}");
    assert_eq!(db.store.rounds().await.expect("rounds").len(), 1);

    // Messages only for whom round 2 changed, each marked with it; the
    // report's day figures; the export's round column.
    let out = tempfile::tempdir().expect("a folder");
    let out_dir = out.path().to_str().expect("utf-8");
    let (ok, said) = command("confirmations", &["--round", "3", "--out", out_dir]);
    assert!(!ok && said.contains("round 3 is not stored"), "{said}");
    let (ok, said) = command("confirmations", &["--round", "2", "--out", out_dir]);
    assert!(ok, "{said}");
    let changed = db.store.all_allocations().await.expect("read").into_iter().filter(|a| a.round == 2).count();
    let mut reader = csv::Reader::from_path(out.path().join("confirmations-round-2.csv")).expect("written");
    let rounds: Vec<String> = reader.records().map(|r| r.expect("a row")[11].to_owned()).collect();
    assert_eq!(rounds.len(), changed);
    assert!(rounds.iter().all(|r| r == "2"), "{rounds:?}");
    let (ok, said) = command("report", &["--out", out_dir]);
    assert!(ok && said.contains("round 2: from 2028-01-13"), "{said}");
    let days = std::fs::read_to_string(out.path().join("days.csv")).expect("days.csv");
    assert!(days.starts_with("centre_id,date,capacity,allocated,declined,attended,no_show,unknown,wasted"), "{days}");
}
