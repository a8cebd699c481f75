//! Identity documents: MyKad numbers (which carry the birth date) and passports.

use std::fmt;

use time::{Date, Month};

use super::problem::Problem;
use crate::calendar::MAXIMUM_AGE;
use crate::dates::age_on;

/// The kind of identity document, as sent in `id_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    /// Malaysian identity card (12 digits, `YYMMDD-PB-###G`).
    MyKad,
    /// A passport of any country.
    Passport,
}

impl IdType {
    /// The value in forms, JSON and storage.
    pub fn code(self) -> &'static str {
        match self {
            IdType::MyKad => "mykad",
            IdType::Passport => "passport",
        }
    }

    /// Reads `id_type`.
    pub fn parse(text: &str) -> Result<IdType, Problem> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" => Err(Problem::IdTypeMissing),
            "mykad" => Ok(IdType::MyKad),
            "passport" => Ok(IdType::Passport),
            _ => Err(Problem::IdTypeUnknown),
        }
    }
}

/// A 12-digit MyKad number, without separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MyKadNumber(String);

impl MyKadNumber {
    /// Accepts 12 digits with any spaces and dashes (`900101-14-5678`).
    pub fn parse(text: &str) -> Result<MyKadNumber, Problem> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return Err(Problem::IdNumberMissing);
        }
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::MyKadShape);
        }
        Ok(MyKadNumber(digits))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As printed on the card: `YYMMDD-PB-###G`.
    pub fn formatted(&self) -> String {
        format!("{}-{}-{}", &self.0[..6], &self.0[6..8], &self.0[8..])
    }

    /// The birth date the first six digits (`YYMMDD`) encode.
    ///
    /// The card does not say the century, so it is the one that makes the
    /// holder between `minimum_age` and [`MAXIMUM_AGE`] on `on`. The two-digit
    /// year leaves two centuries possible only at the far ends of that range
    /// (a 118-year-old or an 18-year-old); the younger reading wins, as the far
    /// likelier one.
    pub fn birth_date(&self, minimum_age: u8, on: Date) -> Result<Date, Problem> {
        let field = |range: std::ops::Range<usize>| self.0[range].parse::<u8>().unwrap_or(0);
        let (yy, mm, dd) = (i32::from(field(0..2)), field(2..4), field(4..6));
        let month = Month::try_from(mm).map_err(|_| Problem::MyKadBirthDate)?;
        let century = on.year() / 100 * 100;
        let candidates: Vec<Date> = [century, century - 100, century - 200]
            .into_iter()
            .filter_map(|c| Date::from_calendar_date(c + yy, month, dd).ok())
            .filter(|d| *d <= on)
            .collect();
        // An impossible date such as 30 February, or 29 February in years
        // that are all common.
        let youngest = *candidates.first().ok_or(Problem::MyKadBirthDate)?;
        let adult = |d: &Date| (i32::from(minimum_age)..=MAXIMUM_AGE).contains(&age_on(*d, on));
        match candidates.iter().find(|d| adult(d)) {
            Some(date) => Ok(*date),
            None if age_on(youngest, on) < i32::from(minimum_age) => Err(Problem::TooYoung { minimum_age, on }),
            None => Err(Problem::TooOld),
        }
    }
}

/// A passport number: 5 to 20 letters and digits, upper-cased, separators removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PassportNumber(String);

impl PassportNumber {
    /// Accepts letters and digits with any spaces and dashes.
    pub fn parse(text: &str) -> Result<PassportNumber, Problem> {
        let cleaned: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>().to_ascii_uppercase();
        if cleaned.is_empty() {
            return Err(Problem::IdNumberMissing);
        }
        if !(5..=20).contains(&cleaned.len()) || !cleaned.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Problem::PassportShape);
        }
        Ok(PassportNumber(cleaned))
    }

    /// The number as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The identity document of an applicant: unique across all applications.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A MyKad.
    MyKad(MyKadNumber),
    /// A passport.
    Passport(PassportNumber),
}

impl Identity {
    /// The document type.
    pub fn id_type(&self) -> IdType {
        match self {
            Identity::MyKad(_) => IdType::MyKad,
            Identity::Passport(_) => IdType::Passport,
        }
    }

