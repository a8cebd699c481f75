//! Answer latencies by HTTP status, summarised as percentiles.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde_json::{Map, Value, json};

/// Longest latency told apart from the others: a minute, in microseconds.
/// Anything slower counts as a minute, far past every timeout of the server.
const LONGEST_MICROS: u64 = 60_000_000;

/// Latencies in microseconds by status (0: no answer, the connection failed).
#[derive(Debug, Default)]
pub struct Latencies {
    by_status: BTreeMap<u16, Histogram<u64>>,
}

impl Latencies {
    /// Counts one answer with `status` after `micros` microseconds.
    pub fn record(&mut self, status: u16, micros: u64) {
        self.by_status
            .entry(status)
            .or_insert_with(|| {
                // Three significant digits: a p99 read to the tenth of a percent.
                Histogram::new_with_bounds(1, LONGEST_MICROS, 3).expect("the bounds are valid")
            })
            .saturating_record(micros.max(1));
    }

    /// Answers counted, of every status.
    pub fn answers(&self) -> u64 {
        self.by_status.values().map(Histogram::len).sum()
    }

    /// Answers counted with a 2xx status.
    pub fn successes(&self) -> u64 {
        self.by_status.range(200..300).map(|(_, h)| h.len()).sum()
    }

    /// Per status (named by `name`): the count, the median, the 99th
    /// percentile and the largest latency, in milliseconds.
    pub fn summary(&self, name: impl Fn(u16) -> String) -> Map<String, Value> {
        let ms = |micros: u64| micros as f64 / 1000.0;
        self.by_status
            .iter()
            .map(|(status, h)| {
                let figures = json!({
                    "count": h.len(),
                    "p50_ms": ms(h.value_at_quantile(0.5)),
                    "p99_ms": ms(h.value_at_quantile(0.99)),
                    "max_ms": ms(h.max()),
                });
                (name(*status), figures)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_read_per_status() {
        let mut latencies = Latencies::default();
        for micros in 1..=1000 {
            latencies.record(201, micros * 1000);
        }
        latencies.record(503, 250);
        latencies.record(0, u64::MAX);
        assert_eq!((latencies.answers(), latencies.successes()), (1002, 1000));
        let summary = latencies.summary(|s| s.to_string());
        let created = &summary["201"];
        assert_eq!(created["count"], 1000);
        let p50 = created["p50_ms"].as_f64().expect("a number");
        let p99 = created["p99_ms"].as_f64().expect("a number");
        assert!((499.0..=501.0).contains(&p50), "{p50}");
        assert!((989.0..=991.0).contains(&p99), "{p99}");
        assert_eq!(summary["503"]["max_ms"], 0.25);
        // A latency beyond the range is counted, at the longest one told apart.
        assert!(summary["0"]["max_ms"].as_f64().expect("a number") >= 60_000.0);
    }
}
