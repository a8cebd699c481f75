//! The one interface intake writes applications through, whatever the backend.

use crate::{AmendOutcome, Amendment, ApplicationRow, InsertOutcome, Store, StoreError};

/// Writes batches of applications from a thread of its own (intake's
/// group-commit writers), one commit per batch. Blocking: SQLite writes on
/// the calling thread through its own connection, so a batch costs no trip
/// to another thread; Postgres drives its query on the runtime the writer
/// was opened in, and the calling thread waits.
pub struct BatchWriter(Backend);

enum Backend {
    Sqlite(crate::sqlite::Writer),
    Postgres { pool: sqlx::PgPool, runtime: tokio::runtime::Handle },
}

impl std::fmt::Debug for BatchWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Backend::Sqlite(_) => "BatchWriter(sqlite)",
            Backend::Postgres { .. } => "BatchWriter(postgres)",
        })
    }
}

impl BatchWriter {
    pub(crate) fn open(store: &Store) -> Result<BatchWriter, StoreError> {
        Ok(BatchWriter(match store {
            Store::Sqlite(db) => Backend::Sqlite(db.writer()?),
            Store::Postgres(pool) => {
                Backend::Postgres { pool: pool.clone(), runtime: tokio::runtime::Handle::current() }
            }
        }))
    }

    /// Stores the rows in one commit and says what happened to each, in
    /// order, only once they are committed. On error nothing of the batch
    /// is acknowledged; a retry of rows that were stored after all finds
    /// them ([`InsertOutcome::AlreadyStored`]).
    ///
    /// Must not be called from an async task: it blocks.
    pub fn insert_batch(&mut self, rows: &[&ApplicationRow]) -> Result<Vec<InsertOutcome>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        match &mut self.0 {
            Backend::Sqlite(writer) => writer.insert_batch(rows),
            Backend::Postgres { pool, runtime } => runtime.block_on(crate::postgres::insert_batch(pool, rows)),
        }
    }

    /// Applies changes and withdrawals in one commit, in order, and says
    /// what happened to each once committed (blocking, as
    /// [`BatchWriter::insert_batch`]).
    pub fn amend(&mut self, amendments: &[&Amendment]) -> Result<Vec<AmendOutcome>, StoreError> {
        if amendments.is_empty() {
            return Ok(Vec::new());
        }
        match &mut self.0 {
            Backend::Sqlite(writer) => writer.amend(amendments),
            Backend::Postgres { pool, runtime } => runtime.block_on(crate::postgres::amend(pool, amendments)),
        }
    }

    /// Checks the database answers (blocking, as [`BatchWriter::insert_batch`]).
    pub fn ping(&mut self) -> Result<(), StoreError> {
        match &mut self.0 {
            Backend::Sqlite(writer) => writer.ping(),
            Backend::Postgres { pool, runtime } => {
                runtime.block_on(sqlx::query("SELECT 1").execute(&*pool)).map(drop).map_err(Into::into)
            }
        }
    }
}
