//! Sending the outbox over SMTP (lettre, tokio, rustls): STARTTLS or implicit
//! TLS required unless the config says `tls = "none"` for a loopback relay;
//! credentials from the environment; our own timeout around every send;
//! transient failures (4xx, broken connections, timeouts) retried with
//! backoff, permanent ones (5xx) reported. Each delivery is recorded the
//! moment the relay accepts it.

use crate::config::{SmtpSettings, SmtpTls};
use crate::store::{OutboxEntry, Store, StoreError};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// What a delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Stems of the messages delivered now.
    pub sent: Vec<String>,
    /// Messages that failed for good (5xx): stem and reason.
    pub permanent: Vec<(String, String)>,
    /// Messages that failed for now and are tried again next run.
    pub transient: Vec<(String, String)>,
}

impl DeliveryReport {
    /// True if everything that was due went out.
    pub fn all_sent(&self) -> bool {
        self.permanent.is_empty() && self.transient.is_empty()
    }
}

/// Why sending could not start at all.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// A setting or secret is missing or wrong.
    #[error("cannot set up SMTP: {0}")]
    Setup(String),
    /// The outbox could not be read or updated.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn transport(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpError> {
    let setup = |m: String| SmtpError::Setup(m);
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host).port(s.port).timeout(Some(s.timeout));
    if s.tls != SmtpTls::None {
        let mut params = TlsParameters::builder(s.host.clone());
        if let Some(ca) = &s.ca_file {
            let pem =
                std::fs::read(ca).map_err(|e| setup(format!("cannot read smtp.ca_file {}: {e}", ca.display())))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| setup(format!("smtp.ca_file {} is not a PEM certificate: {e}", ca.display())))?;
            params = params.add_root_certificate(cert);
        }
        let params = params.build_rustls().map_err(|e| setup(format!("TLS: {e}")))?;
        b = b.tls(if s.tls == SmtpTls::Tls { Tls::Wrapper(params) } else { Tls::Required(params) });
    }
    if let (Some(user_env), Some(pass_env)) = (&s.user_env, &s.password_env) {
        let user = std::env::var(user_env)
            .map_err(|_| setup(format!("the environment variable {user_env} (SMTP user) is not set")))?;
        let pass = std::env::var(pass_env)
            .map_err(|_| setup(format!("the environment variable {pass_env} (SMTP password) is not set")))?;
        b = b.credentials(Credentials::new(user, pass));
    }
    Ok(b.build())
}

/// Sends every deliverable message of a job and period.
pub fn deliver(
    store: &Store,
    s: &SmtpSettings,
    from: &str,
    job: &str,
    period: &str,
) -> Result<DeliveryReport, SmtpError> {
    let due = store.deliverable(job, period)?;
    let mut report = DeliveryReport::default();
    if due.is_empty() {
        return Ok(report);
    }
    let from: Address = from
        .parse::<lettre::message::Mailbox>()
        .map(|m| m.email)
        .map_err(|e| SmtpError::Setup(format!("email.from: {e}")))?;
    let transport = transport(s)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SmtpError::Setup(format!("no async runtime: {e}")))?;
    // Up to `connections` messages in flight; each is recorded the moment the
    // relay accepts it (or fails for good), on this thread, which owns the store.
    rt.block_on(async {
        let mut flying = tokio::task::JoinSet::new();
        let mut due = due.into_iter();
        loop {
            while flying.len() < s.connections {
                let Some(m) = due.next() else { break };
                let (transport, s, from) = (transport.clone(), s.clone(), from.clone());
                flying.spawn(async move {
                    let outcome = send_with_retries(&transport, &s, &from, &m).await;
                    (m, outcome)
                });
            }
            let Some(done) = flying.join_next().await else { break };
            let (m, (attempts, result)) = done.map_err(|e| SmtpError::Setup(format!("a send task failed: {e}")))?;
            match result {
                Ok(()) => {
                    store.mark_sent(m.id, attempts)?;
                    tracing::info!("Sent {} to {}.", m.stem, m.recipients.join(", "));
                    report.sent.push(m.stem);
                }
                Err((error, permanent)) => {
                    store.mark_failed(m.id, attempts, &error, permanent)?;
                    tracing::warn!("Could not send {}: {error}.", m.stem);
                    if permanent {
                        report.permanent.push((m.stem, error));
                    } else {
                        report.transient.push((m.stem, error));
                    }
                }
            }
        }
        Ok::<(), SmtpError>(())
    })?;
    report.sent.sort();
    Ok(report)
}

async fn send_with_retries(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    s: &SmtpSettings,
    from: &Address,
    m: &OutboxEntry,
) -> (u32, Result<(), (String, bool)>) {
    let to: Result<Vec<Address>, _> = m.recipients.iter().map(|r| r.parse::<Address>()).collect();
    let envelope = match to
        .map_err(|e| e.to_string())
        .and_then(|to| Envelope::new(Some(from.clone()), to).map_err(|e| e.to_string()))
    {
        Ok(e) => e,
        Err(e) => return (0, Err((format!("bad recipients: {e}"), true))),
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = tokio::time::timeout(s.timeout, transport.send_raw(&envelope, &m.eml)).await;
        let (error, permanent) = match outcome {
            Ok(Ok(_)) => return (attempt, Ok(())),
            Err(_) => (format!("no answer within {} s", s.timeout.as_secs()), false),
            Ok(Err(e)) => {
                let permanent = e.is_permanent() || e.is_tls();
                (e.to_string(), permanent)
            }
        };
        if permanent || attempt > s.retries {
            return (attempt, Err((error, permanent)));
        }
        tokio::time::sleep(s.backoff * 2u32.saturating_pow(attempt - 1)).await;
    }
}
