//! Group commit: handlers hand applications to a bounded queue; writer tasks
//! drain it in batches, one transaction per batch, and answer each handler
//! only after its batch has committed.
//!
//! The write belongs to the writer, never to the request: if a client hangs
//! up mid-request, its application is still committed (and a retry finds it
//! by fingerprint). When the queue is full, or the database is down, a
//! submission is refused at once so the caller can answer 503 quickly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use store::{ApplicationRow, InsertOutcome, Store};
use tokio::sync::{Mutex, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use campaign::reference;

/// How a committed submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Newly stored under this reference.
    New {
        /// The reference.
        reference: String,
    },
    /// The same application was already stored (a retry).
    Existing {
        /// Its reference.
        reference: String,
    },
    /// A different application holds this identity document.
    IdentityTaken,
}

/// Why a submission could not be taken or stored now; the caller answers 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// Every submission slot is taken (`--max-in-flight`).
    #[error("every submission slot is taken (--max-in-flight)")]
    NoSlot,
    /// The queue is full, or nearly: more is arriving than the database can commit.
    #[error("the write queue is full (--queue-capacity): the database is behind")]
    QueueFull,
    /// Queued, but not committed within `--commit-timeout`; the write goes
    /// on and a retry will find it stored.
    #[error("the commit took longer than --commit-timeout")]
    CommitTimeout,
    /// The database is failing; the writer is waiting for it to come back.
    #[error("the database is unavailable")]
    DatabaseDown,
    /// The server is shutting down.
    #[error("intake is shutting down")]
    ShuttingDown,
}

impl Unavailable {
    /// The label of this cause in `intake_shed_total`.
    pub fn cause(self) -> &'static str {
        match self {
            Unavailable::NoSlot => "no_slot",
            Unavailable::QueueFull => "queue_full",
            Unavailable::CommitTimeout => "commit_timeout",
            Unavailable::DatabaseDown => "database_down",
            Unavailable::ShuttingDown => "shutting_down",
        }
    }
}

/// Sizing of the queue and writers.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Submissions that may wait for a writer; beyond it, 503.
    pub queue_capacity: usize,
    /// Most applications in one transaction.
    pub max_batch: usize,
    /// Concurrent writer tasks (1 for SQLite; a few for Postgres).
    pub writers: usize,
}

struct Submission {
    row: ApplicationRow,
    queued_at: Instant,
    reply: oneshot::Sender<Result<Stored, Unavailable>>,
}

struct Shared {
    database_up: AtomicBool,
    metrics: Arc<Metrics>,
    capacity: usize,
}

impl Shared {
    /// Records whether the database answers, for submitters, readiness and metrics.
    fn set_database_up(&self, up: bool) {
        self.database_up.store(up, Ordering::Release);
        self.metrics.database_up.set(i64::from(up));
        if up {
            tracing::info!("database reachable again; taking applications");
        }
    }
}

/// The handlers' side of the queue. Cloning is cheap; when every clone is
/// dropped the writers finish what is queued and stop.
#[derive(Clone)]
pub struct WriteQueue {
    sender: mpsc::Sender<Submission>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteQueue").field("depth", &self.depth()).finish()
    }
}

impl WriteQueue {
    /// Starts the writers on `store`; the handles end once every queue
    /// clone is dropped and the queue is drained. SQLite has one writer, on a
    /// thread of its own with its own connection (a batch then costs no trip
    /// to another thread); Postgres has `config.writers` async tasks.
    ///
    /// `slots` are the submissions admitted at once (see `crate::admission`):
    /// while every one is taken, the SQLite writer waits a moment to fill
    /// its batch, see [`LINGER_WHEN_FULL`].
    pub async fn start(
        store: Store,
        config: WriterConfig,
        metrics: Arc<Metrics>,
        slots: Arc<Semaphore>,
    ) -> Result<(WriteQueue, Vec<JoinHandle<()>>), store::StoreError> {
        let (sender, receiver) = mpsc::channel(config.queue_capacity.max(1));
        let shared = Arc::new(Shared { database_up: AtomicBool::new(true), metrics, capacity: config.queue_capacity });
        let max_batch = config.max_batch.max(1);
        let handles = match store.sqlite_writer().await {
            Some(writer) => {
                let (writer, shared) = (writer?, shared.clone());
                vec![tokio::task::spawn_blocking(move || {
                    run_sqlite_writer(writer, receiver, &shared, &slots, max_batch);
                })]
            }
            None => {
                let receiver = Arc::new(Mutex::new(receiver));
                (0..config.writers.max(1))
                    .map(|_| tokio::spawn(run_writer(store.clone(), receiver.clone(), shared.clone(), max_batch)))
                    .collect()
            }
        };
        Ok((WriteQueue { sender, shared }, handles))
    }

