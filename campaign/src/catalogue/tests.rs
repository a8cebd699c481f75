use std::path::Path;

use time::macros::{date, datetime, time};

use super::*;
use crate::RegistrationStatus;

pub(crate) const CAMPAIGN: &str = r#"
name = "Test campaign"
first_day = "2028-01-10"
weeks = 3
registration_opens = "2027-11-01T08:00:00+08:00"
registration_closes = "2027-12-31T23:59:59+08:00"
minimum_age = 18
age_reference_date = "2028-01-10"
day_opens = "09:00"
day_closes = "17:00"
window_minutes = 60

[helpline]
phone = "03-8000 8000"
"#;

pub(crate) const CENTRES: &str = "\
id,state,district,name,address,daily_capacity,closed_weekdays
SGR-0001,Selangor,Petaling,Dewan A,\"1, Jalan A\",100,Sat;Sun
KDH-0001,Kedah,Kulim,Dewan B,\"2, Jalan B\",250,Fri;Sat
KUL-0001,W.P. Kuala Lumpur,Cheras,Dewan C,\"3, Jalan C\",7,
";

pub(crate) const CLOSURES: &str = "\
centre_id,date,reason
*,2028-01-26,Chinese New Year
KUL-0001,2028-01-12,Maintenance
";

pub(crate) fn small() -> Catalogue {
    Catalogue::from_texts(Path::new("data"), CAMPAIGN, CENTRES, CLOSURES).expect("the small catalogue is valid")
}

fn problems(campaign: &str, centres: &str, closures: &str) -> Vec<String> {
    match Catalogue::from_texts(Path::new("data"), campaign, centres, closures) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_sample_data_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let catalogue = Catalogue::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(catalogue.centres().len() >= 500);
    let states: std::collections::BTreeSet<_> = catalogue.centres().iter().map(|c| c.state).collect();
    assert_eq!(states.len(), 16, "every state and federal territory has centres");
    assert!(catalogue.centres().iter().all(|c| (100..=3000).contains(&c.daily_capacity)));
}

#[test]
fn calendar_weeks_and_days() {
    let c = small();
    let campaign = c.campaign();
    assert_eq!(campaign.last_day(), date!(2028 - 01 - 30));
    assert_eq!(campaign.weeks().count(), 3);
    assert_eq!(campaign.week_of(date!(2028 - 01 - 16)).map(|w| w.number()), Some(1));
    assert_eq!(campaign.week_of(date!(2028 - 01 - 17)).map(|w| w.number()), Some(2));
    assert_eq!(campaign.week_of(date!(2028 - 01 - 30)).map(|w| w.number()), Some(3));
    assert_eq!(campaign.week_of(date!(2028 - 01 - 31)), None);
    assert_eq!(campaign.week_of(date!(2028 - 01 - 09)), None);
    assert_eq!(campaign.windows().len(), 8);
    assert_eq!(campaign.windows()[0].to_string(), "09:00-10:00");
    assert_eq!(campaign.windows()[7].end, time!(17:00));
}

#[test]
fn capacity_spreads_exactly_over_windows() {
    let c = small();
    let shares: Vec<u32> = c.campaign().window_capacities(7).collect();
    assert_eq!(shares, [1, 1, 1, 1, 1, 1, 1, 0]);
    let shares: Vec<u32> = c.campaign().window_capacities(250).collect();
    assert_eq!(shares.iter().sum::<u32>(), 250);
    assert_eq!(shares[0], 32);
    assert_eq!(shares[7], 31);
}

#[test]
fn open_days_respect_weekly_rest_and_closures() {
    let c = small();
    let sgr = c.centre("SGR-0001").expect("exists");
    let kdh = c.centre("KDH-0001").expect("exists");
    let kul = c.centre("KUL-0001").expect("exists");
    let week = |n| c.campaign().week(n).expect("week exists");
    // 2028-01-10 is a Monday.
    assert_eq!(c.open_days(sgr, week(1)).count(), 5);
    assert!(!c.is_open(kdh, date!(2028 - 01 - 14)), "Kedah rests on Friday");
    assert!(c.is_open(kdh, date!(2028 - 01 - 16)), "and works on Sunday");
    assert!(!c.is_open(kul, date!(2028 - 01 - 12)), "one-off closure");
    assert!(!c.is_open(kul, date!(2028 - 01 - 26)), "closure for every centre");
    assert!(!c.is_open(kul, date!(2028 - 02 - 01)), "outside the campaign");
    assert_eq!(c.closures().reason(&kul.id, date!(2028 - 01 - 26)), Some("Chinese New Year"));
}

