//! The stored form of domain values, for the parsed-register cache
//! (`store::register_cache`): each value is written as its canonical text
//! and read back through its own parser, so a value read from the store can
//! only be one that parsing allows.

use super::{Email, Organiser};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;

// The other register values have theirs beside `ParseError` (`serde_as_text!`).
macro_rules! as_text {
    ($($t:ty),* $(,)?) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = Cow::<str>::deserialize(d)?;
                <$t>::parse(&text).map_err(|e| D::Error::custom(e.0))
            }
        }
    )*};
}

as_text!(Email, Organiser);

/// A date stored as its day number (days since 1 January of year 1): a
/// finding's date is written for every finding of a summary, and its text
/// form costs more than the rest of the finding.
pub(crate) mod day_number {
    use chrono::{Datelike, NaiveDate};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        date.map(|d| d.num_days_from_ce()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<i32>::deserialize(d)? {
            None => Ok(None),
            Some(n) => NaiveDate::from_num_days_from_ce_opt(n).map(Some).ok_or_else(|| D::Error::custom("not a day")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, DayNumber, DelresaCode, KommunKod, Money, Recipient, RoundId, TrainerRole};
    use std::fmt::Debug;

    /// Through JSON (readable) and postcard (the form the store keeps).
    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + Debug>(v: T) {
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<T>(&text).unwrap(), v, "{text}");
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(postcard::from_bytes::<T>(&bytes).unwrap(), v, "{bytes:?}");
    }

    #[test]
    fn every_value_comes_back_as_it_was() {
        round_trip(RoundId::parse("BOU-2026-03").unwrap());
        round_trip(DayNumber::new(3).unwrap());
        round_trip(DelresaCode::parse("funk-u").unwrap());
        round_trip(KommunKod::parse("0114").unwrap());
        round_trip(Recipient::Region);
        round_trip(Recipient::Kommun(KommunKod::parse("2080").unwrap()));
        round_trip(Email::parse("anna.andersson@mora.se").unwrap());
        round_trip(Category::Chef);
        round_trip(Organiser::Nationell);
        round_trip(TrainerRole::Reserv);
        round_trip(Money::parse("650.50").unwrap());
    }

    #[test]
    fn a_stored_value_parsing_refuses_is_an_error() {
        assert!(serde_json::from_str::<KommunKod>("\"99999\"").is_err());
        assert!(serde_json::from_str::<Email>("\"not an address\"").is_err());
        assert!(serde_json::from_str::<Money>("\"12 kr\"").is_err());
        let stored = postcard::to_allocvec("99999").unwrap();
        assert!(postcard::from_bytes::<KommunKod>(&stored).is_err());
    }

    #[test]
    fn a_day_number_comes_back_as_its_date() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Dated(#[serde(with = "super::day_number")] Option<chrono::NaiveDate>);
        for d in [None, chrono::NaiveDate::from_ymd_opt(2026, 3, 4), chrono::NaiveDate::from_ymd_opt(1, 1, 1)] {
            round_trip(Dated(d));
        }
        assert!(postcard::from_bytes::<Dated>(&postcard::to_allocvec(&Some(i32::MAX)).unwrap()).is_err());
    }
}
