//! The PostgreSQL side of [`crate::BatchWriter`]: one connection of its
//! own, driven on a runtime of its own on the writer's thread, so a batch
//! costs no wake-up of another thread, and a failover costs one reconnect.
//!
//! A batch is acknowledged only when its statement or COMMIT came back
//! complete. A dropped connection or a timeout leaves the outcome unknown:
//! the connection is dropped (never cancelled: a cancelled wait for the
//! synchronous standby would report success for a commit held by one node
//! only), the error goes up, and a retry on the server that accepts writes
//! then finds the rows stored, or stores them.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgConnection;

use super::servers::{Servers, is_writable};
use crate::StoreError;

pub(crate) struct PgWriter {
    servers: Arc<Servers>,
    runtime: tokio::runtime::Runtime,
    connection: Option<PgConnection>,
    commit_timeout: Duration,
}

impl PgWriter {
    pub(crate) fn new(servers: Arc<Servers>, commit_timeout: Duration) -> Result<PgWriter, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| StoreError::Io("a runtime for the writer".into(), error))?;
        Ok(PgWriter { servers, runtime, connection: None, commit_timeout })
    }

    /// Runs `work` on this writer's connection, opening one to the server
    /// that accepts writes when there is none, within the commit timeout.
    /// On any error the connection is dropped, so the next call starts on
    /// whichever server accepts writes then.
    pub(crate) fn run<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let PgWriter { servers, runtime, connection, commit_timeout } = self;
        let limit = *commit_timeout;
        runtime.block_on(async move {
            let open = match connection.take() {
                Some(open) => open,
                None => open_session(servers).await?,
            };
            let open = connection.insert(open);
            let outcome = match tokio::time::timeout(limit, work(open)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(StoreError::TimedOut(limit)),
            };
            if outcome.is_err() {
                *connection = None;
            }
            outcome
        })
    }

    /// Checks the server this writer uses still accepts writes (a demoted
    /// primary answers, read-only).
    pub(crate) fn ping(&mut self) -> Result<(), StoreError> {
        self.run(async |connection| match is_writable(connection).await? {
            true => Ok(()),
            false => Err(StoreError::NoWritableServer("the server became read-only".into())),
        })
    }
}

/// A connection to the server that accepts writes, set so that the server
/// never cancels a statement itself: the writer bounds its waits by
/// dropping the connection instead (see the module's documentation).
async fn open_session(servers: &Servers) -> Result<PgConnection, StoreError> {
    let (mut connection, options) = servers.connect_writable().await?;
    sqlx::query("SET statement_timeout = 0").execute(&mut connection).await?;
    sqlx::query("SET lock_timeout = 0").execute(&mut connection).await?;
    tracing::info!(server = %format!("{}:{}", options.get_host(), options.get_port()), "writer connected to the primary");
    Ok(connection)
}
