//! One typed configuration, built from (lowest to highest) defaults, a TOML file, `HOMEROOM_*`
//! environment variables and command-line flags, and checked once at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::domain::StateCode;
use crate::store::{Backend, DatabaseUrl, Pooler, Target};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://homeroom.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub database_max_connections: u32,
    /// What stands between Homeroom and PostgreSQL at `database_url`.
    pub database_pooler: Pooler,
    /// A direct connection to PostgreSQL for migrations and imports, when `database_url`
    /// leads through a transaction pooler.
    pub migration_database_url: Option<DatabaseUrl>,
    /// A streaming replica of PostgreSQL for record reads.
    pub database_read_url: Option<DatabaseUrl>,
    pub bind: SocketAddr,
    /// The address families use, for links in mail and letters; also decides `Secure` cookies.
    pub public_url: url::Url,
    pub request_timeout: Duration,
    /// How long the rostering sync waits for each answer of a SIS (and for its token).
    pub sis_timeout: Duration,
    pub max_body_bytes: usize,
    /// The largest OneRoster .zip the staff console accepts.
    pub max_import_bytes: u64,
    /// What an import reads before it refuses a file (CLI and console alike).
    pub import_limits: ImportLimits,
    /// States whose districts may offer Linked Districts.
    pub linking_states: Vec<StateCode>,
    /// A `tracing` filter such as `info` or `homeroom=debug,tower_http=info`.
    pub log: String,
    /// Logs as lines of text, or as JSON lines (one object a line, with the request's id).
    pub log_format: LogFormat,
    /// Where the operator's metrics are served (`/metrics`); nowhere when unset.
    pub metrics_bind: Option<SocketAddr>,
    /// Proxies whose `X-Forwarded-For` is believed; from anyone else it is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long an app token lives ("stay logged in").
    pub app_token_days: u32,
    /// Only in a test environment: every CAPTCHA picture shows these letters.
    pub test_captcha_answer: Option<String>,
    /// Seals the secrets the server must keep readable (TOTP secrets) in the database.
    pub secret_key: Option<crate::secrets::SecretKey>,
    /// Where mail goes.
    pub mail: MailConfig,
    /// The sender's address; the district's name is the display name.
    pub mail_from: String,
    /// Push endpoints on these hosts are sent to whatever they resolve to, over http too (a
    /// private push gateway, tests); every other endpoint must be https to public addresses.
    pub push_allow_hosts: Vec<AllowedHost>,
}

/// A host (and port, if given) that push delivery may reach though it is not public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    /// A lowercase name without a final dot, or an IP address as Rust writes it.
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// `name`, `name:port`, `192.0.2.1:8443`, `[::1]:8443` or `::1`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let bad = || {
            ConfigError(format!(
                "push_allow_hosts: {text:?} is not a host name or host:port"
            ))
        };
        let entry = text.trim().to_ascii_lowercase();
        let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':').ok_or_else(bad)?)),
            }
        } else if entry.matches(':').count() == 1 {
            let (host, port) = entry.split_once(':').ok_or_else(bad)?;
            (host, Some(port))
        } else {
            (entry.as_str(), None)
        };
        let port = port
            .map(|p| p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad))
            .transpose()?;
        let host = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) if host.contains(':') => return Err(bad()),
            Err(_) => match url::Host::parse(host.trim_end_matches('.')) {
                Ok(url::Host::Domain(name)) if !name.is_empty() => name,
                Ok(url::Host::Ipv4(ip)) => ip.to_string(),
                _ => return Err(bad()),
            },
        };
        Ok(Self { host, port })
    }

    /// Whether an endpoint's address names this host (and port).
    pub fn admits(&self, url: &url::Url) -> bool {
        let host = match url.host() {
            Some(url::Host::Domain(name)) => name.trim_end_matches('.').to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return false,
        };
        host == self.host
            && self
                .port
                .is_none_or(|p| url.port_or_known_default() == Some(p))
    }
}

