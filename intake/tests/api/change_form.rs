//! Changing and withdrawing from the plain HTML form, which cannot put the
//! reference in the path: `POST /api/v1/applications/change` and
//! `.../withdraw` take it from the body and answer as the path form does.
//! And every answer that may lead someone to correct an application links
//! to the change page in their language.

use campaign::{Lang, Messages};
use serde_json::Value;
use store::on_both_backends;
use store::testing::Backend;

use crate::helpers::{OPEN, TestApp, application, as_pairs, form, with_field, without};

on_both_backends!(
    a_plain_form_changes_and_withdraws_with_the_reference_in_the_body,
    the_fixed_address_refuses_a_wrong_or_missing_reference_as_the_path_does,
);

async fn post_form(app: &TestApp, path: &str, fields: &[(&'static str, String)]) -> (u16, String) {
    let url = format!("{}/api/v1/applications/{path}", app.url);
    let response = app.post_form_to(&url, &as_pairs(fields)).await;
    (response.status().as_u16(), response.text().await.expect("text"))
}

async fn a_plain_form_changes_and_withdraws_with_the_reference_in_the_body(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-6001").await;
    let ms = Messages::of(Lang::Ms);
    let mut fields = with_field(form("600101-14-6001", "ms"), "centre", "SGR-0002");
    // As a person types it: lower case, a space for the dash.
    fields.push(("reference", reference.replace('-', " ").to_lowercase()));
    let (status, page) = post_form(&app, "change", &fields).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("lang=\"ms\"") && page.contains(ms.text("intake.changed_title")), "{page}");
    assert!(page.contains(&reference), "the page names the application: {page}");
    let stored = app.store().all_applications().await.expect("read");
    assert_eq!((stored.len(), stored[0].centre_id.as_str()), (1, "SGR-0002"));

    let (status, page) = post_form(&app, "change", &fields).await;
    assert_eq!(status, 200, "a retry is as safe as the first try: {page}");
    assert!(page.contains(ms.text("intake.unchanged_title")), "{page}");

    let withdrawal = [("reference", reference.clone()), ("id_number", "600101146001".into()), ("lang", "ms".into())];
    let (status, page) = post_form(&app, "withdraw", &withdrawal).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(ms.text("intake.withdrawn_title")), "{page}");
    assert_eq!(app.store().count_applications().await.expect("count"), 0, "withdrawn");
    let history = app.store().history_counts().await.expect("history");
    assert_eq!((history.changes, history.withdrawals), (1, 1));
    app.stop().await;
}

async fn the_fixed_address_refuses_a_wrong_or_missing_reference_as_the_path_does(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let reference = app.apply("600101-14-6002").await;
    let unknown = format!("{}/{}", app.endpoint(), "22222-22222");
    let by_path = app.post_form_to(&unknown, &as_pairs(&form("600101-14-6002", "en"))).await;
    assert_eq!(by_path.status(), 404);
    let by_path = by_path.text().await.expect("text");
    let en = Messages::of(Lang::En);
    for typed in ["22222-22222", "", "not a reference"] {
        let mut fields = form("600101-14-6002", "en");
        fields.push(("reference", typed.into()));
        let (status, page) = post_form(&app, "change", &fields).await;
        assert_eq!((status, &page), (404, &by_path), "{typed:?}: the same answer as the path form");
        assert!(page.contains(en.text("intake.error.not_found_title")), "{page}");
        assert!(page.contains("href=\"/en/change/\""), "back to the change page: {page}");
    }
    // Someone else's identity number on a real reference.
    let stranger = [("reference", reference), ("id_number", "700101146002".into())];
    let (status, page) = post_form(&app, "withdraw", &stranger).await;
    assert_eq!(status, 404, "{page}");
    // Invalid fields are named, as for a new application.
    let fields = without(form("600101-14-6002", "en"), &["centre"]);
    let (status, page) = post_form(&app, "change", &fields).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains(en.text("error.centre_missing")), "{page}");
    assert_eq!(app.store().count_applications().await.expect("count"), 1, "untouched");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_already_applied_and_the_success_answers_link_to_the_change_page_in_the_persons_language() {
    let app = TestApp::on_sqlite(&["--form-url", "https://daftar.example.my/{lang}/"]).await;
    let ms = Messages::of(Lang::Ms);
    let first = app.post_form(&as_pairs(&form("600101-14-6003", "ms"))).await;
    assert_eq!(first.status(), 201);
    let page = first.text().await.expect("text");
    assert!(page.contains("href=\"https://daftar.example.my/ms/change/\""), "{page}");
    assert!(page.contains(ms.text("common.change_link")), "{page}");

    let other = with_field(form("600101-14-6003", "ms"), "phone", "013-999 8888");
    let taken = app.post_form(&as_pairs(&other)).await;
    assert_eq!(taken.status(), 409);
    let page = taken.text().await.expect("text");
    assert!(page.contains("href=\"https://daftar.example.my/ms/change/\""), "{page}");
    assert!(!page.contains("tidak boleh diubah"), "no longer 'cannot be changed online': {page}");

    let mut json = application("600101-14-6003");
    json["phone"] = "013-999 8888".into();
    let taken = app.post_json(&json).await;
    assert_eq!(taken.status(), 409);
    let body: Value = taken.json().await.expect("json");
    assert_eq!(body["error"]["change_url"], "https://daftar.example.my/en/change/");
    assert_eq!(body["error"]["change_text"], Messages::of(Lang::En).text("common.change_link"));
    app.stop().await;
}
