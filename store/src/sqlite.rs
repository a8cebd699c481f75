//! The SQLite backend: one file, WAL mode, `synchronous=FULL`.
//!
//! A batch travels as one JSON parameter unpacked by `json_each`, so each
//! batch is one prepared statement whatever its size.

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{ApplicationRow, Existing, InsertOutcome, StoreError, classify};

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
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
    Ok(pool)
}

const INSERT: &str = "
    INSERT INTO applications (reference, id_type, id_number, full_name, birth_date, phone, email, lang,
                              centre_id, choices, accept_other_dates, fingerprint, submitted_at)
    SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7,
           value->>8, value->>9, value->>10, value->>11, value->>12
    FROM json_each(?1) WHERE true
    ON CONFLICT DO NOTHING
    RETURNING reference";

const EXISTING: &str = "
    SELECT a.id_type, a.id_number, a.reference, a.fingerprint
    FROM json_each(?1) AS j
    JOIN applications AS a ON a.id_type = j.value->>0 AND a.id_number = j.value->>1";

pub(crate) async fn insert_batch(pool: &SqlitePool, rows: &[ApplicationRow]) -> Result<Vec<InsertOutcome>, StoreError> {
    let batch = Value::Array(rows.iter().map(to_json).collect()).to_string();
    let mut tx = pool.begin().await?;
    let inserted: HashSet<String> =
        sqlx::query_scalar::<_, String>(INSERT).bind(&batch).fetch_all(&mut *tx).await?.into_iter().collect();
    let mut existing = Existing::new();
    if inserted.len() < rows.len() {
        let skipped: Vec<Value> =
            rows.iter().filter(|r| !inserted.contains(&r.reference)).map(|r| json!([r.id_type, r.id_number])).collect();
        for row in sqlx::query(EXISTING).bind(Value::Array(skipped).to_string()).fetch_all(&mut *tx).await? {
            existing.insert((row.try_get(0)?, row.try_get(1)?), (row.try_get(2)?, row.try_get(3)?));
        }
    }
    tx.commit().await?;
    Ok(classify(rows, inserted, &existing))
}

fn to_json(r: &ApplicationRow) -> Value {
    json!([
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
