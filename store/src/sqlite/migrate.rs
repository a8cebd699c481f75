//! The SQLite schema, brought up to date from `migrations/sqlite/`.
//!
//! Each file is applied once, in version order, in one immediate
//! transaction with its record in `schema_migrations`, so two processes
//! starting at once apply it once. A recorded file whose text has changed
//! since is refused: migrations are append-only.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// Every migration, in order: (version, description, SQL). A test checks
/// this list against the folder, so a new file cannot be forgotten here.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "applications", include_str!("../../../migrations/sqlite/0001_applications.sql")),
    (2, "allocations", include_str!("../../../migrations/sqlite/0002_allocations.sql")),
    (
        3,
        "drop allocations by centre day",
        include_str!("../../../migrations/sqlite/0003_drop_allocations_by_centre_day.sql"),
    ),
    (
        5,
        "identity number unique across types",
        include_str!("../../../migrations/sqlite/0005_identity_number_unique_across_types.sql"),
    ),
    (6, "trial runs", include_str!("../../../migrations/sqlite/0006_trial_runs.sql")),
    (7, "lottery commitment", include_str!("../../../migrations/sqlite/0007_lottery_commitment.sql")),
    (8, "application history", include_str!("../../../migrations/sqlite/0008_application_history.sql")),
    (10, "rounds", include_str!("../../../migrations/sqlite/0010_rounds.sql")),
    (11, "outbox", include_str!("../../../migrations/sqlite/0011_outbox.sql")),
    (12, "exports", include_str!("../../../migrations/sqlite/0012_exports.sql")),
];

const CREATE_RECORD: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    description TEXT    NOT NULL,
    checksum    TEXT    NOT NULL,
    applied_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT";

pub(crate) fn run(connection: &mut Connection) -> Result<(), StoreError> {
    let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(CREATE_RECORD, [])?;
    adopt_earlier_record(&tx)?;
    for &(version, description, sql) in MIGRATIONS {
        let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
        let recorded: Option<String> = tx
            .query_row("SELECT checksum FROM schema_migrations WHERE version = ?1", [version], |r| r.get(0))
            .optional()?;
        match recorded {
            Some(stored) if stored == checksum => continue,
            Some(_) => return Err(StoreError::MigrationEdited { version }),
            None => {
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, description, checksum) VALUES (?1, ?2, ?3)",
                    params![version, description, checksum],
                )?;
            }
        }
    }
    Ok(tx.commit()?)
}

/// Databases made before this runner recorded their migrations in
/// `_sqlx_migrations`: take those versions as applied, with today's text.
fn adopt_earlier_record(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let earlier: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        [],
        |r| r.get(0),
    )?;
    let recorded: i64 = tx.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))?;
    if !earlier || recorded > 0 {
        return Ok(());
    }
    let mut applied = tx.prepare("SELECT version FROM _sqlx_migrations WHERE success")?;
    let versions: Vec<i64> = applied.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for &(version, description, sql) in MIGRATIONS.iter().filter(|m| versions.contains(&m.0)) {
        tx.execute(
            "INSERT INTO schema_migrations (version, description, checksum) VALUES (?1, ?2, ?3)",
            params![version, description, hex::encode(Sha256::digest(sql.as_bytes()))],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn every_file_of_the_folder_is_listed_in_order() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(folder)
            .expect("the migrations folder")
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let versions: Vec<i64> =
            files.iter().map(|f| f.split('_').next().and_then(|v| v.parse().ok()).expect("NNNN_name.sql")).collect();
        let listed: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
        assert_eq!(listed, versions, "migrations/sqlite/ and MIGRATIONS disagree");
        for (file, (_, _, sql)) in files.iter().zip(MIGRATIONS) {
            let text = std::fs::read_to_string(format!("{folder}/{file}")).expect("readable");
            assert_eq!(&text, sql, "{file} is listed with another file's text");
        }
    }
}
