//! The campaign's data files, loaded and cross-checked into one [`Catalogue`].
//!
//! A data directory holds `campaign.toml`, `centres.csv` and `closures.csv`
//! (formats in `data/README.md`). Loading reports every problem it finds, each
//! with file, line and field, so an operator fixes a file in one pass.

mod campaign_file;
mod centres_file;
mod closures_file;
mod csv_rows;
mod error;

use std::collections::HashMap;
use std::path::Path;

use time::Date;

pub use closures_file::Closures;
use error::Problems;
pub use error::{LoadError, LoadProblem};

use crate::calendar::{Campaign, CampaignWeek};
use crate::centre::{Centre, CentreId, State};

/// The campaign file names inside a data directory.
pub const CAMPAIGN_FILE: &str = "campaign.toml";
/// See [`CAMPAIGN_FILE`].
pub const CENTRES_FILE: &str = "centres.csv";
/// See [`CAMPAIGN_FILE`].
pub const CLOSURES_FILE: &str = "closures.csv";

/// A checked campaign with its centres and closures.
#[derive(Debug, Clone)]
pub struct Catalogue {
    campaign: Campaign,
    centres: Vec<Centre>,
    index: HashMap<CentreId, usize>,
    closures: Closures,
}

impl Catalogue {
    /// Loads and checks the three files in `dir`.
    pub fn load(dir: &Path) -> Result<Catalogue, LoadError> {
        let read = |name: &str, found: &mut Vec<LoadProblem>| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .map_err(|e| {
                    Problems { file: &path, found }.whole_file(format!("cannot be read: {e}"));
                })
                .ok()
        };
        let mut found = Vec::new();
        let texts = [CAMPAIGN_FILE, CENTRES_FILE, CLOSURES_FILE].map(|name| read(name, &mut found));
        let [Some(campaign), Some(centres), Some(closures)] = texts else {
            return Err(LoadError { problems: found });
        };
        Catalogue::from_texts(dir, &campaign, &centres, &closures)
    }

    /// Checks the three files' contents; `dir` only names them in problems.
    pub fn from_texts(dir: &Path, campaign: &str, centres: &str, closures: &str) -> Result<Catalogue, LoadError> {
        let mut found = Vec::new();
        let campaign_path = dir.join(CAMPAIGN_FILE);
        let centres_path = dir.join(CENTRES_FILE);
        let closures_path = dir.join(CLOSURES_FILE);
        let campaign = campaign_file::parse(campaign, &mut Problems { file: &campaign_path, found: &mut found });
        let (lines, centres): (Vec<u64>, Vec<Centre>) =
            centres_file::parse(centres, &mut Problems { file: &centres_path, found: &mut found }).into_iter().unzip();
        let index: HashMap<CentreId, usize> = centres.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let closures = closures_file::parse(
            closures,
            campaign.as_ref(),
            |id| index.contains_key(id),
            &mut Problems { file: &closures_path, found: &mut found },
        );
        let Some(campaign) = campaign else {
            return Err(LoadError { problems: found });
        };
        let catalogue = Catalogue { campaign, centres, index, closures };
        let mut problems = Problems { file: &centres_path, found: &mut found };
        for (centre, line) in catalogue.centres.iter().zip(lines) {
            if !catalogue.campaign.days().any(|d| catalogue.is_open(centre, d)) {
                problems.at(
                    Some(line),
                    Some("closed_weekdays"),
                    format!("{} is open on no day of the campaign (check closed_weekdays and closures.csv)", centre.id),
                );
            }
        }
        if found.is_empty() { Ok(catalogue) } else { Err(LoadError { problems: found }) }
    }

    /// The campaign calendar and rules.
    pub fn campaign(&self) -> &Campaign {
        &self.campaign
    }

    /// Every centre, in file order.
    pub fn centres(&self) -> &[Centre] {
        &self.centres
    }

    /// The centre with this id, if any.
    pub fn centre(&self, id: &str) -> Option<&Centre> {
        let id = CentreId::parse(id)?;
        self.index.get(&id).map(|&i| &self.centres[i])
    }

    /// The position of a centre in [`Catalogue::centres`], for dense per-centre arrays.
    pub fn centre_index(&self, id: &CentreId) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The dated closures.
    pub fn closures(&self) -> &Closures {
        &self.closures
    }

    /// Centres grouped by state, states in [`State::ALL`] order, centres by name.
    pub fn centres_by_state(&self) -> Vec<(State, Vec<&Centre>)> {
        State::ALL
            .into_iter()
            .map(|state| {
                let mut centres: Vec<&Centre> = self.centres.iter().filter(|c| c.state == state).collect();
                centres.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
                (state, centres)
            })
            .filter(|(_, centres)| !centres.is_empty())
            .collect()
    }

    /// Whether `centre` takes appointments on `date`: a campaign day, not a
    /// weekly rest day and not a dated closure.
    pub fn is_open(&self, centre: &Centre, date: Date) -> bool {
        self.campaign.week_of(date).is_some()
            && !centre.closed_weekdays.contains(date.weekday())
            && self.closures.reason(&centre.id, date).is_none()
    }

    /// One paragraph for operators: what was loaded.
    pub fn summary(&self) -> String {
        let c = &self.campaign;
        let capacity: u64 = self
            .centres
            .iter()
            .map(|centre| {
                u64::from(centre.daily_capacity) * c.days().filter(|d| self.is_open(centre, *d)).count() as u64
            })
            .sum();
        format!(
            "{}: {} weeks from {} to {}, {} centres in {} states, {} appointments in all; registration {} to {}",
            c.name(),
            c.week_count(),
            c.first_day(),
            c.last_day(),
            self.centres.len(),
            self.centres_by_state().len(),
            capacity,
            rfc3339(c.registration_opens()),
            rfc3339(c.registration_closes()),
        )
    }

    /// The days `centre` is open in `week`, in order.
    pub fn open_days<'a>(&'a self, centre: &'a Centre, week: CampaignWeek) -> impl Iterator<Item = Date> + 'a {
        self.campaign.days_of(week).filter(move |d| self.is_open(centre, *d))
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
pub(crate) mod tests;
