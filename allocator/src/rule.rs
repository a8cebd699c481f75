//! The allocation rule: serial dictatorship by age.
//!
//! 1. Applicants are ordered oldest first (earliest birth date); people born
//!    on the same day by the [`crate::lottery`] number, then by reference.
//! 2. In that order each gets the first of their choices, in week order,
//!    that still has room: a specific day, or for "any open day of that week"
//!    the open day of the week with the most room left (ties: earliest).
//!    Within the day, the earliest time window with room.
//! 3. If none has room and they accepted other dates: the open day at the
//!    same centre nearest to their first choice (for "any day of week k",
//!    the first day of week k) that has room; ties go to the earlier day.
//! 4. Otherwise they are waitlisted at their centre, in this same order.
//!
//! Pure: no I/O, no clock, no randomness beyond the seed.

use campaign::Catalogue;
use time::Date;

use crate::lottery::Lottery;

/// One applicant as the rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// Their reference.
    pub reference: String,
    /// Date of birth: earlier goes first.
    pub birth_date: Date,
    /// Index of their centre in the catalogue.
    pub centre: usize,
    /// One pick per campaign week, in week order.
    pub picks: Vec<Pick>,
    /// Whether another open day at the centre is acceptable.
    pub accept_other_dates: bool,
}

/// One week's pick, as campaign day numbers (0 = first day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A specific day.
    Day(u16),
    /// Any open day of this week (0-based week index).
    AnyOfWeek(u8),
    /// A day that is no longer a campaign day (the calendar changed): never has room.
    Unavailable,
}

pub use campaign::ChoiceMet;

/// What one applicant gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An appointment.
    Allocated {
        /// Campaign day number.
        day: u16,
        /// Index of the time window in the campaign's windows.
        window: u8,
        /// Which choice it met.
        met: ChoiceMet,
    },
    /// On the centre's waiting list, at this position (1-based).
    Waitlisted {
        /// Position on the centre's waiting list.
        position: u32,
    },
}

/// One applicant's result, in processing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Index into the applicants given to [`allocate`].
    pub applicant: usize,
    /// 1-based place in the processing order.
    pub priority: u32,
    /// The lottery number used for ties.
    pub lottery: u64,
    /// The result.
    pub outcome: Outcome,
}

/// Remaining room per centre, day and window.
#[derive(Debug, Clone)]
pub struct Capacity {
    days: usize,
    windows: usize,
    by_window: Vec<u32>,
    by_day: Vec<u32>,
}

impl Capacity {
    /// Full capacity from the catalogue; days a centre is closed have none.
    pub fn from_catalogue(catalogue: &Catalogue) -> Capacity {
        let campaign = catalogue.campaign();
        let days: Vec<Date> = campaign.days().collect();
        let windows = campaign.windows().len();
        let mut by_window = Vec::with_capacity(catalogue.centres().len() * days.len() * windows);
        let mut by_day = Vec::with_capacity(catalogue.centres().len() * days.len());
        for centre in catalogue.centres() {
            for day in &days {
                let open = catalogue.is_open(centre, *day);
                let shares: Vec<u32> =
                    campaign.window_capacities(if open { centre.daily_capacity } else { 0 }).collect();
                by_day.push(shares.iter().sum());
                by_window.extend(shares);
            }
        }
        Capacity { days: days.len(), windows, by_window, by_day }
    }

    /// Room left at a centre on a day.
    pub fn day_room(&self, centre: usize, day: u16) -> u32 {
        self.by_day[centre * self.days + usize::from(day)]
    }

    /// Room left in one window.
    pub fn window_room(&self, centre: usize, day: u16, window: u8) -> u32 {
        self.by_window[(centre * self.days + usize::from(day)) * self.windows + usize::from(window)]
    }

    /// Counts a place already held (by an earlier round's appointment): one
    /// less room in that window, never below none (capacity cut since
    /// leaves the holder their place and the window full).
    pub fn hold(&mut self, centre: usize, day: u16, window: u8) {
        let d = centre * self.days + usize::from(day);
        let w = &mut self.by_window[d * self.windows + usize::from(window)];
        if *w > 0 {
            *w -= 1;
            self.by_day[d] -= 1;
        }
    }

    /// No room on the days before `day` (0-based campaign day), at any centre.
    pub fn close_before(&mut self, day: u16) {
        let day = usize::from(day).min(self.days);
        for centre in 0..self.by_day.len() / self.days.max(1) {
            for d in centre * self.days..centre * self.days + day {
                self.by_day[d] = 0;
                self.by_window[d * self.windows..(d + 1) * self.windows].fill(0);
            }
        }
    }

