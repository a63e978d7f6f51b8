//! Failed logins, counted per username and per address, and CAPTCHA challenges. Kept in the
//! database so that every app node sees the same counts.

use sqlx::Row;

use super::{Result, Store};
use crate::domain::{DistrictId, Failures};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureScope {
    Username,
    Address,
}

impl FailureScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Address => "address",
        }
    }
}

/// How long a login attempt may stay in flight: past this its request died, and it counts.
pub const IN_FLIGHT_SECONDS: i64 = 30;

/// Known failures, and the attempts made before this one whose outcome is not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    pub failures: Failures,
    pub earlier: u32,
}

impl InFlight {
    /// The failures there would be if every attempt in flight failed.
    pub fn at_worst(&self, now: i64) -> Failures {
        if self.earlier == 0 {
            return self.failures;
        }
        Failures {
            count: self.failures.count + self.earlier,
            newest: Some(self.failures.newest.map_or(now, |n| n.max(now))),
            oldest: Some(self.failures.oldest.map_or(now, |o| o.min(now))),
        }
    }
}

/// An attempt counted as a failure until it is forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptId(i64);

pub struct NewChallenge {
    pub district: DistrictId,
    /// The address that asked for it.
    pub address: String,
    pub public_id: String,
    pub answer_hash: String,
    pub pow_salt: String,
    pub pow_challenge: String,
    pub expires_at: i64,
}

pub struct StoredChallenge {
    pub answer_hash: String,
    pub pow_salt: String,
    pub pow_challenge: String,
}

