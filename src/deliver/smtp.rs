//! Draining the outbox over SMTP (lettre, tokio, rustls): STARTTLS or
//! implicit TLS required unless the config says `tls = "none"` for a
//! loopback relay; credentials from the environment; our own timeout around
//! every send.
//!
//! Each message is formatted at each try with the addresses the config holds
//! then, and sent to each address that does not have it yet in its own SMTP
//! transaction (one envelope recipient), so one refused address does not stop
//! the others and every address's outcome is known. SMTP's reply classes
//! decide what happens: 2xx delivered, 5xx refused for good (the address is
//! reported and never tried again until the config names another or
//! `outbox resend` asks), anything else — 4xx, a broken or refused
//! connection, a TLS handshake that fails, no answer in time — is transient:
//! retried a few times within the try, then at the next try on the backoff
//! until `smtp.give_up_after_days`. Every outcome is committed the moment
//! the relay answers.

use super::address::addressed;
use super::message::{format_message, Content};
use crate::config::{Config, SmtpSettings, SmtpTls};
use crate::store::{OutboxEntry, Store, StoreError, TryEnd};
use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// An address the relay refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The message's outbox id.
    pub id: i64,
    /// The message's stem.
    pub stem: String,
    /// The address.
    pub address: String,
    /// The relay's answer.
    pub answer: String,
}

/// What one drain of the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drained {
    /// Stems of the messages every current address now has.
    pub sent: Vec<String>,
    /// Addresses that accepted a message now.
    pub deliveries: usize,
    /// Addresses refused now.
    pub refused: Vec<Refusal>,
    /// Messages not through now: stem, answer, next try.
    pub again: Vec<(String, String, String)>,
    /// Messages given up now: stem, why.
    pub gave_up: Vec<(String, String)>,
    /// Messages that cannot be addressed or formatted: stem, why.
    pub unaddressable: Vec<(String, String)>,
    /// Why sending could not start at all (e.g. a credential missing).
    pub setup: Option<String>,
}

impl Drained {
    /// One line for the run's summary.
    pub fn figure(&self) -> String {
        let next = self.again.iter().map(|(_, _, at)| at.as_str()).min();
        format!(
            "E-mail: {} message(s) delivered ({} address(es)), {} address(es) refused, {} to try again{}, {} given up.",
            self.sent.len(),
            self.deliveries,
            self.refused.len(),
            self.again.len(),
            next.map(|n| format!(" (next at {n})")).unwrap_or_default(),
            self.gave_up.len() + self.unaddressable.len()
        )
    }

    /// True if nothing was due.
    pub fn is_empty(&self) -> bool {
        *self == Drained::default()
    }
}

/// Why sending could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The outbox could not be read or updated.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a drain treats its messages.
#[derive(Debug, Clone, Copy)]
pub struct DrainRules<'a> {
    /// Now.
    pub now: DateTime<Utc>,
    /// Respect each message's next try (false: a run started by hand tries
    /// every pending message now).
    pub backoff: bool,
    /// Only these messages (e.g. `outbox resend`); all due ones if `None`.
    pub only: Option<&'a [i64]>,
}

