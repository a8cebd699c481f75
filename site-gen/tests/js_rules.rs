//! The browser's checks agree with the server's: the generated rules and
//! `templates/site/validate.js`, run under node, give the same field errors
//! and the same messages as `campaign`'s parser on a table of inputs.
//!
//! Skipped with a notice when node is not installed, unless
//! `TEMUJANJI_REQUIRE_NODE` is set (CI sets it), in which case it fails.

use std::path::Path;
use std::process::Command;

use campaign::{Application, Catalogue, Lang, RawApplication};
use serde_json::{Map, Value, json};

fn catalogue() -> Catalogue {
    site_gen::load_catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample data")
}

fn valid() -> RawApplication {
    RawApplication {
        id_type: "mykad".into(),
        id_number: "600315-08-1234".into(),
        birth_date: "1960-03-15".into(),
        birth_date_required: true,
        full_name: "Muthu a/l Rajan".into(),
        phone: "012-345 6789".into(),
        lang: "en".into(),
        centre: "SGR-0001".into(),
        weeks: vec!["any".into(), "any".into(), "any".into()],
        consent: true,
        ..RawApplication::default()
    }
}

/// Hand-picked edge cases, then every field set to each tricky value in turn.
fn cases() -> Vec<RawApplication> {
    let tricky: &[&str] = &[
        "",
        " ",
        "any",
        "ANY",
        "2028-01-10",
        "2028-01-15",
        "2028-01-26",
        "2028-02-30",
        "1960-03-15",
        "1960-03-16",
        "2010-01-11",
        "1900-01-01",
        "600315-08-1234",
        "600315081234",
        "000229-01-1234",
        "010229-01-1234",
        "901301-01-1234",
        "A1234567",
        "a12 345-67",
        "A12",
        "012-345 6789",
        "+60 12 345 6789",
        "60123456789",
        "03-1234 5678",
        "+65 9123 4567",
        "011-2345 6789",
        "Ahmad bin Ali @ Abu",
        "陈大文",
        "முத்து ராஜன்",
        "Ali 0123",
        "=SUM(A1)",
        "@ / -",
        "Lim\u{a0}Mei  Ling",
        "tab\there",
        "bell\u{7}",
        "siti@example.my",
        "siti@",
        "a@b..my",
        "SGR-0001",
        "sgr-0001",
        "XXX-9999",
        "passport",
        "mykad",
        "MyKad",
        "licence",
        "١٢٣",
        "Ｆｕｌｌ",
        "x".repeat(151).leak(),
        "陈".repeat(150).leak(),
        "\u{200f}Ali",
        "Ali\u{202e}Abu",
        "\u{200b}Ali",
        "\u{feff}Ali",
        "Ali\u{fffd}",
        "Ali \u{200d}Abu",
        "லக்\u{200c}ஷ்மி",
        "مُحمّد\u{200c}علي",
        "Ali\u{e000}",
        "=1+1@example.my",
        "-siti@example.my",
        ".siti@example.my",
        "si..ti@example.my",
        "siti@1.2.3.4",
        "siti@exa_mple.my",
        "sítí@example.my",
        "ali.abu+vaksin@mail.example.com.my",
        "=cmd|' /C calc'!A0@example.my",
        "120314-10-5127",
        "2012-03-14",
        "1912-03-14",
        "1912-03-15",
        "1975-08-08",
        "750808105432",
    ];
    let mut all = vec![valid(), RawApplication { birth_date_required: true, ..RawApplication::default() }];
    let fields: [fn(&mut RawApplication, &str); 12] = [
        |r, v| r.id_type = v.into(),
        |r, v| r.id_number = v.into(),
        |r, v| r.birth_date = v.into(),
        |r, v| r.full_name = v.into(),
        |r, v| r.phone = v.into(),
        |r, v| r.email = v.into(),
        |r, v| r.centre = v.into(),
        |r, v| r.weeks[0] = v.into(),
        |r, v| r.weeks[1] = v.into(),
        |r, v| r.weeks[2] = v.into(),
        |r, v| {
            r.id_type = "passport".into();
            r.birth_date = v.into();
        },
        |r, v| {
            r.id_type = "passport".into();
            r.id_number = v.into();
        },
    ];
    for set in fields {
        for value in tricky {
            let mut raw = valid();
            set(&mut raw, value);
            all.push(raw);
        }
    }
    let mut no_consent = valid();
    no_consent.consent = false;
    all.push(no_consent);
    all
}

