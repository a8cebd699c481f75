//! Declines, rounds and attendance on PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{Column, PgPool, Row};
use time::{Date, OffsetDateTime};

use crate::allocation::{NO_CHOICE_MET, Situation, appointment_from_columns};
use crate::rounds::decide_decline;
use crate::{
    AllocationRow, AmendOutcome, Appointment, AttendanceImport, AttendanceRow, Channel, Decline, DeclineOutcome,
    DeclineRecord, RoundChange, RoundRecord, RoundSave, StoreError,
};

type Tx<'c> = sqlx::Transaction<'c, sqlx::Postgres>;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn count_back(n: i64, table: &str, column: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(table, column))
}

fn round_back(n: i32, table: &str, column: &str) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::corrupt(table, column))
}

fn round_column(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

const CURRENT_RUN: &str = "SELECT run_id FROM allocation_runs LIMIT 1";

pub(crate) async fn decline(tx: &mut Tx<'_>, d: &Decline) -> Result<AmendOutcome, StoreError> {
    let stored: Option<String> = sqlx::query_scalar("SELECT id_number FROM applications WHERE reference = $1")
        .bind(&d.reference)
        .fetch_optional(&mut **tx)
        .await?;
    if stored.as_deref() != Some(d.id_number.as_str()) {
        return Ok(AmendOutcome::NotFound);
    }
    let run_id: Option<String> = sqlx::query_scalar("SELECT run_id FROM allocation_runs WHERE NOT trial LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let Some(run_id) = run_id else { return Ok(AmendOutcome::Decline(DeclineOutcome::NoAppointment)) };
    // FOR UPDATE: two declines of one place, from two instances, are decided one after the other.
    let held = sqlx::query(
        "SELECT status, appointment_date, window_start, window_end, choice_met, centre_id, round \
         FROM allocations WHERE reference = $1 FOR UPDATE",
    )
    .bind(&d.reference)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(held) = held else { return Ok(AmendOutcome::Decline(DeclineOutcome::NoAppointment)) };
    let status: &str = held.try_get(0)?;
    let outcome = match status {
        "allocated" => {
            let appointment = appointment_at(&held, 1, &d.reference)?
                .ok_or_else(|| StoreError::corrupt(&d.reference, "appointment_date"))?;
            if let Err(too_late) = decide_decline(appointment, d.earliest_start) {
                return Ok(AmendOutcome::Decline(too_late));
            }
            sqlx::query(
                "INSERT INTO declines (reference, run_id, round, centre_id, appointment_date, window_start, \
                 window_end, declined_at, declined_via, rejoined_at, rejoined_via) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&d.reference)
            .bind(&run_id)
            .bind(held.try_get::<i32, _>(6)?)
            .bind(held.try_get::<&str, _>(5)?)
            .bind(appointment.date)
            .bind(campaign::dates::format_time(appointment.window.start))
            .bind(campaign::dates::format_time(appointment.window.end))
            .bind(d.at)
            .bind(d.via.code())
            .bind(d.rejoin.then_some(d.at))
            .bind(d.rejoin.then_some(d.via.code()))
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE allocations SET status = 'declined', appointment_date = NULL, window_start = NULL, \
                 window_end = NULL, choice_met = $2, waitlist_position = NULL WHERE reference = $1",
            )
            .bind(&d.reference)
            .bind(NO_CHOICE_MET)
            .execute(&mut **tx)
            .await?;
            DeclineOutcome::Declined { rejoined: d.rejoin }
        }
        "declined" => {
            if d.rejoin {
                sqlx::query(
                    "UPDATE declines SET rejoined_at = $3, rejoined_via = $4 WHERE reference = $1 AND run_id = $2 \
                     AND rejoined_at IS NULL AND round = (SELECT max(round) FROM declines WHERE reference = $1 AND run_id = $2)",
                )
                .bind(&d.reference)
                .bind(&run_id)
                .bind(d.at)
                .bind(d.via.code())
                .execute(&mut **tx)
                .await?;
            }
            let rejoined: Option<bool> = sqlx::query_scalar(
                "SELECT rejoined_at IS NOT NULL FROM declines WHERE reference = $1 AND run_id = $2 \
                 ORDER BY round DESC LIMIT 1",
            )
            .bind(&d.reference)
            .bind(&run_id)
            .fetch_optional(&mut **tx)
            .await?;
            DeclineOutcome::AlreadyDeclined { rejoined: rejoined.unwrap_or(false) }
        }
        _ => DeclineOutcome::NoAppointment,
    };
    Ok(AmendOutcome::Decline(outcome))
}

pub(crate) async fn declines(pool: &PgPool) -> Result<Vec<DeclineRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT reference, round, centre_id, appointment_date, window_start, window_end, declined_at, declined_via, \
         rejoined_at FROM declines WHERE run_id = (SELECT run_id FROM allocation_runs LIMIT 1) \
         ORDER BY declined_at, reference COLLATE \"C\"",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let reference: String = row.try_get(0)?;
            let appointment = appointment_from_columns(
                Some(row.try_get::<Date, _>(3)?),
                Some(row.try_get(4)?),
                Some(row.try_get(5)?),
                "other",
            )
            .map_err(|column| StoreError::corrupt(&reference, column))?
            .ok_or_else(|| StoreError::corrupt(&reference, "appointment_date"))?;
            Ok(DeclineRecord {
                round: round_back(row.try_get(1)?, &reference, "round")?,
                centre_id: row.try_get(2)?,
                date: appointment.date,
                window: appointment.window,
                declined_at: row.try_get(6)?,
                via: Channel::parse(row.try_get(7)?).ok_or_else(|| StoreError::corrupt(&reference, "declined_via"))?,
                rejoined_at: row.try_get(8)?,
                reference,
            })
        })
        .collect()
}

