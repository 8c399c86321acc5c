//! The project lead's follow-up: the regional workbook, sent when the
//! findings changed since the last one sent (one outbox entry per set of
//! findings: a second change the same day is a new message).

use super::JOB;
use crate::deliver::{compose, deliver, Attached, Draft, OutgoingMessage};
use crate::domain::{Email, Finding};
use crate::jobs::regional::finding_counts;
use crate::jobs::staging::Staging;
use crate::jobs::{JobContext, JobError, JobSettings};
use crate::store::{NewMessage, RunTx};

/// Where the hash of the findings last sent to the project lead is kept.
const LEAD_KEY: &str = "nightly-sync.project-lead.findings";

/// Stages the follow-up when the findings changed (and puts it in the outbox
/// when sending); returns its stem and outbox period.
pub(super) fn stage(
    settings: &JobSettings,
    tx: &RunTx,
    staging: &mut Staging,
    findings: &[Finding],
    workbook: Vec<u8>,
    today: chrono::NaiveDate,
) -> Result<Option<(String, String)>, JobError> {
    let config = &settings.config;
    let Some(lead) = config.email.project_lead.as_ref().filter(|_| settings.delivery.includes("project_lead")) else {
        return Ok(None);
    };
    let hash = findings_hash(findings);
    if tx.setting(LEAD_KEY)?.as_deref() == Some(hash.as_str()) {
        return Ok(None);
    }
    let date = today.to_string();
    let msg = message(settings, &date, lead, findings, workbook)?;
    staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
    let period = format!("{date}.{}", &hash[..12]);
    if sending(settings) {
        let recipients = vec![lead.to_string()];
        let new = NewMessage {
            kommunkod: "project-lead",
            recipients: &recipients,
            stem: &msg.stem,
            message_id: &msg.message_id,
            content_hash: &msg.content_hash,
            eml: &msg.bytes,
        };
        tx.enqueue(JOB, &period, &new)?;
        tx.set_setting(LEAD_KEY, &hash)?;
    }
    Ok(Some((msg.stem, period)))
}

fn sending(settings: &JobSettings) -> bool {
    !settings.delivery.dry_run && settings.config.smtp.is_some()
}

/// Sends the staged follow-up, after the commit.
pub(super) fn send(ctx: &JobContext, to_lead: &Option<(String, String)>) -> Result<usize, JobError> {
    let (Some((stem, period)), Some(smtp)) = (to_lead, ctx.config.smtp.as_ref().filter(|_| sending(ctx))) else {
        return Ok(0);
    };
    let report =
        deliver(&ctx.store, smtp, &ctx.config.email.from, JOB, period).map_err(|e| JobError::Send(e.to_string()))?;
    if !report.all_sent() {
        tracing::warn!("The follow-up {stem} to the project lead did not go out; it is tried again next run.");
    }
    Ok(report.sent.len())
}

/// A fingerprint of the findings, to tell whether they changed.
fn findings_hash(findings: &[Finding]) -> String {
    use sha2::{Digest, Sha256};
    let mut lines: Vec<String> = findings
        .iter()
        .map(|f| format!("{}|{}|{}", f.code, f.kommun.map(|k| k.to_string()).unwrap_or_default(), f.subject))
        .collect();
    lines.sort();
    hex::encode(Sha256::digest(lines.join("\n").as_bytes()))
}

/// The regional follow-up for the project lead, with the findings counted in the body.
fn message(
    settings: &JobSettings,
    date: &str,
    lead: &Email,
    findings: &[Finding],
    workbook: Vec<u8>,
) -> Result<OutgoingMessage, JobError> {
    let mut body = format!(
        "Hej!\n\nAvvikelserna har ändrats sedan förra utskicket. Nattens körning ({date}) gav {} avvikelse(r):\n\n",
        findings.len()
    );
    for line in finding_counts(&settings.config, findings) {
        body += &format!("  {line}\n");
    }
    body += "\nDen regionala uppföljningen finns i bilagan.\n";
    let draft = Draft {
        stem: format!("yrkesresan-uppfoljning-{date}"),
        to: std::slice::from_ref(lead),
        cc: &[],
        subject: format!("Yrkesresan: regional uppföljning {date}"),
        body,
        attachments: vec![Attached::xlsx(workbook)],
    };
    Ok(compose(&settings.config, "projektledaren", draft)?)
}
