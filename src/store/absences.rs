//! Absence requests and the school days each holds while it is open.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, Tx, flag};
use crate::domain::{AccountId, DistrictId, Lang};

/// A request as it is kept, with the names the pages show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceRecord {
    pub id: i64,
    pub student_id: i64,
    pub student_sourced_id: String,
    pub student_given_name: String,
    pub student_family_name: String,
    pub school_id: Option<i64>,
    pub school_name: Option<String>,
    /// Who asked: the guardian's name.
    pub asked_by: String,
    pub from: String,
    pub to: String,
    /// The school days, `YYYY-MM-DD`, in order.
    pub days: Vec<String>,
    pub part: String,
    pub time: Option<String>,
    pub reason: String,
    pub comment: Option<String>,
    pub state: String,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

/// A request to write.
pub struct NewAbsence<'a> {
    pub student: i64,
    pub account: AccountId,
    pub from: String,
    pub to: String,
    pub days: &'a [String],
    pub part: &'a str,
    pub time: Option<String>,
    pub reason: &'a str,
    pub comment: Option<String>,
}

/// What the queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// `None`: every state.
    pub state: Option<String>,
    /// Requests that cover this day.
    pub date: Option<String>,
    /// Requests whose last day is on or after this one.
    pub ending_from: Option<String>,
}

const SELECT: &str = "SELECT r.id, r.student_id, s.sourced_id AS student_sourced_id, \
       s.given_name AS student_given_name, s.family_name AS student_family_name, s.school_id, \
       o.name AS school_name, g.given_name AS asker_given, g.family_name AS asker_family, \
       r.from_date, r.to_date, r.days, r.part, r.at_time, r.reason, r.comment, r.state, r.note, \
       r.decided_by, r.decided_at, r.created_at \
     FROM absence_requests r \
     JOIN people s ON s.district_id = r.district_id AND s.id = r.student_id \
     LEFT JOIN schools o ON o.district_id = s.district_id AND o.id = s.school_id \
     JOIN accounts a ON a.district_id = r.district_id AND a.id = r.account_id \
     LEFT JOIN people g ON g.district_id = a.district_id AND g.id = a.person_id";

