//! Fewer commits per message: pending messages are claimed a few at a
//! time, and the gateway's answers are settled many to a transaction. On
//! SQLite every commit is a flush to disk; one per step of every message
//! would cap the send far below what the gateway takes.

use std::collections::VecDeque;

use store::{OutboxMessage, Settle, Store, StoreError};
use time::OffsetDateTime;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

/// The most answers settled in one transaction.
const SETTLE_BATCH: usize = 1000;

/// Waits for one item, then takes those already waiting too, up to `max`;
/// `None` once every sender is gone and nothing is left.
pub(crate) async fn next_batch<T>(received: &mut mpsc::UnboundedReceiver<T>, max: usize) -> Option<Vec<T>> {
    let mut batch = vec![received.recv().await?];
    while batch.len() < max {
        match received.try_recv() {
            Ok(item) => batch.push(item),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Claimed messages waiting for a worker.
pub struct Claims {
    store: Store,
    run_id: String,
    batch: usize,
    queue: Mutex<VecDeque<OutboxMessage>>,
}

impl Claims {
    /// Claims `batch` messages of `run_id` at a time. Each is claimed
    /// (committed) before any request for it leaves.
    pub fn new(store: Store, run_id: String, batch: usize) -> Claims {
        Claims { store, run_id, batch: batch.max(1), queue: Mutex::new(VecDeque::new()) }
    }

    /// The next claimed message, claiming more when none is left; `None`
    /// when nothing is pending.
    pub async fn next(&self) -> Result<Option<OutboxMessage>, StoreError> {
        let mut queue = self.queue.lock().await;
        if queue.is_empty() {
            queue.extend(self.store.claim_messages(&self.run_id, self.batch, OffsetDateTime::now_utc()).await?);
        }
        Ok(queue.pop_front())
    }

    /// The messages claimed but given to no worker (the send stopped).
    pub async fn unsent(&self) -> Vec<OutboxMessage> {
        self.queue.lock().await.drain(..).collect()
    }
}

/// Settles answers in batches, in a task of its own.
pub struct Settler {
    answers: mpsc::UnboundedSender<Settle>,
    task: JoinHandle<Result<(), StoreError>>,
}

impl Settler {
    /// Starts settling into `store`.
    pub fn start(store: Store) -> Settler {
        let (answers, mut received) = mpsc::unbounded_channel::<Settle>();
        let task = tokio::spawn(async move {
            while let Some(batch) = next_batch(&mut received, SETTLE_BATCH).await {
                store.settle_attempts(batch, OffsetDateTime::now_utc()).await?;
            }
            Ok(())
        });
        Settler { answers, task }
    }

    /// Where workers hand their answers.
    pub fn answers(&self) -> mpsc::UnboundedSender<Settle> {
        self.answers.clone()
    }

    /// Waits until every answer handed over is committed (once every
    /// worker has dropped its sender).
    pub async fn finish(self) -> anyhow::Result<()> {
        drop(self.answers);
        Ok(self.task.await??)
    }
}