const ROUND_COLUMNS: &str =
    "run_id, round, started_at, not_before, input_fingerprint, waiting, freed, given, left_free";

pub(crate) async fn rounds(pool: &PgPool) -> Result<Vec<RoundRecord>, StoreError> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM allocation_rounds WHERE run_id = ({CURRENT_RUN}) ORDER BY round");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    let t = "allocation_rounds";
    rows.iter()
        .map(|row| {
            Ok(RoundRecord {
                run_id: row.try_get(0)?,
                round: round_back(row.try_get(1)?, t, "round")?,
                started_at: row.try_get(2)?,
                not_before: row.try_get(3)?,
                input_fingerprint: row.try_get(4)?,
                waiting: count_back(row.try_get(5)?, t, "waiting")?,
                freed: count_back(row.try_get(6)?, t, "freed")?,
                given: count_back(row.try_get(7)?, t, "given")?,
                left_free: count_back(row.try_get(8)?, t, "left_free")?,
            })
        })
        .collect()
}

pub(crate) async fn round_changes(pool: &PgPool, round: u32) -> Result<Vec<RoundChange>, StoreError> {
    let sql = format!(
        "SELECT reference, before_appointment_date, before_window_start, before_window_end, before_choice_met, \
         before_waitlist_position, before_status, before_round FROM round_changes \
         WHERE run_id = ({CURRENT_RUN}) AND round = $1 ORDER BY reference COLLATE \"C\""
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(round_column(round)).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let reference: String = row.try_get(0)?;
            Ok(situation_at(row, 1, &reference)?.into_change(reference))
        })
        .collect()
}

/// The appointment in a row's four columns from `first` on: date, window
/// start, window end and choice met.
fn appointment_at(row: &PgRow, first: usize, reference: &str) -> Result<Option<Appointment>, StoreError> {
    appointment_from_columns(
        row.try_get(first)?,
        row.try_get(first + 1)?,
        row.try_get(first + 2)?,
        row.try_get(first + 3)?,
    )
    .map_err(|column| StoreError::corrupt(reference, column))
}

/// A row's [`Situation`] from its seven columns from `first` on: appointment
/// date, window start, window end, choice met, waitlist position, status and
/// round, as `allocations` and `round_changes` both store them.
pub(super) fn situation_at(row: &PgRow, first: usize, reference: &str) -> Result<Situation, StoreError> {
    // As the query names it (`before_round` in `round_changes`).
    let name = |i: usize| row.try_column(i).map_or("", |c| c.name());
    let appointment = appointment_at(row, first, reference)?;
    if appointment.is_none() && row.try_get::<&str, _>(first + 3)? != NO_CHOICE_MET {
        return Err(StoreError::corrupt(reference, name(first + 3)));
    }
    Ok(Situation {
        appointment,
        waitlist_position: match row.try_get::<Option<i64>, _>(first + 4)? {
            Some(p) => Some(count_back(p, reference, name(first + 4))?),
            None => None,
        },
        declined: row.try_get::<&str, _>(first + 5)? == "declined",
        round: round_back(row.try_get(first + 6)?, reference, name(first + 6))?,
    })
}

