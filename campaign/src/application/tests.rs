use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::catalogue::tests::small;

fn valid() -> RawApplication {
    RawApplication {
        id_type: "mykad".into(),
        id_number: "600315-08-1234".into(),
        full_name: "Muthu a/l Rajan".into(),
        birth_date: String::new(),
        birth_date_required: false,
        phone: "012-345 6789".into(),
        email: "muthu@example.my".into(),
        lang: "ms".into(),
        centre: "SGR-0001".into(),
        weeks: vec!["2028-01-11".into(), "any".into(), "2028-01-24".into()],
        accept_other_dates: None,
        consent: true,
    }
}

fn errors_of(raw: &RawApplication) -> Vec<(String, &'static str)> {
    match Application::parse(raw, &small()) {
        Ok(_) => Vec::new(),
        Err(e) => e.iter().map(|fe| (fe.field.to_string(), fe.problem.key())).collect(),
    }
}

#[test]
fn a_valid_application_is_normalised() {
    let app = Application::parse(&valid(), &small()).expect("valid");
    assert_eq!(app.identity.to_string(), "mykad:600315081234");
    assert_eq!(app.birth_date, date!(1960 - 03 - 15));
    assert_eq!(app.phone.e164(), "+60123456789");
    assert_eq!(app.lang, Lang::Ms);
    assert_eq!(app.centre.as_str(), "SGR-0001");
    assert_eq!(app.choices.iter().map(|c| c.pick.to_string()).collect::<Vec<_>>(), ["2028-01-11", "any", "2028-01-24"]);
    assert!(app.accept_other_dates, "defaults to yes when not sent");
}

#[test]
fn to_raw_parses_back_to_the_same_application() {
    let app = Application::parse(&valid(), &small()).expect("valid");
    assert_eq!(Application::parse(&app.to_raw(), &small()), Ok(app));
}

#[test]
fn every_field_error_is_reported_at_once() {
    let raw = RawApplication {
        id_type: "mykad".into(),
        id_number: "12345".into(),
        full_name: " ".into(),
        birth_date: "31/03/1960".into(),
        birth_date_required: true,
        phone: "03-1234 5678".into(),
        email: "nope".into(),
        lang: "fr".into(),
        centre: "XXX-9999".into(),
        weeks: vec!["2028-01-20".into(), "soon".into()],
        accept_other_dates: Some(false),
        consent: false,
    };
    assert_eq!(
        errors_of(&raw),
        [
            ("id_number".to_owned(), "mykad_shape"),
            ("birth_date".to_owned(), "birth_date_shape"),
            ("full_name".to_owned(), "name_missing"),
            ("phone".to_owned(), "phone_shape"),
            ("email".to_owned(), "email_shape"),
            ("lang".to_owned(), "lang_unknown"),
            ("centre".to_owned(), "centre_unknown"),
            ("week1".to_owned(), "week_date_outside"),
            ("week2".to_owned(), "week_shape"),
            ("week3".to_owned(), "week_missing"),
            ("consent".to_owned(), "consent_missing"),
        ]
    );
}

#[test]
fn an_empty_submission_says_what_to_fill_in() {
    let found = errors_of(&RawApplication::default());
    assert_eq!(found[0], ("id_type".to_owned(), "id_type_missing"));
    assert!(found.contains(&("centre".to_owned(), "centre_missing")));
    assert!(found.contains(&("week1".to_owned(), "week_missing")));
}

#[test]
fn a_mykad_birth_date_must_agree_when_given() {
    let mut raw = valid();
    raw.birth_date = "1960-03-15".into();
    assert!(errors_of(&raw).is_empty());
    raw.birth_date = "1960-03-16".into();
    assert_eq!(errors_of(&raw), [("birth_date".to_owned(), "birth_date_mismatch")]);
    let err = Application::parse(&raw, &small()).expect_err("mismatch");
    assert_eq!(
        err.get(Field::BirthDate).map(|p| p.message(Lang::En)).as_deref(),
        Some(
            "Your MyKad number starts with 600315, which is not this date of birth (YYMMDD). Correct the date of birth or the MyKad number."
        )
    );
    raw.id_number = "601315-08-1234".into();
    assert_eq!(errors_of(&raw), [("id_number".to_owned(), "mykad_birth_date")]);
}

#[test]
fn a_childs_mykad_is_never_read_as_a_centenarians() {
    let mut raw = valid();
    raw.id_number = "120314-10-5127".into();
    // Without a full date: the most recent century, 2012, and a child is refused.
    assert_eq!(errors_of(&raw), [("id_number".to_owned(), "too_young")]);
    raw.birth_date = "2012-03-14".into();
    assert_eq!(errors_of(&raw), [("birth_date".to_owned(), "too_young")]);
    // The form asks for the date, and says so rather than guess.
    raw.birth_date.clear();
    raw.birth_date_required = true;
    assert_eq!(errors_of(&raw), [("birth_date".to_owned(), "birth_date_missing")]);
    // A real centenarian with the same digits says so with the full date.
    raw.birth_date = "1912-03-14".into();
    let app = Application::parse(&raw, &small()).expect("a centenarian");
    assert_eq!(app.birth_date, date!(1912 - 03 - 14));
}

