//! The result page without JavaScript offers the same calendar file as the
//! page's script, embedded in the page: no address carries the reference or
//! the birth date.

use percent_encoding::percent_decode_str;
use result_files::write::PublishOptions;
use result_files::{ResultRecord, Secret, Status};
use store::testing::Backend;
use time::macros::date;

use crate::helpers::{OPEN, TestApp};

fn published(status: Status) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let record = match status {
        Status::Allocated => ResultRecord::allocated("SGR-0001", "2028-01-10", "09:00-10:00", "week1"),
        Status::Waitlisted => ResultRecord::waitlisted("SGR-0001", 7),
    };
    let results = vec![(Secret::new("ABCDE-23456", date!(1960 - 03 - 15)).expect("valid"), record)];
    let options = PublishOptions {
        iterations: 1_000,
        run_id: "run".into(),
        trial: false,
        published_at: "2028-01-02T00:00:00Z".into(),
    };
    result_files::publish(&results, &options, out.path()).expect("published");
    out
}

async fn look_up(app: &TestApp) -> String {
    let form = [("lang", "ms"), ("reference", "abcde23456"), ("birth_date", "1960-03-15")];
    let response = app.client.post(format!("{}/api/v1/results", app.url)).form(&form).send().await.expect("sent");
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

#[tokio::test]
async fn an_appointment_comes_with_its_calendar_file_in_the_page() {
    let dir = published(Status::Allocated);
    let app = TestApp::spawn(Backend::Sqlite, OPEN, &["--results", dir.path().to_str().expect("utf-8")])
        .await
        .expect("sqlite");
    let page = look_up(&app).await;
    let href = page.split("id=\"calendar\"").nth(1).and_then(|rest| rest.split("href=\"").nth(1)).expect("a link");
    let href = &href[..href.find('"').expect("quoted")];
    assert!(page.contains("download=\"vaccination-ABCDE-23456.ics\""), "{page}");
    let ics = href.strip_prefix("data:text/calendar;charset=utf-8,").expect("a data: URL");
    let ics = percent_decode_str(ics).decode_utf8().expect("UTF-8").into_owned();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
    // 09:00-10:00 in Malaysia (UTC+8).
    assert!(ics.contains("DTSTART:20280110T010000Z\r\nDTEND:20280110T020000Z\r\n"), "{ics}");
    assert!(ics.contains("UID:ABCDE-23456@127.0.0.1\r\n"), "{ics}");
    assert!(ics.contains("PRODID:-//Temujanji//Result//MS"), "{ics}");
    assert!(ics.contains("SUMMARY:Temu janji vaksinasi: SGR-0001 "), "{ics}");
    assert!(ics.contains("DESCRIPTION:") && ics.contains("ABCDE-23456"), "{ics}");
    app.stop().await;
}

#[tokio::test]
async fn a_place_on_the_waiting_list_has_no_calendar_file() {
    let dir = published(Status::Waitlisted);
    let app = TestApp::spawn(Backend::Sqlite, OPEN, &["--results", dir.path().to_str().expect("utf-8")])
        .await
        .expect("sqlite");
    let page = look_up(&app).await;
    assert!(!page.contains("text/calendar") && !page.contains("id=\"calendar\""), "{page}");
    app.stop().await;
}
