//! `allocator run` on both backends, over synthetic applications.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use allocator::run::{RunOptions, run};
use campaign::Catalogue;
use store::testing::{Backend, fresh};
use time::OffsetDateTime;
use time::macros::datetime;

/// After registration closes in the sample campaign.
const CLOSED: OffsetDateTime = datetime!(2028-01-01 09:00 +08:00);

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

fn options(seed: &str, replace: bool) -> RunOptions {
    RunOptions { seed: seed.into(), replace, force: false, now: CLOSED }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(store::testing::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(store::testing::Backend::Postgres).await } )* }
    };
}

on_both_backends!(
    everyone_is_allocated_or_waitlisted_once_within_capacity,
    a_second_run_needs_replace_and_the_same_seed_gives_the_same_result,
    it_refuses_while_registration_is_open_unless_forced,
);

async fn everyone_is_allocated_or_waitlisted_once_within_capacity(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let catalogue = allocator::load_catalogue(&data()).expect("sample data");
    intake::synth::run(&db.store, &catalogue, 4000, 3, 1000).await.expect("synth");
    let record = run(&db.store, &catalogue, &data(), &options("s1", false)).await.expect("run");
    assert_eq!((record.applicants, record.allocated + record.waitlisted), (4000, 4000));
    let stored = db.store.current_run().await.expect("read run").expect("a run is stored");
    assert_eq!((stored.seed.as_str(), stored.run_id.as_str()), ("s1", record.run_id.as_str()));

    let allocations = db.store.all_allocations().await.expect("read allocations");
    assert_eq!(allocations.len(), 4000);
    let priorities: Vec<u64> = allocations.iter().map(|a| a.priority).collect();
    assert_eq!(priorities, (1..=4000).collect::<Vec<_>>());
    let mut used: HashMap<(String, time::Date, String), u32> = HashMap::new();
    for a in &allocations {
        let centre = catalogue.centre(&a.centre_id).expect("known centre");
        match &a.appointment {
            Some(appointment) => {
                assert!(catalogue.is_open(centre, appointment.date), "{} on a closed day", a.reference);
                assert!(a.choice_met.starts_with("week") || a.choice_met == "other");
                *used.entry((a.centre_id.clone(), appointment.date, appointment.window_start.clone())).or_default() +=
                    1;
            }
            None => assert!(a.waitlist_position.is_some() && a.choice_met == "none"),
        }
    }
    let window_capacity = |c: &Catalogue, id: &str, start: &str| {
        let centre = c.centre(id).expect("centre");
        let index =
            c.campaign().windows().iter().position(|w| campaign::dates::format_time(w.start) == start).expect("window");
        c.campaign().window_capacities(centre.daily_capacity).nth(index).expect("share")
    };
    for ((centre, _, start), count) in used {
        assert!(count <= window_capacity(&catalogue, &centre, &start), "{centre} {start}: {count} over capacity");
    }
}

async fn a_second_run_needs_replace_and_the_same_seed_gives_the_same_result(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let catalogue = allocator::load_catalogue(&data()).expect("sample data");
    intake::synth::run(&db.store, &catalogue, 1500, 4, 1000).await.expect("synth");
    let first = run(&db.store, &catalogue, &data(), &options("same", false)).await.expect("run");
    let first_rows = db.store.all_allocations().await.expect("read");

    let refused = run(&db.store, &catalogue, &data(), &options("other", false)).await.expect_err("refused");
    assert!(refused.to_string().contains("--replace"), "{refused}");
    assert_eq!(db.store.all_allocations().await.expect("read"), first_rows, "a refused run changes nothing");

    let again = run(&db.store, &catalogue, &data(), &options("same", true)).await.expect("replace");
    assert_eq!(again.run_id, first.run_id, "same input and seed: same run");
    assert_eq!(db.store.all_allocations().await.expect("read"), first_rows, "and the same result, row for row");

    run(&db.store, &catalogue, &data(), &options("different", true)).await.expect("replace");
    let other_rows = db.store.all_allocations().await.expect("read");
    assert_ne!(other_rows, first_rows, "another seed breaks ties differently");
    let born: HashMap<String, time::Date> =
        db.store.all_applications().await.expect("read").into_iter().map(|a| (a.reference, a.birth_date)).collect();
    let births =
        |rows: &[store::AllocationRow]| -> Vec<time::Date> { rows.iter().map(|r| born[&r.reference]).collect() };
    assert_eq!(births(&other_rows), births(&first_rows), "only same-birth-date ties are reordered");
}

async fn it_refuses_while_registration_is_open_unless_forced(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let catalogue = allocator::load_catalogue(&data()).expect("sample data");
    intake::synth::run(&db.store, &catalogue, 100, 5, 100).await.expect("synth");
    let open = RunOptions { now: datetime!(2027-06-01 09:00 +08:00), ..options("x", false) };
    let refused = run(&db.store, &catalogue, &data(), &open).await.expect_err("refused");
    assert!(refused.to_string().contains("registration is still open"), "{refused}");
    assert!(db.store.current_run().await.expect("read").is_none());
    let forced = RunOptions { force: true, ..open };
    assert_eq!(run(&db.store, &catalogue, &data(), &forced).await.expect("forced").applicants, 100);
}

#[tokio::test]
async fn applications_for_a_centre_missing_from_the_catalogue_stop_the_run() {
    let db = fresh(Backend::Sqlite).await.expect("sqlite always runs");
    let catalogue = allocator::load_catalogue(&data()).expect("sample data");
    intake::synth::run(&db.store, &catalogue, 300, 6, 300).await.expect("synth");
    let stored = db.store.all_applications().await.expect("read");
    let dropped = stored
        .iter()
        .map(|a| a.centre_id.clone())
        .find(|id| !catalogue.closures().by_centre.keys().any(|c| c.as_str() == id))
        .expect("a centre without dated closures");
    let dir = tempfile::tempdir().expect("temp dir");
    for file in ["campaign.toml", "closures.csv"] {
        std::fs::copy(data().join(file), dir.path().join(file)).expect("copy");
    }
    let centres = std::fs::read_to_string(data().join("centres.csv")).expect("read");
    let kept: String =
        centres.lines().filter(|l| !l.starts_with(&format!("{dropped},"))).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("centres.csv"), kept).expect("write");
    let smaller = allocator::load_catalogue(dir.path()).expect("the catalogue without that centre loads");
    let error = run(&db.store, &smaller, dir.path(), &options("x", false)).await.expect_err("refused");
    assert!(error.to_string().contains(&format!("centre {dropped}")), "{error}");
    assert!(db.store.current_run().await.expect("read").is_none());
}
