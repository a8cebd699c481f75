//! Vaccination centres: where people go, which days they open, how many they take.

use std::fmt;
use std::str::FromStr;

use time::Weekday;

/// One of Malaysia's 13 states and 3 federal territories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Johor.
    Johor,
    /// Kedah.
    Kedah,
    /// Kelantan.
    Kelantan,
    /// Melaka.
    Melaka,
    /// Negeri Sembilan.
    NegeriSembilan,
    /// Pahang.
    Pahang,
    /// Perak.
    Perak,
    /// Perlis.
    Perlis,
    /// Pulau Pinang.
    PulauPinang,
    /// Sabah.
    Sabah,
    /// Sarawak.
    Sarawak,
    /// Selangor.
    Selangor,
    /// Terengganu.
    Terengganu,
    /// Wilayah Persekutuan Kuala Lumpur.
    KualaLumpur,
    /// Wilayah Persekutuan Labuan.
    Labuan,
    /// Wilayah Persekutuan Putrajaya.
    Putrajaya,
}

impl State {
    /// Every state and federal territory, in the order forms list them.
    pub const ALL: [State; 16] = [
        State::Johor,
        State::Kedah,
        State::Kelantan,
        State::Melaka,
        State::NegeriSembilan,
        State::Pahang,
        State::Perak,
        State::Perlis,
        State::PulauPinang,
        State::Sabah,
        State::Sarawak,
        State::Selangor,
        State::Terengganu,
        State::KualaLumpur,
        State::Labuan,
        State::Putrajaya,
    ];