fn as_json(raw: &RawApplication) -> Value {
    let mut fields = json!({
        "id_type": raw.id_type, "id_number": raw.id_number, "full_name": raw.full_name,
        "birth_date": raw.birth_date, "phone": raw.phone, "email": raw.email, "lang": raw.lang,
        "centre": raw.centre, "consent": raw.consent,
    });
    for (i, w) in raw.weeks.iter().enumerate() {
        fields[format!("week{}", i + 1)] = Value::String(w.clone());
    }
    fields
}

const RUNNER: &str = r#"
const fs = require("fs");
const V = require(process.argv[2]);
const input = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const centres = {};
for (const [id, open] of Object.entries(input.centres)) {
  centres[id] = (iso) => open.charAt(input.days.indexOf(iso)) === "1";
}
const out = input.cases.map((f) => {
  const errors = V.validate(f, input.rules, centres);
  const result = {};
  for (const [field, e] of Object.entries(errors)) result[field] = [e.key, V.message(e, input.rules)];
  return result;
});
process.stdout.write(JSON.stringify(out));
"#;

#[test]
fn browser_checks_agree_with_the_server_parser() {
    if Command::new("node").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("TEMUJANJI_REQUIRE_NODE").is_none(),
            "node is required (TEMUJANJI_REQUIRE_NODE) but missing"
        );
        eprintln!("note: node is not installed: skipping the browser/server rule parity test");
        return;
    }
    let catalogue = catalogue();
    let cases = cases();
    let days: Vec<String> = catalogue.campaign().days().map(campaign::dates::format_date).collect();
    let centres: Map<String, Value> = site_gen::pages::centre_groups(&catalogue)
        .into_iter()
        .flat_map(|g| g.centres)
        .map(|c| (c.id, Value::String(c.open)))
        .collect();
    for lang in Lang::ALL {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("input.json");
        let runner = dir.path().join("runner.js");
        let payload = json!({
            "rules": site_gen::rules::rules(&catalogue, lang),
            "centres": centres,
            "days": days,
            "cases": cases.iter().map(as_json).collect::<Vec<_>>(),
        });
        std::fs::write(&input, payload.to_string()).expect("write input");
        std::fs::write(&runner, RUNNER).expect("write runner");
        let validate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/site/validate.js");
        let output = Command::new("node").arg(&runner).arg(&validate).arg(&input).output().expect("node runs");
        assert!(output.status.success(), "node failed: {}", String::from_utf8_lossy(&output.stderr));
        let js: Vec<Map<String, Value>> = serde_json::from_slice(&output.stdout).expect("node prints JSON");
        assert_eq!(js.len(), cases.len());
        let mut disagreements = Vec::new();
        for (raw, js) in cases.iter().zip(js) {
            let rust: Map<String, Value> = match Application::parse(raw, &catalogue) {
                Ok(_) => Map::new(),
                Err(errors) => errors
                    .iter()
                    .map(|e| (e.field.to_string(), json!([e.problem.key(), e.problem.message(lang)])))
                    .collect(),
            };

            if rust != js {
                disagreements.push(format!("{}\n  rust: {rust:?}\n  js:   {js:?}", as_json(raw)));
            }
        }
        assert!(
            disagreements.is_empty(),
            "{lang}: {} cases differ:\n{}",
            disagreements.len(),
            disagreements.join("\n")
        );
    }
}
