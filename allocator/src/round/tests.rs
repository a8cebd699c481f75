use std::collections::{HashMap, HashSet};
use std::path::Path;

use campaign::ChoiceMet;
use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::rule::{Outcome, Pick};

fn catalogue(capacities: &[u32]) -> Catalogue {
    let campaign = "name = \"T\"\nfirst_day = \"2028-01-10\"\nweeks = 2\nregistration_opens = \"2027-01-01T00:00:00+08:00\"\n\
         registration_closes = \"2027-12-31T00:00:00+08:00\"\nminimum_age = 18\nage_reference_date = \"2028-01-10\"\n\
         day_opens = \"09:00\"\nday_closes = \"11:00\"\nwindow_minutes = 60\n[helpline]\nphone = \"03-8000 8000\"\n";
    let mut csv = String::from("id,state,district,name,address,daily_capacity,closed_weekdays\n");
    for (i, capacity) in capacities.iter().enumerate() {
        csv.push_str(&format!("C-{i:04},Selangor,D,Centre {i},Addr,{capacity},\n"));
    }
    Catalogue::from_texts(Path::new("t"), campaign, &csv, "centre_id,date,reason\n").expect("valid test catalogue")
}

/// The first run's rows, as `allocator run` stores them.
fn first_run(catalogue: &Catalogue, applicants: &[Applicant], seed: &str) -> Vec<AllocationRow> {
    let days: Vec<Date> = catalogue.campaign().days().collect();
    let windows = catalogue.campaign().windows();
    let mut rows: Vec<Option<AllocationRow>> = vec![None; applicants.len()];
    for d in rule::allocate(catalogue, applicants, seed) {
        let (appointment, waitlist_position) = match d.outcome {
            Outcome::Allocated { day, window, met } => {
                (Some(Appointment { date: days[usize::from(day)], window: windows[usize::from(window)], met }), None)
            }
            Outcome::Waitlisted { position } => (None, Some(u64::from(position))),
        };
        rows[d.applicant] = Some(AllocationRow {
            reference: applicants[d.applicant].reference.clone(),
            priority: u64::from(d.priority),
            lottery: d.lottery,
            centre_id: format!("C-{:04}", applicants[d.applicant].centre),
            appointment,
            waitlist_position,
            declined: false,
            round: 1,
        });
    }
    rows.into_iter().map(|r| r.expect("one decision per applicant")).collect()
}

fn acceptable(a: &Applicant, day: u16) -> bool {
    a.accept_other_dates
        || a.picks.iter().any(|p| match *p {
            Pick::Day(d) => d == day,
            Pick::AnyOfWeek(w) => day / 7 == u16::from(w),
            Pick::Unavailable => false,
        })
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![(0u16..14).prop_map(Pick::Day), (0u8..2).prop_map(Pick::AnyOfWeek)]
}

