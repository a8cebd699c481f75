//! Confirmations: exactly one message for every applicant, allocated or
//! not, written as an outbox for an SMS/email gateway.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use campaign::{Catalogue, Lang, Messages};
use store::{AllocationRow, ApplicationRow};

use crate::gsm7;
use crate::output::{neutralise, private_file, run_file_name};
use crate::result_link::SiteUrl;

/// The outbox's columns, in order.
pub const COLUMNS: [&str; 13] = [
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
    // The round whose result the message gives: 1 for the first run.
    "round",
    "message",
];

/// The SMS for one applicant, within one GSM-7 segment. It says whom it is
/// for (a family may share one phone) and names the centre by its code,
/// which is unique, followed by as much of its name as fits. With a site,
/// it ends with the result page's address, the reference in its fragment.
pub fn sms(
    catalogue: &Catalogue,
    lang: Lang,
    allocation: &AllocationRow,
    full_name: &str,
    site: Option<&SiteUrl>,
) -> String {
    let m = Messages::of(lang);
    let link = site.map(|s| s.result_link(lang, &allocation.reference)).unwrap_or_default();
    let (allocated, waitlisted) = if site.is_some() {
        ("sms.allocated_link", "sms.waitlisted_link")
    } else {
        ("sms.allocated", "sms.waitlisted")
    };
    let render = |name: &str, centre: &str| -> String {
        let text = match &allocation.appointment {
            Some(a) => m.render(
                allocated,
                &[
                    ("name", name),
                    ("date", &m.date(a.date)),
                    ("time", &a.window.to_string()),
                    ("centre", centre),
                    ("reference", &allocation.reference),
                    ("link", &link),
                ],
            ),
            None => m.render(
                waitlisted,
                &[
                    ("name", name),
                    ("centre", centre),
                    ("position", &allocation.waitlist_position.unwrap_or_default().to_string()),
                    ("reference", &allocation.reference),
                    ("link", &link),
                ],
            ),
        };
        gsm7::to_gsm7(&text)
    };
    let fits = |text: &str| gsm7::septets(text).is_some_and(|n| n <= gsm7::SEGMENT);
    let centres = centre_labels(catalogue, &allocation.centre_id);
    let names = [full_name.split_whitespace().collect::<Vec<_>>().join(" "), initials(full_name)];
    names
        .iter()
        .flat_map(|name| centres.iter().map(move |centre| (name, centre)))
        .map(|(name, centre)| render(name, centre))
        .find(|text| fits(text))
        .unwrap_or_else(|| render(&names[1], &allocation.centre_id))
}

/// How the SMS may name a centre, longest first: its code and full name, its
/// code and the name shortened word by word ("...") but never to a text that
/// is another centre's whole name, and last its code alone.
fn centre_labels(catalogue: &Catalogue, centre_id: &str) -> Vec<String> {
    let Some(centre) = catalogue.centre(centre_id) else { return vec![centre_id.to_owned()] };
    let words: Vec<&str> = centre.name.split_whitespace().collect();
    let is_another_centre =
        |name: &str| catalogue.centres().iter().any(|c| c.id != centre.id && c.name.trim().eq_ignore_ascii_case(name));
    let mut labels = vec![format!("{} {}", centre.id, words.join(" "))];
    labels.extend(
        (1..words.len())
            .rev()
            .map(|n| words[..n].join(" "))
            .filter(|short| !is_another_centre(short))
            .map(|short| format!("{} {short}...", centre.id)),
    );
    labels.push(centre.id.to_string());
    labels
}

/// `Siti Nurhaliza binti Tarudin` → `S.N.B.T.`: short, and unlike a first
/// name still tells apart relatives who share a family name.
fn initials(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .flat_map(char::to_uppercase)
        .map(|c| format!("{c}."))
        .collect()
}

/// Writes `out/confirmations.csv` (`TRIAL-confirmations.csv` for a trial
/// run): one row per applicant, in priority order, with any cell that a
/// spreadsheet would run written as text ([`neutralise`]). A person who
/// declined gets no message.
pub fn write_outbox(
    catalogue: &Catalogue,
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
    trial: bool,
    site: Option<&SiteUrl>,
    out: &Path,
) -> anyhow::Result<PathBuf> {
    write_messages(catalogue, applications, allocations, site, &out.join(run_file_name(trial, "confirmations.csv")))
}