    /// Room left at every centre on every day, in total.
    pub fn total_room(&self) -> u64 {
        self.by_day.iter().map(|r| u64::from(*r)).sum()
    }

    /// Takes one place in the earliest window with room; the day must have room.
    pub fn take(&mut self, centre: usize, day: u16) -> u8 {
        let d = centre * self.days + usize::from(day);
        self.by_day[d] -= 1;
        let windows = &mut self.by_window[d * self.windows..(d + 1) * self.windows];
        let w = windows.iter().position(|room| *room > 0).expect("a day with room has a window with room");
        windows[w] -= 1;
        u8::try_from(w).expect("fewer than 256 windows a day")
    }
}

/// The processing order: oldest first, then lottery, then reference.
pub fn priority_order(applicants: &[Applicant], lottery: &Lottery) -> Vec<(usize, u64)> {
    // Two million HMACs take a couple of seconds: share them across the cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = applicants.len().div_ceil(threads).max(1);
    let mut order: Vec<(usize, u64)> = std::thread::scope(|scope| {
        let parts: Vec<_> = applicants
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                let lottery = lottery.clone();
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, a)| (n * chunk + i, lottery.number(&a.reference)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|p| p.join().expect("a lottery thread does not panic")).collect()
    });
    order.sort_unstable_by(|(a, la), (b, lb)| {
        let (a, b) = (&applicants[*a], &applicants[*b]);
        a.birth_date.cmp(&b.birth_date).then(la.cmp(lb)).then_with(|| a.reference.cmp(&b.reference))
    });
    order
}

/// Allocates everyone, in priority order.
pub fn allocate(catalogue: &Catalogue, applicants: &[Applicant], seed: &str) -> Vec<Decision> {
    let mut capacity = Capacity::from_catalogue(catalogue);
    let mut waitlists = vec![0u32; catalogue.centres().len()];
    let order = priority_order(applicants, &Lottery::new(seed));
    let mut decisions = Vec::with_capacity(order.len());
    for (rank, (index, lottery)) in order.into_iter().enumerate() {
        let a = &applicants[index];
        let chosen = choose(&capacity, a);
        let outcome = match chosen {
            Some((day, met)) => Outcome::Allocated { day, window: capacity.take(a.centre, day), met },
            None => {
                waitlists[a.centre] += 1;
                Outcome::Waitlisted { position: waitlists[a.centre] }
            }
        };
        decisions.push(Decision {
            applicant: index,
            priority: u32::try_from(rank + 1).unwrap_or(u32::MAX),
            lottery,
            outcome,
        });
    }
    decisions
}

/// Steps 2 and 3 of the rule for one applicant: the day they get with the
/// room left, and which choice it meets; `None` when none of their
/// acceptable days has room.
pub fn choose(capacity: &Capacity, a: &Applicant) -> Option<(u16, ChoiceMet)> {
    let days_per_week = 7u16;
    let chosen = a.picks.iter().enumerate().find_map(|(week, pick)| {
        let day = match *pick {
            Pick::Day(day) => Some(day).filter(|d| capacity.day_room(a.centre, *d) > 0),
            Pick::AnyOfWeek(w) => {
                let first = u16::from(w) * days_per_week;
                // Most room first; among equals the earliest (max_by_key keeps the last maximum).
                (first..first + days_per_week)
                    .rev()
                    .filter(|d| capacity.day_room(a.centre, *d) > 0)
                    .max_by_key(|d| capacity.day_room(a.centre, *d))
            }
            Pick::Unavailable => None,
        }?;
        Some((day, ChoiceMet::Week(u8::try_from(week + 1).unwrap_or(u8::MAX))))
    });
    chosen.or_else(|| {
        if !a.accept_other_dates {
            return None;
        }
        let anchor = match a.picks.first() {
            Some(Pick::Day(d)) => *d,
            Some(Pick::AnyOfWeek(w)) => u16::from(*w) * days_per_week,
            _ => 0,
        };
        let total = u16::try_from(capacity.days).unwrap_or(u16::MAX);
        (0..total)
            .filter(|d| capacity.day_room(a.centre, *d) > 0)
            .min_by_key(|d| (d.abs_diff(anchor), *d))
            .map(|d| (d, ChoiceMet::Other))
    })
}

#[cfg(test)]
mod tests;
