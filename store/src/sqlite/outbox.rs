//! The outbox on SQLite.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;

use super::{count_back, instant, instant_text};
use crate::outbox::{COLUMNS, after_attempt, corrupt, resolution_after_report};
use crate::{
    DeliveryReport, DeliveryStatus, InDoubtResolution, NewMessage, OutboxChannel, OutboxCount, OutboxMessage,
    OutboxState, QueueOutcome, ReportOutcome, Settle, StoreError,
};

fn optional_instant(text: Option<String>, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    text.map(|t| instant(&t, "outbox", column)).transpose()
}

type RawMessage = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
        r.get(15)?,
        r.get(16)?,
    ))
}

fn message(raw: RawMessage) -> Result<OutboxMessage, StoreError> {
    let (id, run_id, round, reference, channel, recipient, lang, centre_id, body, state, attempts, answer) =
        (raw.0, raw.1, raw.2, raw.3, raw.4, raw.5, raw.6, raw.7, raw.8, raw.9, raw.10, raw.11);
    Ok(OutboxMessage {
        id,
        message: NewMessage {
            run_id,
            round: u32::try_from(round).map_err(|_| corrupt("round"))?,
            reference,
            channel: OutboxChannel::parse(&channel).ok_or_else(|| corrupt("channel"))?,
            recipient,
            lang: lang.parse().map_err(|_| corrupt("lang"))?,
            centre_id,
            body,
        },
        state: OutboxState::parse(&state).ok_or_else(|| corrupt("state"))?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
        gateway_answer: answer,
        resolution: raw.12.map(|r| InDoubtResolution::parse(&r).ok_or_else(|| corrupt("resolution"))).transpose()?,
        queued_at: instant(&raw.13, "outbox", "queued_at")?,
        claimed_at: optional_instant(raw.14, "claimed_at")?,
        sent_at: optional_instant(raw.15, "sent_at")?,
        final_at: optional_instant(raw.16, "final_at")?,
    })
}

pub(crate) fn queue(
    c: &mut Connection,
    messages: &[NewMessage],
    at: OffsetDateTime,
) -> Result<QueueOutcome, StoreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcome = QueueOutcome::default();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO outbox (run_id, round, reference, channel, recipient, lang, centre_id, body, queued_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
        )?;
        let at = instant_text(at);
        for m in messages {
            let added = insert.execute(params![
                m.run_id,
                m.round,
                m.reference,
                m.channel.code(),
                m.recipient,
                m.lang.code(),
                m.centre_id,
                m.body,
                at
            ])?;
            if added == 1 {
                outcome.added += 1;
            } else {
                outcome.already += 1;
            }
        }
    }
    tx.commit()?;
    Ok(outcome)
}

