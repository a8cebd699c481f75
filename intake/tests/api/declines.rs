//! After allocation, a person declines their appointment (optionally
//! rejoining the waiting list), proven by their identity number, answered
//! like a withdrawal, and kept on record.

use campaign::{Catalogue, ChoiceMet, TimeWindow};
use serde_json::{Value, json};
use store::on_both_backends;
use store::testing::{Backend, mykad_row};
use store::{AllocationRow, ApplicationRow, Appointment, Channel, RunRecord};
use time::macros::{date, datetime, time};

use crate::helpers::{TestApp, data_dir};

on_both_backends!(
    a_declined_place_is_released_once_and_a_retry_is_told_the_same,
    strangers_unknown_references_and_waiting_people_cannot_decline,
    the_plain_form_declines_and_rejoins_in_the_persons_language,
    an_appointment_inside_the_deadline_is_too_late_to_decline,
    the_i_cannot_come_page_posts_the_reference_in_the_body,
);

/// After registration closes, two days before the first appointments.
const AFTER_ALLOCATION: time::OffsetDateTime = datetime!(2028-01-08 10:00 +08:00);

const HOLDER: &str = "600101-14-6001";
const WAITING: &str = "700101-14-6002";

/// Stores two applications and a run: the first holds an appointment on
/// `day` at 09:00, the second waits. Returns their references.
async fn allocated(app: &TestApp, day: time::Date) -> (String, String) {
    let catalogue = Catalogue::load(&data_dir()).expect("sample data");
    let rows: Vec<ApplicationRow> = [(HOLDER, "K7M4Q-9XH2P"), (WAITING, "R2T8W-3NB6C")]
        .into_iter()
        .map(|(mykad, reference)| mykad_row(&catalogue, mykad, "Siti", reference, datetime!(2027-06-01 10:00 UTC)))
        .collect();
    app.store().insert_batch(&rows).await.expect("stored");
    let row = |reference: &str, priority, appointment: Option<Appointment>| AllocationRow {
        reference: reference.into(),
        priority,
        lottery: priority,
        centre_id: "SGR-0001".into(),
        appointment,
        waitlist_position: appointment.is_none().then_some(1),
        declined: false,
        round: store::FIRST_ROUND,
    };
    let appointment = Appointment {
        date: day,
        window: TimeWindow { start: time!(09:00), end: time!(10:00) },
        met: ChoiceMet::Week(1),
    };
    let run = RunRecord {
        run_id: "r1".into(),
        seed: "s".into(),
        input_fingerprint: "f".into(),
        lottery_commitment: None,
        rule: "rule".into(),
        started_at: AFTER_ALLOCATION,
        finished_at: AFTER_ALLOCATION,
        applicants: 2,
        allocated: 1,
        waitlisted: 1,
        read_seconds: 0.0,
        allocate_seconds: 0.0,
        write_seconds: 0.0,
        trial: false,
    };
    let allocations = vec![row("K7M4Q-9XH2P", 1, Some(appointment)), row("R2T8W-3NB6C", 2, None)];
    app.store().save_allocation(run, allocations, false).await.expect("allocation stored");
    ("K7M4Q-9XH2P".into(), "R2T8W-3NB6C".into())
}

fn decline_url(app: &TestApp, reference: &str) -> String {
    format!("{}/{reference}/decline", app.endpoint())
}

async fn a_declined_place_is_released_once_and_a_retry_is_told_the_same(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, AFTER_ALLOCATION, &[]).await else { return };
    let (holder, _) = allocated(&app, date!(2028 - 01 - 12)).await;
    for _ in 0..2 {
        let response = app.post_json_to(&decline_url(&app, &holder), &json!({ "id_number": HOLDER })).await;
        assert_eq!(response.status(), 200, "declined, and a retry is told the same");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body, json!({ "reference": holder, "declined": true, "rejoined": false }));
    }
    let rows = app.store().all_allocations().await.expect("read");
    assert_eq!(rows[0].status(), "declined", "the place is released");
    let declines = app.store().declines().await.expect("declines");
    assert_eq!(declines.len(), 1, "declined once");
    assert_eq!(
        (declines[0].via, declines[0].declined_at, declines[0].rejoined_at),
        (Channel::Api, AFTER_ALLOCATION, None)
    );
    app.stop().await;
}

