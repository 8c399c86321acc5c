//! Sending what a job put in the outbox, and reporting what did not go out.

use super::{JobContext, JobError};
use crate::deliver::{deliver, OutgoingMessage, SmtpError};
use crate::domain::{Code, Finding, Severity};
use crate::store::{NewMessage, RunTx, StoreError};

/// Puts a job's messages in the outbox inside its run's transaction.
pub(crate) fn enqueue_all(
    tx: &RunTx,
    job: &str,
    period: &str,
    outgoing: &[(String, OutgoingMessage)],
) -> Result<(), StoreError> {
    for (kommunkod, msg) in outgoing {
        let recipients: Vec<String> = msg.to.iter().map(|e| e.to_string()).collect();
        let new = NewMessage {
            kommunkod,
            recipients: &recipients,
            stem: &msg.stem,
            message_id: &msg.message_id,
            content_hash: &msg.content_hash,
            eml: &msg.bytes,
        };
        tx.enqueue(job, period, &new)?;
    }
    Ok(())
}

/// Sends what is due in the outbox for a job and period; what did not go out becomes a finding.
pub(crate) fn send_due(
    ctx: &JobContext,
    job: &str,
    period: &str,
    figures: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) -> Result<usize, JobError> {
    let smtp = ctx.config.smtp.as_ref().expect("sending needs [smtp]");
    let store = &ctx.store;
    if let Some(codes) = &ctx.delivery.resend {
        let n = store.resend(job, period, if codes.is_empty() { None } else { Some(codes) })?;
        figures.push(format!("{n} message(s) marked to be sent again (--resend)."));
    }
    let report = deliver(store, smtp, &ctx.config.email.from, job, period).map_err(|e| match e {
        SmtpError::Store(s) => JobError::Store(s),
        other => JobError::Send(other.to_string()),
    })?;
    store.record_messages(job, period, report.sent.len())?;
    figures.push(format!(
        "E-mail: {} sent, {} failed for good, {} to try again next run.",
        report.sent.len(),
        report.permanent.len(),
        report.transient.len()
    ));
    for (stem, why) in report.permanent.iter().chain(&report.transient) {
        let permanent = report.permanent.iter().any(|(s, _)| s == stem);
        findings.push(Finding {
            severity: Severity::Error,
            code: Code::MessageNotSent,
            kommun: None,
            subject: stem.clone(),
            detail: if permanent {
                format!("Meddelandet avvisades av e-postservern ({why}). Rätta mottagaren i konfigurationen och kör jobbet igen.")
            } else {
                format!("Meddelandet kunde inte skickas nu ({why}). Det skickas vid nästa körning.")
            },
        });
    }
    Ok(report.sent.len())
}
