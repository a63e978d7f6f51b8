//! Students' first-read snapshots (see `services::snapshots`): one row of bytes per student,
//! deleted by an import whose changes reach them, in its own transaction, and written only
//! while the district is still at the revision its records were read at.

use sqlx::Row;

use super::pooler::Db;
use super::records::Records;
use super::sql::built;
use super::{Backend, Result, Staged, Store, StoreError, Tx};
use crate::domain::DistrictId;

impl Records {
    /// The student's snapshot, if one is kept: on PostgreSQL's primary, read with the others
    /// asked for at the same moment (`gathered`).
    pub async fn snapshot_of(&self, district: DistrictId, student: i64) -> Result<Option<Vec<u8>>> {
        if let Some(gathered) = &self.gathered {
            return gathered.snapshot(district, student).await;
        }
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

/// The snapshots of `wanted` (district, student), one statement for all: each looked up by its
/// key, in a `LATERAL` subquery (see `sessions::gathered` for why).
pub(super) async fn read_gathered(
    pool: &Db,
    wanted: &[(DistrictId, i64)],
) -> Vec<Result<Option<Vec<u8>>>> {
    if wanted.is_empty() {
        return Vec::new();
    }
    match gathered(pool, wanted).await {
        Ok(found) => found,
        Err(err) => super::batch::failed_each(&err, wanted.len()),
    }
}

async fn gathered(pool: &Db, wanted: &[(DistrictId, i64)]) -> Result<Vec<Result<Option<Vec<u8>>>>> {
    let asked: Vec<(i64, i64)> = wanted.iter().map(|(d, s)| (d.0, *s)).collect();
    let asked = serde_json::to_string(&asked)
        .map_err(|e| StoreError::Corrupt(format!("snapshot reads: {e}")))?;
    let rows = sqlx::query(
        "SELECT asked.i, found.body \
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS asked (e, i) \
         CROSS JOIN LATERAL (SELECT body FROM student_snapshots \
           WHERE district_id = (asked.e ->> 0)::BIGINT AND person_id = (asked.e ->> 1)::BIGINT \
           LIMIT 1) found",
    )
    .bind(asked)
    .fetch_all(pool)
    .await?;
    let mut found: Vec<Result<Option<Vec<u8>>>> = wanted.iter().map(|_| Ok(None)).collect();
    for row in rows {
        let place: i64 = row.try_get("i")?;
        let slot = usize::try_from(place - 1)
            .ok()
            .and_then(|place| found.get_mut(place))
            .ok_or_else(|| StoreError::Corrupt(format!("a snapshot read for place {place}")))?;
        *slot = Ok(Some(row.try_get("body")?));
    }
    Ok(found)
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
        body: &[u8],
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
            .bind(body.to_vec())
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
    /// Forgets the snapshots of these students of the district: their records are changing.
    pub async fn forget_snapshots_of(
        &mut self,
        district: DistrictId,
        students: &[i64],
    ) -> Result<()> {
        if students.is_empty() {
            return Ok(());
        }
        let ids = match self.backend {
            Backend::Sqlite => "SELECT value FROM json_each($2)",
            Backend::Postgres => "SELECT value::BIGINT FROM json_array_elements_text($2::json)",
        };
        let ids_json = serde_json::to_string(students)
            .map_err(|e| StoreError::Corrupt(format!("student ids as JSON: {e}")))?;
        sqlx::query(built(format!(
            "DELETE FROM student_snapshots WHERE district_id = $1 AND person_id IN ({ids})"
        )))
        .bind(district.0)
        .bind(ids_json)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Forgets the snapshots of every student a row of this staged file names (one of scores,
    /// attendance or posted grades, whose rows name one student each).
    pub async fn forget_snapshots_named_in(
        &mut self,
        district: DistrictId,
        staged: Staged,
    ) -> Result<()> {
        let (stage, _, column) = naming(staged)?;
        sqlx::query(built(format!(
            "DELETE FROM student_snapshots WHERE district_id = $1 AND person_id IN \
               (SELECT p.id FROM {stage} s CROSS JOIN people p \
                  WHERE p.district_id = $1 AND p.sourced_id = s.{column})"
        )))
        .bind(district.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Before a staged file is merged: forgets the snapshots of the students its stored rows
    /// name where the file moves the row to another student (the row leaves the first one's
    /// records, and only the second is named in the file). `CROSS JOIN` keeps SQLite's
    /// planner walking the small stage and looking each row up, never scanning the table.
    pub async fn forget_snapshots_moved_by(
        &mut self,
        district: DistrictId,
        staged: Staged,
    ) -> Result<()> {
        let (stage, table, column) = naming(staged)?;
        sqlx::query(built(format!(
            "DELETE FROM student_snapshots WHERE district_id = $1 AND person_id IN \
               (SELECT r.person_id FROM {stage} s CROSS JOIN {table} r CROSS JOIN people p \
                  WHERE r.district_id = $1 AND r.sourced_id = s.sourced_id \
                    AND p.district_id = $1 AND p.sourced_id = s.{column} \
                    AND r.person_id <> p.id)"
        )))
        .bind(district.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Forgets every snapshot of the district: the records they were made from are changing.
    pub async fn forget_snapshots(&mut self, district: DistrictId) -> Result<()> {
        sqlx::query("DELETE FROM student_snapshots WHERE district_id = $1")
            .bind(district.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// A staged file whose rows name one student each: its stage, its table and the stage's
/// column naming the student.
fn naming(staged: Staged) -> Result<(&'static str, &'static str, &'static str)> {
    match staged {
        Staged::Results => Ok(("stage_results", "results", "student")),
        Staged::Attendance => Ok(("stage_attendance", "attendance", "person")),
        Staged::TermGrades => Ok(("stage_term_grades", "term_grades", "person")),
        other => Err(StoreError::Corrupt(format!(
            "{other:?} rows name no one student"
        ))),
    }
}
