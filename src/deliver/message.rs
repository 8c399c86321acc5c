//! Building one municipality's message: recipients, subject and body from the
//! config's templates, the workbook attached under an ASCII file name.

use crate::config::{Config, Municipality};
use crate::domain::{DelresaCode, Email, Money, Month};
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest, Sha256};

/// The xlsx MIME type.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// An address or header was rejected.
    #[error("cannot build the message to {kommun}: {reason}")]
    Build {
        /// The municipality.
        kommun: String,
        /// Why.
        reason: String,
    },
    /// The outbox could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A message ready to go, with what the outbox needs to know about it.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// File-name stem: `yrkesresan-<slug>-<period>`.
    pub stem: String,
    /// Everyone it goes to (to and cc), sorted.
    pub to: Vec<Email>,
    /// Our Message-ID (without angle brackets).
    pub message_id: String,
    /// SHA-256 of subject, recipients and attachment: the same content gives the same hash.
    pub content_hash: String,
    /// The formatted RFC 5322 message.
    pub bytes: Vec<u8>,
}

/// The contact persons for the delresor a workbook covers; all of the
/// municipality's contacts when it covers none (fixed costs only). Sorted, unique.
pub fn recipients_for(m: &Municipality, delresor: &[DelresaCode]) -> Vec<Email> {
    let mut to: Vec<Email> = m
        .contacts
        .iter()
        .filter(|c| delresor.is_empty() || c.delresor.iter().any(|d| delresor.contains(d)))
        .map(|c| c.email.clone())
        .collect();
    if to.is_empty() {
        to = m.contacts.iter().map(|c| c.email.clone()).collect();
    }
    to.sort();
    to.dedup();
    to
}

/// Fills `{name}` placeholders.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_string(), |acc, (k, v)| acc.replace(&format!("{{{k}}}"), v))
}

/// Swedish money text: `12 345,00`.
fn swedish(m: Money) -> String {
    m.to_swedish()
}

/// What one municipality's message says and carries.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    /// The contact persons.
    pub to: &'a [Email],
    /// Copies (config `smtp.cc`).
    pub cc: &'a [Email],
    /// The total to invoice.
    pub total: Money,
    /// The invoice lines as text for the body.
    pub lines: &'a [String],
    /// The municipality's workbook.
    pub workbook: Vec<u8>,
}

/// Builds one municipality's message for a period with its workbook attached.
pub fn build_message(
    config: &Config,
    m: &Municipality,
    period: Month,
    letter: Letter,
) -> Result<OutgoingMessage, DeliverError> {
    let Letter { to, cc, total, lines, workbook } = letter;
    let values = [
        ("kommun", m.name.clone()),
        ("period", period.to_string()),
        ("total", swedish(total)),
        ("lines", lines.iter().map(|l| format!("  {l}\n")).collect::<String>()),
        ("region", config.region.name.clone()),
    ];
    let draft = Draft {
        stem: format!("yrkesresan-{}-{}", m.slug(), period),
        to,
        cc,
        subject: fill(&config.email.subject, &values),
        body: fill(&config.email.body, &values),
        attachments: vec![Attached::xlsx(workbook)],
    };
    compose(config, &m.name, draft)
}

/// What one municipality's trainer-pot statement says and carries.
#[derive(Debug, Clone)]
pub struct Statement<'a> {
    /// The pot's year.
    pub year: crate::domain::Year,
    /// The payout.
    pub amount: Money,
    /// Trainer-days behind it.
    pub days: u32,
    /// The contact persons.
    pub to: &'a [Email],
    /// Copies (config `smtp.cc`).
    pub cc: &'a [Email],
    /// The statement workbook.
    pub workbook: Vec<u8>,
}

/// Builds a municipality's trainer-pot statement message from the config's
/// `payout_subject` / `payout_body` templates, the workbook attached.
pub fn build_statement(config: &Config, m: &Municipality, st: Statement) -> Result<OutgoingMessage, DeliverError> {
    let values = [
        ("kommun", m.name.clone()),
        ("year", st.year.to_string()),
        ("amount", swedish(st.amount)),
        ("days", st.days.to_string()),
        ("region", config.region.name.clone()),
    ];
    let draft = Draft {
        stem: format!("yrkesresan-utbildarpott-{}-{}", m.slug(), st.year),
        to: st.to,
        cc: st.cc,
        subject: fill(&config.email.payout_subject, &values),
        body: fill(&config.email.payout_body, &values),
        attachments: vec![Attached::xlsx(st.workbook)],
    };
    compose(config, &m.name, draft)
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct Attached {
    /// File-name suffix after the stem, e.g. `.xlsx`.
    pub suffix: String,
    /// MIME type.
    pub mime: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Attached {
    /// A workbook named `<stem>.xlsx`.
    pub fn xlsx(bytes: Vec<u8>) -> Self {
        Attached { suffix: ".xlsx".into(), mime: XLSX_MIME, bytes }
    }
}

/// Any message of ours: the stem names the files and the Message-ID.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// `yrkesresan-…`: ASCII, names the attachments and the `.eml` file.
    pub stem: String,
    /// Recipients.
    pub to: &'a [Email],
    /// Copies.
    pub cc: &'a [Email],
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attachments.
    pub attachments: Vec<Attached>,
}

/// Builds a message from a draft; `who` names the receiver in errors.
pub fn compose(config: &Config, who: &str, d: Draft) -> Result<OutgoingMessage, DeliverError> {
    let fail = |reason: String| DeliverError::Build { kommun: who.to_string(), reason };
    let mut hasher = Sha256::new();
    hasher.update(d.subject.as_bytes());
    for t in d.to.iter().chain(d.cc) {
        hasher.update(t.as_str().as_bytes());
    }
    for a in &d.attachments {
        hasher.update(&a.bytes);
    }
    let content_hash = hex::encode(hasher.finalize());
    let message_id = format!("{}.{}@{}", d.stem, &content_hash[..16], config.email.message_id_domain);

    let from: Mailbox = config.email.from.parse().map_err(|e| fail(format!("from: {e}")))?;
    let mut b = Message::builder().from(from).subject(d.subject).message_id(Some(format!("<{message_id}>")));
    if let Some(r) = &config.email.reply_to {
        b = b.reply_to(r.parse().map_err(|e| fail(format!("reply-to: {e}")))?);
    }
    for t in d.to {
        b = b.to(t.as_str().parse().map_err(|e| fail(format!("to {t}: {e}")))?);
    }
    for c in d.cc {
        b = b.cc(c.as_str().parse().map_err(|e| fail(format!("cc {c}: {e}")))?);
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(d.body));
    for a in d.attachments {
        let ct = ContentType::parse(a.mime).map_err(|e| fail(e.to_string()))?;
        parts = parts.singlepart(Attachment::new(format!("{}{}", d.stem, a.suffix)).body(a.bytes, ct));
    }
    let msg = b.multipart(parts).map_err(|e| fail(e.to_string()))?;
    let mut recipients: Vec<Email> = d.to.iter().chain(d.cc).cloned().collect();
    recipients.sort();
    recipients.dedup();
    Ok(OutgoingMessage { stem: d.stem, to: recipients, message_id, content_hash, bytes: msg.formatted() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_the_swedish_way() {
        assert_eq!(swedish(Money::parse("1234567.5").unwrap()), "1 234 567,50");
        assert_eq!(swedish(Money::kr(-400)), "-400,00");
        assert_eq!(swedish(Money::kr(650)), "650,00");
    }
}
