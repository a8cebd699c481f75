//! The result page without JavaScript offers the same calendar file as the
//! page's script, embedded in the page: no address carries the reference or
//! the birth date.

use percent_encoding::percent_decode_str;
use result_files::{ResultRecord, Secret, Status};
use time::macros::date;

use crate::helpers::{TestApp, published};

/// The Malay result page of a person whose result has `status`.
async fn result_page(status: Status) -> String {
    let record = match status {
        Status::Allocated => ResultRecord::allocated("SGR-0001", "2028-01-10", "09:00-10:00", "week1"),
        Status::Waitlisted => ResultRecord::waitlisted("SGR-0001", 7),
    };
    let dir = published(&[(Secret::new("ABCDE-23456", date!(1960 - 03 - 15)).expect("valid"), record)]);
    let app = TestApp::serving_results(dir.path()).await;
    let form = [("lang", "ms"), ("reference", "abcde23456"), ("birth_date", "1960-03-15")];
    let response = app.post_form_to(&format!("{}/api/v1/results", app.url), &form).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("text");
    app.stop().await;
    page
}

#[tokio::test]
async fn an_appointment_comes_with_its_calendar_file_in_the_page() {
    let page = result_page(Status::Allocated).await;
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
}

#[tokio::test]
async fn a_place_on_the_waiting_list_has_no_calendar_file() {
    let page = result_page(Status::Waitlisted).await;
    assert!(!page.contains("text/calendar") && !page.contains("id=\"calendar\""), "{page}");
}
