//! How each file's row becomes a record, or the problems that keep it from being one.

use std::collections::HashMap;

use super::super::problems::{Problem, Problems, quoted};
use super::fields::*;
use super::records::*;
use super::table::Row;
use crate::domain::SCORE_STATUSES;

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
    let given = row.get("scoreStatus");
    let Some(score_status) =
        given.and_then(|given| SCORE_STATUSES.into_iter().find(|s| *s == given))
    else {
        problems.add(Problem::at(
            FILE,
            row.line,
            format!("unknown scoreStatus {}", quoted(given.unwrap_or(""))),
        ));
        return None;
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

/// userSourcedId → (role, line in roles.csv).
pub(crate) type RolesByUser = HashMap<String, (String, u64)>;
