//! The records of each file, typed, and how a row becomes one.

use std::collections::HashMap;

use super::super::check::{Catalog, Kind, Refers};
use super::super::problems::{Problem, Problems, quoted};
use super::table::Row;
use crate::domain::{PersonRole, Relation};
use crate::store::Value;

/// Fields every record has.
pub(crate) struct Common {
    pub(crate) sourced_id: String,
    pub(crate) deleted: bool,
    pub(crate) modified_at: Option<String>,
    pub(crate) line: u64,
}

pub(crate) struct Session {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) start_date: String,
    pub(crate) end_date: String,
    pub(crate) parent: Option<String>,
    pub(crate) school_year: Option<String>,
}

pub(crate) struct Course {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) code: Option<String>,
}

pub(crate) struct Class {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) code: Option<String>,
    pub(crate) course: String,
    pub(crate) school: String,
    pub(crate) terms: Vec<String>,
    pub(crate) periods: Option<String>,
    pub(crate) location: Option<String>,
}

pub(crate) struct Category {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) weight: Option<f64>,
}

pub(crate) struct LineItem {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) class: String,
    pub(crate) category: Option<String>,
    pub(crate) grading_period: Option<String>,
    pub(crate) assign_date: Option<String>,
    pub(crate) due_date: Option<String>,
    pub(crate) result_min: Option<f64>,
    pub(crate) result_max: Option<f64>,
}

pub(crate) struct Score {
    pub(crate) common: Common,
    pub(crate) line_item: String,
    pub(crate) student: String,
    pub(crate) score: Option<f64>,
    pub(crate) score_status: &'static str,
    pub(crate) comment: Option<String>,
    pub(crate) score_date: Option<String>,
    pub(crate) late: bool,
    pub(crate) missing: bool,
}

pub(crate) struct TermGrade {
    pub(crate) common: Common,
    pub(crate) class: String,
    pub(crate) user: String,
    pub(crate) session: String,
    pub(crate) grade: String,
    pub(crate) percent: Option<f64>,
    pub(crate) comment: Option<String>,
}

pub(crate) struct DayOff {
    pub(crate) common: Common,
    pub(crate) school: Option<String>,
    pub(crate) date: String,
    pub(crate) description: String,
}

pub(crate) struct Mark {
    pub(crate) common: Common,
    pub(crate) user: String,
    pub(crate) class: Option<String>,
    pub(crate) date: String,
    pub(crate) status: &'static str,
    pub(crate) excused: bool,
}

pub(crate) struct Enrollment {
    pub(crate) common: Common,
    pub(crate) class: String,
    pub(crate) user: String,
    pub(crate) role: &'static str,
    pub(crate) is_primary: bool,
    pub(crate) begin_date: Option<String>,
    pub(crate) end_date: Option<String>,
}

pub(crate) struct Org {
    pub(crate) sourced_id: String,
    pub(crate) name: String,
    pub(crate) is_school: bool,
    pub(crate) deleted: bool,
    pub(crate) modified_at: Option<String>,
}

pub(crate) struct User {
    pub(crate) sourced_id: String,
    pub(crate) line: u64,
    pub(crate) role: PersonRole,
    pub(crate) relation: Option<Relation>,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) orgs: Vec<String>,
    pub(crate) agents: Vec<String>,
    pub(crate) grade: Option<String>,
    pub(crate) deleted: bool,
    pub(crate) modified_at: Option<String>,
}

/// The columns every staged row starts with.
pub(crate) fn staged_common(common: Common) -> Vec<Value> {
    vec![
        Value::Int(i64::try_from(common.line).unwrap_or(i64::MAX)),
        Value::Text(Some(common.sourced_id)),
        Value::Bool(common.deleted),
        Value::Text(common.modified_at),
    ]
}

impl From<Enrollment> for Vec<Value> {
    fn from(r: Enrollment) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.class)),
            Value::Text(Some(r.user)),
            Value::Text(Some(r.role.to_owned())),
            Value::Bool(r.is_primary),
            Value::Text(r.begin_date),
            Value::Text(r.end_date),
        ]);
        row
    }
}

impl From<LineItem> for Vec<Value> {
    fn from(r: LineItem) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.class)),
            Value::Text(r.category),
            Value::Text(r.grading_period),
            Value::Text(Some(r.title)),
            Value::Text(r.description),
            Value::Text(r.assign_date),
            Value::Text(r.due_date),
            Value::Real(r.result_min),
            Value::Real(r.result_max),
        ]);
        row
    }
}

