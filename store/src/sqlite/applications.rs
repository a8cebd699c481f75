//! Applications on SQLite: intake's batch writer and the whole-table read.

use rusqlite::{Connection, OptionalExtension, params};

use super::{date, instant, instant_text};
use crate::amend::{AmendOutcome, Amendment, Channel, HistoryCounts, keep_version_sql};
use crate::row::{choices_from_text, choices_to_text};
use crate::{ApplicationRow, InsertOutcome, StoreError};

/// Checkpoint every 16,384 WAL pages (64 MiB) rather than SQLite's 1,000:
/// inserts touch index pages all over, and a longer WAL lets a checkpoint
/// write each hot page once for many commits (docs/performance.md).
const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;

const INSERT_ONE: &str = "INSERT INTO applications (reference, id_type, id_number, full_name, birth_date, phone, \
     email, lang, centre_id, choices, accept_other_dates, fingerprint, submitted_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING";

const STORED_FOR_IDENTITY: &str = "SELECT reference, fingerprint FROM applications WHERE id_number = ?1";

/// One connection that writes batches of applications, each in one
/// transaction (one commit, one fsync).
pub(crate) struct Writer {
    connection: Connection,
}

impl Writer {
    pub(crate) fn open(connection: Connection) -> Result<Writer, StoreError> {
        connection.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        connection.set_prepared_statement_cache_capacity(8);
        Ok(Writer { connection })
    }

    pub(crate) fn ping(&self) -> Result<(), StoreError> {
        Ok(self.connection.query_row("SELECT 1", [], |_| Ok(()))?)
    }

    /// Inserts row by row inside one transaction: each row's outcome is
    /// known as it is written, and the transaction commits once.
    pub(crate) fn insert_batch(&mut self, rows: &[&ApplicationRow]) -> Result<Vec<InsertOutcome>, StoreError> {
        let tx = self.connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(rows.len());
        {
            let mut insert = tx.prepare_cached(INSERT_ONE)?;
            let mut lookup = tx.prepare_cached(STORED_FOR_IDENTITY)?;
            for r in rows {
                let inserted = insert.execute(params![
                    r.reference,
                    r.id_type.code(),
                    r.id_number,
                    r.full_name,
                    campaign::dates::format_date(r.birth_date),
                    r.phone,
                    r.email,
                    r.lang.code(),
                    r.centre_id,
                    choices_to_text(&r.choices),
                    r.accept_other_dates,
                    r.fingerprint,
                    instant_text(r.submitted_at),
                ])?;
                if inserted == 1 {
                    outcomes.push(InsertOutcome::Inserted);
                    continue;
                }
                // Skipped: the identity is taken (by a retry or another
                // application), or only the random reference was.
                let stored: Option<(String, String)> =
                    lookup.query_row(params![r.id_number], |row| Ok((row.get(0)?, row.get(1)?))).optional()?;
                outcomes.push(match stored {
                    Some((reference, fingerprint)) if fingerprint == r.fingerprint => {
                        InsertOutcome::AlreadyStored { reference }
                    }
                    Some(_) => InsertOutcome::IdentityTaken,
                    None => InsertOutcome::ReferenceTaken,
                });
            }
        }
        tx.commit()?;
        Ok(outcomes)
    }
}

const ALL: &str = "
    SELECT reference, id_type, id_number, full_name, birth_date, phone, email, lang, centre_id, choices,
           accept_other_dates, fingerprint, submitted_at
    FROM applications ORDER BY reference";

pub(crate) fn all(connection: &mut Connection) -> Result<Vec<ApplicationRow>, StoreError> {
    let mut statement = connection.prepare(ALL)?;
    let mut rows = statement.query([])?;
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let reference: String = row.get(0)?;
        let corrupt = |column: &str| StoreError::corrupt(&reference, column);
        read.push(ApplicationRow {
            id_type: campaign::application::IdType::parse(&row.get::<_, String>(1)?).map_err(|_| corrupt("id_type"))?,
            id_number: row.get(2)?,
            full_name: row.get(3)?,
            birth_date: date(&row.get::<_, String>(4)?, &reference, "birth_date")?,
            phone: row.get(5)?,
            email: row.get(6)?,
            lang: row.get::<_, String>(7)?.parse().map_err(|_| corrupt("lang"))?,
            centre_id: row.get(8)?,
            choices: choices_from_text(&row.get::<_, String>(9)?).ok_or_else(|| corrupt("choices"))?,
            accept_other_dates: row.get(10)?,
            fingerprint: row.get(11)?,
            submitted_at: instant(&row.get::<_, String>(12)?, &reference, "submitted_at")?,
            reference,
        });
    }
    Ok(read)
}

