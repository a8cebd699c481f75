//! Confirmations: exactly one message for every applicant, allocated or
//! not, written as an outbox for an SMS/email gateway.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use campaign::{Catalogue, Lang, Messages};
use store::{AllocationRow, ApplicationRow};

use crate::gsm7;
use crate::output::{neutralise, private_file};

/// The outbox's columns, in order.
pub const COLUMNS: [&str; 12] = [
    "reference",
    "phone",
    "email",
    "lang",
    "status",
    "centre_id",
    "centre_name",
    "centre_address",
    "date",
    "time_window",
    "choice_met",
    "message",
];

/// The SMS for one applicant, within one GSM-7 segment.
pub fn sms(catalogue: &Catalogue, lang: Lang, allocation: &AllocationRow) -> String {
    let m = Messages::of(lang);
    let centre_name =
        catalogue.centre(&allocation.centre_id).map_or(allocation.centre_id.as_str(), |c| c.name.as_str());
    let render = |centre: &str| -> String {
        let text = match &allocation.appointment {
            Some(a) => m.render(
                "sms.allocated",
                &[
                    ("date", &m.date(a.date)),
                    ("time", &format!("{}-{}", a.window_start, a.window_end)),
                    ("centre", centre),
                    ("reference", &allocation.reference),
                ],
            ),
            None => m.render(
                "sms.waitlisted",
                &[
                    ("centre", centre),
                    ("position", &allocation.waitlist_position.unwrap_or_default().to_string()),
                    ("reference", &allocation.reference),
                ],
            ),
        };
        gsm7::to_gsm7(&text)
    };
    let fits = |text: &str| gsm7::septets(text).is_some_and(|n| n <= gsm7::SEGMENT);
    let full = render(centre_name);
    if fits(&full) {
        return full;
    }
    // Too long: shorten the centre's name word by word ("Pusat Pemberian
    // Vaksin..."), and as a last resort give its id, which staff can look up.
    let words: Vec<&str> = centre_name.split_whitespace().collect();
    (1..words.len())
        .rev()
        .map(|n| render(&format!("{}...", words[..n].join(" "))))
        .find(|text| fits(text))
        .unwrap_or_else(|| render(&allocation.centre_id))
}

/// Writes `out/confirmations.csv`: one row per applicant, in priority order,
/// with any cell that a spreadsheet would run written as text ([`neutralise`]).
pub fn write_outbox(
    catalogue: &Catalogue,
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
    out: &Path,
) -> anyhow::Result<PathBuf> {
    let by_reference: HashMap<&str, &ApplicationRow> = applications.iter().map(|a| (a.reference.as_str(), a)).collect();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let path = out.join("confirmations.csv");
    let mut writer = csv::Writer::from_writer(private_file(&path)?);
    writer.write_record(COLUMNS)?;
    for allocation in allocations {
        let application = by_reference
            .get(allocation.reference.as_str())
            .with_context(|| format!("allocation {} has no application", allocation.reference))?;
        let lang = application.lang.parse::<Lang>().unwrap_or_default();
        let centre = catalogue.centre(&allocation.centre_id);
        let (date, window) = allocation.appointment.as_ref().map_or((String::new(), String::new()), |a| {
            (campaign::dates::format_date(a.date), format!("{}-{}", a.window_start, a.window_end))
        });
        let cells = [
            allocation.reference.as_str(),
            application.phone.as_str(),
            application.email.as_deref().unwrap_or(""),
            lang.code(),
            allocation.status(),
            allocation.centre_id.as_str(),
            centre.map_or("", |c| c.name.as_str()),
            centre.map_or("", |c| c.address.as_str()),
            &date,
            &window,
            allocation.choice_met.as_str(),
            &sms(catalogue, lang, allocation),
        ];
        writer.write_record(cells.map(neutralise).iter().map(|cell| cell.as_bytes()))?;
    }
    writer.flush()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use store::Appointment;
    use time::macros::date;

    use super::*;

    fn sample() -> Catalogue {
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample data")
    }

    fn allocation(centre: &str, appointment: Option<Appointment>) -> AllocationRow {
        AllocationRow {
            reference: "WWWWW-WWWWW".into(),
            priority: 1,
            lottery: 0,
            centre_id: centre.into(),
            waitlist_position: appointment.is_none().then_some(999_999),
            appointment,
            choice_met: "week1".into(),
        }
    }

    #[test]
    fn every_sms_fits_one_gsm7_segment_for_every_centre_in_both_languages() {
        let catalogue = sample();
        let slot =
            Appointment { date: date!(2028 - 01 - 19), window_start: "16:00".into(), window_end: "17:00".into() };
        let mut shortened = 0;
        for centre in catalogue.centres() {
            for lang in Lang::ALL {
                for appointment in [Some(slot.clone()), None] {
                    let text = sms(&catalogue, lang, &allocation(centre.id.as_str(), appointment));
                    let n = gsm7::septets(&text).unwrap_or(usize::MAX);
                    assert!(n <= gsm7::SEGMENT, "{lang} {}: {n} septets: {text}", centre.id);
                    assert!(text.contains("WWWWW-WWWWW"), "the reference is always there: {text}");
                    shortened += usize::from(!text.contains(&centre.name));
                }
            }
        }
        assert!(shortened > 0, "the sample has names long enough to need shortening");
    }

    #[test]
    fn a_long_name_is_shortened_at_a_word_and_a_short_one_is_kept() {
        let catalogue = sample();
        let longest = catalogue.centres().iter().max_by_key(|c| c.name.len()).expect("centres");
        let text = sms(&catalogue, Lang::En, &allocation(longest.id.as_str(), None));
        assert!(text.contains("..."), "{text}");
        let shortest = catalogue.centres().iter().min_by_key(|c| c.name.len()).expect("centres");
        let slot =
            Appointment { date: date!(2028 - 01 - 10), window_start: "09:00".into(), window_end: "10:00".into() };
        let text = sms(&catalogue, Lang::Ms, &allocation(shortest.id.as_str(), Some(slot)));
        assert_eq!(
            text,
            format!(
                "Vaksinasi Isn 10 Jan 2028 09:00-10:00 di {}. Ruj WWWWW-WWWWW. Bawa kad pengenalan.",
                shortest.name
            )
        );
    }
}
