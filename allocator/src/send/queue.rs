//! The messages to queue: the same text `allocator confirmations` writes,
//! one per applicant (or per applicant a round changed), as outbox rows.

use std::collections::HashMap;

use anyhow::Context;
use campaign::Catalogue;
use store::{AllocationRow, ApplicationRow, NewMessage, OutboxChannel};

use crate::confirm::sms;
use crate::result_link::SiteUrl;

/// One SMS for every applicant who did not decline, under round 1; with
/// `round`, only for those whose situation round `round` changed.
pub fn sms_messages(
    catalogue: &Catalogue,
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
    run_id: &str,
    round: Option<u32>,
    site: Option<&SiteUrl>,
) -> anyhow::Result<Vec<NewMessage>> {
    let by_reference: HashMap<&str, &ApplicationRow> = applications.iter().map(|a| (a.reference.as_str(), a)).collect();
    allocations
        .iter()
        .filter(|a| !a.declined && round.is_none_or(|r| a.round == r))
        .map(|allocation| {
            let application = by_reference
                .get(allocation.reference.as_str())
                .with_context(|| format!("allocation {} has no application", allocation.reference))?;
            Ok(NewMessage {
                run_id: run_id.to_owned(),
                round: round.unwrap_or(store::FIRST_ROUND),
                reference: allocation.reference.clone(),
                channel: OutboxChannel::Sms,
                recipient: application.phone.clone(),
                lang: application.lang,
                centre_id: allocation.centre_id.clone(),
                body: sms(catalogue, application.lang, allocation, &application.full_name, site),
            })
        })
        .collect()
}
