//! The SQLite backend: one file, WAL mode, `synchronous=FULL`, through
//! rusqlite. Every operation runs on a blocking thread with a connection of
//! its own; intake's writer keeps one connection on its own thread
//! ([`Writer`]), so a batch costs no trip to another thread.

mod allocations;
mod applications;
mod exports;
mod migrate;
pub(crate) mod outbox;
mod rounds;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub(crate) use applications::Writer;

use crate::StoreError;
use crate::url::SqliteMode;

/// An SQLite database file, opened afresh for each operation.
#[derive(Debug, Clone)]
pub struct Sqlite {
    path: PathBuf,
    read_only: bool,
}

/// What a connection is for: each has its own page cache and patience.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    /// Short reads and writes (migrations, run records, tests).
    Small,
    /// Whole-table reads and writes of the allocator: millions of rows
    /// touch far more pages than SQLite's default 2 MiB cache holds.
    Bulk,
    /// Intake's group-commit writer, open for the server's life.
    Writer,
}

impl Sqlite {
    /// Opens (and with [`SqliteMode::ReadWriteCreate`], creates) the file and
    /// puts it in WAL mode, so the first request finds it ready.
    pub(crate) async fn open(path: PathBuf, mode: SqliteMode) -> Result<Sqlite, StoreError> {
        let sqlite = Sqlite { path, read_only: mode == SqliteMode::ReadOnly };
        tokio::task::spawn_blocking(move || {
            let parent = sqlite.path.parent().filter(|p| !p.as_os_str().is_empty());
            if let (SqliteMode::ReadWriteCreate, Some(parent)) = (mode, parent) {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Io(parent.to_owned(), e))?;
            }
            let mut flags = sqlite.flags();
            if mode == SqliteMode::ReadWriteCreate {
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
            let connection = Connection::open_with_flags(&sqlite.path, flags)?;
            if !sqlite.read_only {
                // Persistent in the file: every later connection is in WAL mode.
                let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
                if !mode.eq_ignore_ascii_case("wal") {
                    return Err(StoreError::NoWal(mode));
                }
            }
            Ok(sqlite)
        })
        .await?
    }

    fn flags(&self) -> OpenFlags {
        let access = if self.read_only { OpenFlags::SQLITE_OPEN_READ_ONLY } else { OpenFlags::SQLITE_OPEN_READ_WRITE };
        // NO_MUTEX: each connection is used by one thread at a time.
        access | OpenFlags::SQLITE_OPEN_NO_MUTEX
    }

    /// A new connection to the file, set up for `purpose`.
    pub(crate) fn connect(&self, purpose: Purpose) -> Result<Connection, StoreError> {
        let connection = Connection::open_with_flags(&self.path, self.flags())?;
        let (busy, cache_kib) = match purpose {
            Purpose::Small => (Duration::from_secs(5), 8 * 1024),
            Purpose::Bulk => (Duration::from_secs(30), 128 * 1024),
            // A flood's peak memory matters more than the hit rate: the OS
            // page cache holds the file anyway (docs/performance.md).
            Purpose::Writer => (Duration::from_secs(5), 8 * 1024),
        };
        connection.busy_timeout(busy)?;
        // FULL: a commit is on disk (WAL fsynced) before it is acknowledged.
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.pragma_update(None, "cache_size", -cache_kib)?;
        Ok(connection)
    }

