//! What became of the confirmations sent through the gateway: messages per
//! state, per language and per centre, from the outbox.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use campaign::Lang;
use serde_json::{Value, json};
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

    fn to_json(self) -> Value {
        json!({
            "pending": self.pending, "in_doubt": self.in_doubt, "sent": self.sent,
            "delivered": self.delivered, "failed": self.failed, "total": self.total(),
        })
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

/// One labelled row of the report page's table: every message, then per
/// round and per language; none when nothing is queued.
pub fn rows(counts: &[OutboxCount]) -> Vec<(String, StateCounts)> {
    if counts.is_empty() {
        return Vec::new();
    }
    let all = grouped(counts, |_| ()).remove(&()).unwrap_or_default();
    let rounds = grouped(counts, |c| c.round).into_iter().map(|(round, s)| (format!("Round {round}"), s));
    let langs =
        grouped(counts, |c| c.lang).into_iter().map(|(lang, s)| (format!("Sent in {}", language_name(lang)), s));
    std::iter::once(("All messages".to_owned(), all)).chain(rounds).chain(langs).collect()
}

/// How a language reads in the (English) report page.
fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Ms => "Malay",
    }
}

/// For report.json: every message, per round and per language (nothing
/// queued: all zero and both maps empty).
pub fn to_json(counts: &[OutboxCount]) -> Value {
    let all = grouped(counts, |_| ()).remove(&()).unwrap_or_default();
    let by_round: serde_json::Map<String, Value> =
        grouped(counts, |c| c.round).into_iter().map(|(round, s)| (round.to_string(), s.to_json())).collect();
    let by_lang: serde_json::Map<String, Value> =
        grouped(counts, |c| c.lang.code()).into_iter().map(|(lang, s)| (lang.to_owned(), s.to_json())).collect();
    json!({ "all": all.to_json(), "by_round": by_round, "by_lang": by_lang })
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
        let json = to_json(&counts);
        assert_eq!((json["all"]["delivered"].as_u64(), json["all"]["total"].as_u64()), (Some(7), Some(10)));
        assert_eq!(json["by_round"]["1"]["in_doubt"].as_u64(), Some(2));
        assert_eq!(json["by_lang"]["en"]["failed"].as_u64(), Some(1));
        let labels: Vec<String> = rows(&counts).into_iter().map(|(label, _)| label).collect();
        assert_eq!(labels, ["All messages", "Round 1", "Sent in English", "Sent in Malay"]);
    }

    #[test]
    fn nothing_queued_is_zero_and_no_rows() {
        assert!(rows(&[]).is_empty());
        let json = to_json(&[]);
        assert_eq!(json["all"]["total"].as_u64(), Some(0));
        assert_eq!(json["by_round"], json!({}));
    }
}