pub(crate) fn claim(
    c: &mut Connection,
    run_id: &str,
    limit: usize,
    at: OffsetDateTime,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let sql = format!(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_at = ?2 \
         WHERE id IN (SELECT id FROM outbox WHERE run_id = ?1 AND state = 'pending' ORDER BY id LIMIT ?3) \
         RETURNING {COLUMNS}"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut claimed = c
        .prepare_cached(&sql)?
        .query_map(params![run_id, instant_text(at), limit], raw)?
        .map(|r| message(r?))
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub(crate) fn settle(c: &mut Connection, attempts: &[Settle], at: OffsetDateTime) -> Result<(), StoreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        // Only the attempt still `sending` moves: a report may have overtaken
        // the gateway's answer and already settled it further. One statement:
        // each SET sees the row as it was.
        let mut update = tx.prepare_cached(
            "UPDATE outbox SET \
             state = CASE WHEN attempts = ?2 AND state = 'sending' THEN ?3 ELSE state END, \
             sent_at = CASE WHEN attempts = ?2 AND state = 'sending' AND ?3 = 'sent' THEN ?5 ELSE sent_at END, \
             final_at = CASE WHEN attempts = ?2 AND state = 'sending' AND ?3 = 'failed' THEN ?5 ELSE final_at END, \
             gateway_answer = CASE WHEN attempts = ?2 AND state = 'sending' THEN ?4 \
                                   ELSE COALESCE(gateway_answer, ?4) END \
             WHERE id = ?1",
        )?;
        let at = instant_text(at);
        for settle in attempts {
            let (state, answer) = after_attempt(&settle.outcome);
            update.execute(params![settle.id, settle.attempt, state.code(), answer, at])?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn record_reports(c: &mut Connection, reports: &[DeliveryReport]) -> Result<Vec<ReportOutcome>, StoreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = reports.iter().map(|report| record_report(&tx, report)).collect::<Result<Vec<_>, _>>()?;
    tx.commit()?;
    Ok(outcomes)
}

fn record_report(tx: &Connection, report: &DeliveryReport) -> Result<ReportOutcome, StoreError> {
    let current: Option<String> = tx
        .prepare_cached("SELECT state FROM outbox WHERE id = ?1")?
        .query_row([report.outbox_id], |r| r.get(0))
        .optional()?;
    let Some(current) = current else { return Ok(ReportOutcome::UnknownMessage) };
    let current = OutboxState::parse(&current).ok_or_else(|| corrupt("state"))?;
    let at = instant_text(report.received_at);
    tx.prepare_cached(
        "INSERT INTO delivery_reports (outbox_id, attempt, status, answer, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![report.outbox_id, report.attempt, report.status.code(), report.answer, at])?;
    let next = report.status.next_state(current);
    if let Some(next) = next {
        tx.prepare_cached(
            "UPDATE outbox SET state = ?2, resolution = COALESCE(resolution, ?3), \
             sent_at = COALESCE(sent_at, ?4), final_at = CASE WHEN ?5 THEN ?4 ELSE final_at END WHERE id = ?1",
        )?
        .execute(params![
            report.outbox_id,
            next.code(),
            resolution_after_report(current).map(|r| r.code()),
            at,
            next.is_final()
        ])?;
    }
    Ok(ReportOutcome::Recorded(next.unwrap_or(current)))
}

pub(crate) fn mark_in_doubt(c: &mut Connection, run_id: &str) -> Result<u64, StoreError> {
    let n = c.execute("UPDATE outbox SET state = 'in_doubt' WHERE run_id = ?1 AND state = 'sending'", [run_id])?;
    Ok(n as u64)
}

pub(crate) fn resolve_in_doubt(c: &mut Connection, id: i64, resolution: InDoubtResolution) -> Result<bool, StoreError> {
    let state = if resolution == InDoubtResolution::Resent { "pending" } else { "in_doubt" };
    let n = c.execute(
        "UPDATE outbox SET state = ?2, resolution = ?3 WHERE id = ?1 AND state = 'in_doubt'",
        params![id, state, resolution.code()],
    )?;
    Ok(n == 1)
}

pub(crate) fn retry_failed(c: &mut Connection, run_id: &str) -> Result<u64, StoreError> {
    let n = c.execute(
        "UPDATE outbox SET state = 'pending', final_at = NULL WHERE run_id = ?1 AND state = 'failed'",
        [run_id],
    )?;
    Ok(n as u64)
}

pub(crate) fn messages(
    c: &mut Connection,
    run_id: &str,
    state: Option<OutboxState>,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE run_id = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY id");
    let mut statement = c.prepare(&sql)?;
    let raws = statement.query_map(params![run_id, state.map(OutboxState::code)], raw)?;
    raws.map(|r| message(r?)).collect()
}

pub(crate) fn counts(c: &mut Connection, run_id: &str) -> Result<Vec<OutboxCount>, StoreError> {
    let mut statement = c.prepare(
        "SELECT round, lang, centre_id, state, COUNT(*) FROM outbox WHERE run_id = ?1 \
         GROUP BY round, lang, centre_id, state ORDER BY round, lang, centre_id, state",
    )?;
    let rows = statement.query_map([run_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get(4)?))
    })?;
    rows.map(|row| {
        let (round, lang, centre_id, state, count) = row?;
        Ok(OutboxCount {
            round: u32::try_from(round).map_err(|_| corrupt("round"))?,
            lang: lang.parse().map_err(|_| corrupt("lang"))?,
            centre_id,
            state: OutboxState::parse(&state).ok_or_else(|| corrupt("state"))?,
            count: count_back(count, "outbox", "count")?,
        })
    })
    .collect()
}

pub(crate) fn open_counts(c: &mut Connection, run_id: &str) -> Result<Vec<(OutboxState, u64)>, StoreError> {
    let mut statement = c.prepare_cached(
        "SELECT state, COUNT(*) FROM outbox WHERE run_id = ?1 \
         AND state IN ('pending', 'sending', 'sent', 'in_doubt') GROUP BY state",
    )?;
    let rows = statement.query_map([run_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    rows.map(|row| {
        let (state, count) = row?;
        Ok((OutboxState::parse(&state).ok_or_else(|| corrupt("state"))?, count_back(count, "outbox", "count")?))
    })
    .collect()
}

pub(crate) fn reports(c: &mut Connection, outbox_id: i64) -> Result<Vec<DeliveryReport>, StoreError> {
    let mut statement = c.prepare(
        "SELECT attempt, status, answer, received_at FROM delivery_reports WHERE outbox_id = ?1 ORDER BY rowid",
    )?;
    let rows = statement.query_map([outbox_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    rows.map(|row| {
        let (attempt, status, answer, at) = row?;
        Ok(DeliveryReport {
            outbox_id,
            attempt: u32::try_from(attempt).map_err(|_| StoreError::corrupt("delivery_reports", "attempt"))?,
            status: DeliveryStatus::from_code(status)
                .ok_or_else(|| StoreError::corrupt("delivery_reports", "status"))?,
            answer,
            received_at: instant(&at, "delivery_reports", "received_at")?,
        })
    })
    .collect()
}
