//! Age and identity: who goes first, and that one person applies once.

use serde_json::{Value, json};
use store::testing::Backend;

use crate::helpers::{OPEN, TestApp, application, as_pairs, form};
use store::on_both_backends;

on_both_backends!(
    a_childs_mykad_without_a_birth_date_is_too_young_not_a_centenarian,
    the_form_without_javascript_asks_for_the_birth_date_with_a_mykad,
    a_centenarian_who_gives_their_birth_date_is_accepted,
    a_mykad_typed_as_a_passport_is_refused_and_never_stored_twice,
    a_name_with_a_hidden_direction_change_is_refused_with_its_code,
    an_email_that_is_a_formula_is_refused,
);

async fn a_childs_mykad_without_a_birth_date_is_too_young_not_a_centenarian(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    for (lang, says) in [("en", "at least 18 years old"), ("ms", "sekurang-kurangnya 18 tahun")] {
        let mut child = application("120314-10-5127");
        child["lang"] = json!(lang);
        let response = app.post_json(&child).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let message = body["errors"]["id_number"].as_str().expect("an id_number error");
        assert!(message.contains(says), "{lang}: {message}");
    }
    assert_eq!(app.store().count_applications().await.expect("count"), 0);
    app.stop().await;
}

async fn the_form_without_javascript_asks_for_the_birth_date_with_a_mykad(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    for (lang, says) in [("en", "Enter your date of birth"), ("ms", "Masukkan tarikh lahir anda")] {
        let mut fields = form("120314-10-5127", lang);
        fields.retain(|(k, _)| *k != "birth_date");
        let response = app.post_form(&as_pairs(&fields)).await;
        assert_eq!(response.status(), 422);
        let page = response.text().await.expect("html");
        assert!(page.contains(says), "{lang}: {page}");
    }
    assert_eq!(app.store().count_applications().await.expect("count"), 0);
    app.stop().await;
}

async fn a_centenarian_who_gives_their_birth_date_is_accepted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let mut elder = application("120314-10-5127");
    elder["birth_date"] = json!("1912-03-14");
    assert_eq!(app.post_json(&elder).await.status(), 201);
    let stored = app.store().all_applications().await.expect("read");
    assert_eq!(stored[0].birth_date.to_string(), "1912-03-14");
    app.stop().await;
}

async fn a_mykad_typed_as_a_passport_is_refused_and_never_stored_twice(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    assert_eq!(app.post_json(&application("750808-10-5432")).await.status(), 201);
    for (lang, says) in [("en", "choose MyKad"), ("ms", "pilih MyKad")] {
        let mut passport = application("750808105432");
        passport["id_type"] = json!("passport");
        passport["birth_date"] = json!("1975-08-08");
        passport["lang"] = json!(lang);
        let response = app.post_json(&passport).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let message = body["errors"]["id_number"].as_str().expect("an id_number error");
        assert!(message.contains(says), "{lang}: {message}");
        // A birth date that does not give the number away: the database still
        // holds the number once, whatever the document type.
        passport["birth_date"] = json!("1975-08-09");
        assert_eq!(app.post_json(&passport).await.status(), 409, "{lang}");
    }
    assert_eq!(app.store().count_applications().await.expect("count"), 1);
    app.stop().await;
}

async fn a_name_with_a_hidden_direction_change_is_refused_with_its_code(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    for (lang, says) in [("en", "invisible character (U+202E)"), ("ms", "tidak kelihatan (U+202E)")] {
        let mut reversed = application("600101-14-1111");
        reversed["full_name"] = json!("Siti \u{202e}nidraT");
        reversed["lang"] = json!(lang);
        let response = app.post_json(&reversed).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let message = body["errors"]["full_name"].as_str().expect("a full_name error");
        assert!(message.contains(says), "{lang}: {message}");
    }
    assert_eq!(app.store().count_applications().await.expect("count"), 0);
    app.stop().await;
}

async fn an_email_that_is_a_formula_is_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    for (lang, says) in [("en", "Enter an email address"), ("ms", "alamat e-mel")] {
        let mut formula = application("600101-14-1111");
        formula["email"] = json!("=HYPERLINK(\"http://x.example\")@example.my");
        formula["lang"] = json!(lang);
        let response = app.post_json(&formula).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let message = body["errors"]["email"].as_str().expect("an email error");
        assert!(message.contains(says), "{lang}: {message}");
    }
    assert_eq!(app.store().count_applications().await.expect("count"), 0);
    app.stop().await;
}