    /// Queues a row; await the returned receiver for the outcome.
    pub fn submit(&self, row: ApplicationRow) -> Result<oneshot::Receiver<Result<Stored, Unavailable>>, Unavailable> {
        if !self.database_up() {
            return Err(Unavailable::DatabaseDown);
        }
        let (reply, receiver) = oneshot::channel();
        match self.sender.try_send(Submission { row, queued_at: Instant::now(), reply }) {
            Ok(()) => Ok(receiver),
            Err(mpsc::error::TrySendError::Full(_)) => Err(Unavailable::QueueFull),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Unavailable::ShuttingDown),
        }
    }

    /// Applications waiting for a writer.
    pub fn depth(&self) -> usize {
        self.shared.capacity.saturating_sub(self.sender.capacity())
    }

    /// The queue's capacity.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// Nine tenths full or more: the writers are behind, so a submission
    /// arriving now would most likely find the queue full after being parsed.
    pub fn is_saturated(&self) -> bool {
        self.depth() * 10 >= self.capacity() * 9
    }

    /// Whether the last write (or probe) reached the database.
    pub fn database_up(&self) -> bool {
        self.shared.database_up.load(Ordering::Acquire)
    }
}

async fn run_writer(
    store: Store,
    receiver: Arc<Mutex<mpsc::Receiver<Submission>>>,
    shared: Arc<Shared>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    loop {
        // One writer at a time takes a batch; the others are committing theirs.
        let received = receiver.lock().await.recv_many(&mut batch, max_batch).await;
        if received == 0 {
            return; // closed and drained: shutdown
        }
        observe_queue_wait(&batch, &shared.metrics);
        if let Err(error) = write(&store, &mut batch, &shared).await {
            tracing::error!(%error, batch = batch.len(), "a batch failed to commit; answering 503 until the database is back");
            shared.metrics.write_failures.inc();
            for submission in batch.drain(..) {
                let _ = submission.reply.send(Err(Unavailable::DatabaseDown));
            }
            wait_for_database(&store, &receiver, &shared).await;
        }
        batch.clear();
    }
}

/// Commits the batch and answers every submission in it. On error nothing
/// has been answered and the batch is left for the caller to refuse.
async fn write(store: &Store, batch: &mut Vec<Submission>, shared: &Shared) -> Result<(), store::StoreError> {
    // A row whose random reference was taken goes round again with a new one.
    while !batch.is_empty() {
        let rows: Vec<ApplicationRow> = batch.iter().map(|s| s.row.clone()).collect();
        let started = Instant::now();
        let outcomes = match store.insert_batch(&rows).await {
            Ok(outcomes) => outcomes,
            // One quick retry: a dropped connection is common and harmless.
            Err(first) => {
                tracing::warn!(error = %first, "batch failed; retrying once");
                store.insert_batch(&rows).await?
            }
        };
        settle(batch, outcomes, started, &shared.metrics);
    }
    Ok(())
}

/// Records how long each submission of a batch waited for a writer: with
/// the commit time, it tells where a slow answer spent its time.
fn observe_queue_wait(batch: &[Submission], metrics: &Metrics) {
    let now = Instant::now();
    for submission in batch {
        metrics.queue_wait_seconds.observe(now.duration_since(submission.queued_at).as_secs_f64());
    }
}