    /// The normalised number, as stored.
    pub fn number(&self) -> &str {
        match self {
            Identity::MyKad(n) => n.as_str(),
            Identity::Passport(n) => n.as_str(),
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.id_type().code(), self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const ON: Date = date!(2028 - 01 - 10);

    fn born(mykad: &str) -> Result<Date, Problem> {
        MyKadNumber::parse(mykad).and_then(|n| n.birth_date(18, ON))
    }

    #[test]
    fn mykad_numbers_normalise() {
        let n = MyKadNumber::parse(" 900101-14 5678 ").expect("valid");
        assert_eq!(n.as_str(), "900101145678");
        assert_eq!(n.formatted(), "900101-14-5678");
        assert_eq!(MyKadNumber::parse(""), Err(Problem::IdNumberMissing));
        assert_eq!(MyKadNumber::parse("90010114567"), Err(Problem::MyKadShape));
        assert_eq!(MyKadNumber::parse("90010114567X"), Err(Problem::MyKadShape));
        assert_eq!(MyKadNumber::parse("９00101145678"), Err(Problem::MyKadShape), "full-width digits");
    }

    #[test]
    fn mykad_century_makes_the_holder_an_adult() {
        assert_eq!(born("900101145678"), Ok(date!(1990 - 01 - 01)));
        assert_eq!(born("050101145678"), Ok(date!(2005 - 01 - 01)));
        assert_eq!(born("100110145678"), Ok(date!(2010 - 01 - 10)), "18 on the day itself");
        // One day short of 18 in 2010, so the card can only be from 1910.
        assert_eq!(born("100111145678"), Ok(date!(1910 - 01 - 11)));
        // 2028-01-11 is after the reference date: 1928.
        assert_eq!(born("280111145678"), Ok(date!(1928 - 01 - 11)));
        // Both 2007 (age 21) and 1907 (121) are real dates; only 2007 is plausible.
        assert_eq!(born("070101145678"), Ok(date!(2007 - 01 - 01)));
        // 18 and 118 are both possible: the younger reading wins.
        assert_eq!(born("100101145678"), Ok(date!(2010 - 01 - 01)));
    }

    #[test]
    fn mykad_holders_outside_the_age_range_are_told_which_way() {
        let on_60 = |mykad: &str| MyKadNumber::parse(mykad).and_then(|n| n.birth_date(60, ON));
        // 1970 is 58 and 1870 is 158: too young is the likely story.
        assert_eq!(on_60("700101145678"), Err(Problem::TooYoung { minimum_age: 60, on: ON }));
        assert_eq!(on_60("600101145678"), Ok(date!(1960 - 01 - 01)));
        // 2007 is 21 and 1907 is 121: the young reading is the real one.
        assert_eq!(on_60("070101145678"), Err(Problem::TooYoung { minimum_age: 60, on: ON }));
        let on_18_in_2200 = MyKadNumber::parse("050101145678").and_then(|n| n.birth_date(18, date!(2200 - 01 - 01)));
        assert_eq!(on_18_in_2200, Ok(date!(2105 - 01 - 01)));
    }

    #[test]
    fn mykad_with_an_impossible_date_is_reported_as_such() {
        assert_eq!(born("901301145678"), Err(Problem::MyKadBirthDate));
        assert_eq!(born("900001145678"), Err(Problem::MyKadBirthDate));
        assert_eq!(born("900230145678"), Err(Problem::MyKadBirthDate));
        assert_eq!(born("900431145678"), Err(Problem::MyKadBirthDate));
        assert_eq!(born("900100145678"), Err(Problem::MyKadBirthDate));
    }

    #[test]
    fn mykad_leap_days_pick_the_century_where_they_exist() {
        // 29 Feb 1900 does not exist; 29 Feb 2000 does.
        assert_eq!(born("000229145678"), Ok(date!(2000 - 02 - 29)));
        // 1996 and 1896 are leap years; 1896 is too old, so 1996.
        assert_eq!(born("960229145678"), Ok(date!(1996 - 02 - 29)));
        // 29 Feb '01 exists in no century.
        assert_eq!(born("010229145678"), Err(Problem::MyKadBirthDate));
    }

    #[test]
    fn passports_normalise() {
        assert_eq!(PassportNumber::parse(" a12 345-67 ").map(|p| p.0), Ok("A1234567".to_owned()));
        assert_eq!(PassportNumber::parse(""), Err(Problem::IdNumberMissing));
        assert_eq!(PassportNumber::parse("A123"), Err(Problem::PassportShape));
        assert_eq!(PassportNumber::parse(&"A".repeat(21)), Err(Problem::PassportShape));
        assert_eq!(PassportNumber::parse("A1234/567"), Err(Problem::PassportShape));
    }
}
