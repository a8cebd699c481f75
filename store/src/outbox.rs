//! The outbox: messages to send through a gateway, their state, and the
//! delivery reports that came back, as typed rows for both backends.
//!
//! A message is claimed (`sending`, one more attempt, committed) before
//! it is handed to the gateway, so a sender that dies mid-request leaves
//! a trace: a later send finds it `sending` and treats it as in doubt
//! rather than sending it again blindly.

use campaign::Lang;
use time::OffsetDateTime;

use crate::postgres::outbox as postgres;
use crate::sqlite::{Purpose, outbox as sqlite};
use crate::{Store, StoreError};

/// How a message reaches its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxChannel {
    /// A text message to a phone number.
    Sms,
    /// An email (not sent yet: the format is ready for it).
    Email,
}

impl OutboxChannel {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            OutboxChannel::Sms => "sms",
            OutboxChannel::Email => "email",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<OutboxChannel> {
        [OutboxChannel::Sms, OutboxChannel::Email].into_iter().find(|c| c.code() == text)
    }
}

/// Where a message is on its way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutboxState {
    /// To send.
    Pending,
    /// Claimed by a sender: the request may be on its way.
    Sending,
    /// The gateway took it; no final report yet.
    Sent,
    /// The handset has it (final).
    Delivered,
    /// Refused by the gateway or the network (final until re-queued).
    Failed,
    /// Found `sending` by a later send, or the gateway's answer was lost:
    /// it may or may not have gone out.
    InDoubt,
}

impl OutboxState {
    /// Every state, in the order a message passes through them.
    pub const ALL: [OutboxState; 6] = [
        OutboxState::Pending,
        OutboxState::Sending,
        OutboxState::InDoubt,
        OutboxState::Sent,
        OutboxState::Delivered,
        OutboxState::Failed,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Delivered => "delivered",
            OutboxState::Failed => "failed",
            OutboxState::InDoubt => "in_doubt",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<OutboxState> {
        OutboxState::ALL.into_iter().find(|s| s.code() == text)
    }

    /// Whether nothing more is expected for it.
    pub fn is_final(self) -> bool {
        matches!(self, OutboxState::Delivered | OutboxState::Failed)
    }
}

/// How a message found in doubt was settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InDoubtResolution {
    /// A delivery report for it came: the gateway had it.
    Report,
    /// The gateway still holds it in its queue: wait for its report.
    Queued,
    /// No report within the grace and not in the gateway's queue: the
    /// gateway never had it, so it is sent again.
    Resent,
}

impl InDoubtResolution {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            InDoubtResolution::Report => "report",
            InDoubtResolution::Queued => "queued",
            InDoubtResolution::Resent => "resent",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<InDoubtResolution> {
        [InDoubtResolution::Report, InDoubtResolution::Queued, InDoubtResolution::Resent]
            .into_iter()
            .find(|r| r.code() == text)
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The allocation run it tells about.
    pub run_id: String,
    /// The round whose result it gives (1 = the first run).
    pub round: u32,
    /// The application.
    pub reference: String,
    /// How it goes out.
    pub channel: OutboxChannel,
    /// Phone number (or email address).
    pub recipient: String,
    /// The person's language.
    pub lang: Lang,
    /// Their centre.
    pub centre_id: String,
    /// The text.
    pub body: String,
}

/// A stored message and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Its number, given to the gateway so reports find it.
    pub id: i64,
    /// What was queued.
    pub message: NewMessage,
    /// Where it is.
    pub state: OutboxState,
    /// How many times it was claimed for sending.
    pub attempts: u32,
    /// The gateway's last answer to a send.
    pub gateway_answer: Option<String>,
    /// How it was settled, if it was ever in doubt.
    pub resolution: Option<InDoubtResolution>,
    /// When it was queued.
    pub queued_at: OffsetDateTime,
    /// When it was last claimed.
    pub claimed_at: Option<OffsetDateTime>,
    /// When the gateway took it.
    pub sent_at: Option<OffsetDateTime>,
    /// When it reached a final state.
    pub final_at: Option<OffsetDateTime>,
}

/// What queueing added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueOutcome {
    /// Messages stored now.
    pub added: u64,
    /// Messages that were queued before (left as they are).
    pub already: u64,
}

/// How the gateway answered one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// It took the message (`sent`).
    Accepted(String),
    /// It refused this message for good (`failed`).
    Refused(String),
    /// It did not take it, certainly (connection refused, a busy answer):
    /// back to `pending`.
    NotTaken(String),
    /// Unknown: the request may have reached it (`in_doubt`).
    Unknown(String),
}

/// The gateway's answer to one attempt at one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settle {
    /// The message.
    pub id: i64,
    /// The attempt answered (its `attempts` when claimed).
    pub attempt: u32,
    /// The answer.
    pub outcome: AttemptOutcome,
}

/// A gateway's delivery status (Kannel's codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// 1: delivered to the handset.
    Delivered,
    /// 2: delivery failed.
    Failed,
    /// 4: buffered by the network.
    Buffered,
    /// 8: accepted by the SMSC.
    Accepted,
    /// 16: rejected by the SMSC.
    Rejected,
}

