//! The rehearsal's second round: after the first allocation, a share of the
//! people holding a place decline it through intake's real decline route,
//! then `allocator round` gives the freed places to the waiting list. The
//! checks: every decline answered 200 and stored once; the round accounts
//! for every place it found free (given, or left free because nobody
//! waiting wanted it); nobody who held a place lost or moved it.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, ensure};
use store::{AllocationRow, Store};
use tokio::task::JoinSet;

use crate::instances::Instances;

/// Declines in flight at once, across the instances.
const CONCURRENT: usize = 16;

/// What the decline phase and the round did.
pub struct RoundCheck {
    /// Places declined through intake.
    pub declined: u64,
    /// Of them, people who asked to rejoin the waiting list.
    pub rejoined: u64,
    /// The round's record.
    pub round: store::RoundRecord,
    /// Holders before the round who kept exactly their place.
    pub holders_kept: u64,
}

impl RoundCheck {
    /// One line for the table.
    pub fn describe(&self) -> String {
        let r = &self.round;
        format!(
            "{} declined via intake ({} rejoin); round {}: {} free = {} given + {} left free; {} holders kept their place",
            self.declined, self.rejoined, r.round, r.freed, r.given, r.left_free, self.holders_kept
        )
    }
}

/// Where and how to run the phase.
pub struct Phase<'a> {
    /// The release binaries.
    pub bin: &'a Path,
    /// The campaign files.
    pub data: &'a Path,
    /// The database.
    pub database_url: &'a str,
    /// An instant after registration closed, before the campaign (RFC 3339).
    pub after: &'a str,
    /// Intake instances to decline through.
    pub instances: usize,
    /// The share of holders who decline.
    pub share: f64,
    /// Logs folder.
    pub logs: &'a Path,
}

/// Declines a share of the held places through intake, runs round 2, and checks it.
pub async fn decline_and_round(store: &Store, phase: &Phase<'_>) -> anyhow::Result<RoundCheck> {
    let ids: HashMap<String, String> =
        store.all_applications().await?.into_iter().map(|a| (a.reference, a.id_number)).collect();
    let before = store.all_allocations().await?;
    let holders: Vec<&AllocationRow> = before.iter().filter(|a| a.appointment.is_some()).collect();
    // Every k-th holder in stored order: the same people on every rehearsal of the same seed.
    let step = (1.0 / phase.share).round().max(1.0) as usize;
    let chosen: Vec<(String, String, bool)> = holders
        .iter()
        .step_by(step)
        .enumerate()
        .map(|(i, a)| (a.reference.clone(), ids[&a.reference].clone(), i % 2 == 0))
        .collect();

    let mut instances =
        Instances::start(phase.bin, phase.data, phase.database_url, phase.after, phase.instances, phase.logs)?;
    instances.wait_ready(std::time::Duration::from_secs(30)).await?;
    let urls = instances.submit_urls();
    let sent = send_declines(&urls, &chosen).await;
    instances.stop_all()?;
    sent?;

    let declines = store.declines().await?;
    ensure!(declines.len() == chosen.len(), "{} declines answered 200, {} stored", chosen.len(), declines.len());
    let rejoined = declines.iter().filter(|d| d.rejoined_at.is_some()).count() as u64;
    ensure!(rejoined == chosen.iter().filter(|c| c.2).count() as u64, "rejoin requests stored wrongly");

    let first_day = campaign::Catalogue::load(phase.data)?.campaign().first_day();
    let not_before = campaign::dates::format_date(first_day);
    let output = Command::new(phase.bin.join("allocator"))
        .arg("round")
        .args(["--database-url", phase.database_url, "--data"])
        .arg(phase.data)
        .args(["--not-before", &not_before, "--pretend-now", phase.after])
        .output()
        .context("cannot run allocator round")?;
    ensure!(output.status.success(), "allocator round failed: {}", String::from_utf8_lossy(&output.stderr));

    let round = store.rounds().await?.pop().context("allocator round stored no round")?;
    ensure!(round.round == 2, "the round stored is round {}, not 2", round.round);
    ensure!(
        round.freed == round.given + round.left_free,
        "round 2 found {} places free but gave {} and left {} free",
        round.freed,
        round.given,
        round.left_free
    );
    ensure!(
        round.freed >= declines.len() as u64,
        "round 2 found {} free after {} declines",
        round.freed,
        declines.len()
    );
    let after = store.all_allocations().await?;
    let now: HashMap<&str, &AllocationRow> = after.iter().map(|a| (a.reference.as_str(), a)).collect();
    let declined: std::collections::HashSet<&str> = chosen.iter().map(|c| c.0.as_str()).collect();
    let mut holders_kept = 0;
    for holder in holders.iter().filter(|h| !declined.contains(h.reference.as_str())) {
        let kept = now.get(holder.reference.as_str()).is_some_and(|a| a.appointment == holder.appointment);
        ensure!(kept, "{} held a place before round 2 and does not after", holder.reference);
        holders_kept += 1;
    }
    let given = after.iter().filter(|a| a.round == 2 && a.appointment.is_some()).count() as u64;
    ensure!(given == round.given, "round 2 says it gave {} places, {given} rows hold one from it", round.given);
    Ok(RoundCheck { declined: chosen.len() as u64, rejoined, round, holders_kept })
}

/// Posts each decline as JSON to the instances in turn, a few at a time;
/// every one must be answered 200.
async fn send_declines(urls: &[String], chosen: &[(String, String, bool)]) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build()?;
    let mut pending = JoinSet::new();
    for (i, (reference, id_number, rejoin)) in chosen.iter().enumerate() {
        if pending.len() >= CONCURRENT
            && let Some(done) = pending.join_next().await
        {
            done.context("a decline task")??;
        }
        let url = format!("{}/{reference}/decline", urls[i % urls.len()]);
        let body = serde_json::json!({ "id_number": id_number, "rejoin": rejoin });
        let request = client.post(url).json(&body);
        let reference = reference.clone();
        pending.spawn(async move {
            let response = request.send().await.with_context(|| format!("declining {reference}"))?;
            let status = response.status();
            ensure!(status == 200, "declining {reference}: {status} {}", response.text().await.unwrap_or_default());
            anyhow::Ok(())
        });
    }
    while let Some(done) = pending.join_next().await {
        done.context("a decline task")??;
    }
    Ok(())
}
