//! Allocation results: the run record and one row per application.

use campaign::application::DayPick;
use campaign::{ChoiceMet, TimeWindow};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

/// A finished allocation run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Identifies the run (derived from seed and input).
    pub run_id: String,
    /// The lottery seed.
    pub seed: String,
    /// SHA-256 over the applications and campaign files.
    pub input_fingerprint: String,
    /// The published commitment (`sha256:<hex>`) the seed was checked
    /// against, or `None` when the seed was not committed in advance.
    pub lottery_commitment: Option<String>,
    /// Name and version of the rule applied.
    pub rule: String,
    /// When the run started.
    pub started_at: OffsetDateTime,
    /// When it finished allocating (before writing).
    pub finished_at: OffsetDateTime,
    /// Applications read.
    pub applicants: u64,
    /// Appointments given.
    pub allocated: u64,
    /// Applicants waitlisted.
    pub waitlisted: u64,
    /// Seconds spent reading.
    pub read_seconds: f64,
    /// Seconds spent allocating.
    pub allocate_seconds: f64,
    /// Seconds spent writing (of the previous stage; filled in before the commit).
    pub write_seconds: f64,
    /// Made while registration was still open (`--force`): not the real
    /// allocation, and replaced by the first real run without `--replace`.
    pub trial: bool,
}

impl RunRecord {
    /// Whether storing `self` may take the place of `stored`: always with
    /// `replace`, and without it only a real run over a trial.
    pub fn may_replace(&self, stored_trial: bool, replace: bool) -> bool {
        replace || (stored_trial && !self.trial)
    }
}

/// One application's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationRow {
    /// The application.
    pub reference: String,
    /// 1-based place in the processing order.
    pub priority: u64,
    /// The tie-break number.
    pub lottery: u64,
    /// The centre applied to.
    pub centre_id: String,
    /// The appointment, or `None` when waitlisted.
    pub appointment: Option<Appointment>,
    /// Place on the centre's waiting list, when waitlisted.
    pub waitlist_position: Option<u64>,
    /// The person gave their place back (neither appointment nor position).
    pub declined: bool,
    /// The round that last set this row: 1 for `allocator run`.
    pub round: u32,
}

/// A day and time window, and which choice it met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appointment {
    /// The day.
    pub date: Date,
    /// The time window.
    pub window: TimeWindow,
    /// Which of the applicant's choices it met.
    pub met: ChoiceMet,
}

impl AllocationRow {
    /// `allocated`, `waitlisted` or `declined`.
    pub fn status(&self) -> &'static str {
        match (self.appointment, self.declined) {
            (Some(_), _) => "allocated",
            (None, true) => "declined",
            (None, false) => "waitlisted",
        }
    }

    /// Whether the person is on the waiting list.
    pub fn is_waiting(&self) -> bool {
        self.appointment.is_none() && !self.declined
    }

    /// The choice met, as in exports and reports: `week1` ... `weekN`,
    /// `other`, or `none` when waitlisted or declined.
    pub fn choice_met_text(&self) -> String {
        self.appointment.map_or_else(|| NO_CHOICE_MET.to_owned(), |a| a.met.to_string())
    }
}

/// What a waitlisted row stores as its choice met.
pub(crate) const NO_CHOICE_MET: &str = "none";

/// Reads a stored appointment's columns back; `Err` names the column that
/// does not read.
pub(crate) fn appointment_from_columns(
    date: Option<Date>,
    window_start: Option<&str>,
    window_end: Option<&str>,
    choice_met: &str,
) -> Result<Option<Appointment>, &'static str> {
    let Some(date) = date else { return Ok(None) };
    let time = |t: Option<&str>, column| t.and_then(campaign::dates::parse_time).ok_or(column);
    let window = TimeWindow { start: time(window_start, "window_start")?, end: time(window_end, "window_end")? };
    let met = choice_met.parse().map_err(|_| "choice_met")?;
    Ok(Some(Appointment { date, window, met }))
}

/// Where an allocation row stands: the columns a round sets, read alike
/// from `allocations` and (as they were before the round) `round_changes`.
pub(crate) struct Situation {
    pub(crate) appointment: Option<Appointment>,
    pub(crate) waitlist_position: Option<u64>,
    pub(crate) declined: bool,
    pub(crate) round: u32,
}

impl Situation {
    /// The allocation row of `reference` standing here.
    pub(crate) fn into_allocation(
        self,
        reference: String,
        priority: u64,
        lottery: u64,
        centre_id: String,
    ) -> AllocationRow {
        let Situation { appointment, waitlist_position, declined, round } = self;
        AllocationRow { reference, priority, lottery, centre_id, appointment, waitlist_position, declined, round }
    }

    /// The round change of `reference`, which stood here before the round.
    pub(crate) fn into_change(self, reference: String) -> crate::RoundChange {
        let Situation { appointment, waitlist_position, declined, round } = self;
        crate::RoundChange { reference, appointment, waitlist_position, declined, round }
    }
}

/// What the allocator needs of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationInput {
    /// The reference.
    pub reference: String,
    /// Date of birth.
    pub birth_date: Date,
    /// The centre applied to.
    pub centre_id: String,
    /// One pick per campaign week, in week order.
    pub choices: Vec<DayPick>,
    /// Whether another day at the centre is acceptable.
    pub accept_other_dates: bool,
}

/// Builds [`AllocationInputs::digest`]; both backends must feed it the same
/// pairs in the same order, so it lives in one place.
#[derive(Default)]
pub(crate) struct InputDigest(Sha256);

impl InputDigest {
    /// Adds one application's current version, in reference order.
    pub(crate) fn add(&mut self, reference: &str, version: u32, fingerprint: &[u8]) {
        self.0.update(reference.as_bytes());
        self.0.update([0x1f]);
        self.0.update(version.to_string().as_bytes());
        self.0.update([0x1f]);
        self.0.update(fingerprint);
        self.0.update([0x1e]);
    }

    /// The digest, hex.
    pub(crate) fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// Every application's allocation input, in reference order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationInputs {
    /// The applications.
    pub rows: Vec<AllocationInput>,
    /// SHA-256 (hex) over each application's reference, version and
    /// fingerprint, in reference order: changes if any application changes.
    pub digest: String,
}
