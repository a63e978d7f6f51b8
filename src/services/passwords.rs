//! Password hashing with argon2id at the OWASP parameters (19 MiB, t=2, p=1), in PHC strings.
//! Hashing runs on a few threads of its own, one per core, so that a surge of logins queues
//! here instead of starving every other request. Each thread takes the next queued password
//! the moment it is done with one, without a trip through the async scheduler, and keeps its
//! 19 MiB of working memory between passwords instead of asking the kernel for fresh zeroed
//! pages every time (it gives the memory back after a quiet while).

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OnceCell, oneshot};

use super::Error;

/// Work for a hashing thread, given that thread's working memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// A hashing thread frees its working memory after this long without work.
const IDLE: Duration = Duration::from_secs(30);

pub struct PasswordHasher {
    /// The queue the hashing threads take work from; they end when it is dropped.
    jobs: Sender<Job>,
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

/// Checks a password against a PHC string with the given working memory. The comparison of
/// the outputs takes constant time.
fn verify_with_memory(
    parsed: &PasswordHash,
    password: &[u8],
    memory: &mut Vec<Block>,
) -> Result<bool, Error> {
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
    memory.resize(params.block_count(), Block::default());
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..])
        .map_err(|e| broken(&e))?;
    let computed = Output::new(&out).map_err(|e| broken(&e))?;
    Ok(&computed == expected)
}

/// A hashing thread: takes queued work until the queue is gone.
fn hashing_thread(queue: &Mutex<Receiver<Job>>) {
    let mut memory = Vec::new();
    loop {
        // Waiting with a timeout, even for the lock's holder, lets every idle thread get to
        // free its memory in turn.
        let next = queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv_timeout(IDLE);
        match next {
            Ok(job) => {
                // A job that panics loses its answer (its caller hears of it), not the thread.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut memory)));
            }
            Err(RecvTimeoutError::Timeout) => memory = Vec::new(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl PasswordHasher {
    /// `threads`: how many hashes may run at once; the number of cores is right.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || hashing_thread(&queue))?;
        }
        Ok(Self {
            jobs,
            dummy: OnceCell::new(),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.run(move |_| {
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
        self.run(move |memory| {
            let parsed = PasswordHash::new(&stored).map_err(|e| {
                Error::internal(format!("a stored password hash does not parse: {e}"))
            })?;
            let matches = verify_with_memory(&parsed, password.as_bytes(), memory)?;
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

    /// Queues work for the hashing threads and waits for its answer.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = answer.send(work(memory));
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::internal("the password hasher has stopped".to_owned()))?;
        answered
            .await
            .map_err(|_| Error::internal("a password hashing task failed".to_owned()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_that_verify() {
        let hasher = PasswordHasher::new(2).unwrap();
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
    async fn more_passwords_than_threads_all_get_their_answer() {
        let hasher = std::sync::Arc::new(PasswordHasher::new(2).unwrap());
        let hash = hasher.hash("lantern meadow brook").await.unwrap();
        let checks = (0..6).map(|i| {
            let (hasher, hash) = (hasher.clone(), hash.clone());
            tokio::spawn(async move {
                let password = if i % 2 == 0 {
                    "lantern meadow brook"
                } else {
                    "wrong"
                };
                hasher.verify(Some(&hash), password).await.unwrap().matches
            })
        });
        let mut answers = Vec::new();
        for check in checks.collect::<Vec<_>>() {
            answers.push(check.await.unwrap());
        }
        assert_eq!(answers, [true, false, true, false, true, false]);
    }

    #[tokio::test]
    async fn no_account_never_matches() {
        let hasher = PasswordHasher::new(1).unwrap();
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
            .unwrap()
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
