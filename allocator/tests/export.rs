//! Staff exports open safely in a spreadsheet and agree with the allocation.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use allocator::export::{ExportOptions, write_exports};
use allocator::run::{RunOptions, run};
use common::{campaign_with_centres, direct_row, with_applications};
use store::ApplicationRow;
use store::testing::Backend;
use time::macros::datetime;

/// Names a spreadsheet could misread, or that test the quoting.
const HOSTILE: [&str; 10] = [
    "=HYPERLINK(\"http://x.example\",\"click\")",
    "+60123",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTab Leading",
    "\rCarriage",
    "Tan, \"Ah Kow\"",
    "Line\nBreak",
    "\u{200f}محمد علي",
    "Siti 😀 Nurhaliza",
];

/// Sample data with two small centres, and hostile names stored directly.
async fn allocated(backend: Backend) -> Option<(store::testing::TestDatabase, tempfile::TempDir, campaign::Catalogue)> {
    let dir = campaign_with_centres(
        "SGR-0001,Selangor,Petaling,Dewan A,\"1, Jalan A\",3,Sat;Sun\n\
         KDH-0001,Kedah,Kulim,Dewan B,\"2, Jalan B\",2,Fri;Sat\n",
    );
    let (db, catalogue) = with_applications(backend, dir.path(), 150, 12, 1000).await?;
    let hostile: Vec<ApplicationRow> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut row = direct_row(&catalogue, i, ["2028-01-10", "any", "any"]);
            row.full_name = (*name).to_owned();
            row
        })
        .collect();
    db.store.insert_batch(&hostile).await.expect("stored");
    let options =
        RunOptions { seed: "export".into(), replace: false, force: false, now: datetime!(2028-01-02 00:00 UTC) };
    run(&db.store, &catalogue, dir.path(), &options).await.expect("run");
    Some((db, dir, catalogue))
}

fn read_csv(path: &Path) -> (Vec<u8>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|_| panic!("{} exists", path.display()));
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body);
    let rows = reader.records().map(|r| r.expect("valid csv").iter().map(str::to_owned).collect()).collect();
    (bytes, rows)
}

store::on_both_backends!(exports_round_trip_and_agree_everywhere);