pub(crate) async fn save_round(
    pool: &PgPool,
    record: &RoundRecord,
    changed: &[AllocationRow],
    save: RoundSave,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    // One round at a time, even with two operators running one at once.
    sqlx::query("LOCK TABLE allocation_rounds IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    let last: Option<i32> = sqlx::query_scalar("SELECT max(round) FROM allocation_rounds WHERE run_id = $1")
        .bind(&record.run_id)
        .fetch_one(&mut *tx)
        .await?;
    save.check_turn(last.map(i64::from), record.round)?;
    let round = round_column(record.round);
    if save == RoundSave::ReplaceLast {
        let declined: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM declines WHERE run_id = $1 AND round = $2")
            .bind(&record.run_id)
            .bind(round)
            .fetch_one(&mut *tx)
            .await?;
        if declined > 0 {
            return Err(StoreError::RoundDeclinedSince {
                round: record.round,
                declines: count_back(declined, "declines", "count")?,
            });
        }
        sqlx::query(
            "UPDATE allocations a SET status = c.before_status, appointment_date = c.before_appointment_date, \
             window_start = c.before_window_start, window_end = c.before_window_end, \
             choice_met = c.before_choice_met, waitlist_position = c.before_waitlist_position, round = c.before_round \
             FROM round_changes c WHERE c.run_id = $1 AND c.round = $2 AND a.reference = c.reference",
        )
        .bind(&record.run_id)
        .bind(round)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM round_changes WHERE run_id = $1 AND round = $2")
            .bind(&record.run_id)
            .bind(round)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM allocation_rounds WHERE run_id = $1 AND round = $2")
            .bind(&record.run_id)
            .bind(round)
            .execute(&mut *tx)
            .await?;
    }
    // One statement for every changed row: the previous values are kept,
    // then the new ones set, from arrays.
    let references: Vec<&str> = changed.iter().map(|r| r.reference.as_str()).collect();
    let kept = sqlx::query(
        "INSERT INTO round_changes (run_id, round, reference, before_status, before_appointment_date, \
         before_window_start, before_window_end, before_choice_met, before_waitlist_position, before_round) \
         SELECT $1, $2, reference, status, appointment_date, window_start, window_end, choice_met, \
         waitlist_position, round FROM allocations WHERE reference = ANY($3::text[]) AND run_id = $1",
    )
    .bind(&record.run_id)
    .bind(round)
    .bind(&references)
    .execute(&mut *tx)
    .await?;
    if kept.rows_affected() != changed.len() as u64 {
        return Err(StoreError::Corrupt {
            reference: String::new(),
            problem: "a round changed rows that are not in the stored allocation".into(),
        });
    }
    let text = |f: fn(&crate::Appointment) -> String| {
        changed.iter().map(|r| r.appointment.as_ref().map(f)).collect::<Vec<Option<String>>>()
    };
    sqlx::query(
        "UPDATE allocations a SET status = n.status, appointment_date = n.day, window_start = n.ws, \
         window_end = n.we, choice_met = n.met, waitlist_position = n.position, round = $7 \
         FROM UNNEST($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $8::bigint[]) \
         AS n(reference, status, day, ws, we, met, position) WHERE a.reference = n.reference",
    )
    .bind(&references)
    .bind(changed.iter().map(AllocationRow::status).collect::<Vec<_>>())
    .bind(changed.iter().map(|r| r.appointment.map(|a| a.date)).collect::<Vec<_>>())
    .bind(text(|a| campaign::dates::format_time(a.window.start)))
    .bind(text(|a| campaign::dates::format_time(a.window.end)))
    .bind(changed.iter().map(AllocationRow::choice_met_text).collect::<Vec<_>>())
    .bind(round)
    .bind(changed.iter().map(|r| r.waitlist_position.map(count)).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let sql = format!("INSERT INTO allocation_rounds ({ROUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&record.run_id)
        .bind(round)
        .bind(record.started_at)
        .bind(record.not_before)
        .bind(&record.input_fingerprint)
        .bind(count(record.waiting))
        .bind(count(record.freed))
        .bind(count(record.given))
        .bind(count(record.left_free))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn attendance(pool: &PgPool) -> Result<Vec<AttendanceRow>, StoreError> {
    let sql = format!(
        "SELECT reference, centre_id, appointment_date, attended FROM attendance WHERE run_id = ({CURRENT_RUN}) \
         ORDER BY centre_id COLLATE \"C\", appointment_date, reference COLLATE \"C\""
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(AttendanceRow {
                reference: row.try_get(0)?,
                centre_id: row.try_get(1)?,
                date: row.try_get(2)?,
                attended: row.try_get(3)?,
            })
        })
        .collect()
}

pub(crate) async fn record_attendance(
    pool: &PgPool,
    run_id: &str,
    rows: &[AttendanceRow],
    source: &str,
    at: OffsetDateTime,
) -> Result<AttendanceImport, StoreError> {
    let mut tx = pool.begin().await?;
    let mut import = AttendanceImport::default();
    for row in rows {
        let stored: Option<bool> = sqlx::query_scalar(
            "SELECT attended FROM attendance WHERE reference = $1 AND run_id = $2 AND appointment_date = $3 FOR UPDATE",
        )
        .bind(&row.reference)
        .bind(run_id)
        .bind(row.date)
        .fetch_optional(&mut *tx)
        .await?;
        match stored {
            Some(same) if same == row.attended => {
                import.unchanged += 1;
                continue;
            }
            Some(_) => import.changed += 1,
            None => import.added += 1,
        }
        // A new answer and a corrected one are stored alike.
        sqlx::query(
            "INSERT INTO attendance (reference, run_id, appointment_date, centre_id, attended, source, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference, run_id, appointment_date) \
             DO UPDATE SET attended = excluded.attended, source = excluded.source, recorded_at = excluded.recorded_at",
        )
        .bind(&row.reference)
        .bind(run_id)
        .bind(row.date)
        .bind(&row.centre_id)
        .bind(row.attended)
        .bind(source)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(import)
}