/// Sends every message due in the outbox, whatever job made it.
pub fn drain(store: &Store, config: &Config, rules: DrainRules) -> Result<Drained, SmtpError> {
    let Some(s) = config.smtp.as_ref() else { return Ok(Drained::default()) };
    let stamp = rules.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut due = store.due(&stamp, rules.backoff)?;
    if let Some(only) = rules.only {
        due.retain(|e| only.contains(&e.id));
    }
    let mut out = Drained::default();
    let mut tries: Vec<Try> = Vec::new();
    for entry in due {
        match plan(store, config, entry)? {
            Plan::Nothing => {}
            Plan::Finish(t) => finish(store, s, &rules, t, &mut out)?,
            Plan::Unaddressable(entry, why) => {
                if entry.last_error.as_deref() != Some(why.as_str()) {
                    store.finish_try(entry.id, &TryEnd::Refused(why.clone()))?;
                    out.unaddressable.push((entry.stem, why));
                }
            }
            Plan::Send(t) => tries.push(t),
        }
    }
    if tries.is_empty() {
        return Ok(out);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let ready = sender(s, config).and_then(|snd| rt.map(|rt| (snd, rt)).map_err(|e| format!("no async runtime: {e}")));
    match ready {
        Ok((sender, rt)) => rt.block_on(send_all(store, s, &rules, &sender, tries, &mut out))?,
        Err(why) => {
            for mut t in tries {
                t.transient = Some(why.clone());
                finish(store, s, &rules, t, &mut out)?;
            }
            out.setup = Some(why);
        }
    }
    out.sent.sort();
    Ok(out)
}

/// One message's try: the addresses it is for now, those still to send
/// to, and the formatted message.
struct Try {
    entry: OutboxEntry,
    current: Vec<String>,
    to: Vec<String>,
    eml: Arc<Vec<u8>>,
    left: usize,
    refused_now: Vec<(String, String)>,
    transient: Option<String>,
}

impl Try {
    fn new(entry: OutboxEntry, current: Vec<String>, to: Vec<String>, eml: Arc<Vec<u8>>) -> Self {
        let left = to.len();
        Try { entry, current, to, eml, left, refused_now: Vec::new(), transient: None }
    }
}

enum Plan {
    Nothing,
    Finish(Try),
    Unaddressable(OutboxEntry, String),
    Send(Try),
}

/// What to do with a due message: the addresses the config gives it now,
/// less those that have it or refused it.
fn plan(store: &Store, config: &Config, entry: OutboxEntry) -> Result<Plan, StoreError> {
    let addressed = match addressed(config, &entry.audience) {
        Ok(a) => a,
        Err(why) => return Ok(Plan::Unaddressable(entry, why)),
    };
    let current: Vec<String> = addressed.all().into_iter().map(|e| e.as_str().to_string()).collect();
    let left: Vec<String> = current.iter().filter(|a| entry.settled(a).is_none()).cloned().collect();
    if left.is_empty() {
        // Refused and the config names nobody new: it waits as it is.
        return Ok(match entry.state {
            crate::store::MailState::Failed => Plan::Nothing,
            _ => Plan::Finish(Try::new(entry, current, Vec::new(), Arc::new(Vec::new()))),
        });
    }
    let eml = match &entry.text {
        Some((subject, body)) => {
            let attachments = store.attachments(entry.id)?;
            let content = Content { stem: &entry.stem, message_id: &entry.message_id, subject, body };
            match format_message(config, &content, &addressed.to, &addressed.cc, &attachments) {
                Ok(bytes) => bytes,
                Err(why) => return Ok(Plan::Unaddressable(entry, why)),
            }
        }
        None => match store.stored_eml(entry.id)? {
            Some(bytes) => bytes,
            None => return Ok(Plan::Unaddressable(entry, "the message has no content".into())),
        },
    };
    Ok(Plan::Send(Try::new(entry, current, left, Arc::new(eml))))
}

/// The transport and the envelope sender.
struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
}

fn sender(s: &SmtpSettings, config: &Config) -> Result<Sender, String> {
    let from = match &s.envelope_from {
        Some(e) => e.as_str().parse::<Address>().map_err(|e| format!("smtp.envelope_from: {e}"))?,
        None => config
            .email
            .from
            .parse::<lettre::message::Mailbox>()
            .map(|m| m.email)
            .map_err(|e| format!("email.from: {e}"))?,
    };
    Ok(Sender { transport: transport(s)?, from })
}

fn transport(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host).port(s.port).timeout(Some(s.timeout));
    if s.tls != SmtpTls::None {
        let mut params = TlsParameters::builder(s.host.clone());
        if let Some(ca) = &s.ca_file {
            let pem = std::fs::read(ca).map_err(|e| format!("cannot read smtp.ca_file {}: {e}", ca.display()))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| format!("smtp.ca_file {} is not a PEM certificate: {e}", ca.display()))?;
            params = params.add_root_certificate(cert);
        }
        let params = params.build_rustls().map_err(|e| format!("TLS: {e}"))?;
        b = b.tls(if s.tls == SmtpTls::Tls { Tls::Wrapper(params) } else { Tls::Required(params) });
    }
    if let (Some(user_env), Some(pass_env)) = (&s.user_env, &s.password_env) {
        let user = std::env::var(user_env)
            .map_err(|_| format!("the environment variable {user_env} (SMTP user) is not set"))?;
        let pass = std::env::var(pass_env)
            .map_err(|_| format!("the environment variable {pass_env} (SMTP password) is not set"))?;
        b = b.credentials(Credentials::new(user, pass));
    }
    Ok(b.build())
}

/// How one address's transaction ended.
enum Outcome {
    Delivered,
    Refused(String),
    Transient(String),
}