/// How much an import may read before it refuses a file: a staff upload is untrusted input,
/// and a small zip can inflate to any size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// All the CSV a zip inflates to, in bytes.
    pub unzipped_bytes: u64,
    /// How many times its compressed size one entry may inflate to, once past 10 MiB.
    pub ratio: u64,
    /// Entries in a zip.
    pub entries: u64,
    /// Bytes in one field.
    pub field_bytes: u64,
    /// Fields in one row.
    pub fields: u64,
    /// Rows in one file.
    pub rows: u64,
    /// Bytes, about, of the records an import keeps in memory while it checks the large files
    /// against them: schools, people, the calendar, courses, classes, categories.
    pub held_bytes: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            unzipped_bytes: 4 << 30,
            ratio: 200,
            entries: 1_000,
            field_bytes: 64 << 10,
            fields: 500,
            rows: 50_000_000,
            held_bytes: 512 << 20,
        }
    }
}

/// How mail leaves: through an SMTP server, or as `.eml` files in a folder (the default, so
/// that the demo needs nothing installed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailConfig {
    Outbox(PathBuf),
    Smtp {
        host: String,
        port: u16,
        tls: SmtpTls,
        /// User name and password, when the server asks for them.
        credentials: Option<(String, String)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same machine or network.
    None,
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Every setting as it arrives, not yet checked. The file, the environment and the flags each
/// give one of these; later ones win.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigInput {
    pub database_url: Option<String>,
    pub database_max_connections: Option<u32>,
    /// `none` (the default, also for a pooler in session mode) or `transaction`.
    pub database_pooler: Option<String>,
    pub migration_database_url: Option<String>,
    pub database_read_url: Option<String>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
    pub request_timeout_seconds: Option<u64>,
    pub sis_timeout_seconds: Option<u64>,
    pub max_body_bytes: Option<usize>,
    pub max_import_bytes: Option<u64>,
    pub import_max_unzipped_bytes: Option<u64>,
    pub import_max_ratio: Option<u64>,
    pub import_max_entries: Option<u64>,
    pub import_max_field_bytes: Option<u64>,
    pub import_max_fields: Option<u64>,
    pub import_max_rows: Option<u64>,
    pub import_max_held_bytes: Option<u64>,
    pub linking_states: Option<Vec<String>>,
    pub log: Option<String>,
    pub log_format: Option<String>,
    pub metrics_bind: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub app_token_days: Option<u32>,
    /// `production` (the default) or `test`.
    pub environment: Option<String>,
    pub test_captcha_answer: Option<String>,
    /// 32 random bytes in base64, kept outside the database.
    pub secret_key: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub mail_from: Option<String>,
    pub outbox_dir: Option<String>,
    /// Hosts (`name` or `name:port`) push delivery may reach over http or at addresses that
    /// are not public.
    pub push_allow_hosts: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl ConfigInput {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| {
            let reason = e.message().to_owned();
            ConfigError(format!("{}: {reason}", path.display()))
        })
    }

    /// Reads `HOMEROOM_*` variables through `var`, so that tests need not touch the process
    /// environment.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let number = |name: &str| -> Result<Option<u64>, ConfigError> {
            var(name)
                .map(|v| {
                    v.trim().parse::<u64>().map_err(|_| {
                        ConfigError(format!("{name} must be a whole number, not {v:?}"))
                    })
                })
                .transpose()
        };
        let to_u32 = |name: &str, n: Option<u64>| -> Result<Option<u32>, ConfigError> {
            n.map(|n| u32::try_from(n).map_err(|_| ConfigError(format!("{name} is too large"))))
                .transpose()
        };
        Ok(Self {
            database_url: var("HOMEROOM_DATABASE_URL"),
            database_max_connections: to_u32(
                "HOMEROOM_DATABASE_MAX_CONNECTIONS",
                number("HOMEROOM_DATABASE_MAX_CONNECTIONS")?,
            )?,
            database_pooler: var("HOMEROOM_DATABASE_POOLER"),
            migration_database_url: var("HOMEROOM_MIGRATION_DATABASE_URL"),
            database_read_url: var("HOMEROOM_DATABASE_READ_URL"),
            bind: var("HOMEROOM_BIND"),
            public_url: var("HOMEROOM_PUBLIC_URL"),
            request_timeout_seconds: number("HOMEROOM_REQUEST_TIMEOUT_SECONDS")?,
            sis_timeout_seconds: number("HOMEROOM_SIS_TIMEOUT_SECONDS")?,
            max_body_bytes: number("HOMEROOM_MAX_BODY_BYTES")?
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            max_import_bytes: number("HOMEROOM_MAX_IMPORT_BYTES")?,
            import_max_unzipped_bytes: number("HOMEROOM_IMPORT_MAX_UNZIPPED_BYTES")?,
            import_max_ratio: number("HOMEROOM_IMPORT_MAX_RATIO")?,
            import_max_entries: number("HOMEROOM_IMPORT_MAX_ENTRIES")?,
            import_max_field_bytes: number("HOMEROOM_IMPORT_MAX_FIELD_BYTES")?,
            import_max_fields: number("HOMEROOM_IMPORT_MAX_FIELDS")?,
            import_max_rows: number("HOMEROOM_IMPORT_MAX_ROWS")?,
            import_max_held_bytes: number("HOMEROOM_IMPORT_MAX_HELD_BYTES")?,
            linking_states: var("HOMEROOM_LINKING_STATES")
                .map(|list| list.split(',').map(|s| s.trim().to_owned()).collect()),
            log: var("HOMEROOM_LOG"),
            log_format: var("HOMEROOM_LOG_FORMAT"),
            metrics_bind: var("HOMEROOM_METRICS_BIND"),
            trusted_proxies: var("HOMEROOM_TRUSTED_PROXIES")
                .map(|list| list.split(',').map(|s| s.trim().to_owned()).collect()),
            app_token_days: to_u32(
                "HOMEROOM_APP_TOKEN_DAYS",
                number("HOMEROOM_APP_TOKEN_DAYS")?,
            )?,
            environment: var("HOMEROOM_ENVIRONMENT"),
            test_captcha_answer: var("HOMEROOM_TEST_CAPTCHA_ANSWER"),
            secret_key: var("HOMEROOM_SECRET_KEY"),
            smtp_host: var("HOMEROOM_SMTP_HOST"),
            smtp_port: number("HOMEROOM_SMTP_PORT")?
                .map(|n| {
                    u16::try_from(n)
                        .map_err(|_| ConfigError("HOMEROOM_SMTP_PORT is too large".to_owned()))
                })
                .transpose()?,
            smtp_tls: var("HOMEROOM_SMTP_TLS"),
            smtp_username: var("HOMEROOM_SMTP_USERNAME"),
            smtp_password: var("HOMEROOM_SMTP_PASSWORD"),
            mail_from: var("HOMEROOM_MAIL_FROM"),
            outbox_dir: var("HOMEROOM_OUTBOX_DIR"),
            push_allow_hosts: var("HOMEROOM_PUSH_ALLOW_HOSTS")
                .map(|list| list.split(',').map(|s| s.trim().to_owned()).collect()),
        })
    }

    /// `self` with every value that `over` sets replaced.
    pub fn overlay(self, over: ConfigInput) -> Self {
        Self {
            database_url: over.database_url.or(self.database_url),
            database_max_connections: over
                .database_max_connections
                .or(self.database_max_connections),
            database_pooler: over.database_pooler.or(self.database_pooler),
            database_read_url: over.database_read_url.or(self.database_read_url),
            migration_database_url: over.migration_database_url.or(self.migration_database_url),
            bind: over.bind.or(self.bind),
            public_url: over.public_url.or(self.public_url),
            request_timeout_seconds: over
                .request_timeout_seconds
                .or(self.request_timeout_seconds),
            sis_timeout_seconds: over.sis_timeout_seconds.or(self.sis_timeout_seconds),
            max_body_bytes: over.max_body_bytes.or(self.max_body_bytes),
            max_import_bytes: over.max_import_bytes.or(self.max_import_bytes),
            import_max_unzipped_bytes: over
                .import_max_unzipped_bytes
                .or(self.import_max_unzipped_bytes),
            import_max_ratio: over.import_max_ratio.or(self.import_max_ratio),
            import_max_entries: over.import_max_entries.or(self.import_max_entries),
            import_max_field_bytes: over.import_max_field_bytes.or(self.import_max_field_bytes),
            import_max_fields: over.import_max_fields.or(self.import_max_fields),
            import_max_rows: over.import_max_rows.or(self.import_max_rows),
            import_max_held_bytes: over.import_max_held_bytes.or(self.import_max_held_bytes),
            linking_states: over.linking_states.or(self.linking_states),
            log: over.log.or(self.log),
            log_format: over.log_format.or(self.log_format),
            metrics_bind: over.metrics_bind.or(self.metrics_bind),
            trusted_proxies: over.trusted_proxies.or(self.trusted_proxies),
            app_token_days: over.app_token_days.or(self.app_token_days),
            environment: over.environment.or(self.environment),
            test_captcha_answer: over.test_captcha_answer.or(self.test_captcha_answer),
            secret_key: over.secret_key.or(self.secret_key),
            smtp_host: over.smtp_host.or(self.smtp_host),
            smtp_port: over.smtp_port.or(self.smtp_port),
            smtp_tls: over.smtp_tls.or(self.smtp_tls),
            smtp_username: over.smtp_username.or(self.smtp_username),
            smtp_password: over.smtp_password.or(self.smtp_password),
            mail_from: over.mail_from.or(self.mail_from),
            outbox_dir: over.outbox_dir.or(self.outbox_dir),
            push_allow_hosts: over.push_allow_hosts.or(self.push_allow_hosts),
        }
    }

    fn import_limits(&self) -> Result<ImportLimits, ConfigError> {
        let pick = |name: &str, value: Option<u64>, default: u64, least: u64| match value {
            None => Ok(default),
            Some(n) if n >= least => Ok(n),
            Some(_) => Err(ConfigError(format!("{name} must be at least {least}"))),
        };
        let d = ImportLimits::default();
        Ok(ImportLimits {
            unzipped_bytes: pick(
                "import_max_unzipped_bytes",
                self.import_max_unzipped_bytes,
                d.unzipped_bytes,
                1 << 20,
            )?,
            ratio: pick("import_max_ratio", self.import_max_ratio, d.ratio, 10)?,
            entries: pick("import_max_entries", self.import_max_entries, d.entries, 20)?,
            field_bytes: pick(
                "import_max_field_bytes",
                self.import_max_field_bytes,
                d.field_bytes,
                1 << 10,
            )?,
            fields: pick("import_max_fields", self.import_max_fields, d.fields, 30)?,
            rows: pick("import_max_rows", self.import_max_rows, d.rows, 1)?,
            held_bytes: pick(
                "import_max_held_bytes",
                self.import_max_held_bytes,
                d.held_bytes,
                1 << 20,
            )?,
        })
    }

    /// Checks every value; the first bad one stops the start with a one-line reason.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let mail = self.mail_config()?;
        let import_limits = self.import_limits()?;
        let database_url =
            DatabaseUrl::parse(self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL))
                .map_err(|e| ConfigError(format!("database_url: {e}")))?;
        let database_max_connections = self.database_max_connections.unwrap_or(10);
        if !(1..=1000).contains(&database_max_connections) {
            return Err(ConfigError(
                "database_max_connections must be from 1 to 1000".to_owned(),
            ));
        }
        let (database_pooler, migration_database_url) = self.pooler(&database_url)?;
        let database_read_url = self.read_url(&database_url)?;
        let bind_text = self.bind.unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind: SocketAddr = bind_text.trim().parse().map_err(|_| {
            ConfigError(format!(
                "bind must be an address and port such as 127.0.0.1:8080, not {bind_text:?}"
            ))
        })?;
        let public_url = match self.public_url {
            Some(text) => parse_public_url(&text)?,
            None => parse_public_url(&format!("http://{bind}/"))?,
        };
        let timeout = self.request_timeout_seconds.unwrap_or(30);
        if !(1..=600).contains(&timeout) {
            return Err(ConfigError(
                "request_timeout_seconds must be from 1 to 600".to_owned(),
            ));
        }
        let sis_timeout = self.sis_timeout_seconds.unwrap_or(60);
        if !(1..=600).contains(&sis_timeout) {
            return Err(ConfigError(
                "sis_timeout_seconds must be from 1 to 600".to_owned(),
            ));
        }
        let max_body_bytes = self.max_body_bytes.unwrap_or(1024 * 1024);
        if !(1024..=100 * 1024 * 1024).contains(&max_body_bytes) {
            return Err(ConfigError(
                "max_body_bytes must be from 1024 to 104857600".to_owned(),
            ));
        }
        let max_import_bytes = self.max_import_bytes.unwrap_or(256 * 1024 * 1024);
        if !(1024 * 1024..=16 * 1024 * 1024 * 1024).contains(&max_import_bytes) {
            return Err(ConfigError(
                "max_import_bytes must be from 1048576 (1 MiB) to 17179869184 (16 GiB)".to_owned(),
            ));
        }
        let linking_states = self
            .linking_states
            .unwrap_or_else(|| vec!["NC".to_owned(), "DE".to_owned()])
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| StateCode::parse(s).map_err(|e| ConfigError(format!("linking_states: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let log_format = match self.log_format.as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "log_format must be text or json, not {other:?}"
                )));
            }
        };
        let metrics_bind = self
            .metrics_bind
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(|b| {
                b.parse::<SocketAddr>().map_err(|_| {
                    ConfigError(format!(
                        "metrics_bind must be an address and port such as 127.0.0.1:9090, not {b:?}"
                    ))
                })
            })
            .transpose()?;
        let log = self.log.unwrap_or_else(|| "info".to_owned());
        tracing_subscriber::EnvFilter::try_new(&log)
            .map_err(|e| ConfigError(format!("log {log:?} is not a valid filter: {e}")))?;
        let trusted_proxies = self
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_proxy(s))
            .collect::<Result<Vec<_>, _>>()?;
        let app_token_days = self.app_token_days.unwrap_or(30);
        if !(1..=365).contains(&app_token_days) {
            return Err(ConfigError(
                "app_token_days must be from 1 to 365".to_owned(),
            ));
        }
        let test_environment = match self.environment.as_deref().map(str::trim) {
            None | Some("production") => false,
            Some("test") => true,
            Some(other) => {
                return Err(ConfigError(format!(
                    "environment must be production or test, not {other:?}"
                )));
            }
        };
        let test_captcha_answer = match self.test_captcha_answer {
            Some(_) if !test_environment => {
                return Err(ConfigError(
                    "test_captcha_answer is only allowed with environment = \"test\"".to_owned(),
                ));
            }
            Some(answer)
                if answer.trim().is_empty() || !answer.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                return Err(ConfigError(
                    "test_captcha_answer must be letters".to_owned(),
                ));
            }
            other => other,
        };
        let secret_key = match self.secret_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(crate::secrets::SecretKey::parse(text).ok_or_else(|| {
                ConfigError(
                    "secret_key must be 32 random bytes in base64 (openssl rand -base64 32)"
                        .to_owned(),
                )
            })?),
        };
        let mail_from = self.mail_from.unwrap_or_else(|| {
            format!("homeroom@{}", public_url.host_str().unwrap_or("localhost"))
        });
        if mail_from.parse::<lettre::Address>().is_err() {
            return Err(ConfigError(format!(
                "mail_from must be an email address, not {mail_from:?}"
            )));
        }
        let push_allow_hosts = self
            .push_allow_hosts
            .unwrap_or_default()
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| AllowedHost::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Config {
            push_allow_hosts,
            mail,
            mail_from,
            database_url,
            database_max_connections,
            database_pooler,
            migration_database_url,
            database_read_url,
            bind,
            public_url,
            request_timeout: Duration::from_secs(timeout),
            sis_timeout: Duration::from_secs(sis_timeout),
            max_body_bytes,
            max_import_bytes,
            import_limits,
            linking_states,
            log,
            log_format,
            metrics_bind,
            trusted_proxies,
            app_token_days,
            test_captcha_answer,
            secret_key,
        })
    }
}

