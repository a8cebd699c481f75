//! The PostgreSQL backend: the production store shared by many intake instances.
//!
//! An intake batch travels as one array per column, unpacked by `UNNEST`:
//! one statement per batch whatever its size, and the statement text never
//! changes. The allocator's whole-table reads and writes use COPY (`copy`).

mod copy;
pub(crate) mod exports;
pub(crate) mod outbox;
pub(crate) mod rounds;
mod servers;
mod writer;

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};

use self::servers::Servers;
pub(crate) use self::writer::PgWriter;
use sqlx::{PgPool, Row};

use crate::amend::{AmendOutcome, Amendment, Channel, HistoryCounts, keep_version_sql};
use crate::row::{choices_from_text, choices_to_text};
use crate::{
    AllocationInputs, AllocationRow, ApplicationRow, Existing, InsertOutcome, RunRecord, StoreError, classify,
};

/// A PostgreSQL store: a pool on the server that accepted writes when it
/// was opened (it derefs to that pool), and every server it was given, for
/// the batch writers to find the primary again after a failover.
#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
    servers: Arc<Servers>,
}

impl std::ops::Deref for Postgres {
    type Target = PgPool;

    fn deref(&self) -> &PgPool {
        &self.pool
    }
}

impl Postgres {
    pub(crate) fn writer(&self, commit_timeout: std::time::Duration) -> Result<writer::PgWriter, StoreError> {
        writer::PgWriter::new(self.servers.clone(), commit_timeout)
    }
}

pub(crate) async fn connect(
    urls: &[String],
    max_connections: u32,
    schema: Option<&str>,
) -> Result<Postgres, StoreError> {
    let mut servers = Vec::with_capacity(urls.len());
    for url in urls {
        let mut options: PgConnectOptions = url.parse()?;
        if let Some(schema) = schema {
            options = options.options([("search_path", schema)]);
        }
        servers.push(options);
    }
    let servers = Servers::new(servers);
    let (mut primary, options) = servers.connect_writable().await?;
    if let Some(schema) = schema {
        // Tests isolate themselves in a schema of their own.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"")))
            .execute(&mut primary)
            .await?;
    }
    primary.close().await?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        // No ping before each use: it is a round trip per use.
        .test_before_acquire(false)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_with(options.clone())
        .await?;
    Ok(Postgres { pool, servers: Arc::new(servers) })
}

macro_rules! insert_unnest {
    () => {
        "
    INSERT INTO applications (reference, id_type, id_number, full_name, birth_date, phone, email, lang,
                              centre_id, choices, accept_other_dates, fingerprint, submitted_at)
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[], $13::timestamptz[])"
    };
}

/// Every row, or none if any identity or reference is taken.
const INSERT_ALL: &str = insert_unnest!();

/// The rows whose identity and reference are free, saying which.
const INSERT_FREE: &str = concat!(insert_unnest!(), " ON CONFLICT DO NOTHING RETURNING reference");

