//! The campaign calendar: its weeks and days, the day's time windows, and
//! when registration is open.

use std::fmt;

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::dates::format_time;

/// A checked campaign: only [`crate::Catalogue`] loading builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub(crate) name: String,
    pub(crate) first_day: Date,
    pub(crate) weeks: u8,
    pub(crate) registration_opens: OffsetDateTime,
    pub(crate) registration_closes: OffsetDateTime,
    pub(crate) minimum_age: u8,
    pub(crate) age_reference_date: Date,
    pub(crate) windows: Vec<TimeWindow>,
    pub(crate) helpline: Helpline,
    pub(crate) lottery_commitment: Option<crate::LotteryCommitment>,
    pub(crate) decline_until_hours: u16,
}

/// The phone number people call with questions, and when it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helpline {
    pub(crate) phone: String,
    pub(crate) hours: Option<String>,
}

impl Helpline {
    /// The number as people dial it, e.g. `03-8000 8000`.
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// When it answers, as written in `campaign.toml` (e.g. `08:00-20:00`).
    pub fn hours(&self) -> Option<&str> {
        self.hours.as_deref()
    }
}

impl fmt::Display for Helpline {
    /// `03-8000 8000 (08:00-20:00)`, or the number alone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.hours {
            Some(hours) => write!(f, "{} ({hours})", self.phone),
            None => f.write_str(&self.phone),
        }
    }
}

/// The oldest age the application accepts; older birth dates are typos.
pub const MAXIMUM_AGE: i32 = 120;

impl Campaign {
    /// The campaign's public name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SHA-256 of the lottery seed, published before registration opens;
    /// `None` when the campaign did not commit to its seed in advance.
    pub fn lottery_commitment(&self) -> Option<&crate::LotteryCommitment> {
        self.lottery_commitment.as_ref()
    }

    /// The first day appointments can take place.
    pub fn first_day(&self) -> Date {
        self.first_day
    }

    /// The last day appointments can take place.
    pub fn last_day(&self) -> Date {
        self.first_day + Duration::days(7 * i64::from(self.weeks) - 1)
    }

    /// How many weeks the campaign runs.
    pub fn week_count(&self) -> u8 {
        self.weeks
    }

    /// Every week of the campaign, in order.
    pub fn weeks(&self) -> impl Iterator<Item = CampaignWeek> + use<> {
        (1..=self.weeks).map(CampaignWeek)
    }

    /// Week `number` (1-based), if the campaign has it.
    pub fn week(&self, number: u8) -> Option<CampaignWeek> {
        (1..=self.weeks).contains(&number).then_some(CampaignWeek(number))
    }

    /// The week a date falls in, if it is a campaign day.
    pub fn week_of(&self, date: Date) -> Option<CampaignWeek> {
        let offset = (date - self.first_day).whole_days();
        if offset < 0 {
            return None;
        }
        u8::try_from(offset / 7 + 1).ok().and_then(|n| self.week(n))
    }

    /// The seven days of `week`, Monday-to-Sunday only if the campaign starts on a Monday.
    pub fn days_of(&self, week: CampaignWeek) -> impl Iterator<Item = Date> + use<> {
        let start = self.first_day + Duration::days(7 * i64::from(week.0 - 1));
        (0..7).map(move |d| start + Duration::days(d))
    }

    /// Every day of the campaign, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let first = self.first_day;
        (0..7 * i64::from(self.weeks)).map(move |d| first + Duration::days(d))
    }

    /// The minimum age on [`Campaign::age_reference_date`].
    pub fn minimum_age(&self) -> u8 {
        self.minimum_age
    }

    /// The date on which ages are computed.
    pub fn age_reference_date(&self) -> Date {
        self.age_reference_date
    }

    /// The appointment time windows of every open day, earliest first.
    pub fn windows(&self) -> &[TimeWindow] {
        &self.windows
    }

    /// Spreads a day's capacity over the time windows: equal shares, the
    /// remainder going to the earliest windows, so the sum is exact.
    pub fn window_capacities(&self, daily_capacity: u32) -> impl Iterator<Item = u32> + use<> {
        let n = u32::try_from(self.windows.len()).unwrap_or(u32::MAX).max(1);
        let (share, extra) = (daily_capacity / n, daily_capacity % n);
        (0..n).map(move |i| share + u32::from(i < extra))
    }

    /// The helpline every page and message that sends people to it shows.
    pub fn helpline(&self) -> &Helpline {
        &self.helpline
    }

    /// When registration opens.
    pub fn registration_opens(&self) -> OffsetDateTime {
        self.registration_opens
    }

    /// When registration closes.
    pub fn registration_closes(&self) -> OffsetDateTime {
        self.registration_closes
    }

    /// How many hours before its start an appointment may still be declined.
    pub fn decline_until_hours(&self) -> u16 {
        self.decline_until_hours
    }

    /// The earliest appointment start (campaign local time, the offset of
    /// `registration_closes`) that may still be declined at `now`.
    pub fn earliest_declinable_start(&self, now: OffsetDateTime) -> PrimitiveDateTime {
        let local = now.to_offset(self.registration_closes.offset());
        let earliest = local + Duration::hours(i64::from(self.decline_until_hours));
        PrimitiveDateTime::new(earliest.date(), earliest.time())
    }

    /// The instant until which an appointment starting at `date` and
    /// `start` (campaign local time) may be declined.
    pub fn decline_deadline(&self, date: Date, start: Time) -> OffsetDateTime {
        PrimitiveDateTime::new(date, start).assume_offset(self.registration_closes.offset())
            - Duration::hours(i64::from(self.decline_until_hours))
    }

    /// Whether applications are taken at `now`. Opening is inclusive, closing exclusive.
    pub fn registration_status(&self, now: OffsetDateTime) -> RegistrationStatus {
        if now < self.registration_opens {
            RegistrationStatus::NotYetOpen
        } else if now < self.registration_closes {
            RegistrationStatus::Open
        } else {
            RegistrationStatus::Closed
        }
    }
}

/// Where registration stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStatus {
    /// Before `registration_opens`.
    NotYetOpen,
    /// Applications are taken.
    Open,
    /// At or after `registration_closes`.
    Closed,
}

/// Week `k` of a campaign (1-based): the 7 days from `first_day + 7(k-1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CampaignWeek(u8);

impl CampaignWeek {
    /// The week's number, starting at 1.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The form and JSON field that holds this week's choice (`week1`, ...).
    pub fn field_name(self) -> String {
        format!("week{}", self.0)
    }

    /// Zero-based position, for indexing per-week arrays.
    pub fn index(self) -> usize {
        usize::from(self.0 - 1)
    }
}

impl fmt::Display for CampaignWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An appointment time window within a day, such as 09:00-10:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeWindow {
    /// Start (inclusive).
    pub start: Time,
    /// End (exclusive).
    pub end: Time,
}

impl fmt::Display for TimeWindow {
    /// `HH:MM-HH:MM`, the form used in every export.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", format_time(self.start), format_time(self.end))
    }
}
