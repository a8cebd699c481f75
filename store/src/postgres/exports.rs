//! Staff exports on PostgreSQL.

use sqlx::{PgPool, Row};

use crate::{ExportRecord, StoreError};

fn number(n: i32, column: &str) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::corrupt("exports", column))
}

pub(crate) async fn exports(pool: &PgPool, run_id: &str) -> Result<Vec<ExportRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT run_id, number, exported_at, last_round, manifest_sha256 FROM exports WHERE run_id = $1 ORDER BY number",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ExportRecord {
                run_id: row.try_get(0)?,
                number: number(row.try_get(1)?, "number")?,
                exported_at: row.try_get(2)?,
                last_round: number(row.try_get(3)?, "last_round")?,
                manifest_sha256: row.try_get(4)?,
            })
        })
        .collect()
}

pub(crate) async fn record_export(pool: &PgPool, record: &ExportRecord) -> Result<(), StoreError> {
    let column = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query(
        "INSERT INTO exports (run_id, number, exported_at, last_round, manifest_sha256) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&record.run_id)
    .bind(column(record.number))
    .bind(record.exported_at)
    .bind(column(record.last_round))
    .bind(&record.manifest_sha256)
    .execute(pool)
    .await?;
    Ok(())
}
