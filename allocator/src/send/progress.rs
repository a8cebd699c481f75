//! What the operator sees while sending: a bar with rate and ETA on a
//! terminal, a plain line every few seconds otherwise (a log file, CI).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Progress of one send over `total` messages.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    started: Instant,
    state: Mutex<(u64, Instant)>,
}

const LOG_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    /// Progress over `total` messages to send now.
    pub fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} sent ({per_sec}, ETA {eta}) {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, total, started: Instant::now(), state: Mutex::new((0, Instant::now())) }
    }

    /// One more message went out.
    pub fn sent(&self) {
        let Ok(mut state) = self.state.lock() else { return };
        state.0 += 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        } else if state.1.elapsed() >= LOG_EVERY || state.0 == self.total {
            state.1 = Instant::now();
            let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
            let rate = state.0 as f64 / seconds;
            let eta = if rate > 0.0 { (self.total.saturating_sub(state.0)) as f64 / rate } else { 0.0 };
            tracing::info!(
                sent = state.0,
                total = self.total,
                rate = format!("{rate:.0}/s"),
                eta = format!("{eta:.0}s"),
                "sending"
            );
        }
    }

    /// A note beside the bar (retries, waiting for reports).
    pub fn note(&self, message: String) {
        match &self.bar {
            Some(bar) => bar.set_message(message),
            None => tracing::info!("{message}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
