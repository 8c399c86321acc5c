//! Calendar periods the jobs run for: a month (invoice basis) or a year (pot).

use super::ParseError;
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A calendar year between 2000 and 2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year(i32);

impl Year {
    /// Parses `2026`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        s.trim()
            .parse::<i32>()
            .ok()
            .and_then(|y| Year::new(y).ok())
            .ok_or_else(|| ParseError::new(format!("'{}' is not a year (YYYY, 2000–2100)", s.trim())))
    }

    /// A year in the supported range.
    pub fn new(y: i32) -> Result<Self, ParseError> {
        if (2000..=2100).contains(&y) {
            Ok(Year(y))
        } else {
            Err(ParseError::new(format!("{y} is outside 2000–2100")))
        }
    }

    /// The year as a number.
    pub fn get(self) -> i32 {
        self.0
    }

    /// True if the date falls in this year.
    pub fn contains(self, d: NaiveDate) -> bool {
        d.year() == self.0
    }

    /// The twelve months of the year.
    pub fn months(self) -> impl Iterator<Item = Month> {
        (1..=12).map(move |m| Month { year: self, month: m })
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The Swedish month names, lower case as in running text.
const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// A date as a Swedish office writes it in text: "5 mars 2026".
pub fn swedish_date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// A calendar month, written `YYYY-MM` (files, CSV) or "mars 2026" (text, [`Month::swedish`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: Year,
    month: u32,
}

impl Month {
    /// Parses `2026-03`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new(format!("'{}' is not a month (YYYY-MM, e.g. 2026-03)", s.trim()));
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        if m.len() != 2 {
            return Err(err());
        }
        let year = Year::parse(y).map_err(|_| err())?;
        let month: u32 = m.parse().map_err(|_| err())?;
        Month::new(year, month).map_err(|_| err())
    }

    /// A month from its year and number 1–12.
    pub fn new(year: Year, month: u32) -> Result<Self, ParseError> {
        if (1..=12).contains(&month) {
            Ok(Month { year, month })
        } else {
            Err(ParseError::new(format!("month {month} is not 1–12")))
        }
    }

    /// The month a date falls in.
    pub fn of(d: NaiveDate) -> Self {
        Month { year: Year(d.year()), month: d.month() }
    }

    /// The year of the month.
    pub fn year(self) -> Year {
        self.year
    }

    /// The month's number, 1–12.
    pub fn number(self) -> u32 {
        self.month
    }

    /// True if the date falls in this month.
    pub fn contains(self, d: NaiveDate) -> bool {
        Month::of(d) == self
    }

    /// The month as a Swedish office writes it: "mars 2026".
    pub fn swedish(self) -> String {
        format!("{} {}", self.swedish_name(), self.year)
    }

    /// The month's Swedish name alone, lower case as in running text: "mars".
    pub fn swedish_name(self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }

    /// The month's last day.
    pub fn last_day(self) -> NaiveDate {
        let next = if self.month == 12 { (self.year.0 + 1, 1) } else { (self.year.0, self.month + 1) };
        NaiveDate::from_ymd_opt(next.0, next.1, 1).and_then(|d| d.pred_opt()).expect("a valid month")
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_print_as_yyyy_mm() {
        assert_eq!(Month::parse("2026-03").unwrap().to_string(), "2026-03");
        for bad in ["2026-3", "2026-13", "26-03", "2026/03", "march"] {
            assert!(Month::parse(bad).is_err(), "{bad} accepted");
        }
    }
}

#[cfg(test)]
mod swedish_tests {
    use super::*;

    #[test]
    fn months_and_dates_read_the_swedish_way() {
        assert_eq!(Month::parse("2026-03").unwrap().swedish(), "mars 2026");
        assert_eq!(Month::parse("2026-12").unwrap().swedish(), "december 2026");
        assert_eq!(swedish_date(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()), "5 mars 2026");
        assert_eq!(Month::parse("2026-02").unwrap().last_day(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(Month::parse("2026-12").unwrap().last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    }
}