fn applicants() -> impl Strategy<Value = Vec<Applicant>> {
    prop::collection::vec((0usize..2, 0i64..20, prop::collection::vec(pick(), 2), any::<bool>()), 1..60).prop_map(
        |people| {
            people
                .into_iter()
                .enumerate()
                .map(|(i, (centre, age, mut picks, accept))| {
                    // The second week's pick lies in the second week, as the form allows.
                    picks[0] = match picks[0] {
                        Pick::Day(d) => Pick::Day(d % 7),
                        _ => Pick::AnyOfWeek(0),
                    };
                    picks[1] = match picks[1] {
                        Pick::Day(d) => Pick::Day(7 + d % 7),
                        _ => Pick::AnyOfWeek(1),
                    };
                    Applicant {
                        reference: format!("R{i:04}"),
                        birth_date: date!(1950 - 01 - 01) + time::Duration::days(age),
                        centre,
                        picks,
                        accept_other_dates: accept,
                    }
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn a_round_keeps_capacity_holders_fairness_and_every_freed_place(
        people in applicants(),
        capacities in (1u32..4, 1u32..4),
        added in (0u32..3, 0u32..3),
        declining in prop::collection::vec((any::<bool>(), any::<bool>()), 60),
        not_before in 0i64..14,
    ) {
        let before = catalogue(&[capacities.0, capacities.1]);
        let mut rows = first_run(&before, &people, "seed");
        let mut rejoined = HashSet::new();
        for (row, (declines, rejoins)) in rows.iter_mut().zip(&declining) {
            if *declines && row.appointment.is_some() {
                row.appointment = None;
                row.declined = true;
                if *rejoins {
                    rejoined.insert(row.reference.clone());
                }
            }
        }
        // Capacity added to centres.csv since the first run.
        let after = catalogue(&[capacities.0 + added.0, capacities.1 + added.1]);
        let input = RoundInput {
            catalogue: &after,
            applicants: &people,
            allocations: &rows,
            rejoined: &rejoined,
            seed: "seed",
            not_before: date!(2028 - 01 - 10) + time::Duration::days(not_before),
            round: 2,
        };
        let outcome = allocate_round(&input);
        let mut result = rows.clone();
        let index: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, r)| (r.reference.as_str(), i)).collect();
        for row in &outcome.changed {
            result[index[row.reference.as_str()]] = row.clone();
        }

        // Nobody who held an appointment lost it or was moved.
        for (was, now) in rows.iter().zip(&result) {
            if was.appointment.is_some() {
                prop_assert_eq!(was, now);
            }
            if was.declined && !rejoined.contains(&was.reference) {
                prop_assert_eq!(was, now, "declined without rejoining: left out");
            }
        }
        // Capacity per centre, day and window holds.
        let windows = after.campaign().windows();
        let mut taken: HashMap<(String, Date, usize), u32> = HashMap::new();
        for row in result.iter().filter_map(|r| r.appointment.map(|a| (r, a))) {
            let w = windows.iter().position(|x| *x == row.1.window).expect("a campaign window");
            *taken.entry((row.0.centre_id.clone(), row.1.date, w)).or_default() += 1;
        }
        for ((centre, _, w), n) in &taken {
            let daily = if centre == "C-0000" { capacities.0 + added.0 } else { capacities.1 + added.1 };
            let share: Vec<u32> = after.campaign().window_capacities(daily).collect();
            prop_assert!(*n <= share[*w], "{centre} window {w}: {n} > {}", share[*w]);
        }
        // Given only on or after not_before, and only in this round.
        for row in &outcome.changed {
            if let Some(a) = row.appointment {
                prop_assert!(a.date >= input.not_before);
                prop_assert_eq!(row.round, 2);
            }
        }
        // Every freed place is given or left free, and none left free is wanted.
        prop_assert_eq!(outcome.freed, outcome.given + outcome.left_free);
        let left = free_capacity(&RoundInput { allocations: &result, ..input });
        prop_assert_eq!(left.total_room(), outcome.left_free);
        // No justified envy: a person still waiting wanted no day given in
        // this round, at their centre, to someone after them in the order.
        let order: HashMap<&str, u64> = rows.iter().map(|r| (r.reference.as_str(), r.priority)).collect();
        for (p, row) in people.iter().zip(&result) {
            if !row.is_waiting() || !(rows[index[p.reference.as_str()]].is_waiting() || rejoined.contains(&p.reference)) {
                continue;
            }
            for q in outcome.changed.iter().filter(|q| q.appointment.is_some()) {
                let qa = &people[index[q.reference.as_str()]];
                let day = u16::try_from((q.appointment.expect("given").date - date!(2028 - 01 - 10)).whole_days()).expect("a campaign day");
                if qa.centre == p.centre && order[q.reference.as_str()] > order[p.reference.as_str()] {
                    prop_assert!(!acceptable(p, day), "{} waits while {} (later) got day {day} they would take", p.reference, q.reference);
                }
            }
        }
    }
}

#[test]
fn a_declined_place_goes_to_the_next_waiting_and_a_rejoined_person_keeps_their_priority() {
    let c = catalogue(&[1, 1]);
    let people: Vec<Applicant> = (0..3)
        .map(|i| Applicant {
            reference: format!("R{i}"),
            birth_date: date!(1950 - 01 - 01) + time::Duration::days(i),
            centre: 0,
            picks: vec![Pick::Day(2), Pick::Unavailable],
            accept_other_dates: false,
        })
        .collect();
    let mut rows = first_run(&c, &people, "seed");
    assert!(rows[0].appointment.is_some() && rows[1].is_waiting() && rows[2].is_waiting());
    rows[0].appointment = None;
    rows[0].declined = true;
    let nobody = HashSet::new();
    let input = RoundInput {
        catalogue: &c,
        applicants: &people,
        allocations: &rows,
        rejoined: &nobody,
        seed: "seed",
        not_before: date!(2028 - 01 - 11),
        round: 2,
    };
    let outcome = allocate_round(&input);
    // Free: the declined place and every place nobody took, from day 1 on (2 centres, 13 days, 1 a day).
    assert_eq!((outcome.freed, outcome.given, outcome.left_free, outcome.waiting), (26, 1, 25, 2));
    let changed: Vec<_> =
        outcome.changed.iter().map(|r| (r.reference.as_str(), r.status(), r.waitlist_position)).collect();
    assert_eq!(changed, [("R1", "allocated", None), ("R2", "waitlisted", Some(1))]);
    assert_eq!(outcome, allocate_round(&input), "the same input, the same round");

    // Had R0 asked to rejoin, their original priority puts them first again.
    let rejoined = HashSet::from(["R0".to_owned()]);
    let outcome = allocate_round(&RoundInput { rejoined: &rejoined, ..input });
    let changed: Vec<_> = outcome.changed.iter().map(|r| (r.reference.as_str(), r.status())).collect();
    assert_eq!(changed, [("R0", "allocated")]);
    assert_eq!(outcome.changed[0].appointment.map(|a| a.met), Some(ChoiceMet::Week(1)));

    // A place before not_before is never given.
    let late = allocate_round(&RoundInput { not_before: date!(2028 - 01 - 13), ..input });
    assert_eq!((late.given, late.changed.len()), (0, 0), "day 2 is before not_before and nobody wants another");
}
