use std::path::Path;

use proptest::prelude::*;
use time::macros::date;

use super::*;

/// A campaign of `weeks` weeks from Monday 2028-01-10 with `windows` one-hour windows.
fn campaign(weeks: u8, windows: u8) -> String {
    format!(
        "name = \"T\"\nfirst_day = \"2028-01-10\"\nweeks = {weeks}\nregistration_opens = \"2027-01-01T00:00:00+08:00\"\n\
         registration_closes = \"2027-12-31T00:00:00+08:00\"\nminimum_age = 18\nage_reference_date = \"2028-01-10\"\n\
         day_opens = \"09:00\"\nday_closes = \"{:02}:00\"\nwindow_minutes = 60\n[helpline]\nphone = \"03-8000 8000\"\n",
        9 + windows
    )
}

fn catalogue(weeks: u8, windows: u8, centres: &[(u32, &str)], closures: &str) -> Catalogue {
    let mut csv = String::from("id,state,district,name,address,daily_capacity,closed_weekdays\n");
    for (i, (capacity, closed)) in centres.iter().enumerate() {
        csv.push_str(&format!("C-{i:04},Selangor,D,Centre {i},Addr,{capacity},{closed}\n"));
    }
    let closures = format!("centre_id,date,reason\n{closures}");
    Catalogue::from_texts(Path::new("t"), &campaign(weeks, windows), &csv, &closures).expect("valid test catalogue")
}

fn applicant(reference: &str, birth: Date, picks: Vec<Pick>, accept: bool) -> Applicant {
    Applicant { reference: reference.into(), birth_date: birth, centre: 0, picks, accept_other_dates: accept }
}

fn outcomes(catalogue: &Catalogue, applicants: &[Applicant]) -> Vec<(String, Outcome)> {
    let mut result: Vec<(String, Outcome)> = allocate(catalogue, applicants, "seed")
        .into_iter()
        .map(|d| (applicants[d.applicant].reference.clone(), d.outcome))
        .collect();
    result.sort_by(|a, b| a.0.cmp(&b.0));
    result
}

const SAT: u16 = 5; // 2028-01-15

#[test]
fn everyone_picks_the_same_saturday_and_the_oldest_get_it() {
    let c = catalogue(1, 2, &[(3, "")], "");
    let people: Vec<Applicant> = (0..5)
        .map(|i| {
            applicant(
                &format!("R{i}"),
                date!(1950 - 01 - 01) + time::Duration::days(i),
                vec![Pick::Day(SAT)],
                i % 2 == 0,
            )
        })
        .collect();
    let got = outcomes(&c, &people);
    let met = |day, window| Outcome::Allocated { day, window, met: ChoiceMet::Week(1) };
    assert_eq!(got[0].1, met(SAT, 0), "oldest, first window");
    assert_eq!(got[1].1, met(SAT, 0), "capacity 3 over 2 windows: 2 + 1");
    assert_eq!(got[2].1, met(SAT, 1));
    // R3 did not accept other days: waitlisted first; R4 accepted: the nearest other day (Sunday before Friday? equal distance: earlier).
    assert_eq!(got[3].1, Outcome::Waitlisted { position: 1 });
    assert_eq!(got[4].1, Outcome::Allocated { day: SAT - 1, window: 0, met: ChoiceMet::Other });
}

#[test]
fn a_centre_closed_on_all_chosen_days_uses_other_days_or_the_waitlist() {
    // Closed Saturday by rule and Monday 10th by a dated closure.
    let c = catalogue(1, 1, &[(5, "Sat")], "C-0000,2028-01-10,x\n");
    let people = vec![
        applicant("A", date!(1950 - 01 - 01), vec![Pick::Unavailable], true),
        applicant("B", date!(1951 - 01 - 01), vec![Pick::Day(0)], false),
        applicant("C", date!(1952 - 01 - 01), vec![Pick::Day(SAT)], true),
    ];
    let got = outcomes(&c, &people);
    assert_eq!(got[0].1, Outcome::Allocated { day: 1, window: 0, met: ChoiceMet::Other }, "nearest open day to day 0");
    assert_eq!(got[1].1, Outcome::Waitlisted { position: 1 });
    assert_eq!(got[2].1, Outcome::Allocated { day: 4, window: 0, met: ChoiceMet::Other }, "Friday before Sunday");
}