#[test]
fn registration_window_is_inclusive_then_exclusive() {
    let c = small();
    let campaign = c.campaign();
    assert_eq!(campaign.registration_status(datetime!(2027-11-01 00:00 UTC)), RegistrationStatus::Open);
    assert_eq!(campaign.registration_status(datetime!(2027-10-31 23:59:59 UTC)), RegistrationStatus::NotYetOpen);
    assert_eq!(campaign.registration_status(datetime!(2027-12-31 15:59:58 UTC)), RegistrationStatus::Open);
    assert_eq!(campaign.registration_status(datetime!(2027-12-31 15:59:59 UTC)), RegistrationStatus::Closed);
}

#[test]
fn centre_problems_name_line_and_field() {
    let centres = "\
id,state,district,name,address,daily_capacity,closed_weekdays
SGR-0001,Selangor,Petaling,Dewan A,Jalan A,100,
SGR-0001,Selangor,Petaling,Dewan B,Jalan B,100,
SGR-0003,Singapura,Petaling,Dewan C,Jalan C,100,
SGR-0004,Selangor,Petaling,Dewan D,Jalan D,0,
SGR-0005,Selangor,Petaling,Dewan E,Jalan E,-5,Friday
SGR-0006,Selangor,Petaling,Dewan F,Jalan F,many,
SGR-0007,Selangor,Petaling,Dewan G,Jalan G,10,Mon;Tue;Wed;Thu;Fri;Sat;Sun
sgr 8,Selangor,Petaling,Dewan H,Jalan H,10,
";
    let found = problems(CAMPAIGN, centres, "centre_id,date,reason\n");
    let expect = [
        "data/centres.csv:3: id: SGR-0001 is used twice: first on line 2",
        "data/centres.csv:4: state: unknown state \"Singapura\"",
        "data/centres.csv:5: daily_capacity: is 0",
        "data/centres.csv:6: daily_capacity: is -5",
        "data/centres.csv:6: closed_weekdays: \"Friday\" is not a weekday",
        "data/centres.csv:7: daily_capacity: \"many\" is not a whole number",
        "data/centres.csv:8: closed_weekdays: closes the centre on every day",
        "data/centres.csv:9: id: \"sgr 8\" is not a centre id",
    ];
    for e in expect {
        assert!(found.iter().any(|p| p.starts_with(e)), "missing {e:?} in {found:#?}");
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
}

#[test]
fn two_centres_of_one_name_in_one_district_are_refused_with_both_lines() {
    let centres = format!(
        "{CENTRES}\
         SGR-0002,Selangor,Petaling,DEWAN  a,\"9, Jalan Z\",100,\n\
         SGR-0003,Selangor,Klang,Dewan A,\"8, Jalan Y\",100,\n"
    );
    assert_eq!(
        problems(CAMPAIGN, &centres, CLOSURES),
        vec![
            "data/centres.csv:5: name: \"DEWAN  a\" is already the name of SGR-0001 on line 2, in the same district: \
             people could not tell the two apart in their SMS; add the street or area to one of them"
        ],
        "another district may have a centre of the same name"
    );
}

#[test]
fn the_sample_data_has_no_two_centres_of_one_name_in_a_district() {
    let catalogue = Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample data");
    let mut seen = std::collections::HashSet::new();
    for c in catalogue.centres() {
        assert!(seen.insert((c.state, c.district.clone(), c.name.to_lowercase())), "twice: {} {}", c.id, c.name);
    }
}

#[test]
fn a_short_row_is_reported_with_its_line() {
    let centres = "id,state,district,name,address,daily_capacity,closed_weekdays\nSGR-0001,Selangor,Petaling\n";
    let found = problems(CAMPAIGN, centres, "centre_id,date,reason\n");
    assert!(found.iter().any(|p| p.starts_with("data/centres.csv:2: has 3 columns")), "{found:#?}");
}

#[test]
fn a_centre_open_on_no_campaign_day_is_rejected() {
    let centres = "id,state,district,name,address,daily_capacity,closed_weekdays\nSGR-0001,Selangor,P,N,A,10,Mon;Tue;Wed;Thu;Fri;Sat\n";
    let closures = "centre_id,date,reason\nSGR-0001,2028-01-16,x\nSGR-0001,2028-01-23,x\nSGR-0001,2028-01-30,x\n";
    let found = problems(CAMPAIGN, centres, closures);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("data/centres.csv:2: closed_weekdays: SGR-0001 is open on no day of the campaign")),
        "{found:#?}"
    );
}

