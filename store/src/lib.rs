//! Durable storage of applications (and, later, allocation results).
//!
//! One [`Store`] type with one implementation per backend: SQLite, embedded,
//! for a laptop or a small deployment; PostgreSQL for production, where many
//! stateless intake instances share one database. Both run the same logical
//! schema from `migrations/<backend>/` and give the same answers; the test
//! suite runs against both.

mod allocation;
mod bulk_sqlite;
mod pg_copy;
mod postgres;
mod row;
mod sqlite;
pub mod testing;

use std::path::Path;

pub use allocation::{AllocationInput, AllocationInputs, AllocationRow, Appointment, RunRecord};
pub use bulk_sqlite::SqliteWriter;
pub use row::{ApplicationRow, InsertOutcome, choices_to_text};

/// Where applications live.
#[derive(Debug, Clone)]
pub enum Store {
    /// An SQLite file in WAL mode, one writer.
    Sqlite(sqlx::SqlitePool),
    /// A PostgreSQL database.
    Postgres(sqlx::PgPool),
}

/// A storage failure. Bad input never gets here: the campaign parser stops it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names neither `sqlite:` nor `postgres://`.
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// The database could not be reached or refused the operation.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// An allocation is stored already and replacing it was not asked for.
    #[error("an allocation (run {run_id}) is already stored; pass --replace to replace it")]
    AlreadyAllocated {
        /// The stored run.
        run_id: String,
    },
    /// A bulk read or write (SQLite through rusqlite) failed.
    #[error("bulk database operation failed: {0}")]
    Bulk(String),
    /// A stored row no longer reads back (edited by hand, or a newer schema).
    #[error("stored row {reference} is unreadable: {problem}")]
    Corrupt {
        /// The row's reference.
        reference: String,
        /// What does not read back.
        problem: String,
    },
}

/// How many connections to open, and to what.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite:PATH` (created if missing) or `postgres://...`.
    pub url: String,
    /// Pool size for Postgres; SQLite writes through one connection regardless.
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
        let url = options.url.as_str();
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            sqlite::connect(Path::new(path)).await.map(Store::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            postgres::connect(url, options.max_connections, options.postgres_schema.as_deref())
                .await
                .map(Store::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Brings the schema up to date (idempotent; safe with several instances starting at once).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Which backend this is, for logs and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop)?,
            Store::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop)?,
        }
        Ok(())
    }

    /// Stores a batch of applications with one multi-row statement, auto-
    /// committed: one commit (one fsync) for the whole batch, in one round
    /// trip. Returns one outcome per row, in order, only once they are
    /// committed. On error, part of a very large batch may be stored already:
    /// a retry of those rows finds them ([`InsertOutcome::AlreadyStored`]).
    pub async fn insert_batch(&self, rows: &[ApplicationRow]) -> Result<Vec<InsertOutcome>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(pool) => sqlite::insert_batch(pool, rows).await,
            Store::Postgres(pool) => postgres::insert_batch(pool, rows).await,
        }
    }

    /// How many applications are stored.
    pub async fn count_applications(&self) -> Result<u64, StoreError> {
        let n: i64 = match self {
            Store::Sqlite(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM applications").fetch_one(pool).await?,
            Store::Postgres(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM applications").fetch_one(pool).await?,
        };
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Every stored application, ordered by reference.
    pub async fn all_applications(&self) -> Result<Vec<ApplicationRow>, StoreError> {
        match self {
            Store::Sqlite(pool) => sqlite::all_applications(pool).await,
            Store::Postgres(pool) => postgres::all_applications(pool).await,
        }
    }

    /// The stored allocation run, if any.
    pub async fn current_run(&self) -> Result<Option<RunRecord>, StoreError> {
        match self {
            Store::Sqlite(pool) => sqlite::current_run(pool).await,
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
            Store::Sqlite(pool) => {
                let path = bulk_sqlite::path_of(pool).await?;
                tokio::task::spawn_blocking(move || bulk_sqlite::save_allocation(&path, &run, &rows, replace))
                    .await
                    .map_err(|e| StoreError::Bulk(e.to_string()))?
            }
            Store::Postgres(pool) => postgres::save_allocation(pool, &run, &rows, replace).await,
        }
    }

    /// A dedicated in-process writer, for SQLite stores (`None` for Postgres).
    pub async fn sqlite_writer(&self) -> Option<Result<SqliteWriter, StoreError>> {
        match self {
            Store::Sqlite(pool) => Some(match bulk_sqlite::path_of(pool).await {
                Ok(path) => SqliteWriter::open(&path),
                Err(e) => Err(e),
            }),
            Store::Postgres(_) => None,
        }
    }

    /// What the allocator needs of every application, in reference order,
    /// with a digest of every (reference, fingerprint): the fast path for
    /// millions of rows.
    pub async fn read_allocation_inputs(&self) -> Result<AllocationInputs, StoreError> {
        match self {
            Store::Sqlite(pool) => {
                let path = bulk_sqlite::path_of(pool).await?;
                tokio::task::spawn_blocking(move || bulk_sqlite::read_allocation_inputs(&path))
                    .await
                    .map_err(|e| StoreError::Bulk(e.to_string()))?
            }
            Store::Postgres(pool) => postgres::read_allocation_inputs(pool).await,
        }
    }

    /// Every stored allocation, ordered by priority.
    pub async fn all_allocations(&self) -> Result<Vec<AllocationRow>, StoreError> {
        match self {
            Store::Sqlite(pool) => sqlite::all_allocations(pool).await,
            Store::Postgres(pool) => postgres::all_allocations(pool).await,
        }
    }

    /// Closes every connection, waiting for work in progress.
    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
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
    rows: &[ApplicationRow],
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
