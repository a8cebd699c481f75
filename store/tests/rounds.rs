//! Declines, rounds and attendance on both backends.

use std::path::Path;

use campaign::{Catalogue, ChoiceMet, TimeWindow};
use store::testing::{Backend, fresh, mykad_row, run_record};
use store::{
    AllocationRow, AmendOutcome, Amendment, Appointment, AttendanceRow, Channel, Decline, DeclineOutcome, RoundRecord,
    RoundSave, Store, StoreError,
};
use time::macros::{date, datetime, time};

fn catalogue() -> Catalogue {
    Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample data loads")
}

const HELD: &str = "AAAAA-AAAAA";
const WAITING: &str = "BBBBB-BBBBB";
const HELD_ID: &str = "600101011111";

async fn allocated_store(store: &Store) {
    let catalogue = catalogue();
    let rows: Vec<_> = [("600101-01-1111", HELD), ("700101-01-2222", WAITING)]
        .into_iter()
        .map(|(mykad, reference)| mykad_row(&catalogue, mykad, "Siti", reference, datetime!(2027-01-02 03:04:05 UTC)))
        .collect();
    store.insert_batch(&rows).await.expect("stored");
    let run = run_record("run-1", datetime!(2028-01-01 00:00 UTC), 1, 1);
    store.save_allocation(run, vec![held_row(), waiting_row(1)], false).await.expect("allocation stored");
}

fn appointment() -> Appointment {
    Appointment {
        date: date!(2028 - 01 - 12),
        window: TimeWindow { start: time!(09:00), end: time!(10:00) },
        met: ChoiceMet::Week(1),
    }
}

fn held_row() -> AllocationRow {
    AllocationRow {
        reference: HELD.into(),
        priority: 1,
        lottery: 7,
        centre_id: "SGR-0001".into(),
        appointment: Some(appointment()),
        waitlist_position: None,
        declined: false,
        round: 1,
    }
}

fn waiting_row(position: u64) -> AllocationRow {
    AllocationRow {
        reference: WAITING.into(),
        priority: 2,
        lottery: 9,
        centre_id: "SGR-0001".into(),
        appointment: None,
        waitlist_position: Some(position),
        declined: false,
        round: 1,
    }
}

fn decline(reference: &str, id_number: &str, rejoin: bool, at: time::OffsetDateTime) -> Amendment {
    Amendment::Decline(Decline {
        reference: reference.into(),
        id_number: id_number.into(),
        earliest_start: datetime!(2028-01-11 09:00),
        rejoin,
        at,
        via: Channel::Form,
    })
}

async fn a_decline_releases_the_place_once_and_is_kept(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    allocated_store(&db.store).await;
    let at = datetime!(2028-01-05 10:00 UTC);
    let outcomes = db
        .store
        .amend(&[
            decline("ZZZZZ-ZZZZZ", HELD_ID, false, at),
            decline(HELD, "700101012222", false, at),
            decline(WAITING, "700101012222", false, at),
            decline(HELD, HELD_ID, false, at),
            decline(HELD, HELD_ID, false, at),
        ])
        .await
        .expect("amended");
    assert_eq!(
        outcomes,
        vec![
            AmendOutcome::NotFound,
            AmendOutcome::NotFound,
            AmendOutcome::Decline(DeclineOutcome::NoAppointment),
            AmendOutcome::Decline(DeclineOutcome::Declined { rejoined: false }),
            AmendOutcome::Decline(DeclineOutcome::AlreadyDeclined { rejoined: false }),
        ]
    );
    let rows = db.store.all_allocations().await.expect("read");
    let held = rows.iter().find(|r| r.reference == HELD).expect("held row");
    assert_eq!((held.status(), held.appointment, held.waitlist_position), ("declined", None, None));
    let declines = db.store.declines().await.expect("declines");
    assert_eq!(declines.len(), 1);
    let kept = &declines[0];
    assert_eq!((kept.reference.as_str(), kept.round, kept.date), (HELD, 1, date!(2028 - 01 - 12)));
    assert_eq!((kept.declined_at, kept.via, kept.rejoined_at), (at, Channel::Form, None));

    // Asking to rejoin later is kept, once.
    let later = datetime!(2028-01-06 10:00 UTC);
    let outcomes = db.store.amend(&[decline(HELD, HELD_ID, true, later)]).await.expect("amended");
    assert_eq!(outcomes, vec![AmendOutcome::Decline(DeclineOutcome::AlreadyDeclined { rejoined: true })]);
    let outcomes =
        db.store.amend(&[decline(HELD, HELD_ID, true, datetime!(2028-01-07 10:00 UTC))]).await.expect("amended");
    assert_eq!(outcomes, vec![AmendOutcome::Decline(DeclineOutcome::AlreadyDeclined { rejoined: true })]);
    assert_eq!(db.store.declines().await.expect("declines")[0].rejoined_at, Some(later));
}

