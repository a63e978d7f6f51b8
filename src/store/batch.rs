//! Statements that many requests need at the same moment, run together: a task takes whatever
//! has gathered while its last statement ran and answers all of it with one statement. Under
//! load, hundreds of requests then cost one round trip (and for a write one commit) instead of
//! hundreds; alone, a request's statement runs at once.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use super::{Result, StoreError};

/// A request waiting for its batch, with whoever waits for its answer.
type Waiting<Q, A> = (Q, oneshot::Sender<Result<A>>);

/// A queue of requests `Q`, each answered with an `A`.
pub(super) struct Batches<Q, A> {
    sender: mpsc::UnboundedSender<Waiting<Q, A>>,
}

impl<Q, A> Clone for Batches<Q, A> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
        }
    }
}

impl<Q: Send + 'static, A: Send + 'static> Batches<Q, A> {
    /// Starts the task on the current runtime; it stops when the last clone is dropped. `run`
    /// answers a batch of at most `most` requests, one answer for each, in their order. One
    /// batch runs at a time: with two or more at once, batches were smaller, statements more,
    /// and the Grades page slower on PostgreSQL (docs/BENCHMARKS.md).
    pub(super) fn start<F, Fut>(most: usize, mut run: F) -> Self
    where
        F: FnMut(Vec<Q>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<Result<A>>> + Send,
    {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Waiting<Q, A>>();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(most);
            while receiver.recv_many(&mut batch, most).await > 0 {
                let (asked, waiting): (Vec<Q>, Vec<_>) = batch.drain(..).unzip();
                // A request left without an answer hears that the database is away (below).
                for (done, answer) in waiting.into_iter().zip(run(asked).await) {
                    let _ = done.send(answer);
                }
            }
        });
        Self { sender }
    }

    /// Waits for the answer to `asked`.
    pub(super) async fn ask(&self, asked: Q) -> Result<A> {
        let gone = || StoreError::Unavailable(sqlx::Error::WorkerCrashed);
        let (done, answer) = oneshot::channel();
        self.sender.send((asked, done)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// What each of `n` requests hears when their statement failed: the same failure, each its
/// own copy (a database that is away is away for every request in the batch).
pub(super) fn failed_each<A>(err: &StoreError, n: usize) -> Vec<Result<A>> {
    let copy = || match err {
        StoreError::Unavailable(e) => StoreError::Unavailable(sqlx::Error::Protocol(e.to_string())),
        StoreError::InvalidInput(text) => StoreError::InvalidInput(text.clone()),
        StoreError::Corrupt(text) => StoreError::Corrupt(text.clone()),
        StoreError::Conflict { constraint } => StoreError::Conflict {
            constraint: constraint.clone(),
        },
        other => StoreError::Database(sqlx::Error::Protocol(other.to_string())),
    };
    (0..n).map(|_| Err(copy())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_request_hears_its_own_answer_and_requests_that_wait_share_a_batch() {
        let sizes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = sizes.clone();
        let batches = Batches::start(64, move |asked: Vec<u32>| {
            seen.lock().unwrap().push(asked.len());
            async move {
                tokio::task::yield_now().await;
                asked.into_iter().map(|n| Ok(n * 2)).collect()
            }
        });
        let answers = futures_util::future::join_all((0..100).map(|n| batches.ask(n))).await;
        for (n, answer) in answers.into_iter().enumerate() {
            assert_eq!(answer.unwrap(), n as u32 * 2);
        }
        let sizes = sizes.lock().unwrap();
        assert_eq!(sizes.iter().sum::<usize>(), 100);
        assert!(
            sizes.len() < 100,
            "no two requests shared a batch: {sizes:?}"
        );
        assert!(sizes.iter().all(|&n| n <= 64));
    }

    #[tokio::test]
    async fn a_failed_batch_fails_every_request_in_it_and_a_short_answer_fails_the_rest() {
        let batches = Batches::start(8, |asked: Vec<u32>| async move {
            if asked.contains(&0) {
                let away = StoreError::Unavailable(sqlx::Error::PoolTimedOut);
                failed_each(&away, asked.len())
            } else {
                vec![Ok(())]
            }
        });
        assert!(matches!(
            batches.ask(0).await,
            Err(StoreError::Unavailable(_))
        ));
        let (a, b) = tokio::join!(batches.ask(1), batches.ask(2));
        assert!(a.is_ok());
        assert!(matches!(b, Err(StoreError::Unavailable(_))));
    }
}
