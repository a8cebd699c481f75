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
    (13, "checks without in lists", include_str!("../../../migrations/sqlite/0013_checks_without_in_lists.sql")),
];

const CREATE_RECORD: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    description TEXT    NOT NULL,
    checksum    TEXT    NOT NULL,
    applied_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT";

pub(crate) fn run(connection: &mut Connection) -> Result<(), StoreError> {
    // SQLite's procedure for rebuilding a table: foreign keys off (it cannot
    // change inside a transaction), then every key checked before the commit.
    connection.pragma_update(None, "foreign_keys", "OFF")?;
    let applied = apply(connection, MIGRATIONS);
    connection.pragma_update(None, "foreign_keys", "ON")?;
    applied
}

fn apply(connection: &mut Connection, migrations: &[(i64, &str, &str)]) -> Result<(), StoreError> {
    let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(CREATE_RECORD, [])?;
    adopt_earlier_record(&tx)?;
    for &(version, description, sql) in migrations {
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
    let broken: Option<String> =
        tx.query_row("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1", [], |r| r.get(0)).optional()?;
    if let Some(table) = broken {
        return Err(StoreError::MigrationBrokeKeys { table });
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
    use rusqlite::Connection;

    use super::{MIGRATIONS, apply, run};
    use crate::StoreError;

    /// A database at the version before `version`, with a run, one
    /// allocation and one message with its delivery report.
    fn before(version: i64) -> (tempfile::TempDir, Connection) {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let mut connection = Connection::open(folder.path().join("store.db")).expect("opens");
        let earlier: Vec<_> = MIGRATIONS.iter().copied().filter(|m| m.0 < version).collect();
        apply(&mut connection, &earlier).expect("earlier migrations apply");
        connection
            .execute_batch(
                "INSERT INTO applications (reference, id_type, id_number, full_name, birth_date, phone, lang, \
                   centre_id, choices, accept_other_dates, fingerprint, submitted_at) \
                 VALUES ('ABCDE-FGHJK', 'mykad', '600101011111', 'Siti', '1960-01-01', '+60123456789', 'ms', \
                   'kl-01', 'any', 1, 'f', '2027-01-01T00:00:00Z');
                 INSERT INTO allocation_runs (run_id, seed, input_fingerprint, rule, started_at, finished_at, \
                   applicants, allocated, waitlisted, read_seconds, allocate_seconds, write_seconds) \
                 VALUES ('r1', 's', 'i', 'rule', 't0', 't1', 1, 1, 0, 0, 0, 0);
                 INSERT INTO allocations (reference, run_id, priority, lottery, centre_id, status, \
                   appointment_date, window_start, window_end, choice_met, waitlist_position, round) \
                 VALUES ('ABCDE-FGHJK', 'r1', 1, '42', 'kl-01', 'allocated', '2027-02-01', '09:00', '10:00', \
                   'week1', NULL, 1);
                 INSERT INTO outbox (id, run_id, round, reference, channel, recipient, lang, centre_id, body, \
                   state, attempts, resolution, queued_at) \
                 VALUES (7, 'r1', 1, 'ABCDE-FGHJK', 'sms', '+60123456789', 'ms', 'kl-01', 'hello', \
                   'delivered', 1, 'report', 't2');
                 INSERT INTO delivery_reports (outbox_id, attempt, status, answer, received_at) \
                 VALUES (7, 1, 1, 'DELIVRD', 't3');",
            )
            .expect("rows of the earlier schema");
        (folder, connection)
    }

    #[test]
    fn the_checks_rebuild_keeps_every_row_and_key_and_still_checks() {
        let (_folder, mut connection) = before(13);
        run(&mut connection).expect("migrates");
        let kept: (String, String, i64, String, i64) = connection
            .query_row(
                "SELECT a.status, o.state, o.attempts, r.answer, a.round FROM allocations a \
                 JOIN outbox o USING (reference) JOIN delivery_reports r ON r.outbox_id = o.id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .expect("the rows are still joined by their keys");
        assert_eq!(kept, ("allocated".into(), "delivered".into(), 1, "DELIVRD".into(), 1));
        let foreign_keys: i64 = connection.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("pragma");
        assert_eq!(foreign_keys, 1, "foreign keys are on again after migrating");
        for refused in [
            "UPDATE allocations SET status = 'lost'",
            "UPDATE outbox SET state = 'gone'",
            "UPDATE outbox SET resolution = 'guessed'",
            "INSERT INTO delivery_reports (outbox_id, attempt, status, answer, received_at) VALUES (8, 1, 1, 'x', 't')",
        ] {
            assert!(connection.execute(refused, []).is_err(), "still refused: {refused}");
        }
        connection.execute("UPDATE outbox SET resolution = NULL, state = 'in_doubt'", []).expect("allowed values");
    }

    #[test]
    fn a_migration_that_would_leave_a_dangling_key_changes_nothing() {
        let (_folder, mut connection) = before(13);
        connection.pragma_update(None, "foreign_keys", "OFF").expect("pragma");
        connection.execute("DELETE FROM outbox", []).expect("orphans the delivery report");
        let error = run(&mut connection).expect_err("refused");
        assert!(matches!(&error, StoreError::MigrationBrokeKeys { table } if table == "delivery_reports"), "{error}");
        let applied: i64 =
            connection.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0)).expect("the record");
        assert_eq!(applied, 12, "migration 13 was rolled back");
    }

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
