//! The follow-up table, declared once: `followup-YYYY.csv` (one row per
//! delresa and course) and the regional workbook's sheet *Uppföljning* (a
//! table per delresa, with its total) show the same courses and counts.

use super::{both, csv_only, Col, Value};
use crate::domain::{DelresaCode, FollowUpRow};
use crate::report::csv_out::{number, text};

/// A field of a course's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Delresa,
    Kurs,
    Omgangar,
    Kursdagar,
    Anmalda,
    Godkanda,
    Andel,
}

/// Every column of the follow-up.
pub(crate) const COLUMNS: [Col<Field>; 7] = [
    csv_only(Field::Delresa, text("delresa")),
    both(Field::Kurs, text("kurs"), "Kurs"),
    both(Field::Omgangar, number("omgangar"), "Kursomgångar"),
    both(Field::Kursdagar, number("kursdagar"), "Kursdagar"),
    both(Field::Anmalda, number("anmalda"), "Anmälda"),
    both(Field::Godkanda, number("godkanda"), "Godkända"),
    both(Field::Andel, number("andel"), "Andel godkända"),
];

/// The columns of a delresa's table on the sheet (the sheet's section names the delresa).
pub(crate) const SHEET: [Field; 6] =
    [Field::Kurs, Field::Omgangar, Field::Kursdagar, Field::Anmalda, Field::Godkanda, Field::Andel];

/// The value of a field of a course's row in a delresa's table.
pub(crate) fn value<'a>(delresa: &DelresaCode, r: &'a FollowUpRow, field: Field) -> Value<'a> {
    match field {
        Field::Delresa => Value::Text(delresa.to_string().into()),
        Field::Kurs => Value::Text(r.course.as_str().into()),
        Field::Omgangar => Value::Count(r.rounds.into()),
        Field::Kursdagar => Value::Count(r.days.into()),
        Field::Anmalda => Value::Count(r.registered.into()),
        Field::Godkanda => Value::Count(r.approved.into()),
        Field::Andel => Value::Percent { csv: r.share_csv(), percent: r.share() },
    }
}