#[test]
fn capacity_one_goes_to_the_oldest_then_to_the_lottery() {
    let c = catalogue(1, 1, &[(1, "")], "");
    let twins: Vec<Applicant> =
        ["T1", "T2", "T3"].iter().map(|r| applicant(r, date!(1960 - 05 - 05), vec![Pick::Day(2)], false)).collect();
    let winner = |seed: &str| {
        let d = allocate(&c, &twins, seed);
        assert_eq!(d.iter().filter(|d| matches!(d.outcome, Outcome::Allocated { .. })).count(), 1);
        twins[d[0].applicant].reference.clone()
    };
    let winners: std::collections::BTreeSet<String> = (0..40).map(|s| winner(&s.to_string())).collect();
    assert_eq!(winners.len(), 3, "over many seeds each twin wins sometimes");
    let mut older = twins.clone();
    older.push(applicant("OLD", date!(1930 - 01 - 01), vec![Pick::Day(2)], false));
    assert_eq!(older[allocate(&c, &older, "any")[0].applicant].reference, "OLD");
}

#[test]
fn zero_and_one_applicant() {
    let c = catalogue(2, 3, &[(10, "")], "");
    assert!(allocate(&c, &[], "s").is_empty());
    let one = [applicant("ONE", date!(1990 - 01 - 01), vec![Pick::AnyOfWeek(0), Pick::Day(9)], false)];
    let d = allocate(&c, &one, "s");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].priority, 1);
    assert_eq!(d[0].outcome, Outcome::Allocated { day: 0, window: 0, met: ChoiceMet::Week(1) }, "all equal: earliest");
}

#[test]
fn any_day_takes_the_day_with_most_room_then_the_earliest() {
    let c = catalogue(1, 1, &[(2, "")], "");
    let mut people = vec![applicant("FIRST", date!(1940 - 01 - 01), vec![Pick::Day(0)], false)];
    people.push(applicant("ANY", date!(1950 - 01 - 01), vec![Pick::AnyOfWeek(0)], false));
    let got = outcomes(&c, &people);
    assert_eq!(got[0].1, Outcome::Allocated { day: 1, window: 0, met: ChoiceMet::Week(1) }, "Monday has less room now");
}

#[test]
fn later_weeks_are_tried_in_order() {
    let c = catalogue(3, 1, &[(1, "")], "");
    let people = vec![
        applicant("A", date!(1940 - 01 - 01), vec![Pick::Day(0), Pick::Day(7), Pick::Day(14)], false),
        applicant("B", date!(1950 - 01 - 01), vec![Pick::Day(0), Pick::Day(7), Pick::Day(14)], false),
        applicant("C", date!(1960 - 01 - 01), vec![Pick::Day(0), Pick::Day(7), Pick::Day(14)], false),
        applicant("D", date!(1970 - 01 - 01), vec![Pick::Day(0), Pick::Day(7), Pick::Day(14)], false),
    ];
    let got = outcomes(&c, &people);
    assert_eq!(got[1].1, Outcome::Allocated { day: 7, window: 0, met: ChoiceMet::Week(2) });
    assert_eq!(got[2].1, Outcome::Allocated { day: 14, window: 0, met: ChoiceMet::Week(3) });
    assert_eq!(got[3].1, Outcome::Waitlisted { position: 1 });
}

/// A random small campaign with applicants who crowd few days.
fn scenario() -> impl Strategy<Value = (Catalogue, Vec<Applicant>)> {
    let centres =
        prop::collection::vec((1u32..6, prop::sample::select(vec!["", "Sat", "Sun", "Fri;Sat", "Mon;Wed"])), 1..4);
    (1u8..=3, 1u8..=3, centres)
        .prop_flat_map(|(weeks, windows, centres)| {
            let n_centres = centres.len();
            let pick = (0u8..4, 0u16..7).prop_map(|(kind, offset)| (kind, offset));
            let person = (0..n_centres, 0i64..6, prop::collection::vec(pick, usize::from(weeks)), any::<bool>());
            (Just(weeks), Just(windows), Just(centres), prop::collection::vec(person, 0..40))
        })
        .prop_map(|(weeks, windows, centres, people)| {
            let specs: Vec<(u32, &str)> = centres.iter().map(|(c, d)| (*c, *d)).collect();
            let catalogue = catalogue(weeks, windows, &specs, "");
            let applicants = people
                .into_iter()
                .enumerate()
                .map(|(i, (centre, birth, picks, accept))| Applicant {
                    reference: format!("REF{i:03}"),
                    // Few distinct birth dates: plenty of lottery ties.
                    birth_date: date!(1950 - 01 - 01) + time::Duration::days(birth * 365),
                    centre,
                    picks: picks
                        .iter()
                        .enumerate()
                        .map(|(w, (kind, offset))| {
                            let week = u8::try_from(w).unwrap_or(0);
                            match kind {
                                0 => Pick::AnyOfWeek(week),
                                _ => Pick::Day(u16::from(week) * 7 + offset),
                            }
                        })
                        .collect(),
                    accept_other_dates: accept,
                })
                .collect();
            (catalogue, applicants)
        })
}