impl Config {
    /// How the store reaches the database.
    pub fn database_target(&self) -> Target {
        Target {
            url: self.database_url.clone(),
            max_connections: self.database_max_connections,
            pooler: self.database_pooler,
            session_url: self.migration_database_url.clone(),
            read_url: self.database_read_url.clone(),
        }
    }
}

impl ConfigInput {
    /// The pooler in front of PostgreSQL, and the direct connection beside it.
    fn pooler(&self, url: &DatabaseUrl) -> Result<(Pooler, Option<DatabaseUrl>), ConfigError> {
        let pooler = match self.database_pooler.as_deref() {
            None => Pooler::None,
            Some(text) => Pooler::parse(text).ok_or_else(|| {
                ConfigError(format!(
                    "database_pooler must be none or transaction, not {text:?}"
                ))
            })?,
        };
        let direct = self
            .migration_database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(|u| {
                DatabaseUrl::parse(u)
                    .map_err(|e| ConfigError(format!("migration_database_url: {e}")))
            })
            .transpose()?;
        if url.backend() == Backend::Sqlite && (pooler != Pooler::None || direct.is_some()) {
            return Err(ConfigError(
                "database_pooler and migration_database_url are for PostgreSQL; SQLite needs neither"
                    .to_owned(),
            ));
        }
        if direct
            .as_ref()
            .is_some_and(|d| d.backend() != Backend::Postgres)
        {
            return Err(ConfigError(
                "migration_database_url must be a postgres:// URL".to_owned(),
            ));
        }
        Ok((pooler, direct))
    }

