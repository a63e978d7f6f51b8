//! The inbox, school messages, and who is told about a student: the student's own account and
//! every guardian account with an active relationship whose portal access is on.

use sqlx::Row;

use super::{Result, Store, Tx, flag};
use crate::domain::{AccountId, DistrictId, GradeThreshold, Lang};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub event: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A way of telling besides the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Push,
}

impl Channel {
    fn column(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Push => "push",
        }
    }
}

/// A notification to write.
pub struct NewNotification<'a> {
    pub account: AccountId,
    pub event: &'a str,
    pub title: String,
    pub body: String,
    /// To be mailed in the account's next daily digest.
    pub digest: bool,
}

/// How an account wants its notifications beyond the kinds it chose. The default (no row):
/// mail at once, no grade alerts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotificationSettings {
    /// Mail in one daily digest instead of one mail a notification.
    pub email_digest: bool,
    pub grade_below: Option<GradeThreshold>,
}

/// What an import brought one account about one student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportNews {
    pub account: AccountId,
    /// The language the account reads the portal in.
    pub language: Lang,
    pub student_name: String,
    /// New or changed scores.
    pub scores: i64,
    /// Absences and tardies.
    pub marks: i64,
}

/// An account told about a student whose scores an import changed, with the account's grade
/// threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeWatch {
    pub account: AccountId,
    pub language: Lang,
    pub student: i64,
    pub student_name: String,
    pub below: GradeThreshold,
}

/// Which import's rows a notification tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// The rows an import run wrote last: they carry its id.
    Run(i64),
    /// The rows written at this second (Unix), as jobs queued before import runs were counted
    /// name them.
    At(i64),
}

impl Imported {
    /// The column that tells, and the value it holds.
    fn column(self) -> (&'static str, i64) {
        match self {
            Imported::Run(run) => ("import_run_id", run),
            Imported::At(at) => ("updated_at", at),
        }
    }
}

/// Who a school message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    District,
    /// A school, by id.
    School(i64),
    /// A grade level, as the rosters write it (`03`, `10`).
    Grade(String),
    /// A class, by id.
    Class(i64),
}

