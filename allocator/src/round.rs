//! A round after the first: every free place on or after `--not-before`
//! (declined, never given, or capacity added since) goes to the people
//! still waiting, by the same rule and in the same seed order as the first
//! run. Nobody who holds an appointment is moved; declined people take
//! part only if they asked to rejoin.
//!
//! Pure: the same stored state and arguments give the same changes.

use std::collections::HashSet;

use campaign::Catalogue;
use store::{AllocationRow, Appointment};
use time::Date;

use crate::lottery::Lottery;
use crate::rule::{self, Applicant, Capacity};

/// What a round decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundOutcome {
    /// The rows it changed, as they are after it (newly allocated, or a
    /// new waiting-list position), in priority order.
    pub changed: Vec<AllocationRow>,
    /// People who took part: waiting, or declined and rejoined.
    pub waiting: u64,
    /// Free places on or after `not_before` before the round.
    pub freed: u64,
    /// Places given.
    pub given: u64,
    /// Places left free: nobody taking part could use them.
    pub left_free: u64,
}

/// What a round works from.
#[derive(Debug, Clone, Copy)]
pub struct RoundInput<'a> {
    /// The campaign as it is now (capacity may have grown since).
    pub catalogue: &'a Catalogue,
    /// Every application, as the rule sees it.
    pub applicants: &'a [Applicant],
    /// Every application's allocation row, as stored before this round;
    /// `allocations[i]` belongs to `applicants[i]`.
    pub allocations: &'a [AllocationRow],
    /// References that declined and asked to rejoin the waiting list.
    pub rejoined: &'a HashSet<String>,
    /// The first run's seed: the same order.
    pub seed: &'a str,
    /// The first day whose places may be given.
    pub not_before: Date,
    /// This round's number.
    pub round: u32,
}

/// The campaign day number of `date`, if it is a campaign day.
fn day_number(catalogue: &Catalogue, date: Date) -> Option<u16> {
    let campaign = catalogue.campaign();
    let offset = (date - campaign.first_day()).whole_days();
    u16::try_from(offset).ok().filter(|d| usize::from(*d) < campaign.days().count())
}

/// Room left now: capacity from the catalogue less every held appointment,
/// and none before `not_before`.
pub fn free_capacity(input: &RoundInput<'_>) -> Capacity {
    let catalogue = input.catalogue;
    let windows = catalogue.campaign().windows();
    let mut capacity = Capacity::from_catalogue(catalogue);
    for (a, row) in input.applicants.iter().zip(input.allocations) {
        let Some(Appointment { date, window, .. }) = row.appointment else { continue };
        let (Some(day), Some(w)) = (day_number(catalogue, date), windows.iter().position(|x| *x == window)) else {
            continue;
        };
        capacity.hold(a.centre, day, u8::try_from(w).unwrap_or(u8::MAX));
    }
    let first = catalogue.campaign().first_day();
    let closed = u16::try_from((input.not_before - first).whole_days().max(0)).unwrap_or(u16::MAX);
    capacity.close_before(closed);
    capacity
}

/// Runs the round.
pub fn allocate_round(input: &RoundInput<'_>) -> RoundOutcome {
    let catalogue = input.catalogue;
    let mut capacity = free_capacity(input);
    let freed = capacity.total_room();
    let taking_part: Vec<usize> = (0..input.applicants.len())
        .filter(|&i| {
            let row = &input.allocations[i];
            row.is_waiting() || (row.declined && input.rejoined.contains(&row.reference))
        })
        .collect();
    let subset: Vec<Applicant> = taking_part.iter().map(|&i| input.applicants[i].clone()).collect();
    let order = rule::priority_order(&subset, &Lottery::new(input.seed));
    let days: Vec<Date> = catalogue.campaign().days().collect();
    let windows = catalogue.campaign().windows();
    let mut positions = vec![0u64; catalogue.centres().len()];
    let mut changed = Vec::new();
    let mut given = 0u64;
    for (index, _) in order {
        let a = &subset[index];
        let before = &input.allocations[taking_part[index]];
        let mut after = before.clone();
        after.declined = false;
        after.round = input.round;
        match rule::choose(&capacity, a) {
            Some((day, met)) => {
                let window = windows[usize::from(capacity.take(a.centre, day))];
                after.appointment = Some(Appointment { date: days[usize::from(day)], window, met });
                after.waitlist_position = None;
                given += 1;
            }
            None => {
                positions[a.centre] += 1;
                after.waitlist_position = Some(positions[a.centre]);
            }
        }
        let same = after.appointment == before.appointment
            && after.waitlist_position == before.waitlist_position
            && after.declined == before.declined;
        if !same {
            changed.push(after);
        }
    }
    RoundOutcome { changed, waiting: taking_part.len() as u64, freed, given, left_free: capacity.total_room() }
}

#[cfg(test)]
mod tests;
