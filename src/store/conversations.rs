//! Teachers' classes and rosters, and the conversations between teachers and families: threads,
//! their messages, how far each participant has read, and teachers' office hours.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError, Tx};
use crate::domain::{AccountId, AccountKind, DistrictId, Lang};

/// A class a teacher teaches this term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaughtClass {
    pub id: i64,
    pub title: String,
    pub periods: Option<String>,
    pub school: String,
}

/// A student of one of a teacher's classes, with the guardians whose portal is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub class_id: i64,
    pub student_id: i64,
    pub given_name: String,
    pub family_name: String,
}

/// Who a conversation is with: the student's guardians, or the student.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationAudience {
    Family,
    Student,
}

impl ConversationAudience {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Family => "family",
            Self::Student => "student",
        }
    }

    fn parse(raw: &str) -> Result<Self> {
        match raw {
            "family" => Ok(Self::Family),
            "student" => Ok(Self::Student),
            other => Err(StoreError::Corrupt(format!(
                "conversation audience {other:?}"
            ))),
        }
    }
}

/// A conversation as it is kept, with the names the pages show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRecord {
    pub id: i64,
    pub teacher_id: i64,
    pub teacher_name: String,
    pub student_id: i64,
    pub student_name: String,
    pub audience: ConversationAudience,
    pub subject: Option<String>,
    pub blocked_at: Option<i64>,
    pub created_at: i64,
    pub last_at: i64,
    /// Messages from others this reader has not read (0 for the district's own reads).
    pub unread: i64,
}

/// A conversation to make (or find) before writing in it.
#[derive(Debug, Clone, Copy)]
pub struct NewConversation<'a> {
    pub teacher: i64,
    pub student: i64,
    pub audience: ConversationAudience,
    /// The class, when a teacher writes to a class.
    pub subject: Option<&'a str>,
    pub started_by: AccountId,
}

/// A message as it is kept: a retracted one keeps its text, for the district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenMessage {
    pub id: i64,
    pub author: AccountId,
    pub author_name: String,
    pub author_kind: String,
    pub body: String,
    pub created_at: i64,
    pub retracted_at: Option<i64>,
}

/// How far a participant has read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMark {
    pub account: AccountId,
    pub name: String,
    pub read_through: i64,
}

/// Who reads the list of conversations.
#[derive(Debug, Clone, Copy)]
pub enum Reader {
    /// An account of the portals, by kind and person.
    Account {
        kind: AccountKind,
        account: AccountId,
        person: i64,
    },
    /// The district's staff: every conversation.
    District,
}

/// A teacher's office hours: weekdays (1 = Monday … 7 = Sunday) and the times, `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHoursRecord {
    pub weekdays: Vec<u8>,
    pub start: String,
    pub end: String,
}

/// The teacher's active enrollment as a teacher in an active class (`$1` district, `$2` the
/// teacher, `$3` true).
const TAUGHT: &str = "SELECT t.class_id FROM enrollments t \
     JOIN classes tc ON tc.district_id = t.district_id AND tc.id = t.class_id \
     WHERE t.district_id = $1 AND t.person_id = $2 AND t.role = 'teacher' AND t.active = $3 \
       AND tc.active = $3";

/// A guardian's relationship (`r`) that opens the portal on a day: `truth` and `day` are the
/// placeholders bound to true and to the day.
pub(super) fn portal_on(truth: &str, day: &str) -> String {
    format!(
        "r.active = {truth} AND r.portal = {truth} \
         AND (r.start_date IS NULL OR r.start_date <= {day}) \
         AND (r.end_date IS NULL OR r.end_date >= {day})"
    )
}

/// Which conversations an account of `kind` sees, as a condition on `c` (the conversation)
/// and `sp` (its student); `person`, `truth` and `day` are the SQL for the reader's person,
/// true and today. Staff see none through the portals.
pub(super) fn seen_by(kind: AccountKind, person: &str, truth: &str, day: &str) -> Option<String> {
    match kind {
        AccountKind::Teacher => Some(format!("c.teacher_id = {person}")),
        AccountKind::Student => Some(format!(
            "c.audience = 'student' AND c.student_id = {person}"
        )),
        AccountKind::Parent => Some(format!(
            "c.audience = 'family' AND sp.active = {truth} AND c.student_id IN \
               (SELECT r.student_id FROM relationships r \
                WHERE r.district_id = c.district_id AND r.guardian_id = {person} AND {})",
            portal_on(truth, day)
        )),
        AccountKind::Staff => None,
    }
}

