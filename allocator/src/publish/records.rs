//! The one place that reads the stored rows' fields for the published
//! results: what each applicant's record holds, and the secret that
//! seals it. Nothing that names a person leaves this module.

use std::collections::HashMap;

use anyhow::Context;
use result_files::{ResultRecord, Secret};
use store::{AllocationRow, ApplicationRow};

/// Every allocation with the secret (reference and birth date) that opens it.
pub fn results(
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
) -> anyhow::Result<Vec<(Secret, ResultRecord)>> {
    let birth_dates: HashMap<&str, time::Date> =
        applications.iter().map(|a| (a.reference.as_str(), a.birth_date)).collect();
    allocations
        .iter()
        .map(|allocation| {
            let birth_date = *birth_dates
                .get(allocation.reference.as_str())
                .with_context(|| format!("allocation {} has no application", allocation.reference))?;
            let secret = Secret::new(&allocation.reference, birth_date)
                .with_context(|| format!("stored reference {:?} is not one", allocation.reference))?;
            Ok((secret, record(allocation)))
        })
        .collect()
}

fn record(allocation: &AllocationRow) -> ResultRecord {
    match &allocation.appointment {
        Some(a) => ResultRecord::allocated(
            &allocation.centre_id,
            &campaign::dates::format_date(a.date),
            &a.window.to_string(),
            &allocation.choice_met_text(),
        ),
        None => ResultRecord::waitlisted(&allocation.centre_id, allocation.waitlist_position.unwrap_or_default()),
    }
}
