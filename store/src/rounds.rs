//! After the first allocation: declines, later rounds and the centres'
//! attendance, as typed rows for both backends.
//!
//! Round 1 is `allocator run`; `allocator round` makes rounds 2, 3, ...
//! Each allocation row says which round last set it, and each round keeps
//! the rows it changed as they were before, so the last round can be redone
//! exactly and every change is on record.

use campaign::TimeWindow;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::{AllocationRow, Appointment, Channel, StoreError};

/// The first run's round number.
pub const FIRST_ROUND: u32 = 1;

/// A person giving back their appointment, as intake's writer commits it
/// (an [`crate::Amendment::Decline`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decline {
    /// The application.
    pub reference: String,
    /// The identity number (normalised) that proves who asks.
    pub id_number: String,
    /// The earliest appointment start (campaign local time) that may still
    /// be declined: now plus the campaign's `decline_until_hours`.
    pub earliest_start: PrimitiveDateTime,
    /// Whether they ask to go back on the waiting list, at their original priority.
    pub rejoin: bool,
    /// When intake took it.
    pub at: OffsetDateTime,
    /// Where it came from.
    pub via: Channel,
}

/// What happened to a decline, beside [`crate::AmendOutcome::NotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclineOutcome {
    /// The place is released now.
    Declined {
        /// Whether they are back on the waiting list.
        rejoined: bool,
    },
    /// Released before (a retry, or a later request to rejoin, which is kept).
    AlreadyDeclined {
        /// Whether they are (now) back on the waiting list.
        rejoined: bool,
    },
    /// They hold no appointment: waiting, or nothing allocated yet.
    NoAppointment,
    /// The appointment starts too soon to be declined.
    TooLate {
        /// The appointment.
        appointment: Appointment,
    },
}

/// The stored form of a decision taken in the database, on both backends alike.
pub(crate) fn decide_decline(
    appointment: Appointment,
    earliest_start: PrimitiveDateTime,
) -> Result<(), DeclineOutcome> {
    if PrimitiveDateTime::new(appointment.date, appointment.window.start) < earliest_start {
        Err(DeclineOutcome::TooLate { appointment })
    } else {
        Ok(())
    }
}

/// One stored decline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclineRecord {
    /// The application.
    pub reference: String,
    /// The round that had given the place.
    pub round: u32,
    /// The centre.
    pub centre_id: String,
    /// The day of the released place.
    pub date: Date,
    /// Its time window.
    pub window: TimeWindow,
    /// When it was declined.
    pub declined_at: OffsetDateTime,
    /// How.
    pub via: Channel,
    /// When the person asked to rejoin the waiting list, if they did.
    pub rejoined_at: Option<OffsetDateTime>,
}

/// One round after the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRecord {
    /// The run whose allocation the round continues.
    pub run_id: String,
    /// 2, 3, ...
    pub round: u32,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// The first day whose places it could give.
    pub not_before: Date,
    /// SHA-256 over everything it read and its arguments.
    pub input_fingerprint: String,
    /// People waiting (and rejoined) before it.
    pub waiting: u64,
    /// Free places on or after `not_before` before it.
    pub freed: u64,
    /// Places it gave.
    pub given: u64,
    /// Places left free because nobody waiting wanted them (`freed - given`).
    pub left_free: u64,
}

/// A row's situation as it was before a round changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundChange {
    /// The application.
    pub reference: String,
    /// Its appointment before.
    pub appointment: Option<Appointment>,
    /// Its waiting-list position before.
    pub waitlist_position: Option<u64>,
    /// Whether it was declined before.
    pub declined: bool,
    /// The round that had set it.
    pub round: u32,
}

impl RoundChange {
    /// Puts `row` back as it was before the round.
    pub fn restore(&self, row: &mut AllocationRow) {
        row.appointment = self.appointment;
        row.waitlist_position = self.waitlist_position;
        row.declined = self.declined;
        row.round = self.round;
    }
}

/// Whether a stored round may be redone, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundSave {
    /// A new round, after the last stored one.
    Append,
    /// Redo the last stored round: undo its changes, then apply these.
    ReplaceLast,
}

impl RoundSave {
    /// Checks that `round` is the one to store this way when `last` is the
    /// highest round stored for the run (`None` after the first run alone):
    /// the next one, or the last one again to redo it, never the first run.
    /// Both backends read `last` and leave the decision here.
    pub(crate) fn check_turn(self, last: Option<i64>, round: u32) -> Result<(), StoreError> {
        let last = last.and_then(|n| u32::try_from(n).ok()).unwrap_or(FIRST_ROUND);
        let expected = match self {
            RoundSave::Append => last + 1,
            RoundSave::ReplaceLast => last,
        };
        if round != expected || round <= FIRST_ROUND {
            return Err(StoreError::RoundOutOfTurn { stored: last, given: round });
        }
        Ok(())
    }
}

/// What a centre reported of one appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    /// The application.
    pub reference: String,
    /// The centre.
    pub centre_id: String,
    /// The appointment's day.
    pub date: Date,
    /// Whether the person came.
    pub attended: bool,
}

/// What an attendance import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttendanceImport {
    /// Rows stored for the first time.
    pub added: u64,
    /// Rows whose stored value was different.
    pub changed: u64,
    /// Rows already stored with the same value.
    pub unchanged: u64,
}