impl From<Score> for Vec<Value> {
    fn from(r: Score) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.line_item)),
            Value::Text(Some(r.student)),
            Value::Real(r.score),
            Value::Text(Some(r.score_status.to_owned())),
            Value::Text(r.comment),
            Value::Text(r.score_date),
            Value::Bool(r.late),
            Value::Bool(r.missing),
        ]);
        row
    }
}

impl From<TermGrade> for Vec<Value> {
    fn from(r: TermGrade) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.class)),
            Value::Text(Some(r.user)),
            Value::Text(Some(r.session)),
            Value::Text(Some(r.grade)),
            Value::Real(r.percent),
            Value::Text(r.comment),
        ]);
        row
    }
}

impl From<DayOff> for Vec<Value> {
    fn from(r: DayOff) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(r.school),
            Value::Text(Some(r.date)),
            Value::Text(Some(r.description)),
        ]);
        row
    }
}

impl From<Mark> for Vec<Value> {
    fn from(r: Mark) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.user)),
            Value::Text(r.class),
            Value::Text(Some(r.date)),
            Value::Text(Some(r.status.to_owned())),
            Value::Bool(r.excused),
        ]);
        row
    }
}

/// A required field, or a problem.
pub(crate) fn required<'r>(
    file: &'static str,
    row: &'r Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<&'r str> {
    let value = row.get(column);
    if value.is_none() {
        problems.add(Problem::at(file, row.line, format!("{column} is empty")));
    }
    value
}

