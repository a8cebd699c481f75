//! Age and identity: who goes first, and that one person applies once.

use serde_json::{Value, json};
use store::testing::Backend;

use crate::helpers::{OPEN, TestApp, application};
use crate::on_both_backends;

on_both_backends!(
    a_childs_mykad_without_a_birth_date_is_too_young_not_a_centenarian,
    a_centenarian_who_gives_their_birth_date_is_accepted,
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

async fn a_centenarian_who_gives_their_birth_date_is_accepted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let mut elder = application("120314-10-5127");
    elder["birth_date"] = json!("1912-03-14");
    assert_eq!(app.post_json(&elder).await.status(), 201);
    let stored = app.store().all_applications().await.expect("read");
    assert_eq!(stored[0].birth_date.to_string(), "1912-03-14");
    app.stop().await;
}
