//! Submitting applications: the answers people and scripts get.

use serde_json::{Value, json};
use store::testing::Backend;
use time::macros::datetime;

use crate::helpers::{OPEN, TestApp, application, as_pairs, form, with_field, without};
use store::on_both_backends;

on_both_backends!(
    a_json_application_gets_201_with_a_reference_and_is_stored,
    a_form_application_gets_a_page_with_the_reference_in_its_language,
    an_identical_retry_gets_200_and_the_same_reference,
    a_different_application_for_the_same_identity_gets_409_revealing_nothing,
    invalid_json_gets_422_with_every_field_error_in_the_applicants_language,
    an_invalid_form_gets_a_page_listing_the_errors,
    a_closed_date_without_javascript_is_explained,
    registration_outside_its_window_gets_403_with_the_dates,
    bad_bodies_get_clear_4xx_and_store_nothing,
);

async fn a_json_application_gets_201_with_a_reference_and_is_stored(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let response = app.post_json(&application("600101-14-1111")).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("json");
    let reference = body["reference"].as_str().expect("a reference");
    assert_eq!(reference.len(), 11);
    let stored = app.store().all_applications().await.expect("read");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].reference, reference);
    assert_eq!(stored[0].id_number, "600101141111");
    assert_eq!(stored[0].phone, "+60123456789");
    assert_eq!(stored[0].submitted_at, OPEN);
    app.stop().await;
}

async fn a_form_application_gets_a_page_with_the_reference_in_its_language(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let fields = form("600101-14-1111", "ms");
    let response = app.post_form(&as_pairs(&fields)).await;
    assert_eq!(response.status(), 201);
    assert!(response.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
    let page = response.text().await.expect("html");
    let stored = app.store().all_applications().await.expect("read");
    assert_eq!(stored.len(), 1);
    assert!(page.contains(&stored[0].reference), "the page shows the reference");
    assert!(page.contains("<html lang=\"ms\">"));
    assert!(page.contains("Permohonan diterima"), "{page}");
    assert!(page.contains("012-345 6789"), "the SMS number is shown as people write it");
    assert!(page.contains("href=\"/ms/\""), "a link back to the Malay form");
    assert!(page.contains("talian bantuan vaksinasi: 03-8000 8000 (08:00-20:00)"), "the helpline, in Malay");
    assert!(stored[0].accept_other_dates, "the ticked box arrives");
    app.stop().await;
}

async fn an_identical_retry_gets_200_and_the_same_reference(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-1111").await;
    // The same application, spelled differently: it normalises to the same.
    let mut again = application("600101141111");
    again["phone"] = json!("+60123456789");
    let response = app.post_json(&again).await;
    assert_eq!(response.status(), 200);
    let second: Value = response.json().await.expect("json");
    assert_eq!(second["reference"], reference.as_str());
    assert_eq!(second["new"], false);
    assert_eq!(app.store().count_applications().await.expect("count"), 1);
    app.stop().await;
}

async fn a_different_application_for_the_same_identity_gets_409_revealing_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-1111").await;
    let mut other = application("600101-14-1111");
    other["centre"] = json!("KUL-0001");
    other["lang"] = json!("ms");
    let response = app.post_json(&other).await;
    assert_eq!(response.status(), 409);
    let text = response.text().await.expect("body");
    assert!(!text.contains(&reference), "the stored reference is not revealed");
    assert!(!text.contains("SGR-0001"), "nor its centre");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["error"]["code"], "identity_taken");
    assert!(body["error"]["message"].as_str().expect("message").contains("talian bantuan"), "in Malay: {text}");
    assert!(body["error"]["message"].as_str().expect("message").contains("03-8000 8000"), "the helpline: {text}");
    let stored = app.store().all_applications().await.expect("read");
    assert_eq!((stored.len(), stored[0].centre_id.as_str()), (1, "SGR-0001"), "the stored one is untouched");
    app.stop().await;
}

