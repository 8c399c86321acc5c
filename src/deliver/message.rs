//! Building one municipality's message: recipients, subject and body from the
//! config's templates, the workbook attached under an ASCII file name.
//!
//! A message is its content (subject, body, attachments, Message-ID) and an
//! [`Audience`]; the addresses are looked up in the config when it is
//! formatted, so the outbox can format it again at each try with the
//! addresses the config holds then ([`format_message`]).

use super::address::addressed;
use crate::config::{Config, Municipality};
use crate::domain::{Attachment, Audience, Email, Money, Month};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
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
    /// Who it is for.
    pub audience: Audience,
    /// Everyone it goes to now (to and cc), sorted.
    pub to: Vec<Email>,
    /// Our Message-ID (without angle brackets).
    pub message_id: String,
    /// SHA-256 of subject, body and attachments: the same content gives the same hash.
    pub content_hash: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// The formatted RFC 5322 message, as addressed now (the `.eml` copy).
    pub bytes: Vec<u8>,
}

/// Fills `{name}` placeholders.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_string(), |acc, (k, v)| acc.replace(&format!("{{{k}}}"), v))
}

/// Swedish money text: `12 345,00`.
fn swedish(m: Money) -> String {
    m.to_swedish()
}

/// What a message with undecided amounts says first: its total is not an invoice.
const PRELIMINARY_NOTICE: &str = "OBS! Detta underlag är preliminärt. Det innehåller belopp som ännu inte är \
beslutade (markerade \"preliminärt, ej beslutat\") och summan nedan är därför inte det som kommer att faktureras.";

/// What one municipality's message says and carries.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    /// Who it is for: contact persons for some delresor, or the copy.
    pub audience: Audience,
    /// File-name stem: `yrkesresan-<kommun>[-<delresor>]-<YYYY-MM>`.
    pub stem: String,
    /// The total to invoice.
    pub total: Money,
    /// True if the lines include amounts nobody has decided yet (a dry run
    /// or the demo): the message says so before anything else.
    pub preliminary: bool,
    /// The invoice lines as text for the body.
    pub lines: &'a [String],
    /// The workbook.
    pub workbook: Vec<u8>,
}

/// Builds one municipality's message for a period with its workbook
/// attached, from the config's templates (`copy_*` for the copy).
pub fn build_message(
    config: &Config,
    m: &Municipality,
    period: Month,
    letter: Letter,
) -> Result<OutgoingMessage, DeliverError> {
    let Letter { audience, stem, total, preliminary, lines, workbook } = letter;
    let values = [
        ("kommun", m.name.clone()),
        ("period", period.swedish()),
        ("total", swedish(total)),
        ("lines", lines.iter().map(|l| format!("  {l}\n")).collect::<String>()),
        ("region", config.region.name.clone()),
    ];
    let (subject, body) = match audience {
        Audience::Copy { .. } => (&config.email.copy_subject, &config.email.copy_body),
        _ => (&config.email.subject, &config.email.body),
    };
    let (mut subject, mut body) = (fill(subject, &values), fill(body, &values));
    if preliminary {
        subject = format!("PRELIMINÄRT – {subject}");
        body = format!("{PRELIMINARY_NOTICE}\n\n{body}");
    }
    let draft = Draft { stem, audience, subject, body, attachments: vec![xlsx(workbook)] };
    compose(config, &m.name, draft)
}

/// What one municipality's trainer-pot statement says and carries.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The pot's year.
    pub year: crate::domain::Year,
    /// The payout.
    pub amount: Money,
    /// Trainer-days behind it.
    pub days: u32,
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
        audience: Audience::Contacts { kommun: m.code, delresor: Vec::new(), activity: Vec::new() },
        subject: fill(&config.email.payout_subject, &values),
        body: fill(&config.email.payout_body, &values),
        attachments: vec![xlsx(st.workbook)],
    };
    compose(config, &m.name, draft)
}

/// A workbook named `<stem>.xlsx`.
pub fn xlsx(bytes: Vec<u8>) -> Attachment {
    Attachment { suffix: ".xlsx".into(), mime: XLSX_MIME.into(), bytes }
}

/// A CSV file named `<stem>.csv`.
pub fn csv(bytes: Vec<u8>) -> Attachment {
    Attachment { suffix: ".csv".into(), mime: "text/csv".into(), bytes }
}

/// Any message of ours: the stem names the files and the Message-ID.
#[derive(Debug, Clone)]
pub struct Draft {
    /// `yrkesresan-…`: ASCII, names the attachments and the `.eml` file.
    pub stem: String,
    /// Who it is for.
    pub audience: Audience,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attachments.
    pub attachments: Vec<Attachment>,
}

/// Builds a message from a draft, addressed as the config says now; `who`
/// names the receiver in errors.
pub fn compose(config: &Config, who: &str, d: Draft) -> Result<OutgoingMessage, DeliverError> {
    let fail = |reason: String| DeliverError::Build { kommun: who.to_string(), reason };
    let mut hasher = Sha256::new();
    hasher.update(d.subject.as_bytes());
    hasher.update([0]);
    hasher.update(d.body.as_bytes());
    for a in &d.attachments {
        hasher.update([0]);
        hasher.update(a.suffix.as_bytes());
        hasher.update(&a.bytes);
    }
    let content_hash = hex::encode(hasher.finalize());
    let message_id = format!("{}.{}@{}", d.stem, &content_hash[..16], config.email.message_id_domain);
    let to = addressed(config, &d.audience).map_err(fail)?;
    let content = Content { stem: &d.stem, message_id: &message_id, subject: &d.subject, body: &d.body };
    let bytes = format_message(config, &content, &to.to, &to.cc, &d.attachments).map_err(fail)?;
    let mut recipients: Vec<Email> = to.to.iter().chain(&to.cc).cloned().collect();
    recipients.sort();
    recipients.dedup();
    Ok(OutgoingMessage {
        stem: d.stem,
        audience: d.audience,
        to: recipients,
        message_id,
        content_hash,
        subject: d.subject,
        body: d.body,
        attachments: d.attachments,
        bytes,
    })
}

/// What a message says, apart from its addresses and attachments.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    /// The stem: names the attachments.
    pub stem: &'a str,
    /// Message-ID without angle brackets.
    pub message_id: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Body.
    pub body: &'a str,
}

/// Formats a message (lettre: headers, MIME, attachment encoding) with the
/// given addresses and the config's From and Reply-To.
pub fn format_message(
    config: &Config,
    c: &Content,
    to: &[Email],
    cc: &[Email],
    attachments: &[Attachment],
) -> Result<Vec<u8>, String> {
    let from: Mailbox = config.email.from.parse().map_err(|e| format!("from: {e}"))?;
    let mut b = Message::builder().from(from).subject(c.subject).message_id(Some(format!("<{}>", c.message_id)));
    if let Some(r) = &config.email.reply_to {
        b = b.reply_to(r.parse().map_err(|e| format!("reply-to: {e}"))?);
    }
    for t in to {
        b = b.to(t.as_str().parse().map_err(|e| format!("to {t}: {e}"))?);
    }
    for c in cc {
        b = b.cc(c.as_str().parse().map_err(|e| format!("cc {c}: {e}"))?);
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(c.body.to_string()));
    for a in attachments {
        let ct = ContentType::parse(&a.mime).map_err(|e| e.to_string())?;
        parts = parts
            .singlepart(lettre::message::Attachment::new(format!("{}{}", c.stem, a.suffix)).body(a.bytes.clone(), ct));
    }
    let msg = b.multipart(parts).map_err(|e| e.to_string())?;
    Ok(msg.formatted())
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