const EXISTING: &str = "
    SELECT id_number, reference, fingerprint FROM applications WHERE id_number = ANY($1::text[])";

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// `query` with the batch bound as one array per column, borrowed: the
/// values are encoded as they are bound.
fn bind_columns<'q>(query: PgQuery<'q>, rows: &'q [&ApplicationRow]) -> PgQuery<'q> {
    let text = |f: fn(&'q ApplicationRow) -> &'q str| rows.iter().map(|r| f(r)).collect::<Vec<&str>>();
    query
        .bind(text(|r| &r.reference))
        .bind(text(|r| r.id_type.code()))
        .bind(text(|r| &r.id_number))
        .bind(text(|r| &r.full_name))
        .bind(rows.iter().map(|r| r.birth_date).collect::<Vec<_>>())
        .bind(text(|r| &r.phone))
        .bind(rows.iter().map(|r| r.email.as_deref()).collect::<Vec<_>>())
        .bind(text(|r| r.lang.code()))
        .bind(text(|r| &r.centre_id))
        .bind(rows.iter().map(|r| choices_to_text(&r.choices)).collect::<Vec<String>>())
        .bind(rows.iter().map(|r| r.accept_other_dates).collect::<Vec<_>>())
        .bind(text(|r| &r.fingerprint))
        .bind(rows.iter().map(|r| r.submitted_at).collect::<Vec<_>>())
}

pub(crate) async fn insert_batch(
    connection: &mut PgConnection,
    rows: &[&ApplicationRow],
) -> Result<Vec<InsertOutcome>, StoreError> {
    // A plain INSERT first: nearly every batch holds only new applications,
    // and ON CONFLICT makes PostgreSQL probe both unique indexes before each
    // row and insert it speculatively (a quarter of the database's CPU a
    // row, measured). A batch with a retry, a taken identity or a taken
    // reference fails whole (one auto-committed statement is atomic; the
    // server logs the unique violation) and goes again, skipping what is
    // taken.
    match bind_columns(sqlx::query(INSERT_ALL), rows).execute(&mut *connection).await {
        Ok(_) => return Ok(vec![InsertOutcome::Inserted; rows.len()]),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
        Err(e) => return Err(e.into()),
    }
    let inserted: HashSet<String> = bind_columns(sqlx::query(INSERT_FREE), rows)
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut existing = Existing::new();
    if inserted.len() < rows.len() {
        // Rows are never changed once stored, so reading after the commit is exact.
        let skipped: Vec<&&ApplicationRow> = rows.iter().filter(|r| !inserted.contains(&r.reference)).collect();
        let found = sqlx::query(EXISTING)
            .bind(skipped.iter().map(|r| r.id_number.clone()).collect::<Vec<_>>())
            .fetch_all(&mut *connection)
            .await?;
        for row in found {
            existing.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
        }
    }
    Ok(classify(rows, inserted, &existing))
}

const ALL: &str = "
    SELECT reference, id_type, id_number, full_name, birth_date, phone, email, lang, centre_id, choices,
           accept_other_dates, fingerprint, submitted_at
    FROM applications ORDER BY reference COLLATE \"C\"";

pub(crate) async fn all_applications(pool: &PgPool) -> Result<Vec<ApplicationRow>, StoreError> {
    let rows = sqlx::query(ALL).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let reference: String = row.try_get(0)?;
            let corrupt = |column: &str| StoreError::corrupt(&reference, column);
            Ok(ApplicationRow {
                id_type: campaign::application::IdType::parse(row.try_get(1)?).map_err(|_| corrupt("id_type"))?,
                id_number: row.try_get(2)?,
                full_name: row.try_get(3)?,
                birth_date: row.try_get(4)?,
                phone: row.try_get(5)?,
                email: row.try_get(6)?,
                lang: row.try_get::<&str, _>(7)?.parse().map_err(|_| corrupt("lang"))?,
                centre_id: row.try_get(8)?,
                choices: choices_from_text(row.try_get(9)?).ok_or_else(|| corrupt("choices"))?,
                accept_other_dates: row.try_get(10)?,
                fingerprint: row.try_get(11)?,
                submitted_at: row.try_get(12)?,
                reference,
            })
        })
        .collect()
}

pub(crate) async fn current_run(pool: &PgPool) -> Result<Option<RunRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT run_id, seed, input_fingerprint, rule, started_at, finished_at, applicants, allocated, \
         waitlisted, read_seconds, allocate_seconds, write_seconds, trial, lottery_commitment FROM allocation_runs LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(RunRecord {
        run_id: row.try_get(0)?,
        seed: row.try_get(1)?,
        input_fingerprint: row.try_get(2)?,
        rule: row.try_get(3)?,
        started_at: row.try_get(4)?,
        finished_at: row.try_get(5)?,
        applicants: u64::try_from(row.try_get::<i64, _>(6)?).unwrap_or_default(),
        allocated: u64::try_from(row.try_get::<i64, _>(7)?).unwrap_or_default(),
        waitlisted: u64::try_from(row.try_get::<i64, _>(8)?).unwrap_or_default(),
        read_seconds: row.try_get(9)?,
        allocate_seconds: row.try_get(10)?,
        write_seconds: row.try_get(11)?,
        trial: row.try_get(12)?,
        lottery_commitment: row.try_get(13)?,
    }))
}

