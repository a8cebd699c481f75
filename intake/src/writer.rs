//! Group commit: handlers hand applications to a bounded queue; writer tasks
//! drain it in batches, one transaction per batch, and answer each handler
//! only after its batch has committed.
//!
//! The write belongs to the writer, never to the request: if a client hangs
//! up mid-request, its application is still committed (and a retry finds it
//! by fingerprint). When the queue is full, or the database is down, a
//! submission is refused at once so the caller can answer 503 quickly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use store::{AmendOutcome, Amendment, ApplicationRow, BatchWriter, InsertOutcome, Store};
use tokio::sync::{Semaphore, mpsc, oneshot};
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
    /// A change or withdrawal was committed, or found already made, or
    /// refused as not found.
    Amended(AmendOutcome),
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
    /// How long a writer waits for the database to finish a batch before it
    /// gives up on the connection, outcome unknown.
    pub commit_timeout: Duration,
}

/// What a submission asks the writer to commit.
enum Work {
    /// A new application.
    Insert(ApplicationRow),
    /// A change or withdrawal of a stored one.
    Amend(Amendment),
}

struct Submission {
    work: Work,
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
    /// clone is dropped and the queue is drained. Each writer is a thread
    /// of its own with its own [`BatchWriter`]: one for SQLite (one writer
    /// whatever is asked), `config.writers` for Postgres.
    ///
    /// `slots` are the submissions admitted at once (see `crate::admission`):
    /// while every one is taken, a lone writer waits a moment to fill its
    /// batch, see [`LINGER_WHEN_FULL`].
    pub async fn start(
        store: Store,
        config: WriterConfig,
        metrics: Arc<Metrics>,
        slots: Arc<Semaphore>,
    ) -> Result<(WriteQueue, Vec<JoinHandle<()>>), store::StoreError> {
        let (sender, receiver) = mpsc::channel(config.queue_capacity.max(1));
        let shared = Arc::new(Shared { database_up: AtomicBool::new(true), metrics, capacity: config.queue_capacity });
        let receiver = Arc::new(Mutex::new(receiver));
        let writers = store.concurrent_writers(config.writers);
        // With several writers another one fills the next batch while one
        // commits, so waiting for a fuller batch would only delay answers.
        let linger = (writers == 1).then_some(LINGER_WHEN_FULL);
        let mut handles = Vec::with_capacity(writers);
        for _ in 0..writers {
            let writer = Writer {
                store: store.batch_writer(config.commit_timeout)?,
                receiver: receiver.clone(),
                shared: shared.clone(),
                slots: slots.clone(),
                max_batch: config.max_batch.max(1),
                linger,
            };
            handles.push(tokio::task::spawn_blocking(move || writer.run()));
        }
        Ok((WriteQueue { sender, shared }, handles))
    }

    /// Queues a new application; await the returned receiver for the outcome.
    pub fn submit(&self, row: ApplicationRow) -> Result<oneshot::Receiver<Result<Stored, Unavailable>>, Unavailable> {
        self.enqueue(Work::Insert(row))
    }

    /// Queues a change or withdrawal; its outcome is [`Stored::Amended`].
    pub fn amend(&self, amendment: Amendment) -> Result<oneshot::Receiver<Result<Stored, Unavailable>>, Unavailable> {
        self.enqueue(Work::Amend(amendment))
    }

