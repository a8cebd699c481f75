//! The staff export on both backends after declines and a round: each
//! centre's changes since the previous export, as CSV and as a sheet; and a
//! list exported before the declines still reads back.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use allocator::attendance::import_files;
use allocator::export::ExportOptions;
use allocator::round_run::{RoundOptions, run_round};
use allocator::run::{RunOptions, run};
use allocator::staff_changes::{ExportDone, Exported, export_and_record};
use calamine::{Reader, Xlsx, open_workbook};
use store::testing::Backend;
use store::{Amendment, Channel, Decline, Store};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

const CLOSED: OffsetDateTime = datetime!(2028-01-01 09:00 +08:00);

/// The sample campaign's calendar with two small centres, so people wait.
fn small_campaign() -> tempfile::TempDir {
    common::campaign_with_centres(
        "PRK-0001,Perak,Kinta,Dewan C,\"3, Jalan C\",4,Sun\n\
         JHR-0001,Johor,Muar,Dewan D,\"4, Jalan D\",3,Fri\n",
    )
}

async fn export(store: &Store, data: &Path, out: &Path, now: OffsetDateTime) -> ExportDone {
    let catalogue = allocator::load_catalogue(data).expect("small campaign");
    let run = store.current_run().await.expect("read").expect("a run");
    let (applications, allocations) =
        (store.all_applications().await.expect("read"), store.all_allocations().await.expect("read"));
    let stored = Exported { run: &run, applications: &applications, allocations: &allocations };
    export_and_record(store, &catalogue, &stored, ExportOptions::default(), out, now).await.expect("export")
}

/// (change, reference, date) of a changes list.
fn changes(path: &Path) -> BTreeSet<(String, String, String)> {
    let mut reader = csv::Reader::from_reader(std::fs::File::open(path).expect("a changes list"));
    let header = reader.headers().expect("header").clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), allocator::staff_changes::CHANGE_COLUMNS.map(|c| c.trim_start()));
    reader.records().map(|r| r.expect("row")).map(|r| (r[2].to_owned(), r[3].to_owned(), r[0].to_owned())).collect()
}

store::on_both_backends!(each_export_lists_the_changes_since_the_previous_one);

async fn each_export_lists_the_changes_since_the_previous_one(backend: Backend) {
    let campaign = small_campaign();
    let data = campaign.path();
    let Some((db, catalogue)) = common::with_applications(backend, data, 300, 5, 1000).await else { return };
    run(&db.store, &catalogue, data, &RunOptions { seed: "ch".into(), replace: false, force: false, now: CLOSED })
        .await
        .expect("run");
    let allocations = db.store.all_allocations().await.expect("read");
    assert!(allocations.iter().any(|a| a.waitlist_position.is_some()), "people wait, for the round to give places to");

    let first = tempfile::tempdir().expect("temp dir");
    let done = export(&db.store, data, first.path(), CLOSED).await;
    assert_eq!((done.record.number, done.record.last_round, done.previous), (1, 1, None));
    assert!(!done.files.iter().any(|f| f.path.ends_with("-changes.csv")), "the first export has nothing to compare");

    // A third of each centre's appointments after the 12th are declined; then round 2 gives them away.
    let ids: HashMap<String, String> =
        db.store.all_applications().await.expect("read").into_iter().map(|a| (a.reference, a.id_number)).collect();
    let declined: Vec<(String, String, String)> = allocations
        .iter()
        .filter(|a| a.appointment.is_some_and(|s| s.date >= date!(2028 - 01 - 12)))
        .step_by(3)
        .map(|a| {
            let day = campaign::dates::format_date(a.appointment.expect("held").date);
            ("declined".to_owned(), a.reference.clone(), day)
        })
        .collect();
    let declines = declined.iter().map(|(_, reference, _)| {
        Amendment::Decline(Decline {
            reference: reference.clone(),
            id_number: ids[reference].clone(),
            earliest_start: datetime!(2028-01-02 09:00),
            rejoin: false,
            at: CLOSED + Duration::hours(1),
            via: Channel::Form,
        })
    });
    db.store.amend(&declines.collect::<Vec<_>>()).await.expect("declined");
    let round = RoundOptions { not_before: date!(2028 - 01 - 12), replace: false, now: CLOSED + Duration::hours(2) };
    let record = run_round(&db.store, &catalogue, data, &round).await.expect("round 2");
    assert!(record.given > 0, "{record:?}");

    let second = tempfile::tempdir().expect("temp dir");
    let done = export(&db.store, data, second.path(), CLOSED + Duration::hours(3)).await;
    assert_eq!((done.record.number, done.record.last_round), (2, 2));
    assert_eq!(done.previous.map(|p| p.number), Some(1));
    let now_held = db.store.all_allocations().await.expect("read");
    let mut listed = BTreeSet::new();
    for path in done.files.iter().map(|f| &f.path).filter(|p| p.ends_with("-changes.csv")) {
        listed.extend(changes(&second.path().join(path)));
        // The printed copy has the same changes on a sheet of their own.
        let mut workbook: Xlsx<_> =
            open_workbook(second.path().join(path.replace("-changes.csv", ".xlsx"))).expect("workbook");
        let sheet = workbook.worksheet_range("Changes").expect("a changes sheet");
        let centre_changes = changes(&second.path().join(path)).len();
        assert_eq!(sheet.rows().skip(2).count(), centre_changes, "{path}");
    }
    let mut expected: BTreeSet<(String, String, String)> = declined.into_iter().collect();
    // Round 2 also renumbers the waiting list: only its appointments are changes at the door.
    expected.extend(now_held.iter().filter(|a| a.round == 2).filter_map(|a| {
        let day = campaign::dates::format_date(a.appointment?.date);
        Some(("new".to_owned(), a.reference.clone(), day))
    }));
    assert!(expected.iter().any(|(c, ..)| c == "new"), "the round gave places");
    assert_eq!(listed, expected);

    // A list exported before the declines still reads back: the declined are skipped.
    let old_list = done.files.iter().find(|f| f.path.ends_with(".xlsx")).map(|f| f.path.clone()).expect("a workbook");
    let imported = import_files(&db.store, &[first.path().join(&old_list)], None, CLOSED + Duration::days(30))
        .await
        .expect("store answers");
    let (accepted, _) = imported[0].outcome.as_ref().unwrap_or_else(|p| panic!("{p:#?}"));
    let centre = old_list.rsplit('/').next().and_then(|n| n.strip_suffix(".xlsx")).expect("a centre");
    let declined_here = db.store.declines().await.expect("read").iter().filter(|d| d.centre_id == centre).count();
    assert!(declined_here > 0);
    assert_eq!(accepted.declined, declined_here as u64, "{centre}: {accepted:?}");
    // The new list, with its changes sheet, reads back too.
    let imported = import_files(&db.store, &[second.path().join(&old_list)], None, CLOSED + Duration::days(30))
        .await
        .expect("store answers");
    assert!(imported[0].outcome.is_ok(), "{:#?}", imported[0].outcome);

    // Nothing changed since: the lists are empty.
    let third = tempfile::tempdir().expect("temp dir");
    let done = export(&db.store, data, third.path(), CLOSED + Duration::hours(4)).await;
    assert_eq!(done.record.number, 3);
    for path in done.files.iter().map(|f| &f.path).filter(|p| p.ends_with("-changes.csv")) {
        assert!(changes(&third.path().join(path)).is_empty(), "{path}");
    }
}