impl DeliveryStatus {
    /// The gateway's code.
    pub fn code(self) -> i64 {
        match self {
            DeliveryStatus::Delivered => 1,
            DeliveryStatus::Failed => 2,
            DeliveryStatus::Buffered => 4,
            DeliveryStatus::Accepted => 8,
            DeliveryStatus::Rejected => 16,
        }
    }

    /// The status for a gateway's code, if it is one.
    pub fn from_code(code: i64) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Delivered,
            DeliveryStatus::Failed,
            DeliveryStatus::Buffered,
            DeliveryStatus::Accepted,
            DeliveryStatus::Rejected,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// The state a message in `current` moves to on this report, if it
    /// moves: a final state is never left, and a report of progress never
    /// takes a message back.
    pub fn next_state(self, current: OutboxState) -> Option<OutboxState> {
        if current.is_final() {
            return None;
        }
        match self {
            DeliveryStatus::Delivered => Some(OutboxState::Delivered),
            DeliveryStatus::Failed | DeliveryStatus::Rejected => Some(OutboxState::Failed),
            DeliveryStatus::Accepted | DeliveryStatus::Buffered => {
                (current != OutboxState::Sent).then_some(OutboxState::Sent)
            }
        }
    }
}

/// One delivery report as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The message.
    pub outbox_id: i64,
    /// Which attempt it reports on.
    pub attempt: u32,
    /// What happened.
    pub status: DeliveryStatus,
    /// The gateway's text.
    pub answer: String,
    /// When it came.
    pub received_at: OffsetDateTime,
}

/// What storing a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    /// Stored; the message is now in this state.
    Recorded(OutboxState),
    /// No such message (stored nothing).
    UnknownMessage,
}

/// How many messages of one round, language, centre and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxCount {
    /// The round.
    pub round: u32,
    /// The language.
    pub lang: Lang,
    /// The centre.
    pub centre_id: String,
    /// The state.
    pub state: OutboxState,
    /// How many.
    pub count: u64,
}

/// The outbox's columns, in the order both backends read them.
pub(crate) const COLUMNS: &str = "id, run_id, round, reference, channel, recipient, lang, centre_id, body, state, \
                                  attempts, gateway_answer, resolution, queued_at, claimed_at, sent_at, final_at";

pub(crate) fn corrupt(column: &str) -> StoreError {
    StoreError::corrupt("outbox", column)
}

/// The stored text of a resolution, when a report settles a message in doubt.
pub(crate) fn resolution_after_report(current: OutboxState) -> Option<InDoubtResolution> {
    (current == OutboxState::InDoubt).then_some(InDoubtResolution::Report)
}

/// The state and answer an attempt's outcome leads to.
pub(crate) fn after_attempt(outcome: &AttemptOutcome) -> (OutboxState, &str) {
    match outcome {
        AttemptOutcome::Accepted(answer) => (OutboxState::Sent, answer),
        AttemptOutcome::Refused(answer) => (OutboxState::Failed, answer),
        AttemptOutcome::NotTaken(answer) => (OutboxState::Pending, answer),
        AttemptOutcome::Unknown(answer) => (OutboxState::InDoubt, answer),
    }
}

impl crate::Store {
    /// Queues messages; one already queued (same run, round, reference and
    /// channel) is left as it is, so queueing twice adds nothing.
    pub async fn queue_messages(
        &self,
        messages: Vec<NewMessage>,
        at: OffsetDateTime,
    ) -> Result<QueueOutcome, StoreError> {
        match self {
            Store::Sqlite(db) => db.run(Purpose::Bulk, move |c| sqlite::queue(c, &messages, at)).await,
            Store::Postgres(pool) => postgres::queue(pool, &messages, at).await,
        }
    }

