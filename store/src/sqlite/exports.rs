//! Staff exports on SQLite.

use rusqlite::{Connection, params};

use super::{instant, instant_text};
use crate::{ExportRecord, StoreError};

pub(crate) fn exports(c: &mut Connection, run_id: &str) -> Result<Vec<ExportRecord>, StoreError> {
    let mut statement = c.prepare(
        "SELECT run_id, number, exported_at, last_round, manifest_sha256 FROM exports WHERE run_id = ?1 ORDER BY number",
    )?;
    let mut rows = statement.query(params![run_id])?;
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let number = |i: usize| -> Result<u32, StoreError> {
            u32::try_from(row.get::<_, i64>(i)?).map_err(|_| StoreError::corrupt("exports", "number"))
        };
        read.push(ExportRecord {
            run_id: row.get(0)?,
            number: number(1)?,
            exported_at: instant(&row.get::<_, String>(2)?, "exports", "exported_at")?,
            last_round: number(3)?,
            manifest_sha256: row.get(4)?,
        });
    }
    Ok(read)
}

pub(crate) fn record_export(c: &mut Connection, record: &ExportRecord) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO exports (run_id, number, exported_at, last_round, manifest_sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            record.run_id,
            record.number,
            instant_text(record.exported_at),
            record.last_round,
            record.manifest_sha256
        ],
    )?;
    Ok(())
}
