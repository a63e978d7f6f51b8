//! The time, passed in rather than read from the system everywhere, so that tests can move it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// The system clock plus an offset that only tests change. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_secs(self.offset_seconds.load(Ordering::Relaxed));
        Timestamp::now()
            .checked_add(offset)
            .unwrap_or(Timestamp::MAX)
    }

    /// Seconds since 1970-01-01 UTC, as the database stores times.
    pub fn unix(&self) -> i64 {
        self.now().as_second()
    }

    /// Moves this clock and every clone of it forward (or back, with a negative count).
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_clone_moves_the_original() {
        let clock = Clock::default();
        let before = clock.unix();
        clock.clone().advance(3600);
        let after = clock.unix();
        assert!(
            (3600..3610).contains(&(after - before)),
            "{before} → {after}"
        );
    }
}
