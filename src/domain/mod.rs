//! Domain types: values that can only hold what the rules allow, and every
//! record the stages exchange (register, platform, findings, invoice basis,
//! trainer pot).
//!
//! Every type here is parsed once at an edge (config, register, exports) and is
//! valid from then on, so the billing and reporting stages never re-check them.
//! This is the bottom layer: it imports from no other module of the crate.

mod account_list;
pub mod clock;
mod course;
mod days;
mod email;
mod finding;
mod followup;
pub mod hash;
mod invoice;
mod kept_findings;
mod kommun;
mod mail;
mod money;
mod period;
pub mod platform;
mod platform_summary;
mod pot;
pub mod register;
pub mod rounding;
mod stored;
pub mod totara;
mod trainer;

pub use account_list::{AccountList, AccountRef, Reordered};
pub use clock::{Clock, FixedClock, SystemClock};
pub use course::{Category, DayNumber, DelresaCode, Organiser, RoundId};
pub use days::{ParticipantDay, TrainerDayRow};
pub use email::Email;
pub use finding::{Code, Finding, Owner, Severity};
pub use followup::{FollowUp, FollowUpRow, FollowUpSection};
pub use invoice::{Adjustment, InvoiceBasis, InvoiceLine, LineKind};
pub use kommun::{KommunKod, Recipient};
pub use mail::{Attachment, Audience};
pub use money::{Money, Quantity};
pub use period::{swedish_date, Month, Year};
pub use platform::{
    municipality_total, Account, AccountCount, AccountStatus, AccountTable, Completion, CompletionStatus, ExportKind,
    ExportRecord, Overlap, PlatformData, Progress, Roles, RowProblem, Signup, SignupStatus, StoredCompletion,
    StoredSignup, Validators, ViewFile, ViewSource,
};
pub use platform_summary::PlatformSummary;
pub use pot::{
    DistributionRule, PotAdjustment, PotDay, PotDistribution, PotExtra, PotRow, PotTrainerDay, TrainerShare,
};
pub use register::{CourseDay, ExtraKind, ExtraLine, Participant, Register, RegisterNote, Round, TrainerDay};
pub use trainer::TrainerRole;

/// Why a text could not become a domain value; the caller adds where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        ParseError(msg.into())
    }
}

/// Serde as text for a domain type: written with `Display`, read back
/// through its parser, so a stored value is as valid as a parsed one.
macro_rules! serde_as_text {
    ($($t:ty => $parse:expr),* $(,)?) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                let parse: fn(&str) -> Result<$t, ParseError> = $parse;
                parse(&text).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

serde_as_text! {
    KommunKod => KommunKod::parse,
    Recipient => Recipient::parse,
    Money => Money::parse,
    Year => Year::parse,
    Month => Month::parse,
    Category => Category::parse,
    TrainerRole => TrainerRole::parse,
    RoundId => RoundId::parse,
    DayNumber => DayNumber::parse,
    DelresaCode => DelresaCode::parse,
}
