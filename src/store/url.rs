//! Which database to use, read from its URL. The scheme chooses the backend, loudly: anything
//! but `sqlite:` and `postgres:` is refused before anything starts.

use std::fmt;

use crate::domain::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        let scheme = raw.split_once(':').map(|(scheme, _)| scheme).unwrap_or("");
        let backend = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            _ => {
                // Only the scheme is echoed: the rest may hold a password.
                return Err(Invalid::new(format!(
                    "unsupported database URL scheme {scheme:?}: use sqlite://FILE or postgres://HOST/DATABASE"
                )));
            }
        };
        if backend == Backend::Postgres && url::Url::parse(raw).is_err() {
            return Err(Invalid::new(
                "the PostgreSQL URL does not parse: use postgres://USER@HOST:PORT/DATABASE",
            ));
        }
        Ok(Self {
            backend,
            url: raw.to_owned(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite database file, unless the database lives in memory.
    pub(super) fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        use std::str::FromStr;
        if self.backend != Backend::Sqlite
            || self.url.contains(":memory:")
            || self.url.contains("mode=memory")
        {
            return None;
        }
        sqlx::sqlite::SqliteConnectOptions::from_str(&self.url)
            .ok()
            .map(|options| options.get_filename().to_path_buf())
    }

    /// The URL that creates a missing SQLite file: used once, at start.
    pub(super) fn create_url(&self) -> String {
        self.with_sqlite_mode("rwc")
    }

    /// The URL the pool's connections use. For SQLite it never creates the file: a database
    /// file that vanishes while the portal runs must make it unavailable, not start an empty one.
    pub(super) fn connect_url(&self) -> String {
        self.with_sqlite_mode("rw")
    }

    /// The URL with a SQLite `mode`, unless it names its own.
    fn with_sqlite_mode(&self, mode: &str) -> String {
        match self.backend {
            Backend::Sqlite if !self.url.contains("mode=") => {
                let separator = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{separator}mode={mode}", self.url)
            }
            _ => self.url.clone(),
        }
    }
}

/// Shown in logs and messages with any password hidden.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.url) {
            Ok(mut parsed) if parsed.password().is_some() => {
                // Setting a password only fails for URLs that cannot hold one.
                let _ = parsed.set_password(Some("********"));
                f.write_str(parsed.as_str())
            }
            _ => f.write_str(&self.url),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_chooses_the_backend() {
        let sqlite = DatabaseUrl::parse("sqlite://homeroom.db").unwrap();
        assert_eq!(sqlite.backend(), Backend::Sqlite);
        assert_eq!(sqlite.create_url(), "sqlite://homeroom.db?mode=rwc");
        assert_eq!(sqlite.connect_url(), "sqlite://homeroom.db?mode=rw");
        let pg = DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/homeroom").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").unwrap().backend(),
            Backend::Postgres
        );
    }

    #[test]
    fn the_sqlite_file_is_known_unless_in_memory() {
        let file = |url: &str| DatabaseUrl::parse(url).unwrap().sqlite_file();
        assert_eq!(file("sqlite://homeroom.db"), Some("homeroom.db".into()));
        assert_eq!(
            file("sqlite:///var/lib/homeroom/h.db?mode=rwc"),
            Some("/var/lib/homeroom/h.db".into())
        );
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("postgres://h/db"), None);
    }

    #[test]
    fn other_schemes_are_refused_without_echoing_secrets() {
        for bad in ["mysql://root:hunter2@db/x", "homeroom.db", "", "http://x"] {
            let err = DatabaseUrl::parse(bad).unwrap_err();
            assert!(
                err.to_string().contains("unsupported database URL scheme"),
                "{err}"
            );
            assert!(!err.to_string().contains("hunter2"));
        }
    }

    #[test]
    fn passwords_are_hidden_when_shown() {
        let url = DatabaseUrl::parse("postgres://app:hunter2@db:5432/homeroom").unwrap();
        assert_eq!(url.to_string(), "postgres://app:********@db:5432/homeroom");
    }
}