pub(crate) async fn save_allocation(
    pool: &PgPool,
    run: &RunRecord,
    rows: &[AllocationRow],
    replace: bool,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    // One allocation at a time, even with two operators running it at once.
    sqlx::query("LOCK TABLE allocation_runs IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    let stored: Option<(String, bool)> =
        sqlx::query_as("SELECT run_id, trial FROM allocation_runs LIMIT 1").fetch_optional(&mut *tx).await?;
    if let Some((run_id, stored_trial)) = stored {
        if !run.may_replace(stored_trial, replace) {
            return Err(StoreError::AlreadyAllocated { run_id });
        }
        sqlx::query("TRUNCATE allocations").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM allocation_runs").execute(&mut *tx).await?;
    }
    sqlx::query(
        "INSERT INTO allocation_runs (run_id, seed, input_fingerprint, rule, started_at, finished_at, applicants, \
         allocated, waitlisted, read_seconds, allocate_seconds, write_seconds, trial, lottery_commitment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&run.run_id)
    .bind(&run.seed)
    .bind(&run.input_fingerprint)
    .bind(&run.rule)
    .bind(run.started_at)
    .bind(run.finished_at)
    .bind(i64::try_from(run.applicants).unwrap_or(i64::MAX))
    .bind(i64::try_from(run.allocated).unwrap_or(i64::MAX))
    .bind(i64::try_from(run.waitlisted).unwrap_or(i64::MAX))
    .bind(run.read_seconds)
    .bind(run.allocate_seconds)
    .bind(run.write_seconds)
    .bind(run.trial)
    .bind(&run.lottery_commitment)
    .execute(&mut *tx)
    .await?;
    // Checking keys and filling the primary key row by row costs random
    // index probes per row; built once after the load, by sorting, they
    // cost a fraction. All of it is inside the transaction: a failure leaves the
    // schema and the previous allocation as they were.
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *tx).await?;
    sqlx::query(
        "ALTER TABLE allocations DROP CONSTRAINT allocations_reference_fkey, \
         DROP CONSTRAINT allocations_run_id_fkey, DROP CONSTRAINT allocations_pkey",
    )
    .execute(&mut *tx)
    .await?;
    copy::write_allocations(&mut tx, &run.run_id, rows).await?;
    sqlx::query(
        "ALTER TABLE allocations ADD CONSTRAINT allocations_pkey PRIMARY KEY (reference), \
         ADD CONSTRAINT allocations_reference_fkey FOREIGN KEY (reference) REFERENCES applications (reference), \
         ADD CONSTRAINT allocations_run_id_fkey FOREIGN KEY (run_id) REFERENCES allocation_runs (run_id)",
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| match e {
        // A duplicate or unknown reference in the rows: a bug upstream, never stored.
        sqlx::Error::Database(ref d) if d.code().is_some_and(|c| c == "23505" || c == "23503") => {
            StoreError::Corrupt { reference: String::new(), problem: format!("allocation rows: {d}") }
        }
        other => other.into(),
    })?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn all_allocations(pool: &PgPool) -> Result<Vec<AllocationRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT reference, priority, lottery, centre_id, appointment_date, window_start, window_end, choice_met, \
         waitlist_position, status, round FROM allocations ORDER BY priority",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let reference: String = row.try_get(0)?;
            let corrupt = |column: &str| StoreError::corrupt(&reference, column);
            let situation = rounds::situation_at(row, 4, &reference)?;
            let priority = u64::try_from(row.try_get::<i64, _>(1)?).map_err(|_| corrupt("priority"))?;
            let lottery = row.try_get::<String, _>(2)?.parse().map_err(|_| corrupt("lottery"))?;
            Ok(situation.into_allocation(reference, priority, lottery, row.try_get(3)?))
        })
        .collect()
}

pub(crate) async fn read_allocation_inputs(pool: &PgPool) -> Result<AllocationInputs, StoreError> {
    let mut connection = pool.acquire().await?;
    copy::read_allocation_inputs(&mut connection).await
}

/// Applies changes and withdrawals in one transaction, in order.
pub(crate) async fn amend(
    connection: &mut PgConnection,
    amendments: &[&Amendment],
) -> Result<Vec<AmendOutcome>, StoreError> {
    let mut tx = connection.begin().await?;
    let mut outcomes = Vec::with_capacity(amendments.len());
    for amendment in amendments {
        outcomes.push(match amendment {
            Amendment::Change { row, at, via } => change(&mut tx, row, *at, *via).await?,
            Amendment::Withdraw { reference, id_number, at, via } => {
                withdraw(&mut tx, reference, id_number, *at, *via).await?
            }
            Amendment::Decline(decline) => rounds::decline(&mut tx, decline).await?,
        });
    }
    tx.commit().await?;
    Ok(outcomes)
}

