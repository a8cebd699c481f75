//! Which of the configured PostgreSQL servers accepts writes.
//!
//! With a high-availability engine (pg_auto_failover, Patroni) the primary
//! moves: after a failover the old primary is gone or read-only and a
//! standby has been promoted. sqlx reads one host per URL, so the store
//! keeps every host it was given and asks each, in order, until one accepts
//! writes, as libpq's `target_session_attrs=read-write` does.

use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::StoreError;

/// How long one server may take to answer before the next is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Every server the store may use, in the order the operator gave them.
#[derive(Debug)]
pub(crate) struct Servers(Vec<PgConnectOptions>);

impl Servers {
    pub(crate) fn new(options: Vec<PgConnectOptions>) -> Servers {
        Servers(options)
    }

    /// A connection to the first server that accepts writes, and its options.
    ///
    /// `transaction_read_only` rather than `pg_is_in_recovery()`: a standby
    /// being promoted by pg_auto_failover is out of recovery but still
    /// read-only until the old primary is known to be down.
    pub(crate) async fn connect_writable(&self) -> Result<(PgConnection, &PgConnectOptions), StoreError> {
        let mut refusals = Vec::with_capacity(self.0.len());
        for options in &self.0 {
            let server = format!("{}:{}", options.get_host(), options.get_port());
            match tokio::time::timeout(CONNECT_TIMEOUT, connect_if_writable(options)).await {
                Ok(Ok(Some(connection))) => return Ok((connection, options)),
                Ok(Ok(None)) => refusals.push(format!("{server} is read-only")),
                Ok(Err(error)) => refusals.push(format!("{server}: {error}")),
                Err(_) => refusals.push(format!("{server} did not answer within {CONNECT_TIMEOUT:?}")),
            }
        }
        Err(StoreError::NoWritableServer(refusals.join("; ")))
    }
}

async fn connect_if_writable(options: &PgConnectOptions) -> Result<Option<PgConnection>, sqlx::Error> {
    let mut connection = PgConnection::connect_with(options).await?;
    if is_writable(&mut connection).await? {
        Ok(Some(connection))
    } else {
        connection.close().await?;
        Ok(None)
    }
}

/// Whether this session may write now.
pub(crate) async fn is_writable(connection: &mut PgConnection) -> Result<bool, sqlx::Error> {
    let read_only: String = sqlx::query_scalar("SHOW transaction_read_only").fetch_one(&mut *connection).await?;
    Ok(read_only == "off")
}
