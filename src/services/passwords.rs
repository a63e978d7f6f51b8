//! Password hashing with argon2id at the OWASP parameters (19 MiB, t=2, p=1), in PHC strings.
//! Hashing runs on blocking threads, at most one per core at once, so that a surge of logins
//! queues here instead of starving every other request.

use std::sync::Arc;

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use super::Error;

pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A hash that matches no password, verified for unknown usernames so that they take as
    /// long as known ones.
    dummy: OnceCell<String>,
}

/// The outcome of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub matches: bool,
    /// The stored hash uses other parameters than today's: store a new one.
    pub needs_rehash: bool,
}

fn params() -> Params {
    // The OWASP parameters are within argon2's bounds, so building them cannot fail.
    Params::new(
        Params::DEFAULT_M_COST,
        Params::DEFAULT_T_COST,
        Params::DEFAULT_P_COST,
        None,
    )
    .unwrap_or_default()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

thread_local! {
    /// Each hashing thread keeps its 19 MiB of argon2 working memory between logins instead
    /// of asking the allocator (and the kernel) for fresh zeroed pages every time. Idle
    /// blocking threads end after a few seconds, and their memory with them.
    static WORKING_MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks a password against a PHC string, with this thread's working memory. The comparison
/// of the outputs takes constant time.
fn verify_with_thread_memory(parsed: &PasswordHash, password: &[u8]) -> Result<bool, Error> {
    let broken = |e: &dyn std::fmt::Display| {
        Error::internal(format!("a stored password hash is unusable: {e}"))
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(broken(&"no salt or no hash"));
    };
    let params = Params::try_from(parsed).map_err(|e| broken(&e))?;
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| broken(&e))?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| broken(&e))?,
        None => Version::default(),
    };
    let mut out = vec![0u8; expected.as_bytes().len()];
    WORKING_MEMORY.with(|memory| {
        let mut blocks = memory.borrow_mut();
        blocks.resize(params.block_count(), Block::default());
        Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(password, salt, &mut out, &mut blocks[..])
            .map_err(|e| broken(&e))
    })?;
    let computed = Output::new(&out).map_err(|e| broken(&e))?;
    Ok(&computed == expected)
}

impl PasswordHasher {
    /// `concurrency`: how many hashes may run at once; the number of cores is right.
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: OnceCell::new(),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.run(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| Error::internal(format!("hashing a password failed: {e}")))
        })
        .await
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no account,
    /// at the same cost.
    pub async fn verify(
        &self,
        stored: Option<&str>,
        password: &str,
    ) -> Result<Verification, Error> {
        let (stored, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy().await?.to_owned(), false),
        };
        let password = password.to_owned();
        self.run(move || {
            let parsed = PasswordHash::new(&stored).map_err(|e| {
                Error::internal(format!("a stored password hash does not parse: {e}"))
            })?;
            let matches = verify_with_thread_memory(&parsed, password.as_bytes())?;
            let current = params();
            let needs_rehash = Params::try_from(&parsed)
                .map(|p| {
                    (p.m_cost(), p.t_cost(), p.p_cost())
                        != (current.m_cost(), current.t_cost(), current.p_cost())
                })
                .unwrap_or(true)
                || parsed.algorithm.as_str() != "argon2id";
            Ok(Verification {
                matches: matches && real,
                needs_rehash: needs_rehash && real,
            })
        })
        .await
    }

    async fn dummy(&self) -> Result<&String, Error> {
        self.dummy
            .get_or_try_init(|| async {
                let secret = crate::secrets::token().map_err(|e| Error::internal(e.to_string()))?;
                self.hash(&secret).await
            })
            .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::internal("the password hasher is shutting down".to_owned()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::internal(format!("a password hashing task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_that_verify() {
        let hasher = PasswordHasher::new(2);
        let hash = hasher.hash("lantern meadow brook").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let ok = hasher
            .verify(Some(&hash), "lantern meadow brook")
            .await
            .unwrap();
        assert_eq!(
            ok,
            Verification {
                matches: true,
                needs_rehash: false
            }
        );
        let wrong = hasher.verify(Some(&hash), "lantern meadow").await.unwrap();
        assert!(!wrong.matches);
    }

    #[tokio::test]
    async fn no_account_never_matches() {
        let hasher = PasswordHasher::new(1);
        let v = hasher.verify(None, "anything at all").await.unwrap();
        assert_eq!(
            v,
            Verification {
                matches: false,
                needs_rehash: false
            }
        );
    }

    #[tokio::test]
    async fn old_parameters_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        );
        let old = weak
            .hash_password(b"lantern meadow brook")
            .unwrap()
            .to_string();
        let v = PasswordHasher::new(1)
            .verify(Some(&old), "lantern meadow brook")
            .await
            .unwrap();
        assert_eq!(
            v,
            Verification {
                matches: true,
                needs_rehash: true
            }
        );
    }
}