/// A date (`YYYY-MM-DD`) if the field has one; `None` after reporting a bad one.
pub(crate) fn date(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<String>> {
    let Some(text) = row.get(column) else {
        return Some(None);
    };
    match moment(text) {
        Some(Moment::Day(d)) => Some(Some(d.to_string())),
        // A spreadsheet writes a date as that date at midnight.
        Some(Moment::At(t)) if t.time() == jiff::civil::Time::midnight() => {
            Some(Some(t.date().to_string()))
        }
        _ => {
            problems.add(Problem::at(
                file,
                row.line,
                format!("{column} {} is not a date (YYYY-MM-DD)", quoted(text)),
            ));
            None
        }
    }
}

pub(crate) fn session_row(
    row: &Row<'_>,
    common: Common,
    problems: &mut Problems,
) -> Option<Session> {
    const FILE: &str = "academicSessions.csv";
    let title = required(FILE, row, "title", problems)?.to_owned();
    let kind = match row.get("type") {
        Some("schoolYear") => "schoolYear",
        Some("term") => "term",
        Some("semester") => "semester",
        Some("gradingPeriod") => "gradingPeriod",
        other => {
            problems.add(Problem::at(
                FILE,
                row.line,
                format!("unknown session type {}", quoted(other.unwrap_or(""))),
            ));
            return None;
        }
    };
    let start_date = date(FILE, row, "startDate", problems)?;
    let end_date = date(FILE, row, "endDate", problems)?;
    let (Some(start_date), Some(end_date)) = (start_date, end_date) else {
        problems.add(Problem::at(
            FILE,
            row.line,
            "startDate and endDate are required",
        ));
        return None;
    };
    if end_date < start_date {
        problems.add(Problem::at(FILE, row.line, "endDate is before startDate"));
        return None;
    }
    Some(Session {
        common,
        title,
        kind,
        start_date,
        end_date,
        parent: row.get("parentSourcedId").map(str::to_owned),
        school_year: row.get("schoolYear").map(str::to_owned),
    })
}

pub(crate) fn course_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Course> {
    let title = required("courses.csv", row, "title", problems)?.to_owned();
    Some(Course {
        common,
        title,
        code: row.get("courseCode").map(str::to_owned),
    })
}

pub(crate) fn class_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Class> {
    const FILE: &str = "classes.csv";
    let title = required(FILE, row, "title", problems)?.to_owned();
    let course = required(FILE, row, "courseSourcedId", problems)?.to_owned();
    let school = required(FILE, row, "schoolSourcedId", problems)?.to_owned();
    let terms = split_list(row.get("termSourcedIds"));
    if terms.is_empty() {
        problems.add(Problem::at(FILE, row.line, "termSourcedIds is empty"));
        return None;
    }
    Some(Class {
        common,
        title,
        code: row.get("classCode").map(str::to_owned),
        course,
        school,
        terms,
        periods: row.get("periods").map(str::to_owned),
        location: row.get("location").map(str::to_owned),
    })
}

pub(crate) fn enrollment_row(
    row: &Row<'_>,
    common: Common,
    problems: &mut Problems,
) -> Option<Enrollment> {
    const FILE: &str = "enrollments.csv";
    let class = required(FILE, row, "classSourcedId", problems)?.to_owned();
    let user = required(FILE, row, "userSourcedId", problems)?.to_owned();
    let role = match row.get("role") {
        Some("student") => "student",
        Some("teacher") => "teacher",
        // Families are shown their teachers; other roles in a class are not kept.
        Some("administrator" | "proctor" | "aide" | "guardian" | "parent" | "relative") => {
            return None;
        }
        other => {
            problems.add(Problem::at(
                FILE,
                row.line,
                format!("unknown enrollment role {}", quoted(other.unwrap_or(""))),
            ));
            return None;
        }
    };
    let is_primary = matches!(
        row.get("primary").map(str::to_ascii_lowercase).as_deref(),
        Some("true")
    );
    let begin_date = date(FILE, row, "beginDate", problems)?;
    let end_date = date(FILE, row, "endDate", problems)?;
    Some(Enrollment {
        common,
        class,
        user,
        role,
        is_primary,
        begin_date,
        end_date,
    })
}

pub(crate) fn org_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Org> {
    const FILE: &str = "orgs.csv";
    let is_school = match row.get("type").unwrap_or("") {
        "school" => true,
        "district" | "department" | "local" | "state" | "national" => false,
        other => {
            problems.add(Problem::at(
                FILE,
                row.line,
                format!("unknown org type {}", quoted(other)),
            ));
            return None;
        }
    };
    let name = required(FILE, row, "name", problems)?.to_owned();
    Some(Org {
        sourced_id: common.sourced_id,
        name,
        is_school,
        deleted: common.deleted,
        modified_at: common.modified_at,
    })
}

/// One line of `roles.csv` (1.2): (user, role, primary?, line).
pub(crate) struct RoleRow {
    pub(crate) sourced_id: String,
    pub(crate) user: String,
    pub(crate) role: String,
    pub(crate) primary: bool,
    pub(crate) line: u64,
}

pub(crate) fn role_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<RoleRow> {
    const FILE: &str = "roles.csv";
    let user = required(FILE, row, "userSourcedId", problems)?.to_owned();
    let role = required(FILE, row, "role", problems)?.to_owned();
    let primary = match row.get("roleType") {
        Some("primary") => true,
        Some("secondary") => false,
        other => {
            problems.add(Problem::at(
                FILE,
                row.line,
                format!(
                    "roleType is primary or secondary, not {}",
                    quoted(other.unwrap_or(""))
                ),
            ));
            return None;
        }
    };
    Some(RoleRow {
        sourced_id: common.sourced_id,
        user,
        role,
        primary,
        line: common.line,
    })
}

/// Each user's role: the primary one, else the first secondary one.
pub(crate) fn primary_roles(rows: &[RoleRow]) -> RolesByUser {
    let mut roles = RolesByUser::new();
    for r in rows {
        if r.primary {
            roles.insert(r.user.clone(), (r.role.clone(), r.line));
        } else {
            roles
                .entry(r.user.clone())
                .or_insert_with(|| (r.role.clone(), r.line));
        }
    }
    roles
}

/// A user of 1.1 (a `role` column) or 1.2 (roles from `roles.csv`).
pub(crate) fn user_row(
    row: &Row<'_>,
    common: Common,
    problems: &mut Problems,
    roles: Option<&RolesByUser>,
) -> Option<User> {
    const FILE: &str = "users.csv";
    let role_text = match row.get("role") {
        Some(role) => role.to_owned(),
        None => match roles.and_then(|roles| roles.get(&common.sourced_id)) {
            Some((role, _)) => role.clone(),
            None => {
                problems.add(Problem::at(
                    FILE,
                    row.line,
                    "no role for this user (no role column, and none in roles.csv)",
                ));
                return None;
            }
        },
    };
    let Some((role, relation)) = person_role(&role_text) else {
        problems.add(Problem::at(
            FILE,
            row.line,
            format!("unknown role {}", quoted(&role_text)),
        ));
        return None;
    };
    let (Some(given_name), Some(family_name)) = (row.get("givenName"), row.get("familyName"))
    else {
        problems.add(Problem::at(
            FILE,
            row.line,
            "givenName and familyName are required",
        ));
        return None;
    };
    let mut orgs = split_list(row.get("orgSourcedIds"));
    if let Some(primary) = row.get("primaryOrgSourcedId") {
        orgs.insert(0, primary.to_owned());
    }
    Some(User {
        sourced_id: common.sourced_id,
        line: common.line,
        role,
        relation,
        given_name: given_name.to_owned(),
        family_name: family_name.to_owned(),
        email: row.get("email").map(str::to_owned),
        phone: row.get("phone").or(row.get("sms")).map(str::to_owned),
        orgs,
        agents: split_list(row.get("agentSourcedIds")),
        grade: split_list(row.get("grades")).into_iter().next(),
        deleted: common.deleted,
        modified_at: common.modified_at,
    })
}

pub(crate) fn number(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<f64>> {
    match row.get(column) {
        None => Some(None),
        Some(text) => match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(Some(n)),
            _ => {
                problems.add(Problem::at(
                    file,
                    row.line,
                    format!("{column} {} is not a number", quoted(text)),
                ));
                None
            }
        },
    }
}

/// A date, or a date and time, as the source gave it in a normal form.
pub(crate) fn when(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<String>> {
    let Some(text) = row.get(column) else {
        return Some(None);
    };
    match moment(text) {
        Some(Moment::Day(d)) => Some(Some(d.to_string())),
        Some(Moment::At(t)) => Some(Some(utc_text(t))),
        None => {
            problems.add(Problem::at(
                file,
                row.line,
                format!(
                    "{column} {} is not a date (YYYY-MM-DD) or a date and time \
                     (YYYY-MM-DDThh:mm:ssZ)",
                    quoted(text)
                ),
            ));
            None
        }
    }
}

pub(crate) fn category_row(
    row: &Row<'_>,
    common: Common,
    problems: &mut Problems,
) -> Option<Category> {
    let title = required("categories.csv", row, "title", problems)?.to_owned();
    let weight = number("categories.csv", row, "weight", problems)?;
    Some(Category {
        common,
        title,
        weight,
    })
}

pub(crate) fn line_item_row(
    row: &Row<'_>,
    common: Common,
    problems: &mut Problems,
) -> Option<LineItem> {
    const FILE: &str = "lineItems.csv";
    let title = required(FILE, row, "title", problems)?.to_owned();
    let class = required(FILE, row, "classSourcedId", problems)?.to_owned();
    let assign_date = when(FILE, row, "assignDate", problems)?;
    let due_date = when(FILE, row, "dueDate", problems)?;
    let result_min = number(FILE, row, "resultValueMin", problems)?;
    let result_max = number(FILE, row, "resultValueMax", problems)?;
    Some(LineItem {
        common,
        title,
        description: row.get("description").map(str::to_owned),
        class,
        category: row.get("categorySourcedId").map(str::to_owned),
        grading_period: row.get("gradingPeriodSourcedId").map(str::to_owned),
        assign_date,
        due_date,
        result_min,
        result_max,
    })
}

pub(crate) fn score_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Score> {
    const FILE: &str = "results.csv";
    let line_item = required(FILE, row, "lineItemSourcedId", problems)?.to_owned();
    let student = required(FILE, row, "studentSourcedId", problems)?.to_owned();
    let score_status = match row.get("scoreStatus") {
        Some("exempt") => "exempt",
        Some("fully graded") => "fully graded",
        Some("not submitted") => "not submitted",
        Some("partially graded") => "partially graded",
        Some("submitted") => "submitted",
        other => {
            problems.add(Problem::at(
                FILE,
                row.line,
                format!("unknown scoreStatus {}", quoted(other.unwrap_or(""))),
            ));
            return None;
        }
    };
    let score = number(FILE, row, "score", problems)?;
    let score_date = when(FILE, row, "scoreDate", problems)?;
    let late = boolean(FILE, row, "late", problems)?;
    let missing = boolean(FILE, row, "missing", problems)?;
    Some(Score {
        common,
        line_item,
        student,
        score,
        score_status,
        comment: row.get("comment").map(str::to_owned),
        score_date,
        late,
        missing,
    })
}

pub(crate) fn mark_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Mark> {
    const FILE: &str = "attendance.csv";
    let user = required(FILE, row, "userSourcedId", problems)?.to_owned();
    let Some(date) = date(FILE, row, "date", problems)? else {
        problems.add(Problem::at(FILE, row.line, "date is empty"));
        return None;
    };
    let status = match row.get("attendanceStatus") {
        Some("present") => "present",
        Some("absent") => "absent",
        Some("tardy") => "tardy",
        other => {
            problems.add(Problem::at(
                FILE,
                row.line,
                format!(
                    "attendanceStatus is present, absent or tardy, not {}",
                    quoted(other.unwrap_or(""))
                ),
            ));
            return None;
        }
    };
    let excused = boolean(FILE, row, "excused", problems)?;
    Some(Mark {
        common,
        user,
        class: row.get("classSourcedId").map(str::to_owned),
        date,
        status,
        excused,
    })
}

/// An optional `true`/`false` column (empty is false); `None` after reporting a bad value.
pub(crate) fn boolean(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<bool> {
    match row.get(column).map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => Some(false),
        Some("true") => Some(true),
        Some(other) => {
            problems.add(Problem::at(
                file,
                row.line,
                format!("{column} is true or false, not {}", quoted(other)),
            ));
            None
        }
    }
}

pub(crate) fn term_grade_row(
    row: &Row<'_>,
    common: Common,
    problems: &mut Problems,
) -> Option<TermGrade> {
    const FILE: &str = "termGrades.csv";
    let class = required(FILE, row, "classSourcedId", problems)?.to_owned();
    let user = required(FILE, row, "userSourcedId", problems)?.to_owned();
    let session = required(FILE, row, "termSourcedId", problems)?.to_owned();
    let grade = required(FILE, row, "grade", problems)?;
    if grade.chars().count() > 20 {
        problems.add(Problem::at(
            FILE,
            row.line,
            format!("grade {} is longer than 20 characters", quoted(grade)),
        ));
        return None;
    }
    let grade = grade.to_owned();
    let percent = number(FILE, row, "percent", problems)?;
    Some(TermGrade {
        common,
        class,
        user,
        session,
        grade,
        percent,
        comment: row.get("comment").map(str::to_owned),
    })
}

pub(crate) fn day_off_row(
    row: &Row<'_>,
    common: Common,
    problems: &mut Problems,
) -> Option<DayOff> {
    const FILE: &str = "calendar.csv";
    let Some(date) = date(FILE, row, "date", problems)? else {
        problems.add(Problem::at(FILE, row.line, "date is empty"));
        return None;
    };
    let description = required(FILE, row, "description", problems)?.to_owned();
    Some(DayOff {
        common,
        school: row.get("schoolSourcedId").map(str::to_owned),
        date,
        description,
    })
}

/// A comma-separated list of sourcedIds.
pub(crate) fn split_list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// A OneRoster date-time (`2024-03-19T13:05:12.000Z`, or a date alone), as UTC RFC 3339 text
/// so that stored values compare in time order.
pub(crate) fn parse_timestamp(text: &str) -> Option<String> {
    Some(match moment(text)? {
        Moment::Day(d) => format!("{d}T00:00:00Z"),
        Moment::At(t) => utc_text(t),
    })
}

/// A date, or a date and time in UTC, as OneRoster files write them.
pub(crate) enum Moment {
    Day(jiff::civil::Date),
    At(jiff::civil::DateTime),
}

/// `2024-03-19`, `2024-03-19T13:05:12.000Z`, `2024-03-19T08:05:12-05:00`, and without an
/// offset (taken as UTC, as OneRoster writes times) `2024-03-19T13:05:12` or, as
/// spreadsheets write it, `2024-03-19 13:05:12`.
pub(crate) fn moment(text: &str) -> Option<Moment> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(Moment::At(jiff::tz::Offset::UTC.to_datetime(ts)));
    }
    match text.as_bytes().get(10) {
        None if text.len() == 10 => text.parse().ok().map(Moment::Day),
        Some(b'T' | b't' | b' ') => text.parse().ok().map(Moment::At),
        _ => None,
    }
}