    /// The official name, as written in `centres.csv` (the same in both languages).
    pub fn name(self) -> &'static str {
        match self {
            State::Johor => "Johor",
            State::Kedah => "Kedah",
            State::Kelantan => "Kelantan",
            State::Melaka => "Melaka",
            State::NegeriSembilan => "Negeri Sembilan",
            State::Pahang => "Pahang",
            State::Perak => "Perak",
            State::Perlis => "Perlis",
            State::PulauPinang => "Pulau Pinang",
            State::Sabah => "Sabah",
            State::Sarawak => "Sarawak",
            State::Selangor => "Selangor",
            State::Terengganu => "Terengganu",
            State::KualaLumpur => "W.P. Kuala Lumpur",
            State::Labuan => "W.P. Labuan",
            State::Putrajaya => "W.P. Putrajaya",
        }
    }

    /// A short code safe in file names and URLs (`sgr`, `kul`, ...).
    pub fn slug(self) -> &'static str {
        match self {
            State::Johor => "jhr",
            State::Kedah => "kdh",
            State::Kelantan => "ktn",
            State::Melaka => "mlk",
            State::NegeriSembilan => "nsn",
            State::Pahang => "phg",
            State::Perak => "prk",
            State::Perlis => "pls",
            State::PulauPinang => "png",
            State::Sabah => "sbh",
            State::Sarawak => "swk",
            State::Selangor => "sgr",
            State::Terengganu => "trg",
            State::KualaLumpur => "kul",
            State::Labuan => "lbn",
            State::Putrajaya => "pjy",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A state name that is not one of the sixteen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown state {0:?}: use one of Johor, Kedah, ..., W.P. Putrajaya (see data/README.md)")]
pub struct UnknownState(pub String);

impl FromStr for State {
    type Err = UnknownState;

    /// Accepts the official name (any case) or the slug.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        State::ALL
            .into_iter()
            .find(|st| st.name().eq_ignore_ascii_case(wanted) || st.slug().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

/// A centre's stable identifier, such as `SGR-0012`: 2 to 16 of `A-Z`, `0-9`
/// and `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CentreId(String);

impl CentreId {
    /// Checks the shape of an identifier (not whether the centre exists).
    pub fn parse(text: &str) -> Option<CentreId> {
        let ok_len = (2..=16).contains(&text.len());
        let ok_chars = text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        let ok_start = text.bytes().next().is_some_and(|b| b != b'-');
        (ok_len && ok_chars && ok_start).then(|| CentreId(text.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CentreId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The weekdays a centre never opens (its weekly rest days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClosedWeekdays(u8);

impl ClosedWeekdays {
    /// Parses `centres.csv`'s `closed_weekdays`: empty, or `;`-separated
    /// English three-letter days such as `Fri;Sat`.
    pub fn parse(text: &str) -> Result<ClosedWeekdays, String> {
        let mut bits = 0u8;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let day = WEEKDAYS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(part))
                .map(|(_, d)| *d)
                .ok_or_else(|| format!("{part:?} is not a weekday: use Mon, Tue, Wed, Thu, Fri, Sat or Sun"))?;
            bits |= 1 << day.number_days_from_monday();
        }
        Ok(ClosedWeekdays(bits))
    }

    /// Whether the centre rests on this weekday.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.number_days_from_monday()) != 0
    }

    /// Closed on all seven days (a data error the catalogue rejects).
    pub fn is_every_day(self) -> bool {
        self.0 == 0x7f
    }

    /// The days in `centres.csv` form, e.g. `Fri;Sat`.
    pub fn to_csv(self) -> String {
        WEEKDAYS.iter().filter(|(_, d)| self.contains(*d)).map(|(name, _)| *name).collect::<Vec<_>>().join(";")
    }
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("Mon", Weekday::Monday),
    ("Tue", Weekday::Tuesday),
    ("Wed", Weekday::Wednesday),
    ("Thu", Weekday::Thursday),
    ("Fri", Weekday::Friday),
    ("Sat", Weekday::Saturday),
    ("Sun", Weekday::Sunday),
];

/// A Malaysian postcode: exactly five digits, such as `50450`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Postcode(String);

impl Postcode {
    /// Checks the shape (five digits), not that the post office uses it.
    pub fn parse(text: &str) -> Result<Postcode, String> {
        if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Postcode(text.to_owned()))
        } else {
            Err(format!("{text:?} is not a postcode: write the five digits, like 50450"))
        }
    }

    /// The five digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a centre stands, in millionths of a degree (about 11 cm), so
/// centres compare exactly and print back as they were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    lat_micro: i32,
    lon_micro: i32,
}

impl Location {
    /// A box around Peninsular Malaysia, Sabah, Sarawak and Labuan: a
    /// coordinate outside it is a typo (swapped, or a sign or digit lost).
    pub const LATITUDES: (f64, f64) = (0.8, 7.5);
    /// See [`Location::LATITUDES`].
    pub const LONGITUDES: (f64, f64) = (99.5, 119.5);

    /// Parses decimal degrees (WGS 84, as a phone's map shows them),
    /// reporting every bad part: `(field, message)`.
    pub fn parse(latitude: &str, longitude: &str) -> Result<Location, Vec<(&'static str, String)>> {
        let coordinate = |field: &'static str, text: &str, (low, high): (f64, f64)| match text.parse::<f64>() {
            Ok(v) if v.is_finite() && (low..=high).contains(&v) => Ok((v * 1e6).round() as i32),
            Ok(_) => Err((
                field,
                format!(
                    "{text} is outside Malaysia ({low} to {high}): check the sign, the digits and that {field} is not swapped"
                ),
            )),
            Err(_) => Err((field, format!("{text:?} is not decimal degrees: write it like 3.1390"))),
        };
        match (coordinate("latitude", latitude, Self::LATITUDES), coordinate("longitude", longitude, Self::LONGITUDES))
        {
            (Ok(lat_micro), Ok(lon_micro)) => Ok(Location { lat_micro, lon_micro }),
            (lat, lon) => Err([lat.err(), lon.err()].into_iter().flatten().collect()),
        }
    }

    /// Latitude in decimal degrees.
    pub fn latitude(self) -> f64 {
        f64::from(self.lat_micro) / 1e6
    }

    /// Longitude in decimal degrees.
    pub fn longitude(self) -> f64 {
        f64::from(self.lon_micro) / 1e6
    }
}

/// A vaccination centre from the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Centre {
    /// Stable identifier, such as `SGR-0012`.
    pub id: CentreId,
    /// State or federal territory.
    pub state: State,
    /// District (daerah) within the state.
    pub district: String,
    /// Name as shown to the public and printed on lists.
    pub name: String,
    /// Street address.
    pub address: String,
    /// How many people the centre vaccinates on an open day.
    pub daily_capacity: u32,
    /// Weekly rest days.
    pub closed_weekdays: ClosedWeekdays,
    /// Postcode, when the data gives one (searchable on the form).
    pub postcode: Option<Postcode>,
    /// Coordinates, when the data gives them ("nearest to me" on the form).
    pub location: Option<Location>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_by_name_or_slug() {
        for st in State::ALL {
            assert_eq!(st.name().parse::<State>(), Ok(st));
            assert_eq!(st.slug().to_uppercase().parse::<State>(), Ok(st));
        }
        assert_eq!("pulau pinang".parse::<State>(), Ok(State::PulauPinang));
        assert!("Singapore".parse::<State>().is_err());
    }

    #[test]
    fn centre_ids_have_a_safe_shape() {
        assert!(CentreId::parse("SGR-0012").is_some());
        for bad in ["", "S", "sgr-0012", "-SGR", "SGR 0012", "SGR/0012", "ABCDEFGHIJKLMNOPQ"] {
            assert!(CentreId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn locations_must_lie_in_malaysia() {
        let kl = Location::parse("3.1390", "101.6869").expect("Kuala Lumpur");
        assert_eq!((kl.latitude(), kl.longitude()), (3.139, 101.6869));
        let swapped = Location::parse("101.6869", "3.1390").expect_err("swapped");
        assert_eq!(swapped.iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["latitude", "longitude"]);
        assert!(Location::parse("-3.1390", "101.6869").is_err());
        assert!(Location::parse("NaN", "101.6869").is_err());
        assert!(Postcode::parse("05000").is_ok());
        for bad in ["5000", "500000", "5O000", ""] {
            assert!(Postcode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn closed_weekdays_round_trip() {
        let days = ClosedWeekdays::parse("Fri; sat").expect("valid days");
        assert!(days.contains(Weekday::Friday) && days.contains(Weekday::Saturday));
        assert!(!days.contains(Weekday::Sunday));
        assert_eq!(days.to_csv(), "Fri;Sat");
        assert_eq!(ClosedWeekdays::parse("").map(ClosedWeekdays::to_csv), Ok(String::new()));
        assert!(ClosedWeekdays::parse("Friday").is_err());
        assert!(ClosedWeekdays::parse("Mon;Tue;Wed;Thu;Fri;Sat;Sun").expect("valid").is_every_day());
    }
}
