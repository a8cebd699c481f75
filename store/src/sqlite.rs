//! The SQLite backend: one file, WAL mode, `synchronous=FULL`.
//!
//! A batch is one multi-row `INSERT` with bound values, auto-committed.

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{AllocationRow, ApplicationRow, Appointment, Existing, InsertOutcome, RunRecord, StoreError, classify};

pub(crate) async fn connect(path: &Path) -> Result<SqlitePool, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk (WAL fsynced) before we acknowledge it.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        // 32 MiB of page cache (default 2 MiB): the unique indexes on random
        // references and identity numbers are written all over, and a
        // million-row table needs its index pages in memory to stay fast.
        .pragma("cache_size", "-32768")
        .foreign_keys(true)
        // One prepared statement per batch size seen (1 to --max-batch).
        .statement_cache_capacity(1024);
    let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
    Ok(pool)
}

const INSERT_HEAD: &str = "INSERT INTO applications (reference, id_type, id_number, full_name, birth_date, phone, \
     email, lang, centre_id, choices, accept_other_dates, fingerprint, submitted_at) ";

/// Most rows in one statement: 13 parameters a row stays below SQLite's
/// limit of 32766. Each batch size is its own prepared statement, cached by
/// the driver (see `statement_cache_capacity`).
const MAX_ROWS_PER_STATEMENT: usize = 2500;

const EXISTING: &str = "
    SELECT a.id_number, a.reference, a.fingerprint
    FROM json_each(?1) AS j
    JOIN applications AS a ON a.id_number = j.value";

pub(crate) async fn insert_batch(pool: &SqlitePool, rows: &[ApplicationRow]) -> Result<Vec<InsertOutcome>, StoreError> {
    let mut inserted: HashSet<String> = HashSet::with_capacity(rows.len());
    let mut existing = Existing::new();
    for chunk in rows.chunks(MAX_ROWS_PER_STATEMENT) {
        // One auto-committed statement per chunk: atomic and durable
        // (synchronous=FULL) on its own, in one trip to the driver's thread.
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(INSERT_HEAD);
        insert.push_values(chunk, |mut b, r| {
            b.push_bind(r.reference.clone())
                .push_bind(r.id_type.clone())
                .push_bind(r.id_number.clone())
                .push_bind(r.full_name.clone())
                .push_bind(campaign::dates::format_date(r.birth_date))
                .push_bind(r.phone.clone())
                .push_bind(r.email.clone())
                .push_bind(r.lang.clone())
                .push_bind(r.centre_id.clone())
                .push_bind(r.choices.clone())
                .push_bind(i64::from(r.accept_other_dates))
                .push_bind(r.fingerprint.clone())
                .push_bind(r.submitted_at.format(&Rfc3339).unwrap_or_default());
        });
        insert.push(" ON CONFLICT DO NOTHING RETURNING reference");
        let returned = insert.build_query_scalar::<String>().fetch_all(pool).await?;
        let complete = returned.len() == chunk.len();
        inserted.extend(returned);
        if complete {
            continue;
        }
        // Some rows were skipped: read what is stored for their identities.
        // Rows never change once stored, so reading after the commit is exact.
        let identities: Vec<Value> =
            chunk.iter().filter(|r| !inserted.contains(&r.reference)).map(|r| json!(r.id_number)).collect();
        for row in sqlx::query(EXISTING).bind(Value::Array(identities).to_string()).fetch_all(pool).await? {
            existing.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
        }
    }
    Ok(classify(rows, inserted, &existing))
}

const ALL: &str = "
    SELECT reference, id_type, id_number, full_name, birth_date, phone, email, lang, centre_id, choices,
           accept_other_dates, fingerprint, submitted_at
    FROM applications ORDER BY reference";

pub(crate) async fn all_applications(pool: &SqlitePool) -> Result<Vec<ApplicationRow>, StoreError> {
    let rows = sqlx::query(ALL).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let reference: String = row.try_get(0)?;
            let corrupt = |problem: &str| StoreError::Corrupt { reference: reference.clone(), problem: problem.into() };
            let birth: String = row.try_get(4)?;
            let submitted: String = row.try_get(12)?;
            Ok(ApplicationRow {
                birth_date: campaign::dates::parse_date(&birth).ok_or_else(|| corrupt("birth_date"))?,
                submitted_at: OffsetDateTime::parse(&submitted, &Rfc3339).map_err(|_| corrupt("submitted_at"))?,
                id_type: row.try_get(1)?,
                id_number: row.try_get(2)?,
                full_name: row.try_get(3)?,
                phone: row.try_get(5)?,
                email: row.try_get(6)?,
                lang: row.try_get(7)?,
                centre_id: row.try_get(8)?,
                choices: row.try_get(9)?,
                accept_other_dates: row.try_get::<i64, _>(10)? != 0,
                fingerprint: row.try_get(11)?,
                reference,
            })
        })
        .collect()
}

pub(crate) async fn current_run(pool: &SqlitePool) -> Result<Option<RunRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT run_id, seed, input_fingerprint, rule, started_at, finished_at, applicants, allocated, \
         waitlisted, read_seconds, allocate_seconds, write_seconds, trial, lottery_commitment FROM allocation_runs LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let instant = |i: usize| -> Result<OffsetDateTime, StoreError> {
        let text: String = row.try_get(i)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map_err(|_| StoreError::Corrupt { reference: "allocation_runs".into(), problem: "timestamp".into() })
    };
    Ok(Some(RunRecord {
        run_id: row.try_get(0)?,
        seed: row.try_get(1)?,
        input_fingerprint: row.try_get(2)?,
        rule: row.try_get(3)?,
        started_at: instant(4)?,
        finished_at: instant(5)?,
        applicants: u64::try_from(row.try_get::<i64, _>(6)?).unwrap_or_default(),
        allocated: u64::try_from(row.try_get::<i64, _>(7)?).unwrap_or_default(),
        waitlisted: u64::try_from(row.try_get::<i64, _>(8)?).unwrap_or_default(),
        read_seconds: row.try_get(9)?,
        allocate_seconds: row.try_get(10)?,
        write_seconds: row.try_get(11)?,
        trial: row.try_get::<i64, _>(12)? != 0,
        lottery_commitment: row.try_get(13)?,
    }))
}

pub(crate) async fn all_allocations(pool: &SqlitePool) -> Result<Vec<AllocationRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT reference, priority, lottery, centre_id, appointment_date, window_start, window_end, choice_met, \
         waitlist_position FROM allocations ORDER BY priority",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let reference: String = row.try_get(0)?;
            let corrupt = |problem: &str| StoreError::Corrupt { reference: reference.clone(), problem: problem.into() };
            let date: Option<String> = row.try_get(4)?;
            let appointment = match date {
                Some(date) => Some(Appointment {
                    date: campaign::dates::parse_date(&date).ok_or_else(|| corrupt("appointment_date"))?,
                    window_start: row.try_get::<Option<String>, _>(5)?.ok_or_else(|| corrupt("window_start"))?,
                    window_end: row.try_get::<Option<String>, _>(6)?.ok_or_else(|| corrupt("window_end"))?,
                }),
                None => None,
            };
            Ok(AllocationRow {
                priority: u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or_default(),
                lottery: row.try_get::<String, _>(2)?.parse().map_err(|_| corrupt("lottery"))?,
                centre_id: row.try_get(3)?,
                appointment,
                choice_met: row.try_get(7)?,
                waitlist_position: row.try_get::<Option<i64>, _>(8)?.map(|p| u64::try_from(p).unwrap_or_default()),
                reference,
            })
        })
        .collect()
}
