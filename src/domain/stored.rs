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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, DayNumber, DelresaCode, KommunKod, Money, Recipient, RoundId, TrainerRole};
    use std::fmt::Debug;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + Debug>(v: T) {
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<T>(&text).unwrap(), v, "{text}");
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
    }
}
