//! The trainer pot's payout list for finance, declared once:
//! `utbetalning-utbildarpott-YYYY.csv` and the sheet of
//! `utbetalning-utbildarpott-YYYY.xlsx` list the same recipients with the
//! same values (the sheet adds the invoice reference).

use super::{both, sheet_only, Col, Value};
use crate::config::Config;
use crate::domain::{PotRow, Recipient};
use crate::report::csv_out::{number, text};

/// A field of a payout row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Kommunkod,
    Kommun,
    Fakturareferens,
    Dagar,
    Poang,
    Belopp,
    Kommentar,
}

/// Every column of the payout list, in the order finance reads them.
pub(crate) const COLUMNS: [Col<Field>; 7] = [
    both(Field::Kommunkod, number("kommunkod"), "Kommunkod"),
    both(Field::Kommun, text("kommun"), "Kommun"),
    sheet_only(Field::Fakturareferens, "Fakturareferens"),
    both(Field::Dagar, number("utbildningsdagar"), "Antal utbildningsdagar"),
    both(Field::Poang, number("poang"), "Poäng"),
    both(Field::Belopp, number("belopp"), "Belopp"),
    both(Field::Kommentar, text("kommentar"), "Kommentarer"),
];

/// The value of a field of a recipient's row.
pub(crate) fn value<'a>(config: &'a Config, r: &'a PotRow, field: Field) -> Value<'a> {
    match field {
        Field::Kommunkod => Value::Text(config.recipient_code(r.recipient).into()),
        Field::Kommun => Value::Text(config.recipient_name(r.recipient).into()),
        Field::Fakturareferens => {
            let m = match r.recipient {
                Recipient::Kommun(k) => config.municipality(k),
                Recipient::Region => None,
            };
            Value::Text(m.map(|m| m.invoice_reference.as_str()).unwrap_or("").into())
        }
        Field::Dagar => Value::Count(r.days.into()),
        Field::Poang => Value::Points(r.points),
        Field::Belopp => Value::Money(r.amount),
        Field::Kommentar => Value::Wrapped(r.comment.as_str().into()),
    }
}