#[test]
fn passport_holders_give_their_birth_date() {
    let mut raw = valid();
    raw.id_type = "passport".into();
    raw.id_number = "k1234567".into();
    assert_eq!(errors_of(&raw), [("birth_date".to_owned(), "birth_date_missing")]);
    raw.birth_date = "2010-01-11".into();
    assert_eq!(errors_of(&raw), [("birth_date".to_owned(), "too_young")]);
    raw.birth_date = "1900-01-01".into();
    assert_eq!(errors_of(&raw), [("birth_date".to_owned(), "too_old")]);
    raw.birth_date = "2010-01-10".into();
    let app = Application::parse(&raw, &small()).expect("18 on the reference date");
    assert_eq!(app.identity.to_string(), "passport:K1234567");
}

#[test]
fn a_mykad_typed_as_a_passport_is_refused() {
    let mut raw = valid();
    raw.id_type = "passport".into();
    raw.id_number = "600315081234".into();
    raw.birth_date = "1960-03-15".into();
    assert_eq!(errors_of(&raw), [("id_number".to_owned(), "passport_is_mykad")]);
    let err = Application::parse(&raw, &small()).expect_err("a MyKad");
    assert_eq!(
        err.get(Field::IdNumber).map(|p| p.message(Lang::En)).as_deref(),
        Some("This is a MyKad number: choose MyKad as your identity document.")
    );
}

#[test]
fn choices_must_be_open_days_of_their_week() {
    let mut raw = valid();
    raw.weeks[0] = "2028-01-15".into(); // a Saturday: SGR-0001 rests
    raw.weeks[2] = "2028-01-26".into(); // closed everywhere
    assert_eq!(errors_of(&raw), [("week1".to_owned(), "week_date_closed"), ("week3".to_owned(), "week_date_closed")]);
    raw.weeks = vec!["ANY".into(), " any ".into(), "any".into(), "2028-02-01".into()];
    assert!(errors_of(&raw).is_empty(), "extra weeks beyond the campaign are ignored");
}

#[test]
fn the_closed_day_message_names_the_date_and_week() {
    let mut raw = valid();
    raw.weeks[0] = "2028-01-15".into();
    let err = Application::parse(&raw, &small()).expect_err("closed");
    assert_eq!(
        err.get(Field::Week(small().campaign().week(1).expect("week 1"))).map(|p| p.message(Lang::Ms)).as_deref(),
        Some(
            "Pusat yang anda pilih ditutup pada Sab 15 Jan 2028. Pilih hari lain untuk minggu 1, atau “mana-mana hari dibuka minggu itu”."
        )
    );
}

#[test]
fn centre_ids_are_matched_without_regard_to_case() {
    let mut raw = valid();
    raw.centre = " sgr-0001 ".into();
    assert!(errors_of(&raw).is_empty());
}

#[test]
fn every_problem_has_a_message_in_every_language() {
    let week = small().campaign().week(1).expect("week 1");
    let d = date!(2028 - 01 - 10);
    let all = [
        Problem::IdTypeMissing,
        Problem::IdTypeUnknown,
        Problem::IdNumberMissing,
        Problem::MyKadShape,
        Problem::MyKadBirthDate,
        Problem::PassportShape,
        Problem::PassportIsMyKad,
        Problem::BirthDateMissing,
        Problem::BirthDateShape,
        Problem::BirthDateMismatch { yymmdd: "600315".to_owned() },
        Problem::TooYoung { minimum_age: 18, on: d },
        Problem::TooOld,
        Problem::NameMissing,
        Problem::NameTooLong { max: 150 },
        Problem::NameCharacter { found: '=' },
        Problem::NameInvisible { found: '\u{202E}' },
        Problem::NameNoLetter,
        Problem::PhoneMissing,
        Problem::PhoneShape,
        Problem::EmailShape,
        Problem::LangUnknown,
        Problem::CentreMissing,
        Problem::CentreUnknown,
        Problem::WeekMissing { week },
        Problem::WeekShape { week },
        Problem::WeekDateOutside { week, from: d, to: d },
        Problem::WeekDateClosed { week, date: d },
        Problem::ConsentMissing,
    ];
    for lang in Lang::ALL {
        let catalogue: std::collections::BTreeSet<_> =
            crate::Messages::of(lang).section("error.").map(|(k, _)| k.to_owned()).collect();
        let keys: std::collections::BTreeSet<_> = all.iter().map(|p| p.key().to_owned()).collect();
        assert_eq!(keys, catalogue, "{lang}: problems and catalogue disagree");
        for problem in &all {
            let text = problem.message(lang);
            assert!(!text.contains('{') && !text.starts_with("error."), "{lang}: {text}");
        }
    }
}

