//! The trainer pot of a year as a job needs it: the frozen distribution of a
//! delivered year (with findings for register changes made since), or a new
//! computation that carries the late changes of earlier delivered years.

use super::JobError;
use crate::billing::{pot_adjustments, trainer_pot};
use crate::config::Config;
use crate::domain::Register;
use crate::domain::{Code, Finding, Severity};
use crate::domain::{Organiser, Recipient, Year};
use crate::domain::{PotAdjustment, PotDistribution};
use crate::store::Reader;

/// A year's pot and how it came about.
pub(crate) struct YearPot {
    /// The distribution.
    pub pot: PotDistribution,
    /// True when it is the frozen, delivered distribution.
    pub frozen: bool,
    /// `late-change-adjusted` findings: register changes to delivered years.
    pub findings: Vec<Finding>,
}

/// The pot of `year`: frozen if delivered, else computed with the adjustments
/// that late changes to earlier delivered years carry into it.
pub(crate) fn year_pot(store: &Reader, config: &Config, register: &Register, year: Year) -> Result<YearPot, JobError> {
    pot_basis(store, register, year)?.year_pot(config, register, year)
}

/// What the store holds that a year's pot depends on: read on the store's
/// thread, so that the computation ([`PotBasis::year_pot`]) can run on
/// another while the store is busy (the nightly sync reads the platform back).
pub(crate) enum PotBasis {
    /// The year was delivered: its frozen distribution and the adjustments
    /// already carried out of it (when the register still has its days).
    Frozen(PotDistribution, Option<Vec<Carried>>),
    /// Not delivered: each earlier delivered year the register still has
    /// days of, with its frozen distribution and the adjustments already
    /// carried out of it into `year`.
    Open(Vec<(Year, PotDistribution, Vec<Carried>)>),
}

/// An amount already carried out of a delivered year, to a recipient.
type Carried = (Recipient, crate::domain::Money);

/// Reads the [`PotBasis`] of `year`.
pub(crate) fn pot_basis(store: &Reader, register: &Register, year: Year) -> Result<PotBasis, JobError> {
    if let Some(frozen) = store.frozen_pot(year)? {
        let carried =
            if has_regional_days(register, year) { Some(store.pot_adjustments_for(year, year)?) } else { None };
        return Ok(PotBasis::Frozen(frozen, carried));
    }
    let mut earlier_years = Vec::new();
    for earlier in store.frozen_years_before(year)? {
        // Without the year's days in the register there is nothing to compare with.
        if !has_regional_days(register, earlier) {
            continue;
        }
        let Some(frozen) = store.frozen_pot(earlier)? else { continue };
        earlier_years.push((earlier, frozen, store.pot_adjustments_for(earlier, year)?));
    }
    Ok(PotBasis::Open(earlier_years))
}

impl PotBasis {
    /// The pot of `year` from what the store held (no store needed).
    pub(crate) fn year_pot(self, config: &Config, register: &Register, year: Year) -> Result<YearPot, JobError> {
        match self {
            PotBasis::Frozen(frozen, carried) => {
                let mut findings = Vec::new();
                if let Some(carried) = carried {
                    let now = trainer_pot(register, config, year, &frozen.adjustments)?;
                    let next = Year::new(year.get() + 1).unwrap_or(year);
                    findings
                        .extend(pot_adjustments(&now, &frozen, &carried).iter().map(|a| late_finding(config, a, next)));
                }
                Ok(YearPot { pot: frozen, frozen: true, findings })
            }
            PotBasis::Open(earlier_years) => {
                let mut carried: Vec<PotAdjustment> = Vec::new();
                for (earlier, frozen, already) in earlier_years {
                    let now = trainer_pot(register, config, earlier, &frozen.adjustments)?;
                    carried.extend(pot_adjustments(&now, &frozen, &already));
                }
                let findings = carried.iter().map(|a| late_finding(config, a, year)).collect();
                let pot = trainer_pot(register, config, year, &carried)?;
                Ok(YearPot { pot, frozen: false, findings })
            }
        }
    }
}

fn has_regional_days(register: &Register, year: Year) -> bool {
    let rounds = register.round_index();
    register.days.iter().any(|d| year.contains(d.date) && rounds[&d.round].organiser == Organiser::Regional)
}

fn late_finding(config: &Config, a: &PotAdjustment, in_year: Year) -> Finding {
    let sign = if a.amount.is_negative() { "" } else { "+" };
    let kommun = match a.recipient {
        Recipient::Kommun(k) => Some(k),
        Recipient::Region => None,
    };
    Finding::new(
        Code::LateChangeAdjusted,
        kommun,
        format!("Utbildarpott {} – {}", a.for_year, config.recipient_name(a.recipient)),
        format!(
            "Kursdagsregistret har ändrats för {0} efter att utbildarpotten för {0} betalades ut. Utbetalningen för {0} \
             ändras inte; skillnaden {sign}{1} kr räknas in i fördelningen av utbildarpotten {in_year}.",
            a.for_year,
            a.amount.to_swedish()
        ),
    )
    .with_severity(Severity::Warning)
}