    /// Claims up to `limit` pending messages of `run_id` for sending, in
    /// queue order: `sending`, one more attempt, committed before it returns.
    pub async fn claim_messages(
        &self,
        run_id: &str,
        limit: usize,
        at: OffsetDateTime,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let run_id = run_id.to_owned();
        match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::claim(c, &run_id, limit, at)).await,
            Store::Postgres(pool) => postgres::claim(pool, &run_id, limit, at).await,
        }
    }

    /// [`Store::claim_messages`] for one message.
    pub async fn claim_next_message(
        &self,
        run_id: &str,
        at: OffsetDateTime,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        Ok(self.claim_messages(run_id, 1, at).await?.pop())
    }

    /// Records the gateway's answers, in one transaction.
    pub async fn settle_attempts(&self, mut attempts: Vec<Settle>, at: OffsetDateTime) -> Result<(), StoreError> {
        // In id order, as reports are stored: concurrent transactions lock
        // rows in one order and never deadlock.
        attempts.sort_by_key(|a| a.id);
        match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::settle(c, &attempts, at)).await,
            Store::Postgres(pool) => postgres::settle(pool, &attempts, at).await,
        }
    }

    /// [`Store::settle_attempts`] for one answer.
    pub async fn settle_attempt(
        &self,
        id: i64,
        attempt: u32,
        outcome: AttemptOutcome,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.settle_attempts(vec![Settle { id, attempt, outcome }], at).await
    }

    /// Stores delivery reports, in one transaction, and moves their
    /// messages on; the outcomes are in the order of `reports`.
    pub async fn record_delivery_reports(
        &self,
        reports: Vec<DeliveryReport>,
    ) -> Result<Vec<ReportOutcome>, StoreError> {
        // In message order (each message's reports as they came), for the
        // lock order above; the outcomes are put back in the caller's order.
        let mut order: Vec<usize> = (0..reports.len()).collect();
        order.sort_by_key(|&i| reports[i].outbox_id);
        let sorted: Vec<DeliveryReport> = order.iter().map(|&i| reports[i].clone()).collect();
        let outcomes = match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::record_reports(c, &sorted)).await?,
            Store::Postgres(pool) => postgres::record_reports(pool, &sorted).await?,
        };
        let mut in_order = vec![ReportOutcome::UnknownMessage; reports.len()];
        for (&i, outcome) in order.iter().zip(outcomes) {
            in_order[i] = outcome;
        }
        Ok(in_order)
    }

    /// [`Store::record_delivery_reports`] for one report.
    pub async fn record_delivery_report(&self, report: DeliveryReport) -> Result<ReportOutcome, StoreError> {
        let outcome = self.record_delivery_reports(vec![report]).await?.pop();
        Ok(outcome.unwrap_or(ReportOutcome::UnknownMessage))
    }

    /// Marks every message of `run_id` still `sending` (left by a sender
    /// that stopped mid-request) as in doubt; returns how many.
    pub async fn mark_in_doubt(&self, run_id: &str) -> Result<u64, StoreError> {
        let run_id = run_id.to_owned();
        match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::mark_in_doubt(c, &run_id)).await,
            Store::Postgres(pool) => postgres::mark_in_doubt(pool, &run_id).await,
        }
    }

    /// Settles a message in doubt ([`InDoubtResolution::Resent`] makes it
    /// pending again); false if it was no longer in doubt.
    pub async fn resolve_in_doubt(&self, id: i64, resolution: InDoubtResolution) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::resolve_in_doubt(c, id, resolution)).await,
            Store::Postgres(pool) => postgres::resolve_in_doubt(pool, id, resolution).await,
        }
    }

    /// Makes every failed message of `run_id` pending again; returns how many.
    pub async fn retry_failed_messages(&self, run_id: &str) -> Result<u64, StoreError> {
        let run_id = run_id.to_owned();
        match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::retry_failed(c, &run_id)).await,
            Store::Postgres(pool) => postgres::retry_failed(pool, &run_id).await,
        }
    }

    /// The messages of `run_id` (in one state, or all), in queue order.
    pub async fn outbox_messages(
        &self,
        run_id: &str,
        state: Option<OutboxState>,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let run_id = run_id.to_owned();
        match self {
            Store::Sqlite(db) => db.run(Purpose::Bulk, move |c| sqlite::messages(c, &run_id, state)).await,
            Store::Postgres(pool) => postgres::messages(pool, &run_id, state).await,
        }
    }

    /// How many messages of `run_id` per round, language, centre and state.
    pub async fn outbox_counts(&self, run_id: &str) -> Result<Vec<OutboxCount>, StoreError> {
        let run_id = run_id.to_owned();
        match self {
            Store::Sqlite(db) => db.run(Purpose::Bulk, move |c| sqlite::counts(c, &run_id)).await,
            Store::Postgres(pool) => postgres::counts(pool, &run_id).await,
        }
    }

    /// How many messages of `run_id` are not final yet, per state (cheap:
    /// only the open ones are counted).
    pub async fn open_message_counts(&self, run_id: &str) -> Result<Vec<(OutboxState, u64)>, StoreError> {
        let run_id = run_id.to_owned();
        match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::open_counts(c, &run_id)).await,
            Store::Postgres(pool) => postgres::open_counts(pool, &run_id).await,
        }
    }

    /// Every delivery report stored for message `outbox_id`, as they came.
    pub async fn delivery_reports(&self, outbox_id: i64) -> Result<Vec<DeliveryReport>, StoreError> {
        match self {
            Store::Sqlite(db) => db.run(Purpose::Small, move |c| sqlite::reports(c, outbox_id)).await,
            Store::Postgres(pool) => postgres::reports(pool, outbox_id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_state_is_never_left_and_progress_never_goes_back() {
        use DeliveryStatus as D;
        use OutboxState as S;
        assert_eq!(D::Accepted.next_state(S::Sending), Some(S::Sent));
        assert_eq!(D::Accepted.next_state(S::InDoubt), Some(S::Sent));
        assert_eq!(D::Accepted.next_state(S::Sent), None);
        assert_eq!(D::Delivered.next_state(S::Sent), Some(S::Delivered));
        assert_eq!(D::Accepted.next_state(S::Delivered), None);
        assert_eq!(D::Failed.next_state(S::Delivered), None);
        assert_eq!(D::Rejected.next_state(S::Sent), Some(S::Failed));
        for state in OutboxState::ALL {
            assert_eq!(OutboxState::parse(state.code()), Some(state));
        }
    }
}