fn utc_text(t: jiff::civil::DateTime) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// userSourcedId → (role, line in roles.csv).
pub(crate) type RolesByUser = HashMap<String, (String, u64)>;

/// OneRoster's roles, as Homeroom keeps people.
pub(crate) fn person_role(role: &str) -> Option<(PersonRole, Option<Relation>)> {
    Some(match role {
        "student" => (PersonRole::Student, None),
        "teacher" => (PersonRole::Teacher, None),
        "guardian" => (PersonRole::Guardian, Some(Relation::Guardian)),
        "parent" => (PersonRole::Guardian, Some(Relation::Parent)),
        "relative" => (PersonRole::Guardian, Some(Relation::Relative)),
        "administrator"
        | "aide"
        | "proctor"
        | "districtAdministrator"
        | "principal"
        | "siteAdministrator"
        | "systemAdministrator"
        | "counselor" => (PersonRole::Staff, None),
        _ => return None,
    })
}

impl Refers for Org {
    fn kinds(&self) -> &'static [Kind] {
        if self.is_school {
            &[Kind::Org, Kind::School]
        } else {
            &[Kind::Org]
        }
    }
    fn sourced_id(&self) -> &str {
        &self.sourced_id
    }
}

impl Refers for User {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Person]
    }
    fn sourced_id(&self) -> &str {
        &self.sourced_id
    }
    fn role(&self) -> Option<PersonRole> {
        Some(self.role)
    }
    // Orgs and agents are checked once the whole file is read: an agent may come later.
}

