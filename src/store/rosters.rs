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
