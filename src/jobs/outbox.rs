//! The outbox as the jobs use it: a job puts its messages in with its other
//! effects; every run drains what is due (first thing, whatever job made
//! it, and again after its own commit); what did not reach someone is a
//! `message-not-sent` finding on every run until it is delivered, resent
//! or cancelled.

use super::{JobContext, JobError, JobSettings};
use crate::deliver::{drain, who_is, DrainRules, Drained, OutgoingMessage, SmtpError};
use crate::domain::{Audience, Code, Finding};
use crate::store::{MailState, NewMessage, RunTx, StoreError};

/// Puts a job's messages in the outbox inside its run's transaction.
pub(crate) fn enqueue_all(tx: &RunTx, job: &str, period: &str, outgoing: &[OutgoingMessage]) -> Result<(), StoreError> {
    for msg in outgoing {
        let new = NewMessage {
            audience: &msg.audience,
            stem: &msg.stem,
            message_id: &msg.message_id,
            content_hash: &msg.content_hash,
            subject: &msg.subject,
            body: &msg.body,
            attachments: &msg.attachments,
        };
        tx.enqueue(job, period, &new)?;
    }
    Ok(())
}

/// Whether this run sends e-mail: a relay is configured and it is no dry run.
pub(crate) fn sending(settings: &JobSettings) -> bool {
    !settings.delivery.dry_run && settings.config.smtp.is_some()
}

/// Sends what is due in the outbox (all of it, or the given messages). A
/// scheduled run keeps each message's backoff; a run started by hand tries
/// every pending message now.
pub(crate) fn drain_due(ctx: &JobContext, only: Option<&[i64]>) -> Result<Drained, JobError> {
    if !sending(ctx) {
        return Ok(Drained::default());
    }
    let rules = DrainRules { now: ctx.clock.now(), backoff: ctx.scheduled_at.is_some(), only };
    let drained = drain(&ctx.store, &ctx.config, rules).map_err(|e| match e {
        SmtpError::Store(s) => JobError::Store(s),
    })?;
    if let Some(why) = &drained.setup {
        tracing::warn!("E-mail could not be sent: {why}.");
    }
    Ok(drained)
}

/// Drains after a job's commit; adds the figure line. Returns how many
/// messages are now delivered everywhere.
pub(crate) fn send_after_commit(ctx: &JobContext, figures: &mut Vec<String>) -> Result<usize, JobError> {
    let drained = drain_due(ctx, None)?;
    figures.push(drained.figure());
    if let Some(why) = &drained.setup {
        figures.push(format!("E-mail could not be sent: {why}."));
    }
    Ok(drained.sent.len())
}

/// One finding per message that did not reach someone and waits for the
/// administrator: per refused address it is still for (naming the
/// municipality, the person and the relay's answer), or once if it was
/// given up or cannot be addressed.
pub(crate) fn problems(ctx: &JobContext) -> Result<Vec<Finding>, JobError> {
    if ctx.config.smtp.is_none() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for e in ctx.store.entries(&[MailState::Failed])? {
        let current = crate::deliver::addressed(&ctx.config, &e.audience).map(|a| a.all()).unwrap_or_default();
        let refused: Vec<_> = e
            .recipients
            .iter()
            .filter(|r| !r.delivered && current.iter().any(|c| c.as_str().eq_ignore_ascii_case(&r.address)))
            .collect();
        let kommun = e.audience.kommun();
        let where_ = match &e.audience {
            Audience::Contacts { kommun, .. } => ctx
                .config
                .municipality(*kommun)
                .map(|m| format!(" till {}", m.name))
                .unwrap_or_else(|| format!(" till kommun {kommun}")),
            Audience::Copy { kommun } => format!(" (kopia) om kommun {kommun}"),
            Audience::Finance => " till ekonomi".into(),
            Audience::ProjectLead => " till projektledaren".into(),
            Audience::Addresses(_) => String::new(),
        };
        if refused.is_empty() || !e.refused {
            let last = e.last_error.clone().unwrap_or_default();
            let why = if e.refused {
                format!("Meddelandet kan inte skickas: {last}.")
            } else {
                let days = ctx.config.smtp.as_ref().map_or(0, |s| s.give_up_after.num_days());
                format!("Meddelandet kom inte fram på {days} dagar och har getts upp (senaste svar: {last}).")
            };
            out.push(Finding::new(
                Code::MessageNotSent,
                kommun,
                format!("{}{where_} (nr {})", e.stem, e.id),
                format!(
                    "{why} Åtgärda felet och skicka det igen med `yrkesresan outbox resend {}`, eller avbryt det \
                     med `yrkesresan outbox cancel {}`.",
                    e.id, e.id
                ),
            ));
            continue;
        }
        for r in refused {
            out.push(Finding::new(
                Code::MessageNotSent,
                kommun,
                format!("{}: {}", e.stem, who_is(&ctx.config, &e.audience, &r.address)),
                format!(
                    "E-postservern avvisade adressen ({}). Rätta adressen i konfigurationen: meddelandet går då \
                     till den nya adressen vid nästa körning. Eller avbryt det med `yrkesresan outbox cancel {}`.",
                    r.answer, e.id
                ),
            ));
        }
    }
    Ok(out)
}

/// Adds the outbox's problems to a run's findings (each once).
pub(crate) fn add_problems(ctx: &JobContext, findings: &mut Vec<Finding>) -> Result<(), JobError> {
    for f in problems(ctx)? {
        if !findings.iter().any(|g| g.code == f.code && g.subject == f.subject) {
            findings.push(f);
        }
    }
    Ok(())
}