/// The latest `limit` conversations of `district` that meet `which`, each with how many
/// messages `account` has not read.
fn listing(district: &str, account: &str, which: &str, limit: u32) -> String {
    format!(
        "{CONVERSATION}, (SELECT COUNT(*) FROM conversation_messages m \
            WHERE m.district_id = c.district_id AND m.conversation_id = c.id \
              AND m.author_id <> {account} AND m.retracted_at IS NULL \
              AND m.id > COALESCE((SELECT cr.read_through \
                FROM conversation_reads cr WHERE cr.district_id = c.district_id \
                  AND cr.conversation_id = c.id AND cr.account_id = {account}), 0)) AS unread\
         {CONVERSATION_FROM} WHERE c.district_id = {district} AND {which} \
         ORDER BY c.last_at DESC, c.id DESC {}",
        super::sql::limit(limit)
    )
}

/// The most conversations a reader's list shows, and the menu's count looks at.
pub const LIST_LIMIT: u32 = 200;

/// How many of an account's latest `limit` conversations have something unread, as one SQL
/// expression of the account's own columns (`kind`, `account`, `person`), for a statement that
/// reads the account itself: counted when the account is of kind `of`, NULL otherwise.
pub(super) fn unread_of_account(
    of: AccountKind,
    columns: [&str; 4],
    day: &str,
    limit: u32,
) -> String {
    let [district, account, kind, person] = columns;
    match seen_by(of, person, "TRUE", day) {
        Some(which) => format!(
            "CASE WHEN {kind} = '{}' THEN \
               (SELECT COUNT(*) FROM ({}) q WHERE q.unread > 0) END",
            of.as_str(),
            listing(district, account, &which, limit)
        ),
        None => "CAST(NULL AS BIGINT)".to_owned(),
    }
}

const CONVERSATION: &str = "SELECT c.id, c.teacher_id, c.student_id, c.audience, c.subject, \
       c.blocked_at, c.created_at, c.last_at, \
       tp.given_name AS teacher_given, tp.family_name AS teacher_family, \
       sp.given_name AS student_given, sp.family_name AS student_family";
const CONVERSATION_FROM: &str = " FROM conversations c \
     JOIN people tp ON tp.district_id = c.district_id AND tp.id = c.teacher_id \
     JOIN people sp ON sp.district_id = c.district_id AND sp.id = c.student_id";

fn full_name(given: &str, family: &str) -> String {
    format!("{given} {family}").trim().to_owned()
}

fn conversation_from_row(row: &AnyRow) -> Result<ConversationRecord> {
    let name = |given: &str, family: &str| -> Result<String> {
        Ok(full_name(
            &row.try_get::<String, _>(given)?,
            &row.try_get::<String, _>(family)?,
        ))
    };
    Ok(ConversationRecord {
        id: row.try_get("id")?,
        teacher_id: row.try_get("teacher_id")?,
        teacher_name: name("teacher_given", "teacher_family")?,
        student_id: row.try_get("student_id")?,
        student_name: name("student_given", "student_family")?,
        audience: ConversationAudience::parse(row.try_get("audience")?)?,
        subject: row.try_get("subject")?,
        blocked_at: row.try_get("blocked_at")?,
        created_at: row.try_get("created_at")?,
        last_at: row.try_get("last_at")?,
        unread: row.try_get::<Option<i64>, _>("unread")?.unwrap_or(0),
    })
}