    fn enqueue(&self, work: Work) -> Result<oneshot::Receiver<Result<Stored, Unavailable>>, Unavailable> {
        if !self.database_up() {
            return Err(Unavailable::DatabaseDown);
        }
        let (reply, receiver) = oneshot::channel();
        match self.sender.try_send(Submission { work, queued_at: Instant::now(), reply }) {
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

/// One writer thread: takes a batch off the queue, commits it, answers
/// each submission, and while the database is down refuses what is queued.
struct Writer {
    store: BatchWriter,
    receiver: Arc<Mutex<mpsc::Receiver<Submission>>>,
    shared: Arc<Shared>,
    slots: Arc<Semaphore>,
    max_batch: usize,
    linger: Option<Duration>,
}

impl Writer {
    fn run(mut self) {
        let mut batch = Vec::with_capacity(self.max_batch);
        while self.take_batch(&mut batch) {
            observe_queue_wait(&batch, &self.shared.metrics);
            if let Err(error) = self.write(&mut batch) {
                tracing::error!(%error, batch = batch.len(), "a batch failed to commit; answering 503 until the database is back");
                self.shared.metrics.write_failures.inc();
                for submission in batch.drain(..) {
                    let _ = submission.reply.send(Err(Unavailable::DatabaseDown));
                }
                self.wait_for_database();
            }
            batch.clear();
        }
    }

    /// Waits for a submission and takes it with whatever else is queued, up
    /// to a batch; `false` once the queue is closed and drained (shutdown).
    fn take_batch(&self, batch: &mut Vec<Submission>) -> bool {
        // One writer at a time takes a batch; the others are committing theirs.
        let mut receiver = self.receiver.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(first) = receiver.blocking_recv() else { return false };
        batch.push(first);
        take_waiting(&mut receiver, batch, self.max_batch);
        if let Some(linger) = self.linger
            && self.slots.available_permits() == 0
            && batch.len() < self.max_batch
        {
            std::thread::sleep(linger);
            take_waiting(&mut receiver, batch, self.max_batch);
        }
        true
    }

    /// Commits the batch and answers every submission in it: changes and
    /// withdrawals first (so a withdrawal frees its identity for a new
    /// application of the same batch), then new applications. A row whose
    /// random reference was taken goes round again with a new one. On
    /// error what is left of the batch is unanswered, for the caller to refuse.
    fn write(&mut self, batch: &mut Vec<Submission>) -> Result<(), store::StoreError> {
        if batch.iter().any(|s| matches!(s.work, Work::Amend(_))) {
            let (amending, inserting): (Vec<Submission>, Vec<Submission>) =
                std::mem::take(batch).into_iter().partition(|s| matches!(s.work, Work::Amend(_)));
            *batch = amending;
            let amendments: Vec<&Amendment> =
                batch.iter().filter_map(|s| if let Work::Amend(a) = &s.work { Some(a) } else { None }).collect();
            let outcomes = match self.store.amend(&amendments) {
                Ok(outcomes) => outcomes,
                Err(first) => {
                    tracing::warn!(error = %first, "amendments failed; retrying once");
                    self.store.amend(&amendments)?
                }
            };
            for (submission, outcome) in batch.drain(..).zip(outcomes) {
                let _ = submission.reply.send(Ok(Stored::Amended(outcome)));
            }
            *batch = inserting;
        }
        while !batch.is_empty() {
            let rows: Vec<&ApplicationRow> = batch.iter().filter_map(Submission::row).collect();
            let started = Instant::now();
            let outcomes = match self.store.insert_batch(&rows) {
                Ok(outcomes) => outcomes,
                // One quick retry: a dropped connection is common and harmless.
                Err(first) => {
                    tracing::warn!(error = %first, "batch failed; retrying once");
                    self.store.insert_batch(&rows)?
                }
            };
            settle(batch, outcomes, started, &self.shared.metrics);
        }
        Ok(())
    }

    /// Refuses queued submissions while probing the database with growing
    /// pauses, until it answers; then takes writes again. No restart needed.
    fn wait_for_database(&mut self) {
        self.shared.set_database_up(false);
        let mut pause = Duration::from_millis(100);
        loop {
            // try_lock: another writer may hold the queue while it waits for
            // work; it will refuse what it takes when its own write fails.
            if let Ok(mut queue) = self.receiver.try_lock() {
                while let Ok(submission) = queue.try_recv() {
                    let _ = submission.reply.send(Err(Unavailable::DatabaseDown));
                }
            }
            match self.store.ping() {
                Ok(()) => break,
                Err(error) => tracing::warn!(%error, retry_in = ?pause, "database still unavailable"),
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(LONGEST_PROBE_PAUSE);
        }
        self.shared.set_database_up(true);
    }
}

impl Submission {
    /// The new application, when this is one.
    fn row(&self) -> Option<&ApplicationRow> {
        match &self.work {
            Work::Insert(row) => Some(row),
            Work::Amend(_) => None,
        }
    }
}

/// Moves what is queued now into `batch`, up to `max_batch`, without waiting.
fn take_waiting(receiver: &mut mpsc::Receiver<Submission>, batch: &mut Vec<Submission>, max_batch: usize) {
    while batch.len() < max_batch {
        match receiver.try_recv() {
            Ok(submission) => batch.push(submission),
            Err(_) => break,
        }
    }
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
                Stored::New { reference: submission.row().map(|r| r.reference.clone()).unwrap_or_default() }
            }
            InsertOutcome::AlreadyStored { reference } => Stored::Existing { reference },
            InsertOutcome::IdentityTaken => Stored::IdentityTaken,
            InsertOutcome::ReferenceTaken => {
                let mut submission = submission;
                if let Work::Insert(row) = &mut submission.work {
                    row.reference = reference::generate_with(&mut rand::rng());
                }
                again.push(submission);
                continue;
            }
        };
        // The client may have gone; the application is stored either way.
        let _ = submission.reply.send(Ok(answer));
    }
    *batch = again;
}

/// The longest pause between two probes of a database that is down. After
/// a failover the new primary is found within this of its promotion; a
/// probe costs one connection attempt per writer and instance.
const LONGEST_PROBE_PAUSE: Duration = Duration::from_secs(1);

/// How long a lone writer waits for more of a batch while every
/// submission slot is taken. Then intake is refusing, its CPU is short, and
/// each commit costs about as much for 10 rows as for 20 (the fsync and the
/// WAL frames of shared pages), so fuller batches cost less an answer
/// (figures in docs/performance.md). Below that load no one waits.
const LINGER_WHEN_FULL: Duration = Duration::from_micros(500);