/// Writes `out/confirmations-round-N.csv`: messages only for the people
/// whose situation round `round` changed (a new appointment, or a new
/// place on the waiting list), each marked with the round.
pub fn write_round_outbox(
    catalogue: &Catalogue,
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
    round: u32,
    site: Option<&SiteUrl>,
    out: &Path,
) -> anyhow::Result<(PathBuf, usize)> {
    let changed: Vec<AllocationRow> = allocations.iter().filter(|a| a.round == round).cloned().collect();
    let path =
        write_messages(catalogue, applications, &changed, site, &out.join(format!("confirmations-round-{round}.csv")))?;
    Ok((path, changed.iter().filter(|a| !a.declined).count()))
}

fn write_messages(
    catalogue: &Catalogue,
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
    site: Option<&SiteUrl>,
    path: &Path,
) -> anyhow::Result<PathBuf> {
    let by_reference: HashMap<&str, &ApplicationRow> = applications.iter().map(|a| (a.reference.as_str(), a)).collect();
    let out = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let path = path.to_path_buf();
    let mut writer = csv::Writer::from_writer(private_file(&path)?);
    writer.write_record(COLUMNS)?;
    for allocation in allocations.iter().filter(|a| !a.declined) {
        let application = by_reference
            .get(allocation.reference.as_str())
            .with_context(|| format!("allocation {} has no application", allocation.reference))?;
        let lang = application.lang;
        let centre = catalogue.centre(&allocation.centre_id);
        let (date, window) = allocation
            .appointment
            .as_ref()
            .map_or((String::new(), String::new()), |a| (campaign::dates::format_date(a.date), a.window.to_string()));
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
            &allocation.choice_met_text(),
            &allocation.round.to_string(),
            &sms(catalogue, lang, allocation, &application.full_name, site),
        ];
        writer.write_record(cells.map(neutralise).iter().map(|cell| cell.as_bytes()))?;
    }
    writer.flush()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use campaign::{ChoiceMet, TimeWindow};
    use store::Appointment;
    use time::macros::{date, time};

    use super::*;

    fn window(start: time::Time, end: time::Time) -> TimeWindow {
        TimeWindow { start, end }
    }

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
            declined: false,
            round: store::FIRST_ROUND,
            appointment,
        }
    }

    /// A name long enough to need initials next to most centres.
    const LONG_NAME: &str = "Nurul Ain Syafiqah binti Mohamad Khairul Anuar";

    #[test]
    fn every_sms_fits_one_gsm7_segment_for_every_centre_in_both_languages() {
        let catalogue = sample();
        let slot = Appointment {
            date: date!(2028 - 01 - 19),
            window: window(time!(16:00), time!(17:00)),
            met: ChoiceMet::Week(1),
        };
        // The longest site address allowed.
        let site: SiteUrl =
            format!("https://{}.my", "d".repeat(crate::result_link::MAX_SITE_URL - 11)).parse().expect("valid");
        let mut shortened = 0;
        for centre in catalogue.centres() {
            for lang in Lang::ALL {
                for appointment in [Some(slot), None] {
                    for (name, site) in
                        [("Ali", None), (LONG_NAME, None), ("Ali", Some(&site)), (LONG_NAME, Some(&site))]
                    {
                        let text = sms(&catalogue, lang, &allocation(centre.id.as_str(), appointment), name, site);
                        let n = gsm7::septets(&text).unwrap_or(usize::MAX);
                        assert!(n <= gsm7::SEGMENT, "{lang} {}: {n} septets: {text}", centre.id);
                        assert!(text.contains("WWWWW-WWWWW"), "the reference is always there: {text}");
                        if site.is_some() {
                            let link = format!("/{}/result/#ref=WWWWW-WWWWW", lang.code());
                            assert!(text.ends_with(&link), "the result page's address ends it: {text}");
                        }
                        assert!(text.contains(centre.id.as_str()), "the centre's code is always there: {text}");
                        assert!(
                            text.contains(name) || text.contains(&initials(name)),
                            "whom it is for is always there: {text}"
                        );
                        shortened += usize::from(!text.contains(&centre.name));
                    }
                }
            }
        }
        assert!(shortened > 0, "the sample has names long enough to need shortening");
    }

    #[test]
    fn a_long_name_is_shortened_at_a_word_and_a_short_one_is_kept() {
        let catalogue = sample();
        let longest = catalogue.centres().iter().max_by_key(|c| c.name.len()).expect("centres");
        let text = sms(&catalogue, Lang::En, &allocation(longest.id.as_str(), None), "Ali", None);
        assert!(text.contains(&format!("{} ", longest.id)) && text.contains("..."), "{text}");
        let shortest = catalogue.centres().iter().min_by_key(|c| c.name.len()).expect("centres");
        let slot = Appointment {
            date: date!(2028 - 01 - 10),
            window: window(time!(09:00), time!(10:00)),
            met: ChoiceMet::Week(1),
        };
        let text = sms(&catalogue, Lang::Ms, &allocation(shortest.id.as_str(), Some(slot)), "Tan  Wei Ming", None);
        assert_eq!(
            text,
            format!(
                "Untuk Tan Wei Ming: vaksinasi Isn 10 Jan 2028 09:00-10:00 di {} {}. Ruj WWWWW-WWWWW. Bawa kad pengenalan.",
                shortest.id, shortest.name
            )
        );
    }

    #[test]
    fn a_shortened_name_never_becomes_another_centres_name() {
        let campaign = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/campaign.toml"))
            .expect("sample campaign");
        let long = "Dewan Serbaguna Kolej Komuniti Muallim Selatan Bersebelahan Pejabat Tanah Dan Daerah Lama";
        let centres = format!(
            "id,state,district,name,address,daily_capacity,closed_weekdays\n\
             PRK-0001,Perak,Muallim,Dewan Serbaguna Kolej Komuniti Muallim,\"1, Jalan A\",100,\n\
             PRK-0002,Perak,Muallim,{long},\"2, Jalan B\",100,\n"
        );
        let catalogue =
            Catalogue::from_texts(Path::new("data"), &campaign, &centres, "centre_id,date,reason\n").expect("valid");
        // Names of every length move the cut across every word of the centre's name.
        for lang in Lang::ALL {
            for length in 1..=40 {
                let text = sms(&catalogue, lang, &allocation("PRK-0002", None), &"N".repeat(length), None);
                assert!(text.contains("PRK-0002 Dewan Serbaguna"), "{text}");
                assert!(!text.contains("Kolej Komuniti Muallim..."), "reads as the other centre: {text}");
            }
        }
    }

    #[test]
    fn people_sharing_a_phone_can_tell_whose_message_is_whose() {
        let catalogue = sample();
        let centre = catalogue.centres()[0].id.to_string();
        for lang in Lang::ALL {
            let father = sms(&catalogue, lang, &allocation(&centre, None), "Tan Ah Kow", None);
            let daughter = sms(&catalogue, lang, &allocation(&centre, None), "Tan Mei Ling", None);
            assert!(father.contains("Tan Ah Kow") && daughter.contains("Tan Mei Ling"), "{father} / {daughter}");
        }
        assert_eq!(initials(LONG_NAME), "N.A.S.B.M.K.A.");
        assert_ne!(initials("Tan Ah Kow"), initials("Tan Mei Ling"));
    }

    #[test]
    fn the_waiting_list_message_names_the_centre_and_promises_no_later_sms() {
        let catalogue = sample();
        let centre = &catalogue.centres()[0];
        for lang in Lang::ALL {
            let text = sms(&catalogue, lang, &allocation(centre.id.as_str(), None), "Ali", None);
            assert!(text.contains(centre.id.as_str()), "{text}");
            let promise = ["will SMS", "we will", "kami SMS", "akan"].iter().find(|p| text.contains(**p));
            assert!(promise.is_none(), "a promise no later round keeps: {text}");
        }
    }
}
