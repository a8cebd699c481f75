//! The PostgreSQL backend: the production store shared by many intake instances.
//!
//! A batch travels as one array per column, unpacked by `UNNEST`: one
//! statement per batch whatever its size, and the statement text never changes.

use std::collections::HashSet;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{PgPool, Row};

use crate::{ApplicationRow, Existing, InsertOutcome, StoreError, classify};

pub(crate) async fn connect(url: &str, max_connections: u32, schema: Option<&str>) -> Result<PgPool, StoreError> {
    let mut options: PgConnectOptions = url.parse()?;
    if let Some(schema) = schema {
        // Tests isolate themselves in a schema of their own.
        let mut admin = PgConnection::connect_with(&options).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"")))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        options = options.options([("search_path", schema)]);
    }
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(pool)
}

const INSERT: &str = "
    INSERT INTO applications (reference, id_type, id_number, full_name, birth_date, phone, email, lang,
                              centre_id, choices, accept_other_dates, fingerprint, submitted_at)
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[], $13::timestamptz[])
    ON CONFLICT DO NOTHING
    RETURNING reference";

const EXISTING: &str = "
    SELECT a.id_type, a.id_number, a.reference, a.fingerprint
    FROM UNNEST($1::text[], $2::text[]) AS j(id_type, id_number)
    JOIN applications AS a USING (id_type, id_number)";

pub(crate) async fn insert_batch(pool: &PgPool, rows: &[ApplicationRow]) -> Result<Vec<InsertOutcome>, StoreError> {
    let column = |f: fn(&ApplicationRow) -> String| rows.iter().map(f).collect::<Vec<String>>();
    // One auto-committed statement: atomic on its own, one round trip.
    let inserted: HashSet<String> = sqlx::query_scalar::<_, String>(INSERT)
        .bind(column(|r| r.reference.clone()))
        .bind(column(|r| r.id_type.clone()))
        .bind(column(|r| r.id_number.clone()))
        .bind(column(|r| r.full_name.clone()))
        .bind(rows.iter().map(|r| r.birth_date).collect::<Vec<_>>())
        .bind(column(|r| r.phone.clone()))
        .bind(rows.iter().map(|r| r.email.clone()).collect::<Vec<_>>())
        .bind(column(|r| r.lang.clone()))
        .bind(column(|r| r.centre_id.clone()))
        .bind(column(|r| r.choices.clone()))
        .bind(rows.iter().map(|r| r.accept_other_dates).collect::<Vec<_>>())
        .bind(column(|r| r.fingerprint.clone()))
        .bind(rows.iter().map(|r| r.submitted_at).collect::<Vec<_>>())
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
    let mut existing = Existing::new();
    if inserted.len() < rows.len() {
        // Rows are never changed once stored, so reading after the commit is exact.
        let skipped: Vec<&ApplicationRow> = rows.iter().filter(|r| !inserted.contains(&r.reference)).collect();
        let found = sqlx::query(EXISTING)
            .bind(skipped.iter().map(|r| r.id_type.clone()).collect::<Vec<_>>())
            .bind(skipped.iter().map(|r| r.id_number.clone()).collect::<Vec<_>>())
            .fetch_all(pool)
            .await?;
        for row in found {
            existing.insert((row.try_get(0)?, row.try_get(1)?), (row.try_get(2)?, row.try_get(3)?));
        }
    }
    Ok(classify(rows, inserted, &existing))
}

const ALL: &str = "
    SELECT reference, id_type, id_number, full_name, birth_date, phone, email, lang, centre_id, choices,
           accept_other_dates, fingerprint, submitted_at
    FROM applications ORDER BY reference";

pub(crate) async fn all_applications(pool: &PgPool) -> Result<Vec<ApplicationRow>, StoreError> {
    let rows = sqlx::query(ALL).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(ApplicationRow {
                reference: row.try_get(0)?,
                id_type: row.try_get(1)?,
                id_number: row.try_get(2)?,
                full_name: row.try_get(3)?,
                birth_date: row.try_get(4)?,
                phone: row.try_get(5)?,
                email: row.try_get(6)?,
                lang: row.try_get(7)?,
                centre_id: row.try_get(8)?,
                choices: row.try_get(9)?,
                accept_other_dates: row.try_get(10)?,
                fingerprint: row.try_get(11)?,
                submitted_at: row.try_get(12)?,
            })
        })
        .collect()
}