async fn invalid_json_gets_422_with_every_field_error_in_the_applicants_language(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let mut bad = application("12345");
    bad["lang"] = json!("ms");
    bad["phone"] = json!("03-1234 5678");
    bad["week2"] = json!("2028-01-10");
    bad["consent"] = json!(false);
    let response = app.post_json(&bad).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    let errors = body["errors"].as_object().expect("errors by field");
    let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(fields, ["consent", "id_number", "phone", "week2"]);
    assert_eq!(errors["phone"], "Masukkan nombor telefon bimbit Malaysia, contohnya 012-345 6789.");
    assert!(errors["week2"].as_str().expect("text").contains("Isn 17 Jan 2028"), "{}", errors["week2"]);
    assert_eq!(app.store().count_applications().await.expect("count"), 0);
    app.stop().await;
}

async fn an_invalid_form_gets_a_page_listing_the_errors(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let fields = without(form("600101-14-1111", "en"), &["consent", "full_name"]);
    let response = app.post_form(&as_pairs(&fields)).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("html");
    assert!(page.contains("Check your answers"));
    assert!(page.contains("Enter your full name as it appears on your identity document."));
    assert!(page.contains("Tick the box to agree"));
    assert!(page.contains("Back button"), "tells a person without JavaScript how to get back to their answers");
    app.stop().await;
}

async fn a_closed_date_without_javascript_is_explained(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let fields = with_field(form("600101-14-1111", "en"), "week3", "2028-01-26");
    let response = app.post_form(&as_pairs(&fields)).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("html");
    assert!(page.contains("The centre you chose is closed on Wed 26 Jan 2028."), "{page}");
    app.stop().await;
}

async fn registration_outside_its_window_gets_403_with_the_dates(backend: Backend) {
    let Some(early) = TestApp::spawn(backend, datetime!(2026-10-31 12:00 +08:00), &[]).await else { return };
    let response = early.post_json(&application("600101-14-1111")).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_open");
    assert!(body["error"]["message"].as_str().expect("text").contains("Sunday, 1 November 2026, 08:00"), "{body}");
    early.stop().await;

    let Some(late) = TestApp::spawn(backend, datetime!(2028-01-01 00:00 +08:00), &[]).await else { return };
    let fields = without(form("600101-14-1111", "ms"), &["id_number"]);
    let response = late.post_form(&as_pairs(&fields)).await;
    assert_eq!(response.status(), 403, "closed wins over invalid");
    let page = response.text().await.expect("html");
    assert!(page.contains("Pendaftaran telah ditutup"));
    assert!(page.contains("Jumaat, 31 Disember 2027, 23:59"), "{page}");
    assert_eq!(late.store().count_applications().await.expect("count"), 0);
    late.stop().await;
}

async fn bad_bodies_get_clear_4xx_and_store_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let post = |content_type: &'static str, body: Vec<u8>| {
        app.client.post(app.endpoint()).header("content-type", content_type).body(body).send()
    };
    let too_big = post("application/json", vec![b' '; 9000]).await.expect("sent");
    assert_eq!(too_big.status(), 413);
    let body: Value = too_big.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_large");

    let text = post("text/plain", b"hello".to_vec()).await.expect("sent");
    assert_eq!(text.status(), 415);

    let broken = post("application/json", b"{\"full_name\": ".to_vec()).await.expect("sent");
    assert_eq!(broken.status(), 400);
    let body: Value = broken.json().await.expect("json");
    assert!(body["error"]["message"].as_str().expect("text").contains("not valid JSON"), "{body}");

    let wrong_type = post("application/json", br#"{"consent": "yes"}"#.to_vec()).await.expect("sent");
    assert_eq!(wrong_type.status(), 400);

    let binary = post("application/x-www-form-urlencoded", vec![0xff, 0x00, 0xfe, b'=', 0x80]).await.expect("sent");
    assert_eq!(binary.status(), 422, "undecodable form bytes are just wrong answers");

    let get = app.client.get(app.endpoint()).send().await.expect("sent");
    assert_eq!(get.status(), 405);
    assert_eq!(app.store().count_applications().await.expect("count"), 0);
    app.stop().await;
}