impl Writer {
    /// Applies changes and withdrawals in one transaction, in order.
    pub(crate) fn amend(&mut self, amendments: &[&Amendment]) -> Result<Vec<AmendOutcome>, StoreError> {
        let tx = self.connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(amendments.len());
        for amendment in amendments {
            outcomes.push(match amendment {
                Amendment::Change { row, at, via } => change(&tx, row, *at, *via)?,
                Amendment::Withdraw { reference, id_number, at, via } => {
                    withdraw(&tx, reference, id_number, *at, *via)?
                }
                Amendment::Decline(decline) => super::rounds::decline(&tx, decline)?,
            });
        }
        tx.commit()?;
        Ok(outcomes)
    }
}

/// Copies the current version of `reference` into the history, ended by `ended_by`.
fn keep_version(
    tx: &rusqlite::Transaction<'_>,
    reference: &str,
    ended_by: &str,
    at: time::OffsetDateTime,
    via: Channel,
) -> Result<(), StoreError> {
    tx.prepare_cached(&keep_version_sql('?'))?.execute(params![reference, ended_by, instant_text(at), via.code()])?;
    Ok(())
}

fn change(
    tx: &rusqlite::Transaction<'_>,
    row: &ApplicationRow,
    at: time::OffsetDateTime,
    via: Channel,
) -> Result<AmendOutcome, StoreError> {
    let stored: Option<(String, String, String, String, i64)> = tx
        .prepare_cached(
            "SELECT id_type, id_number, birth_date, fingerprint, version FROM applications WHERE reference = ?1",
        )?
        .query_row(params![row.reference], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    let Some((id_type, id_number, birth_date, fingerprint, version)) = stored else {
        return Ok(AmendOutcome::NotFound);
    };
    let same_person = id_type == row.id_type.code()
        && id_number == row.id_number
        && birth_date == campaign::dates::format_date(row.birth_date);
    if !same_person {
        return Ok(AmendOutcome::NotFound);
    }
    if fingerprint == row.fingerprint {
        return Ok(AmendOutcome::Unchanged);
    }
    keep_version(tx, &row.reference, "changed", at, via)?;
    tx.prepare_cached(
        "UPDATE applications SET full_name = ?2, phone = ?3, email = ?4, lang = ?5, centre_id = ?6, choices = ?7, \
         accept_other_dates = ?8, fingerprint = ?9, version = version + 1, changed_at = ?10, changed_via = ?11 \
         WHERE reference = ?1",
    )?
    .execute(params![
        row.reference,
        row.full_name,
        row.phone,
        row.email,
        row.lang.code(),
        row.centre_id,
        choices_to_text(&row.choices),
        row.accept_other_dates,
        row.fingerprint,
        instant_text(at),
        via.code(),
    ])?;
    Ok(AmendOutcome::Changed { version: u32::try_from(version + 1).unwrap_or(u32::MAX) })
}

fn withdraw(
    tx: &rusqlite::Transaction<'_>,
    reference: &str,
    id_number: &str,
    at: time::OffsetDateTime,
    via: Channel,
) -> Result<AmendOutcome, StoreError> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT id_number FROM applications WHERE reference = ?1")?
        .query_row(params![reference], |r| r.get(0))
        .optional()?;
    match stored {
        Some(stored) if stored == id_number => {
            keep_version(tx, reference, "withdrawn", at, via)?;
            // Only a trial run can have allocated it while registration is open.
            tx.prepare_cached("DELETE FROM allocations WHERE reference = ?1")?.execute(params![reference])?;
            tx.prepare_cached("DELETE FROM applications WHERE reference = ?1")?.execute(params![reference])?;
            Ok(AmendOutcome::Withdrawn)
        }
        Some(_) => Ok(AmendOutcome::NotFound),
        None => {
            let before: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM application_history \
                     WHERE reference = ?1 AND id_number = ?2 AND ended_by = 'withdrawn')",
                )?
                .query_row(params![reference, id_number], |r| r.get(0))?;
            Ok(if before { AmendOutcome::AlreadyWithdrawn } else { AmendOutcome::NotFound })
        }
    }
}

pub(crate) fn history_counts(connection: &mut Connection) -> Result<HistoryCounts, StoreError> {
    let mut counts = HistoryCounts::default();
    let mut statement = connection.prepare("SELECT ended_by, COUNT(*) FROM application_history GROUP BY ended_by")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let n = u64::try_from(row.get::<_, i64>(1)?).unwrap_or_default();
        match row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)? {
            "changed" => counts.changes = n,
            _ => counts.withdrawals = n,
        }
    }
    Ok(counts)
}
