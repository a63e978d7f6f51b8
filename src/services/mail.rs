//! Sending mail with lettre: through the configured SMTP server, or as `.eml` files in the
//! outbox folder. Only the job worker sends; requests enqueue, so that how long a mail server
//! takes never shows in a page's answer.

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, MailConfig, SmtpTls};

/// A mail ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The district's name, shown as the sender's.
    pub from_name: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The job's idempotency key, sent as a header so that a mail sent twice (a worker died
    /// after sending, before recording it) can be recognised.
    pub idempotency_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail itself cannot be sent (a bad address): trying again will not help.
    #[error("the mail cannot be built: {0}")]
    Invalid(String),
    /// The server or the folder failed: worth trying again.
    #[error("sending failed: {0}")]
    Transport(String),
}

enum Transport {
    Outbox(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: lettre::Address,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Self, MailError> {
        let from = config
            .mail_from
            .parse()
            .map_err(|e| MailError::Invalid(format!("mail_from: {e}")))?;
        let transport = match &config.mail {
            MailConfig::Outbox(dir) => Transport::Outbox(AsyncFileTransport::new(dir), dir.clone()),
            MailConfig::Smtp {
                host,
                port,
                tls,
                credentials,
            } => {
                let parameters = || {
                    TlsParameters::new(host.clone())
                        .map_err(|e| MailError::Invalid(format!("smtp_host {host:?}: {e}")))
                };
                let tls = match tls {
                    SmtpTls::None => Tls::None,
                    SmtpTls::Starttls => Tls::Required(parameters()?),
                    SmtpTls::Tls => Tls::Wrapper(parameters()?),
                };
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(*port)
                    .tls(tls)
                    .timeout(Some(std::time::Duration::from_secs(30)));
                if let Some((user, password)) = credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = self.message(mail)?;
        match &self.transport {
            Transport::Outbox(transport, dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| MailError::Transport(format!("outbox {}: {e}", dir.display())))?;
                transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| MailError::Transport(e.to_string()))
            }
            Transport::Smtp(transport) => transport
                .send(message)
                .await
                .map(drop)
                .map_err(|e| MailError::Transport(e.to_string())),
        }
    }

    fn message(&self, mail: &Mail) -> Result<Message, MailError> {
        let to: lettre::Address = mail
            .to
            .trim()
            .parse()
            .map_err(|e| MailError::Invalid(format!("to {:?}: {e}", mail.to)))?;
        Message::builder()
            .from(Mailbox::new(
                Some(mail.from_name.clone()),
                self.from.clone(),
            ))
            .to(Mailbox::new(None, to))
            .subject(mail.subject.clone())
            .header(IdempotencyKey(mail.idempotency_key.clone()))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| MailError::Invalid(e.to_string()))
    }
}

/// `X-Homeroom-Idempotency-Key`: the job that sent this mail.
#[derive(Debug, Clone)]
struct IdempotencyKey(String);

impl header::Header for IdempotencyKey {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("X-Homeroom-Idempotency-Key")
    }

    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(text.to_owned()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Sends the mail a job built, if it still has one to send, and tells the worker how it went:
/// an address the server refuses is given up, anything else passing is tried again.
pub async fn send_built(
    app: &crate::app::App,
    built: super::Result<Option<Mail>>,
) -> crate::domain::JobOutcome {
    use crate::domain::JobOutcome;
    match built {
        Ok(Some(mail)) => match app.mailer.send(&mail).await {
            Ok(()) => JobOutcome::Done,
            Err(MailError::Invalid(why)) => JobOutcome::Give(why),
            Err(err) => JobOutcome::Retry(err.to_string()),
        },
        // Nothing to send any more (the account went away or lost its address).
        Ok(None) => JobOutcome::Done,
        Err(super::Error::Unavailable(err)) => JobOutcome::Retry(err.to_string()),
        Err(err) => JobOutcome::Give(err.to_string()),
    }
}
