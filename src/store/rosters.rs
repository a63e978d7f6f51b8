//! What imports write: the current state of a district's schools, people and relationships,
//! indexed by sourcedId, and the statements that create or change one row.

use std::collections::HashMap;

use sqlx::Row;

use super::{Result, Tx, flag};
use crate::domain::{DistrictId, PersonRole, Relation};

#[derive(Debug, Clone, PartialEq)]
pub struct SchoolState {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub modified_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonState {
    pub id: i64,
    pub role: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub school_id: Option<i64>,
    pub grade: Option<String>,
    pub active: bool,
    pub modified_at: Option<String>,
    /// When Homeroom last wrote the row (Unix seconds).
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipState {
    pub id: i64,
    pub relation: String,
    pub active: bool,
}

/// A school as an import gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchoolFields<'a> {
    pub name: &'a str,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

/// A guardian–student relationship as an import gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelationshipFields {
    pub guardian_id: i64,
    pub student_id: i64,
    pub relation: Relation,
    pub active: bool,
}

/// A person as an import gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFields<'a> {
    pub role: PersonRole,
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub school_id: Option<i64>,
    pub grade: Option<&'a str>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

impl Tx {
    pub async fn school_states(
        &mut self,
        district: DistrictId,
    ) -> Result<HashMap<String, SchoolState>> {
        let rows = sqlx::query(
            "SELECT id, sourced_id, name, active, modified_at FROM schools WHERE district_id = $1",
        )
        .bind(district.0)
        .fetch_all(&mut *self.inner)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("sourced_id")?,
                    SchoolState {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        active: flag(r, "active")?,
                        modified_at: r.try_get("modified_at")?,
                    },
                ))
            })
            .collect()
    }

    pub async fn put_school(
        &mut self,
        district: DistrictId,
        existing: Option<i64>,
        sourced_id: &str,
        fields: &SchoolFields<'_>,
        now: i64,
    ) -> Result<i64> {
        let SchoolFields {
            name,
            active,
            modified_at,
        } = *fields;
        if let Some(id) = existing {
            sqlx::query("UPDATE schools SET name = $1, active = $2, modified_at = $3, updated_at = $4 WHERE district_id = $5 AND id = $6")
                .bind(name.to_owned())
                .bind(active)
                .bind(modified_at.map(str::to_owned))
                .bind(now)
                .bind(district.0)
                .bind(id)
                .execute(&mut *self.inner)
                .await?;
            return Ok(id);
        }
        let row = sqlx::query(
            "INSERT INTO schools (district_id, sourced_id, name, active, modified_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(name.to_owned())
        .bind(active)
        .bind(modified_at.map(str::to_owned))
        .bind(now)
        .fetch_one(&mut *self.inner)
        .await?;
        Ok(row.try_get("id")?)
    }

    pub async fn person_states(
        &mut self,
        district: DistrictId,
    ) -> Result<HashMap<String, PersonState>> {
        let rows = sqlx::query(
            "SELECT id, sourced_id, role, given_name, family_name, email, phone, school_id, grade, active, modified_at, \
               updated_at \
             FROM people WHERE district_id = $1",
        )
        .bind(district.0)
        .fetch_all(&mut *self.inner)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("sourced_id")?,
                    PersonState {
                        id: r.try_get("id")?,
                        role: r.try_get("role")?,
                        given_name: r.try_get("given_name")?,
                        family_name: r.try_get("family_name")?,
                        email: r.try_get("email")?,
                        phone: r.try_get("phone")?,
                        school_id: r.try_get("school_id")?,
                        grade: r.try_get("grade")?,
                        active: flag(r, "active")?,
                        modified_at: r.try_get("modified_at")?,
                        updated_at: r.try_get("updated_at")?,
                    },
                ))
            })
            .collect()
    }

    pub async fn put_person(
        &mut self,
        district: DistrictId,
        existing: Option<i64>,
        sourced_id: &str,
        fields: &PersonFields<'_>,
        now: i64,
    ) -> Result<i64> {
        let query = match existing {
            Some(_) => sqlx::query(
                "UPDATE people SET role = $1, given_name = $2, family_name = $3, email = $4, phone = $5, \
                   school_id = $6, grade = $7, active = $8, modified_at = $9, updated_at = $10 \
                 WHERE district_id = $11 AND id = $12 RETURNING id",
            ),
            None => sqlx::query(
                "INSERT INTO people (role, given_name, family_name, email, phone, school_id, grade, active, \
                   modified_at, updated_at, district_id, sourced_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10) RETURNING id",
            ),
        };
        let query = query
            .bind(fields.role.as_str())
            .bind(fields.given_name.to_owned())
            .bind(fields.family_name.to_owned())
            .bind(fields.email.map(str::to_owned))
            .bind(fields.phone.map(str::to_owned))
            .bind(fields.school_id)
            .bind(fields.grade.map(str::to_owned))
            .bind(fields.active)
            .bind(fields.modified_at.map(str::to_owned))
            .bind(now)
            .bind(district.0);
        let query = match existing {
            Some(id) => query.bind(id),
            None => query.bind(sourced_id.to_owned()),
        };
        let row = query.fetch_one(&mut *self.inner).await?;
        Ok(row.try_get("id")?)
    }

    pub async fn relationship_states(
        &mut self,
        district: DistrictId,
    ) -> Result<HashMap<(i64, i64), RelationshipState>> {
        let rows = sqlx::query("SELECT id, guardian_id, student_id, relation, active FROM relationships WHERE district_id = $1")
            .bind(district.0)
            .fetch_all(&mut *self.inner)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    (r.try_get("guardian_id")?, r.try_get("student_id")?),
                    RelationshipState {
                        id: r.try_get("id")?,
                        relation: r.try_get("relation")?,
                        active: flag(r, "active")?,
                    },
                ))
            })
            .collect()
    }

    /// Creates or changes a relationship. A new one has portal access; an existing one keeps
    /// whatever portal access it has, staff's choice included.
    pub async fn put_relationship(
        &mut self,
        district: DistrictId,
        existing: Option<i64>,
        fields: &RelationshipFields,
        now: i64,
    ) -> Result<()> {
        let RelationshipFields {
            guardian_id,
            student_id,
            relation,
            active,
        } = *fields;
        match existing {
            Some(id) => {
                sqlx::query("UPDATE relationships SET relation = $1, active = $2, updated_at = $3 WHERE district_id = $4 AND id = $5")
                    .bind(relation.as_str())
                    .bind(active)
                    .bind(now)
                    .bind(district.0)
                    .bind(id)
                    .execute(&mut *self.inner)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO relationships (district_id, guardian_id, student_id, relation, portal, active, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                )
                .bind(district.0)
                .bind(guardian_id)
                .bind(student_id)
                .bind(relation.as_str())
                .bind(true)
                .bind(active)
                .bind(now)
                .execute(&mut *self.inner)
                .await?;
            }
        }
        Ok(())
    }
}

