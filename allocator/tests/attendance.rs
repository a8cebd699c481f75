//! `allocator attendance` on both backends: the real export, filled in as a
//! centre would (CSV and workbook), read back; and every way a returned file
//! is refused whole, with each problem's file, line and field.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use allocator::attendance::{FileImport, import_files};
use allocator::export::ExportOptions;
use allocator::run::{RunOptions, run};
use allocator::staff_changes::{Exported, export_and_record};
use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{data, text, with_applications};
use rust_xlsxwriter::{Formula, Workbook};
use store::testing::{Backend, TestDatabase};
use store::{AttendanceImport, Store};
use time::OffsetDateTime;
use time::macros::datetime;

/// After registration closes, before the campaign.
const CLOSED: OffsetDateTime = datetime!(2028-01-01 09:00 +08:00);
/// After the campaign, when the lists come back.
const RETURNED: OffsetDateTime = datetime!(2028-02-01 09:00 +08:00);
/// The `attended` column of a day list.
const ATTENDED: usize = 11;

/// An allocation of the sample campaign, and the export of its two busiest
/// centres: (database, export folder, busiest centre's CSV, the other's CSV).
async fn exported(backend: Backend) -> Option<(TestDatabase, tempfile::TempDir, String, String)> {
    let (db, catalogue) = with_applications(backend, &data(), 1500, 3, 1000).await?;
    run(
        &db.store,
        &catalogue,
        &data(),
        &RunOptions { seed: "attend".into(), replace: false, force: false, now: CLOSED },
    )
    .await
    .expect("run");
    let allocations = db.store.all_allocations().await.expect("read");
    let mut booked: HashMap<&str, usize> = HashMap::new();
    for a in allocations.iter().filter(|a| a.appointment.is_some()) {
        *booked.entry(a.centre_id.as_str()).or_default() += 1;
    }
    let mut busiest: Vec<(&str, usize)> = booked.into_iter().collect();
    busiest.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), *id));
    let centres: Vec<String> = busiest.iter().take(2).map(|(id, _)| (*id).to_owned()).collect();
    let out = tempfile::tempdir().expect("temp dir");
    let run_record = db.store.current_run().await.expect("read").expect("a run");
    let applications = db.store.all_applications().await.expect("read");
    let options = ExportOptions { centres: centres.clone(), ..ExportOptions::default() };
    let stored = Exported { run: &run_record, applications: &applications, allocations: &allocations };
    let files =
        export_and_record(&db.store, &catalogue, &stored, options, out.path(), CLOSED).await.expect("export").files;
    let csv_of = |centre: &str| {
        files.iter().map(|f| f.path.clone()).find(|p| p.ends_with(&format!("/{centre}.csv"))).expect("a day list")
    };
    let (first, second) = (csv_of(&centres[0]), csv_of(&centres[1]));
    Some((db, out, first, second))
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).expect("exported");
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body);
    reader.records().map(|r| r.expect("csv").iter().map(str::to_owned).collect()).collect()
}

/// Writes `rows` as a spreadsheet saves a CSV: CRLF, no byte-order mark.
fn write_csv(path: &Path, rows: &[Vec<String>]) {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_path(path).expect("create");
    for row in rows {
        writer.write_record(row).expect("write");
    }
    writer.flush().expect("flush");
}

/// Fills in a CSV day list: row i (from 0) gets `answers[i % answers.len()]`.
fn fill_csv(path: &Path, answers: &[&str]) -> Vec<Vec<String>> {
    let mut rows = read_csv(path);
    for (i, row) in rows.iter_mut().skip(1).enumerate() {
        row[ATTENDED] = answers[i % answers.len()].to_owned();
    }
    write_csv(path, &rows);
    rows
}

