//! Declines, rounds and attendance on SQLite.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::allocations::situation_at;
use super::{count, count_back, date, instant, instant_text};
use crate::allocation::{NO_CHOICE_MET, appointment_from_columns};
use crate::rounds::decide_decline;
use crate::{
    AllocationRow, AmendOutcome, Appointment, AttendanceImport, AttendanceRow, Channel, Decline, DeclineOutcome,
    DeclineRecord, RoundChange, RoundRecord, RoundSave, StoreError,
};

/// The real (not trial) run, if one is stored.
fn real_run(tx: &Connection) -> Result<Option<String>, StoreError> {
    Ok(tx.query_row("SELECT run_id FROM allocation_runs WHERE trial = 0 LIMIT 1", [], |r| r.get(0)).optional()?)
}

/// The stored run, real or trial.
fn any_run(c: &Connection) -> Result<Option<String>, StoreError> {
    Ok(c.query_row("SELECT run_id FROM allocation_runs LIMIT 1", [], |r| r.get(0)).optional()?)
}

fn channel(text: &str, table: &str, column: &str) -> Result<Channel, StoreError> {
    Channel::parse(text).ok_or_else(|| StoreError::corrupt(table, column))
}

pub(crate) fn decline(tx: &Transaction<'_>, d: &Decline) -> Result<AmendOutcome, StoreError> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT id_number FROM applications WHERE reference = ?1")?
        .query_row(params![d.reference], |r| r.get(0))
        .optional()?;
    if stored.as_deref() != Some(d.id_number.as_str()) {
        return Ok(AmendOutcome::NotFound);
    }
    let Some(run_id) = real_run(tx)? else { return Ok(AmendOutcome::Decline(DeclineOutcome::NoAppointment)) };
    type Held = (String, Option<String>, Option<String>, Option<String>, String, String, i64);
    let held: Option<Held> = tx
        .prepare_cached(
            "SELECT status, appointment_date, window_start, window_end, choice_met, centre_id, round \
             FROM allocations WHERE reference = ?1",
        )?
        .query_row(params![d.reference], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .optional()?;
    let Some((status, day, start, end, met, centre_id, round)) = held else {
        return Ok(AmendOutcome::Decline(DeclineOutcome::NoAppointment));
    };
    let outcome = match status.as_str() {
        "allocated" => {
            let day = match day {
                Some(text) => Some(date(&text, &d.reference, "appointment_date")?),
                None => None,
            };
            let appointment = appointment_from_columns(day, start.as_deref(), end.as_deref(), &met)
                .map_err(|column| StoreError::corrupt(&d.reference, column))?
                .ok_or_else(|| StoreError::corrupt(&d.reference, "appointment_date"))?;
            if let Err(too_late) = decide_decline(appointment, d.earliest_start) {
                return Ok(AmendOutcome::Decline(too_late));
            }
            let rejoined = d.rejoin.then(|| (instant_text(d.at), d.via.code()));
            tx.prepare_cached(
                "INSERT INTO declines (reference, run_id, round, centre_id, appointment_date, window_start, \
                 window_end, declined_at, declined_via, rejoined_at, rejoined_via) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                d.reference,
                run_id,
                round,
                centre_id,
                campaign::dates::format_date(appointment.date),
                campaign::dates::format_time(appointment.window.start),
                campaign::dates::format_time(appointment.window.end),
                instant_text(d.at),
                d.via.code(),
                rejoined.as_ref().map(|r| r.0.clone()),
                rejoined.map(|r| r.1),
            ])?;
            tx.prepare_cached(
                "UPDATE allocations SET status = 'declined', appointment_date = NULL, window_start = NULL, \
                 window_end = NULL, choice_met = ?2, waitlist_position = NULL WHERE reference = ?1",
            )?
            .execute(params![d.reference, NO_CHOICE_MET])?;
            DeclineOutcome::Declined { rejoined: d.rejoin }
        }
        "declined" => {
            if d.rejoin {
                // Asking to rejoin after declining: kept once, never undone.
                tx.prepare_cached(
                    "UPDATE declines SET rejoined_at = ?3, rejoined_via = ?4 WHERE reference = ?1 AND run_id = ?2 \
                     AND rejoined_at IS NULL AND round = (SELECT max(round) FROM declines WHERE reference = ?1 AND run_id = ?2)",
                )?
                .execute(params![d.reference, run_id, instant_text(d.at), d.via.code()])?;
            }
            let rejoined: bool = tx
                .prepare_cached(
                    "SELECT rejoined_at IS NOT NULL FROM declines WHERE reference = ?1 AND run_id = ?2 \
                     ORDER BY round DESC LIMIT 1",
                )?
                .query_row(params![d.reference, run_id], |r| r.get(0))
                .optional()?
                .unwrap_or(false);
            DeclineOutcome::AlreadyDeclined { rejoined }
        }
        _ => DeclineOutcome::NoAppointment,
    };
    Ok(AmendOutcome::Decline(outcome))
}