impl Refers for Session {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Session]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
}

impl Refers for Course {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Course]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
}

impl Refers for Class {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Class]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("courseSourcedId", Kind::Course, &self.course);
        each("schoolSourcedId", Kind::School, &self.school);
        for term in &self.terms {
            each("termSourcedIds", Kind::Session, term);
        }
    }
}

impl Refers for Category {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Category]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
}

impl Refers for Enrollment {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("classSourcedId", Kind::Class, &self.class);
        each("userSourcedId", Kind::Person, &self.user);
    }
    fn warning(&self, catalog: &Catalog) -> Option<String> {
        let role = catalog.role(&self.user)?;
        let fits = match self.role {
            "student" => role == PersonRole::Student,
            _ => role != PersonRole::Student,
        };
        (!fits).then(|| {
            format!(
                "userSourcedId {} is a {} in users.csv but enrolled as {}",
                quoted(&self.user),
                role.as_str(),
                self.role
            )
        })
    }
}

impl Refers for LineItem {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::LineItem]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("classSourcedId", Kind::Class, &self.class);
        if let Some(category) = &self.category {
            each("categorySourcedId", Kind::Category, category);
        }
        if let Some(period) = &self.grading_period {
            each("gradingPeriodSourcedId", Kind::Session, period);
        }
    }
}

