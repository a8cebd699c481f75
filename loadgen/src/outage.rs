//! What a crowd saw of a database failover: when intake refused (a 503 or
//! a lost connection) and when it took applications again, read from the
//! time of every answer (a timeline: `unix_ms,status`, status 0 for a lost
//! connection).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;

/// One answer: when it arrived and its status (0: the connection was lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// When the answer (or the error) arrived.
    pub at: SystemTime,
    /// HTTP status, or 0.
    pub status: u16,
}

impl Answer {
    /// An answer arriving now.
    pub fn now(status: u16) -> Answer {
        Answer { at: SystemTime::now(), status }
    }

    fn refused(&self) -> bool {
        self.status == 0 || self.status == 503
    }

    fn acknowledged(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Writes `answers` as a timeline file.
pub fn write_timeline(path: &Path, answers: &[Answer]) -> anyhow::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(file, "unix_ms,status")?;
    for answer in answers {
        let ms = answer.at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        writeln!(file, "{ms},{}", answer.status)?;
    }
    file.flush()?;
    Ok(())
}

/// Reads a timeline file written by [`write_timeline`].
pub fn read_timeline(path: &Path) -> anyhow::Result<Vec<Answer>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .skip(1)
        .map(|(n, line)| {
            let parsed = line.split_once(',').and_then(|(ms, status)| Some((ms.parse().ok()?, status.parse().ok()?)));
            let (ms, status) = parsed.with_context(|| format!("{} line {}: {line:?}", path.display(), n + 1))?;
            Ok(Answer { at: UNIX_EPOCH + Duration::from_millis(ms), status })
        })
        .collect()
}

/// The refusals around a failover, timed from the moment the primary was killed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// Refusals that arrived before the kill (overload, or anything else).
    pub refused_before_kill: u64,
    /// Refusals after it.
    pub refused: u64,
    /// The first refusal after the kill.
    pub first_refusal: Option<Duration>,
    /// The last refusal.
    pub last_refusal: Option<Duration>,
    /// The first 2xx after the last refusal: intake takes applications again.
    pub recovered: Option<Duration>,
    /// 2xx answers after the last refusal.
    pub acknowledged_after: u64,
}

impl Outage {
    /// Reads `answers` against the moment the primary was killed.
    pub fn around(answers: &[Answer], killed: SystemTime) -> Outage {
        let since = |answer: &Answer| answer.at.duration_since(killed).unwrap_or_default();
        let mut outage = Outage {
            refused_before_kill: 0,
            refused: 0,
            first_refusal: None,
            last_refusal: None,
            recovered: None,
            acknowledged_after: 0,
        };
        for answer in answers.iter().filter(|a| a.refused()) {
            if answer.at < killed {
                outage.refused_before_kill += 1;
                continue;
            }
            outage.refused += 1;
            let at = since(answer);
            outage.first_refusal = Some(outage.first_refusal.map_or(at, |first| first.min(at)));
            outage.last_refusal = Some(outage.last_refusal.map_or(at, |last| last.max(at)));
        }
        let last = killed + outage.last_refusal.unwrap_or_default();
        for answer in answers.iter().filter(|a| a.acknowledged() && a.at > last) {
            outage.acknowledged_after += 1;
            let at = since(answer);
            outage.recovered = Some(outage.recovered.map_or(at, |first| first.min(at)));
        }
        outage
    }

    /// From the first refusal to the last.
    pub fn window(&self) -> Duration {
        match (self.first_refusal, self.last_refusal) {
            (Some(first), Some(last)) => last.saturating_sub(first),
            _ => Duration::ZERO,
        }
    }

    /// One line: the refusals and the recovery, in seconds after the kill.
    pub fn describe(&self) -> String {
        let seconds = |d: Option<Duration>| d.map_or("-".to_owned(), |d| format!("{:.1}", d.as_secs_f64()));
        format!(
            "{} refusals (503 or lost connection) from +{}s to +{}s after the kill (a {:.1}s window); \
             taking applications again at +{}s ({} acknowledged after)",
            self.refused,
            seconds(self.first_refusal),
            seconds(self.last_refusal),
            self.window().as_secs_f64(),
            seconds(self.recovered),
            self.acknowledged_after
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Answer, Outage, read_timeline, write_timeline};
    use std::time::{Duration, UNIX_EPOCH};

    fn at(ms: u64, status: u16) -> Answer {
        Answer { at: UNIX_EPOCH + Duration::from_millis(ms), status }
    }

    #[test]
    fn the_window_runs_from_the_first_refusal_after_the_kill_to_the_last() {
        let answers = [
            at(900, 503),
            at(1_000, 201),
            at(1_500, 201),
            at(2_000, 0),
            at(5_000, 503),
            at(4_000, 503),
            at(6_000, 200),
        ];
        let outage = Outage::around(&answers, UNIX_EPOCH + Duration::from_millis(1_200));
        assert_eq!(outage.refused_before_kill, 1);
        assert_eq!(outage.refused, 3);
        assert_eq!(outage.first_refusal, Some(Duration::from_millis(800)));
        assert_eq!(outage.last_refusal, Some(Duration::from_millis(3_800)));
        assert_eq!(outage.window(), Duration::from_millis(3_000));
        assert_eq!(outage.recovered, Some(Duration::from_millis(4_800)));
        assert_eq!(outage.acknowledged_after, 1);
    }

    #[test]
    fn a_timeline_reads_back_as_written() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("timeline.csv");
        let answers = [at(1_700_000_000_123, 201), at(1_700_000_000_456, 0)];
        write_timeline(&path, &answers).expect("written");
        assert_eq!(read_timeline(&path).expect("read"), answers);
    }
}
