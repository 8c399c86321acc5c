//! The trainer pot's distribution, declared once: `trainer-pot-YYYY.csv`
//! and the regional workbook's sheet *Utbildarpott* list every recipient
//! with the same values (the sheet adds the adjustments for earlier years).

use super::{both, sheet_only, Col, Value};
use crate::config::Config;
use crate::domain::PotRow;
use crate::report::csv_out::{number, text};

/// A field of a recipient's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Kommunkod,
    Kommun,
    Poang,
    Exakt,
    Belopp,
    Justering,
}

/// Every column of the distribution.
pub(crate) const COLUMNS: [Col<Field>; 6] = [
    both(Field::Kommunkod, number("kommunkod"), "Kommunkod"),
    both(Field::Kommun, text("kommun"), "Kommun"),
    both(Field::Poang, number("points"), "Poäng"),
    both(Field::Exakt, number("exact_amount"), "Exakt belopp"),
    both(Field::Belopp, number("amount"), "Utbetalning"),
    sheet_only(Field::Justering, "Varav justering tidigare år"),
];

/// The value of a field of a recipient's row.
pub(crate) fn value<'a>(config: &Config, r: &'a PotRow, field: Field) -> Value<'a> {
    match field {
        Field::Kommunkod => Value::Text(config.recipient_code(r.recipient).into()),
        Field::Kommun => Value::Text(config.recipient_name(r.recipient).into()),
        Field::Poang => Value::Points(r.points),
        Field::Exakt => Value::Money(r.exact),
        Field::Belopp => Value::Money(r.amount),
        Field::Justering => Value::Money(r.adjustment),
    }
}
