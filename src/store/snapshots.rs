//! Students' first-read snapshots (see `services::snapshots`): one row of JSON per student,
//! deleted by every import of the district in its own transaction, and written only while the
//! district is still at the revision its records were read at.

use sqlx::Row;

use super::records::Records;
use super::{Backend, Result, Store, Tx};
use crate::domain::DistrictId;

impl Records {
    /// The student's snapshot, if one is kept.
    pub async fn snapshot_of(&self, district: DistrictId, student: i64) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT body FROM student_snapshots WHERE district_id = $1 AND person_id = $2",
        )
        .bind(district.0)
        .bind(student)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(|r| r.try_get("body")).transpose()?)
    }
}

impl Store {
    /// Keeps a snapshot made from records read while the district was at `revision`; nothing is
    /// written (and `false` is answered) when the district has moved on since, for an import
    /// may have changed those records.
    pub async fn keep_snapshot(
        &self,
        district: DistrictId,
        student: i64,
        revision: i64,
        body: &str,
    ) -> Result<bool> {
        // On PostgreSQL the district's row is locked to share: an import that has moved the
        // revision on holds it until it commits (and deletes the snapshots), and the revision
        // is looked at again once it has. SQLite runs one writer at a time.
        let sql = match self.backend() {
            Backend::Sqlite => {
                "INSERT INTO student_snapshots (district_id, person_id, body) \
                 SELECT $1, $2, $3 FROM districts WHERE id = $1 AND revision = $4 \
                 ON CONFLICT (district_id, person_id) DO UPDATE SET body = excluded.body"
            }
            Backend::Postgres => {
                "INSERT INTO student_snapshots (district_id, person_id, body) \
                 SELECT $1, $2, $3 FROM districts WHERE id = $1 AND revision = $4 FOR SHARE \
                 ON CONFLICT (district_id, person_id) DO UPDATE SET body = excluded.body"
            }
        };
        let _turn = self.write_turn().await?;
        let done = sqlx::query(sql)
            .bind(district.0)
            .bind(student)
            .bind(body.to_owned())
            .bind(revision)
            .execute(self.pool()?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The district's revision now.
    pub async fn revision_of(&self, district: DistrictId) -> Result<i64> {
        let row = sqlx::query("SELECT revision FROM districts WHERE id = $1")
            .bind(district.0)
            .fetch_one(self.pool()?)
            .await?;
        Ok(row.try_get("revision")?)
    }

    /// The active students someone can read: those with an account of their own, and those
    /// with a guardian who has one and portal access to them.
    pub async fn readable_students(&self, district: DistrictId) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT p.id FROM people p WHERE p.district_id = $1 AND p.role = 'student' \
               AND p.active = $2 AND (\
                 EXISTS (SELECT 1 FROM accounts a WHERE a.district_id = p.district_id \
                   AND a.person_id = p.id) \
                 OR EXISTS (SELECT 1 FROM relationships r JOIN accounts a \
                   ON a.district_id = r.district_id AND a.person_id = r.guardian_id \
                   WHERE r.district_id = p.district_id AND r.student_id = p.id \
                     AND r.active = $2 AND r.portal = $2)) \
             ORDER BY p.id",
        )
        .bind(district.0)
        .bind(true)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }
}

impl Tx {
    /// Forgets every snapshot of the district: the records they were made from are changing.
    pub async fn forget_snapshots(&mut self, district: DistrictId) -> Result<()> {
        sqlx::query("DELETE FROM student_snapshots WHERE district_id = $1")
            .bind(district.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