/// A copy of the export folder, to spoil one file of without touching the original.
fn copy_export(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().expect("temp dir");
    for entry in walk(from) {
        let target = to.path().join(entry.strip_prefix(from).expect("inside"));
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("mkdir");
        std::fs::copy(&entry, &target).expect("copy");
    }
    to
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

async fn import(store: &Store, file: &Path) -> FileImport {
    import_files(store, &[file.to_owned()], None, RETURNED).await.expect("the store answers").remove(0)
}

/// The counts of an accepted file; panics with its problems otherwise.
fn stored(import: FileImport) -> AttendanceImport {
    match import.outcome {
        Ok((_, done)) => done,
        Err(problems) => panic!("refused: {problems:#?}"),
    }
}

/// The problems of a refused file, one line each as the operator reads them.
fn refused(import: FileImport) -> Vec<String> {
    match import.outcome {
        Ok(done) => panic!("{} was accepted: {done:?}", import.name),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

store::on_both_backends!(filled_in_lists_are_stored_once_and_spoiled_ones_refused_whole);

async fn filled_in_lists_are_stored_once_and_spoiled_ones_refused_whole(backend: Backend) {
    let Some((db, out, first, second)) = exported(backend).await else { return };
    let run_id = db.store.current_run().await.expect("read").expect("run").run_id;

    // The CSV as a centre fills it in: both languages, any case, spaces, some left empty.
    let csv = out.path().join(&first);
    let rows = fill_csv(&csv, &["y", " TIDAK ", "", "Ya", "n"]);
    let known = rows[1..].iter().filter(|r| !r[ATTENDED].trim().is_empty()).count() as u64;
    assert!(known >= 4, "a list long enough to matter: {} rows", rows.len() - 1);
    let done = stored(import(&db.store, &csv).await);
    assert_eq!(done, AttendanceImport { added: known, changed: 0, unchanged: 0 });
    let attendance = db.store.attendance().await.expect("read");
    assert_eq!(attendance.len() as u64, known);
    let came: HashMap<&str, bool> = attendance.iter().map(|a| (a.reference.as_str(), a.attended)).collect();
    for row in &rows[1..] {
        let expected = match row[ATTENDED].trim().to_lowercase().as_str() {
            "y" | "ya" => Some(true),
            "n" | "tidak" => Some(false),
            _ => None,
        };
        assert_eq!(came.get(row[2].as_str()).copied(), expected, "{row:?}");
    }
    // The same file again changes nothing.
    assert_eq!(stored(import(&db.store, &csv).await), AttendanceImport { added: 0, changed: 0, unchanged: known });

    // The workbook, filled in by a spreadsheet: the first row's answer corrected.
    let workbook = out.path().join(first.replace(".csv", ".xlsx"));
    let first_reference = rows[1][2].clone();
    rewrite_workbook(&workbook, |reference, _| Cell::Text(if reference == first_reference { "n" } else { "" }.into()));
    let done = stored(import(&db.store, &workbook).await);
    assert_eq!(done, AttendanceImport { added: 0, changed: 1, unchanged: 0 });
    let now = db.store.attendance().await.expect("read");
    assert_eq!(now.iter().find(|a| a.reference == first_reference).map(|a| a.attended), Some(false));
    assert_eq!(now.len(), attendance.len(), "an empty cell leaves what is stored");

    // Every spoiled file below is refused whole and stores nothing.
    let before = db.store.attendance().await.expect("read");

    // A manifest of another run.
    let other = copy_export(out.path());
    let manifest = other.path().join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest").replace(&run_id, "another-run");
    std::fs::write(&manifest, text).expect("write");
    let problems = refused(import(&db.store, &other.path().join(&first)).await);
    assert!(problems.iter().any(|p| p.contains("not of the stored run")), "{problems:#?}");

    // The right run's manifest, altered: not one the export recorded.
    let altered = copy_export(out.path());
    let manifest = altered.path().join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest").replacen("\"rows\": ", "\"rows\":  ", 1);
    std::fs::write(&manifest, text).expect("write");
    let problems = refused(import(&db.store, &altered.path().join(&first)).await);
    assert!(problems.iter().any(|p| p.contains("is not that of any export of run")), "{problems:#?}");

    // The other centre's rows under this centre's name: every row named.
    let swapped = copy_export(out.path());
    std::fs::copy(out.path().join(&second), swapped.path().join(&first)).expect("copy");
    let problems = refused(import(&db.store, &swapped.path().join(&first)).await);
    let centre = Path::new(&first).file_stem().and_then(|s| s.to_str()).expect("name");
    let their_rows = read_csv(&out.path().join(&second)).len() - 1;
    let misplaced = problems.iter().filter(|p| p.contains(": reference: ") && p.contains(&format!(", not {centre}")));
    assert_eq!(misplaced.count(), their_rows, "{problems:#?}");
    assert!(problems.iter().any(|p| p.contains("not the") && p.contains("list exported")), "{problems:#?}");
    assert!(problems.iter().all(|p| p.starts_with(&swapped.path().join(&first).display().to_string())));

    // Values that are not answers, a formula among them: each with its line and field.
    let bad = copy_export(out.path());
    let path = bad.path().join(&first);
    let mut rows = read_csv(&path);
    rows[1][ATTENDED] = "maybe".into();
    rows[2][ATTENDED] = "=HYPERLINK(\"http://x.example\",\"y\")".into();
    rows[3][ATTENDED] = "y".into();
    write_csv(&path, &rows);
    let problems = refused(import(&db.store, &path).await);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].ends_with(": line 2: attended: \"maybe\" is not y, n, ya or tidak (leave it empty when not known)")
    );
    assert!(problems[1].contains(": line 3: attended: \"=HYPERLINK("), "{problems:#?}");

    // A workbook cell holding a formula, whatever its last value showed.
    let formula = copy_export(out.path());
    let path = formula.path().join(first.replace(".csv", ".xlsx"));
    rewrite_workbook(&path, |reference, _| {
        if reference == first_reference {
            Cell::Formula("=HYPERLINK(\"http://x.example\",\"y\")")
        } else {
            Cell::Text("y".into())
        }
    });
    let problems = refused(import(&db.store, &path).await);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains(" row 3: attended: a formula is not accepted"), "{problems:#?}");

    assert_eq!(db.store.attendance().await.expect("read"), before, "a refused file stores nothing");
}

