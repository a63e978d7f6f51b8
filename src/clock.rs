//! The time, passed in rather than read from the system everywhere, so that tests can move it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// What [`Clock::stopped_at`] holds while the clock runs.
const RUNNING: i64 = i64::MIN;

/// The system clock plus an offset that only tests change. Clones share the offset.
#[derive(Debug, Clone)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
    /// The system's second when a test stopped the clock, or [`RUNNING`].
    stopped_at: Arc<AtomicI64>,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            offset_seconds: Arc::default(),
            stopped_at: Arc::new(AtomicI64::new(RUNNING)),
        }
    }
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_secs(self.offset_seconds.load(Ordering::Relaxed));
        let base = match self.stopped_at.load(Ordering::Relaxed) {
            RUNNING => Timestamp::now(),
            second => Timestamp::from_second(second).unwrap_or(Timestamp::MAX),
        };
        base.checked_add(offset).unwrap_or(Timestamp::MAX)
    }

    /// Seconds since 1970-01-01 UTC, as the database stores times.
    pub fn unix(&self) -> i64 {
        self.now().as_second()
    }

    /// Moves this clock and every clone of it forward (or back, with a negative count).
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }

    /// Stops this clock and every clone of it at the start of the current second, for tests
    /// of things that happen within one second; [`Clock::advance`] still moves it.
    pub fn stop(&self) {
        self.stopped_at
            .store(Timestamp::now().as_second(), Ordering::Relaxed);
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

    #[test]
    fn a_stopped_clock_stays_in_its_second_until_advanced() {
        let clock = Clock::default();
        clock.advance(-60);
        clock.clone().stop();
        let stopped = clock.now();
        assert_eq!(stopped.subsec_nanosecond(), 0);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(clock.now(), stopped);
        clock.advance(5);
        assert_eq!(clock.unix(), stopped.as_second() + 5);
    }
}
