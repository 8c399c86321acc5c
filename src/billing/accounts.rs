//! Accounts per municipality, delresa and role, the shape of seed 000's
//! "Antal konton per kommun": roles overlap, so the role columns need not
//! add up to the accounts; suspended and deleted accounts are not counted.

use crate::config::Config;
use crate::domain::hash::HashMap;
use crate::domain::{AccountCount, AccountList, AccountStatus, Roles};
use crate::domain::{DelresaCode, KommunKod};
use std::collections::BTreeMap;

/// Counts per (municipality, delresa); every configured municipality has at
/// least one row (delresa `None`, zeros) so the table lists all of them.
pub fn account_counts(
    config: &Config,
    accounts: &AccountList,
) -> BTreeMap<(KommunKod, Option<DelresaCode>), AccountCount> {
    // Counted under borrowed keys (no delresa copied per account), then ordered.
    let mut counted: HashMap<(KommunKod, Option<&DelresaCode>), AccountCount> = HashMap::default();
    for a in accounts.iter() {
        let Some(k) = a.kommun else { continue };
        if matches!(a.status, AccountStatus::Suspended | AccountStatus::Deleted) {
            continue;
        }
        let c = counted.entry((k, a.delresa)).or_default();
        c.accounts += 1;
        c.medarbetare += u64::from(a.roles.contains(Roles::MEDARBETARE));
        c.chefer += u64::from(a.roles.contains(Roles::CHEF));
        c.utbildare += u64::from(a.roles.contains(Roles::UTBILDARE));
        c.k_admin += u64::from(a.roles.contains(Roles::K_ADMIN));
    }
    let mut out: BTreeMap<(KommunKod, Option<DelresaCode>), AccountCount> =
        counted.into_iter().map(|((k, d), c)| ((k, d.cloned()), c)).collect();
    for m in &config.municipalities {
        if !out.keys().any(|(k, _)| *k == m.code) {
            out.insert((m.code, None), AccountCount::default());
        }
    }
    out
}
