//! The one interface intake writes applications through, whatever the backend.

use std::time::Duration;

use crate::{AmendOutcome, Amendment, ApplicationRow, InsertOutcome, Store, StoreError};

/// Writes batches of applications from a thread of its own (intake's
/// group-commit writers), one commit per batch. Blocking: each writer has a
/// connection of its own and writes on the calling thread, so a batch costs
/// no trip to another thread. A Postgres writer finds the server that
/// accepts writes, and finds it again after a failover.
pub struct BatchWriter(Backend);

enum Backend {
    Sqlite(crate::sqlite::Writer),
    Postgres(crate::postgres::PgWriter),
}

impl std::fmt::Debug for BatchWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Backend::Sqlite(_) => "BatchWriter(sqlite)",
            Backend::Postgres(_) => "BatchWriter(postgres)",
        })
    }
}

impl BatchWriter {
    pub(crate) fn open(store: &Store, commit_timeout: Duration) -> Result<BatchWriter, StoreError> {
        Ok(BatchWriter(match store {
            Store::Sqlite(db) => Backend::Sqlite(db.writer()?),
            Store::Postgres(db) => Backend::Postgres(db.writer(commit_timeout)?),
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
            Backend::Postgres(writer) => writer.run(async |c| crate::postgres::insert_batch(c, rows).await),
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
            Backend::Postgres(writer) => writer.run(async |c| crate::postgres::amend(c, amendments).await),
        }
    }

    /// Checks the database answers (blocking, as [`BatchWriter::insert_batch`]).
    pub fn ping(&mut self) -> Result<(), StoreError> {
        match &mut self.0 {
            Backend::Sqlite(writer) => writer.ping(),
            Backend::Postgres(writer) => writer.ping(),
        }
    }
}
