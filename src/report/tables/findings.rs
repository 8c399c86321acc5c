//! A finding, declared once: `reconciliation.csv` (and the run's
//! `findings.csv`), the regional workbook's sheet *Avvikelser* and the
//! municipality's sheet *Avvikelser* (who acts first, the code last) show
//! the same findings from the same columns.

use super::{both, sheet_only, Col, Value};
use crate::config::Config;
use crate::domain::Finding;
use crate::report::csv_out::{number, text};

/// A field of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// Who acts on it.
    Owner,
    Severity,
    Code,
    /// The code's explanation in Swedish.
    Explanation,
    Kommunkod,
    Kommun,
    Subject,
    Detail,
    /// The detail again, headed for the municipality that acts on it.
    WhatToDo,
}

/// Every column of a finding.
pub(crate) const COLUMNS: [Col<Field>; 9] = [
    sheet_only(Field::Owner, "Åtgärdas av"),
    both(Field::Severity, text("severity"), "Allvarlighet"),
    both(Field::Code, text("code"), "Kod"),
    sheet_only(Field::Explanation, "Avvikelse"),
    both(Field::Kommunkod, number("kommunkod"), "Kommunkod"),
    sheet_only(Field::Kommun, "Kommun"),
    both(Field::Subject, text("subject"), "Gäller"),
    both(Field::Detail, text("detail"), "Förklaring"),
    sheet_only(Field::WhatToDo, "Vad göra"),
];

/// The regional sheet: every finding of the region.
pub(crate) const REGIONAL: [Field; 7] =
    [Field::Severity, Field::Code, Field::Explanation, Field::Kommunkod, Field::Kommun, Field::Subject, Field::Detail];

/// A municipality's sheet: who acts, what to do, the code last for reference.
pub(crate) const MUNICIPALITY: [Field; 6] =
    [Field::Owner, Field::Severity, Field::Explanation, Field::Subject, Field::WhatToDo, Field::Code];

/// The value of a field of a finding; `config` names its municipality (the
/// CSV, which has only the code, passes none).
pub(crate) fn value<'a>(config: Option<&'a Config>, f: &'a Finding, field: Field) -> Value<'a> {
    match field {
        Field::Owner => Value::Text(f.code.owner().swedish().into()),
        Field::Severity => Value::Coded { code: f.severity.to_string().into(), shown: f.severity.swedish().into() },
        Field::Code => Value::Text(f.code.as_str().into()),
        Field::Explanation => Value::Wrapped(f.code.explanation().into()),
        Field::Kommunkod => Value::Text(f.kommun.map(|k| k.to_string()).unwrap_or_default().into()),
        Field::Kommun => {
            let m = f.kommun.zip(config).and_then(|(k, config)| config.municipality(k));
            Value::Text(m.map(|m| m.name.as_str()).unwrap_or("").into())
        }
        Field::Subject => Value::Wrapped(f.subject.as_str().into()),
        Field::Detail | Field::WhatToDo => Value::Wrapped(f.detail.as_ref().into()),
    }
}