type Tx<'c> = sqlx::Transaction<'c, sqlx::Postgres>;

async fn keep_version(
    tx: &mut Tx<'_>,
    reference: &str,
    ended_by: &str,
    at: time::OffsetDateTime,
    via: Channel,
) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(keep_version_sql('$')))
        .bind(reference)
        .bind(ended_by)
        .bind(at)
        .bind(via.code())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn change(
    tx: &mut Tx<'_>,
    row: &ApplicationRow,
    at: time::OffsetDateTime,
    via: Channel,
) -> Result<AmendOutcome, StoreError> {
    let stored: Option<(String, String, time::Date, String, i32)> = sqlx::query_as(
        "SELECT id_type, id_number, birth_date, fingerprint, version FROM applications WHERE reference = $1 FOR UPDATE",
    )
    .bind(&row.reference)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((id_type, id_number, birth_date, fingerprint, version)) = stored else {
        return Ok(AmendOutcome::NotFound);
    };
    if id_type != row.id_type.code() || id_number != row.id_number || birth_date != row.birth_date {
        return Ok(AmendOutcome::NotFound);
    }
    if fingerprint == row.fingerprint {
        return Ok(AmendOutcome::Unchanged);
    }
    keep_version(tx, &row.reference, "changed", at, via).await?;
    sqlx::query(
        "UPDATE applications SET full_name = $2, phone = $3, email = $4, lang = $5, centre_id = $6, choices = $7, \
         accept_other_dates = $8, fingerprint = $9, version = version + 1, changed_at = $10, changed_via = $11 \
         WHERE reference = $1",
    )
    .bind(&row.reference)
    .bind(&row.full_name)
    .bind(&row.phone)
    .bind(&row.email)
    .bind(row.lang.code())
    .bind(&row.centre_id)
    .bind(choices_to_text(&row.choices))
    .bind(row.accept_other_dates)
    .bind(&row.fingerprint)
    .bind(at)
    .bind(via.code())
    .execute(&mut **tx)
    .await?;
    Ok(AmendOutcome::Changed { version: u32::try_from(version + 1).unwrap_or(u32::MAX) })
}

async fn withdraw(
    tx: &mut Tx<'_>,
    reference: &str,
    id_number: &str,
    at: time::OffsetDateTime,
    via: Channel,
) -> Result<AmendOutcome, StoreError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT id_number FROM applications WHERE reference = $1 FOR UPDATE")
            .bind(reference)
            .fetch_optional(&mut **tx)
            .await?;
    match stored {
        Some(stored) if stored == id_number => {
            keep_version(tx, reference, "withdrawn", at, via).await?;
            // Only a trial run can have allocated it while registration is open.
            sqlx::query("DELETE FROM allocations WHERE reference = $1").bind(reference).execute(&mut **tx).await?;
            sqlx::query("DELETE FROM applications WHERE reference = $1").bind(reference).execute(&mut **tx).await?;
            Ok(AmendOutcome::Withdrawn)
        }
        Some(_) => Ok(AmendOutcome::NotFound),
        None => {
            let before: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM application_history \
                 WHERE reference = $1 AND id_number = $2 AND ended_by = 'withdrawn')",
            )
            .bind(reference)
            .bind(id_number)
            .fetch_one(&mut **tx)
            .await?;
            Ok(if before { AmendOutcome::AlreadyWithdrawn } else { AmendOutcome::NotFound })
        }
    }
}

pub(crate) async fn history_counts(pool: &PgPool) -> Result<HistoryCounts, StoreError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT ended_by, COUNT(*) FROM application_history GROUP BY ended_by").fetch_all(pool).await?;
    let mut counts = HistoryCounts::default();
    for (ended_by, n) in rows {
        let n = u64::try_from(n).unwrap_or_default();
        match ended_by.as_str() {
            "changed" => counts.changes = n,
            _ => counts.withdrawals = n,
        }
    }
    Ok(counts)
}