/// Answers each submission of a committed batch; keeps in `batch` only those
/// whose reference was taken, with a fresh one, to go round again.
fn settle(batch: &mut Vec<Submission>, outcomes: Vec<InsertOutcome>, started: Instant, metrics: &Metrics) {
    metrics.commit_seconds.observe(started.elapsed().as_secs_f64());
    metrics.batch_size.observe(batch.len() as f64);
    let mut again = Vec::new();
    for (submission, outcome) in batch.drain(..).zip(outcomes) {
        let answer = match outcome {
            InsertOutcome::Inserted => {
                metrics.accepted.inc();
                Stored::New { reference: submission.row.reference.clone() }
            }
            InsertOutcome::AlreadyStored { reference } => Stored::Existing { reference },
            InsertOutcome::IdentityTaken => Stored::IdentityTaken,
            InsertOutcome::ReferenceTaken => {
                let mut submission = submission;
                submission.row.reference = reference::generate_with(&mut rand::rng());
                again.push(submission);
                continue;
            }
        };
        // The client may have gone; the application is stored either way.
        let _ = submission.reply.send(Ok(answer));
    }
    *batch = again;
}

/// How long the SQLite writer waits for more of a batch while every
/// submission slot is taken. Then intake is refusing, its CPU is short, and
/// each commit costs about as much for 10 rows as for 20 (the fsync and the
/// WAL frames of shared pages), so fuller batches cost less an answer
/// (figures in docs/performance.md). Below that load no one waits.
const LINGER_WHEN_FULL: Duration = Duration::from_micros(500);

/// The SQLite writer: one thread, one connection, one batch at a time.
fn run_sqlite_writer(
    mut writer: store::SqliteWriter,
    mut receiver: mpsc::Receiver<Submission>,
    shared: &Shared,
    slots: &Semaphore,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    let take_waiting = |receiver: &mut mpsc::Receiver<Submission>, batch: &mut Vec<Submission>| {
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(submission) => batch.push(submission),
                Err(_) => break,
            }
        }
    };
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        take_waiting(&mut receiver, &mut batch);
        if slots.available_permits() == 0 && batch.len() < max_batch {
            std::thread::sleep(LINGER_WHEN_FULL);
            take_waiting(&mut receiver, &mut batch);
        }
        observe_queue_wait(&batch, &shared.metrics);
        let mut result: Result<(), store::StoreError> = Ok(());
        while !batch.is_empty() && result.is_ok() {
            let started = Instant::now();
            let written = writer.insert_batch(batch.iter().map(|s| &s.row)).or_else(|first| {
                tracing::warn!(error = %first, "batch failed; retrying once");
                writer.insert_batch(batch.iter().map(|s| &s.row))
            });
            result = written.map(|outcomes| settle(&mut batch, outcomes, started, &shared.metrics));
        }
        if let Err(error) = result {
            tracing::error!(%error, batch = batch.len(), "a batch failed to commit; answering 503 until the database is back");
            shared.metrics.write_failures.inc();
            for submission in batch.drain(..) {
                let _ = submission.reply.send(Err(Unavailable::DatabaseDown));
            }
            shared.set_database_up(false);
            let mut pause = Duration::from_millis(100);
            loop {
                while let Ok(submission) = receiver.try_recv() {
                    let _ = submission.reply.send(Err(Unavailable::DatabaseDown));
                }
                match writer.ping() {
                    Ok(()) => break,
                    Err(error) => tracing::warn!(%error, retry_in = ?pause, "database still unavailable"),
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            shared.set_database_up(true);
        }
        batch.clear();
    }
}

/// Refuses queued submissions while probing the database with growing
/// pauses, until it answers; then takes writes again. No restart needed.
async fn wait_for_database(store: &Store, receiver: &Mutex<mpsc::Receiver<Submission>>, shared: &Shared) {
    shared.set_database_up(false);
    let mut pause = Duration::from_millis(100);
    loop {
        // try_lock: another writer may hold the queue while it waits for work;
        // it will refuse what it takes when its own write fails.
        if let Ok(mut queue) = receiver.try_lock() {
            while let Ok(submission) = queue.try_recv() {
                let _ = submission.reply.send(Err(Unavailable::DatabaseDown));
            }
        }
        match store.ping().await {
            Ok(()) => break,
            Err(error) => tracing::warn!(%error, retry_in = ?pause, "database still unavailable"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
    shared.set_database_up(true);
}