async fn exports_round_trip_and_agree_everywhere(backend: Backend) {
    let Some((db, _data, catalogue)) = allocated(backend).await else { return };
    let run_record = db.store.current_run().await.expect("read").expect("run");
    let applications = db.store.all_applications().await.expect("read");
    let allocations = db.store.all_allocations().await.expect("read");
    let out = tempfile::tempdir().expect("temp dir");
    let now = datetime!(2028-01-03 08:00 UTC);
    let files =
        write_exports(&catalogue, &run_record, &applications, &allocations, &ExportOptions::default(), out.path(), now)
            .expect("export");
    assert_eq!(files.len(), 2 * 3 + 1, "day list, waitlist and workbook per centre, and the summary");

    let by_ref: HashMap<&str, &store::AllocationRow> = allocations.iter().map(|a| (a.reference.as_str(), a)).collect();
    let names: HashMap<&str, &str> =
        applications.iter().map(|a| (a.reference.as_str(), a.full_name.as_str())).collect();
    let mut listed = HashSet::new();
    for (folder, centre) in [("sgr", "SGR-0001"), ("kdh", "KDH-0001")] {
        let (bytes, rows) = read_csv(&out.path().join(format!("{folder}/{centre}.csv")));
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "a byte-order mark for Excel");
        assert!(bytes.windows(2).filter(|w| w == b"\r\n").count() >= rows.len(), "CRLF line ends");
        assert_eq!(rows[0], allocator::export::DAY_LIST_COLUMNS);
        let mut previous = (String::new(), String::new());
        for row in &rows[1..] {
            let allocation = by_ref[row[2].as_str()];
            let slot = allocation.appointment.as_ref().expect("only appointments in the day list");
            assert_eq!(allocation.centre_id, centre);
            assert_eq!(row[0], campaign::dates::format_date(slot.date));
            assert_eq!(
                row[1],
                format!(
                    "{}-{}",
                    campaign::dates::format_time(slot.window.start),
                    campaign::dates::format_time(slot.window.end)
                )
            );
            assert!((row[0].clone(), row[1].clone()) >= previous, "sorted by date and window");
            previous = (row[0].clone(), row[1].clone());
            let stored = names[row[2].as_str()];
            // A signed plain number (`+60123`) runs nothing and stays as it is.
            let plain_number = stored.len() > 1 && stored.bytes().skip(1).all(|b| b.is_ascii_digit());
            let expected = match stored.chars().next() {
                Some('+' | '-') if plain_number => stored.to_owned(),
                Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{stored}"),
                _ => stored.to_owned(),
            };
            assert_eq!(row[3], expected, "names survive as text, never as formulas");
            if row[4] == "mykad" {
                assert!(row[5].len() == 14 && row[5].chars().nth(6) == Some('-'), "MyKad as printed: {}", row[5]);
            }
            assert!(row[8].starts_with('0') && row[8].contains('-'), "phone keeps its leading zero: {}", row[8]);
            assert_eq!(row[10], "1", "given by the first run");
            assert_eq!(row[11], "", "an empty attended column");
            listed.insert(row[2].clone());
        }
        let (_, waitlist) = read_csv(&out.path().join(format!("{folder}/{centre}-waitlist.csv")));
        let positions: Vec<u64> = waitlist[1..].iter().map(|r| r[0].parse().expect("position")).collect();
        assert_eq!(positions, (1..=positions.len() as u64).collect::<Vec<_>>());
        for row in &waitlist[1..] {
            assert!(by_ref[row[1].as_str()].appointment.is_none());
            listed.insert(row[1].clone());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.path().join(format!("{folder}/{centre}.csv")))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "personal data: owner only");
        }
    }
    assert_eq!(listed.len(), allocations.len(), "everyone is on exactly one list");
    let hostile_listed = HOSTILE.iter().filter(|n| applications.iter().any(|a| a.full_name == **n)).count();
    assert_eq!(hostile_listed, HOSTILE.len());

    // The summary agrees with the lists and with the run.
    let (_, summary) = read_csv(&out.path().join("summary.csv"));
    assert_eq!(summary[0], allocator::export::SUMMARY_COLUMNS);
    let mut allocated_total = 0;
    for centre in ["SGR-0001", "KDH-0001"] {
        let days: Vec<&Vec<String>> = summary[1..].iter().filter(|r| r[0] == centre && r[2] != "total").collect();
        let total = summary[1..].iter().find(|r| r[0] == centre && r[2] == "total").expect("a total row");
        let day_sum: u64 = days.iter().map(|r| r[4].parse::<u64>().expect("n")).sum();
        assert_eq!(day_sum.to_string(), total[4]);
        for r in &days {
            let (cap, alloc, rem): (u64, u64, u64) =
                (r[3].parse().expect("n"), r[4].parse().expect("n"), r[5].parse().expect("n"));
            assert_eq!(cap, alloc + rem);
        }
        let folder = if centre == "SGR-0001" { "sgr" } else { "kdh" };
        let (_, list) = read_csv(&out.path().join(format!("{folder}/{centre}.csv")));
        assert_eq!(total[4], (list.len() - 1).to_string());
        let (_, waitlist) = read_csv(&out.path().join(format!("{folder}/{centre}-waitlist.csv")));
        assert_eq!(total[6], (waitlist.len() - 1).to_string());
        allocated_total += day_sum;
    }
    assert_eq!(allocated_total, run_record.allocated);

    // The manifest verifies every file.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["run_id"], run_record.run_id.as_str());
    assert_eq!(manifest["exported_at"], "2028-01-03T08:00:00Z");
    for file in manifest["files"].as_array().expect("files") {
        let path = out.path().join(file["path"].as_str().expect("path"));
        let bytes = std::fs::read(&path).expect("listed file exists");
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(&bytes));
        assert_eq!(file["sha256"], digest.as_str());
        if path.extension().is_some_and(|e| e == "csv") {
            assert_eq!(file["rows"], read_csv(&path).1.len() - 1);
        }
    }

    // The printed copy: one sheet per open day and the waiting list, every cell text.
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut workbook: Xlsx<_> = open_workbook(out.path().join("sgr/SGR-0001.xlsx")).expect("a valid workbook");
    let sheets = workbook.sheet_names();
    let open_days = catalogue
        .campaign()
        .days()
        .filter(|d| catalogue.is_open(catalogue.centre("SGR-0001").expect("centre"), *d))
        .filter(|d| {
            allocations
                .iter()
                .any(|a| a.centre_id == "SGR-0001" && a.appointment.as_ref().is_some_and(|s| s.date == *d))
        })
        .count();
    assert_eq!(sheets.len(), open_days + 1);
    assert_eq!(
        sheets.last().map(String::as_str),
        Some("Waiting list"),
        "headings in the chosen language (English here)"
    );
    let mut seen_in_workbook = HashSet::new();
    for sheet in &sheets {
        let range = workbook.worksheet_range(sheet).expect("sheet");
        for row in range.rows().skip(2) {
            for cell in row {
                assert!(matches!(cell, Data::String(_) | Data::Empty), "{sheet}: a non-text cell {cell:?}");
            }
            if let Data::String(r) = &row[1] {
                seen_in_workbook.insert(r.clone());
                assert_eq!(row[2], Data::String(names[r.as_str()].to_owned()), "names exactly as stored, as text");
            }
        }
    }
    let sgr_people = allocations.iter().filter(|a| a.centre_id == "SGR-0001").count();
    assert_eq!(seen_in_workbook.len(), sgr_people, "everyone at the centre is in its workbook");

    // The same allocation exports to the same bytes; --no-bom drops only the mark.
    let again = tempfile::tempdir().expect("temp dir");
    write_exports(&catalogue, &run_record, &applications, &allocations, &ExportOptions::default(), again.path(), now)
        .expect("again");
    let plain = tempfile::tempdir().expect("temp dir");
    let no_bom = ExportOptions { no_bom: true, ..ExportOptions::default() };
    write_exports(&catalogue, &run_record, &applications, &allocations, &no_bom, plain.path(), now).expect("no bom");
    for file in &files {
        let first = std::fs::read(out.path().join(&file.path)).expect("file");
        assert_eq!(first, std::fs::read(again.path().join(&file.path)).expect("file"), "{}", file.path);
        let without_bom = std::fs::read(plain.path().join(&file.path)).expect("file");
        if file.path.ends_with(".csv") {
            assert_eq!(first[3..], without_bom[..], "{}", file.path);
        } else {
            assert_eq!(first, without_bom, "{}: the workbook has no byte-order mark to drop", file.path);
        }
    }
}

#[tokio::test]
async fn exports_can_be_limited_to_centres_or_states() {
    let (db, _data, catalogue) = allocated(Backend::Sqlite).await.expect("sqlite runs");
    let run_record = db.store.current_run().await.expect("read").expect("run");
    let applications = db.store.all_applications().await.expect("read");
    let allocations = db.store.all_allocations().await.expect("read");
    let out = tempfile::tempdir().expect("temp dir");
    let options = ExportOptions { states: vec![campaign::State::Kedah], ..ExportOptions::default() };
    let now = datetime!(2028-01-03 08:00 UTC);
    let files =
        write_exports(&catalogue, &run_record, &applications, &allocations, &options, out.path(), now).expect("export");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["kdh/KDH-0001.csv", "kdh/KDH-0001-waitlist.csv", "kdh/KDH-0001.xlsx", "summary.csv"]);
}
