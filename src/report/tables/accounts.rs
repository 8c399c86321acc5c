//! Accounts per municipality, delresa and role, declared once:
//! `accounts-by-municipality.csv` (one row per municipality and delresa),
//! the regional workbook's *Konton per kommun* (one row per municipality)
//! and the municipality's *Konton* (one row per delresa, with the change
//! since last month) show the same counts under the same headings.

use super::{both, csv_only, sheet_only, Col, Value};
use crate::config::Config;
use crate::domain::{AccountCount, DelresaCode, KommunKod};
use crate::report::csv_out::{number, text};

/// A field of an accounts row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Kommunkod,
    Kommun,
    Delresa,
    Konton,
    Medarbetare,
    Chefer,
    Utbildare,
    KAdmin,
    /// Accounts now less accounts at the last snapshot before the month.
    Change,
}

/// Every column of an accounts row.
pub(crate) const COLUMNS: [Col<Field>; 9] = [
    csv_only(Field::Kommunkod, number("kommunkod")),
    both(Field::Kommun, text("kommun"), "Kommun"),
    both(Field::Delresa, text("delresa"), "Delresa"),
    both(Field::Konton, number("konton"), "Antal konton"),
    both(Field::Medarbetare, number("medarbetare"), "Varav medarbetare"),
    both(Field::Chefer, number("chefer"), "Varav chefer"),
    both(Field::Utbildare, number("utbildare"), "Varav utbildare"),
    both(Field::KAdmin, number("k_admin"), "Varav k-admin"),
    sheet_only(Field::Change, "Förändring sedan förra månaden"),
];

/// The counts, in the order of the declaration.
pub(crate) const COUNTS: [Field; 5] =
    [Field::Konton, Field::Medarbetare, Field::Chefer, Field::Utbildare, Field::KAdmin];

/// The regional sheet: each municipality's accounts over all delresor.
pub(crate) const REGIONAL: [Field; 6] =
    [Field::Kommun, Field::Konton, Field::Medarbetare, Field::Chefer, Field::Utbildare, Field::KAdmin];

/// A municipality's sheet: its accounts per delresa and the change.
pub(crate) const MUNICIPALITY: [Field; 7] =
    [Field::Delresa, Field::Konton, Field::Medarbetare, Field::Chefer, Field::Utbildare, Field::KAdmin, Field::Change];

/// One row: a municipality's accounts in a delresa (none: no delresa given).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    pub kommun: KommunKod,
    pub delresa: Option<&'a DelresaCode>,
    pub now: &'a AccountCount,
    /// The accounts at the last snapshot before the month, if any.
    pub before: Option<&'a AccountCount>,
}

/// The value of a field of a row.
pub(crate) fn value<'a>(config: &'a Config, r: &Row<'a>, field: Field) -> Value<'a> {
    match field {
        Field::Kommunkod => Value::Text(r.kommun.to_string().into()),
        Field::Kommun => Value::Text(config.municipality(r.kommun).map(|m| m.name.as_str()).unwrap_or("").into()),
        Field::Delresa => Value::Coded {
            code: r.delresa.map(|d| d.to_string()).unwrap_or_default().into(),
            shown: r.delresa.map(|d| config.delresa_name(d)).unwrap_or("(ingen delresa angiven)").into(),
        },
        Field::Change => match r.before {
            Some(b) => Value::Change(signed(r.now.accounts) - signed(b.accounts)),
            None => Value::Empty,
        },
        other => count(r.now, other),
    }
}

/// A count of `c` (the other fields: empty).
pub(crate) fn count(c: &AccountCount, field: Field) -> Value<'static> {
    match field {
        Field::Konton => Value::Count(c.accounts),
        Field::Medarbetare => Value::Count(c.medarbetare),
        Field::Chefer => Value::Count(c.chefer),
        Field::Utbildare => Value::Count(c.utbildare),
        Field::KAdmin => Value::Count(c.k_admin),
        _ => Value::Empty,
    }
}

/// A count as a signed number, for a change between two counts (saturating).
pub(crate) fn signed(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