/// The roster tables that imports fill by upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterTable {
    AcademicSessions,
    Courses,
    Classes,
    Enrollments,
    Categories,
    LineItems,
    Results,
    Attendance,
}

/// The same statement for each roster table, the table's name spliced in at compile time.
macro_rules! for_table {
    ($table:expr, $before:literal, $after:literal) => {
        match $table {
            RosterTable::AcademicSessions => concat!($before, "academic_sessions", $after),
            RosterTable::Courses => concat!($before, "courses", $after),
            RosterTable::Classes => concat!($before, "classes", $after),
            RosterTable::Enrollments => concat!($before, "enrollments", $after),
            RosterTable::Categories => concat!($before, "categories", $after),
            RosterTable::LineItems => concat!($before, "line_items", $after),
            RosterTable::Results => concat!($before, "results", $after),
            RosterTable::Attendance => concat!($before, "attendance", $after),
        }
    };
}

impl RosterTable {
    fn ids_sql(self) -> &'static str {
        for_table!(
            self,
            "SELECT id, sourced_id, active FROM ",
            " WHERE district_id = $1"
        )
    }

    fn deactivate_sql(self) -> &'static str {
        for_table!(
            self,
            "UPDATE ",
            " SET active = $1, updated_at = $2 WHERE district_id = $3 AND id = $4"
        )
    }
}

pub struct SessionFields<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub start_date: &'a str,
    pub end_date: &'a str,
    pub parent: Option<&'a str>,
    pub school_year: Option<&'a str>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

pub struct CourseFields<'a> {
    pub title: &'a str,
    pub code: Option<&'a str>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

