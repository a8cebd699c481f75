//! `allocator round`: read the stored allocation, declines and
//! applications, run [`crate::round`], and store the round in one
//! transaction, refusing what would be a mistake.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, bail};
use campaign::Catalogue;
use sha2::{Digest, Sha256};
use store::{AllocationRow, RoundRecord, RoundSave, Store};
use time::{Date, OffsetDateTime};

use crate::round::{RoundInput, allocate_round};

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct RoundOptions {
    /// The first day whose places may be given.
    pub not_before: Date,
    /// Redo the last round instead of adding one.
    pub replace: bool,
    /// Now: the round's instant, and the check that `not_before` is after today.
    pub now: OffsetDateTime,
}

/// Runs and stores a round; returns its record.
pub async fn run_round(
    store: &Store,
    catalogue: &Catalogue,
    data: &Path,
    options: &RoundOptions,
) -> anyhow::Result<RoundRecord> {
    let campaign = catalogue.campaign();
    let today = options.now.to_offset(campaign.registration_closes().offset()).date();
    if options.not_before <= today {
        bail!(
            "--not-before {} is not after today ({}): give the first day whose places can still be offered, leaving time to send the messages",
            campaign::dates::format_date(options.not_before),
            campaign::dates::format_date(today)
        );
    }
    if options.not_before > campaign.last_day() {
        bail!(
            "--not-before {} is after the campaign's last day ({}): there is no place left to give",
            campaign::dates::format_date(options.not_before),
            campaign::dates::format_date(campaign.last_day())
        );
    }
    let run = store.current_run().await?.context("no allocation is stored: run `allocator run` first")?;
    if run.trial {
        bail!("the stored allocation (run {}) is a trial: rounds follow the real allocation only", run.run_id);
    }
    let last = store.rounds().await?.last().map_or(store::FIRST_ROUND, |r| r.round);
    let (round, save) = if options.replace {
        if last == store::FIRST_ROUND {
            bail!(
                "no round is stored to redo: run `allocator round` without --replace (`allocator run --replace` redoes the first run)"
            );
        }
        (last, RoundSave::ReplaceLast)
    } else {
        (last + 1, RoundSave::Append)
    };

    let inputs = store.read_allocation_inputs().await.context("cannot read the applications")?;
    let mut allocations = store.all_allocations().await?;
    if options.replace {
        // The state the last round started from.
        let before: HashMap<String, store::RoundChange> =
            store.round_changes(round).await?.into_iter().map(|c| (c.reference.clone(), c)).collect();
        for row in &mut allocations {
            if let Some(change) = before.get(&row.reference) {
                change.restore(row);
            }
        }
    }
    // A declined person takes part if their latest decline asked to rejoin.
    let mut latest: HashMap<&str, &store::DeclineRecord> = HashMap::new();
    let declines = store.declines().await?;
    for d in &declines {
        let entry = latest.entry(d.reference.as_str()).or_insert(d);
        if d.round >= entry.round {
            *entry = d;
        }
    }
    let rejoined: HashSet<String> =
        latest.values().filter(|d| d.rejoined_at.is_some()).map(|d| d.reference.clone()).collect();

    // One allocation row per application, in the inputs' (reference) order.
    let mut by_reference: HashMap<String, AllocationRow> =
        allocations.into_iter().map(|r| (r.reference.clone(), r)).collect();
    let mut rows = Vec::with_capacity(inputs.rows.len());
    for input in &inputs.rows {
        match by_reference.remove(&input.reference) {
            Some(row) => rows.push(row),
            None => bail!(
                "application {} was stored after run {} and is in no allocation: rounds cannot take in late applications",
                input.reference,
                run.run_id
            ),
        }
    }
    let applicants = crate::run::to_applicants(&inputs.rows, catalogue)?;
    let fingerprint = crate::run::input_fingerprint(
        data,
        &format!("{}{}", inputs.digest, state_digest(&rows, &rejoined, options.not_before, round)),
    )?;
    let outcome = allocate_round(&RoundInput {
        catalogue,
        applicants: &applicants,
        allocations: &rows,
        rejoined: &rejoined,
        seed: &run.seed,
        not_before: options.not_before,
        round,
    });
    let record = RoundRecord {
        run_id: run.run_id.clone(),
        round,
        started_at: options.now,
        not_before: options.not_before,
        input_fingerprint: fingerprint,
        waiting: outcome.waiting,
        freed: outcome.freed,
        given: outcome.given,
        left_free: outcome.left_free,
    };
    store.save_round(record.clone(), outcome.changed, save).await.context("cannot store the round")?;
    Ok(record)
}

/// SHA-256 (hex) over what a round reads besides the applications: every
/// allocation row's situation, who rejoined, and the round's arguments.
fn state_digest(rows: &[AllocationRow], rejoined: &HashSet<String>, not_before: Date, round: u32) -> String {
    let mut hasher = Sha256::new();
    for row in rows {
        let appointment = row.appointment.map(|a| {
            format!("{} {}", campaign::dates::format_date(a.date), campaign::dates::format_time(a.window.start))
        });
        hasher.update(
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1e}",
                row.reference,
                row.status(),
                appointment.unwrap_or_default(),
                row.waitlist_position.unwrap_or_default(),
                row.round,
                rejoined.contains(&row.reference)
            )
            .as_bytes(),
        );
    }
    hasher.update(format!("{}\u{1f}{round}", campaign::dates::format_date(not_before)).as_bytes());
    hex::encode(hasher.finalize())
}
