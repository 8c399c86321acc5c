//! The regional fixed cost: the year's amount split by population share and
//! invoiced in instalments in the configured months.

use super::BillingError;
use crate::config::Config;
use crate::domain::rounding::split_by_weights;
use crate::domain::{KommunKod, Money, Month};

/// One municipality's instalment of the fixed cost in a month.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Instalment {
    pub kommun: KommunKod,
    pub amount: Money,
    pub number: usize,
    pub of: usize,
    pub share_percent: rust_decimal::Decimal,
    pub decided: bool,
}

/// The instalments due in a month (empty if none is due or no amount is set).
pub(crate) fn instalments(config: &Config, month: Month) -> Result<Vec<Instalment>, BillingError> {
    let Some(cost) = config.billing.regional_fixed_cost.get(&month.year().get()) else {
        return Ok(Vec::new());
    };
    let months = &config.billing.fixed_cost_months;
    let Some(pos) = months.iter().position(|&m| m == month.number()) else {
        return Ok(Vec::new());
    };
    let what = |e| BillingError::Rounding { what: format!("regional fixed cost {}", month.year()), source: e };
    let ore = Money::parse("0.01").expect("literal");
    let weights: Vec<u64> = config.municipalities.iter().map(|m| u64::from(m.population)).collect();
    let total_pop: u64 = weights.iter().sum();
    let yearly = split_by_weights(cost.amount, &weights, ore).map_err(what)?;
    let n = months.len();
    config
        .municipalities
        .iter()
        .zip(yearly)
        .map(|(m, year_share)| {
            let even = split_by_weights(year_share, &vec![1; n], ore).map_err(what)?;
            let share_percent = (rust_decimal::Decimal::from(m.population) * rust_decimal::Decimal::from(100)
                / rust_decimal::Decimal::from(total_pop.max(1)))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            Ok(Instalment {
                kommun: m.code,
                amount: even[pos],
                number: pos + 1,
                of: n,
                share_percent,
                decided: cost.decided.is_decided(),
            })
        })
        .collect()
}
