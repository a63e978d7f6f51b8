//! A student's record as the portal reads it: who may see which student, classes and their
//! terms and teachers, assignments with scores, posted term grades, attendance, days off, and
//! the reads of a record for the Access Log. Dates are ISO 8601 text, compared as text.
//!
//! A list of a student's records comes back as one row: the database builds the rows into a
//! JSON array of arrays, which is read here into the records. A first read of a student (no
//! view of them kept yet) is mostly such lists; each row crossing from the database costs more
//! than the database's own work for it (a hand-off between threads on SQLite, a message to
//! decode on PostgreSQL), and one row of a few kilobytes costs about what one small row does.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Backend, Result, Store, StoreError};
use crate::domain::{AccountKind, DistrictId};

/// A student someone may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentRecord {
    pub id: i64,
    pub sourced_id: String,
    pub given_name: String,
    pub family_name: String,
    pub grade: Option<String>,
    pub school_id: Option<i64>,
    pub school_name: Option<String>,
}

/// One of the student's classes, with its teachers and terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRecord {
    pub id: i64,
    pub title: String,
    pub code: Option<String>,
    pub periods: Option<String>,
    pub location: Option<String>,
    pub course: String,
    pub school: String,
    /// (person id, given name, family name), primary teachers first.
    pub teachers: Vec<(i64, String, String)>,
    /// The terms it meets in; none when it meets all year.
    pub terms: Vec<i64>,
}

/// A school year, term, semester or grading period.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AcademicSession {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub start: String,
    pub end: String,
}

