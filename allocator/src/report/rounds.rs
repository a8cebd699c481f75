//! What happened after the first run, per centre and day: places held,
//! declined, attended, no-shows and places wasted; and each round's counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use campaign::Catalogue;
use serde_json::{Value, json};
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

/// Everything after the first run, as the report shows it.
#[derive(Debug, Clone, Default)]
pub struct RoundFigures {
    /// Each round after the first.
    pub rounds: Vec<RoundRecord>,
    /// Places given back.
    pub declines: u64,
    /// Of those, people who asked to rejoin the waiting list.
    pub rejoined: u64,
    /// Per centre and open day.
    pub days: BTreeMap<(String, Date), DayFigures>,
}

/// A sum of day figures, with the places wasted on the days fully reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// The days' figures added up.
    pub figures: DayFigures,
    /// Days with appointments whose every appointment is reported.
    pub reported_days: u64,
    /// Days with appointments.
    pub held_days: u64,
    /// Places wasted on the reported days: free places not given, plus no-shows.
    pub wasted: u64,
}

impl Totals {
    fn add(&mut self, day: &DayFigures) {
        let f = &mut self.figures;
        f.capacity += day.capacity;
        f.allocated += day.allocated;
        f.declined += day.declined;
        f.attended += day.attended;
        f.no_show += day.no_show;
        f.unknown += day.unknown;
        self.held_days += u64::from(day.allocated > 0);
        if let Some(wasted) = day.wasted() {
            self.reported_days += 1;
            self.wasted += wasted;
        }
    }

    fn to_json(&self) -> Value {
        let f = &self.figures;
        json!({
            "capacity": f.capacity, "allocated": f.allocated, "declined": f.declined, "attended": f.attended,
            "no_show": f.no_show, "unknown": f.unknown, "days_held": self.held_days,
            "days_reported": self.reported_days, "wasted_on_reported_days": self.wasted,
        })
    }
}

impl RoundFigures {
    /// The figures of the stored rounds, declines and attendance.
    pub fn new(
        catalogue: &Catalogue,
        allocations: &[AllocationRow],
        rounds: Vec<RoundRecord>,
        declines: &[DeclineRecord],
        attendance: &[AttendanceRow],
    ) -> RoundFigures {
        RoundFigures {
            rounds,
            declines: declines.len() as u64,
            rejoined: declines.iter().filter(|d| d.rejoined_at.is_some()).count() as u64,
            days: by_day(catalogue, allocations, declines, attendance),
        }
    }

    /// Every centre and day added up.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        self.days.values().for_each(|day| totals.add(day));
        totals
    }

    /// Per centre, its days added up, for centres with a decline or a report.
    pub fn centres(&self) -> Vec<(String, Totals)> {
        let mut centres: BTreeMap<&str, Totals> = BTreeMap::new();
        for ((centre, _), day) in &self.days {
            centres.entry(centre).or_default().add(day);
        }
        let touched = |t: &Totals| t.figures.declined + t.figures.attended + t.figures.no_show > 0;
        centres.into_iter().filter(|(_, t)| touched(t)).map(|(c, t)| (c.to_owned(), t)).collect()
    }

    /// As the report's JSON: rounds, declines, totals, and each centre's day.
    pub fn to_json(&self) -> Value {
        json!({
            "declines": self.declines, "rejoined": self.rejoined,
            "rounds": self.rounds.iter().map(|r| json!({
                "round": r.round, "not_before": campaign::dates::format_date(r.not_before),
                "input_fingerprint": r.input_fingerprint, "waiting": r.waiting, "freed": r.freed,
                "given": r.given, "left_free": r.left_free,
            })).collect::<Vec<_>>(),
            "totals": self.totals().to_json(),
            "days": self.days.iter().map(|((centre, day), f)| json!({
                "centre_id": centre, "date": campaign::dates::format_date(*day), "capacity": f.capacity,
                "allocated": f.allocated, "declined": f.declined, "attended": f.attended, "no_show": f.no_show,
                "unknown": f.unknown, "wasted": f.wasted(),
            })).collect::<Vec<_>>(),
        })
    }

    /// Lines for the printed summary: the declines, each round, and attendance.
    pub fn summary(&self) -> String {
        let mut text = format!("declines: {} ({} asked to rejoin the waiting list)\n", self.declines, self.rejoined);
        for r in &self.rounds {
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
        let t = self.totals();
        let f = &t.figures;
        text.push_str(&format!(
            "attendance: {} appointments held, {} came, {} did not, {} not reported; {} of {} days fully reported, \
             {} places wasted on them (free places not given, and no-shows)\n",
            f.allocated, f.attended, f.no_show, f.unknown, t.reported_days, t.held_days, t.wasted
        ));
        text
    }
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