impl Store {
    /// Failures since `since` (Unix seconds).
    pub async fn failures(
        &self,
        district: DistrictId,
        scope: FailureScope,
        subject: &str,
        since: i64,
    ) -> Result<Failures> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at) AS newest, MIN(at) AS oldest FROM login_failures \
             WHERE district_id = $1 AND scope = $2 AND subject = $3 AND at >= $4",
        )
        .bind(district.0)
        .bind(scope.as_str())
        .bind(subject.to_owned())
        .bind(since)
        .fetch_one(self.pool()?)
        .await?;
        Ok(Failures {
            count: super::count(&row, "n")?,
            newest: row.try_get("newest")?,
            oldest: row.try_get("oldest")?,
        })
    }

    /// Counts an attempt as a failure before its outcome is known, and answers the failures
    /// that were there besides it, other attempts still in flight included. Every attempt is
    /// written (and committed) before anything is read, so of two attempts at the same time
    /// the later one sees the earlier: no number of parallel tries gets more of them past a
    /// threshold than one after another would. The caller forgets the attempt
    /// ([`Store::forget_attempts`]) when it turns out not to be a failure. Failures that no
    /// longer count are forgotten too.
    pub async fn count_attempt(
        &self,
        district: DistrictId,
        scope: FailureScope,
        subject: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<(AttemptId, Failures)> {
        let mut counted = self
            .count_attempts(district, &[(scope, subject)], now, forget_before)
            .await?;
        counted
            .pop()
            .ok_or_else(|| super::StoreError::Corrupt("an attempt went uncounted".to_owned()))
    }

    /// [`Store::count_attempt`] for several scopes at once (a login counts against the username
    /// and the address), written in one transaction.
    pub async fn count_attempts(
        &self,
        district: DistrictId,
        subjects: &[(FailureScope, &str)],
        now: i64,
        forget_before: i64,
    ) -> Result<Vec<(AttemptId, Failures)>> {
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(subjects.len());
        for (scope, subject) in subjects {
            ids.push(write_failure(&mut tx, district, *scope, subject, now, forget_before).await?);
        }
        tx.commit().await?;
        let mut counted = Vec::with_capacity(subjects.len());
        for ((scope, subject), id) in subjects.iter().zip(ids) {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n, MAX(at) AS newest, MIN(at) AS oldest FROM login_failures \
                 WHERE district_id = $1 AND scope = $2 AND subject = $3 AND at >= $4 AND id <> $5",
            )
            .bind(district.0)
            .bind(scope.as_str())
            .bind((*subject).to_owned())
            .bind(forget_before)
            .bind(id)
            .fetch_one(self.pool()?)
            .await?;
            counted.push((
                AttemptId(id),
                Failures {
                    count: super::count(&row, "n")?,
                    newest: row.try_get("newest")?,
                    oldest: row.try_get("oldest")?,
                },
            ));
        }
        Ok(counted)
    }

    /// A login's attempts, one per scope, written in flight: not yet failures. Answers, per
    /// scope, the known failures and the attempts still in flight that were made before it
    /// (an attempt in flight longer than [`IN_FLIGHT_SECONDS`] counts as a failure: its
    /// request died).
    pub async fn count_login_attempts(
        &self,
        district: DistrictId,
        subjects: &[(FailureScope, &str)],
        now: i64,
        forget_before: i64,
    ) -> Result<Vec<(AttemptId, InFlight)>> {
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(subjects.len());
        for (scope, subject) in subjects {
            let written = (*scope, *subject, now, forget_before);
            ids.push(AttemptId(
                write_attempt(&mut tx, district, written, true).await?,
            ));
        }
        tx.commit().await?;
        let attempts: Vec<_> = subjects.iter().copied().zip(ids).collect();
        self.recount_login_attempts(district, &attempts, now, forget_before)
            .await
    }

    /// The counts of [`Store::count_login_attempts`] again, for attempts already written.
    pub async fn recount_login_attempts(
        &self,
        district: DistrictId,
        attempts: &[((FailureScope, &str), AttemptId)],
        now: i64,
        forget_before: i64,
    ) -> Result<Vec<(AttemptId, InFlight)>> {
        let mut counted = Vec::with_capacity(attempts.len());
        for ((scope, subject), id) in attempts {
            let row = sqlx::query(
                "SELECT \
                   SUM(CASE WHEN known THEN 1 ELSE 0 END) AS n, \
                   MAX(CASE WHEN known THEN at END) AS newest, \
                   MIN(CASE WHEN known THEN at END) AS oldest, \
                   SUM(CASE WHEN known THEN 0 ELSE 1 END) AS pending \
                 FROM (SELECT at, NOT in_flight OR at < $6 AS known FROM login_failures \
                       WHERE district_id = $1 AND scope = $2 AND subject = $3 AND at >= $4 \
                         AND (NOT in_flight OR id < $5) AND id <> $5) f",
            )
            .bind(district.0)
            .bind(scope.as_str())
            .bind((*subject).to_owned())
            .bind(forget_before)
            .bind(id.0)
            .bind(now - IN_FLIGHT_SECONDS)
            .fetch_one(self.pool()?)
            .await?;
            let number = |column: &str| -> Result<u32> {
                let n: Option<i64> = row.try_get(column)?;
                Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX))
            };
            counted.push((
                *id,
                InFlight {
                    failures: Failures {
                        count: number("n")?,
                        newest: row.try_get("newest")?,
                        oldest: row.try_get("oldest")?,
                    },
                    earlier: number("pending")?,
                },
            ));
        }
        Ok(counted)
    }

    /// Attempts that failed: in flight no longer, failures from now on.
    pub async fn confirm_attempts(&self, attempts: &[AttemptId]) -> Result<()> {
        let _turn = self.write_turn().await?;
        for attempt in attempts {
            sqlx::query("UPDATE login_failures SET in_flight = $2 WHERE id = $1")
                .bind(attempt.0)
                .bind(false)
                .execute(self.pool()?)
                .await?;
        }
        Ok(())
    }

    /// Takes back attempts that [`Store::count_attempts`] counted: they succeeded, or were
    /// refused before they could fail.
    pub async fn forget_attempts(&self, attempts: &[AttemptId]) -> Result<()> {
        // Two to a statement: a login counts two attempts.
        for pair in attempts.chunks(2) {
            let (first, second) = (pair[0], pair.get(1).copied().unwrap_or(pair[0]));
            sqlx::query("DELETE FROM login_failures WHERE id IN ($1, $2)")
                .bind(first.0)
                .bind(second.0)
                .execute(self.pool()?)
                .await?;
        }
        Ok(())
    }

    /// Records one failure and forgets those that no longer count.
    pub async fn record_failure(
        &self,
        district: DistrictId,
        scope: FailureScope,
        subject: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        write_failure(&mut tx, district, scope, subject, now, forget_before).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_failures(
        &self,
        district: DistrictId,
        scope: FailureScope,
        subject: &str,
    ) -> Result<()> {
        sqlx::query(
            "DELETE FROM login_failures WHERE district_id = $1 AND scope = $2 AND subject = $3",
        )
        .bind(district.0)
        .bind(scope.as_str())
        .bind(subject.to_owned())
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    /// Stores a challenge, and clears out the district's expired ones.
    pub async fn insert_challenge(&self, new: &NewChallenge, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM captcha_challenges WHERE district_id = $1 AND expires_at < $2")
            .bind(new.district.0)
            .bind(now)
            .execute(self.pool()?)
            .await?;
        sqlx::query(
            "INSERT INTO captcha_challenges (district_id, public_id, answer_hash, pow_salt, \
               pow_challenge, expires_at, address) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new.district.0)
        .bind(new.public_id.clone())
        .bind(new.answer_hash.clone())
        .bind(new.pow_salt.clone())
        .bind(new.pow_challenge.clone())
        .bind(new.expires_at)
        .bind(new.address.clone())
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    /// How many live challenges an address holds in the district.
    pub async fn live_challenges_from(
        &self,
        district: DistrictId,
        address: &str,
        now: i64,
    ) -> Result<u32> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM captcha_challenges \
             WHERE district_id = $1 AND address = $2 AND expires_at >= $3",
        )
        .bind(district.0)
        .bind(address.to_owned())
        .bind(now)
        .fetch_one(self.pool()?)
        .await?;
        super::count(&row, "n")
    }

    /// Removes the challenge and returns it if it was live: each is answered once.
    pub async fn take_challenge(
        &self,
        district: DistrictId,
        public_id: &str,
        now: i64,
    ) -> Result<Option<StoredChallenge>> {
        let row = sqlx::query(
            "DELETE FROM captcha_challenges WHERE district_id = $1 AND public_id = $2 \
             RETURNING answer_hash, pow_salt, pow_challenge, expires_at",
        )
        .bind(district.0)
        .bind(public_id.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at < now {
            return Ok(None);
        }
        Ok(Some(StoredChallenge {
            answer_hash: row.try_get("answer_hash")?,
            pow_salt: row.try_get("pow_salt")?,
            pow_challenge: row.try_get("pow_challenge")?,
        }))
    }
}

/// Writes one failure, forgetting the subject's failures that no longer count; its id.
async fn write_failure(
    tx: &mut super::Tx,
    district: DistrictId,
    scope: FailureScope,
    subject: &str,
    now: i64,
    forget_before: i64,
) -> Result<i64> {
    write_attempt(tx, district, (scope, subject, now, forget_before), false).await
}

/// Writes an attempt (a failure, or a login's attempt in flight) and forgets those that no
/// longer count: (scope, subject, now, forget_before).
async fn write_attempt(
    tx: &mut super::Tx,
    district: DistrictId,
    (scope, subject, now, forget_before): (FailureScope, &str, i64, i64),
    in_flight: bool,
) -> Result<i64> {
    sqlx::query(
        "DELETE FROM login_failures \
         WHERE district_id = $1 AND scope = $2 AND subject = $3 AND at < $4",
    )
    .bind(district.0)
    .bind(scope.as_str())
    .bind(subject.to_owned())
    .bind(forget_before)
    .execute(tx.conn())
    .await?;
    let row = sqlx::query(
        "INSERT INTO login_failures (district_id, scope, subject, at, in_flight) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(district.0)
    .bind(scope.as_str())
    .bind(subject.to_owned())
    .bind(now)
    .bind(in_flight)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get("id")?)
}