    /// The replica for record reads: PostgreSQL's, beside a PostgreSQL primary.
    fn read_url(&self, url: &DatabaseUrl) -> Result<Option<DatabaseUrl>, ConfigError> {
        let Some(text) = self
            .database_read_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let read =
            DatabaseUrl::parse(text).map_err(|e| ConfigError(format!("database_read_url: {e}")))?;
        if url.backend() != Backend::Postgres || read.backend() != Backend::Postgres {
            return Err(ConfigError(
                "database_read_url is a PostgreSQL replica beside a PostgreSQL database_url"
                    .to_owned(),
            ));
        }
        Ok(Some(read))
    }

    fn mail_config(&self) -> Result<MailConfig, ConfigError> {
        let Some(host) = self
            .smtp_host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            if self.smtp_username.is_some() || self.smtp_password.is_some() {
                return Err(ConfigError(
                    "smtp_username and smtp_password need smtp_host".to_owned(),
                ));
            }
            let dir = self
                .outbox_dir
                .clone()
                .unwrap_or_else(|| "outbox".to_owned());
            return Ok(MailConfig::Outbox(PathBuf::from(dir)));
        };
        let tls = match self.smtp_tls.as_deref().map(str::trim) {
            None | Some("starttls") => SmtpTls::Starttls,
            Some("tls") => SmtpTls::Tls,
            Some("none") => SmtpTls::None,
            Some(other) => {
                return Err(ConfigError(format!(
                    "smtp_tls must be none, starttls or tls, not {other:?}"
                )));
            }
        };
        let port = self.smtp_port.unwrap_or(match tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        });
        let credentials = match (&self.smtp_username, &self.smtp_password) {
            (Some(user), Some(password)) => Some((user.clone(), password.clone())),
            (None, None) => None,
            _ => {
                return Err(ConfigError(
                    "smtp_username and smtp_password go together".to_owned(),
                ));
            }
        };
        Ok(MailConfig::Smtp {
            host: host.to_owned(),
            port,
            tls,
            credentials,
        })
    }
}