pub struct ClassFields<'a> {
    pub title: &'a str,
    pub code: Option<&'a str>,
    pub course_id: i64,
    pub school_id: i64,
    pub periods: Option<&'a str>,
    pub location: Option<&'a str>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

pub struct EnrollmentFields<'a> {
    pub class_id: i64,
    pub person_id: i64,
    pub role: &'a str,
    pub is_primary: bool,
    pub begin_date: Option<&'a str>,
    pub end_date: Option<&'a str>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

impl Tx {
    /// sourcedId → (id, active) for one roster table of the district.
    pub async fn roster_ids(
        &mut self,
        table: RosterTable,
        district: DistrictId,
    ) -> Result<HashMap<String, (i64, bool)>> {
        let rows = sqlx::query(table.ids_sql())
            .bind(district.0)
            .fetch_all(&mut *self.inner)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("sourced_id")?,
                    (r.try_get("id")?, flag(r, "active")?),
                ))
            })
            .collect()
    }

    pub async fn deactivate(
        &mut self,
        table: RosterTable,
        district: DistrictId,
        id: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(table.deactivate_sql())
            .bind(false)
            .bind(now)
            .bind(district.0)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Writes an academic session unless it is stored exactly so, or (with `honour_dates`, in a
    /// delta) the stored row is newer by dateLastModified; answers its id when written.
    pub async fn upsert_session(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &SessionFields<'_>,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO academic_sessions (district_id, sourced_id, title, kind, start_date, end_date, \
               parent_sourced_id, school_year, active, modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET title = excluded.title, kind = excluded.kind, \
               start_date = excluded.start_date, end_date = excluded.end_date, \
               parent_sourced_id = excluded.parent_sourced_id, school_year = excluded.school_year, \
               active = excluded.active, modified_at = excluded.modified_at, updated_at = excluded.updated_at \
             WHERE ($12 = FALSE OR excluded.modified_at IS NULL OR academic_sessions.modified_at IS NULL \
               OR excluded.modified_at >= academic_sessions.modified_at) AND (academic_sessions.title IS DISTINCT FROM excluded.title \
               OR academic_sessions.kind IS DISTINCT FROM excluded.kind \
               OR academic_sessions.start_date IS DISTINCT FROM excluded.start_date \
               OR academic_sessions.end_date IS DISTINCT FROM excluded.end_date \
               OR academic_sessions.parent_sourced_id IS DISTINCT FROM excluded.parent_sourced_id \
               OR academic_sessions.school_year IS DISTINCT FROM excluded.school_year \
               OR academic_sessions.active IS DISTINCT FROM excluded.active \
               OR academic_sessions.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.title.to_owned())
        .bind(f.kind.to_owned())
        .bind(f.start_date.to_owned())
        .bind(f.end_date.to_owned())
        .bind(f.parent.map(str::to_owned))
        .bind(f.school_year.map(str::to_owned))
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    pub async fn upsert_course(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &CourseFields<'_>,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO courses (district_id, sourced_id, title, code, active, modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET title = excluded.title, code = excluded.code, \
               active = excluded.active, modified_at = excluded.modified_at, updated_at = excluded.updated_at \
             WHERE ($8 = FALSE OR excluded.modified_at IS NULL OR courses.modified_at IS NULL \
               OR excluded.modified_at >= courses.modified_at) AND (courses.title IS DISTINCT FROM excluded.title OR courses.code IS DISTINCT FROM excluded.code \
               OR courses.active IS DISTINCT FROM excluded.active \
               OR courses.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.title.to_owned())
        .bind(f.code.map(str::to_owned))
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// Writes a class and, when it was written, the terms it runs in.
    pub async fn upsert_class(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &ClassFields<'_>,
        terms: &[i64],
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO classes (district_id, sourced_id, title, code, course_id, school_id, periods, location, \
               active, modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET title = excluded.title, code = excluded.code, \
               course_id = excluded.course_id, school_id = excluded.school_id, periods = excluded.periods, \
               location = excluded.location, active = excluded.active, modified_at = excluded.modified_at, \
               updated_at = excluded.updated_at \
             WHERE ($12 = FALSE OR excluded.modified_at IS NULL OR classes.modified_at IS NULL \
               OR excluded.modified_at >= classes.modified_at) AND (classes.title IS DISTINCT FROM excluded.title OR classes.code IS DISTINCT FROM excluded.code \
               OR classes.course_id IS DISTINCT FROM excluded.course_id \
               OR classes.school_id IS DISTINCT FROM excluded.school_id \
               OR classes.periods IS DISTINCT FROM excluded.periods \
               OR classes.location IS DISTINCT FROM excluded.location \
               OR classes.active IS DISTINCT FROM excluded.active \
               OR classes.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.title.to_owned())
        .bind(f.code.map(str::to_owned))
        .bind(f.course_id)
        .bind(f.school_id)
        .bind(f.periods.map(str::to_owned))
        .bind(f.location.map(str::to_owned))
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.try_get("id")?;
        sqlx::query("DELETE FROM class_terms WHERE district_id = $1 AND class_id = $2")
            .bind(district.0)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        for term in terms {
            sqlx::query("INSERT INTO class_terms (district_id, class_id, session_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(district.0)
                .bind(id)
                .bind(*term)
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(Some(id))
    }

    pub async fn upsert_enrollment(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &EnrollmentFields<'_>,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO enrollments (district_id, sourced_id, class_id, person_id, role, is_primary, begin_date, \
               end_date, active, modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET class_id = excluded.class_id, \
               person_id = excluded.person_id, role = excluded.role, is_primary = excluded.is_primary, \
               begin_date = excluded.begin_date, end_date = excluded.end_date, active = excluded.active, \
               modified_at = excluded.modified_at, updated_at = excluded.updated_at \
             WHERE ($12 = FALSE OR excluded.modified_at IS NULL OR enrollments.modified_at IS NULL \
               OR excluded.modified_at >= enrollments.modified_at) AND (enrollments.class_id IS DISTINCT FROM excluded.class_id \
               OR enrollments.person_id IS DISTINCT FROM excluded.person_id \
               OR enrollments.role IS DISTINCT FROM excluded.role \
               OR enrollments.is_primary IS DISTINCT FROM excluded.is_primary \
               OR enrollments.begin_date IS DISTINCT FROM excluded.begin_date \
               OR enrollments.end_date IS DISTINCT FROM excluded.end_date \
               OR enrollments.active IS DISTINCT FROM excluded.active \
               OR enrollments.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.class_id)
        .bind(f.person_id)
        .bind(f.role.to_owned())
        .bind(f.is_primary)
        .bind(f.begin_date.map(str::to_owned))
        .bind(f.end_date.map(str::to_owned))
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }
}

pub struct CategoryFields<'a> {
    pub title: &'a str,
    pub weight: Option<f64>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

pub struct LineItemFields<'a> {
    pub class_id: i64,
    pub category_id: Option<i64>,
    pub grading_period_id: Option<i64>,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub assign_date: Option<&'a str>,
    pub due_date: Option<&'a str>,
    pub result_min: Option<f64>,
    pub result_max: Option<f64>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

pub struct ResultFields<'a> {
    pub line_item_id: i64,
    pub person_id: i64,
    pub score: Option<f64>,
    pub score_status: &'a str,
    pub comment: Option<&'a str>,
    pub score_date: Option<&'a str>,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

pub struct AttendanceFields<'a> {
    pub person_id: i64,
    pub class_id: Option<i64>,
    pub date: &'a str,
    pub status: &'a str,
    pub excused: bool,
    pub active: bool,
    pub modified_at: Option<&'a str>,
}

impl Tx {
    pub async fn upsert_category(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &CategoryFields<'_>,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO categories (district_id, sourced_id, title, weight, active, modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET title = excluded.title, weight = excluded.weight, \
               active = excluded.active, modified_at = excluded.modified_at, updated_at = excluded.updated_at \
             WHERE ($8 = FALSE OR excluded.modified_at IS NULL OR categories.modified_at IS NULL \
               OR excluded.modified_at >= categories.modified_at) \
               AND (categories.title IS DISTINCT FROM excluded.title OR categories.weight IS DISTINCT FROM excluded.weight \
               OR categories.active IS DISTINCT FROM excluded.active \
               OR categories.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.title.to_owned())
        .bind(f.weight)
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    pub async fn upsert_line_item(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &LineItemFields<'_>,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO line_items (district_id, sourced_id, class_id, category_id, grading_period_id, title, \
               description, assign_date, due_date, result_min, result_max, active, modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET class_id = excluded.class_id, \
               category_id = excluded.category_id, grading_period_id = excluded.grading_period_id, \
               title = excluded.title, description = excluded.description, assign_date = excluded.assign_date, \
               due_date = excluded.due_date, result_min = excluded.result_min, result_max = excluded.result_max, \
               active = excluded.active, modified_at = excluded.modified_at, updated_at = excluded.updated_at \
             WHERE ($15 = FALSE OR excluded.modified_at IS NULL OR line_items.modified_at IS NULL \
               OR excluded.modified_at >= line_items.modified_at) \
               AND (line_items.class_id IS DISTINCT FROM excluded.class_id \
               OR line_items.category_id IS DISTINCT FROM excluded.category_id \
               OR line_items.grading_period_id IS DISTINCT FROM excluded.grading_period_id \
               OR line_items.title IS DISTINCT FROM excluded.title \
               OR line_items.description IS DISTINCT FROM excluded.description \
               OR line_items.assign_date IS DISTINCT FROM excluded.assign_date \
               OR line_items.due_date IS DISTINCT FROM excluded.due_date \
               OR line_items.result_min IS DISTINCT FROM excluded.result_min \
               OR line_items.result_max IS DISTINCT FROM excluded.result_max \
               OR line_items.active IS DISTINCT FROM excluded.active \
               OR line_items.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.class_id)
        .bind(f.category_id)
        .bind(f.grading_period_id)
        .bind(f.title.to_owned())
        .bind(f.description.map(str::to_owned))
        .bind(f.assign_date.map(str::to_owned))
        .bind(f.due_date.map(str::to_owned))
        .bind(f.result_min)
        .bind(f.result_max)
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    pub async fn upsert_result(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &ResultFields<'_>,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO results (district_id, sourced_id, line_item_id, person_id, score, score_status, comment, \
               score_date, active, modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET line_item_id = excluded.line_item_id, \
               person_id = excluded.person_id, score = excluded.score, score_status = excluded.score_status, \
               comment = excluded.comment, score_date = excluded.score_date, active = excluded.active, \
               modified_at = excluded.modified_at, updated_at = excluded.updated_at \
             WHERE ($12 = FALSE OR excluded.modified_at IS NULL OR results.modified_at IS NULL \
               OR excluded.modified_at >= results.modified_at) \
               AND (results.line_item_id IS DISTINCT FROM excluded.line_item_id \
               OR results.person_id IS DISTINCT FROM excluded.person_id \
               OR results.score IS DISTINCT FROM excluded.score \
               OR results.score_status IS DISTINCT FROM excluded.score_status \
               OR results.comment IS DISTINCT FROM excluded.comment \
               OR results.score_date IS DISTINCT FROM excluded.score_date \
               OR results.active IS DISTINCT FROM excluded.active \
               OR results.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.line_item_id)
        .bind(f.person_id)
        .bind(f.score)
        .bind(f.score_status.to_owned())
        .bind(f.comment.map(str::to_owned))
        .bind(f.score_date.map(str::to_owned))
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    pub async fn upsert_attendance(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &AttendanceFields<'_>,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO attendance (district_id, sourced_id, person_id, class_id, date, status, excused, active, \
               modified_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (district_id, sourced_id) DO UPDATE SET person_id = excluded.person_id, \
               class_id = excluded.class_id, date = excluded.date, status = excluded.status, \
               excused = excluded.excused, active = excluded.active, modified_at = excluded.modified_at, \
               updated_at = excluded.updated_at \
             WHERE ($11 = FALSE OR excluded.modified_at IS NULL OR attendance.modified_at IS NULL \
               OR excluded.modified_at >= attendance.modified_at) \
               AND (attendance.person_id IS DISTINCT FROM excluded.person_id \
               OR attendance.class_id IS DISTINCT FROM excluded.class_id \
               OR attendance.date IS DISTINCT FROM excluded.date \
               OR attendance.status IS DISTINCT FROM excluded.status \
               OR attendance.excused IS DISTINCT FROM excluded.excused \
               OR attendance.active IS DISTINCT FROM excluded.active \
               OR attendance.modified_at IS DISTINCT FROM excluded.modified_at) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned())
        .bind(f.person_id)
        .bind(f.class_id)
        .bind(f.date.to_owned())
        .bind(f.status.to_owned())
        .bind(f.excused)
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(&mut *self.inner)
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }
}
