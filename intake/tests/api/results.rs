//! "Check my result" without JavaScript: intake opens the published files
//! the same way the page does and answers a page in the person's language.

use campaign::{Lang, Messages};
use result_files::{ResultRecord, Secret};
use time::macros::date;

use crate::helpers::{TestApp, published};

const ALLOCATED: &str = "ABCDE-23456";
const WAITLISTED: &str = "WXYZ2-34567";

/// A publication of two results, in a temporary folder.
fn two_results() -> tempfile::TempDir {
    published(&[
        (
            Secret::new(ALLOCATED, date!(1960 - 03 - 15)).expect("valid"),
            ResultRecord::allocated("SGR-0001", "2028-01-10", "09:00-10:00", "week1"),
        ),
        (Secret::new(WAITLISTED, date!(1990 - 12 - 01)).expect("valid"), ResultRecord::waitlisted("SGR-0001", 42)),
    ])
}

async fn post(app: &TestApp, query: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = app.post_form_to(&format!("{}/api/v1/results{query}", app.url), form).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

#[tokio::test]
async fn a_result_is_shown_with_reference_and_birth_date_and_not_found_with_a_wrong_one() {
    let dir = two_results();
    let app = TestApp::serving_results(dir.path()).await;
    let centre = intake::load_catalogue(&crate::helpers::data_dir())
        .expect("data")
        .centre("SGR-0001")
        .expect("a centre")
        .name
        .clone();

    let (status, page) =
        post(&app, "", &[("lang", "en"), ("reference", "abcde 23456"), ("birth_date", "1960-03-15")]).await;
    assert_eq!(status, 200, "{page}");
    let en = Messages::of(Lang::En);
    assert!(page.contains(en.text("result.allocated_title")), "{page}");
    assert!(page.contains("Monday, 10 January 2028") && page.contains("09:00-10:00"), "{page}");
    assert!(page.contains(&askama_escaped(&centre)), "the centre's name from the catalogue: {page}");
    assert!(page.contains(en.text("result.bring_title")), "{page}");

    let ms = Messages::of(Lang::Ms);
    let (status, page) =
        post(&app, "?lang=ms", &[("lang", "ms"), ("reference", WAITLISTED), ("birth_date", "1990-12-01")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("lang=\"ms\"") && page.contains(ms.text("result.waitlisted_title")), "{page}");
    assert!(page.contains(&ms.render("result.waitlisted_body", &[("position", "42")])), "{page}");

    let (wrong_birth, wrong_birth_page) =
        post(&app, "", &[("lang", "en"), ("reference", ALLOCATED), ("birth_date", "1960-03-16")]).await;
    let (wrong_reference, wrong_reference_page) =
        post(&app, "", &[("lang", "en"), ("reference", "ABCDE-23457"), ("birth_date", "1960-03-15")]).await;
    assert_eq!((wrong_birth, wrong_reference), (404, 404));
    assert!(wrong_birth_page.contains(en.text("result.not_found_title")), "{wrong_birth_page}");
    assert_eq!(wrong_birth_page, wrong_reference_page, "a wrong birth date and a wrong reference read the same");
}

#[tokio::test]
async fn bad_input_names_each_field_in_the_persons_language_and_is_never_a_server_error() {
    let dir = two_results();
    let app = TestApp::serving_results(dir.path()).await;
    let ms = Messages::of(Lang::Ms);
    let (status, page) =
        post(&app, "", &[("lang", "ms"), ("reference", "ABCDE-2345O"), ("birth_date", "15/03/1960")]).await;
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains(ms.text("result.reference_error")) && page.contains(ms.text("result.birth_date_error")),
        "{page}"
    );
    let (status, page) = post(&app, "", &[("reference", ALLOCATED), ("birth_date", "1960-02-30")]).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains(Messages::of(Lang::En).text("result.birth_date_error")), "{page}");
    assert!(!page.contains(Messages::of(Lang::En).text("result.reference_error")), "only the wrong field: {page}");
    for form in [
        vec![],
        vec![("reference", "../../etc/passwd"), ("birth_date", "1960-03-15")],
        vec![("x", &"y".repeat(5000)[..])],
    ] {
        let (status, page) = post(&app, "", &form).await;
        assert!((400..500).contains(&status), "{status}: {page}");
    }
}

#[tokio::test]
async fn before_results_are_published_the_page_says_so() {
    let empty = tempfile::tempdir().expect("temp dir");
    let app = TestApp::serving_results(empty.path()).await;
    let (status, page) = post(&app, "", &[("reference", ALLOCATED), ("birth_date", "1960-03-15")]).await;
    assert_eq!(status, 404, "{page}");
    assert!(page.contains("Results are not published yet"), "{page}");
}

/// Text as askama writes it into HTML.
fn askama_escaped(text: &str) -> String {
    text.replace('&', "&#38;").replace('\'', "&#39;").replace('"', "&#34;").replace('<', "&#60;").replace('>', "&#62;")
}