fn record(row: &AnyRow) -> Result<AbsenceRecord> {
    let days: String = row.try_get("days")?;
    let given: Option<String> = row.try_get("asker_given")?;
    let family: Option<String> = row.try_get("asker_family")?;
    Ok(AbsenceRecord {
        id: row.try_get("id")?,
        student_id: row.try_get("student_id")?,
        student_sourced_id: row.try_get("student_sourced_id")?,
        student_given_name: row.try_get("student_given_name")?,
        student_family_name: row.try_get("student_family_name")?,
        school_id: row.try_get("school_id")?,
        school_name: row.try_get("school_name")?,
        asked_by: format!(
            "{} {}",
            given.unwrap_or_default(),
            family.unwrap_or_default()
        )
        .trim()
        .to_owned(),
        from: row.try_get("from_date")?,
        to: row.try_get("to_date")?,
        days: days
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        part: row.try_get("part")?,
        time: row.try_get("at_time")?,
        reason: row.try_get("reason")?,
        comment: row.try_get("comment")?,
        state: row.try_get("state")?,
        note: row.try_get("note")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A day of an approved request, for a child's attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedDay {
    pub request: i64,
    pub date: String,
    pub part: String,
    pub decided_at: Option<i64>,
    pub student_sourced_id: String,
}

impl Store {
    /// The student's requests, newest first (the latest 100).
    pub async fn absence_requests_of(
        &self,
        district: DistrictId,
        student: i64,
    ) -> Result<Vec<AbsenceRecord>> {
        let sql = format!(
            "{SELECT} WHERE r.district_id = $1 AND r.student_id = $2 \
             ORDER BY r.created_at DESC, r.id DESC LIMIT 100"
        );
        let rows = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(student)
            .fetch_all(self.pool()?)
            .await?;
        rows.iter().map(record).collect()
    }

    /// One request of the district.
    pub async fn absence_request(
        &self,
        district: DistrictId,
        id: i64,
    ) -> Result<Option<AbsenceRecord>> {
        let sql = format!("{SELECT} WHERE r.district_id = $1 AND r.id = $2");
        let row = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(id)
            .fetch_optional(self.pool()?)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// The office's queue: oldest first, by school (at most 1,000).
    pub async fn absence_queue(
        &self,
        district: DistrictId,
        filter: &QueueFilter,
    ) -> Result<Vec<AbsenceRecord>> {
        let sql = format!(
            "{SELECT} WHERE r.district_id = $1 AND ($2 = '' OR r.state = $2) \
               AND ($3 = '' OR (r.from_date <= $3 AND r.to_date >= $3)) \
               AND ($4 = '' OR r.to_date >= $4) \
             ORDER BY o.name, r.created_at, r.id LIMIT 1000"
        );
        let rows = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(filter.state.clone().unwrap_or_default())
            .bind(filter.date.clone().unwrap_or_default())
            .bind(filter.ending_from.clone().unwrap_or_default())
            .fetch_all(self.pool()?)
            .await?;
        rows.iter().map(record).collect()
    }

    /// How many requests wait for the office, today's and later ones.
    pub async fn absences_waiting(&self, district: DistrictId, today: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM absence_requests \
             WHERE district_id = $1 AND state = 'submitted' AND to_date >= $2",
        )
        .bind(district.0)
        .bind(today.to_owned())
        .fetch_one(self.pool()?)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// The days of the student's approved requests within `from..=to` (all when blank).
    pub async fn approved_absence_days(
        &self,
        district: DistrictId,
        student: Option<i64>,
        from: &str,
        decided_since: Option<i64>,
    ) -> Result<Vec<ApprovedDay>> {
        let rows = sqlx::query(
            "SELECT d.request_id, d.date, r.part, r.decided_at, \
                    s.sourced_id \
             FROM absence_request_days d \
             JOIN absence_requests r ON r.id = d.request_id AND r.district_id = d.district_id \
             JOIN people s ON s.district_id = r.district_id AND s.id = r.student_id \
             WHERE d.district_id = $1 AND ($2 = 0 OR d.student_id = $2) AND d.held = $3 \
               AND r.state = 'approved' AND d.date >= $4 AND r.decided_at >= $5 \
             ORDER BY d.date, d.request_id",
        )
        .bind(district.0)
        .bind(student.unwrap_or(0))
        .bind(true)
        .bind(from.to_owned())
        .bind(decided_since.unwrap_or(0))
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApprovedDay {
                    request: row.try_get("request_id")?,
                    date: row.try_get("date")?,
                    part: row.try_get("part")?,
                    decided_at: row.try_get("decided_at")?,
                    student_sourced_id: row.try_get("sourced_id")?,
                })
            })
            .collect()
    }

    /// The parents who may see the student (an active relationship with the portal on), with
    /// the language each reads in.
    pub async fn guardians_of(
        &self,
        district: DistrictId,
        student: i64,
    ) -> Result<Vec<(AccountId, Lang)>> {
        let rows = sqlx::query(
            "SELECT a.id, a.language FROM relationships r \
               JOIN accounts a ON a.district_id = r.district_id AND a.person_id = r.guardian_id \
             WHERE r.district_id = $1 AND r.student_id = $2 AND r.active = $3 \
               AND r.portal = $3 AND a.active = $3 AND a.kind = 'parent' ORDER BY a.id",
        )
        .bind(district.0)
        .bind(student)
        .bind(true)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                let code: Option<String> = row.try_get("language")?;
                Ok((
                    AccountId(row.try_get("id")?),
                    code.as_deref().and_then(Lang::parse).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Districts with requests the office has not been mailed about.
    pub async fn districts_with_unmailed_absences(&self) -> Result<Vec<DistrictId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT district_id FROM absence_requests WHERE office_mailed = $1",
        )
        .bind(false)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| Ok(DistrictId(row.try_get("district_id")?)))
            .collect()
    }
}

