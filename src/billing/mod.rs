//! Billing: pure functions from the register and the config to the numbers
//! finance, the municipalities and the steering group read.
//!
//! Nothing here reads a file or the clock; every result is a value that the
//! report stage writes. All amounts are exact decimals; the only rounding is
//! the named largest-remainder step in [`rounding`].

mod accounts;
mod adjustments;
mod error;
mod fixed_cost;
mod followup;
mod invoice;
mod participant_days;
mod pot_adjustments;
mod tariff;
mod trainer_days;
mod trainer_pot;

pub use accounts::account_counts;
pub use adjustments::{adjustments, late_adjustments, ClosedMonth};
pub use error::BillingError;
pub use followup::followup;
pub(crate) use invoice::sort_lines;
pub use invoice::{invoice_basis, InvoiceInputs};
pub use participant_days::participant_days;
pub use pot_adjustments::pot_adjustments;
pub use trainer_days::trainer_days;
pub use trainer_pot::trainer_pot;
