//! Applicants change or withdraw their own application before registration
//! closes, proven by their identity document; nothing is overwritten
//! without trace.

use serde_json::{Value, json};
use store::on_both_backends;
use store::testing::Backend;
use time::macros::datetime;

use crate::helpers::{OPEN, TestApp, application, as_pairs, form, with_field};

on_both_backends!(
    a_change_replaces_the_application_and_keeps_the_old_version,
    the_same_change_sent_twice_is_answered_200_and_stored_once,
    a_stranger_and_an_unknown_reference_get_the_same_404,
    a_withdrawn_application_frees_the_identity_for_a_new_one,
);

fn change_url(app: &TestApp, reference: &str) -> String {
    format!("{}/{reference}", app.endpoint())
}

async fn a_change_replaces_the_application_and_keeps_the_old_version(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-5001").await;
    let mut changed = application("600101-14-5001");
    changed["centre"] = "SGR-0002".into();
    changed["lang"] = "ms".into();
    changed["week1"] = "any".into();
    // Typed as a person would: lower case, no dash.
    let typed = reference.replace('-', "").to_lowercase();
    let response = app.post_json_to(&change_url(&app, &typed), &changed).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["changed"], true);
    assert_eq!(body["version"], 2);
    assert_eq!(body["reference"], reference.as_str());

    let stored = app.store().all_applications().await.expect("read");
    assert_eq!(stored.len(), 1, "a change adds no application");
    assert_eq!((stored[0].centre_id.as_str(), stored[0].lang), ("SGR-0002", campaign::Lang::Ms));
    assert_eq!(stored[0].reference, reference, "the reference stays");
    let history = app.store().history_counts().await.expect("history");
    assert_eq!((history.changes, history.withdrawals), (1, 0), "the first version is kept");
    // The allocator reads the current version.
    let inputs = app.store().read_allocation_inputs().await.expect("inputs");
    assert_eq!(inputs.rows[0].centre_id, "SGR-0002");
    app.stop().await;
}

async fn the_same_change_sent_twice_is_answered_200_and_stored_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-5002").await;
    let mut changed = application("600101-14-5002");
    changed["phone"] = "013-999 8888".into();
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app.post_json_to(&change_url(&app, &reference), &changed).await;
        assert_eq!(response.status(), 200, "a retry is as safe as the first try");
        let body: Value = response.json().await.expect("json");
        answers.push(body["changed"].clone());
    }
    assert_eq!(answers, [Value::Bool(true), Value::Bool(false)]);
    assert_eq!(app.store().history_counts().await.expect("history").changes, 1);
    // The plain form gets a page in the applicant's language.
    let fields = with_field(form("600101-14-5002", "ms"), "phone", "013-999 8888");
    let response = app.post_form_to(&change_url(&app, &reference), &as_pairs(&fields)).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("html");
    assert!(page.contains("lang=\"ms\"") && page.contains("Permohonan diubah"), "{page}");
    app.stop().await;
}

async fn a_stranger_and_an_unknown_reference_get_the_same_404(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-5003").await;
    // Someone else's identity on a real reference; a real identity on an unknown reference.
    let stranger = application("700101-14-5003");
    let owner = application("600101-14-5003");
    let unknown = if reference == "22222-22222" { "33333-33333" } else { "22222-22222" };
    let mut bodies = Vec::new();
    for (target, body) in [(reference.as_str(), &stranger), (unknown, &owner), ("not-a-reference", &owner)] {
        let response = app.post_json_to(&change_url(&app, target), body).await;
        assert_eq!(response.status(), 404, "{target}");
        bodies.push(response.text().await.expect("body"));
        let withdraw = format!("{}/withdraw", change_url(&app, target));
        let withdrawn = app.post_json_to(&withdraw, &json!({ "id_number": body["id_number"] })).await;
        assert_eq!(withdrawn.status(), 404, "{target}");
        bodies.push(withdrawn.text().await.expect("body"));
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "every refusal reads the same: {bodies:?}");
    let stored = app.store().all_applications().await.expect("read");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].centre_id, "SGR-0001", "untouched");
    assert_eq!(app.store().history_counts().await.expect("history"), store::HistoryCounts::default());
    app.stop().await;
}

async fn a_withdrawn_application_frees_the_identity_for_a_new_one(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-5004").await;
    let withdraw = format!("{}/withdraw", change_url(&app, &reference));
    for _ in 0..2 {
        let response = app.post_json_to(&withdraw, &json!({ "id_number": "600101145004" })).await;
        assert_eq!(response.status(), 200, "withdrawn, and a retry is told the same");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["withdrawn"], true);
    }
    assert_eq!(app.store().count_applications().await.expect("count"), 0, "not allocated");
    assert_eq!(app.store().history_counts().await.expect("history").withdrawals, 1);
    let again = app.apply("600101-14-5004").await;
    assert_ne!(again, reference, "a new application gets a new reference");
    let changed = app.post_json_to(&change_url(&app, &reference), &application("600101-14-5004")).await;
    assert_eq!(changed.status(), 404, "the withdrawn reference is gone");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_registration_closes_changes_and_withdrawals_get_403() {
    let closed = datetime!(2028-01-01 00:00 +08:00);
    let Some(app) = TestApp::spawn(Backend::Sqlite, closed, &[]).await else { return };
    let target = change_url(&app, "K7M4Q-9XH2P");
    let change = app.post_json_to(&target, &application("600101-14-5005")).await;
    assert_eq!(change.status(), 403);
    let body: Value = change.json().await.expect("json");
    assert_eq!(body["error"]["code"], "closed");
    let withdraw = app.post_json_to(&format!("{target}/withdraw"), &json!({ "id_number": "600101145005" })).await;
    assert_eq!(withdraw.status(), 403);
    app.stop().await;
}