async fn an_appointment_too_soon_cannot_be_declined(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    allocated_store(&db.store).await;
    let mut late = decline(HELD, HELD_ID, false, datetime!(2028-01-11 10:00 UTC));
    if let Amendment::Decline(d) = &mut late {
        d.earliest_start = datetime!(2028-01-12 09:01);
    }
    let outcomes = db.store.amend(&[late]).await.expect("amended");
    assert_eq!(outcomes, vec![AmendOutcome::Decline(DeclineOutcome::TooLate { appointment: appointment() })]);
    assert!(db.store.declines().await.expect("declines").is_empty());
}

fn round(number: u32) -> RoundRecord {
    RoundRecord {
        run_id: "run-1".into(),
        round: number,
        started_at: datetime!(2028-01-06 00:00 UTC),
        not_before: date!(2028 - 01 - 08),
        input_fingerprint: "abc".into(),
        waiting: 1,
        freed: 1,
        given: 1,
        left_free: 0,
    }
}

async fn a_round_is_stored_in_turn_and_the_last_can_be_redone(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    allocated_store(&db.store).await;
    db.store.amend(&[decline(HELD, HELD_ID, false, datetime!(2028-01-05 10:00 UTC))]).await.expect("declined");
    let mut given = waiting_row(1);
    given.appointment = Some(appointment());
    given.waitlist_position = None;
    given.round = 2;
    let refused = db.store.save_round(round(3), vec![given.clone()], RoundSave::Append).await;
    assert!(matches!(refused, Err(StoreError::RoundOutOfTurn { stored: 1, given: 3 })), "{refused:?}");
    db.store.save_round(round(2), vec![given.clone()], RoundSave::Append).await.expect("round 2 stored");
    let after: Vec<_> = db.store.all_allocations().await.expect("read");
    assert_eq!(after.iter().find(|r| r.reference == WAITING), Some(&given));
    assert_eq!(db.store.rounds().await.expect("rounds"), vec![round(2)]);
    let changes = db.store.round_changes(2).await.expect("changes");
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].waitlist_position, changes[0].round, changes[0].appointment), (Some(1), 1, None));

    // Redone: back on the list with a new position in the same round.
    let mut redone = waiting_row(1);
    redone.round = 2;
    let mut record = round(2);
    record.given = 0;
    record.left_free = 1;
    db.store.save_round(record.clone(), vec![redone.clone()], RoundSave::ReplaceLast).await.expect("redone");
    let after = db.store.all_allocations().await.expect("read");
    assert_eq!(after.iter().find(|r| r.reference == WAITING), Some(&redone));
    assert_eq!(db.store.rounds().await.expect("rounds"), vec![record]);
    assert_eq!(db.store.round_changes(2).await.expect("changes")[0].round, 1, "the state before round 2 is kept");
}

async fn a_round_whose_places_were_declined_cannot_be_redone(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    allocated_store(&db.store).await;
    db.store.amend(&[decline(HELD, HELD_ID, true, datetime!(2028-01-05 10:00 UTC))]).await.expect("declined");
    let mut again = held_row();
    again.round = 2;
    db.store.save_round(round(2), vec![again], RoundSave::Append).await.expect("round 2");
    let outcomes =
        db.store.amend(&[decline(HELD, HELD_ID, false, datetime!(2028-01-07 10:00 UTC))]).await.expect("amended");
    assert_eq!(outcomes, vec![AmendOutcome::Decline(DeclineOutcome::Declined { rejoined: false })]);
    let declines = db.store.declines().await.expect("declines");
    assert_eq!(declines.iter().map(|d| d.round).collect::<Vec<_>>(), vec![1, 2], "both declines are kept");
    let refused = db.store.save_round(round(2), vec![], RoundSave::ReplaceLast).await;
    assert!(matches!(refused, Err(StoreError::RoundDeclinedSince { round: 2, declines: 1 })), "{refused:?}");
}

async fn attendance_imported_twice_changes_nothing(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    allocated_store(&db.store).await;
    let rows = vec![AttendanceRow {
        reference: HELD.into(),
        centre_id: "SGR-0001".into(),
        date: date!(2028 - 01 - 12),
        attended: true,
    }];
    let at = datetime!(2028-01-13 10:00 UTC);
    let first = db.store.record_attendance("run-1", rows.clone(), "sha", at).await.expect("stored");
    assert_eq!((first.added, first.changed, first.unchanged), (1, 0, 0));
    let second = db.store.record_attendance("run-1", rows.clone(), "sha", at).await.expect("stored");
    assert_eq!((second.added, second.changed, second.unchanged), (0, 0, 1));
    let mut corrected = rows.clone();
    corrected[0].attended = false;
    let third = db.store.record_attendance("run-1", corrected.clone(), "sha2", at).await.expect("stored");
    assert_eq!((third.added, third.changed), (0, 1));
    assert_eq!(db.store.attendance().await.expect("read"), corrected);
}

store::on_both_backends!(
    a_decline_releases_the_place_once_and_is_kept,
    an_appointment_too_soon_cannot_be_declined,
    a_round_is_stored_in_turn_and_the_last_can_be_redone,
    a_round_whose_places_were_declined_cannot_be_redone,
    attendance_imported_twice_changes_nothing,
);
