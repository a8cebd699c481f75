//! `allocator run` on both backends, over synthetic applications.

mod common;

use std::collections::HashMap;

use allocator::run::{RunOptions, run};
use campaign::Catalogue;
use common::{data, with_applications};
use store::testing::{Backend, fresh};
use time::OffsetDateTime;
use time::macros::datetime;

/// After registration closes in the sample campaign.
const CLOSED: OffsetDateTime = datetime!(2028-01-01 09:00 +08:00);

fn options(seed: &str, replace: bool) -> RunOptions {
    RunOptions { seed: seed.into(), replace, force: false, now: CLOSED }
}

store::on_both_backends!(
    the_report_adds_up_and_is_written,
    every_applicant_gets_one_confirmation_in_their_language,
    everyone_is_allocated_or_waitlisted_once_within_capacity,
    a_second_run_needs_replace_and_the_same_seed_gives_the_same_result,
    it_refuses_while_registration_is_open_unless_forced,
    a_trial_run_is_stored_as_one_and_a_real_run_replaces_it_but_not_another_real_run,
);

async fn everyone_is_allocated_or_waitlisted_once_within_capacity(backend: Backend) {
    let Some((db, catalogue)) = with_applications(backend, &data(), 4000, 3, 1000).await else { return };
    let record = run(&db.store, &catalogue, &data(), &options("s1", false)).await.expect("run");
    assert_eq!((record.applicants, record.allocated + record.waitlisted), (4000, 4000));
    let stored = db.store.current_run().await.expect("read run").expect("a run is stored");
    assert_eq!((stored.seed.as_str(), stored.run_id.as_str()), ("s1", record.run_id.as_str()));

    let allocations = db.store.all_allocations().await.expect("read allocations");
    assert_eq!(allocations.len(), 4000);
    let priorities: Vec<u64> = allocations.iter().map(|a| a.priority).collect();
    assert_eq!(priorities, (1..=4000).collect::<Vec<_>>());
    let mut used: HashMap<(String, time::Date, time::Time), u32> = HashMap::new();
    for a in &allocations {
        let centre = catalogue.centre(&a.centre_id).expect("known centre");
        match &a.appointment {
            Some(appointment) => {
                assert!(catalogue.is_open(centre, appointment.date), "{} on a closed day", a.reference);
                *used.entry((a.centre_id.clone(), appointment.date, appointment.window.start)).or_default() += 1;
            }
            None => assert!(a.waitlist_position.is_some()),
        }
    }
    let window_capacity = |c: &Catalogue, id: &str, start: time::Time| {
        let centre = c.centre(id).expect("centre");
        let index = c.campaign().windows().iter().position(|w| w.start == start).expect("window");
        c.campaign().window_capacities(centre.daily_capacity).nth(index).expect("share")
    };
    for ((centre, _, start), count) in used {
        assert!(count <= window_capacity(&catalogue, &centre, start), "{centre} {start}: {count} over capacity");
    }
}

async fn a_second_run_needs_replace_and_the_same_seed_gives_the_same_result(backend: Backend) {
    let Some((db, catalogue)) = with_applications(backend, &data(), 1500, 4, 1000).await else { return };
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
    let Some((db, catalogue)) = with_applications(backend, &data(), 100, 5, 100).await else { return };
    let open = RunOptions { now: datetime!(2027-06-01 09:00 +08:00), ..options("x", false) };
    let refused = run(&db.store, &catalogue, &data(), &open).await.expect_err("refused");
    assert!(refused.to_string().contains("registration is still open"), "{refused}");
    assert!(db.store.current_run().await.expect("read").is_none());
    let forced = RunOptions { force: true, ..open };
    assert_eq!(run(&db.store, &catalogue, &data(), &forced).await.expect("forced").applicants, 100);
}

