//! Course progress per municipality and course, declared once:
//! `progress-by-municipality.csv`, the municipality's sheet *Kursstatus* and
//! the headings of the regional pivot *Kursstatus per kommun* come from here.

use super::{both, csv_only, Col, Value};
use crate::config::Config;
use crate::domain::Progress;
use crate::report::csv_out::{number, text};

/// A field of a progress row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Kommunkod,
    Kommun,
    Kurs,
    EjPaborjad,
    Pagaende,
    Genomfort,
}

/// Every column of a progress row.
pub(crate) const COLUMNS: [Col<Field>; 6] = [
    csv_only(Field::Kommunkod, number("kommunkod")),
    both(Field::Kommun, text("kommun"), "Kommun"),
    both(Field::Kurs, text("kurs"), "Kurs"),
    both(Field::EjPaborjad, number("ej_paborjad"), "Ej påbörjad"),
    both(Field::Pagaende, number("pagaende"), "Pågående"),
    both(Field::Genomfort, number("genomfort"), "Genomfört"),
];

/// A municipality's sheet: one row per course.
pub(crate) const MUNICIPALITY: [Field; 4] = [Field::Kurs, Field::EjPaborjad, Field::Pagaende, Field::Genomfort];

/// The counts, in the order of the declaration.
pub(crate) const COUNTS: [Field; 3] = [Field::EjPaborjad, Field::Pagaende, Field::Genomfort];

/// The value of a field of a row.
pub(crate) fn value<'a>(config: &'a Config, p: &'a Progress, field: Field) -> Value<'a> {
    match field {
        Field::Kommunkod => Value::Text(p.kommun.to_string().into()),
        Field::Kommun => Value::Text(config.municipality(p.kommun).map(|m| m.name.as_str()).unwrap_or("").into()),
        Field::Kurs => Value::Text(p.course.as_str().into()),
        other => Value::Count(count(p, other)),
    }
}

/// A count of a row (the other fields: zero).
pub(crate) fn count(p: &Progress, field: Field) -> u64 {
    match field {
        Field::EjPaborjad => p.not_started,
        Field::Pagaende => p.in_progress,
        Field::Genomfort => p.complete,
        _ => 0,
    }
}

/// The heading of a field.
pub(crate) fn heading(field: Field) -> &'static str {
    super::heading(&COLUMNS, &field)
}
