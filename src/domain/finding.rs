//! A finding: something a person should look at, with a stable code.
//!
//! Every code the pipeline emits is a [`Code`], listed once here with its
//! severity, who acts on it and a plain-Swedish explanation (cargo-deny's
//! pattern): reports, the README's table and the tests read them from here.

use super::{DelresaCode, KommunKod};
use chrono::NaiveDate;
use std::borrow::Cow;
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    /// Wrong data that changes money or reports.
    Error,
    /// Probably wrong; billing made a documented choice.
    Warning,
    /// For information.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

impl Severity {
    /// The Swedish word, for what people read.
    pub fn swedish(self) -> &'static str {
        match self {
            Severity::Error => "fel",
            Severity::Warning => "varning",
            Severity::Info => "information",
        }
    }
}

/// Who acts on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// The municipality (its k-admin or contact person).
    Kommun,
    /// RSS (the regional administrator or project lead).
    Rss,
}

impl Owner {
    /// The Swedish heading of its part of a findings sheet.
    pub fn swedish(self) -> &'static str {
        match self {
            Owner::Kommun => "Kommunen åtgärdar",
            Owner::Rss => "RSS åtgärdar",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $owner:ident, $text:literal;)*) => {
        /// Every finding code the pipeline emits.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum Code {
            $(#[doc = $text] $variant,)*
        }

        impl Code {
            /// Every code, in the order reports list them.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case code (CSV, logs).
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity a finding of this code has unless it says otherwise.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// Who acts on it.
            pub fn owner(self) -> Owner {
                match self { $(Code::$variant => Owner::$owner,)* }
            }

            /// What it means, in plain Swedish.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
        }
    };
}

codes! {
    ParticipantWithoutAccount = "participant-without-account", Warning, Kommun,
        "Deltagaren i kursdagsregistret har inget konto i lärplattformen.";
    MunicipalityMismatch = "municipality-mismatch", Warning, Kommun,
        "Kursdagsregistret och kontot i lärplattformen anger olika kommuner.";
    AttendanceNotInPlatform = "attendance-not-in-platform", Warning, Rss,
        "Närvaro på en regional kursdag finns i registret men inte i lärplattformen.";
    PlatformAttendanceNotInRegister = "platform-attendance-not-in-register", Warning, Rss,
        "Lärplattformen visar närvaro på en kursdag som registret saknar.";
    ApprovedNotCompleted = "approved-not-completed", Warning, Rss,
        "Deltagaren är godkänd i registret men kursen är inte slutförd i lärplattformen.";
    CompletedNotApproved = "completed-not-approved", Warning, Rss,
        "Kursen är slutförd i lärplattformen men deltagaren är inte godkänd i registret.";
    TrainerWithoutTrainerRole = "trainer-without-trainer-role", Warning, Kommun,
        "Utbildaren undervisar enligt registret men kontot saknar rollen utbildare.";
    UnderstaffedDay = "understaffed-day", Warning, Rss,
        "En regional kursdag har för få utbildare eller saknar kursledare.";
    DuplicateParticipant = "duplicate-participant", Warning, Rss,
        "En deltagare står två gånger i samma kursomgång; hen faktureras en gång.";
    TrainerAlsoParticipant = "trainer-also-participant", Error, Rss,
        "En utbildare är samtidigt deltagare med närvaro samma dag.";
    InactiveAccountAttending = "inactive-account-attending", Warning, Kommun,
        "Närvaro för ett konto som är avstängt eller borttaget i lärplattformen.";
    DayWithoutTrainers = "day-without-trainers", Warning, Rss,
        "En betald kursdag saknar utbildare i registret; dess pott stannar hos regionen.";
    UnknownMunicipality = "unknown-municipality", Error, Kommun,
        "Ett konto hör till en organisation som inte är en kommun i regionen.";
    DuplicateExportRow = "duplicate-export-row", Warning, Rss,
        "En export upprepar samma användare och kurs; raden räknas en gång.";
    DownloadFailed = "download-failed", Error, Rss,
        "En export kunde inte hämtas; den hämtas igen vid nästa körning.";
    DownloadIncomplete = "download-incomplete", Warning, Rss,
        "En webbtjänst gav fler sidor än gränsen tillåter; läsningen stoppades där.";
    FileRejected = "file-rejected", Error, Rss,
        "En fil i inkorgen kunde inte läsas och ligger i mappen rejected/ med orsaken.";
    LateChangeAdjusted = "late-change-adjusted", Warning, Rss,
        "Registret ändrades för en redan fakturerad eller utbetald period; skillnaden justeras i nästa.";
    MessageNotSent = "message-not-sent", Error, Rss,
        "Ett e-postmeddelande kunde inte levereras.";
    NoContactForDelresa = "no-contact-for-delresa", Warning, Rss,
        "Kommunen har deltagare i en delresa som ingen av dess kontaktpersoner är kontakt för; de skickas inte.";
    OverlappingExports = "overlapping-exports", Warning, Rss,
        "Samma användare (och kurs eller seminarietillfälle) finns med olika värden i två aktuella exporter; den nyare gäller.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding (stored with the platform summary it came from).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// error / warning / info (the code's unless a case says otherwise).
    pub severity: Severity,
    /// What kind of finding it is.
    pub code: Code,
    /// The municipality concerned, if any.
    pub kommun: Option<KommunKod>,
    /// The person or course round it is about.
    pub subject: String,
    /// Plain Swedish: what is wrong and what to fix. Most are one fixed
    /// text per code, borrowed rather than copied into each of (at national
    /// scale) 100 000 findings.
    pub detail: Cow<'static, str>,
    /// The (first) course day it concerns, if it concerns days: a
    /// municipality's monthly workbook shows it from that month on, in that year.
    #[serde(with = "super::stored::day_number")]
    pub date: Option<NaiveDate>,
    /// The delresa of the round it concerns: a contact person sees only
    /// findings of the delresor they are contact for.
    pub delresa: Option<DelresaCode>,
}

impl Finding {
    /// A finding with its code's severity.
    pub fn new(
        code: Code,
        kommun: Option<KommunKod>,
        subject: impl Into<String>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Finding {
            severity: code.severity(),
            code,
            kommun,
            subject: subject.into(),
            detail: detail.into(),
            date: None,
            delresa: None,
        }
    }

    /// The same finding, about a course day (or a round starting then).
    pub fn on(mut self, date: NaiveDate) -> Self {
        self.date = Some(date);
        self
    }

    /// The same finding, about a round of a delresa.
    pub fn in_delresa(mut self, delresa: &DelresaCode) -> Self {
        self.delresa = Some(delresa.clone());
        self
    }

    /// The same finding with another severity (e.g. information only).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_kebab_case_unique_and_explained_in_swedish() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "{c}");
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(c.explanation().ends_with('.'), "{c}");
        }
        assert_eq!(Code::ALL.len(), 21);
    }
}
