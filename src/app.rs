//! What every adapter holds: the configuration, the store and the clock. Cheap to clone (one
//! shared count: every request's handlers and middleware each take a clone); the web server's
//! state and the command line's context are both an `App`.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::services::cache::Caches;
use crate::services::mail::{MailError, Mailer};
use crate::services::passwords::PasswordHasher;
use crate::store::{Store, StoreError};

#[derive(Clone)]
pub struct App(Arc<Parts>);

/// What an [`App`] holds; its fields read as the app's own (`app.store`).
pub struct Parts {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Clock,
    pub passwords: Arc<PasswordHasher>,
    pub mailer: Arc<Mailer>,
    /// The deployment's VAPID key, for Web Push.
    pub vapid: Arc<p256::SecretKey>,
    /// Outgoing HTTP.
    pub http: reqwest::Client,
    /// Outgoing pushes: what the push sender may reach, and how.
    pub push: crate::services::push::Outbound,
    /// Jobs the worker runs beside its own turn (pushes), so that a slow push service holds
    /// up nobody else's.
    pub detached: Arc<crate::services::worker::Detached>,
    /// Districts, tool rules and record views kept between requests.
    pub caches: Arc<Caches>,
    /// What this node counts, for the operator.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The WebAuthn relying party, for passkeys; none when the public address is an IP address.
    pub passkeys: Option<webauthn_rs::Webauthn>,
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("{0}")]
    Service(#[from] crate::services::Error),
    #[error("the HTTP client: {0}")]
    Http(String),
    #[error("the password hashing threads: {0}")]
    Threads(std::io::Error),
}

impl App {
    /// Connects to the configured database and brings its schema up to date.
    pub async fn start(config: Config, clock: Clock) -> Result<Self, StartError> {
        let mailer = Arc::new(Mailer::from_config(&config)?);
        let store = Store::open(&config.database_target()).await?;
        store.migrate().await?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let vapid = crate::services::push::vapid_key(&store, clock.unix()).await?;
        // rustls with the ring provider, as for mail; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .user_agent("Homeroom")
            .build()
            .map_err(|e| StartError::Http(e.to_string()))?;
        let push = crate::services::push::Outbound::new(&config.push_allow_hosts)
            .map_err(StartError::Http)?;
        let passkeys = crate::services::passkeys::relying_party(&config.public_url);
        Ok(Self(Arc::new(Parts {
            passkeys,
            vapid: Arc::new(vapid),
            http,
            push,
            detached: Arc::default(),
            config: Arc::new(config),
            store,
            clock,
            passwords: Arc::new(PasswordHasher::new(cores).map_err(StartError::Threads)?),
            mailer,
            caches: Arc::default(),
            metrics: Arc::default(),
        })))
    }
}

impl std::ops::Deref for App {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}