impl Store {
    /// The classes the teacher teaches on `today`: those of a term that covers it, and those
    /// that meet all year. By period and title.
    pub async fn taught_classes(
        &self,
        district: DistrictId,
        teacher: i64,
        today: &str,
    ) -> Result<Vec<TaughtClass>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT c.id, c.title, c.periods, s.name AS school FROM classes c \
               JOIN schools s ON s.district_id = c.district_id AND s.id = c.school_id \
             WHERE c.district_id = $1 AND c.id IN ({TAUGHT}) \
               AND (NOT EXISTS (SELECT 1 FROM class_terms ct \
                      WHERE ct.district_id = c.district_id AND ct.class_id = c.id) \
                    OR EXISTS (SELECT 1 FROM class_terms ct \
                      JOIN academic_sessions a ON a.district_id = ct.district_id AND a.id = ct.session_id \
                      WHERE ct.district_id = c.district_id AND ct.class_id = c.id \
                        AND a.start_date <= $4 AND a.end_date >= $4)) \
             ORDER BY c.periods, c.title, c.id"
        )))
        .bind(district.0)
        .bind(teacher)
        .bind(true)
        .bind(today.to_owned())
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TaughtClass {
                    id: row.try_get("id")?,
                    title: row.try_get("title")?,
                    periods: row.try_get("periods")?,
                    school: row.try_get("school")?,
                })
            })
            .collect()
    }

    /// The active students of every class the teacher teaches, by name.
    pub async fn taught_students(
        &self,
        district: DistrictId,
        teacher: i64,
    ) -> Result<Vec<RosterEntry>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT e.class_id, p.id, p.given_name, p.family_name FROM enrollments e \
               JOIN people p ON p.district_id = e.district_id AND p.id = e.person_id \
             WHERE e.district_id = $1 AND e.role = 'student' AND e.active = $3 AND p.active = $3 \
               AND e.class_id IN ({TAUGHT}) \
             ORDER BY p.family_name, p.given_name, p.id"
        )))
        .bind(district.0)
        .bind(teacher)
        .bind(true)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RosterEntry {
                    class_id: row.try_get("class_id")?,
                    student_id: row.try_get("id")?,
                    given_name: row.try_get("given_name")?,
                    family_name: row.try_get("family_name")?,
                })
            })
            .collect()
    }

    /// The guardians, with the portal on `today`, of the students the teacher teaches: (student,
    /// guardian's name), by name.
    pub async fn taught_guardians(
        &self,
        district: DistrictId,
        teacher: i64,
        today: &str,
    ) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT DISTINCT r.student_id, g.given_name, g.family_name FROM relationships r \
               JOIN people g ON g.district_id = r.district_id AND g.id = r.guardian_id \
             WHERE r.district_id = $1 AND {} AND g.active = $3 \
               AND r.student_id IN (SELECT e.person_id FROM enrollments e \
                 WHERE e.district_id = $1 AND e.role = 'student' AND e.active = $3 \
                   AND e.class_id IN ({TAUGHT})) \
             ORDER BY g.family_name, g.given_name",
            portal_on("$3", "$4")
        )))
        .bind(district.0)
        .bind(teacher)
        .bind(true)
        .bind(today.to_owned())
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                let given: String = row.try_get("given_name")?;
                let family: String = row.try_get("family_name")?;
                Ok((row.try_get("student_id")?, full_name(&given, &family)))
            })
            .collect()
    }

    /// Whether the teacher teaches the student: both actively enrolled in an active class.
    pub async fn teaches(&self, district: DistrictId, teacher: i64, student: i64) -> Result<bool> {
        let row = sqlx::query(super::sql::built(format!(
            "SELECT COUNT(*) AS n FROM enrollments e \
             WHERE e.district_id = $1 AND e.person_id = $4 AND e.role = 'student' \
               AND e.active = $3 AND e.class_id IN ({TAUGHT})"
        )))
        .bind(district.0)
        .bind(teacher)
        .bind(true)
        .bind(student)
        .fetch_one(self.pool()?)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// The active account of a person of the given kind, with its language.
    pub async fn active_account_of(
        &self,
        district: DistrictId,
        person: i64,
        kind: AccountKind,
    ) -> Result<Option<(AccountId, Lang)>> {
        let row = sqlx::query(
            "SELECT a.id, a.language FROM accounts a \
               JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id \
             WHERE a.district_id = $1 AND a.person_id = $2 AND a.kind = $3 \
               AND a.active = $4 AND p.active = $4",
        )
        .bind(district.0)
        .bind(person)
        .bind(kind.as_str())
        .bind(true)
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| {
            let code: Option<String> = row.try_get("language")?;
            Ok((
                AccountId(row.try_get("id")?),
                code.as_deref().and_then(Lang::parse).unwrap_or_default(),
            ))
        })
        .transpose()
    }

    /// The conversation between the teacher and the student's family (or the student).
    pub async fn conversation_between(
        &self,
        district: DistrictId,
        teacher: i64,
        student: i64,
        audience: ConversationAudience,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT id FROM conversations \
             WHERE district_id = $1 AND teacher_id = $2 AND student_id = $3 AND audience = $4",
        )
        .bind(district.0)
        .bind(teacher)
        .bind(student)
        .bind(audience.as_str())
        .fetch_optional(self.pool()?)
        .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    /// One conversation, whoever may see it (the service decides).
    pub async fn conversation(
        &self,
        district: DistrictId,
        id: i64,
    ) -> Result<Option<ConversationRecord>> {
        let row = sqlx::query(super::sql::built(format!(
            "{CONVERSATION}, 0 AS unread{CONVERSATION_FROM} WHERE c.district_id = $1 AND c.id = $2"
        )))
        .bind(district.0)
        .bind(id)
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// The conversations a reader may see, latest first, with what each has unread.
    pub async fn conversations(
        &self,
        district: DistrictId,
        reader: Reader,
        today: &str,
        limit: u32,
    ) -> Result<Vec<ConversationRecord>> {
        let rows = self
            .conversation_rows(district, reader, today, limit, |listed| listed)
            .await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// How many of the reader's conversations (of its latest `limit`) have something unread.
    pub async fn unread_conversations(
        &self,
        district: DistrictId,
        reader: Reader,
        today: &str,
        limit: u32,
    ) -> Result<i64> {
        let rows = self
            .conversation_rows(district, reader, today, limit, |listed| {
                format!("SELECT COUNT(*) AS n FROM ({listed}) q WHERE q.unread > 0")
            })
            .await?;
        match rows.first() {
            Some(row) => Ok(row.try_get("n")?),
            None => Ok(0),
        }
    }

    /// The reader's conversations as rows, through `wrap` (which may count them instead).
    async fn conversation_rows(
        &self,
        district: DistrictId,
        reader: Reader,
        today: &str,
        limit: u32,
        wrap: impl Fn(String) -> String,
    ) -> Result<Vec<AnyRow>> {
        // $1 district, $2 the reading account (0: the district), then the reader's person,
        // true and today, as far as the reader's condition uses them.
        let (account, kind, person) = match reader {
            Reader::District => (0, None, 0),
            Reader::Account {
                kind,
                account,
                person,
            } => (account.0, Some(kind), person),
        };
        let which = match kind {
            None => "c.id > 0".to_owned(),
            Some(kind) => match seen_by(kind, "$3", "$4", "$5") {
                Some(which) => which,
                None => return Ok(Vec::new()),
            },
        };
        let sql = wrap(listing("$1", "$2", &which, limit));
        let query = sqlx::query(super::sql::built(sql))
            .bind(district.0)
            .bind(account);
        let query = match kind {
            None => query,
            Some(AccountKind::Parent) => query.bind(person).bind(true).bind(today.to_owned()),
            Some(_) => query.bind(person),
        };
        Ok(query.fetch_all(self.pool()?).await?)
    }

    /// A conversation's messages after `after` (a message id; 0 from the start), oldest first.
    pub async fn messages(
        &self,
        district: DistrictId,
        conversation: i64,
        after: i64,
        limit: u32,
    ) -> Result<Vec<WrittenMessage>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT m.id, m.author_id, a.kind, p.given_name, p.family_name, m.body, \
               m.created_at, m.retracted_at FROM conversation_messages m \
               JOIN accounts a ON a.district_id = m.district_id AND a.id = m.author_id \
               JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id \
             WHERE m.district_id = $1 AND m.conversation_id = $2 AND m.id > $3 \
             ORDER BY m.id {}",
            super::sql::limit(limit)
        )))
        .bind(district.0)
        .bind(conversation)
        .bind(after)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                let given: String = row.try_get("given_name")?;
                let family: String = row.try_get("family_name")?;
                Ok(WrittenMessage {
                    id: row.try_get("id")?,
                    author: AccountId(row.try_get("author_id")?),
                    author_name: full_name(&given, &family),
                    author_kind: row.try_get("kind")?,
                    body: row.try_get("body")?,
                    created_at: row.try_get("created_at")?,
                    retracted_at: row.try_get("retracted_at")?,
                })
            })
            .collect()
    }

    /// A message with the conversation it belongs to.
    pub async fn conversation_message(
        &self,
        district: DistrictId,
        message: i64,
    ) -> Result<Option<(i64, WrittenMessage)>> {
        let row = sqlx::query(
            "SELECT m.conversation_id FROM conversation_messages m \
             WHERE m.district_id = $1 AND m.id = $2",
        )
        .bind(district.0)
        .bind(message)
        .fetch_optional(self.pool()?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let conversation: i64 = row.try_get("conversation_id")?;
        let found = self
            .messages(district, conversation, message - 1, 1)
            .await?;
        Ok(found
            .into_iter()
            .find(|m| m.id == message)
            .map(|m| (conversation, m)))
    }

    /// The id of a conversation's latest message, if it has one.
    pub async fn latest_message(
        &self,
        district: DistrictId,
        conversation: i64,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MAX(id) AS latest FROM conversation_messages \
             WHERE district_id = $1 AND conversation_id = $2",
        )
        .bind(district.0)
        .bind(conversation)
        .fetch_one(self.pool()?)
        .await?;
        Ok(row.try_get("latest")?)
    }

    /// How far each participant has read a conversation.
    pub async fn read_marks(
        &self,
        district: DistrictId,
        conversation: i64,
    ) -> Result<Vec<ReadMark>> {
        let rows = sqlx::query(
            "SELECT cr.account_id, cr.read_through, p.given_name, p.family_name \
             FROM conversation_reads cr \
               JOIN accounts a ON a.district_id = cr.district_id AND a.id = cr.account_id \
               JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id \
             WHERE cr.district_id = $1 AND cr.conversation_id = $2 ORDER BY cr.account_id",
        )
        .bind(district.0)
        .bind(conversation)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                let given: String = row.try_get("given_name")?;
                let family: String = row.try_get("family_name")?;
                Ok(ReadMark {
                    account: AccountId(row.try_get("account_id")?),
                    name: full_name(&given, &family),
                    read_through: row.try_get("read_through")?,
                })
            })
            .collect()
    }

    /// How many messages the account wrote since `since` (Unix seconds).
    pub async fn messages_written_since(
        &self,
        district: DistrictId,
        author: AccountId,
        since: i64,
    ) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM conversation_messages \
             WHERE district_id = $1 AND author_id = $2 AND created_at >= $3",
        )
        .bind(district.0)
        .bind(author.0)
        .bind(since)
        .fetch_one(self.pool()?)
        .await?;
        Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    /// The teacher's office hours, if set.
    pub async fn office_hours(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Option<OfficeHoursRecord>> {
        let row = sqlx::query(
            "SELECT weekdays, start_time, end_time FROM office_hours \
             WHERE district_id = $1 AND account_id = $2",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| {
            let days: String = row.try_get("weekdays")?;
            Ok(OfficeHoursRecord {
                weekdays: days
                    .split(',')
                    .filter_map(|d| d.trim().parse().ok())
                    .collect(),
                start: row.try_get("start_time")?,
                end: row.try_get("end_time")?,
            })
        })
        .transpose()
    }
}

