//! What happened after the first run, per centre and day: places held,
//! declined, attended, no-shows and places wasted; and each round's counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use campaign::Catalogue;
use store::{AllocationRow, AttendanceRow, DeclineRecord, RoundRecord};
use time::Date;

/// Columns of `days.csv`.
pub const DAY_COLUMNS: [&str; 9] =
    ["centre_id", "date", "capacity", "allocated", "declined", "attended", "no_show", "unknown", "wasted"];

/// One centre's day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayFigures {
    /// Places the catalogue gives (0 on a closed day).
    pub capacity: u64,
    /// Appointments held now.
    pub allocated: u64,
    /// Places on this day given back.
    pub declined: u64,
    /// Reported as come.
    pub attended: u64,
    /// Reported as not come.
    pub no_show: u64,
    /// Held, with nothing reported.
    pub unknown: u64,
}

impl DayFigures {
    /// Places nobody used: capacity less attendance, once the centre has
    /// reported every appointment of the day; `None` until then.
    pub fn wasted(&self) -> Option<u64> {
        (self.allocated > 0 && self.unknown == 0).then(|| self.capacity.saturating_sub(self.attended))
    }
}

/// Figures per (centre, day), for every open day of every centre.
pub fn by_day(
    catalogue: &Catalogue,
    allocations: &[AllocationRow],
    declines: &[DeclineRecord],
    attendance: &[AttendanceRow],
) -> BTreeMap<(String, Date), DayFigures> {
    let mut days: BTreeMap<(String, Date), DayFigures> = BTreeMap::new();
    for centre in catalogue.centres() {
        for day in catalogue.campaign().days().filter(|d| catalogue.is_open(centre, *d)) {
            days.entry((centre.id.to_string(), day)).or_default().capacity = u64::from(centre.daily_capacity);
        }
    }
    let reported: std::collections::HashMap<(&str, Date), bool> =
        attendance.iter().map(|a| ((a.reference.as_str(), a.date), a.attended)).collect();
    for a in allocations {
        let Some(appointment) = a.appointment else { continue };
        let figures = days.entry((a.centre_id.clone(), appointment.date)).or_default();
        figures.allocated += 1;
        match reported.get(&(a.reference.as_str(), appointment.date)) {
            Some(true) => figures.attended += 1,
            Some(false) => figures.no_show += 1,
            None => figures.unknown += 1,
        }
    }
    for d in declines {
        days.entry((d.centre_id.clone(), d.date)).or_default().declined += 1;
    }
    days
}

/// Lines for the printed summary: each round, and the declines.
pub fn summary(rounds: &[RoundRecord], declines: &[DeclineRecord]) -> String {
    let rejoined = declines.iter().filter(|d| d.rejoined_at.is_some()).count();
    let mut text = format!("declines: {} ({rejoined} asked to rejoin the waiting list)\n", declines.len());
    for r in rounds {
        text.push_str(&format!(
            "round {}: from {}, {} waiting, {} places free: {} given, {} left free (nobody waiting wanted them); input {}\n",
            r.round,
            campaign::dates::format_date(r.not_before),
            r.waiting,
            r.freed,
            r.given,
            r.left_free,
            r.input_fingerprint
        ));
    }
    text
}

/// Writes `out/days.csv`.
pub fn write_days(out: &Path, days: &BTreeMap<(String, Date), DayFigures>) -> anyhow::Result<PathBuf> {
    let path = out.join("days.csv");
    let mut writer = csv::Writer::from_path(&path)?;
    writer.write_record(DAY_COLUMNS)?;
    for ((centre, day), f) in days {
        writer.write_record([
            centre.clone(),
            campaign::dates::format_date(*day),
            f.capacity.to_string(),
            f.allocated.to_string(),
            f.declined.to_string(),
            f.attended.to_string(),
            f.no_show.to_string(),
            f.unknown.to_string(),
            f.wasted().map(|w| w.to_string()).unwrap_or_default(),
        ])?;
    }
    writer.flush()?;
    Ok(path)
}
