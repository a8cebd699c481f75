//! `allocator run`: read every application, allocate, and store the result
//! in one transaction, refusing what would be a mistake.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use campaign::application::DayPick;
use campaign::catalogue::{CAMPAIGN_FILE, CENTRES_FILE, CLOSURES_FILE};
use campaign::{Catalogue, RegistrationStatus};
use sha2::{Digest, Sha256};
use store::{AllocationInput, AllocationRow, Appointment, RunRecord, Store};
use time::OffsetDateTime;

use crate::rule::{self, Applicant, Outcome, Pick};

/// A spinner with the stage and elapsed time on a terminal; nothing
/// otherwise (the log lines say the same for files and collectors).
fn stage(message: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The rule's name, stored with every run.
pub const RULE: &str = "serial-dictatorship-by-age/1";

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The lottery seed.
    pub seed: String,
    /// Replace a stored allocation.
    pub replace: bool,
    /// Run even though registration is still open.
    pub force: bool,
    /// Now, for the registration check.
    pub now: OffsetDateTime,
}

/// Whether the run may go ahead, checked before a seed is drawn so that a
/// refused run prints none: registration must be closed (unless `force`,
/// which makes a trial), and a stored run is kept unless `replace` or it is
/// a trial that a real run supersedes. Returns whether this run is a trial.
pub async fn preflight(
    store: &Store,
    catalogue: &Catalogue,
    replace: bool,
    force: bool,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let campaign = catalogue.campaign();
    let trial = campaign.registration_status(now) != RegistrationStatus::Closed;
    if trial && !force {
        bail!(
            "registration is still open until {}: allocating now would leave out later applicants (use --force for a trial run)",
            campaign::dates::format_instant(campaign.registration_closes())
        );
    }
    if let Some(existing) = store.current_run().await? {
        if existing.trial && !trial {
            tracing::info!(run = existing.run_id, "the stored trial run will be replaced by this real run");
        } else if !replace {
            let kind = if existing.trial { "a trial allocation" } else { "an allocation" };
            bail!("{kind} (run {}) is already stored: pass --replace to replace it", existing.run_id);
        } else {
            tracing::warn!(run = existing.run_id, "the stored allocation will be replaced");
        }
    }
    Ok(trial)
}

/// Reads, allocates and stores; returns the stored run.
pub async fn run(store: &Store, catalogue: &Catalogue, data: &Path, options: &RunOptions) -> anyhow::Result<RunRecord> {
    let started_at = options.now;
    let campaign = catalogue.campaign();
    // First of all: a seed other than the committed one must not even be tried.
    let seed_check = crate::seed::check_seed(campaign.lottery_commitment(), &options.seed)?;
    let trial = preflight(store, catalogue, options.replace, options.force, options.now).await?;

    let clock = Instant::now();
    let progress = stage("reading applications");
    let store::AllocationInputs { rows, digest } =
        store.read_allocation_inputs().await.context("cannot read the applications")?;
    progress.finish_and_clear();
    let read_seconds = clock.elapsed().as_secs_f64();
    tracing::info!(applications = rows.len(), seconds = format!("{read_seconds:.2}"), "read");

    let clock = Instant::now();
    let progress = stage("allocating");
    let applicants = to_applicants(&rows, catalogue)?;
    let mut decisions = rule::allocate(catalogue, &applicants, &options.seed);
    drop(applicants);
    // The inputs arrive in reference order; results in the same order let
    // the store write them in key order without sorting two million strings.
    decisions.sort_unstable_by_key(|d| d.applicant);
    let days: Vec<_> = campaign.days().collect();
    let windows = campaign.windows();
    let applicant_count = rows.len() as u64;
    let mut allocated = 0u64;
    // Each input's strings move into its result instead of being copied,
    // pairing the sorted decisions with the inputs: only right if there is
    // exactly one decision per applicant, which is checked, not assumed.
    if decisions.len() != rows.len() || decisions.iter().enumerate().any(|(index, d)| d.applicant != index) {
        bail!(
            "the rule gave {} decisions for {} applicants, not one each: nothing stored",
            decisions.len(),
            rows.len()
        );
    }
    let results: Vec<AllocationRow> = decisions
        .iter()
        .zip(rows)
        .map(|(d, row)| {
            let (appointment, waitlist_position) = match d.outcome {
                Outcome::Allocated { day, window, met } => {
                    allocated += 1;
                    let window = windows[usize::from(window)];
                    (Some(Appointment { date: days[usize::from(day)], window, met }), None)
                }
                Outcome::Waitlisted { position } => (None, Some(u64::from(position))),
            };
            AllocationRow {
                reference: row.reference,
                priority: u64::from(d.priority),
                lottery: d.lottery,
                centre_id: row.centre_id,
                appointment,
                waitlist_position,
                declined: false,
                round: store::FIRST_ROUND,
            }
        })
        .collect();
    let allocate_seconds = clock.elapsed().as_secs_f64();
    progress.finish_and_clear();
    tracing::info!(seconds = format!("{allocate_seconds:.2}"), "allocated");
    let input_fingerprint = input_fingerprint(data, &digest)?;
    // Free the decisions before the write, which needs memory of its own.
    drop(decisions);
    let run_id = hex::encode(&Sha256::digest(format!("{}\u{1f}{input_fingerprint}", options.seed))[..8]);
    let clock = Instant::now();
    let mut record = RunRecord {
        run_id,
        seed: options.seed.clone(),
        input_fingerprint,
        lottery_commitment: seed_check.commitment().map(ToString::to_string),
        rule: RULE.to_owned(),
        started_at,
        finished_at: started_at + time::Duration::seconds_f64(read_seconds + allocate_seconds),
        applicants: applicant_count,
        allocated,
        waitlisted: applicant_count - allocated,
        read_seconds,
        allocate_seconds,
        write_seconds: 0.0,
        trial,
    };
    let progress = stage("writing the allocation (one transaction)");
    store.save_allocation(record.clone(), results, options.replace).await.context("cannot store the allocation")?;
    progress.finish_and_clear();
    record.write_seconds = clock.elapsed().as_secs_f64();
    tracing::info!(
        run = record.run_id,
        allocated = record.allocated,
        waitlisted = record.waitlisted,
        allocate_seconds = format!("{allocate_seconds:.2}"),
        write_seconds = format!("{:.2}", record.write_seconds),
        "stored"
    );
    Ok(record)
}