async fn a_trial_run_is_stored_as_one_and_a_real_run_replaces_it_but_not_another_real_run(backend: Backend) {
    let Some((db, catalogue)) = with_applications(backend, &data(), 100, 7, 100).await else { return };
    let open = RunOptions { now: datetime!(2027-06-01 09:00 +08:00), force: true, ..options("trial", false) };
    assert!(run(&db.store, &catalogue, &data(), &open).await.expect("trial").trial);
    assert!(db.store.current_run().await.expect("read").expect("stored").trial, "stored as a trial");
    let another_trial = run(&db.store, &catalogue, &data(), &open).await.expect_err("a trial keeps a trial");
    assert!(another_trial.to_string().contains("--replace"), "{another_trial}");

    let real = run(&db.store, &catalogue, &data(), &options("real", false)).await.expect("replaces the trial");
    let stored = db.store.current_run().await.expect("read").expect("stored");
    assert_eq!((stored.trial, stored.run_id.as_str()), (false, real.run_id.as_str()));
    assert_eq!(db.store.all_allocations().await.expect("read").len(), 100);
    for later in [options("later", false), open.clone()] {
        let refused = run(&db.store, &catalogue, &data(), &later).await.expect_err("a real run stays");
        assert!(refused.to_string().contains("--replace"), "{refused}");
    }
    // The store keeps the rule too, whoever calls it.
    let mut record = stored.clone();
    record.run_id = "0123456789abcdef".into();
    let kept = db.store.save_allocation(record, Vec::new(), false).await.expect_err("kept");
    assert!(matches!(kept, store::StoreError::AlreadyAllocated { .. }), "{kept}");
    assert_eq!(db.store.current_run().await.expect("read").expect("stored").run_id, real.run_id);
}

#[tokio::test]
async fn applications_for_a_centre_missing_from_the_catalogue_stop_the_run() {
    let (db, catalogue) = with_applications(Backend::Sqlite, &data(), 300, 6, 300).await.expect("sqlite always runs");
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

/// The sample campaign with two small centres: most applicants are waitlisted.
fn tiny_campaign() -> tempfile::TempDir {
    common::campaign_with_centres(
        "SGR-0001,Selangor,Petaling,Dewan Kecil,\"1, Jalan A\",2,Sat;Sun\n\
         PNG-0001,Pulau Pinang,Timur Laut,Pusat Pemberian Vaksin Integrasi Kompleks Sukan dan Rekreasi Komuniti Timur Laut,\"2, Jalan B\",3,\n",
    )
}

async fn every_applicant_gets_one_confirmation_in_their_language(backend: Backend) {
    let tiny = tiny_campaign();
    let Some((db, catalogue)) = with_applications(backend, tiny.path(), 400, 8, 1000).await else { return };
    let record = run(&db.store, &catalogue, tiny.path(), &options("c", false)).await.expect("run");
    assert_eq!(record.allocated, 15 * 2 + 21 * 3, "every place is used");
    assert_eq!(record.waitlisted, 400 - record.allocated);
    let applications = db.store.all_applications().await.expect("read");
    let allocations = db.store.all_allocations().await.expect("read");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = allocator::confirm::write_outbox(&catalogue, &applications, &allocations, false, None, dir.path())
        .expect("outbox");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).expect("file").permissions().mode() & 0o777,
            0o600,
            "personal data: owner only"
        );
    }
    let mut reader = csv::Reader::from_path(&path).expect("csv");
    assert_eq!(reader.headers().expect("header").iter().collect::<Vec<_>>(), allocator::confirm::COLUMNS);
    let lang_of: HashMap<&str, &str> = applications.iter().map(|a| (a.reference.as_str(), a.lang.code())).collect();
    let mut seen = std::collections::HashSet::new();
    let mut statuses = std::collections::HashSet::new();
    for record in reader.records() {
        let r = record.expect("row");
        statuses.insert(r[4].to_owned());
        assert!(seen.insert(r[0].to_owned()), "one message per applicant");
        assert_eq!(&r[3], lang_of[&r[0]]);
        assert_eq!(&r[11], "1", "the first run is round 1");
        let message = &r[12];
        assert!(allocator::gsm7::septets(message).is_some_and(|n| n <= 160), "{message}");
        match (&r[4], &r[3]) {
            ("allocated", "ms") => assert!(message.contains(": vaksinasi ") && !r[8].is_empty() && r[9].len() == 11),
            ("allocated", _) => assert!(message.contains(": vaccination ")),
            ("waitlisted", "ms") => assert!(message.contains(" penuh. No. ") && r[10] == *"none"),
            ("waitlisted", _) => assert!(message.contains(": no slot at ")),
            (status, _) => panic!("unexpected status {status}"),
        }
        assert!(message.starts_with(if &r[3] == "ms" { "Untuk " } else { "For " }), "whom it is for: {message}");
        assert!(message.contains(&r[5]), "the centre's code: {message}");
        assert!(r[1].starts_with("+60"), "E.164 phone");
    }
    assert_eq!(seen.len(), applications.len());
    assert!(statuses.contains("waitlisted") && statuses.contains("allocated"), "{statuses:?}");
}

