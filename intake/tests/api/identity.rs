//! Age and identity: who goes first, and that one person applies once.

use serde_json::{Value, json};
use store::testing::Backend;

use crate::helpers::{OPEN, TestApp, application, as_pairs, form, without};
use store::on_both_backends;

on_both_backends!(
    a_childs_mykad_without_a_birth_date_is_too_young_not_a_centenarian,
    the_form_without_javascript_asks_for_the_birth_date_with_a_mykad,
    a_centenarian_who_gives_their_birth_date_is_accepted,
    a_mykad_typed_as_a_passport_is_refused_and_never_stored_twice,
    a_name_with_a_hidden_direction_change_is_refused_with_its_code,
    an_email_that_is_a_formula_is_refused,
);

/// English and Malay, with words each language's message must contain.
type Says<'a> = [(&'a str, &'a str); 2];

/// Posts `application` in each language of `says`: each gets 422 with an
/// error on `field` in that language.
async fn assert_refused_in_each_language(app: &TestApp, mut application: Value, field: &str, says: Says<'_>) {
    for (lang, says) in says {
        application["lang"] = json!(lang);
        let response = app.post_json(&application).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let message = body["errors"][field].as_str().unwrap_or_else(|| panic!("an error on {field}"));
        assert!(message.contains(says), "{lang}: {message}");
    }
}

/// On a fresh intake, [`assert_refused_in_each_language`], and nothing is stored.
async fn assert_refused_and_not_stored(backend: Backend, application: Value, field: &str, says: Says<'_>) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    assert_refused_in_each_language(&app, application, field, says).await;
    assert_eq!(app.store().count_applications().await.expect("count"), 0);
    app.stop().await;
}

async fn a_childs_mykad_without_a_birth_date_is_too_young_not_a_centenarian(backend: Backend) {
    let child = application("120314-10-5127");
    let says = [("en", "at least 18 years old"), ("ms", "sekurang-kurangnya 18 tahun")];
    assert_refused_and_not_stored(backend, child, "id_number", says).await;
}

async fn the_form_without_javascript_asks_for_the_birth_date_with_a_mykad(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    for (lang, says) in [("en", "Enter your date of birth"), ("ms", "Masukkan tarikh lahir anda")] {
        let fields = without(form("120314-10-5127", lang), &["birth_date"]);
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
    app.apply("750808-10-5432").await;
    let mut passport = application("750808105432");
    passport["id_type"] = json!("passport");
    passport["birth_date"] = json!("1975-08-08");
    let says = [("en", "choose MyKad"), ("ms", "pilih MyKad")];
    assert_refused_in_each_language(&app, passport.clone(), "id_number", says).await;
    // A birth date that does not give the number away: the database still
    // holds the number once, whatever the document type.
    passport["birth_date"] = json!("1975-08-09");
    for (lang, _) in says {
        passport["lang"] = json!(lang);
        assert_eq!(app.post_json(&passport).await.status(), 409, "{lang}");
    }
    assert_eq!(app.store().count_applications().await.expect("count"), 1);
    app.stop().await;
}

async fn a_name_with_a_hidden_direction_change_is_refused_with_its_code(backend: Backend) {
    let mut reversed = application("600101-14-1111");
    reversed["full_name"] = json!("Siti \u{202e}nidraT");
    let says = [("en", "invisible character (U+202E)"), ("ms", "tidak kelihatan (U+202E)")];
    assert_refused_and_not_stored(backend, reversed, "full_name", says).await;
}

async fn an_email_that_is_a_formula_is_refused(backend: Backend) {
    let mut formula = application("600101-14-1111");
    formula["email"] = json!("=HYPERLINK(\"http://x.example\")@example.my");
    assert_refused_and_not_stored(
        backend,
        formula,
        "email",
        [("en", "Enter an email address"), ("ms", "alamat e-mel")],
    )
    .await;
}
