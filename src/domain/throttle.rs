//! When a login needs a CAPTCHA, and when a username is locked for a while. Pure: the counts
//! come from the store, so every app node decides alike.

/// Failures older than this no longer count.
pub const WINDOW_SECONDS: i64 = 60 * 60;
/// Failures for a username beyond the CAPTCHA threshold before it is locked.
pub const FAILURES_BEFORE_LOCK: u32 = 10;
/// No username takes more than this many failures an hour.
pub const MAX_FAILURES_PER_HOUR: u32 = 100;
const FIRST_LOCK_SECONDS: i64 = 60;
const LONGEST_LOCK_SECONDS: i64 = 15 * 60;

/// Failures seen within the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    /// Unix seconds of the newest and oldest failure counted, if any.
    pub newest: Option<i64>,
    pub oldest: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRules {
    pub captcha_after_failures: u32,
    pub captcha_after_address_failures: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub captcha_required: bool,
    /// Unix seconds until which the username is locked.
    pub locked_until: Option<i64>,
}

impl ThrottleRules {
    /// What the next login attempt for this username from this address must face.
    pub fn assess(&self, username: Failures, address: Failures, now: i64) -> Assessment {
        let captcha_required = username.count >= self.captcha_after_failures
            || address.count >= self.captcha_after_address_failures;
        let locked_until = self.lock_end(username).filter(|until| *until > now);
        Assessment {
            captcha_required,
            locked_until,
        }
    }

    /// The end of the lock that the newest failure started, if it started one. An address is
    /// never locked: only usernames are.
    pub fn lock_end(&self, username: Failures) -> Option<i64> {
        let newest = username.newest?;
        if username.count >= MAX_FAILURES_PER_HOUR {
            return Some(username.oldest.unwrap_or(newest) + WINDOW_SECONDS);
        }
        let threshold = self.captcha_after_failures + FAILURES_BEFORE_LOCK;
        let beyond = username.count.checked_sub(threshold)?;
        // 1, 2, 4, 8 minutes, then 15 for every further failure. The shift is clamped: shifting
        // by the raw count would push bits out and turn the wait negative.
        let wait = (FIRST_LOCK_SECONDS << beyond.min(4)).min(LONGEST_LOCK_SECONDS);
        Some(newest.saturating_add(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: ThrottleRules = ThrottleRules {
        captcha_after_failures: 3,
        captcha_after_address_failures: 20,
    };

    fn failures(count: u32, newest: i64) -> Failures {
        Failures {
            count,
            newest: (count > 0).then_some(newest),
            oldest: (count > 0).then_some(newest - 100),
        }
    }

    #[test]
    fn captcha_after_three_username_failures_or_twenty_from_an_address() {
        let now = 10_000;
        let none = Failures::default();
        assert!(!RULES.assess(failures(2, now), none, now).captcha_required);
        assert!(RULES.assess(failures(3, now), none, now).captcha_required);
        assert!(!RULES.assess(none, failures(19, now), now).captcha_required);
        assert!(RULES.assess(none, failures(20, now), now).captcha_required);
    }

    #[test]
    fn an_address_alone_never_locks() {
        let now = 10_000;
        let a = RULES.assess(Failures::default(), failures(5_000, now), now);
        assert_eq!(a.locked_until, None);
    }

    #[test]
    fn ten_more_failures_lock_with_doubling_waits_up_to_fifteen_minutes() {
        let now = 10_000;
        assert_eq!(
            RULES
                .assess(failures(12, now), Failures::default(), now)
                .locked_until,
            None
        );
        let waits: Vec<i64> = (13..=19)
            .map(|n| {
                RULES
                    .assess(failures(n, now), Failures::default(), now)
                    .locked_until
                    .unwrap()
                    - now
            })
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 900, 900, 900]);
    }

    #[test]
    fn a_huge_count_still_waits_fifteen_minutes() {
        let now = 10_000;
        // With a CAPTCHA after one failure the lock starts at 11; 69 to 74 failures are 58 to 63
        // beyond it, where shifting the first wait by the count would overflow.
        let strict = ThrottleRules {
            captcha_after_failures: 1,
            captcha_after_address_failures: 5,
        };
        for count in [30, 69, 71, 74, 75, 99] {
            assert_eq!(
                strict.lock_end(failures(count, now)),
                Some(now + 900),
                "count {count}"
            );
        }
        assert_eq!(
            RULES.lock_end(failures(u32::MAX, now)),
            Some(now - 100 + WINDOW_SECONDS)
        );
    }

    #[test]
    fn a_lock_ends() {
        let then = 10_000;
        let f = failures(13, then);
        assert!(
            RULES
                .assess(f, Failures::default(), then + 59)
                .locked_until
                .is_some()
        );
        assert_eq!(
            RULES.assess(f, Failures::default(), then + 60).locked_until,
            None
        );
    }

    #[test]
    fn a_hundred_failures_in_an_hour_lock_until_the_hour_is_over() {
        let now = 10_000;
        let f = Failures {
            count: 100,
            newest: Some(now),
            oldest: Some(now - 3000),
        };
        assert_eq!(
            RULES.assess(f, Failures::default(), now).locked_until,
            Some(now - 3000 + 3600)
        );
    }

    #[test]
    fn the_threshold_follows_the_district_setting() {
        let strict = ThrottleRules {
            captcha_after_failures: 1,
            captcha_after_address_failures: 5,
        };
        let now = 10_000;
        assert!(
            strict
                .assess(failures(1, now), Failures::default(), now)
                .captcha_required
        );
        assert!(
            strict
                .assess(failures(11, now), Failures::default(), now)
                .locked_until
                .is_some()
        );
    }
}
