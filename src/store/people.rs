//! Schools, people and the guardian–student relationships between them.

use sqlx::Row;

use super::{Result, StoreError, Tx};
use crate::domain::{DistrictId, PersonRole, Relation, SourcedId, person_search_name};

pub struct NewSchool {
    pub sourced_id: SourcedId,
    pub name: String,
}

pub struct NewPerson {
    pub sourced_id: SourcedId,
    pub role: PersonRole,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub school: Option<SourcedId>,
    pub grade: Option<String>,
}

pub struct NewRelationship {
    pub guardian: SourcedId,
    pub student: SourcedId,
    pub relation: Relation,
    pub portal: bool,
}

impl Tx {
    /// Adds the school unless the district already has one with that sourcedId.
    pub async fn ensure_school(
        &mut self,
        district: DistrictId,
        school: &NewSchool,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO schools (district_id, sourced_id, name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (district_id, sourced_id) DO NOTHING",
        )
        .bind(district.0)
        .bind(school.sourced_id.as_str().to_owned())
        .bind(school.name.clone())
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Adds the person unless the district already has one with that sourcedId.
    pub async fn ensure_person(
        &mut self,
        district: DistrictId,
        person: &NewPerson,
        now: i64,
    ) -> Result<()> {
        let school_id = match &person.school {
            Some(sourced_id) => Some(self.id_of(SCHOOL_ID, district, sourced_id).await?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO people (district_id, sourced_id, role, given_name, family_name, email, \
               phone, school_id, grade, created_at, updated_at, name_folded) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) \
             ON CONFLICT (district_id, sourced_id) DO NOTHING",
        )
        .bind(district.0)
        .bind(person.sourced_id.as_str().to_owned())
        .bind(person.role.as_str())
        .bind(person.given_name.clone())
        .bind(person.family_name.clone())
        .bind(person.email.clone())
        .bind(person.phone.clone())
        .bind(school_id)
        .bind(person.grade.clone())
        .bind(now)
        .bind(person_search_name(&person.given_name, &person.family_name))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Relates a guardian to a student unless they already are.
    pub async fn ensure_relationship(
        &mut self,
        district: DistrictId,
        relationship: &NewRelationship,
        now: i64,
    ) -> Result<()> {
        let guardian = self
            .id_of(PERSON_ID, district, &relationship.guardian)
            .await?;
        let student = self
            .id_of(PERSON_ID, district, &relationship.student)
            .await?;
        sqlx::query(
            "INSERT INTO relationships (district_id, guardian_id, student_id, relation, portal, \
               created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (district_id, guardian_id, student_id) DO NOTHING",
        )
        .bind(district.0)
        .bind(guardian)
        .bind(student)
        .bind(relationship.relation.as_str())
        .bind(relationship.portal)
        .bind(now)
        .execute(self.conn())
        .await?;
        self.bump_revision(district).await?;
        Ok(())
    }

    /// The id of a person by sourcedId, if the district has them.
    pub async fn person_id(
        &mut self,
        district: DistrictId,
        sourced_id: &str,
    ) -> Result<Option<i64>> {
        self.lookup(PERSON_ID, district, sourced_id).await
    }

    async fn id_of(
        &mut self,
        sql: &'static str,
        district: DistrictId,
        sourced_id: &SourcedId,
    ) -> Result<i64> {
        self.lookup(sql, district, sourced_id.as_str())
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no record with sourcedId {sourced_id}")))
    }

    async fn lookup(
        &mut self,
        sql: &'static str,
        district: DistrictId,
        sourced_id: &str,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(sql)
            .bind(district.0)
            .bind(sourced_id.to_owned())
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }
}

const SCHOOL_ID: &str = "SELECT id FROM schools WHERE district_id = $1 AND sourced_id = $2";
const PERSON_ID: &str = "SELECT id FROM people WHERE district_id = $1 AND sourced_id = $2";

/// A guardian–student relationship as staff see it from either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipView {
    pub id: i64,
    /// The other person: the student when looking from the guardian, and the reverse.
    pub other_id: i64,
    pub other_name: String,
    pub relation: String,
    pub portal: bool,
    pub active: bool,
}

impl super::Store {
    /// The relationships a person is part of, on either side, in the other person's name order.
    pub async fn relationships_of(
        &self,
        district: DistrictId,
        person_id: i64,
    ) -> Result<Vec<RelationshipView>> {
        let rows = sqlx::query(
            "SELECT r.id, o.id AS other_id, o.given_name, o.family_name, r.relation, r.portal, r.active \
             FROM relationships r JOIN people o ON o.district_id = r.district_id \
               AND o.id = CASE WHEN r.guardian_id = $2 THEN r.student_id ELSE r.guardian_id END \
             WHERE r.district_id = $1 AND (r.guardian_id = $2 OR r.student_id = $2) \
             ORDER BY o.family_name, o.given_name, r.id",
        )
        .bind(district.0)
        .bind(person_id)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|r| {
                let given: String = r.try_get("given_name")?;
                let family: String = r.try_get("family_name")?;
                Ok(RelationshipView {
                    id: r.try_get("id")?,
                    other_id: r.try_get("other_id")?,
                    other_name: format!("{given} {family}").trim().to_owned(),
                    relation: r.try_get("relation")?,
                    portal: super::flag(r, "portal")?,
                    active: super::flag(r, "active")?,
                })
            })
            .collect()
    }
}

impl Tx {
    /// Staff switch portal access on a relationship of the person; answers whether it was theirs.
    /// The change is marked as staff's, so that imports never overturn it.
    pub async fn set_portal(
        &mut self,
        district: DistrictId,
        person_id: i64,
        relationship_id: i64,
        portal: bool,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE relationships SET portal = $1, portal_set_by_staff = $2, updated_at = $3 \
             WHERE district_id = $4 AND id = $5 AND (guardian_id = $6 OR student_id = $6)",
        )
        .bind(portal)
        .bind(true)
        .bind(now)
        .bind(district.0)
        .bind(relationship_id)
        .bind(person_id)
        .execute(self.conn())
        .await?;
        // Who may see whom is kept per revision too: the change must be seen at once.
        self.bump_revision(district).await?;
        Ok(done.rows_affected() == 1)
    }
}

impl super::Store {
    /// Writes the folded name of every person who lacks it: the rows that were there before
    /// the column, after migrating. Answers how many were filled in.
    pub async fn fill_search_names(&self) -> Result<u64> {
        let mut filled = 0;
        loop {
            let rows = sqlx::query(
                "SELECT id, given_name, family_name FROM people WHERE name_folded IS NULL \
                 ORDER BY id LIMIT 1000",
            )
            .fetch_all(self.pool()?)
            .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            let mut tx = self.begin().await?;
            for row in &rows {
                let given: String = row.try_get("given_name")?;
                let family: String = row.try_get("family_name")?;
                sqlx::query("UPDATE people SET name_folded = $1 WHERE id = $2")
                    .bind(person_search_name(&given, &family))
                    .bind(row.try_get::<i64, _>("id")?)
                    .execute(tx.conn())
                    .await?;
            }
            tx.commit().await?;
            filled += rows.len() as u64;
        }
    }
}