async fn the_report_adds_up_and_is_written(backend: Backend) {
    let tiny = tiny_campaign();
    let Some((db, catalogue)) = with_applications(backend, tiny.path(), 300, 9, 1000).await else { return };
    let record = run(&db.store, &catalogue, tiny.path(), &options("r", false)).await.expect("run");
    let applications = db.store.all_applications().await.expect("read");
    let allocations = db.store.all_allocations().await.expect("read");
    let report =
        allocator::report::Report::build(&catalogue, record.clone(), &applications, &allocations).expect("report");
    let o = &report.overall;
    assert_eq!((o.applicants, o.allocated, o.waitlisted), (300, record.allocated, record.waitlisted));
    assert_eq!(o.by_choice.values().sum::<u64>(), o.allocated, "every allocation met exactly one choice");
    let bands: u64 = report.by_age.iter().map(|(_, b)| b.applicants).sum();
    assert_eq!(bands, 300, "every applicant is in one age band");
    let states_allocated: u64 = report.states.iter().map(|s| s.2).sum();
    assert_eq!(states_allocated, o.allocated);
    let places: u64 = report.states.iter().map(|s| s.1).sum();
    assert_eq!(places, 15 * 2 + 21 * 3);
    assert_eq!(report.busiest_centres[0].0, "SGR-0001", "the smaller centre is the more crowded");
    let dir = tempfile::tempdir().expect("temp dir");
    report.write(dir.path()).expect("write");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).expect("json")).expect("valid");
    assert_eq!(json["overall"]["applicants"], 300);
    assert_eq!(json["run"]["seed"], "r");
    let outcomes = std::fs::read_to_string(dir.path().join("outcomes.csv")).expect("csv");
    assert!(
        outcomes.starts_with("group,applicants,allocated,waitlisted,week1,week2,week3,other\nall,300,"),
        "{outcomes}"
    );
    assert_eq!(outcomes.lines().count(), 1 + 1 + 5);
    for file in ["states.csv", "busiest_centres.csv", "busiest_days.csv"] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
    let page = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
    let row = |label: &str, count: u64| format!("<th scope=\"row\">{label}</th><td class=\"n\">{count}</td>");
    assert!(page.contains(&row("Waitlisted", o.waitlisted)), "the waitlist row states its count");
    assert!(page.contains(&row("Got their week 1 choice", o.by_choice["week1"])));
    let selangor = report.states.iter().find(|s| s.0.name() == "Selangor").expect("Selangor");
    assert!(
        page.contains(&format!("{}</td><td class=\"n\">{}</td>", selangor.1, selangor.2)),
        "Selangor places, allocated"
    );
    let bars = report.choices.len() + 1 + report.by_age.len() + report.states.len();
    assert_eq!(page.matches("<svg ").count(), bars, "one bar per outcome, age band and state");
    assert!(!page.contains("<script") && !page.contains("http"), "self-contained: no scripts, nothing fetched");
}

/// The backend is storage, not policy: the same applications on SQLite and
/// on PostgreSQL (whose bulk paths are different code: rusqlite there, COPY
/// here) give the same input fingerprint, the same run and the same
/// allocation row for row, waiting lists included.
#[tokio::test]
async fn sqlite_and_postgres_allocate_the_same_applications_identically() {
    let Some(pg) = fresh(Backend::Postgres).await else { return };
    let sqlite = fresh(Backend::Sqlite).await.expect("sqlite always runs");
    let dir = tiny_campaign();
    let catalogue = allocator::load_catalogue(dir.path()).expect("tiny campaign");
    let mut runs = Vec::new();
    for db in [&sqlite, &pg] {
        loadgen::synth::run(&db.store, &catalogue, 900, 8, 250).await.expect("synth");
        let record = run(&db.store, &catalogue, dir.path(), &options("cross", false)).await.expect("run");
        runs.push((record, db.store.all_allocations().await.expect("read")));
    }
    let (sqlite_run, sqlite_rows) = &runs[0];
    let (pg_run, pg_rows) = &runs[1];
    assert!(sqlite_rows.iter().any(|r| r.waitlist_position.is_some()), "the tiny campaign waitlists people");
    assert_eq!(sqlite_run.input_fingerprint, pg_run.input_fingerprint);
    assert_eq!((sqlite_run.run_id.as_str(), sqlite_run.allocated), (pg_run.run_id.as_str(), pg_run.allocated));
    assert_eq!(sqlite_rows, pg_rows);
}