/// A MyKad number with a real birth date, in one of the spellings people use.
fn mykad_spelling() -> impl Strategy<Value = (String, String)> {
    (1930i32..=2009, 1u8..=12, 1u8..=28, 0u32..100, 0u32..10_000, 0usize..4).prop_map(|(y, m, d, pb, rest, style)| {
        let digits = format!("{:02}{m:02}{d:02}{pb:02}{rest:04}", y % 100);
        let spelled = match style {
            0 => digits.clone(),
            1 => format!("{}-{}-{}", &digits[..6], &digits[6..8], &digits[8..]),
            2 => format!(" {} {} {} ", &digits[..6], &digits[6..8], &digits[8..]),
            _ => format!("{}-{}", &digits[..6], &digits[6..]),
        };
        (spelled, digits)
    })
}

/// Any birth date from 120 years before the reference date up to it.
fn birth_date_in_living_memory() -> impl Strategy<Value = Date> {
    let on = small().campaign().age_reference_date();
    (0i64..=120 * 366)
        .prop_map(move |days| on - time::Duration::days(days))
        .prop_filter("120 years", move |d| crate::dates::age_on(*d, on) <= crate::calendar::MAXIMUM_AGE)
}

proptest! {
    #[test]
    fn mykad_and_full_date_parse_to_that_date(born in birth_date_in_living_memory()) {
        let (minimum_age, on) = (small().campaign().minimum_age(), small().campaign().age_reference_date());
        let mut raw = valid();
        raw.id_number = format!("{:02}{:02}{:02}-10-5127", born.year() % 100, u8::from(born.month()), born.day());
        raw.birth_date = crate::dates::format_date(born);
        match Application::parse(&raw, &small()) {
            Ok(app) => prop_assert_eq!(app.birth_date, born),
            Err(e) => {
                prop_assert!(crate::dates::age_on(born, on) < i32::from(minimum_age), "{}", e);
                prop_assert_eq!(e.get(Field::BirthDate), Some(&Problem::TooYoung { minimum_age, on }));
            }
        }
        // Without the full date, nobody is made 100 or older.
        raw.birth_date.clear();
        if let Ok(app) = Application::parse(&raw, &small()) {
            prop_assert!(crate::dates::age_on(app.birth_date, on) < 100, "read as {}", app.birth_date);
        }
    }

    #[test]
    fn mykad_spellings_normalise_to_twelve_digits((spelled, digits) in mykad_spelling()) {
        let mut raw = valid();
        raw.id_number = spelled;
        let app = Application::parse(&raw, &small()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(app.identity.number(), digits.as_str());
        // And the birth date is the one the digits encode, in a plausible century.
        prop_assert_eq!(&crate::dates::format_date(app.birth_date)[2..].replace('-', ""), &digits[..6]);
    }

    #[test]
    fn phone_spellings_normalise_to_one_e164(
        prefix in prop::sample::select(vec!["010", "012", "013", "014", "016", "017", "018", "019"]),
        rest in "[0-9]{7}",
        style in 0usize..5,
    ) {
        let local = format!("{prefix}{rest}");
        let spelled = match style {
            0 => local.clone(),
            1 => format!("{prefix}-{} {}", &rest[..3], &rest[3..]),
            2 => format!("+60 {} {} {}", &prefix[1..], &rest[..3], &rest[3..]),
            3 => format!("60{}", &local[1..]),
            _ => format!("({prefix}) {rest}"),
        };
        let phone = MobilePhone::parse(&spelled).map_err(|p| TestCaseError::fail(p.key()))?;
        prop_assert_eq!(phone.e164(), format!("+60{}", &local[1..]));
        prop_assert_eq!(MobilePhone::parse(&phone.national()), Ok(phone.clone()));
        prop_assert_eq!(MobilePhone::parse(phone.e164()), Ok(phone));
    }

    #[test]
    fn parsing_arbitrary_input_never_panics(
        id_type in ".{0,12}", id_number in ".{0,30}", name in ".{0,200}", birth in ".{0,12}",
        phone in ".{0,20}", email in ".{0,40}", centre in ".{0,12}", weeks in prop::collection::vec(".{0,12}", 0..5),
        consent in any::<bool>(),
    ) {
        let raw = RawApplication {
            id_type, id_number, full_name: name, birth_date: birth, birth_date_required: consent, phone, email,
            lang: String::new(), centre, weeks, accept_other_dates: None, consent,
        };
        if let Err(errors) = Application::parse(&raw, &small()) {
            prop_assert!(!errors.is_empty());
            for lang in Lang::ALL {
                prop_assert!(errors.messages(lang).iter().all(|(_, m)| !m.is_empty()));
            }
        }
    }

    #[test]
    fn names_that_parse_are_stable(name in "[\\p{L}\\p{M} @/'.,()-]{0,160}") {
        if let Ok(parsed) = FullName::parse(&name) {
            prop_assert_eq!(FullName::parse(parsed.as_str()), Ok(parsed.clone()));
            prop_assert!(parsed.as_str().chars().count() <= FullName::MAX_CHARS);
            prop_assert_eq!(parsed.as_str().trim(), parsed.as_str());
        }
    }
}
