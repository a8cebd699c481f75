//! Bulk reads and writes of the allocation on SQLite, through rusqlite on a
//! blocking thread: sqlx hands every row and every bound value across to its
//! worker thread one at a time, which is fine for intake's small batches but
//! ten times too slow for millions of rows. Both use the same SQLite library.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params};
use sqlx::SqlitePool;
use time::format_description::well_known::Rfc3339;

use crate::allocation::InputDigest;
use crate::{AllocationInput, AllocationInputs, AllocationRow, RunRecord, StoreError};

/// The database file behind the pool.
pub(crate) async fn path_of(pool: &SqlitePool) -> Result<PathBuf, StoreError> {
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'").fetch_one(pool).await?;
    Ok(PathBuf::from(file))
}

fn open(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    let connection = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(bulk_error)?;
    connection.busy_timeout(Duration::from_secs(30)).map_err(bulk_error)?;
    connection.pragma_update(None, "synchronous", "FULL").map_err(bulk_error)?;
    // 128 MiB of page cache: a bulk load of millions of rows touches far more
    // than the default 2 MiB, and this connection lives only for the load.
    connection.pragma_update(None, "cache_size", "-131072").map_err(bulk_error)?;
    Ok(connection)
}

fn bulk_error(e: rusqlite::Error) -> StoreError {
    StoreError::Bulk(e.to_string())
}

pub(crate) fn read_allocation_inputs(path: &Path) -> Result<AllocationInputs, StoreError> {
    let connection = open(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // In table order, then sorted here: reading through the reference index
    // would fetch every row by a random seek (twice the time at 2 million).
    let mut statement = connection
        .prepare("SELECT reference, birth_date, centre_id, choices, accept_other_dates, fingerprint FROM applications")
        .map_err(bulk_error)?;
    // Sized once: growing by doubling would copy (and fault in) the pairs
    // again and again. Rows are never deleted, so the largest rowid is the count.
    let expected: i64 = connection
        .query_row("SELECT coalesce(max(rowid), 0) FROM applications", [], |r| r.get(0))
        .map_err(bulk_error)?;
    let mut rows = statement.query([]).map_err(bulk_error)?;
    let mut read = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    while let Some(row) = rows.next().map_err(bulk_error)? {
        let text = |i: usize| -> Result<&str, StoreError> {
            row.get_ref(i).and_then(|v| v.as_str().map_err(Into::into)).map_err(bulk_error)
        };
        let reference = text(0)?;
        let birth = text(1)?;
        let birth_date = campaign::dates::parse_date(birth)
            .ok_or_else(|| StoreError::Corrupt { reference: reference.to_owned(), problem: "birth_date".into() })?;
        let input = AllocationInput {
            reference: reference.to_owned(),
            birth_date,
            centre_id: text(2)?.to_owned(),
            choices: text(3)?.to_owned(),
            accept_other_dates: row.get::<_, i64>(4).map_err(bulk_error)? != 0,
        };
        // Inline, not a String: two million small allocations interleaved
        // with the inputs' would fragment the heap the later stages reuse.
        let fingerprint: [u8; 64] = text(5)?
            .as_bytes()
            .try_into()
            .map_err(|_| StoreError::Corrupt { reference: input.reference.clone(), problem: "fingerprint".into() })?;
        read.push((input, fingerprint));
    }
    // Byte order, as SQLite's BINARY and PostgreSQL's "C" collations sort.
    read.sort_unstable_by(|a, b| a.0.reference.as_bytes().cmp(b.0.reference.as_bytes()));
    let mut digest = InputDigest::default();
    for (input, fingerprint) in &read {
        digest.add(&input.reference, fingerprint);
    }
    // A fresh vector of the exact size: collecting in place would keep the
    // larger allocation of the pairs alive through the whole run.
    let mut inputs = Vec::with_capacity(read.len());
    inputs.extend(read.into_iter().map(|(input, _)| input));
    Ok(AllocationInputs { rows: inputs, digest: digest.finish() })
}

pub(crate) fn save_allocation(
    path: &Path,
    run: &RunRecord,
    rows: &[AllocationRow],
    replace: bool,
) -> Result<(), StoreError> {
    let mut connection = open(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(bulk_error)?;
    let stored: Option<(String, bool)> = tx
        .query_row("SELECT run_id, trial FROM allocation_runs LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? != 0))
        })
        .map(Some)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
        .map_err(bulk_error)?;
    if let Some((run_id, stored_trial)) = stored {
        if !run.may_replace(stored_trial, replace) {
            return Err(StoreError::AlreadyAllocated { run_id });
        }
        tx.execute("DELETE FROM allocations", []).map_err(bulk_error)?;
        tx.execute("DELETE FROM allocation_runs", []).map_err(bulk_error)?;
    }
    tx.execute(
        "INSERT INTO allocation_runs (run_id, seed, input_fingerprint, rule, started_at, finished_at, applicants, \
         allocated, waitlisted, read_seconds, allocate_seconds, write_seconds, trial, lottery_commitment) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            run.run_id,
            run.seed,
            run.input_fingerprint,
            run.rule,
            run.started_at.format(&Rfc3339).unwrap_or_default(),
            run.finished_at.format(&Rfc3339).unwrap_or_default(),
            i64::try_from(run.applicants).unwrap_or(i64::MAX),
            i64::try_from(run.allocated).unwrap_or(i64::MAX),
            i64::try_from(run.waitlisted).unwrap_or(i64::MAX),
            run.read_seconds,
            run.allocate_seconds,
            run.write_seconds,
            i64::from(run.trial),
            run.lottery_commitment,
        ],
    )
    .map_err(bulk_error)?;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO allocations (reference, run_id, priority, lottery, centre_id, status, appointment_date, \
                 window_start, window_end, choice_met, waitlist_position) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(bulk_error)?;
        // In reference order, the primary key grows at its end instead of
        // being written all over: several times faster for millions of rows.
        let mut in_key_order: Vec<&AllocationRow> = rows.iter().collect();
        in_key_order.sort_unstable_by(|a, b| a.reference.cmp(&b.reference));
        for r in in_key_order {
            let appointment = r.appointment.as_ref();
            insert
                .execute(params![
                    r.reference,
                    run.run_id,
                    i64::try_from(r.priority).unwrap_or(i64::MAX),
                    r.lottery.to_string(),
                    r.centre_id,
                    r.status(),
                    appointment.map(|a| campaign::dates::format_date(a.date)),
                    appointment.map(|a| a.window_start.as_str()),
                    appointment.map(|a| a.window_end.as_str()),
                    r.choice_met,
                    r.waitlist_position.map(|p| i64::try_from(p).unwrap_or(i64::MAX)),
                ])
                .map_err(bulk_error)?;
        }
    }
    tx.commit().map_err(bulk_error)
}