impl Tx {
    /// Which of `days` the student's open requests hold already.
    pub async fn held_absence_days(
        &mut self,
        district: DistrictId,
        student: i64,
        days: &[String],
    ) -> Result<Vec<String>> {
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT date FROM absence_request_days \
             WHERE district_id = $1 AND student_id = $2 AND held = $3 \
               AND date >= $4 AND date <= $5 ORDER BY date",
        )
        .bind(district.0)
        .bind(student)
        .bind(true)
        .bind(first.clone())
        .bind(last.clone())
        .fetch_all(self.conn())
        .await?;
        let mut held = Vec::new();
        for row in &rows {
            let date: String = row.try_get("date")?;
            if days.contains(&date) {
                held.push(date);
            }
        }
        Ok(held)
    }

    /// Writes a submitted request and its days; answers its id. A day another open request
    /// holds is a `Conflict`.
    pub async fn insert_absence(
        &mut self,
        district: DistrictId,
        new: &NewAbsence<'_>,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO absence_requests (district_id, student_id, account_id, from_date, \
               to_date, days, part, at_time, reason, comment, state, office_mailed, created_at, \
               updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'submitted', $11, $12, $12) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(new.student)
        .bind(new.account.0)
        .bind(new.from.clone())
        .bind(new.to.clone())
        .bind(new.days.join(","))
        .bind(new.part.to_owned())
        .bind(new.time.clone())
        .bind(new.reason.to_owned())
        .bind(new.comment.clone())
        .bind(false)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = row.try_get("id")?;
        for day in new.days {
            sqlx::query(
                "INSERT INTO absence_request_days (district_id, request_id, student_id, date, \
                   held) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(district.0)
            .bind(id)
            .bind(new.student)
            .bind(day.clone())
            .bind(true)
            .execute(self.conn())
            .await?;
        }
        Ok(id)
    }

    /// Moves a request from `submitted` to `state`, only if it is still submitted (the first of
    /// two deciders wins); a request that no longer holds its days lets them go. Answers whether
    /// it moved.
    pub async fn settle_absence(
        &mut self,
        district: DistrictId,
        id: i64,
        state: &str,
        note: Option<String>,
        decided_by: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE absence_requests SET state = $1, note = $2, decided_by = $3, \
               decided_at = $4, updated_at = $7 \
             WHERE district_id = $5 AND id = $6 AND state = 'submitted'",
        )
        .bind(state.to_owned())
        .bind(note)
        .bind(decided_by.map(str::to_owned))
        .bind(Some(now))
        .bind(district.0)
        .bind(id)
        .bind(now)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if state != "approved" {
            sqlx::query(
                "UPDATE absence_request_days SET held = $1 \
                 WHERE district_id = $2 AND request_id = $3",
            )
            .bind(false)
            .bind(district.0)
            .bind(id)
            .execute(self.conn())
            .await?;
        }
        Ok(true)
    }

    /// Whether one of the district's requests not yet mailed to the office was made at
    /// `before` or earlier.
    pub async fn unmailed_absences_waited(
        &mut self,
        district: DistrictId,
        before: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM absence_requests \
               WHERE district_id = $1 AND office_mailed = $2 AND created_at <= $3) AS waited",
        )
        .bind(district.0)
        .bind(false)
        .bind(before)
        .fetch_one(self.conn())
        .await?;
        flag(&row, "waited")
    }

    /// The district's requests the office has not been mailed about, each with its student's
    /// school, marked as mailed; by id.
    pub async fn take_unmailed_absences(
        &mut self,
        district: DistrictId,
    ) -> Result<Vec<(i64, Option<i64>)>> {
        let rows = sqlx::query(
            "UPDATE absence_requests SET office_mailed = $1 \
             WHERE district_id = $2 AND office_mailed = $3 \
             RETURNING id, (SELECT school_id FROM people p \
                 WHERE p.district_id = absence_requests.district_id \
                   AND p.id = absence_requests.student_id) AS school_id",
        )
        .bind(true)
        .bind(district.0)
        .bind(false)
        .fetch_all(self.conn())
        .await?;
        let mut taken: Vec<(i64, Option<i64>)> = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("school_id")?)))
            .collect::<Result<_>>()?;
        taken.sort_unstable();
        Ok(taken)
    }
}
