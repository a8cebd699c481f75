//! The outbox on PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use time::OffsetDateTime;

use crate::outbox::{COLUMNS, after_attempt, corrupt, resolution_after_report};
use crate::{
    DeliveryReport, DeliveryStatus, InDoubtResolution, NewMessage, OutboxChannel, OutboxCount, OutboxMessage,
    OutboxState, QueueOutcome, ReportOutcome, Settle, StoreError,
};

fn message(row: &PgRow) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: row.try_get(0)?,
        message: NewMessage {
            run_id: row.try_get(1)?,
            round: u32::try_from(row.try_get::<i32, _>(2)?).map_err(|_| corrupt("round"))?,
            reference: row.try_get(3)?,
            channel: OutboxChannel::parse(row.try_get(4)?).ok_or_else(|| corrupt("channel"))?,
            recipient: row.try_get(5)?,
            lang: row.try_get::<&str, _>(6)?.parse().map_err(|_| corrupt("lang"))?,
            centre_id: row.try_get(7)?,
            body: row.try_get(8)?,
        },
        state: OutboxState::parse(row.try_get(9)?).ok_or_else(|| corrupt("state"))?,
        attempts: u32::try_from(row.try_get::<i32, _>(10)?).map_err(|_| corrupt("attempts"))?,
        gateway_answer: row.try_get(11)?,
        resolution: row
            .try_get::<Option<&str>, _>(12)?
            .map(|r| InDoubtResolution::parse(r).ok_or_else(|| corrupt("resolution")))
            .transpose()?,
        queued_at: row.try_get(13)?,
        claimed_at: row.try_get(14)?,
        sent_at: row.try_get(15)?,
        final_at: row.try_get(16)?,
    })
}

fn count_back(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| corrupt("count"))
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub(crate) async fn queue(
    pool: &PgPool,
    messages: &[NewMessage],
    at: OffsetDateTime,
) -> Result<QueueOutcome, StoreError> {
    let mut outcome = QueueOutcome::default();
    let mut tx = pool.begin().await?;
    // In slices: one statement per few thousand rows rather than per row.
    for slice in messages.chunks(5000) {
        let column = |f: fn(&NewMessage) -> String| slice.iter().map(f).collect::<Vec<_>>();
        let added = sqlx::query(
            "INSERT INTO outbox (run_id, round, reference, channel, recipient, lang, centre_id, body, queued_at) \
             SELECT r, o, f, c, t, l, ce, b, $9 FROM UNNEST($1::text[], $2::int[], $3::text[], $4::text[], \
             $5::text[], $6::text[], $7::text[], $8::text[]) AS u(r, o, f, c, t, l, ce, b) ON CONFLICT DO NOTHING",
        )
        .bind(column(|m| m.run_id.clone()))
        .bind(slice.iter().map(|m| int(m.round)).collect::<Vec<_>>())
        .bind(column(|m| m.reference.clone()))
        .bind(column(|m| m.channel.code().to_owned()))
        .bind(column(|m| m.recipient.clone()))
        .bind(column(|m| m.lang.code().to_owned()))
        .bind(column(|m| m.centre_id.clone()))
        .bind(column(|m| m.body.clone()))
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        outcome.added += added;
        outcome.already += slice.len() as u64 - added;
    }
    tx.commit().await?;
    Ok(outcome)
}

