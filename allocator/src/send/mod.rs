//! Sending the outbox through an SMS gateway (Kannel), exactly once.
//!
//! Each message is claimed in the database (`sending`, one more attempt,
//! committed) before its request goes out, and settled by the gateway's
//! answer; delivery reports come back to [`reports::ReportListener`]. A
//! message found `sending` when a send starts was left by one that died
//! mid-request: it is in doubt, and is sent again only once the gateway is
//! known not to have it (allocator/README.md, "Sending").

pub mod admin;
mod batch;
pub mod gateway;
mod pace;
mod progress;
pub mod queue;
pub mod reports;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use store::{AttemptOutcome, InDoubtResolution, OutboxState, Settle, Store};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use admin::GatewayAdmin;
use batch::{Claims, Settler};
use gateway::{Gateway, Submission};
use pace::Pace;
use progress::Progress;

/// How to send.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// Requests a second, over all workers.
    pub rate: f64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How long a message in doubt waits for a late report before the
    /// gateway's queue is asked about it.
    pub in_doubt_grace: Duration,
    /// After the last request, how long to keep listening for the
    /// reports still expected.
    pub drain_timeout: Duration,
    /// The longest wait between two tries while the gateway is away.
    pub max_backoff: Duration,
}

/// What one send did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendSummary {
    /// Messages the gateway took now.
    pub sent: u64,
    /// Messages it refused for good now.
    pub refused: u64,
    /// Messages found in doubt when the send started.
    pub found_in_doubt: u64,
    /// Of those and of any whose answer was lost, how many were sent again
    /// (the gateway never had them).
    pub resent: u64,
    /// Messages still open when it ended, per state.
    pub open: Vec<(OutboxState, u64)>,
    /// Whether it stopped early (Ctrl-C).
    pub stopped: bool,
    /// From the start until the last request was answered.
    pub sending: Duration,
    /// From the start until the end (the last report, or the drain timeout).
    pub total: Duration,
}

/// One send of one run's outbox.
pub struct Sender {
    /// The store holding the outbox.
    pub store: Store,
    /// The run whose messages go out.
    pub run_id: String,
    /// The gateway's sendsms interface.
    pub gateway: Gateway,
    /// The gateway's admin interface, to resolve messages in doubt.
    pub admin: Option<GatewayAdmin>,
    /// How.
    pub options: SendOptions,
    /// Turns true to stop claiming (Ctrl-C); in-flight requests settle.
    pub stop: watch::Receiver<bool>,
}

struct Counters {
    sent: AtomicU64,
    refused: AtomicU64,
}

impl Sender {
    /// Sends every pending message, resolves those in doubt, and waits (up
    /// to the drain timeout) for the reports still expected.
    pub async fn run(self) -> anyhow::Result<SendSummary> {
        let started = Instant::now();
        let mut summary =
            SendSummary { found_in_doubt: self.store.mark_in_doubt(&self.run_id).await?, ..SendSummary::default() };
        if summary.found_in_doubt > 0 {
            tracing::warn!(
                in_doubt = summary.found_in_doubt,
                "messages were left mid-request by an earlier send: waiting for their reports before deciding"
            );
        }
        let counters = Arc::new(Counters { sent: AtomicU64::new(0), refused: AtomicU64::new(0) });
        let mut last_sent = Instant::now();
        loop {
            let pending = self.open_count(OutboxState::Pending).await?;
            if pending > 0 {
                self.send_pending(pending, &counters).await?;
                last_sent = Instant::now();
                summary.sending = started.elapsed();
            }
            if *self.stop.borrow() {
                summary.stopped = true;
                break;
            }
            if started.elapsed() >= self.options.in_doubt_grace {
                summary.resent += self.resolve_in_doubt().await?;
            }
            let open = self.store.open_message_counts(&self.run_id).await?;
            let count = |state| open.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
            if count(OutboxState::Pending) > 0 {
                continue;
            }
            let waiting_for_grace = count(OutboxState::InDoubt) > 0 && started.elapsed() < self.options.in_doubt_grace;
            let outstanding = count(OutboxState::Sent) + count(OutboxState::InDoubt);
            if outstanding == 0 || (!waiting_for_grace && last_sent.elapsed() >= self.options.drain_timeout) {
                break;
            }
            let mut stop = self.stop.clone();
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
        summary.sent = counters.sent.load(Ordering::Relaxed);
        summary.refused = counters.refused.load(Ordering::Relaxed);
        summary.open = self.store.open_message_counts(&self.run_id).await?;
        summary.total = started.elapsed();
        Ok(summary)
    }

    async fn open_count(&self, state: OutboxState) -> anyhow::Result<u64> {
        let open = self.store.open_message_counts(&self.run_id).await?;
        Ok(open.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n))
    }

