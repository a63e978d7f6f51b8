//! What imports write: the current state of a district's schools, people and relationships,
//! indexed by sourcedId, and the statements that create or change one row.

use std::collections::HashMap;

use sqlx::Row;

use super::{Result, Tx, flag};
use crate::domain::{AccountId, DistrictId, PersonRole, Relation};

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
    /// The person's account, if they have one that can log in.
    pub account: Option<AccountId>,
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
        .fetch_all(self.conn())
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
                .execute(self.conn())
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
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// The sourcedIds of the people bound to staff accounts: no import may touch them.
    pub async fn staff_sourced_ids(&mut self, district: DistrictId) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT p.sourced_id FROM people p JOIN accounts a \
               ON a.district_id = p.district_id AND a.person_id = p.id \
             WHERE p.district_id = $1 AND a.kind = 'staff'",
        )
        .bind(district.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("sourced_id")?)).collect()
    }

    /// The district's people, but those bound to staff accounts, by sourcedId; with the
    /// account of each who can log in.
    pub async fn person_states(
        &mut self,
        district: DistrictId,
    ) -> Result<HashMap<String, PersonState>> {
        let rows = sqlx::query(
            "SELECT p.id, p.sourced_id, p.role, p.given_name, p.family_name, p.email, p.phone, \
               p.school_id, p.grade, p.active, p.modified_at, p.updated_at, a.id AS account_id, \
               a.kind AS account_kind, a.active AS account_active \
             FROM people p LEFT JOIN accounts a \
               ON a.district_id = p.district_id AND a.person_id = p.id \
             WHERE p.district_id = $1",
        )
        .bind(district.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .filter(|r| !matches!(r.try_get::<Option<String>, _>("account_kind"), Ok(Some(k)) if k == "staff"))
            .map(|r| {
                let account: Option<i64> = r.try_get("account_id")?;
                let can_log_in = account.is_some() && flag(r, "account_active")?;
                Ok((
                    r.try_get("sourced_id")?,
                    PersonState {
                        account: account.filter(|_| can_log_in).map(AccountId),
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

    /// Writes new people, many to a statement; answers their ids in the order given.
    pub async fn insert_people(
        &mut self,
        district: DistrictId,
        people: &[(&str, PersonFields<'_>)],
        now: i64,
    ) -> Result<Vec<i64>> {
        const WIDTH: usize = 14;
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(people.len());
        for chunk in people.chunks(super::sql::BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO people (district_id, sourced_id, role, given_name, family_name, email, phone, \
                   school_id, grade, active, modified_at, name_folded, created_at, updated_at) \
                 VALUES {} RETURNING id, sourced_id",
                super::sql::values(self.backend, chunk.len(), WIDTH)
            );
            let mut query = sqlx::query(super::sql::built(sql));
            for (sourced_id, f) in chunk {
                query = query
                    .bind(district.0)
                    .bind((*sourced_id).to_owned())
                    .bind(f.role.as_str())
                    .bind(f.given_name.to_owned())
                    .bind(f.family_name.to_owned())
                    .bind(f.email.map(str::to_owned))
                    .bind(f.phone.map(str::to_owned))
                    .bind(f.school_id)
                    .bind(f.grade.map(str::to_owned))
                    .bind(f.active)
                    .bind(f.modified_at.map(str::to_owned))
                    .bind(crate::domain::person_search_name(
                        f.given_name,
                        f.family_name,
                    ))
                    .bind(now)
                    .bind(now);
            }
            for row in query.fetch_all(self.conn()).await? {
                ids.insert(row.try_get("sourced_id")?, row.try_get("id")?);
            }
        }
        in_order(&ids, people.iter().map(|(sourced_id, _)| *sourced_id))
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
                   school_id = $6, grade = $7, active = $8, modified_at = $9, updated_at = $10, \
                   name_folded = $11 WHERE district_id = $12 AND id = $13 RETURNING id",
            ),
            None => sqlx::query(
                "INSERT INTO people (role, given_name, family_name, email, phone, school_id, grade, active, \
                   modified_at, updated_at, name_folded, district_id, sourced_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $10) RETURNING id",
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
            .bind(crate::domain::person_search_name(
                fields.given_name,
                fields.family_name,
            ))
            .bind(district.0);
        let query = match existing {
            Some(id) => query.bind(id),
            None => query.bind(sourced_id.to_owned()),
        };
        let row = query.fetch_one(self.conn()).await?;
        Ok(row.try_get("id")?)
    }

    pub async fn relationship_states(
        &mut self,
        district: DistrictId,
    ) -> Result<HashMap<(i64, i64), RelationshipState>> {
        let rows = sqlx::query("SELECT id, guardian_id, student_id, relation, active FROM relationships WHERE district_id = $1")
            .bind(district.0)
            .fetch_all(self.conn())
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
    /// Writes new relationships (portal access on), many to a statement.
    pub async fn insert_relationships(
        &mut self,
        district: DistrictId,
        relationships: &[RelationshipFields],
        now: i64,
    ) -> Result<()> {
        const WIDTH: usize = 8;
        for chunk in relationships.chunks(super::sql::BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO relationships (district_id, guardian_id, student_id, relation, portal, active, \
                   created_at, updated_at) VALUES {}",
                super::sql::values(self.backend, chunk.len(), WIDTH)
            );
            let mut query = sqlx::query(super::sql::built(sql));
            for r in chunk {
                query = query
                    .bind(district.0)
                    .bind(r.guardian_id)
                    .bind(r.student_id)
                    .bind(r.relation.as_str())
                    .bind(true)
                    .bind(r.active)
                    .bind(now)
                    .bind(now);
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

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
                    .execute(self.conn())
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
                .execute(self.conn())
                .await?;
            }
        }
        Ok(())
    }
}

/// The roster tables an import's rows name by sourcedId: a bulk file switches off what it no
/// longer holds in those it keeps in memory, and rows refer to records of any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterTable {
    Schools,
    People,
    AcademicSessions,
    Courses,
    Classes,
    Categories,
    LineItems,
}

/// The same statement for each roster table, the table's name spliced in at compile time.
macro_rules! for_table {
    ($table:expr, $before:literal, $after:literal) => {
        match $table {
            RosterTable::Schools => concat!($before, "schools", $after),
            RosterTable::People => concat!($before, "people", $after),
            RosterTable::AcademicSessions => concat!($before, "academic_sessions", $after),
            RosterTable::Courses => concat!($before, "courses", $after),
            RosterTable::Classes => concat!($before, "classes", $after),
            RosterTable::Categories => concat!($before, "categories", $after),
            RosterTable::LineItems => concat!($before, "line_items", $after),
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

    /// A page of sourcedIds, in order, after `$2`; with the person's role for people.
    fn sourced_ids_sql(self) -> &'static str {
        match self {
            RosterTable::People => {
                "SELECT sourced_id, role FROM people WHERE district_id = $1 AND sourced_id > $2 \
                 ORDER BY sourced_id LIMIT $3"
            }
            _ => for_table!(
                self,
                "SELECT sourced_id, CAST(NULL AS TEXT) AS role FROM ",
                " WHERE district_id = $1 AND sourced_id > $2 ORDER BY sourced_id LIMIT $3"
            ),
        }
    }

    /// Which of up to `n` sourcedIds (`$2` on) the district holds.
    fn held_sql(self, n: usize) -> String {
        let placeholders: Vec<String> = (2..n + 2).map(|i| format!("${i}")).collect();
        format!(
            "{}({})",
            for_table!(
                self,
                "SELECT sourced_id FROM ",
                " WHERE district_id = $1 AND sourced_id IN "
            ),
            placeholders.join(", ")
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

impl ClassFields<'_> {
    /// Binds the fields in their column order: title, code, course, school, periods,
    /// location, active, modified_at.
    fn bind<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        query
            .bind(self.title.to_owned())
            .bind(self.code.map(str::to_owned))
            .bind(self.course_id)
            .bind(self.school_id)
            .bind(self.periods.map(str::to_owned))
            .bind(self.location.map(str::to_owned))
            .bind(self.active)
            .bind(self.modified_at.map(str::to_owned))
    }
}

impl Tx {
    /// A page of the district's sourcedIds in one table, those after `after` in sourcedId
    /// order, each with the person's role where the table is people's.
    pub async fn sourced_ids(
        &mut self,
        table: RosterTable,
        district: DistrictId,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, Option<String>)>> {
        let rows = sqlx::query(table.sourced_ids_sql())
            .bind(district.0)
            .bind(after.to_owned())
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("sourced_id")?, r.try_get("role")?)))
            .collect()
    }

    /// Which of `values` (a few hundred at most) the district holds as sourcedIds in one table.
    pub async fn held_sourced_ids(
        &mut self,
        table: RosterTable,
        district: DistrictId,
        values: &[&str],
    ) -> Result<Vec<String>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let mut query =
            sqlx::query(super::sql::built(table.held_sql(values.len()))).bind(district.0);
        for value in values {
            query = query.bind((*value).to_owned());
        }
        let rows = query.fetch_all(self.conn()).await?;
        rows.iter().map(|r| Ok(r.try_get("sourced_id")?)).collect()
    }

    /// sourcedId → (id, active) for one roster table of the district.
    pub async fn roster_ids(
        &mut self,
        table: RosterTable,
        district: DistrictId,
    ) -> Result<HashMap<String, (i64, bool)>> {
        let rows = sqlx::query(table.ids_sql())
            .bind(district.0)
            .fetch_all(self.conn())
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
            .execute(self.conn())
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
        .fetch_optional(self.conn())
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
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// Writes new classes and the terms they run in, many to a statement; answers their ids in
    /// the order given.
    pub async fn insert_classes(
        &mut self,
        district: DistrictId,
        classes: &[(&str, ClassFields<'_>, Vec<i64>)],
        now: i64,
    ) -> Result<Vec<i64>> {
        const WIDTH: usize = 11;
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(classes.len());
        for chunk in classes.chunks(super::sql::BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO classes (district_id, sourced_id, title, code, course_id, school_id, periods, \
                   location, active, modified_at, updated_at) VALUES {} RETURNING id, sourced_id",
                super::sql::values(self.backend, chunk.len(), WIDTH)
            );
            let mut query = sqlx::query(super::sql::built(sql));
            for (sourced_id, f, _) in chunk {
                query = f
                    .bind(query.bind(district.0).bind((*sourced_id).to_owned()))
                    .bind(now);
            }
            for row in query.fetch_all(self.conn()).await? {
                ids.insert(row.try_get("sourced_id")?, row.try_get("id")?);
            }
        }
        let ids = in_order(&ids, classes.iter().map(|(sourced_id, _, _)| *sourced_id))?;
        let terms: Vec<(i64, i64)> = classes
            .iter()
            .zip(&ids)
            .flat_map(|((_, _, terms), id)| terms.iter().map(move |term| (*id, *term)))
            .collect();
        self.insert_class_terms(district, &terms).await?;
        Ok(ids)
    }

    /// Adds (class, session) pairs, many to a statement; a pair already there stays.
    async fn insert_class_terms(
        &mut self,
        district: DistrictId,
        terms: &[(i64, i64)],
    ) -> Result<()> {
        for chunk in terms.chunks(super::sql::BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO class_terms (district_id, class_id, session_id) VALUES {} ON CONFLICT DO NOTHING",
                super::sql::values(self.backend, chunk.len(), 3)
            );
            let mut query = sqlx::query(super::sql::built(sql));
            for (class, term) in chunk {
                query = query.bind(district.0).bind(*class).bind(*term);
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// class id → the sessions it runs in, in order, for every class of the district.
    pub async fn class_term_sets(
        &mut self,
        district: DistrictId,
    ) -> Result<HashMap<i64, Vec<i64>>> {
        let rows = sqlx::query(
            "SELECT class_id, session_id FROM class_terms WHERE district_id = $1 \
             ORDER BY class_id, session_id",
        )
        .bind(district.0)
        .fetch_all(self.conn())
        .await?;
        let mut sets: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in rows {
            sets.entry(row.try_get("class_id")?)
                .or_default()
                .push(row.try_get("session_id")?);
        }
        Ok(sets)
    }

    /// Writes a class and, when it was written, the terms it runs in. A class whose terms
    /// alone differ (`terms_differ`) is written too.
    #[allow(clippy::too_many_arguments)]
    pub async fn upsert_class(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
        f: &ClassFields<'_>,
        terms: &[i64],
        terms_differ: bool,
        now: i64,
        honour_dates: bool,
    ) -> Result<Option<i64>> {
        let query = sqlx::query(
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
               OR classes.modified_at IS DISTINCT FROM excluded.modified_at OR $13) \
             RETURNING id",
        )
        .bind(district.0)
        .bind(sourced_id.to_owned());
        let row = f
            .bind(query)
            .bind(now)
            .bind(honour_dates)
            .bind(terms_differ)
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.try_get("id")?;
        sqlx::query("DELETE FROM class_terms WHERE district_id = $1 AND class_id = $2")
            .bind(district.0)
            .bind(id)
            .execute(self.conn())
            .await?;
        let pairs: Vec<(i64, i64)> = terms.iter().map(|term| (id, *term)).collect();
        self.insert_class_terms(district, &pairs).await?;
        Ok(Some(id))
    }
}

pub struct CategoryFields<'a> {
    pub title: &'a str,
    pub weight: Option<f64>,
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
             VALUES ($1, $2, $3, CAST($4 AS DOUBLE PRECISION), $5, $6, $7) \
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
        .bind(f.weight.map(super::sql::real))
        .bind(f.active)
        .bind(f.modified_at.map(str::to_owned))
        .bind(now)
        .bind(honour_dates)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }
}

/// The ids a multi-row insert answered (by sourcedId: `RETURNING` promises no order), in the
/// order the rows were given.
fn in_order<'a>(
    ids: &HashMap<String, i64>,
    sourced_ids: impl Iterator<Item = &'a str>,
) -> Result<Vec<i64>> {
    sourced_ids
        .map(|sourced_id| {
            ids.get(sourced_id).copied().ok_or_else(|| {
                super::StoreError::Corrupt(format!("no id came back for {sourced_id:?}"))
            })
        })
        .collect()
}
