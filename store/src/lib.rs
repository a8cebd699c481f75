//! Durable storage of applications and allocation results.
//!
//! One [`Store`] type with one implementation (one driver) per backend:
//! SQLite through rusqlite, embedded, for a laptop or a small deployment;
//! PostgreSQL through sqlx for production, where many stateless intake
//! instances share one database. Both run the same logical schema from
//! `migrations/<backend>/`, take and give the same typed rows, and the test
//! suite runs against both. Intake writes through a [`BatchWriter`].

mod allocation;
mod amend;
mod exports;
mod outbox;
mod postgres;
mod rounds;
mod row;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod url;
mod writer;

pub use allocation::{AllocationInput, AllocationInputs, AllocationRow, Appointment, RunRecord};
pub use amend::{AmendOutcome, Amendment, Channel, HistoryCounts};
pub use exports::ExportRecord;
pub use outbox::{
    AttemptOutcome, DeliveryReport, DeliveryStatus, InDoubtResolution, NewMessage, OutboxChannel, OutboxCount,
    OutboxMessage, OutboxState, QueueOutcome, ReportOutcome, Settle,
};
pub use postgres::Postgres;
pub use rounds::{
    AttendanceImport, AttendanceRow, Decline, DeclineOutcome, DeclineRecord, FIRST_ROUND, RoundChange, RoundRecord,
    RoundSave,
};
pub use row::{ApplicationRow, InsertOutcome};
pub use sqlite::Sqlite;
pub use url::{DatabaseUrl, SqliteMode};
pub use writer::BatchWriter;

/// Where applications live.
#[derive(Debug, Clone)]
pub enum Store {
    /// An SQLite file in WAL mode.
    Sqlite(sqlite::Sqlite),
    /// A PostgreSQL database (one server, or a primary and its standbys).
    Postgres(postgres::Postgres),
}

/// A storage failure. Bad input never gets here: the campaign parser stops it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL cannot be used as it is.
    #[error(
        "cannot use the database URL {url:?}: {problem} (use sqlite:PATH[?mode=ro|rw|rwc] or postgres://USER@HOST/DB)"
    )]
    UnsupportedUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        problem: String,
    },
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL could not be reached or refused the operation.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] sqlx::Error),
    /// Applying the PostgreSQL migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// An applied SQLite migration's file was edited since.
    #[error("migration {version} was changed after it was applied: migrations are append-only, add a new file")]
    MigrationEdited {
        /// The migration's version.
        version: i64,
    },
    /// Applying the SQLite migrations would leave a row whose foreign key
    /// points at nothing: nothing was applied.
    #[error("migrating the SQLite file would break a foreign key of table {table}; nothing was changed")]
    MigrationBrokeKeys {
        /// The table with the dangling key.
        table: String,
    },
    /// The SQLite file would not go into WAL mode (a read-only folder, or a
    /// file system without shared memory).
    #[error("the SQLite file cannot use WAL mode (journal mode stays {0:?})")]
    NoWal(String),
    /// A folder for the database file could not be made.
    #[error("cannot create {0}: {1}")]
    Io(std::path::PathBuf, std::io::Error),
    /// No server given accepts writes: each is down, unreachable or read-only
    /// (a standby, or a primary being demoted or promoted).
    #[error("no PostgreSQL server accepts writes: {0}")]
    NoWritableServer(String),
    /// The database did not finish in time; whether it committed is unknown
    /// (a retry finds out).
    #[error("the database did not answer within {0:?}; the outcome is unknown")]
    TimedOut(std::time::Duration),
    /// A blocking database thread died (a bug) or the runtime is stopping.
    #[error("the database thread stopped: {0}")]
    Thread(#[from] tokio::task::JoinError),
    /// An allocation is stored already and replacing it was not asked for.
    #[error("an allocation (run {run_id}) is already stored; pass --replace to replace it")]
    AlreadyAllocated {
        /// The stored run.
        run_id: String,
    },
    /// A round was stored out of turn: not the next one, or a redo of one
    /// that is not the last.
    #[error("round {given} cannot be stored: the last stored round is {stored} (a new round is {next}; --replace redoes the last)", next = stored + 1)]
    RoundOutOfTurn {
        /// The last stored round (1 = the first run).
        stored: u32,
        /// The round given.
        given: u32,
    },
    /// The last round cannot be redone: places it gave were declined since.
    #[error(
        "round {round} cannot be redone: {declines} of the places it gave were declined since; run a new round instead"
    )]
    RoundDeclinedSince {
        /// The round.
        round: u32,
        /// How many of its places were declined.
        declines: u64,
    },
    /// A stored row no longer reads back (edited by hand, or a newer schema).
    #[error("stored row {reference} is unreadable: {problem}")]
    Corrupt {
        /// The row's reference (or table).
        reference: String,
        /// What does not read back.
        problem: String,
    },
}

impl StoreError {
    fn corrupt(reference: &str, column: &str) -> StoreError {
        StoreError::Corrupt { reference: reference.to_owned(), problem: column.to_owned() }
    }
}