async fn strangers_unknown_references_and_waiting_people_cannot_decline(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, AFTER_ALLOCATION, &[]).await else { return };
    let (holder, waiting) = allocated(&app, date!(2028 - 01 - 12)).await;
    let mut bodies = Vec::new();
    for (target, id_number) in [(holder.as_str(), WAITING), ("22222-22222", HOLDER), ("not-a-reference", HOLDER)] {
        let response = app.post_json_to(&decline_url(&app, target), &json!({ "id_number": id_number })).await;
        assert_eq!(response.status(), 404, "{target}");
        bodies.push(response.text().await.expect("body"));
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "every refusal reads the same: {bodies:?}");
    let response = app.post_json_to(&decline_url(&app, &waiting), &json!({ "id_number": WAITING })).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "no_appointment");
    assert!(app.store().declines().await.expect("declines").is_empty());
    assert_eq!(app.store().all_allocations().await.expect("read")[0].status(), "allocated", "untouched");
    app.stop().await;
}

async fn the_plain_form_declines_and_rejoins_in_the_persons_language(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, AFTER_ALLOCATION, &[]).await else { return };
    let (holder, _) = allocated(&app, date!(2028 - 01 - 12)).await;
    let form = [("id_number", "600101146001"), ("lang", "ms"), ("rejoin", "on")];
    let response = app.post_form_to(&decline_url(&app, &holder), &form).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("html");
    assert!(page.contains("lang=\"ms\"") && page.contains("anda kembali dalam senarai menunggu"), "{page}");
    let declines = app.store().declines().await.expect("declines");
    assert_eq!((declines[0].via, declines[0].rejoined_at), (Channel::Form, Some(AFTER_ALLOCATION)));
    app.stop().await;
}

async fn an_appointment_inside_the_deadline_is_too_late_to_decline(backend: Backend) {
    // 09:00 the next day is 23 hours away: inside the sample's 24.
    let Some(app) = TestApp::spawn(backend, AFTER_ALLOCATION, &[]).await else { return };
    let (holder, _) = allocated(&app, date!(2028 - 01 - 09)).await;
    let response = app.post_json_to(&decline_url(&app, &holder), &json!({ "id_number": HOLDER })).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_late");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("24 hours")), "{body}");
    assert!(app.store().declines().await.expect("declines").is_empty());
    app.stop().await;
}

async fn the_i_cannot_come_page_posts_the_reference_in_the_body(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, AFTER_ALLOCATION, &[]).await else { return };
    let (holder, _) = allocated(&app, date!(2028 - 01 - 12)).await;
    let page_url = format!("{}/decline?lang=en", app.endpoint());
    // Someone else's number, and a mistyped reference: the same page as the path route's 404.
    let stranger = [("reference", holder.as_str()), ("id_number", WAITING), ("lang", "en")];
    let stranger = app.post_form_to(&page_url, &stranger).await;
    assert_eq!(stranger.status(), 404);
    let by_path = app.post_form_to(&decline_url(&app, &holder), &[("id_number", WAITING), ("lang", "en")]).await;
    assert_eq!(by_path.status(), 404);
    assert_eq!(stranger.text().await.expect("page"), by_path.text().await.expect("page"), "the same refusal");
    let mistyped = app.post_form_to(&page_url, &[("reference", "nonsense"), ("id_number", HOLDER)]).await;
    assert_eq!(mistyped.status(), 404);
    assert!(app.store().declines().await.expect("declines").is_empty());

    let lower = holder.to_lowercase();
    let form = [("reference", lower.as_str()), ("id_number", HOLDER), ("lang", "en"), ("rejoin", "on")];
    let response = app.post_form_to(&page_url, &form).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("html");
    assert!(page.contains("lang=\"en\"") && page.contains("You are back on the waiting list"), "{page}");
    let declines = app.store().declines().await.expect("declines");
    assert_eq!((declines.len(), declines[0].via, declines[0].rejoined_at), (1, Channel::Form, Some(AFTER_ALLOCATION)));
    app.stop().await;
}