pub(crate) fn declines(c: &mut Connection) -> Result<Vec<DeclineRecord>, StoreError> {
    let Some(run_id) = any_run(c)? else { return Ok(Vec::new()) };
    let mut statement = c.prepare(
        "SELECT reference, round, centre_id, appointment_date, window_start, window_end, declined_at, declined_via, \
         rejoined_at FROM declines WHERE run_id = ?1 ORDER BY declined_at, reference",
    )?;
    let mut rows = statement.query(params![run_id])?;
    let mut read = Vec::new();
    let table = "declines";
    while let Some(row) = rows.next()? {
        let reference: String = row.get(0)?;
        let day = date(&row.get::<_, String>(3)?, &reference, "appointment_date")?;
        let Appointment { date, window, .. } = appointment_from_columns(
            Some(day),
            Some(&row.get::<_, String>(4)?),
            Some(&row.get::<_, String>(5)?),
            "other",
        )
        .map_err(|column| StoreError::corrupt(&reference, column))?
        .ok_or_else(|| StoreError::corrupt(&reference, "appointment_date"))?;
        read.push(DeclineRecord {
            round: u32::try_from(row.get::<_, i64>(1)?).map_err(|_| StoreError::corrupt(&reference, "round"))?,
            centre_id: row.get(2)?,
            date,
            window,
            declined_at: instant(&row.get::<_, String>(6)?, &reference, "declined_at")?,
            via: channel(&row.get::<_, String>(7)?, table, "declined_via")?,
            rejoined_at: match row.get::<_, Option<String>>(8)? {
                Some(text) => Some(instant(&text, &reference, "rejoined_at")?),
                None => None,
            },
            reference,
        });
    }
    Ok(read)
}

const ROUND_COLUMNS: &str =
    "run_id, round, started_at, not_before, input_fingerprint, waiting, freed, given, left_free";

pub(crate) fn rounds(c: &mut Connection) -> Result<Vec<RoundRecord>, StoreError> {
    let Some(run_id) = any_run(c)? else { return Ok(Vec::new()) };
    let mut statement =
        c.prepare(&format!("SELECT {ROUND_COLUMNS} FROM allocation_rounds WHERE run_id = ?1 ORDER BY round"))?;
    let mut rows = statement.query(params![run_id])?;
    let mut read = Vec::new();
    let t = "allocation_rounds";
    while let Some(row) = rows.next()? {
        read.push(RoundRecord {
            run_id: row.get(0)?,
            round: u32::try_from(row.get::<_, i64>(1)?).map_err(|_| StoreError::corrupt(t, "round"))?,
            started_at: instant(&row.get::<_, String>(2)?, t, "started_at")?,
            not_before: date(&row.get::<_, String>(3)?, t, "not_before")?,
            input_fingerprint: row.get(4)?,
            waiting: count_back(row.get(5)?, t, "waiting")?,
            freed: count_back(row.get(6)?, t, "freed")?,
            given: count_back(row.get(7)?, t, "given")?,
            left_free: count_back(row.get(8)?, t, "left_free")?,
        });
    }
    Ok(read)
}

pub(crate) fn round_changes(c: &mut Connection, round: u32) -> Result<Vec<RoundChange>, StoreError> {
    let Some(run_id) = any_run(c)? else { return Ok(Vec::new()) };
    let mut statement = c.prepare(
        "SELECT reference, before_appointment_date, before_window_start, before_window_end, before_choice_met, \
         before_waitlist_position, before_status, before_round FROM round_changes \
         WHERE run_id = ?1 AND round = ?2 ORDER BY reference",
    )?;
    let mut rows = statement.query(params![run_id, round])?;
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let reference: String = row.get(0)?;
        read.push(situation_at(row, 1, &reference)?.into_change(reference));
    }
    Ok(read)
}

/// Sets an allocation row's situation columns from `row`.
fn set_situation(tx: &Transaction<'_>, row: &AllocationRow) -> Result<(), StoreError> {
    let a = row.appointment.as_ref();
    tx.prepare_cached(
        "UPDATE allocations SET status = ?2, appointment_date = ?3, window_start = ?4, window_end = ?5, \
         choice_met = ?6, waitlist_position = ?7, round = ?8 WHERE reference = ?1",
    )?
    .execute(params![
        row.reference,
        row.status(),
        a.map(|a| campaign::dates::format_date(a.date)),
        a.map(|a| campaign::dates::format_time(a.window.start)),
        a.map(|a| campaign::dates::format_time(a.window.end)),
        row.choice_met_text(),
        row.waitlist_position.map(count),
        row.round,
    ])?;
    Ok(())
}

