//! When a failed job is tried again, and when it is given up.

/// Tries before a job is dead.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long a worker holds a job it claimed unless it renews the hold (it does, every third of
/// this, while the job runs); past this, another worker may take it: the first one died.
pub const LEASE_SECONDS: i64 = 30;

/// What running a job came to.
#[derive(Debug)]
pub enum JobOutcome {
    Done,
    /// Worth another try later.
    Retry(String),
    /// Will never work: the job is dead at once.
    Give(String),
}

/// What happens to a job that failed on its `attempts`-th try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again this many seconds from now.
    RetryIn(i64),
    /// Give up: the job stays, dead, for staff to see.
    Dead,
}

/// Exponential back-off: 30 s, 1 min, 2 min, 4 min … capped at an hour, dead after
/// [`MAX_ATTEMPTS`] tries.
pub fn after_failure(attempts: u32) -> AfterFailure {
    if attempts >= MAX_ATTEMPTS {
        return AfterFailure::Dead;
    }
    let exponent = attempts.saturating_sub(1).min(20);
    AfterFailure::RetryIn((30_i64 << exponent).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_an_hour_then_the_job_is_dead() {
        let waits: Vec<AfterFailure> = (1..=MAX_ATTEMPTS).map(after_failure).collect();
        assert_eq!(
            waits,
            [
                AfterFailure::RetryIn(30),
                AfterFailure::RetryIn(60),
                AfterFailure::RetryIn(120),
                AfterFailure::RetryIn(240),
                AfterFailure::RetryIn(480),
                AfterFailure::RetryIn(960),
                AfterFailure::RetryIn(1920),
                AfterFailure::Dead,
            ]
        );
        assert_eq!(after_failure(0), AfterFailure::RetryIn(30));
        assert_eq!(after_failure(u32::MAX), AfterFailure::Dead);
    }
}