    /// Runs `work` on a blocking thread with a connection for `purpose`.
    pub(crate) async fn run<T, F>(&self, purpose: Purpose, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let sqlite = self.clone();
        tokio::task::spawn_blocking(move || work(&mut sqlite.connect(purpose)?)).await?
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        self.run(Purpose::Small, migrate::run).await
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        self.run(Purpose::Small, |c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?)).await
    }

    pub(crate) fn writer(&self) -> Result<Writer, StoreError> {
        Writer::open(self.connect(Purpose::Writer)?)
    }

    pub(crate) async fn count_applications(&self) -> Result<u64, StoreError> {
        self.run(Purpose::Small, |c| {
            let n: i64 = c.query_row("SELECT COUNT(*) FROM applications", [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or_default())
        })
        .await
    }

    pub(crate) async fn insert_batch(
        &self,
        rows: Vec<crate::ApplicationRow>,
    ) -> Result<Vec<crate::InsertOutcome>, StoreError> {
        let sqlite = self.clone();
        tokio::task::spawn_blocking(move || sqlite.writer()?.insert_batch(&rows.iter().collect::<Vec<_>>())).await?
    }

    pub(crate) async fn history_counts(&self) -> Result<crate::HistoryCounts, StoreError> {
        self.run(Purpose::Small, applications::history_counts).await
    }

    pub(crate) async fn all_applications(&self) -> Result<Vec<crate::ApplicationRow>, StoreError> {
        self.run(Purpose::Bulk, applications::all).await
    }

    pub(crate) async fn read_allocation_inputs(&self) -> Result<crate::AllocationInputs, StoreError> {
        self.run(Purpose::Bulk, allocations::read_inputs).await
    }

    pub(crate) async fn current_run(&self) -> Result<Option<crate::RunRecord>, StoreError> {
        self.run(Purpose::Small, allocations::current_run).await
    }

    pub(crate) async fn save_allocation(
        &self,
        run: crate::RunRecord,
        rows: Vec<crate::AllocationRow>,
        replace: bool,
    ) -> Result<(), StoreError> {
        self.run(Purpose::Bulk, move |c| allocations::save(c, &run, &rows, replace)).await
    }

    pub(crate) async fn all_allocations(&self) -> Result<Vec<crate::AllocationRow>, StoreError> {
        self.run(Purpose::Bulk, allocations::all).await
    }

    pub(crate) async fn declines(&self) -> Result<Vec<crate::DeclineRecord>, StoreError> {
        self.run(Purpose::Small, rounds::declines).await
    }

    pub(crate) async fn rounds(&self) -> Result<Vec<crate::RoundRecord>, StoreError> {
        self.run(Purpose::Small, rounds::rounds).await
    }

    pub(crate) async fn round_changes(&self, round: u32) -> Result<Vec<crate::RoundChange>, StoreError> {
        self.run(Purpose::Bulk, move |c| rounds::round_changes(c, round)).await
    }

    pub(crate) async fn save_round(
        &self,
        record: crate::RoundRecord,
        changed: Vec<crate::AllocationRow>,
        save: crate::RoundSave,
    ) -> Result<(), StoreError> {
        self.run(Purpose::Bulk, move |c| rounds::save_round(c, &record, &changed, save)).await
    }

    pub(crate) async fn attendance(&self) -> Result<Vec<crate::AttendanceRow>, StoreError> {
        self.run(Purpose::Bulk, rounds::attendance).await
    }

    pub(crate) async fn record_attendance(
        &self,
        run_id: String,
        rows: Vec<crate::AttendanceRow>,
        source: String,
        at: time::OffsetDateTime,
    ) -> Result<crate::AttendanceImport, StoreError> {
        self.run(Purpose::Bulk, move |c| rounds::record_attendance(c, &run_id, &rows, &source, at)).await
    }

    pub(crate) async fn exports(&self, run_id: String) -> Result<Vec<crate::ExportRecord>, StoreError> {
        self.run(Purpose::Small, move |c| exports::exports(c, &run_id)).await
    }

    pub(crate) async fn record_export(&self, record: crate::ExportRecord) -> Result<(), StoreError> {
        self.run(Purpose::Small, move |c| exports::record_export(c, &record)).await
    }
}

/// Reads a stored `YYYY-MM-DD`.
fn date(text: &str, reference: &str, column: &str) -> Result<time::Date, StoreError> {
    campaign::dates::parse_date(text).ok_or_else(|| StoreError::corrupt(reference, column))
}

/// Reads a stored RFC 3339 instant.
fn instant(text: &str, reference: &str, column: &str) -> Result<time::OffsetDateTime, StoreError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| StoreError::corrupt(reference, column))
}

/// Writes an instant as RFC 3339.
fn instant_text(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A count as SQLite's signed integer.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A stored count back; a negative one is corrupt.
fn count_back(n: i64, reference: &str, column: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(reference, column))
}