impl Refers for Score {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("lineItemSourcedId", Kind::LineItem, &self.line_item);
        each("studentSourcedId", Kind::Person, &self.student);
    }
}

impl Refers for Mark {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("userSourcedId", Kind::Person, &self.user);
        if let Some(class) = &self.class {
            each("classSourcedId", Kind::Class, class);
        }
    }
}

impl Refers for TermGrade {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("classSourcedId", Kind::Class, &self.class);
        each("userSourcedId", Kind::Person, &self.user);
        each("termSourcedId", Kind::Session, &self.session);
    }
}

impl Refers for DayOff {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        if let Some(school) = &self.school {
            each("schoolSourcedId", Kind::School, school);
        }
    }
}

impl Refers for RoleRow {
    fn sourced_id(&self) -> &str {
        &self.sourced_id
    }
    // Its user is checked once users.csv is read: roles.csv comes first, to give users roles.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_comparable_utc_text() {
        for (text, utc) in [
            ("2024-03-19T13:05:12.000Z", Some("2024-03-19T13:05:12Z")),
            ("2024-03-19T08:05:12-05:00", Some("2024-03-19T13:05:12Z")),
            ("2024-03-19", Some("2024-03-19T00:00:00Z")),
            ("2024-03-19 13:05:12", Some("2024-03-19T13:05:12Z")),
            ("2024-03-19T13:05", Some("2024-03-19T13:05:00Z")),
            ("yesterday", None),
            ("03/19/2024", None),
            ("2024-3-19", None),
            ("2024-03-19x13:05:12", None),
        ] {
            assert_eq!(parse_timestamp(text).as_deref(), utc, "{text}");
        }
    }

    #[test]
    fn oneroster_roles_map_to_people() {
        assert_eq!(
            person_role("parent"),
            Some((PersonRole::Guardian, Some(Relation::Parent)))
        );
        assert_eq!(
            person_role("relative").map(|r| r.0),
            Some(PersonRole::Guardian)
        );
        assert_eq!(person_role("aide").map(|r| r.0), Some(PersonRole::Staff));
        assert_eq!(person_role("wizard"), None);
    }
}