impl Tx {
    /// The conversation between the teacher and the student's family (or the student), made
    /// if there is none; answers its id. Two writers at once end up in the same one.
    pub async fn conversation_for(
        &mut self,
        district: DistrictId,
        new: &NewConversation<'_>,
        now: i64,
    ) -> Result<i64> {
        let NewConversation {
            teacher,
            student,
            audience,
            subject,
            started_by,
        } = *new;
        sqlx::query(
            "INSERT INTO conversations (district_id, teacher_id, student_id, audience, subject, \
               started_by, created_at, last_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (district_id, teacher_id, student_id, audience) DO NOTHING",
        )
        .bind(district.0)
        .bind(teacher)
        .bind(student)
        .bind(audience.as_str())
        .bind(subject.map(str::to_owned))
        .bind(started_by.0)
        .bind(now)
        .execute(self.conn())
        .await?;
        let row = sqlx::query(
            "SELECT id FROM conversations \
             WHERE district_id = $1 AND teacher_id = $2 AND student_id = $3 AND audience = $4",
        )
        .bind(district.0)
        .bind(teacher)
        .bind(student)
        .bind(audience.as_str())
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Adds a message and moves the conversation to the top; the author has read it.
    pub async fn insert_conversation_message(
        &mut self,
        district: DistrictId,
        conversation: i64,
        author: AccountId,
        body: &str,
        urgent: bool,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO conversation_messages (district_id, conversation_id, author_id, body, \
               urgent, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(district.0)
        .bind(conversation)
        .bind(author.0)
        .bind(body.to_owned())
        .bind(urgent)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = row.try_get("id")?;
        sqlx::query("UPDATE conversations SET last_at = $3 WHERE district_id = $1 AND id = $2")
            .bind(district.0)
            .bind(conversation)
            .bind(now)
            .execute(self.conn())
            .await?;
        self.read_through(district, conversation, author, id)
            .await?;
        Ok(id)
    }

    /// Records that the account has read the conversation through message `through` (never
    /// moving backwards).
    pub async fn read_through(
        &mut self,
        district: DistrictId,
        conversation: i64,
        account: AccountId,
        through: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversation_reads (district_id, conversation_id, account_id, \
               read_through) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (district_id, conversation_id, account_id) DO UPDATE \
               SET read_through = CASE WHEN excluded.read_through > conversation_reads.read_through \
                 THEN excluded.read_through ELSE conversation_reads.read_through END",
        )
        .bind(district.0)
        .bind(conversation)
        .bind(account.0)
        .bind(through)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Retracts the author's own message if it was written at or after `since` and is not
    /// retracted yet; answers whether it did.
    pub async fn retract_message(
        &mut self,
        district: DistrictId,
        conversation: i64,
        message: i64,
        author: AccountId,
        since: i64,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE conversation_messages SET retracted_at = $6 \
             WHERE district_id = $1 AND conversation_id = $2 AND id = $3 AND author_id = $4 \
               AND created_at >= $5 AND retracted_at IS NULL",
        )
        .bind(district.0)
        .bind(conversation)
        .bind(message)
        .bind(author.0)
        .bind(since)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Blocks the family's side of a conversation (`Some(by)`), or lifts the block (`None`).
    pub async fn set_conversation_block(
        &mut self,
        district: DistrictId,
        conversation: i64,
        by: Option<AccountId>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE conversations SET blocked_at = $3, blocked_by = $4 \
             WHERE district_id = $1 AND id = $2",
        )
        .bind(district.0)
        .bind(conversation)
        .bind(by.map(|_| now))
        .bind(by.map(|a| a.0))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sets (or, with `None`, clears) the teacher's office hours.
    pub async fn set_office_hours(
        &mut self,
        district: DistrictId,
        account: AccountId,
        hours: Option<&OfficeHoursRecord>,
        now: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM office_hours WHERE district_id = $1 AND account_id = $2")
            .bind(district.0)
            .bind(account.0)
            .execute(self.conn())
            .await?;
        if let Some(hours) = hours {
            let days: Vec<String> = hours.weekdays.iter().map(u8::to_string).collect();
            sqlx::query(
                "INSERT INTO office_hours (district_id, account_id, weekdays, start_time, \
                   end_time, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(district.0)
            .bind(account.0)
            .bind(days.join(","))
            .bind(hours.start.clone())
            .bind(hours.end.clone())
            .bind(now)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}