pub(crate) fn save_round(
    c: &mut Connection,
    record: &RoundRecord,
    changed: &[AllocationRow],
    save: RoundSave,
) -> Result<(), StoreError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let last: Option<i64> =
        tx.query_row("SELECT max(round) FROM allocation_rounds WHERE run_id = ?1", params![record.run_id], |r| {
            r.get(0)
        })?;
    save.check_turn(last, record.round)?;
    if save == RoundSave::ReplaceLast {
        let declined: i64 = tx.query_row(
            "SELECT COUNT(*) FROM declines WHERE run_id = ?1 AND round = ?2",
            params![record.run_id, record.round],
            |r| r.get(0),
        )?;
        if declined > 0 {
            return Err(StoreError::RoundDeclinedSince {
                round: record.round,
                declines: count_back(declined, "declines", "count")?,
            });
        }
        let before = {
            let mut c2 = Vec::new();
            let mut statement = tx.prepare(
                "SELECT reference, before_status, before_appointment_date, before_window_start, before_window_end, \
                 before_choice_met, before_waitlist_position, before_round FROM round_changes WHERE run_id = ?1 AND round = ?2",
            )?;
            let mut rows = statement.query(params![record.run_id, record.round])?;
            while let Some(row) = rows.next()? {
                c2.push((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<i64>>(6)?,
                    row.get::<_, i64>(7)?,
                ));
            }
            c2
        };
        for (reference, status, day, start, end, met, position, round) in before {
            tx.prepare_cached(
                "UPDATE allocations SET status = ?2, appointment_date = ?3, window_start = ?4, window_end = ?5, \
                 choice_met = ?6, waitlist_position = ?7, round = ?8 WHERE reference = ?1",
            )?
            .execute(params![reference, status, day, start, end, met, position, round])?;
        }
        tx.execute("DELETE FROM round_changes WHERE run_id = ?1 AND round = ?2", params![record.run_id, record.round])?;
        tx.execute(
            "DELETE FROM allocation_rounds WHERE run_id = ?1 AND round = ?2",
            params![record.run_id, record.round],
        )?;
    }
    for row in changed {
        let kept = tx
            .prepare_cached(
                "INSERT INTO round_changes (run_id, round, reference, before_status, before_appointment_date, \
                 before_window_start, before_window_end, before_choice_met, before_waitlist_position, before_round) \
                 SELECT ?1, ?2, reference, status, appointment_date, window_start, window_end, choice_met, \
                 waitlist_position, round FROM allocations WHERE reference = ?3 AND run_id = ?1",
            )?
            .execute(params![record.run_id, record.round, row.reference])?;
        if kept != 1 {
            return Err(StoreError::corrupt(&row.reference, "not in the stored allocation"));
        }
        set_situation(&tx, row)?;
    }
    tx.execute(
        &format!("INSERT INTO allocation_rounds ({ROUND_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            record.run_id,
            record.round,
            instant_text(record.started_at),
            campaign::dates::format_date(record.not_before),
            record.input_fingerprint,
            count(record.waiting),
            count(record.freed),
            count(record.given),
            count(record.left_free),
        ],
    )?;
    Ok(tx.commit()?)
}

pub(crate) fn attendance(c: &mut Connection) -> Result<Vec<AttendanceRow>, StoreError> {
    let Some(run_id) = any_run(c)? else { return Ok(Vec::new()) };
    let mut statement = c.prepare(
        "SELECT reference, centre_id, appointment_date, attended FROM attendance WHERE run_id = ?1 \
         ORDER BY centre_id, appointment_date, reference",
    )?;
    let mut rows = statement.query(params![run_id])?;
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let reference: String = row.get(0)?;
        read.push(AttendanceRow {
            centre_id: row.get(1)?,
            date: date(&row.get::<_, String>(2)?, &reference, "appointment_date")?,
            attended: row.get(3)?,
            reference,
        });
    }
    Ok(read)
}

pub(crate) fn record_attendance(
    c: &mut Connection,
    run_id: &str,
    rows: &[AttendanceRow],
    source: &str,
    at: time::OffsetDateTime,
) -> Result<AttendanceImport, StoreError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut import = AttendanceImport::default();
    for row in rows {
        let day = campaign::dates::format_date(row.date);
        let stored: Option<bool> = tx
            .prepare_cached(
                "SELECT attended FROM attendance WHERE reference = ?1 AND run_id = ?2 AND appointment_date = ?3",
            )?
            .query_row(params![row.reference, run_id, day], |r| r.get(0))
            .optional()?;
        match stored {
            Some(same) if same == row.attended => {
                import.unchanged += 1;
                continue;
            }
            Some(_) => import.changed += 1,
            None => import.added += 1,
        }
        // A new answer and a corrected one are stored alike.
        tx.prepare_cached(
            "INSERT INTO attendance (reference, run_id, appointment_date, centre_id, attended, source, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (reference, run_id, appointment_date) \
             DO UPDATE SET attended = excluded.attended, source = excluded.source, recorded_at = excluded.recorded_at",
        )?
        .execute(params![
            row.reference,
            run_id,
            day,
            row.centre_id,
            row.attended,
            source,
            instant_text(at)
        ])?;
    }
    tx.commit()?;
    Ok(import)
}