#[test]
fn closure_problems_are_reported() {
    let closures = "\
centre_id,date,reason
NOPE-1,2028-01-12,x
SGR-0001,2028-02-12,x
SGR-0001,12/01/2028,x
SGR-0001,2028-01-12,x
SGR-0001,2028-01-12,again
";
    let found = problems(CAMPAIGN, CENTRES, closures);
    for e in [
        "data/closures.csv:2: centre_id: \"NOPE-1\" is not a centre",
        "data/closures.csv:3: date: 2028-02-12 is outside the campaign",
        "data/closures.csv:4: date: \"12/01/2028\" is not a date",
        "data/closures.csv:6: date: 2028-01-12 is listed twice for SGR-0001",
    ] {
        assert!(found.iter().any(|p| p.starts_with(e)), "missing {e:?} in {found:#?}");
    }
}

#[test]
fn campaign_problems_name_key_and_line() {
    let bad = CAMPAIGN
        .replace("weeks = 3", "weeks = 0")
        .replace("first_day = \"2028-01-10\"", "first_day = \"2028-01-xx\"")
        .replace("window_minutes = 60", "window_minutes = 50");
    let found = problems(&bad, CENTRES, "centre_id,date,reason\n");
    for e in [
        "data/campaign.toml:3: first_day: \"2028-01-xx\" is not a date",
        "data/campaign.toml:4: weeks: must be a whole number from 1 to 52",
        "data/campaign.toml:11: window_minutes: must divide the 480 minutes",
    ] {
        assert!(found.iter().any(|p| p.starts_with(e)), "missing {e:?} in {found:#?}");
    }
}

#[test]
fn registration_must_close_before_the_campaign_and_after_it_opens() {
    let late = CAMPAIGN.replace("2027-12-31T23:59:59+08:00", "2028-01-10T09:00:00+08:00");
    let found = problems(&late, CENTRES, CLOSURES);
    assert!(found.iter().any(|p| p.contains("registration_closes: must be before first_day")), "{found:#?}");
    let reversed = CAMPAIGN.replace("2027-12-31T23:59:59+08:00", "2027-10-01T00:00:00+08:00");
    let found = problems(&reversed, CENTRES, CLOSURES);
    assert!(found.iter().any(|p| p.contains("registration_closes: must be after registration_opens")), "{found:#?}");
}

#[test]
fn unknown_campaign_keys_are_typos() {
    let typo = CAMPAIGN.replace("minimum_age = 18\n", "minimum_age = 18\nminimum_agee = 21\n");
    let found = problems(&typo, CENTRES, CLOSURES);
    assert!(found.iter().any(|p| p.starts_with("data/campaign.toml:8") && p.contains("minimum_agee")), "{found:#?}");
}

#[test]
fn the_helpline_is_read_with_optional_hours_and_checked() {
    let c = small();
    assert_eq!((c.campaign().helpline().phone(), c.campaign().helpline().hours()), ("03-8000 8000", None));
    let with_hours = format!("{CAMPAIGN}hours = \"08:00-20:00\"\n");
    let c = Catalogue::from_texts(Path::new("data"), &with_hours, CENTRES, CLOSURES).expect("valid");
    assert_eq!(c.campaign().helpline().to_string(), "03-8000 8000 (08:00-20:00)");

    let bad = CAMPAIGN.replace("\"03-8000 8000\"", "\"call us\"");
    let found = problems(&bad, CENTRES, CLOSURES);
    assert!(
        found.iter().any(|p| p.starts_with("data/campaign.toml:14: helpline.phone: \"call us\" is not")),
        "{found:#?}"
    );
    let missing = &CAMPAIGN[..CAMPAIGN.find("[helpline]").expect("a helpline")];
    let found = problems(missing, CENTRES, CLOSURES);
    assert!(found.iter().any(|p| p.contains("helpline")), "{found:#?}");
}

#[test]
fn a_lottery_commitment_is_optional_and_checked_for_shape() {
    assert_eq!(small().campaign().lottery_commitment(), None);
    let digest = "a".repeat(64);
    // At the top: the campaign ends in the [helpline] table.
    let committed = format!("lottery_commitment = \"sha256:{digest}\"\n{CAMPAIGN}");
    let catalogue = Catalogue::from_texts(Path::new("data"), &committed, CENTRES, CLOSURES).expect("valid");
    assert_eq!(catalogue.campaign().lottery_commitment().map(|c| c.hex()), Some(digest.as_str()));
    let truncated = format!("lottery_commitment = \"sha256:{}\"\n{CAMPAIGN}", &digest[1..]);
    let found = problems(&truncated, CENTRES, CLOSURES);
    assert!(
        found.iter().any(|p| p.starts_with("data/campaign.toml:1: lottery_commitment:") && p.contains("commit-seed")),
        "{found:#?}"
    );
}

#[test]
fn missing_files_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = Catalogue::load(dir.path()).expect_err("empty dir");
    assert_eq!(err.problems.len(), 3);
    assert!(err.to_string().contains("campaign.toml: cannot be read"));
}