/// Sends every address of every try, up to `connections` at a time; each
/// answer is recorded on this thread (which owns the store) the moment it
/// comes, and a message is finished when its last address has answered.
async fn send_all(
    store: &Store,
    s: &SmtpSettings,
    rules: &DrainRules<'_>,
    sender: &Sender,
    tries: Vec<Try>,
    out: &mut Drained,
) -> Result<(), SmtpError> {
    let queue: Vec<(usize, String)> =
        tries.iter().enumerate().flat_map(|(i, t)| t.to.iter().map(move |a| (i, a.clone()))).collect();
    let mut tries: Vec<Option<Try>> = tries.into_iter().map(Some).collect();
    let mut queue = queue.into_iter();
    let relay_down = Arc::new(AtomicBool::new(false));
    let mut flying = tokio::task::JoinSet::new();
    loop {
        while flying.len() < s.connections {
            let Some((i, address)) = queue.next() else { break };
            let Some(eml) = tries[i].as_ref().map(|t| t.eml.clone()) else { continue };
            let (transport, s, from) = (sender.transport.clone(), s.clone(), sender.from.clone());
            let down = relay_down.clone();
            flying.spawn(async move {
                let outcome = if down.load(Ordering::SeqCst) {
                    Outcome::Transient("not tried: the relay could not be reached for an earlier message".into())
                } else {
                    send_one(&transport, &s, &from, &address, &eml, &down).await
                };
                (i, address, outcome)
            });
        }
        let Some(joined) = flying.join_next().await else { break };
        let (i, address, outcome) = match joined {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("A send task stopped: {e}.");
                continue;
            }
        };
        let Some(t) = tries[i].as_mut() else { continue };
        match outcome {
            Outcome::Delivered => {
                store.record_recipient(t.entry.id, &address, true, "accepted")?;
                out.deliveries += 1;
                tracing::info!("Sent {} to one address.", t.entry.stem);
            }
            Outcome::Refused(answer) => {
                store.record_recipient(t.entry.id, &address, false, &answer)?;
                // The answer often repeats the address: it goes to the outbox, not the log.
                tracing::warn!("The relay refused {} for one address (see `yrkesresan outbox list`).", t.entry.stem);
                t.refused_now.push((address, answer));
            }
            Outcome::Transient(answer) => t.transient = Some(answer),
        }
        t.left -= 1;
        if t.left == 0 {
            if let Some(t) = tries[i].take() {
                finish(store, s, rules, t, out)?;
            }
        }
    }
    // A task that stopped leaves its message unfinished: it is due again.
    for t in tries.into_iter().flatten() {
        finish(store, s, rules, t, out)?;
    }
    Ok(())
}

/// Records how a message's try ended: delivered everywhere, refused by an
/// address it is still for, or due again (or given up).
fn finish(store: &Store, s: &SmtpSettings, rules: &DrainRules, t: Try, out: &mut Drained) -> Result<(), StoreError> {
    let e = &t.entry;
    for (address, answer) in &t.refused_now {
        out.refused.push(Refusal { id: e.id, stem: e.stem.clone(), address: address.clone(), answer: answer.clone() });
    }
    let end = if let Some(answer) = t.transient.or_else(|| (t.left > 0).then(|| "not tried".to_string())) {
        let created = DateTime::parse_from_rfc3339(&e.created_at).map(|c| c.with_timezone(&Utc)).unwrap_or(rules.now);
        if rules.now - created >= s.give_up_after {
            out.gave_up.push((e.stem.clone(), answer.clone()));
            TryEnd::GaveUp(answer)
        } else {
            let wait = s.retry_after.get(e.attempts as usize).or(s.retry_after.last()).copied();
            let at = (rules.now + wait.unwrap_or(chrono::Duration::hours(1)))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            out.again.push((e.stem.clone(), answer.clone(), at.clone()));
            TryEnd::Again { answer, at }
        }
    } else {
        // Refusals count while the config still names the address.
        let refused: Vec<String> = e
            .recipients
            .iter()
            .filter(|r| !r.delivered)
            .map(|r| (r.address.clone(), r.answer.clone()))
            .chain(t.refused_now.iter().cloned())
            .filter(|(a, _)| t.current.iter().any(|c| c.eq_ignore_ascii_case(a)))
            .map(|(a, answer)| format!("{a}: {answer}"))
            .collect();
        if refused.is_empty() {
            out.sent.push(e.stem.clone());
            TryEnd::Sent
        } else {
            TryEnd::Refused(refused.join("; "))
        }
    };
    store.finish_try(e.id, &end)
}

/// One address's transaction, with the quick retries of a transient failure.
async fn send_one(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    s: &SmtpSettings,
    from: &Address,
    address: &str,
    eml: &[u8],
    relay_down: &AtomicBool,
) -> Outcome {
    let envelope = match address
        .parse::<Address>()
        .map_err(|e| e.to_string())
        .and_then(|to| Envelope::new(Some(from.clone()), vec![to]).map_err(|e| e.to_string()))
    {
        Ok(e) => e,
        Err(e) => return Outcome::Refused(format!("not an address SMTP takes: {e}")),
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = tokio::time::timeout(s.timeout, transport.send_raw(&envelope, eml)).await;
        let (answer, answered) = match outcome {
            Ok(Ok(_)) => return Outcome::Delivered,
            Ok(Err(e)) if e.is_permanent() => return Outcome::Refused(e.to_string()),
            Ok(Err(e)) => (e.to_string(), e.is_transient()),
            Err(_) => (format!("no answer within {} s", s.timeout.as_secs()), false),
        };
        if attempt > s.retries || relay_down.load(Ordering::SeqCst) {
            if !answered {
                // No SMTP answer at all: the rest of this drain is not tried.
                relay_down.store(true, Ordering::SeqCst);
            }
            return Outcome::Transient(answer);
        }
        tokio::time::sleep(s.backoff * 2u32.saturating_pow(attempt - 1)).await;
    }
}