/// An assignment of one of the student's classes, with the student's result if there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkRecord {
    pub line_item_id: i64,
    pub class_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub assign_date: Option<String>,
    pub due_date: Option<String>,
    pub max: Option<f64>,
    pub category_id: Option<i64>,
    pub category: Option<String>,
    pub weight: Option<f64>,
    pub grading_period_id: Option<i64>,
    pub score: Option<f64>,
    pub status: Option<String>,
    pub comment: Option<String>,
    pub score_date: Option<String>,
    #[serde(deserialize_with = "flag_of")]
    pub late: bool,
    #[serde(deserialize_with = "flag_of")]
    pub missing: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermGradeRecord {
    pub class_id: i64,
    pub session_id: i64,
    pub grade: String,
    pub percent: Option<f64>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceRecord {
    pub date: String,
    pub status: String,
    #[serde(deserialize_with = "flag_of")]
    pub excused: bool,
    pub class_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoSchoolDay {
    pub date: String,
    pub description: String,
}

/// Which of a student's assignments to read.
#[derive(Debug, Clone)]
pub enum Marks {
    /// Every assignment of the student's classes, with a result or not.
    All,
    /// Assignments due within the dates.
    Due(Dates),
    /// Assignments the student has a result for: all that can count toward a grade (without
    /// the results' comments, which no grade needs).
    Scored,
    /// Results scored within the dates.
    ScoredWithin(Dates),
}

/// A read of a student's record, with who read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecord {
    pub at: i64,
    /// `account` for a person; `operator` for the command line.
    pub actor: String,
    pub kind: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The tool or page that was read.
    pub detail: Option<String>,
}

/// Date bounds: from a day (inclusive) to before a day (exclusive, so that a due date with a
/// time, such as `2025-10-13T23:59:00Z`, still falls on its day); `None` is open.
#[derive(Debug, Clone, Default)]
pub struct Dates {
    pub from: Option<String>,
    pub before: Option<String>,
}

const STUDENT_COLUMNS: &str = "p.id, p.sourced_id, p.given_name, p.family_name, p.grade, \
     p.school_id, s.name AS school_name";

/// The student's active classes: an active enrollment as a student in an active class.
const ENROLLED: &str = "SELECT e.class_id FROM enrollments e \
     JOIN classes ec ON ec.district_id = e.district_id AND ec.id = e.class_id \
     WHERE e.district_id = $1 AND e.person_id = $2 AND e.role = 'student' AND e.active = $3 \
       AND ec.active = $3";

impl Store {
    /// The students an account may see on `today`: a student account itself; for a parent,
    /// each active student with an active, current relationship whose portal access is on.
    /// Nobody for staff.
    pub async fn visible_students(
        &self,
        district: DistrictId,
        kind: AccountKind,
        person: i64,
        today: &str,
    ) -> Result<Vec<StudentRecord>> {
        let query = match kind {
            AccountKind::Student => sqlx::query(super::sql::built(format!(
                "SELECT {STUDENT_COLUMNS} FROM people p \
                 LEFT JOIN schools s ON s.district_id = p.district_id AND s.id = p.school_id \
                 WHERE p.district_id = $1 AND p.id = $2 AND p.role = 'student' AND p.active = $3"
            )))
            .bind(district.0)
            .bind(person)
            .bind(true),
            AccountKind::Parent => sqlx::query(super::sql::built(format!(
                "SELECT {STUDENT_COLUMNS} FROM relationships r \
                 JOIN people p ON p.district_id = r.district_id AND p.id = r.student_id \
                 LEFT JOIN schools s ON s.district_id = p.district_id AND s.id = p.school_id \
                 WHERE r.district_id = $1 AND r.guardian_id = $2 AND r.active = $3 \
                   AND r.portal = $3 AND p.role = 'student' AND p.active = $3 \
                   AND (r.start_date IS NULL OR r.start_date <= $4) \
                   AND (r.end_date IS NULL OR r.end_date >= $4) \
                 ORDER BY p.given_name, p.family_name, p.id"
            )))
            .bind(district.0)
            .bind(person)
            .bind(true)
            .bind(today.to_owned()),
            AccountKind::Staff | AccountKind::Teacher => return Ok(Vec::new()),
        };
        let rows = query.fetch_all(self.pool()?).await?;
        rows.iter()
            .map(|row| {
                Ok(StudentRecord {
                    id: row.try_get("id")?,
                    sourced_id: row.try_get("sourced_id")?,
                    given_name: row.try_get("given_name")?,
                    family_name: row.try_get("family_name")?,
                    grade: row.try_get("grade")?,
                    school_id: row.try_get("school_id")?,
                    school_name: row.try_get("school_name")?,
                })
            })
            .collect()
    }
}

/// A request's reads of records (see [`Store::records`]).
pub struct Records {
    pub(super) db: super::pooler::Db,
    pub(super) backend: Backend,
    /// PostgreSQL's primary: where its snapshot reads are gathered.
    pub(super) gathered: Option<super::gathered::Gathered>,
}

impl Records {
    /// The rows of `from` as records: `columns` of each row, in `order`, built by the database
    /// into one JSON array of arrays (see the module's comment). A column that is itself a JSON
    /// list is named through [`Records::as_json`].
    async fn listed<T: for<'de> Deserialize<'de>>(
        &self,
        columns: &str,
        from: &str,
        order: &str,
        query: impl FnOnce(
            sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>,
        ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> Result<Vec<T>> {
        let sql = format!(
            "SELECT {} FROM ({from}) q",
            self.json_list(&format!("{}({columns})", self.json_array()), order)
        );
        let row = query(sqlx::query(super::sql::built(sql)))
            .fetch_one(&self.db)
            .await?;
        let text: Option<String> = row.try_get(0)?;
        serde_json::from_str(text.as_deref().unwrap_or("[]"))
            .map_err(|e| StoreError::Corrupt(format!("a list the database built: {e}")))
    }

    fn json_array(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "json_array",
            Backend::Postgres => "json_build_array",
        }
    }

    /// `item` of every row, in `order`, as one JSON array (`[]` for no rows), as text.
    fn json_list(&self, item: &str, order: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("json_group_array({item} ORDER BY {order})"),
            Backend::Postgres => {
                format!("COALESCE(json_agg({item} ORDER BY {order}), '[]'::json)::text")
            }
        }
    }

    /// A column holding a JSON list's text (from [`Records::json_list`] in a subquery), read as
    /// JSON by the list around it rather than as a string.
    fn as_json(&self, column: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("json({column})"),
            Backend::Postgres => format!("{column}::json"),
        }
    }

    /// The student's active classes, by period and title, each with its teachers and terms.
    pub async fn classes_of(&self, district: DistrictId, student: i64) -> Result<Vec<ClassRecord>> {
        let teachers = format!(
            "SELECT {} FROM enrollments t \
             JOIN people p ON p.district_id = t.district_id AND p.id = t.person_id \
             WHERE t.district_id = c.district_id AND t.class_id = c.id AND t.role = 'teacher' \
               AND t.active = $3",
            self.json_list(
                &format!("{}(p.id, p.given_name, p.family_name)", self.json_array()),
                "t.is_primary DESC, p.family_name, p.given_name",
            )
        );
        let terms = format!(
            "SELECT {} FROM class_terms t WHERE t.district_id = c.district_id AND t.class_id = c.id",
            self.json_list("t.session_id", "t.session_id")
        );
        let from = format!(
            "SELECT c.id, c.title, c.code, c.periods, c.location, co.title AS course, \
               s.name AS school, ({teachers}) AS teachers, ({terms}) AS terms \
             FROM classes c \
             JOIN courses co ON co.district_id = c.district_id AND co.id = c.course_id \
             JOIN schools s ON s.district_id = c.district_id AND s.id = c.school_id \
             WHERE c.district_id = $1 AND c.active = $3 AND c.id IN ({ENROLLED})"
        );
        let columns = format!(
            "id, title, code, periods, location, course, school, {}, {}",
            self.as_json("teachers"),
            self.as_json("terms")
        );
        self.listed(&columns, &from, "periods, title, id", |q| {
            q.bind(district.0).bind(student).bind(true)
        })
        .await
    }

    /// The district's active school years, terms and grading periods, by start date.
    pub async fn academic_sessions(&self, district: DistrictId) -> Result<Vec<AcademicSession>> {
        self.listed(
            "id, title, kind, start_date, end_date",
            "SELECT id, title, kind, start_date, end_date FROM academic_sessions \
             WHERE district_id = $1 AND active = $2",
            "start_date, end_date DESC, id",
            |q| q.bind(district.0).bind(true),
        )
        .await
    }

    /// The assignments of the student's classes with the student's results, by due date.
    pub async fn marks_of(
        &self,
        district: DistrictId,
        student: i64,
        which: &Marks,
    ) -> Result<Vec<MarkRecord>> {
        // Only what is asked for leaves the database.
        let (join, bounds) = match which {
            Marks::All => ("LEFT JOIN", "($4 = '' AND $5 = '')"),
            Marks::Due(_) => (
                "LEFT JOIN",
                "($4 = '' OR l.due_date >= $4) AND ($5 = '' OR l.due_date < $5)",
            ),
            Marks::Scored => ("JOIN", "($4 = '' AND $5 = '')"),
            Marks::ScoredWithin(_) => (
                "JOIN",
                "($4 = '' OR r.score_date >= $4) AND ($5 = '' OR r.score_date < $5)",
            ),
        };
        let dates = match which {
            Marks::Due(d) | Marks::ScoredWithin(d) => d.clone(),
            Marks::All | Marks::Scored => Dates::default(),
        };
        // A grade needs no comment: without it, the scores are read from the index alone.
        let comment = match which {
            Marks::Scored => "NULL",
            _ => "r.comment",
        };
        let from = format!(
            "SELECT l.id, l.class_id, l.title, l.description, l.assign_date, l.due_date, \
               l.result_max, l.category_id, g.title AS category, g.weight, l.grading_period_id, \
               r.score, r.score_status, {comment} AS comment, r.score_date, \
               CASE WHEN r.late THEN 1 ELSE 0 END AS late, \
               CASE WHEN r.missing THEN 1 ELSE 0 END AS missing \
             FROM line_items l \
             LEFT JOIN categories g ON g.district_id = l.district_id AND g.id = l.category_id \
             {join} results r ON r.district_id = l.district_id AND r.person_id = $2 \
               AND r.line_item_id = l.id AND r.active = $3 \
             WHERE l.district_id = $1 AND l.active = $3 AND l.class_id IN ({ENROLLED}) \
               AND {bounds}"
        );
        self.listed(
            "id, class_id, title, description, assign_date, due_date, result_max, category_id, \
             category, weight, grading_period_id, score, score_status, comment, score_date, late, \
             missing",
            &from,
            "due_date, class_id, id",
            |q| {
                q.bind(district.0)
                    .bind(student)
                    .bind(true)
                    .bind(dates.from.unwrap_or_default())
                    .bind(dates.before.unwrap_or_default())
            },
        )
        .await
    }

    /// The grades posted for the student.
    pub async fn term_grades_of(
        &self,
        district: DistrictId,
        student: i64,
    ) -> Result<Vec<TermGradeRecord>> {
        self.listed(
            "class_id, session_id, grade, percent, comment",
            "SELECT class_id, session_id, grade, percent, comment FROM term_grades \
             WHERE district_id = $1 AND person_id = $2 AND active = $3",
            "class_id, session_id",
            |q| q.bind(district.0).bind(student).bind(true),
        )
        .await
    }

    /// The student's attendance marks within the dates, by date.
    pub async fn attendance_of(
        &self,
        district: DistrictId,
        student: i64,
        dates: &Dates,
    ) -> Result<Vec<AttendanceRecord>> {
        let (from, before) = (
            dates.from.clone().unwrap_or_default(),
            dates.before.clone().unwrap_or_default(),
        );
        self.listed(
            "date, status, excused, class_id",
            "SELECT date, status, CASE WHEN excused THEN 1 ELSE 0 END AS excused, class_id \
             FROM attendance \
             WHERE district_id = $1 AND person_id = $2 AND active = $3 \
               AND ($4 = '' OR date >= $4) AND ($5 = '' OR date < $5)",
            "date, class_id",
            |q| {
                q.bind(district.0)
                    .bind(student)
                    .bind(true)
                    .bind(from)
                    .bind(before)
            },
        )
        .await
    }

    /// Days off for the whole district or for `school`, within the dates.
    pub async fn no_school_days(
        &self,
        district: DistrictId,
        school: Option<i64>,
        dates: &Dates,
    ) -> Result<Vec<NoSchoolDay>> {
        let (from, before) = (
            dates.from.clone().unwrap_or_default(),
            dates.before.clone().unwrap_or_default(),
        );
        self.listed(
            "date, description",
            "SELECT id, date, description FROM no_school_days \
             WHERE district_id = $1 AND active = $2 AND (school_id IS NULL OR school_id = $3) \
               AND ($4 = '' OR date >= $4) AND ($5 = '' OR date < $5)",
            "date, id",
            |q| {
                q.bind(district.0)
                    .bind(true)
                    .bind(school.unwrap_or(0))
                    .bind(from)
                    .bind(before)
            },
        )
        .await
    }

    /// The latest reads of a student's record (audit action `record.read`), newest first.
    pub async fn reads_of(
        &self,
        district: DistrictId,
        student_sourced_id: &str,
        limit: u32,
    ) -> Result<Vec<ReadRecord>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT a.at, a.actor, a.detail, ac.kind, p.given_name, p.family_name \
             FROM audit_log a \
             LEFT JOIN accounts ac ON ac.district_id = a.district_id AND ac.id = a.account_id \
             LEFT JOIN people p ON p.district_id = ac.district_id AND p.id = ac.person_id \
             WHERE a.district_id = $1 AND a.target = $2 AND a.action = 'record.read' \
             ORDER BY a.at DESC, a.id DESC {}",
            super::sql::limit(limit)
        )))
        .bind(district.0)
        .bind(student_sourced_id.to_owned())
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ReadRecord {
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    kind: row.try_get("kind")?,
                    given_name: row.try_get("given_name")?,
                    family_name: row.try_get("family_name")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}

/// A flag as either database writes it into JSON: `true`/`false` or `1`/`0`; a snapshot's
/// binary form (not self-describing, so it cannot be asked which) holds a plain `bool`.
fn flag_of<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    if !d.is_human_readable() {
        return bool::deserialize(d);
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Number(i64),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Number(n) => n != 0,
    })
}