/// The rule's view of the stored applications. Choices are read leniently:
/// a day that is no longer a campaign day simply never has room (the
/// calendar may have changed after people applied); a centre that is no
/// longer in the catalogue is an error, since its applicants could go nowhere.
pub fn to_applicants(rows: &[AllocationInput], catalogue: &Catalogue) -> anyhow::Result<Vec<Applicant>> {
    let campaign = catalogue.campaign();
    let mut unknown = Vec::new();
    let applicants = rows
        .iter()
        .filter_map(|row| {
            let Some(centre) = campaign::CentreId::parse(&row.centre_id).and_then(|id| catalogue.centre_index(&id))
            else {
                unknown.push(format!("{} (centre {})", row.reference, row.centre_id));
                return None;
            };
            let picks = campaign
                .weeks()
                .map(|week| match row.choices.get(week.index()) {
                    Some(DayPick::AnyDay) => Pick::AnyOfWeek(u8::try_from(week.index()).unwrap_or(u8::MAX)),
                    Some(DayPick::Date(day)) => Some(*day)
                        .filter(|d| campaign.week_of(*d) == Some(week))
                        .map(|d| Pick::Day(u16::try_from((d - campaign.first_day()).whole_days()).unwrap_or(u16::MAX)))
                        .unwrap_or(Pick::Unavailable),
                    None => Pick::Unavailable,
                })
                .collect();
            Some(Applicant {
                reference: row.reference.clone(),
                birth_date: row.birth_date,
                centre,
                picks,
                accept_other_dates: row.accept_other_dates,
            })
        })
        .collect();
    if !unknown.is_empty() {
        bail!(
            "{} applications name centres that are not in the catalogue, e.g. {}: restore those centres in centres.csv",
            unknown.len(),
            unknown.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(applicants)
}

/// SHA-256 over the campaign files and the applications' digest (every
/// reference and fingerprint, in reference order): same input, same value.
pub(crate) fn input_fingerprint(data: &Path, applications_digest: &str) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    for file in [CAMPAIGN_FILE, CENTRES_FILE, CLOSURES_FILE] {
        let bytes =
            std::fs::read(data.join(file)).with_context(|| format!("cannot read {}", data.join(file).display()))?;
        hasher.update(&bytes);
        hasher.update([0x1e]);
    }
    hasher.update(applications_digest.as_bytes());
    Ok(hex::encode(hasher.finalize()))
}
