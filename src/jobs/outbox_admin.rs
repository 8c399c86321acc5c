//! What the administrator does with the outbox (`yrkesresan outbox`) and
//! what `serve` does between runs: send a message again, cancel one, send
//! what has come due. Each takes the state's job lock, so it never races a
//! run.

use super::outbox::drain_due;
use super::{JobContext, JobError, JobSettings, StateLock};
use crate::deliver::Drained;
use crate::domain::KommunKod;
use crate::store::MailState;

/// Which messages `outbox resend` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResendTarget {
    /// One message by its outbox id.
    Id(i64),
    /// A municipality's messages: of a period (and job) if given, else
    /// those that failed.
    Kommun {
        /// The municipality.
        kommun: KommunKod,
        /// Only this period.
        period: Option<String>,
        /// Only this job.
        job: Option<String>,
    },
}

/// What `outbox resend` did.
#[derive(Debug, Clone)]
pub struct Resent {
    /// The messages marked to be sent again.
    pub ids: Vec<i64>,
    /// What sending them now did (empty when no relay is configured).
    pub drained: Drained,
}

/// Marks messages to be sent again to every address the config gives them
/// now, and sends them at once when a relay is configured.
pub fn resend(settings: &JobSettings, target: &ResendTarget) -> Result<Resent, JobError> {
    let _lock = StateLock::job(&settings.state, "outbox resend", &settings.now())?;
    let ctx = JobContext::open(settings)?;
    let all = ctx.store.entries(&[])?;
    let ids: Vec<i64> = match target {
        ResendTarget::Id(id) => all.iter().filter(|e| e.id == *id).map(|e| e.id).collect(),
        ResendTarget::Kommun { kommun, period, job } => all
            .iter()
            .filter(|e| e.audience.kommun() == Some(*kommun))
            .filter(|e| match period {
                Some(p) => e.period == *p && job.as_ref().is_none_or(|j| e.job == *j),
                None => e.state == MailState::Failed && job.as_ref().is_none_or(|j| e.job == *j),
            })
            .map(|e| e.id)
            .collect(),
    };
    if ids.is_empty() {
        return Err(JobError::NothingToResend(match target {
            ResendTarget::Id(id) => format!("there is no message {id} in the outbox (see `yrkesresan outbox list`)"),
            ResendTarget::Kommun { kommun, period: None, .. } => format!(
                "municipality {kommun} has no failed message; name a period (--period) to send one again that went out"
            ),
            ResendTarget::Kommun { kommun, period: Some(p), .. } => {
                format!("municipality {kommun} has no message of {p} in the outbox")
            }
        }));
    }
    ctx.store.resend_ids(&ids)?;
    let drained = drain_due(&ctx, Some(&ids))?;
    Ok(Resent { ids, drained })
}

/// Cancels a message that has not reached everyone: it is never sent and
/// no longer reported.
pub fn cancel(settings: &JobSettings, id: i64) -> Result<(), JobError> {
    let _lock = StateLock::job(&settings.state, "outbox cancel", &settings.now())?;
    let ctx = JobContext::open(settings)?;
    match ctx.store.entry(id)? {
        None => Err(JobError::NothingToResend(format!("there is no message {id} in the outbox"))),
        Some(e) if e.state == MailState::Sent => {
            Err(JobError::NothingToResend(format!("message {id} ({}) was delivered already", e.stem)))
        }
        Some(_) => {
            ctx.store.cancel(id)?;
            Ok(())
        }
    }
}

/// Sends what has come due in the outbox, on its backoff (for `serve`
/// between runs). `None` if a run holds the lock or nothing was due.
pub fn drain_waiting(settings: &JobSettings) -> Result<Option<Drained>, JobError> {
    let Ok(_lock) = StateLock::job(&settings.state, "outbox", &settings.now()) else { return Ok(None) };
    let ctx = JobContext::open(settings)?;
    let now = ctx.clock.stamp();
    match ctx.store.next_try()? {
        Some(next) if next.as_str() <= now.as_str() => {}
        _ => return Ok(None),
    }
    let drained = drain_due(&ctx, None)?;
    Ok((!drained.is_empty()).then_some(drained))
}