    /// Runs the workers until nothing is pending or a stop is asked for.
    async fn send_pending(&self, pending: u64, counters: &Arc<Counters>) -> anyhow::Result<()> {
        let pace = Arc::new(Pace::new(self.options.rate));
        let progress = Arc::new(Progress::new(pending));
        // A tenth of a second's worth at a time: few commits, and few
        // messages claimed ahead of their request.
        let batch = ((self.options.rate / 10.0) as usize).clamp(1, self.options.concurrency.max(1));
        let claims = Arc::new(Claims::new(self.store.clone(), self.run_id.clone(), batch));
        let settler = Settler::start(self.store.clone());
        // Workers stop on Ctrl-C, or when one of them meets a refusal that
        // stops them all (a wrong password); each settles its request first.
        let (halt, halted) = watch::channel(false);
        let halt = Arc::new(halt);
        let mut interrupt = self.stop.clone();
        let forward = {
            let halt = halt.clone();
            tokio::spawn(async move {
                if interrupt.wait_for(|s| *s).await.is_ok() {
                    let _ = halt.send(true);
                }
            })
        };
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.options.concurrency.max(1) {
            let worker = Worker {
                claims: claims.clone(),
                answers: settler.answers(),
                gateway: self.gateway.clone(),
                pace: pace.clone(),
                progress: progress.clone(),
                counters: counters.clone(),
                stop: halted.clone(),
                max_backoff: self.options.max_backoff,
            };
            workers.spawn(worker.run());
        }
        let mut result = Ok(());
        while let Some(done) = workers.join_next().await {
            if let Err(e) = done.map_err(anyhow::Error::from).and_then(|r| r) {
                if result.is_ok() {
                    result = Err(e);
                }
                let _ = halt.send(true);
            }
        }
        forward.abort();
        // Claimed but never requested: certainly not taken.
        let unsent = claims.unsent().await;
        let answers = settler.answers();
        for message in unsent {
            let outcome = AttemptOutcome::NotTaken("the send stopped before its request".to_owned());
            let _ = answers.send(Settle { id: message.id, attempt: message.attempts, outcome });
        }
        drop(answers);
        let settled = settler.finish().await;
        progress.finish();
        result.and(settled)
    }

    /// Settles the messages in doubt that the gateway is known not to
    /// hold; returns how many were made pending again.
    async fn resolve_in_doubt(&self) -> anyhow::Result<u64> {
        // Without the admin interface nothing proves the gateway lacks them:
        // they stay in doubt, and the summary says how many.
        let Some(admin) = &self.admin else { return Ok(0) };
        let in_doubt = self.store.outbox_messages(&self.run_id, Some(OutboxState::InDoubt)).await?;
        let undecided: Vec<_> =
            in_doubt.into_iter().filter(|m| m.resolution != Some(InDoubtResolution::Queued)).collect();
        if undecided.is_empty() {
            return Ok(0);
        }
        let held: Vec<i64> = admin.held(&undecided).await?.iter().map(|m| m.id).collect();
        let mut resent = 0;
        for message in &undecided {
            let resolution =
                if held.contains(&message.id) { InDoubtResolution::Queued } else { InDoubtResolution::Resent };
            if self.store.resolve_in_doubt(message.id, resolution).await? && resolution == InDoubtResolution::Resent {
                tracing::info!(
                    reference = message.message.reference,
                    "in doubt, and the gateway never had it: sending again"
                );
                resent += 1;
            }
        }
        Ok(resent)
    }
}

struct Worker {
    claims: Arc<Claims>,
    answers: mpsc::UnboundedSender<Settle>,
    gateway: Gateway,
    pace: Arc<Pace>,
    progress: Arc<Progress>,
    counters: Arc<Counters>,
    stop: watch::Receiver<bool>,
    max_backoff: Duration,
}

/// How one message's tries ended.
enum Tried {
    /// The gateway answered for it.
    Answered(AttemptOutcome),
    /// It refused our credentials: nothing can go out.
    Unauthorised(String),
    /// A stop was asked for while the gateway was away: it was not taken.
    Stopped(String),
}

impl Worker {
    async fn run(mut self) -> anyhow::Result<()> {
        loop {
            if *self.stop.borrow() {
                return Ok(());
            }
            tokio::select! {
                () = self.pace.slot() => {}
                _ = self.stop.wait_for(|s| *s) => return Ok(()),
            }
            let Some(message) = self.claims.next().await? else { return Ok(()) };
            let (outcome, refusal) = match self.attempt(&message).await {
                Tried::Answered(outcome) => (outcome, None),
                Tried::Unauthorised(answer) => (AttemptOutcome::NotTaken(answer.clone()), Some(answer)),
                Tried::Stopped(answer) => (AttemptOutcome::NotTaken(answer), None),
            };
            let reference = &message.message.reference;
            match &outcome {
                AttemptOutcome::Accepted(_) => {
                    self.counters.sent.fetch_add(1, Ordering::Relaxed);
                    self.progress.sent();
                }
                AttemptOutcome::Refused(answer) => {
                    self.counters.refused.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(reference, answer, "the gateway refused a message");
                }
                AttemptOutcome::Unknown(answer) => {
                    tracing::warn!(reference, answer, "no answer from the gateway: the message is in doubt");
                }
                AttemptOutcome::NotTaken(_) => {}
            }
            let settle = Settle { id: message.id, attempt: message.attempts, outcome };
            self.answers.send(settle).map_err(|_| anyhow::anyhow!("the answers' writer stopped"))?;
            if let Some(answer) = refusal {
                anyhow::bail!("the gateway refused our credentials ({answer}): check --username and --password");
            }
        }
    }

    /// Tries one message until the gateway answers for it, backing off
    /// while it is away.
    async fn attempt(&mut self, message: &store::OutboxMessage) -> Tried {
        let mut backoff = Duration::from_millis(250);
        loop {
            match self.gateway.submit(message).await {
                Submission::Accepted(answer) => return Tried::Answered(AttemptOutcome::Accepted(answer)),
                Submission::Refused(answer) => return Tried::Answered(AttemptOutcome::Refused(answer)),
                Submission::Unknown(answer) => return Tried::Answered(AttemptOutcome::Unknown(answer)),
                Submission::Unauthorised(answer) => return Tried::Unauthorised(answer),
                Submission::Unavailable(answer) => {
                    self.progress.note(format!("gateway away ({answer}); trying again in {backoff:?}"));
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = self.stop.wait_for(|s| *s) => return Tried::Stopped(answer),
                    }
                    backoff = (backoff * 2).min(self.max_backoff);
                }
            }
        }
    }
}
