//! The allocator's reads and writes on SQLite: every application's input,
//! the run record, and one allocation row per application.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{count, count_back, date, instant, instant_text};
use crate::allocation::{InputDigest, NO_CHOICE_MET, Situation, appointment_from_columns};
use crate::row::choices_from_text;
use crate::{AllocationInput, AllocationInputs, AllocationRow, RunRecord, StoreError};

pub(crate) fn read_inputs(connection: &mut Connection) -> Result<AllocationInputs, StoreError> {
    // In table order, then sorted here: reading through the reference index
    // would fetch every row by a random seek.
    let mut statement = connection.prepare(
        "SELECT reference, birth_date, centre_id, choices, accept_other_dates, fingerprint, version FROM applications",
    )?;
    // Sized once: growing by doubling would copy (and fault in) the pairs
    // again and again. Rows are never deleted, so the largest rowid is the count.
    let expected: i64 = connection.query_row("SELECT coalesce(max(rowid), 0) FROM applications", [], |r| r.get(0))?;
    let mut rows = statement.query([])?;
    let mut read = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    while let Some(row) = rows.next()? {
        let text =
            |i: usize| -> Result<&str, StoreError> { Ok(row.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?) };
        let reference = text(0)?;
        let input = AllocationInput {
            reference: reference.to_owned(),
            birth_date: date(text(1)?, reference, "birth_date")?,
            centre_id: text(2)?.to_owned(),
            choices: choices_from_text(text(3)?).ok_or_else(|| StoreError::corrupt(reference, "choices"))?,
            accept_other_dates: row.get(4)?,
        };
        // Inline, not a String: two million small allocations interleaved
        // with the inputs' would fragment the heap the later stages reuse.
        let fingerprint: [u8; 64] =
            text(5)?.as_bytes().try_into().map_err(|_| StoreError::corrupt(reference, "fingerprint"))?;
        let version = u32::try_from(row.get::<_, i64>(6)?).map_err(|_| StoreError::corrupt(reference, "version"))?;
        read.push((input, version, fingerprint));
    }
    // Byte order, as SQLite's BINARY and PostgreSQL's "C" collations sort.
    read.sort_unstable_by(|a, b| a.0.reference.as_bytes().cmp(b.0.reference.as_bytes()));
    let mut digest = InputDigest::default();
    for (input, version, fingerprint) in &read {
        digest.add(&input.reference, *version, fingerprint);
    }
    // A fresh vector of the exact size: collecting in place would keep the
    // larger allocation of the pairs alive through the whole run.
    let mut inputs = Vec::with_capacity(read.len());
    inputs.extend(read.into_iter().map(|(input, _, _)| input));
    Ok(AllocationInputs { rows: inputs, digest: digest.finish() })
}

const RUN_COLUMNS: &str = "run_id, seed, input_fingerprint, rule, started_at, finished_at, applicants, allocated, \
     waitlisted, read_seconds, allocate_seconds, write_seconds, trial, lottery_commitment";

pub(crate) fn current_run(connection: &mut Connection) -> Result<Option<RunRecord>, StoreError> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM allocation_runs LIMIT 1");
    let columns = connection
        .query_row(&sql, [], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                (r.get::<_, String>(4)?, r.get::<_, String>(5)?),
                (r.get::<_, i64>(6)?, r.get::<_, i64>(7)?, r.get::<_, i64>(8)?),
                (r.get::<_, f64>(9)?, r.get::<_, f64>(10)?, r.get::<_, f64>(11)?),
                (r.get::<_, bool>(12)?, r.get::<_, Option<String>>(13)?),
            ))
        })
        .optional()?;
    let Some(((run_id, seed, input_fingerprint, rule), (started, finished), counts, seconds, last)) = columns else {
        return Ok(None);
    };
    let table = "allocation_runs";
    Ok(Some(RunRecord {
        started_at: instant(&started, table, "started_at")?,
        finished_at: instant(&finished, table, "finished_at")?,
        applicants: count_back(counts.0, table, "applicants")?,
        allocated: count_back(counts.1, table, "allocated")?,
        waitlisted: count_back(counts.2, table, "waitlisted")?,
        read_seconds: seconds.0,
        allocate_seconds: seconds.1,
        write_seconds: seconds.2,
        trial: last.0,
        lottery_commitment: last.1,
        run_id,
        seed,
        input_fingerprint,
        rule,
    }))
}