impl Audience {
    pub fn kind(&self) -> &'static str {
        match self {
            Audience::District => "district",
            Audience::School(_) => "school",
            Audience::Grade(_) => "grade",
            Audience::Class(_) => "class",
        }
    }

    fn reference(&self) -> Option<String> {
        match self {
            Audience::District => None,
            Audience::School(id) | Audience::Class(id) => Some(id.to_string()),
            Audience::Grade(grade) => Some(grade.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: i64,
    pub district: DistrictId,
    pub audience: Audience,
    pub title: String,
    pub body: String,
}

/// (account, its language, student) rows: each account told about each of its students in
/// scope. `$1` is the district; `students` selects `id` from `people`.
fn readers_sql(students: &str) -> String {
    format!(
        "SELECT a.id AS account_id, a.language, p.id AS student_id FROM accounts a \
           JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id \
         WHERE a.district_id = $1 AND a.kind = 'student' AND a.active = $2 AND p.active = $2 \
           AND p.id IN ({students}) \
         UNION \
         SELECT a.id AS account_id, a.language, r.student_id FROM relationships r \
           JOIN accounts a ON a.district_id = r.district_id AND a.person_id = r.guardian_id \
           JOIN people s ON s.district_id = r.district_id AND s.id = r.student_id \
         WHERE r.district_id = $1 AND r.active = $2 AND r.portal = $2 AND a.active = $2 \
           AND a.kind = 'parent' AND s.active = $2 AND r.student_id IN ({students})"
    )
}

fn notification_from_row(r: &sqlx::any::AnyRow) -> Result<NotificationRecord> {
    Ok(NotificationRecord {
        id: r.try_get("id")?,
        event: r.try_get("event")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}

/// A reader's language: English until the account has one.
fn language(row: &sqlx::any::AnyRow) -> Result<Lang> {
    let code: Option<String> = row.try_get("language")?;
    Ok(code.as_deref().and_then(Lang::parse).unwrap_or_default())
}

impl Tx {
    pub async fn insert_message(
        &mut self,
        district: DistrictId,
        author: Option<AccountId>,
        audience: &Audience,
        title: &str,
        body: &str,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO school_messages (district_id, author_account_id, audience, audience_ref, \
               title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(district.0)
        .bind(author.map(|a| a.0))
        .bind(audience.kind())
        .bind(audience.reference())
        .bind(title.to_owned())
        .bind(body.to_owned())
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Writes the notifications; answers their ids, in order.
    pub async fn insert_notifications(
        &mut self,
        district: DistrictId,
        notes: &[NewNotification<'_>],
        now: i64,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(notes.len());
        for note in notes {
            let row = sqlx::query(
                "INSERT INTO notifications (district_id, account_id, event, title, body, \
                   created_at, digest_pending) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(district.0)
            .bind(note.account.0)
            .bind(note.event)
            .bind(note.title.clone())
            .bind(note.body.clone())
            .bind(now)
            .bind(note.digest)
            .fetch_one(self.conn())
            .await?;
            ids.push(row.try_get("id")?);
        }
        Ok(ids)
    }

    /// Sets whether the account wants one kind of notification on a channel besides the inbox.
    pub async fn set_channel_preference(
        &mut self,
        district: DistrictId,
        account: AccountId,
        event: &str,
        channel: Channel,
        on: bool,
        now: i64,
    ) -> Result<()> {
        let column = channel.column();
        let sql = format!(
            "INSERT INTO notification_preferences (district_id, account_id, event, {column}, \
               updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (district_id, account_id, event) \
             DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at"
        );
        sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(account.0)
            .bind(event.to_owned())
            .bind(on)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_notification_settings(
        &mut self,
        district: DistrictId,
        account: AccountId,
        settings: NotificationSettings,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO notification_settings (district_id, account_id, email_digest, \
               grade_below, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (district_id, account_id) DO UPDATE SET \
               email_digest = excluded.email_digest, grade_below = excluded.grade_below, \
               updated_at = excluded.updated_at",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(settings.email_digest)
        .bind(settings.grade_below.map(|t| i64::from(t.percent())))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records that the account was told this class is below its threshold (`on`), or that
    /// the grade is back up.
    pub async fn set_grade_alert(
        &mut self,
        district: DistrictId,
        account: AccountId,
        student: i64,
        class: i64,
        on: bool,
        now: i64,
    ) -> Result<()> {
        let sql = if on {
            "INSERT INTO grade_alerts (district_id, account_id, student_id, class_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (district_id, account_id, student_id, class_id) DO NOTHING"
        } else {
            "DELETE FROM grade_alerts WHERE district_id = $1 AND account_id = $2 \
             AND student_id = $3 AND class_id = $4 AND created_at <= $5"
        };
        sqlx::query(sql)
            .bind(district.0)
            .bind(account.0)
            .bind(student)
            .bind(class)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Takes the account's notifications waiting for its digest that were made before
    /// `before`: answers their ids, oldest first, and they wait no more. Two workers taking at
    /// once cannot both have them (the update is the claim).
    pub async fn take_digest(
        &mut self,
        district: DistrictId,
        account: AccountId,
        before: i64,
    ) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "UPDATE notifications SET digest_pending = FALSE WHERE district_id = $1 \
             AND account_id = $2 AND digest_pending = TRUE AND created_at < $3 RETURNING id",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(before)
        .fetch_all(self.conn())
        .await?;
        let mut ids = rows
            .iter()
            .map(|r| Ok(r.try_get("id")?))
            .collect::<Result<Vec<i64>>>()?;
        ids.sort_unstable();
        Ok(ids)
    }
}

impl Store {
    /// The account's digest and grade threshold.
    pub async fn notification_settings(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<NotificationSettings> {
        let row = sqlx::query(
            "SELECT email_digest, grade_below FROM notification_settings \
             WHERE district_id = $1 AND account_id = $2",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_optional(self.pool()?)
        .await?;
        let Some(row) = row else {
            return Ok(NotificationSettings::default());
        };
        let below: Option<i64> = row.try_get("grade_below")?;
        Ok(NotificationSettings {
            email_digest: flag(&row, "email_digest")?,
            grade_below: below.map(GradeThreshold::new).transpose().map_err(|_| {
                super::StoreError::Corrupt("notification_settings.grade_below".into())
            })?,
        })
    }

    /// The accounts with a grade threshold that are told about a student whose scores the
    /// import changed.
    pub async fn grade_watches(
        &self,
        district: DistrictId,
        imported: Imported,
    ) -> Result<Vec<GradeWatch>> {
        let (by, value) = imported.column();
        let students =
            format!("SELECT person_id FROM results WHERE district_id = $1 AND {by} = $3");
        let sql = format!(
            "SELECT r.account_id, r.language, r.student_id, p.given_name, n.grade_below FROM ({}) r \
               JOIN notification_settings n ON n.district_id = $1 AND n.account_id = r.account_id \
               JOIN people p ON p.district_id = $1 AND p.id = r.student_id \
             WHERE n.grade_below IS NOT NULL ORDER BY r.student_id, r.account_id",
            readers_sql(&students)
        );
        let rows = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(true)
            .bind(value)
            .fetch_all(self.pool()?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(GradeWatch {
                    account: AccountId(r.try_get("account_id")?),
                    language: language(r)?,
                    student: r.try_get("student_id")?,
                    student_name: r.try_get("given_name")?,
                    below: GradeThreshold::new(r.try_get("grade_below")?).map_err(|_| {
                        super::StoreError::Corrupt("notification_settings.grade_below".into())
                    })?,
                })
            })
            .collect()
    }

    /// The classes of a student whose grade the account was told is below its threshold.
    pub async fn grade_alerts(
        &self,
        district: DistrictId,
        account: AccountId,
        student: i64,
    ) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT class_id FROM grade_alerts WHERE district_id = $1 AND account_id = $2 \
             AND student_id = $3 ORDER BY class_id",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(student)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("class_id")?)).collect()
    }

    /// The districts with notifications waiting for a digest.
    pub async fn digest_districts(&self) -> Result<Vec<DistrictId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT district_id FROM notifications WHERE digest_pending = TRUE \
             ORDER BY district_id",
        )
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|r| Ok(DistrictId(r.try_get("district_id")?)))
            .collect()
    }

    /// The accounts with notifications waiting for a digest made before `before`.
    pub async fn digest_accounts(
        &self,
        district: DistrictId,
        before: i64,
    ) -> Result<Vec<AccountId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT account_id FROM notifications WHERE district_id = $1 \
             AND digest_pending = TRUE AND created_at < $2 ORDER BY account_id",
        )
        .bind(district.0)
        .bind(before)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|r| Ok(AccountId(r.try_get("account_id")?)))
            .collect()
    }

    pub async fn message(&self, district: DistrictId, id: i64) -> Result<Option<MessageRecord>> {
        let row = sqlx::query(
            "SELECT id, district_id, audience, audience_ref, title, body FROM school_messages \
             WHERE district_id = $1 AND id = $2",
        )
        .bind(district.0)
        .bind(id)
        .fetch_optional(self.pool()?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let reference: Option<String> = row.try_get("audience_ref")?;
        let number = || {
            reference
                .as_deref()
                .and_then(|r| r.parse::<i64>().ok())
                .ok_or_else(|| super::StoreError::Corrupt("school_messages.audience_ref".into()))
        };
        let audience = match row.try_get::<String, _>("audience")?.as_str() {
            "school" => Audience::School(number()?),
            "class" => Audience::Class(number()?),
            "grade" => Audience::Grade(reference.clone().unwrap_or_default()),
            _ => Audience::District,
        };
        Ok(Some(MessageRecord {
            id: row.try_get("id")?,
            district: DistrictId(row.try_get("district_id")?),
            audience,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
        }))
    }

    /// The accounts a school message reaches: each once, however many of its students are in
    /// the audience.
    pub async fn message_readers(
        &self,
        district: DistrictId,
        audience: &Audience,
    ) -> Result<Vec<AccountId>> {
        let students = match audience {
            Audience::District => {
                "SELECT id FROM people WHERE district_id = $1 AND role = 'student'"
            }
            Audience::School(_) => {
                "SELECT id FROM people WHERE district_id = $1 AND role = 'student' AND school_id = $3"
            }
            Audience::Grade(_) => {
                "SELECT id FROM people WHERE district_id = $1 AND role = 'student' AND grade = $3"
            }
            Audience::Class(_) => {
                "SELECT person_id FROM enrollments WHERE district_id = $1 AND class_id = $3 \
                 AND role = 'student' AND active = $2"
            }
        };
        let sql = format!(
            "SELECT DISTINCT account_id FROM ({}) readers ORDER BY account_id",
            readers_sql(students)
        );
        let query = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(true);
        let query = match audience {
            Audience::District => query,
            Audience::School(id) | Audience::Class(id) => query.bind(*id),
            Audience::Grade(grade) => query.bind(grade.clone()),
        };
        let rows = query.fetch_all(self.pool()?).await?;
        rows.iter()
            .map(|r| Ok(AccountId(r.try_get("account_id")?)))
            .collect()
    }

    /// What an import wrote (every row it changed is marked as its own), per account and
    /// student, by account.
    pub async fn import_news(
        &self,
        district: DistrictId,
        imported: Imported,
    ) -> Result<Vec<ImportNews>> {
        let (by, value) = imported.column();
        let students = format!(
            "SELECT person_id FROM results WHERE district_id = $1 AND {by} = $3 \
               AND score IS NOT NULL AND active = $2 \
             UNION SELECT person_id FROM attendance WHERE district_id = $1 \
               AND {by} = $3 AND status <> 'present' AND active = $2"
        );
        let sql = format!(
            "SELECT r.account_id, r.language, p.given_name, \
               (SELECT COUNT(*) FROM results x WHERE x.district_id = $1 AND x.person_id = r.student_id \
                  AND x.{by} = $3 AND x.score IS NOT NULL AND x.active = $2) AS scores, \
               (SELECT COUNT(*) FROM attendance y WHERE y.district_id = $1 AND y.person_id = r.student_id \
                  AND y.{by} = $3 AND y.status <> 'present' AND y.active = $2) AS marks \
             FROM ({}) r JOIN people p ON p.district_id = $1 AND p.id = r.student_id \
             ORDER BY r.account_id, p.given_name",
            readers_sql(&students)
        );
        let rows = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(true)
            .bind(value)
            .fetch_all(self.pool()?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ImportNews {
                    account: AccountId(r.try_get("account_id")?),
                    language: language(r)?,
                    student_name: r.try_get("given_name")?,
                    scores: r.try_get("scores")?,
                    marks: r.try_get("marks")?,
                })
            })
            .collect()
    }

    /// The account's notifications of the last `keep_seconds`, newest first; older ones are
    /// deleted on the way.
    pub async fn inbox(
        &self,
        district: DistrictId,
        account: AccountId,
        now: i64,
        keep_seconds: i64,
    ) -> Result<Vec<NotificationRecord>> {
        {
            let _turn = self.write_turn().await?;
            sqlx::query(
                "DELETE FROM notifications WHERE district_id = $1 AND account_id = $2 \
                 AND created_at < $3",
            )
            .bind(district.0)
            .bind(account.0)
            .bind(now - keep_seconds)
            .execute(self.pool()?)
            .await?;
        }
        let rows = sqlx::query(
            "SELECT id, event, title, body, created_at, read_at FROM notifications \
             WHERE district_id = $1 AND account_id = $2 ORDER BY created_at DESC, id DESC LIMIT 200",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// The kinds of notification the account wants on a channel.
    pub async fn channel_events(
        &self,
        district: DistrictId,
        account: AccountId,
        channel: Channel,
    ) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT event FROM notification_preferences \
             WHERE district_id = $1 AND account_id = $2 AND {} = $3 ORDER BY event",
            channel.column()
        );
        let rows = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(account.0)
            .bind(true)
            .fetch_all(self.pool()?)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("event")?)).collect()
    }

    /// One notification of the district, with its account.
    pub async fn notification(
        &self,
        district: DistrictId,
        id: i64,
    ) -> Result<Option<(AccountId, NotificationRecord)>> {
        let row = sqlx::query(
            "SELECT id, account_id, event, title, body, created_at, read_at FROM notifications \
             WHERE district_id = $1 AND id = $2",
        )
        .bind(district.0)
        .bind(id)
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|r| {
            Ok((
                AccountId(r.try_get("account_id")?),
                notification_from_row(&r)?,
            ))
        })
        .transpose()
    }

    pub async fn unread_count(
        &self,
        district: DistrictId,
        account: AccountId,
        since: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE district_id = $1 AND account_id = $2 \
             AND read_at IS NULL AND created_at >= $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(since)
        .fetch_one(self.pool()?)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Marks one of the account's notifications read; false when it has none with that id.
    pub async fn mark_read(
        &self,
        district: DistrictId,
        account: AccountId,
        id: i64,
        now: i64,
    ) -> Result<bool> {
        let _turn = self.write_turn().await?;
        let done = sqlx::query(
            "UPDATE notifications SET read_at = COALESCE(read_at, $4) \
             WHERE district_id = $1 AND account_id = $2 AND id = $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(id)
        .bind(now)
        .execute(self.pool()?)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
