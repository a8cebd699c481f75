//! What became of the confirmations sent through the gateway: messages per
//! state, per language and per centre, from the outbox.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use store::{OutboxCount, OutboxState};

/// Columns of `messages.csv`: one row per round, language and centre.
pub const COLUMNS: [&str; 9] =
    ["round", "lang", "centre_id", "pending", "in_doubt", "sent", "delivered", "failed", "total"];

/// Counts per state, in [`COLUMNS`] order (sending counts as in doubt: a
/// send is claiming it now, or died while it did).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateCounts {
    /// Not sent yet.
    pub pending: u64,
    /// Sent or not, unknown yet.
    pub in_doubt: u64,
    /// Taken by the gateway, no final report yet.
    pub sent: u64,
    /// Reported delivered.
    pub delivered: u64,
    /// Refused or reported failed.
    pub failed: u64,
}

impl StateCounts {
    fn add(&mut self, state: OutboxState, n: u64) {
        let slot = match state {
            OutboxState::Pending => &mut self.pending,
            OutboxState::Sending | OutboxState::InDoubt => &mut self.in_doubt,
            OutboxState::Sent => &mut self.sent,
            OutboxState::Delivered => &mut self.delivered,
            OutboxState::Failed => &mut self.failed,
        };
        *slot += n;
    }

    /// Every message.
    pub fn total(&self) -> u64 {
        self.pending + self.in_doubt + self.sent + self.delivered + self.failed
    }

    fn cells(&self) -> [String; 6] {
        [self.pending, self.in_doubt, self.sent, self.delivered, self.failed, self.total()].map(|n| n.to_string())
    }
}

/// Counts per key.
pub fn grouped<K: Ord>(counts: &[OutboxCount], key: impl Fn(&OutboxCount) -> K) -> BTreeMap<K, StateCounts> {
    let mut groups: BTreeMap<K, StateCounts> = BTreeMap::new();
    for c in counts {
        groups.entry(key(c)).or_default().add(c.state, c.count);
    }
    groups
}

/// Lines for the printed summary: every message, then per language.
pub fn summary(counts: &[OutboxCount]) -> String {
    if counts.is_empty() {
        return "messages: none queued (allocator send queues and sends them)\n".to_owned();
    }
    let line = |label: &str, s: &StateCounts| {
        format!(
            "messages{label}: {} delivered, {} sent (no final report yet), {} failed, {} pending, {} in doubt\n",
            s.delivered, s.sent, s.failed, s.pending, s.in_doubt
        )
    };
    let mut text = line("", &grouped(counts, |_| ()).remove(&()).unwrap_or_default());
    for (lang, s) in grouped(counts, |c| c.lang.code()) {
        text.push_str(&line(&format!(" ({lang})"), &s));
    }
    text
}

/// Writes `out/messages.csv`.
pub fn write(out: &Path, counts: &[OutboxCount]) -> anyhow::Result<PathBuf> {
    let path = out.join("messages.csv");
    let mut writer = csv::Writer::from_path(&path)?;
    writer.write_record(COLUMNS)?;
    for ((round, lang, centre), s) in grouped(counts, |c| (c.round, c.lang.code(), c.centre_id.clone())) {
        let mut record = vec![round.to_string(), lang.to_owned(), centre];
        record.extend(s.cells());
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use campaign::Lang;

    use super::*;

    fn count(lang: Lang, centre: &str, state: OutboxState, count: u64) -> OutboxCount {
        OutboxCount { round: 1, lang, centre_id: centre.into(), state, count }
    }

    #[test]
    fn counts_add_up_per_language_and_centre() {
        let counts = [
            count(Lang::En, "A", OutboxState::Delivered, 3),
            count(Lang::En, "B", OutboxState::Failed, 1),
            count(Lang::Ms, "A", OutboxState::Sending, 2),
            count(Lang::Ms, "A", OutboxState::Delivered, 4),
        ];
        let by_lang = grouped(&counts, |c| c.lang.code());
        assert_eq!((by_lang["en"].delivered, by_lang["en"].failed, by_lang["en"].total()), (3, 1, 4));
        assert_eq!((by_lang["ms"].in_doubt, by_lang["ms"].total()), (2, 6));
        let text = summary(&counts);
        assert!(
            text.starts_with("messages: 7 delivered, 0 sent (no final report yet), 1 failed, 0 pending, 2 in doubt"),
            "{text}"
        );
        assert!(text.contains("messages (ms): 4 delivered"), "{text}");
    }
}