/// How many connections to open, and to what.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// See [`DatabaseUrl`].
    pub url: String,
    /// Pool size for Postgres; SQLite opens a connection per operation.
    pub max_connections: u32,
    /// For tests: the Postgres schema to work in (created if missing).
    pub postgres_schema: Option<String>,
}

impl ConnectOptions {
    /// Options for `url` with the default pool size.
    pub fn new(url: impl Into<String>) -> ConnectOptions {
        ConnectOptions { url: url.into(), max_connections: 8, postgres_schema: None }
    }
}

impl Store {
    /// Opens the database named by the URL (without migrating it).
    pub async fn connect(options: &ConnectOptions) -> Result<Store, StoreError> {
        match DatabaseUrl::parse(&options.url)? {
            DatabaseUrl::Sqlite { path, mode } => sqlite::Sqlite::open(path, mode).await.map(Store::Sqlite),
            DatabaseUrl::Postgres(urls) => {
                postgres::connect(&urls, options.max_connections, options.postgres_schema.as_deref())
                    .await
                    .map(Store::Postgres)
            }
        }
    }

    /// Brings the schema up to date (idempotent; safe with several instances starting at once).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(db) => db.migrate().await,
            Store::Postgres(pool) => Ok(sqlx::migrate!("../migrations/postgres").run(&**pool).await?),
        }
    }

    /// Which backend this is, for logs and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// How many batch writers can commit at once: SQLite has one writer
    /// whatever is asked; Postgres takes `wanted`.
    pub fn concurrent_writers(&self, wanted: usize) -> usize {
        match self {
            Store::Sqlite(_) => 1,
            Store::Postgres(_) => wanted.max(1),
        }
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(db) => db.ping().await,
            Store::Postgres(pool) => Ok(sqlx::query("SELECT 1").execute(&**pool).await.map(drop)?),
        }
    }

    /// A writer of batches for a thread of its own; see [`BatchWriter`].
    /// A Postgres writer gives up on a batch after `commit_timeout`,
    /// outcome unknown.
    pub fn batch_writer(&self, commit_timeout: std::time::Duration) -> Result<BatchWriter, StoreError> {
        BatchWriter::open(self, commit_timeout)
    }

    /// Stores a batch of applications as [`BatchWriter::insert_batch`]
    /// does, from async code (tools and tests; intake uses a writer).
    pub async fn insert_batch(&self, rows: &[ApplicationRow]) -> Result<Vec<InsertOutcome>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(db) => db.insert_batch(rows.to_vec()).await,
            Store::Postgres(pool) => {
                postgres::insert_batch(&mut *pool.acquire().await?, &rows.iter().collect::<Vec<_>>()).await
            }
        }
    }

    /// How many applications are stored.
    pub async fn count_applications(&self) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(db) => db.count_applications().await,
            Store::Postgres(pool) => {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications").fetch_one(&**pool).await?;
                Ok(u64::try_from(n).unwrap_or_default())
            }
        }
    }

    /// Applies changes and withdrawals as [`BatchWriter::amend`] does, from
    /// async code (tools and tests; intake uses a writer).
    pub async fn amend(&self, amendments: &[Amendment]) -> Result<Vec<AmendOutcome>, StoreError> {
        let store = self.clone();
        let amendments = amendments.to_vec();
        match self {
            Store::Sqlite(_) => {
                tokio::task::spawn_blocking(move || {
                    store.batch_writer(std::time::Duration::MAX)?.amend(&amendments.iter().collect::<Vec<_>>())
                })
                .await?
            }
            Store::Postgres(pool) => {
                postgres::amend(&mut *pool.acquire().await?, &amendments.iter().collect::<Vec<_>>()).await
            }
        }
    }

    /// How many versions were replaced and applications withdrawn.
    pub async fn history_counts(&self) -> Result<HistoryCounts, StoreError> {
        match self {
            Store::Sqlite(db) => db.history_counts().await,
            Store::Postgres(pool) => postgres::history_counts(pool).await,
        }
    }

    /// Every stored application, ordered by reference.
    pub async fn all_applications(&self) -> Result<Vec<ApplicationRow>, StoreError> {
        match self {
            Store::Sqlite(db) => db.all_applications().await,
            Store::Postgres(pool) => postgres::all_applications(pool).await,
        }
    }

    /// The stored allocation run, if any.
    pub async fn current_run(&self) -> Result<Option<RunRecord>, StoreError> {
        match self {
            Store::Sqlite(db) => db.current_run().await,
            Store::Postgres(pool) => postgres::current_run(pool).await,
        }
    }

    /// Stores a run and its allocations in one transaction. With `replace`
    /// a stored run and its rows are deleted first, in the same transaction;
    /// without it a stored run is an error and nothing changes.
    pub async fn save_allocation(
        &self,
        run: RunRecord,
        rows: Vec<AllocationRow>,
        replace: bool,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(db) => db.save_allocation(run, rows, replace).await,
            Store::Postgres(pool) => postgres::save_allocation(pool, &run, &rows, replace).await,
        }
    }

    /// What the allocator needs of every application, in reference order,
    /// with a digest of every (reference, fingerprint): the fast path for
    /// millions of rows.
    pub async fn read_allocation_inputs(&self) -> Result<AllocationInputs, StoreError> {
        match self {
            Store::Sqlite(db) => db.read_allocation_inputs().await,
            Store::Postgres(pool) => postgres::read_allocation_inputs(pool).await,
        }
    }

    /// Every stored allocation, ordered by priority.
    pub async fn all_allocations(&self) -> Result<Vec<AllocationRow>, StoreError> {
        match self {
            Store::Sqlite(db) => db.all_allocations().await,
            Store::Postgres(pool) => postgres::all_allocations(pool).await,
        }
    }

    /// Every decline of the stored run, oldest first.
    pub async fn declines(&self) -> Result<Vec<DeclineRecord>, StoreError> {
        match self {
            Store::Sqlite(db) => db.declines().await,
            Store::Postgres(pool) => postgres::rounds::declines(pool).await,
        }
    }

    /// Every round of the stored run after the first, in order.
    pub async fn rounds(&self) -> Result<Vec<RoundRecord>, StoreError> {
        match self {
            Store::Sqlite(db) => db.rounds().await,
            Store::Postgres(pool) => postgres::rounds::rounds(pool).await,
        }
    }

    /// The rows a round of the stored run changed, as they were before it.
    pub async fn round_changes(&self, round: u32) -> Result<Vec<RoundChange>, StoreError> {
        match self {
            Store::Sqlite(db) => db.round_changes(round).await,
            Store::Postgres(pool) => postgres::rounds::round_changes(pool, round).await,
        }
    }

    /// Stores a round in one transaction: the rows it changed (as they are
    /// after it; their previous values are kept) and its record. With
    /// [`RoundSave::ReplaceLast`] the last round is undone first, in the
    /// same transaction; a round out of turn is refused and nothing changes.
    pub async fn save_round(
        &self,
        record: RoundRecord,
        changed: Vec<AllocationRow>,
        save: RoundSave,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(db) => db.save_round(record, changed, save).await,
            Store::Postgres(pool) => postgres::rounds::save_round(pool, &record, &changed, save).await,
        }
    }

    /// Every attendance the centres reported for the stored run.
    pub async fn attendance(&self) -> Result<Vec<AttendanceRow>, StoreError> {
        match self {
            Store::Sqlite(db) => db.attendance().await,
            Store::Postgres(pool) => postgres::rounds::attendance(pool).await,
        }
    }

    /// Stores reported attendance in one transaction; a row already stored
    /// with the same value is left as it is (importing a file twice changes
    /// nothing), one with another value is corrected.
    pub async fn record_attendance(
        &self,
        run_id: &str,
        rows: Vec<AttendanceRow>,
        source: &str,
        at: time::OffsetDateTime,
    ) -> Result<AttendanceImport, StoreError> {
        match self {
            Store::Sqlite(db) => db.record_attendance(run_id.to_owned(), rows, source.to_owned(), at).await,
            Store::Postgres(pool) => postgres::rounds::record_attendance(pool, run_id, &rows, source, at).await,
        }
    }

    /// The staff exports made of run `run_id`, oldest first.
    pub async fn exports(&self, run_id: &str) -> Result<Vec<ExportRecord>, StoreError> {
        match self {
            Store::Sqlite(db) => db.exports(run_id.to_owned()).await,
            Store::Postgres(pool) => postgres::exports::exports(pool, run_id).await,
        }
    }

    /// Stores that an export was made (its number must be the next one).
    pub async fn record_export(&self, record: ExportRecord) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(db) => db.record_export(record).await,
            Store::Postgres(pool) => postgres::exports::record_export(pool, &record).await,
        }
    }

    /// Closes every connection, waiting for work in progress.
    pub async fn close(&self) {
        if let Store::Postgres(pool) = self {
            pool.close().await;
        }
    }
}

/// The stored application for an identity number, whatever its document
/// type (the database keeps the number unique across types): (reference, fingerprint).
type Existing = std::collections::HashMap<String, (String, String)>;

/// Decides each row's outcome from the references the insert returned and the
/// stored applications found for the identities of the rows it skipped.
/// A skipped row whose identity is not stored lost only on its reference: it is
/// [`InsertOutcome::ReferenceTaken`], to be retried with a fresh reference.
fn classify(
    rows: &[&ApplicationRow],
    mut inserted: std::collections::HashSet<String>,
    existing: &Existing,
) -> Vec<InsertOutcome> {
    rows.iter()
        .map(|row| {
            // `remove`: a reference shared by two rows of one batch counts once.
            if inserted.remove(&row.reference) {
                return InsertOutcome::Inserted;
            }
            match existing.get(&row.id_number) {
                Some((reference, fingerprint)) if *fingerprint == row.fingerprint => {
                    InsertOutcome::AlreadyStored { reference: reference.clone() }
                }
                Some(_) => InsertOutcome::IdentityTaken,
                None => InsertOutcome::ReferenceTaken,
            }
        })
        .collect()
}