fn parse_public_url(text: &str) -> Result<url::Url, ConfigError> {
    match url::Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(ConfigError(format!(
            "public_url must be an http:// or https:// address, not {text:?}"
        ))),
    }
}

/// A proxy's address, alone or as a network (`10.0.0.0/8`).
fn parse_proxy(text: &str) -> Result<ipnet::IpNet, ConfigError> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            ConfigError(format!(
                "trusted_proxies: {text:?} is not an address or network"
            ))
        })
}

/// Where the configuration file is, if one was named.
pub fn config_path(flag: Option<PathBuf>, var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    flag.or_else(|| var("HOMEROOM_CONFIG").map(PathBuf::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn nothing_configured_runs_on_sqlite_at_the_default_address() {
        let config = ConfigInput::default().resolve().unwrap();
        assert_eq!(config.database_url.to_string(), DEFAULT_DATABASE_URL);
        assert_eq!(config.bind.to_string(), DEFAULT_BIND);
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
        let codes: Vec<_> = config.linking_states.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ["NC", "DE"]);
    }

    #[test]
    fn behind_a_transaction_pooler_migrations_connect_directly() {
        let config = ConfigInput::from_env(env(&[
            (
                "HOMEROOM_DATABASE_URL",
                "postgres://app@pooler:6432/homeroom",
            ),
            ("HOMEROOM_DATABASE_POOLER", "transaction"),
            (
                "HOMEROOM_MIGRATION_DATABASE_URL",
                "postgres://app@db:5432/homeroom",
            ),
        ]))
        .unwrap()
        .resolve()
        .unwrap();
        let target = config.database_target();
        assert_eq!(target.pooler, Pooler::Transaction);
        assert_eq!(
            target.session_url.map(|u| u.to_string()),
            Some("postgres://app@db:5432/homeroom".to_owned())
        );
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let file: ConfigInput =
            toml::from_str("bind = \"127.0.0.1:1\"\nlog = \"warn\"\nrequest_timeout_seconds = 5")
                .unwrap();
        let environment = ConfigInput::from_env(env(&[
            ("HOMEROOM_BIND", "127.0.0.1:2"),
            ("HOMEROOM_LOG", "debug"),
        ]))
        .unwrap();
        let flags = ConfigInput {
            bind: Some("127.0.0.1:3".into()),
            ..Default::default()
        };
        let config = file.overlay(environment).overlay(flags).resolve().unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:3");
        assert_eq!(config.log, "debug");
        assert_eq!(config.request_timeout, Duration::from_secs(5));
    }

    #[test]
    fn bad_values_stop_the_start_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            (
                "database_url = \"mysql://x\"",
                "unsupported database URL scheme",
            ),
            ("bind = \"localhost\"", "bind must be an address"),
            (
                "database_pooler = \"transaction\"",
                "database_pooler and migration_database_url are for PostgreSQL",
            ),
            (
                "database_url = \"postgres://h/d\"\ndatabase_pooler = \"statement\"",
                "database_pooler must be none or transaction",
            ),
            (
                "database_read_url = \"postgres://replica/d\"",
                "database_read_url is a PostgreSQL replica",
            ),
            (
                "database_url = \"postgres://h/d\"\nmigration_database_url = \"sqlite://x\"",
                "migration_database_url must be a postgres:// URL",
            ),
            ("public_url = \"ftp://x\"", "public_url must be"),
            ("request_timeout_seconds = 0", "request_timeout_seconds"),
            ("max_body_bytes = 10", "max_body_bytes"),
            (
                "import_max_field_bytes = 10",
                "import_max_field_bytes must be at least 1024",
            ),
            (
                "import_max_ratio = 1",
                "import_max_ratio must be at least 10",
            ),
            ("linking_states = [\"NC\", \"ZZ\"]", "unknown state"),
            ("database_max_connections = 0", "database_max_connections"),
            ("trusted_proxies = [\"10.0.0.0/33\"]", "trusted_proxies"),
            ("app_token_days = 0", "app_token_days"),
            ("environment = \"staging\"", "environment must be"),
            (
                "test_captcha_answer = \"ABCDE\"",
                "only allowed with environment",
            ),
            (
                "smtp_host = \"mail\"\nsmtp_tls = \"maybe\"",
                "smtp_tls must be",
            ),
            ("smtp_host = \"mail\"\nsmtp_username = \"u\"", "go together"),
            ("smtp_password = \"p\"", "need smtp_host"),
            ("mail_from = \"not an address\"", "mail_from must be"),
            (
                "push_allow_hosts = [\"https://push.example\"]",
                "push_allow_hosts",
            ),
            ("push_allow_hosts = [\"gateway:0\"]", "push_allow_hosts"),
        ];
        for (toml_text, expected) in cases {
            let input: ConfigInput = toml::from_str(toml_text).unwrap();
            let err = input.resolve().unwrap_err().to_string();
            assert!(err.contains(expected), "{toml_text}: {err}");
            assert!(!err.contains('\n'), "not one line: {err}");
        }
    }

    #[test]
    fn mail_goes_to_the_outbox_unless_an_smtp_server_is_named() {
        let config = ConfigInput::default().resolve().unwrap();
        assert_eq!(config.mail, MailConfig::Outbox(PathBuf::from("outbox")));
        assert_eq!(config.mail_from, "homeroom@127.0.0.1");
        let input: ConfigInput =
            toml::from_str("smtp_host = \"smtp.example.org\"\nsmtp_tls = \"tls\"").unwrap();
        assert_eq!(
            input.resolve().unwrap().mail,
            MailConfig::Smtp {
                host: "smtp.example.org".into(),
                port: 465,
                tls: SmtpTls::Tls,
                credentials: None,
            }
        );
    }

    #[test]
    fn a_fixed_captcha_answer_needs_a_test_environment() {
        let input: ConfigInput =
            toml::from_str("environment = \"test\"\ntest_captcha_answer = \"ABCDE\"").unwrap();
        assert_eq!(
            input.resolve().unwrap().test_captcha_answer.as_deref(),
            Some("ABCDE")
        );
        let proxies: ConfigInput =
            toml::from_str("trusted_proxies = [\"10.0.0.0/8\", \"192.168.1.1\"]").unwrap();
        assert_eq!(proxies.resolve().unwrap().trusted_proxies.len(), 2);
    }

    #[test]
    fn push_may_reach_only_the_allowed_hosts_and_ports_that_are_not_public() {
        // Nothing is allowed unless named, whatever the environment.
        for environment in ["production", "test"] {
            let input: ConfigInput =
                toml::from_str(&format!("environment = \"{environment}\"")).unwrap();
            assert!(input.resolve().unwrap().push_allow_hosts.is_empty());
        }
        let input = ConfigInput::from_env(env(&[(
            "HOMEROOM_PUSH_ALLOW_HOSTS",
            "Gateway.Internal., 127.0.0.1:8080,[::1]:9000, ::1",
        )]))
        .unwrap();
        let allowed = input.resolve().unwrap().push_allow_hosts;
        assert_eq!(allowed.len(), 4);
        let admitted = |url: &str| {
            let url = url::Url::parse(url).unwrap();
            allowed.iter().any(|a| a.admits(&url))
        };
        assert!(admitted("http://gateway.internal/push/1"));
        assert!(admitted("https://GATEWAY.internal.:8443/push/1"));
        assert!(admitted("http://127.0.0.1:8080/push/1"));
        assert!(!admitted("http://127.0.0.1:8081/push/1"));
        assert!(!admitted("http://127.0.0.1/push/1"));
        assert!(admitted("http://[::1]:9000/x"));
        assert!(admitted("https://[::1]/x"));
        assert!(!admitted("https://localhost:8080/x"));
        assert!(!admitted("https://other.internal/x"));
    }

    #[test]
    fn unknown_file_keys_and_bad_numbers_are_refused() {
        assert!(toml::from_str::<ConfigInput>("databse_url = \"sqlite://x\"").is_err());
        let err = ConfigInput::from_env(env(&[("HOMEROOM_REQUEST_TIMEOUT_SECONDS", "soon")]))
            .unwrap_err();
        assert!(err.to_string().contains("whole number"));
    }
}