#[test]
fn centres_group_by_state_in_official_order() {
    let c = small();
    let groups: Vec<_> = c.centres_by_state().into_iter().map(|(s, cs)| (s, cs.len())).collect();
    assert_eq!(groups, [(State::Kedah, 1), (State::Selangor, 1), (State::KualaLumpur, 1)]);
}

#[test]
fn postcode_and_coordinates_are_optional_columns_checked_with_their_line() {
    let centres = "\
id,state,district,name,address,daily_capacity,closed_weekdays,postcode,latitude,longitude
KUL-0001,W.P. Kuala Lumpur,Cheras,Dewan C,\"3, Jalan C\",7,,56000,3.0905,101.7404
KUL-0002,W.P. Kuala Lumpur,Cheras,Dewan D,\"4, Jalan D\",7,,,,
KUL-0003,W.P. Kuala Lumpur,Cheras,Dewan E,\"5, Jalan E\",7,,5600,101.7404,3.0905
KUL-0004,W.P. Kuala Lumpur,Cheras,Dewan F,\"6, Jalan F\",7,,56000,3.0905,
";
    let found = problems(CAMPAIGN, centres, "centre_id,date,reason\n");
    let expect = [
        "data/centres.csv:4: postcode: \"5600\" is not a postcode",
        "data/centres.csv:4: latitude: 101.7404 is outside Malaysia",
        "data/centres.csv:4: longitude: 3.0905 is outside Malaysia",
        "data/centres.csv:5: longitude: is empty but latitude is given",
    ];
    for e in expect {
        assert!(found.iter().any(|p| p.starts_with(e)), "missing {e:?} in {found:#?}");
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");

    let good: String = centres.lines().take(3).map(|l| format!("{l}\n")).collect();
    let catalogue = Catalogue::from_texts(Path::new("data"), CAMPAIGN, &good, CLOSURES).expect("valid");
    let cheras = catalogue.centre("KUL-0001").expect("listed");
    assert_eq!(cheras.postcode.as_ref().map(|p| p.as_str()), Some("56000"));
    assert_eq!(cheras.location.map(|l| (l.latitude(), l.longitude())), Some((3.0905, 101.7404)));
    assert_eq!(catalogue.centre("KUL-0002").map(|c| (c.postcode.is_none(), c.location.is_none())), Some((true, true)));
}

#[test]
fn an_unknown_or_repeated_extra_column_is_refused() {
    for header in ["closed_weekdays,town", "closed_weekdays,postcode,postcode"] {
        let centres = CENTRES.replacen("closed_weekdays", header, 1);
        let found = problems(CAMPAIGN, &centres, CLOSURES);
        assert!(found.iter().any(|p| p.starts_with("data/centres.csv:1: the header must be")), "{header}: {found:#?}");
    }
}

#[test]
fn every_sample_centre_has_a_postcode_and_coordinates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let catalogue = Catalogue::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    for c in catalogue.centres() {
        let postcode = c.postcode.as_ref().unwrap_or_else(|| panic!("{} has no postcode", c.id));
        assert!(c.address.contains(postcode.as_str()), "{}: the address names its postcode", c.id);
        assert!(c.location.is_some(), "{} has no coordinates", c.id);
    }
}

#[test]
fn the_decline_deadline_defaults_to_a_day_and_is_checked() {
    let campaign = small().campaign().clone();
    assert_eq!(campaign.decline_until_hours(), 24);
    let given = format!("decline_until_hours = 48\n{CAMPAIGN}");
    let catalogue = Catalogue::from_texts(Path::new("data"), &given, CENTRES, CLOSURES).expect("valid");
    let campaign = catalogue.campaign();
    assert_eq!(campaign.decline_until_hours(), 48);
    // In the campaign's own offset (that of registration_closes), whatever the server's.
    let offset = campaign.registration_closes().offset();
    let now = time::macros::datetime!(2028-01-10 01:30 UTC);
    let local = now.to_offset(offset) + time::Duration::hours(48);
    assert_eq!(campaign.earliest_declinable_start(now), time::PrimitiveDateTime::new(local.date(), local.time()));
    let deadline = campaign.decline_deadline(time::macros::date!(2028 - 01 - 12), time::macros::time!(09:00));
    assert_eq!(deadline, time::macros::datetime!(2028-01-10 09:00).assume_offset(offset));
    for bad in ["-1", "10000"] {
        let found = problems(&format!("decline_until_hours = {bad}\n{CAMPAIGN}"), CENTRES, CLOSURES);
        assert!(found.iter().any(|p| p.contains("decline_until_hours")), "{bad}: {found:#?}");
    }
}