pub(crate) fn save(
    connection: &mut Connection,
    run: &RunRecord,
    rows: &[AllocationRow],
    replace: bool,
) -> Result<(), StoreError> {
    let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let stored: Option<(String, bool)> = tx
        .query_row("SELECT run_id, trial FROM allocation_runs LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((run_id, stored_trial)) = stored {
        if !run.may_replace(stored_trial, replace) {
            return Err(StoreError::AlreadyAllocated { run_id });
        }
        tx.execute("DELETE FROM allocations", [])?;
        tx.execute("DELETE FROM allocation_runs", [])?;
    }
    tx.execute(
        &format!("INSERT INTO allocation_runs ({RUN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
        params![
            run.run_id,
            run.seed,
            run.input_fingerprint,
            run.rule,
            instant_text(run.started_at),
            instant_text(run.finished_at),
            count(run.applicants),
            count(run.allocated),
            count(run.waitlisted),
            run.read_seconds,
            run.allocate_seconds,
            run.write_seconds,
            run.trial,
            run.lottery_commitment,
        ],
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO allocations (reference, run_id, priority, lottery, centre_id, status, appointment_date, \
             window_start, window_end, choice_met, waitlist_position) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        // In reference order, the primary key grows at its end instead of
        // being written all over: several times faster for millions of rows.
        let mut in_key_order: Vec<&AllocationRow> = rows.iter().collect();
        in_key_order.sort_unstable_by(|a, b| a.reference.cmp(&b.reference));
        for r in in_key_order {
            let appointment = r.appointment.as_ref();
            insert.execute(params![
                r.reference,
                run.run_id,
                count(r.priority),
                r.lottery.to_string(),
                r.centre_id,
                r.status(),
                appointment.map(|a| campaign::dates::format_date(a.date)),
                appointment.map(|a| campaign::dates::format_time(a.window.start)),
                appointment.map(|a| campaign::dates::format_time(a.window.end)),
                r.choice_met_text(),
                r.waitlist_position.map(count),
            ])?;
        }
    }
    Ok(tx.commit()?)
}

pub(crate) fn all(connection: &mut Connection) -> Result<Vec<AllocationRow>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT reference, priority, lottery, centre_id, appointment_date, window_start, window_end, choice_met, \
         waitlist_position, status, round FROM allocations ORDER BY priority",
    )?;
    let mut rows = statement.query([])?;
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let reference: String = row.get(0)?;
        let situation = situation_at(row, 4, &reference)?;
        let priority = count_back(row.get(1)?, &reference, "priority")?;
        let lottery = row.get::<_, String>(2)?.parse().map_err(|_| StoreError::corrupt(&reference, "lottery"))?;
        read.push(situation.into_allocation(reference, priority, lottery, row.get(3)?));
    }
    Ok(read)
}

/// A row's [`Situation`] from its seven columns from `first` on: appointment
/// date, window start, window end, choice met, waitlist position, status and
/// round, as `allocations` and `round_changes` both store them.
pub(super) fn situation_at(row: &Row<'_>, first: usize, reference: &str) -> Result<Situation, StoreError> {
    // As the query names it (`before_round` in `round_changes`); the column
    // was just read, so it has a name.
    let name = |i: usize| row.as_ref().column_name(i).unwrap_or_default();
    let day = match row.get::<_, Option<String>>(first)? {
        Some(text) => Some(date(&text, reference, name(first))?),
        None => None,
    };
    let choice_met = row.get_ref(first + 3)?.as_str().map_err(rusqlite::Error::from)?;
    let appointment = appointment_from_columns(
        day,
        row.get::<_, Option<String>>(first + 1)?.as_deref(),
        row.get::<_, Option<String>>(first + 2)?.as_deref(),
        choice_met,
    )
    .map_err(|column| StoreError::corrupt(reference, column))?;
    if appointment.is_none() && choice_met != NO_CHOICE_MET {
        return Err(StoreError::corrupt(reference, name(first + 3)));
    }
    let waitlist_position = match row.get::<_, Option<i64>>(first + 4)? {
        Some(p) => Some(count_back(p, reference, name(first + 4))?),
        None => None,
    };
    Ok(Situation {
        appointment,
        waitlist_position,
        declined: row.get::<_, String>(first + 5)? == "declined",
        round: u32::try_from(row.get::<_, i64>(first + 6)?)
            .map_err(|_| StoreError::corrupt(reference, name(first + 6)))?,
    })
}