/// A connection that writes batches of applications in-process: the
/// group-commit writer of intake on SQLite runs on its own thread with it, so
/// a batch costs no trip to another thread.
pub struct SqliteWriter {
    connection: Connection,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteWriter")
    }
}

/// See [`SqliteWriter::open`].
const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;

const INSERT_ONE: &str = "INSERT INTO applications (reference, id_type, id_number, full_name, birth_date, phone, \
     email, lang, centre_id, choices, accept_other_dates, fingerprint, submitted_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING";

impl SqliteWriter {
    /// Opens the database file for writing (WAL, `synchronous=FULL`).
    pub fn open(path: &Path) -> Result<SqliteWriter, StoreError> {
        let connection = open(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        connection.busy_timeout(Duration::from_secs(5)).map_err(bulk_error)?;
        // 8 MiB of page cache: a flood's peak memory matters more than the
        // hit rate, since the OS page cache holds the file anyway (32 MiB
        // measured no faster per row; peak RSS under a 2,048-connection
        // flood 98 -> 88 MB).
        connection.pragma_update(None, "cache_size", "-8192").map_err(bulk_error)?;
        // Checkpoint every 16,384 WAL pages (64 MiB) rather than SQLite's
        // 1,000: inserts touch index pages all over, and a longer WAL lets a
        // checkpoint write each hot page once for many commits (about a
        // quarter more applications a second here, p99 still ~15 ms).
        connection.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES).map_err(bulk_error)?;
        connection.set_prepared_statement_cache_capacity(8);
        Ok(SqliteWriter { connection })
    }

    /// Checks the database answers.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.connection.query_row("SELECT 1", [], |_| Ok(())).map_err(bulk_error)
    }

    /// Stores a batch in one transaction (one commit, one fsync) and says
    /// what happened to each row, exactly as [`crate::Store::insert_batch`].
    /// The rows are borrowed one by one, so the caller need not copy its
    /// submissions into a slice on the writer's (serial) thread.
    pub fn insert_batch<'a>(
        &mut self,
        rows: impl IntoIterator<Item = &'a crate::ApplicationRow>,
    ) -> Result<Vec<crate::InsertOutcome>, StoreError> {
        use crate::InsertOutcome;
        let rows = rows.into_iter();
        let tx =
            self.connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(bulk_error)?;
        let mut outcomes = Vec::with_capacity(rows.size_hint().0);
        {
            let mut insert = tx.prepare_cached(INSERT_ONE).map_err(bulk_error)?;
            let mut lookup = tx
                .prepare_cached("SELECT reference, fingerprint FROM applications WHERE id_number = ?1")
                .map_err(bulk_error)?;
            for r in rows {
                let inserted = insert
                    .execute(params![
                        r.reference,
                        r.id_type,
                        r.id_number,
                        r.full_name,
                        campaign::dates::format_date(r.birth_date),
                        r.phone,
                        r.email,
                        r.lang,
                        r.centre_id,
                        r.choices,
                        i64::from(r.accept_other_dates),
                        r.fingerprint,
                        r.submitted_at.format(&Rfc3339).unwrap_or_default(),
                    ])
                    .map_err(bulk_error)?;
                if inserted == 1 {
                    outcomes.push(InsertOutcome::Inserted);
                    continue;
                }
                // Skipped: the identity is taken (by a retry or another
                // application), or only the random reference was.
                let stored: Option<(String, String)> = lookup
                    .query_row(params![r.id_number], |row| Ok((row.get(0)?, row.get(1)?)))
                    .map(Some)
                    .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
                    .map_err(bulk_error)?;
                outcomes.push(match stored {
                    Some((reference, fingerprint)) if fingerprint == r.fingerprint => {
                        InsertOutcome::AlreadyStored { reference }
                    }
                    Some(_) => InsertOutcome::IdentityTaken,
                    None => InsertOutcome::ReferenceTaken,
                });
            }
        }
        tx.commit().map_err(bulk_error)?;
        Ok(outcomes)
    }
}