enum Cell {
    Text(String),
    Formula(&'static str),
}

/// Saves the workbook as a spreadsheet would after the staff filled in the
/// `attended` column: every sheet and cell copied, the last column of each
/// appointment row set by `answer(reference, row)`.
fn rewrite_workbook(path: &Path, answer: impl Fn(&str, u32) -> Cell) {
    let mut exported: Xlsx<_> = open_workbook(path).expect("exported workbook");
    let mut filled = Workbook::new();
    for name in exported.sheet_names() {
        let range = exported.worksheet_range(&name).expect("sheet");
        let sheet = filled.add_worksheet();
        sheet.set_name(&name).expect("name");
        let last_col = range.end().map_or(0, |(_, c)| c);
        for (r, row) in range.rows().enumerate() {
            let r = r as u32;
            for (c, cell) in row.iter().enumerate() {
                if let Data::String(text) = cell {
                    sheet.write_string(r, c as u16, text).expect("write");
                }
            }
            let is_day_row = r >= 2 && !name.starts_with("Waiting") && !name.starts_with("Senarai");
            if let (true, Some(Data::String(reference))) = (is_day_row, row.get(1)) {
                match answer(reference, r) {
                    Cell::Text(text) => sheet.write_string(r, last_col as u16, text).map(drop),
                    Cell::Formula(f) => {
                        sheet.write_formula(r, last_col as u16, Formula::new(f).set_result("y")).map(drop)
                    }
                }
                .expect("write");
            }
        }
    }
    filled.save(path).expect("save");
}

/// The command as an operator runs it: the counts, then a refusal's exit code and lines.
#[tokio::test]
async fn the_command_says_what_it_recorded_and_lists_every_problem() {
    let Some((db, out, first, _)) = exported(Backend::Sqlite).await else { return };
    let csv = out.path().join(&first);
    let rows = fill_csv(&csv, &["y", "tidak", "Ya"]);
    let allocator =
        |command: &str, args: &[&std::ffi::OsStr]| common::allocator(&db, command).args(args).output().expect("runs");
    let attendance =
        |files: &[&Path]| allocator("attendance", &files.iter().map(|f| f.as_os_str()).collect::<Vec<_>>());
    let first_time = attendance(&[&csv]);
    assert!(first_time.status.success(), "{}", text(&first_time.stderr));
    let n = rows.len() - 1;
    assert!(text(&first_time.stdout).contains(&format!(": {n} recorded ({n} new, 0 corrected), 0 unchanged")));
    let again = attendance(&[&csv]);
    assert!(text(&again.stdout).contains(&format!(": 0 recorded (0 new, 0 corrected), {n} unchanged")));

    // The report: the centre's every day reported, so its places wasted are
    // the free places not given plus the no-shows.
    let report = tempfile::tempdir().expect("temp dir");
    let said = allocator("report", &["--out".as_ref(), report.path().as_os_str()]);
    assert!(said.status.success(), "{}", text(&said.stderr));
    let stdout = text(&said.stdout);
    let came = rows[1..].iter().filter(|r| r[ATTENDED] != "tidak").count();
    assert!(stdout.contains(&format!("{came} came, {} did not, ", n - came)), "{stdout}");
    let centre = Path::new(&first).file_stem().and_then(|s| s.to_str()).expect("name");
    let mut days = csv::Reader::from_path(report.path().join("days.csv")).expect("days.csv");
    let mut checked = 0;
    for day in days.records().map(|r| r.expect("a row")).filter(|r| &r[0] == centre) {
        let figure = |i: usize| day[i].parse::<u64>().expect("a count");
        let (capacity, allocated, attended, no_show, unknown) = (figure(2), figure(3), figure(5), figure(6), figure(7));
        assert_eq!(unknown, 0, "every appointment of the centre reported: {day:?}");
        assert_eq!(attended + no_show, allocated, "{day:?}");
        if allocated > 0 {
            assert_eq!(
                figure(8),
                (capacity - allocated) + no_show,
                "wasted = free places not given + no-shows: {day:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.path().join("report.json")).expect("json")).expect("json");
    assert_eq!(json["after_first_run"]["totals"]["attended"], came);
    let page = std::fs::read_to_string(report.path().join("report.html")).expect("html");
    assert!(page.contains("After the first run") && page.contains(&format!("<th scope=\"row\">{centre}</th>")));

    let mut spoiled = rows.clone();
    spoiled[1][ATTENDED] = "x".into();
    spoiled[2][2] = "NOSUCH-REF00".into();
    write_csv(&csv, &spoiled);
    let refusal = attendance(&[&csv]);
    let stderr = text(&refusal.stderr);
    assert!(!refusal.status.success());
    assert!(stderr.contains(": line 2: attended: \"x\" is not"), "{stderr}");
    assert!(stderr.contains(": line 3: reference: NOSUCH-REF00 is not in run"), "{stderr}");
    assert!(stderr.contains("refused, nothing stored from it"), "{stderr}");
    assert!(stderr.contains("1 of 1 files refused"), "{stderr}");
}
