//! The send rate: at most `rate` requests a second over all workers, each
//! worker taking the next free slot, so bursts never exceed the contract
//! with the operator.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Hands out evenly spaced send slots.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    /// `rate` slots a second.
    pub fn new(rate: f64) -> Pace {
        Pace { interval: Duration::from_secs_f64(1.0 / rate), next: Mutex::new(Instant::now()) }
    }

    /// Waits for the next slot.
    pub async fn slot(&self) {
        let at = {
            let mut next = self.next.lock().await;
            // A slot left unused is not saved up for a burst later.
            let at = (*next).max(Instant::now());
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_by_the_rate() {
        let pace = Pace::new(10.0);
        let start = Instant::now();
        for _ in 0..11 {
            pace.slot().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