/// The rank (1-based week) at which `a` listed `day`, if they did.
fn listed_rank(a: &Applicant, day: u16) -> Option<u8> {
    a.picks.iter().enumerate().find_map(|(w, p)| {
        let hit = match p {
            Pick::Day(d) => *d == day,
            Pick::AnyOfWeek(week) => day / 7 == u16::from(*week),
            Pick::Unavailable => false,
        };
        hit.then(|| u8::try_from(w + 1).unwrap_or(u8::MAX))
    })
}

proptest! {
    #[test]
    fn allocations_respect_capacity_and_open_days_and_everyone_appears_once((catalogue, applicants) in scenario()) {
        let decisions = allocate(&catalogue, &applicants, "prop");
        prop_assert_eq!(decisions.len(), applicants.len());
        let mut seen = vec![false; applicants.len()];
        let full = Capacity::from_catalogue(&catalogue);
        let mut used = std::collections::HashMap::<(usize, u16, u8), u32>::new();
        let days: Vec<Date> = catalogue.campaign().days().collect();
        let mut waitlist_positions = std::collections::HashMap::<usize, Vec<u32>>::new();
        for d in &decisions {
            prop_assert!(!seen[d.applicant], "an applicant appears twice");
            seen[d.applicant] = true;
            let a = &applicants[d.applicant];
            match d.outcome {
                Outcome::Allocated { day, window, met } => {
                    let centre = &catalogue.centres()[a.centre];
                    prop_assert!(catalogue.is_open(centre, days[usize::from(day)]), "allocated on a closed day");
                    *used.entry((a.centre, day, window)).or_default() += 1;
                    prop_assert!(used[&(a.centre, day, window)] <= full.window_room(a.centre, day, window), "over capacity");
                    if met == ChoiceMet::Other {
                        prop_assert!(a.accept_other_dates, "another day for someone who did not accept one");
                    } else if let ChoiceMet::Week(k) = met {
                        prop_assert_eq!(listed_rank(a, day), Some(k), "the met choice is the one listed for that day");
                    }
                }
                Outcome::Waitlisted { position } => waitlist_positions.entry(a.centre).or_default().push(position),
            }
        }
        for positions in waitlist_positions.values() {
            prop_assert_eq!(positions.clone(), (1..=positions.len() as u32).collect::<Vec<_>>(), "waitlists count 1, 2, 3...");
        }
    }

    #[test]
    fn no_older_applicant_envies_a_younger_one((catalogue, applicants) in scenario()) {
        let decisions = allocate(&catalogue, &applicants, "envy");
        for (i, earlier) in decisions.iter().enumerate() {
            let a = &applicants[earlier.applicant];
            let a_rank = match earlier.outcome {
                Outcome::Allocated { met: ChoiceMet::Week(k), .. } => k,
                _ => u8::MAX,
            };
            for later in &decisions[i + 1..] {
                let b = &applicants[later.applicant];
                if let Outcome::Allocated { day, .. } = later.outcome
                    && a.centre == b.centre
                    && let Some(wanted) = listed_rank(a, day)
                {
                    prop_assert!(a_rank <= wanted, "{} listed day {} at rank {} but got rank {}; {} got it later",
                        a.reference, day, wanted, a_rank, b.reference);
                }
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_result_and_another_only_reorders_ties((catalogue, applicants) in scenario(), seed in "[a-z0-9]{1,12}") {
        let first = allocate(&catalogue, &applicants, &seed);
        prop_assert_eq!(&first, &allocate(&catalogue, &applicants, &seed));
        let other = allocate(&catalogue, &applicants, &format!("{seed}x"));
        let births = |d: &[Decision]| d.iter().map(|d| applicants[d.applicant].birth_date).collect::<Vec<_>>();
        prop_assert_eq!(births(&first), births(&other), "the order by age never changes");
        let mut sorted = births(&first);
        sorted.sort();
        prop_assert_eq!(births(&first), sorted, "oldest first");
    }
}