pub(crate) async fn claim(
    pool: &PgPool,
    run_id: &str,
    limit: usize,
    at: OffsetDateTime,
) -> Result<Vec<OutboxMessage>, StoreError> {
    // SKIP LOCKED: concurrent senders each take different messages.
    let sql = format!(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_at = $2 \
         WHERE id IN (SELECT id FROM outbox WHERE run_id = $1 AND state = 'pending' ORDER BY id LIMIT $3 \
                      FOR UPDATE SKIP LOCKED) \
         RETURNING {COLUMNS}"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(at).bind(limit).fetch_all(pool).await?;
    let mut claimed = rows.iter().map(message).collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub(crate) async fn settle(pool: &PgPool, attempts: &[Settle], at: OffsetDateTime) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for settle in attempts {
        let (state, answer) = after_attempt(&settle.outcome);
        // Only the attempt still `sending` moves: a report may have overtaken
        // the gateway's answer and already settled it further. One statement:
        // each SET sees the row as it was.
        sqlx::query(
            "UPDATE outbox SET \
             state = CASE WHEN attempts = $2 AND state = 'sending' THEN $3 ELSE state END, \
             sent_at = CASE WHEN attempts = $2 AND state = 'sending' AND $3 = 'sent' THEN $5 ELSE sent_at END, \
             final_at = CASE WHEN attempts = $2 AND state = 'sending' AND $3 = 'failed' THEN $5 ELSE final_at END, \
             gateway_answer = CASE WHEN attempts = $2 AND state = 'sending' THEN $4 \
                                   ELSE COALESCE(gateway_answer, $4) END \
             WHERE id = $1",
        )
        .bind(settle.id)
        .bind(int(settle.attempt))
        .bind(state.code())
        .bind(answer)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn record_reports(
    pool: &PgPool,
    reports: &[DeliveryReport],
) -> Result<Vec<ReportOutcome>, StoreError> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(reports.len());
    for report in reports {
        outcomes.push(record_report(&mut tx, report).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn record_report(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    report: &DeliveryReport,
) -> Result<ReportOutcome, StoreError> {
    let current: Option<String> = sqlx::query_scalar("SELECT state FROM outbox WHERE id = $1 FOR UPDATE")
        .bind(report.outbox_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(current) = current else { return Ok(ReportOutcome::UnknownMessage) };
    let current = OutboxState::parse(&current).ok_or_else(|| corrupt("state"))?;
    sqlx::query(
        "INSERT INTO delivery_reports (outbox_id, attempt, status, answer, received_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(report.outbox_id)
    .bind(int(report.attempt))
    .bind(i32::try_from(report.status.code()).unwrap_or_default())
    .bind(&report.answer)
    .bind(report.received_at)
    .execute(&mut **tx)
    .await?;
    let next = report.status.next_state(current);
    if let Some(next) = next {
        sqlx::query(
            "UPDATE outbox SET state = $2, resolution = COALESCE(resolution, $3), \
             sent_at = COALESCE(sent_at, $4), final_at = CASE WHEN $5 THEN $4 ELSE final_at END WHERE id = $1",
        )
        .bind(report.outbox_id)
        .bind(next.code())
        .bind(resolution_after_report(current).map(|r| r.code()))
        .bind(report.received_at)
        .bind(next.is_final())
        .execute(&mut **tx)
        .await?;
    }
    Ok(ReportOutcome::Recorded(next.unwrap_or(current)))
}

/// Runs `sql`, an update of the messages of one run (`$1`), and says how many it changed.
async fn update_run(pool: &PgPool, run_id: &str, sql: &'static str) -> Result<u64, StoreError> {
    Ok(sqlx::query(sql).bind(run_id).execute(pool).await?.rows_affected())
}

pub(crate) async fn mark_in_doubt(pool: &PgPool, run_id: &str) -> Result<u64, StoreError> {
    update_run(pool, run_id, "UPDATE outbox SET state = 'in_doubt' WHERE run_id = $1 AND state = 'sending'").await
}

pub(crate) async fn resolve_in_doubt(
    pool: &PgPool,
    id: i64,
    resolution: InDoubtResolution,
) -> Result<bool, StoreError> {
    let state = if resolution == InDoubtResolution::Resent { "pending" } else { "in_doubt" };
    let done = sqlx::query("UPDATE outbox SET state = $2, resolution = $3 WHERE id = $1 AND state = 'in_doubt'")
        .bind(id)
        .bind(state)
        .bind(resolution.code())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn retry_failed(pool: &PgPool, run_id: &str) -> Result<u64, StoreError> {
    update_run(
        pool,
        run_id,
        "UPDATE outbox SET state = 'pending', final_at = NULL WHERE run_id = $1 AND state = 'failed'",
    )
    .await
}

pub(crate) async fn messages(
    pool: &PgPool,
    run_id: &str,
    state: Option<OutboxState>,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM outbox WHERE run_id = $1 AND ($2::text IS NULL OR state = $2) ORDER BY id");
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(state.map(OutboxState::code)).fetch_all(pool).await?;
    rows.iter().map(message).collect()
}

pub(crate) async fn counts(pool: &PgPool, run_id: &str) -> Result<Vec<OutboxCount>, StoreError> {
    let rows = sqlx::query(
        "SELECT round, lang, centre_id, state, COUNT(*) FROM outbox WHERE run_id = $1 \
         GROUP BY round, lang, centre_id, state ORDER BY round, lang, centre_id COLLATE \"C\", state",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxCount {
                round: u32::try_from(row.try_get::<i32, _>(0)?).map_err(|_| corrupt("round"))?,
                lang: row.try_get::<&str, _>(1)?.parse().map_err(|_| corrupt("lang"))?,
                centre_id: row.try_get(2)?,
                state: OutboxState::parse(row.try_get(3)?).ok_or_else(|| corrupt("state"))?,
                count: count_back(row.try_get(4)?)?,
            })
        })
        .collect()
}

pub(crate) async fn open_counts(pool: &PgPool, run_id: &str) -> Result<Vec<(OutboxState, u64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) FROM outbox WHERE run_id = $1 \
         AND state IN ('pending', 'sending', 'sent', 'in_doubt') GROUP BY state",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((OutboxState::parse(row.try_get(0)?).ok_or_else(|| corrupt("state"))?, count_back(row.try_get(1)?)?))
        })
        .collect()
}

pub(crate) async fn reports(pool: &PgPool, outbox_id: i64) -> Result<Vec<DeliveryReport>, StoreError> {
    let rows = sqlx::query(
        "SELECT attempt, status, answer, received_at FROM delivery_reports WHERE outbox_id = $1 \
         ORDER BY received_at, ctid",
    )
    .bind(outbox_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DeliveryReport {
                outbox_id,
                attempt: u32::try_from(row.try_get::<i32, _>(0)?)
                    .map_err(|_| StoreError::corrupt("delivery_reports", "attempt"))?,
                status: DeliveryStatus::from_code(i64::from(row.try_get::<i32, _>(1)?))
                    .ok_or_else(|| StoreError::corrupt("delivery_reports", "status"))?,
                answer: row.try_get(2)?,
                received_at: row.try_get(3)?,
            })
        })
        .collect()
}
