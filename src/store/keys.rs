//! Activation keys, and the people who may be given one.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError, Tx};
use crate::domain::{DistrictId, PersonRole, SourcedId, fold_for_search};

/// Who `homeroom keys generate` and the staff console give keys to.
#[derive(Debug, Default, Clone)]
pub struct KeyScope {
    /// Guardians and students when `None` (and a teacher named by `person`).
    pub role: Option<PersonRole>,
    /// People of this school; guardians through their children.
    pub school: Option<SourcedId>,
    pub person: Option<SourcedId>,
    /// Also people who hold a live key (it is replaced).
    pub regenerate: bool,
}

/// A guardian or student without an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub sourced_id: String,
    pub role: PersonRole,
    pub given_name: String,
    pub family_name: String,
    /// Their school, or for a guardian their children's.
    pub school: Option<String>,
    /// Still in the district's rosters; an import that no longer lists them turns this off.
    pub active: bool,
}

impl PersonRecord {
    pub fn name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: i64,
    pub person_id: i64,
    pub expires_at: i64,
    /// Used or replaced by a newer key.
    pub spent: bool,
}

macro_rules! person_columns {
    () => {
        "p.id, p.sourced_id, p.role, p.given_name, p.family_name, p.active, \
         COALESCE(s.name, (SELECT MIN(cs.name) FROM relationships r \
             JOIN people c ON c.district_id = r.district_id AND c.id = r.student_id \
             JOIN schools cs ON cs.district_id = c.district_id AND cs.id = c.school_id \
             WHERE r.district_id = p.district_id AND r.guardian_id = p.id)) AS school_name \
         FROM people p LEFT JOIN schools s ON s.district_id = p.district_id AND s.id = p.school_id"
    };
}

impl Store {
    /// Active guardians and students in scope who have no account, and unless regenerating,
    /// no live key either. In name order.
    pub async fn people_for_keys(
        &self,
        district: DistrictId,
        scope: &KeyScope,
        now: i64,
    ) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            person_columns!(),
            " WHERE p.district_id = $1 AND p.active = $2 \
               AND p.role IN ('guardian', 'student', 'teacher') AND ($3 IS NULL OR p.role = $3) \
               AND ($3 IS NOT NULL OR $4 IS NOT NULL OR p.role <> 'teacher') \
               AND ($4 IS NULL OR p.sourced_id = $4) \
               AND ($5 IS NULL OR s.sourced_id = $5 OR EXISTS (SELECT 1 FROM relationships r \
                   JOIN people c ON c.district_id = r.district_id AND c.id = r.student_id \
                   JOIN schools cs ON cs.district_id = c.district_id AND cs.id = c.school_id \
                   WHERE r.district_id = p.district_id AND r.guardian_id = p.id AND cs.sourced_id = $5)) \
               AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.district_id = p.district_id AND a.person_id = p.id) \
               AND ($6 OR NOT EXISTS (SELECT 1 FROM activation_keys k WHERE k.district_id = p.district_id \
                   AND k.person_id = p.id AND k.used_at IS NULL AND k.revoked_at IS NULL AND k.expires_at > $7)) \
             ORDER BY p.family_name, p.given_name, p.id"
        ))
        .bind(district.0)
        .bind(true)
        .bind(scope.role.map(PersonRole::as_str))
        .bind(scope.person.as_ref().map(|p| p.as_str().to_owned()))
        .bind(scope.school.as_ref().map(|s| s.as_str().to_owned()))
        .bind(scope.regenerate)
        .bind(now)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(person_from_row).collect()
    }

    pub async fn person(&self, district: DistrictId, id: i64) -> Result<Option<PersonRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            person_columns!(),
            " WHERE p.district_id = $1 AND p.id = $2"
        ))
        .bind(district.0)
        .bind(id)
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    /// People whose name, sourcedId or account username contains `needle` (in any case), with
    /// their account's username if they have one. In name order. Names are compared folded
    /// as [`crate::domain::person_search_name`] folds them, so "álvarez" finds "Álvarez" on
    /// SQLite too, whose LOWER folds ASCII alone.
    pub async fn search_people(
        &self,
        district: DistrictId,
        needle: &str,
        limit: u32,
    ) -> Result<Vec<(PersonRecord, Option<String>)>> {
        let pattern = format!(
            "%{}%",
            super::districts::escape_like(&fold_for_search(needle))
        );
        let rows = sqlx::query(concat!(
            "SELECT a.username AS username, ",
            person_columns!(),
            " LEFT JOIN accounts a ON a.district_id = p.district_id AND a.person_id = p.id \
             WHERE p.district_id = $1 \
               AND (p.name_folded LIKE $2 ESCAPE '\\' \
               OR LOWER(p.sourced_id) LIKE $2 ESCAPE '\\' OR a.username_folded LIKE $2 ESCAPE '\\') \
             ORDER BY p.family_name, p.given_name, p.id LIMIT $3"
        ))
        .bind(district.0)
        .bind(pattern)
        .bind(i64::from(limit))
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| Ok((person_from_row(row)?, row.try_get("username")?)))
            .collect()
    }

    pub async fn key_by_hash(
        &self,
        district: DistrictId,
        key_hash: &str,
    ) -> Result<Option<KeyRecord>> {
        let row = sqlx::query(
            "SELECT id, person_id, expires_at, used_at, revoked_at FROM activation_keys \
             WHERE district_id = $1 AND key_hash = $2",
        )
        .bind(district.0)
        .bind(key_hash.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| {
            let used: Option<i64> = row.try_get("used_at")?;
            let revoked: Option<i64> = row.try_get("revoked_at")?;
            Ok(KeyRecord {
                id: row.try_get("id")?,
                person_id: row.try_get("person_id")?,
                expires_at: row.try_get("expires_at")?,
                spent: used.is_some() || revoked.is_some(),
            })
        })
        .transpose()
    }
}

impl Tx {
    /// Stores a new key for a person and revokes the older ones.
    pub async fn issue_key(
        &mut self,
        district: DistrictId,
        person_id: i64,
        key_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE activation_keys SET revoked_at = $1 \
             WHERE district_id = $2 AND person_id = $3 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(district.0)
        .bind(person_id)
        .execute(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO activation_keys (district_id, person_id, key_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(district.0)
        .bind(person_id)
        .bind(key_hash.to_owned())
        .bind(now)
        .bind(expires_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Marks a live key of an active person used. Answers false when it was not live any more
    /// (used meanwhile by someone else, revoked or expired) or its person was deactivated
    /// meanwhile: the statement is the single point where two activations with one key are
    /// told apart.
    pub async fn consume_key(&mut self, key_id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE activation_keys SET used_at = $1 \
             WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 \
               AND EXISTS (SELECT 1 FROM people p WHERE p.district_id = activation_keys.district_id \
                 AND p.id = activation_keys.person_id AND p.active = $3)",
        )
        .bind(now)
        .bind(key_id)
        .bind(true)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn person_from_row(row: &AnyRow) -> Result<PersonRecord> {
    Ok(PersonRecord {
        id: row.try_get("id")?,
        sourced_id: row.try_get("sourced_id")?,
        role: PersonRole::parse(row.try_get("role")?).map_err(StoreError::from)?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        school: row.try_get("school_name")?,
        active: super::flag(row, "active")?,
    })
}
