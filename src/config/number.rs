//! Amounts and shares in TOML: written as a string (`"2.37"`), an integer
//! (`650`) or a float (`2.37`), always turned into an exact decimal.

use rust_decimal::Decimal;
use serde::Deserialize;

/// A number as the TOML file wrote it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawNumber {
    Int(i64),
    Float(f64),
    Text(String),
}

impl RawNumber {
    /// The exact decimal; a float is read from its shortest text form, so `2.37`
    /// becomes exactly 2.37.
    pub(crate) fn to_decimal(&self) -> Result<Decimal, String> {
        match self {
            RawNumber::Int(i) => Ok(Decimal::from(*i)),
            RawNumber::Float(f) => {
                crate::domain::Money::parse(&format!("{f}")).map(|m| m.as_decimal()).map_err(|e| e.to_string())
            }
            RawNumber::Text(s) => crate::domain::Money::parse(s).map(|m| m.as_decimal()).map_err(|e| e.to_string()),
        }
    }
}
