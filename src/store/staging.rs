//! Staging for the large roster files (enrollments, line items, results, attendance): rows
//! go into a staging table as they are read, and are merged into the real table with a few
//! set-based statements. Neither the file nor the table's ids are ever held in memory, so a
//! district with millions of scores imports in bounded memory.
//!
//! On SQLite the staging tables are temporary, filled by multi-row statements inside the
//! import's transaction. On PostgreSQL they are filled by `COPY` from a connection of the
//! import's own (see `copy`). Either way the real tables are written only by the import's
//! transaction: a rejected import leaves nothing.

use sqlx::Row;

use super::sql::{BATCH_ROWS, built, real, values};
use super::{Backend, Result, Tx};
use crate::domain::DistrictId;

/// A value bound into a staging row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Option<String>),
    Int(i64),
    /// A number, staged as text (see [`real`]).
    Real(Option<f64>),
    Bool(bool),
}

/// One staged table: how its rows look, how their references resolve, and which columns the
/// merge compares and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Staged {
    Enrollments,
    LineItems,
    Results,
    Attendance,
    TermGrades,
    NoSchoolDays,
}

struct Spec {
    /// The real table.
    table: &'static str,
    /// The staging table.
    stage: &'static str,
    /// Staging columns after the common `line, sourced_id, deleted, modified_at`.
    columns: &'static str,
    /// The real table's own columns the merge writes (besides the common ones).
    fields: &'static [&'static str],
    /// `SELECT` of the staged rows with references turned into ids: yields `sourced_id`,
    /// every field, `active`, `modified_at` and `complete`. `$1` is the district. A row with an
    /// unknown required reference drops out of the joins; one with an unknown optional
    /// reference stays, with `complete` false.
    resolved: &'static str,
    /// The tables `resolved` looks references up in.
    refers_to: &'static [&'static str],
    /// Whether each row names the import run that last wrote it (`import_run_id`): the rows
    /// families are told about.
    run: bool,
}

impl Staged {
    pub const ALL: [Staged; 6] = [
        Staged::Enrollments,
        Staged::LineItems,
        Staged::Results,
        Staged::Attendance,
        Staged::TermGrades,
        Staged::NoSchoolDays,
    ];

    /// How many columns a staged row has, the common four included.
    pub fn width(self) -> usize {
        4 + self.spec().columns.split(',').count()
    }

    /// The staging table's name.
    pub(super) fn stage_name(self) -> &'static str {
        self.spec().stage
    }

    /// The staging table's columns, in order.
    pub(super) fn column_names(self) -> Vec<&'static str> {
        let own = self
            .spec()
            .columns
            .split(',')
            .map(|c| c.split_whitespace().next().unwrap_or_default());
        ["line", "sourced_id", "deleted", "modified_at"]
            .into_iter()
            .chain(own)
            .collect()
    }

    fn spec(self) -> &'static Spec {
        match self {
            Staged::Enrollments => &ENROLLMENTS,
            Staged::LineItems => &LINE_ITEMS,
            Staged::Results => &RESULTS,
            Staged::Attendance => &ATTENDANCE,
            Staged::TermGrades => &TERM_GRADES,
            Staged::NoSchoolDays => &NO_SCHOOL_DAYS,
        }
    }
}

const ENROLLMENTS: Spec = Spec {
    table: "enrollments",
    stage: "stage_enrollments",
    columns: "class TEXT NOT NULL, person TEXT NOT NULL, role TEXT NOT NULL, is_primary BOOLEAN NOT NULL, \
              begin_date TEXT, end_date TEXT",
    fields: &[
        "class_id",
        "person_id",
        "role",
        "is_primary",
        "begin_date",
        "end_date",
    ],
    resolved: "SELECT s.sourced_id, c.id AS class_id, p.id AS person_id, s.role, s.is_primary, \
                 s.begin_date, s.end_date, NOT s.deleted AS active, s.modified_at, TRUE AS complete \
               FROM stage_enrollments s \
               JOIN classes c ON c.district_id = $1 AND c.sourced_id = s.class \
               JOIN people p ON p.district_id = $1 AND p.sourced_id = s.person",
    refers_to: &["classes", "people"],
    run: false,
};

const LINE_ITEMS: Spec = Spec {
    table: "line_items",
    stage: "stage_line_items",
    columns: "class TEXT NOT NULL, category TEXT, grading_period TEXT, title TEXT NOT NULL, description TEXT, \
              assign_date TEXT, due_date TEXT, result_min TEXT, result_max TEXT",
    fields: &[
        "class_id",
        "category_id",
        "grading_period_id",
        "title",
        "description",
        "assign_date",
        "due_date",
        "result_min",
        "result_max",
    ],
    resolved: "SELECT s.sourced_id, c.id AS class_id, g.id AS category_id, a.id AS grading_period_id, \
                 s.title, s.description, s.assign_date, s.due_date, \
                 CAST(s.result_min AS DOUBLE PRECISION) AS result_min, \
                 CAST(s.result_max AS DOUBLE PRECISION) AS result_max, \
                 NOT s.deleted AS active, s.modified_at, \
                 (s.category IS NULL OR g.id IS NOT NULL) AND (s.grading_period IS NULL OR a.id IS NOT NULL) AS complete \
               FROM stage_line_items s \
               JOIN classes c ON c.district_id = $1 AND c.sourced_id = s.class \
               LEFT JOIN categories g ON g.district_id = $1 AND g.sourced_id = s.category \
               LEFT JOIN academic_sessions a ON a.district_id = $1 AND a.sourced_id = s.grading_period",
    refers_to: &["classes", "categories", "academic_sessions"],
    run: false,
};

const RESULTS: Spec = Spec {
    table: "results",
    stage: "stage_results",
    columns: "line_item TEXT NOT NULL, student TEXT NOT NULL, score TEXT, score_status TEXT NOT NULL, \
              comment TEXT, score_date TEXT, late BOOLEAN NOT NULL, missing BOOLEAN NOT NULL",
    fields: &[
        "line_item_id",
        "person_id",
        "score",
        "score_status",
        "comment",
        "score_date",
        "late",
        "missing",
    ],
    resolved: "SELECT s.sourced_id, l.id AS line_item_id, p.id AS person_id, \
                 CAST(s.score AS DOUBLE PRECISION) AS score, s.score_status, \
                 s.comment, s.score_date, s.late, s.missing, NOT s.deleted AS active, s.modified_at, TRUE AS complete \
               FROM stage_results s \
               JOIN line_items l ON l.district_id = $1 AND l.sourced_id = s.line_item \
               JOIN people p ON p.district_id = $1 AND p.sourced_id = s.student",
    refers_to: &["line_items", "people"],
    run: true,
};

const ATTENDANCE: Spec = Spec {
    table: "attendance",
    stage: "stage_attendance",
    columns: "person TEXT NOT NULL, class TEXT, date TEXT NOT NULL, status TEXT NOT NULL, excused BOOLEAN NOT NULL",
    fields: &["person_id", "class_id", "date", "status", "excused"],
    resolved: "SELECT s.sourced_id, p.id AS person_id, c.id AS class_id, s.date, s.status, s.excused, \
                 NOT s.deleted AS active, s.modified_at, (s.class IS NULL OR c.id IS NOT NULL) AS complete \
               FROM stage_attendance s \
               JOIN people p ON p.district_id = $1 AND p.sourced_id = s.person \
               LEFT JOIN classes c ON c.district_id = $1 AND c.sourced_id = s.class",
    refers_to: &["people", "classes"],
    run: true,
};

const TERM_GRADES: Spec = Spec {
    table: "term_grades",
    stage: "stage_term_grades",
    columns: "class TEXT NOT NULL, person TEXT NOT NULL, session TEXT NOT NULL, grade TEXT NOT NULL, \
              percent TEXT, comment TEXT",
    fields: &[
        "class_id",
        "person_id",
        "session_id",
        "grade",
        "percent",
        "comment",
    ],
    resolved: "SELECT s.sourced_id, c.id AS class_id, p.id AS person_id, a.id AS session_id, s.grade, \
                 CAST(s.percent AS DOUBLE PRECISION) AS percent, s.comment, \
                 NOT s.deleted AS active, s.modified_at, TRUE AS complete \
               FROM stage_term_grades s \
               JOIN classes c ON c.district_id = $1 AND c.sourced_id = s.class \
               JOIN people p ON p.district_id = $1 AND p.sourced_id = s.person \
               JOIN academic_sessions a ON a.district_id = $1 AND a.sourced_id = s.session",
    refers_to: &["classes", "people", "academic_sessions"],
    run: false,
};

const NO_SCHOOL_DAYS: Spec = Spec {
    table: "no_school_days",
    stage: "stage_no_school_days",
    columns: "school TEXT, date TEXT NOT NULL, description TEXT NOT NULL",
    fields: &["school_id", "date", "description"],
    resolved: "SELECT s.sourced_id, o.id AS school_id, s.date, s.description, \
                 NOT s.deleted AS active, s.modified_at, (s.school IS NULL OR o.id IS NOT NULL) AS complete \
               FROM stage_no_school_days s \
               LEFT JOIN schools o ON o.district_id = $1 AND o.sourced_id = s.school",
    refers_to: &["schools"],
    run: false,
};

/// What a merge did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    pub created: u64,
    pub updated: u64,
    pub deactivated: u64,
}

impl Tx {
    /// Creates an empty staging table: temporary (it lives and dies with this connection), or
    /// on PostgreSQL in the import's schema, for `COPY` (see `copy`).
    pub async fn create_stage(&mut self, staged: Staged) -> Result<()> {
        let spec = staged.spec();
        let columns = format!(
            "line BIGINT NOT NULL, sourced_id TEXT NOT NULL, deleted BOOLEAN NOT NULL, \
             modified_at TEXT, {}",
            spec.columns
        );
        if let Some(copy) = &mut self.copy {
            return copy.create(staged, &columns).await;
        }
        self.drop_stage(staged).await?;
        sqlx::query(built(format!(
            "CREATE TEMPORARY TABLE {} ({columns})",
            spec.stage
        )))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Appends rows, each [`Staged::width`] values in the staging table's column order.
    pub async fn stage(&mut self, staged: Staged, rows: Vec<Vec<Value>>) -> Result<()> {
        if let Some(copy) = &mut self.copy {
            return copy.send(staged, rows).await;
        }
        let width = staged.width();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Value>> = rows.by_ref().take(BATCH_ROWS).collect();
            let sql = insert_sql(staged, chunk.len(), self.backend);
            let mut query = sqlx::query::<sqlx::Any>(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                debug_assert_eq!(row.len(), width);
                for value in row {
                    query = match value {
                        Value::Text(v) => query.bind(v),
                        Value::Int(v) => query.bind(v),
                        Value::Real(v) => query.bind(v.map(real)),
                        Value::Bool(v) => query.bind(v),
                    };
                }
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Starts indexing the fully staged tables for the checks and the merge, in the order
    /// given: on PostgreSQL on the import's own connection, beside this transaction; on SQLite
    /// each when [`Tx::sealed`] asks for it.
    pub async fn seal_stages(&mut self, tables: &[Staged]) -> Result<()> {
        if let Some(copy) = &mut self.copy {
            copy.seal_in_background(tables).await?;
        }
        Ok(())
    }

    /// Waits until a staged table is indexed; answers whether every sourcedId is staged once.
    /// The index is unique when it can be, which proves that in the same pass that builds it;
    /// only a file with repeats needs [`Tx::stage_duplicates`].
    pub async fn sealed(&mut self, staged: Staged) -> Result<bool> {
        if let Some(copy) = &mut self.copy {
            return copy.sealed(staged).await;
        }
        let stage = staged.spec().stage;
        // A failed statement spoils a PostgreSQL transaction; the savepoint takes it back.
        sqlx::query("SAVEPOINT seal").execute(self.conn()).await?;
        let unique = match sqlx::query(stage_index(staged, stage, true))
            .execute(self.conn())
            .await
        {
            Ok(_) => true,
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                sqlx::query("ROLLBACK TO SAVEPOINT seal")
                    .execute(self.conn())
                    .await?;
                sqlx::query(stage_index(staged, stage, false))
                    .execute(self.conn())
                    .await?;
                false
            }
            Err(err) => return Err(err.into()),
        };
        sqlx::query("RELEASE SAVEPOINT seal")
            .execute(self.conn())
            .await?;
        // PostgreSQL never gathers statistics on temporary tables by itself; without them it
        // plans the merge's joins badly. SQLite plans well enough with the index alone.
        if self.backend == Backend::Postgres {
            sqlx::query(built(format!("ANALYZE {stage}")))
                .execute(self.conn())
                .await?;
        }
        Ok(unique)
    }

    /// Staged sourcedIds that occur more than once: (line of a repeat, sourcedId), at most
    /// `limit`, and how many there are.
    pub async fn stage_duplicates(
        &mut self,
        staged: Staged,
        limit: i64,
    ) -> Result<(Vec<(u64, String)>, u64)> {
        let from = format!(
            "FROM (SELECT sourced_id, MAX(line) AS line FROM {} GROUP BY sourced_id \
               HAVING COUNT(*) > 1) d",
            staged.spec().stage
        );
        let rows = sqlx::query(built(format!(
            "SELECT d.line, d.sourced_id {from} ORDER BY d.line LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        let listed = rows
            .iter()
            .map(|r| Ok((line(r)?, r.try_get("sourced_id")?)))
            .collect::<Result<Vec<_>>>()?;
        let total = if listed.is_empty() {
            0
        } else {
            self.count(format!("SELECT COUNT(*) AS n {from}"), None)
                .await?
        };
        Ok((listed, total))
    }

    /// A `SELECT COUNT(*) AS n`, with the district as `$1` when given.
    async fn count(&mut self, sql: String, district: Option<DistrictId>) -> Result<u64> {
        let mut query = sqlx::query(built(sql));
        if let Some(district) = district {
            query = query.bind(district.0);
        }
        let n: i64 = query.fetch_one(self.conn()).await?.try_get("n")?;
        Ok(n.try_into().unwrap_or(0))
    }

    /// Writes the staged rows into the real table: new rows are created, rows that differ are
    /// updated (in a delta, with `honour_dates`, only when not older than what is stored),
    /// and in a bulk (`deactivate_missing`) what the stage lacks becomes inactive.
    ///
    /// `None` when some staged rows refer to records that do not exist (the import's check
    /// stage finds every one first; this is the database's own word); part may have been
    /// written then, and the caller must roll back.
    pub async fn merge_stage(
        &mut self,
        staged: Staged,
        district: DistrictId,
        now: i64,
        honour_dates: bool,
        deactivate_missing: bool,
    ) -> Result<Option<Merged>> {
        let spec = staged.spec();
        let t = spec.table;
        if self.backend == Backend::Postgres {
            // This import may have just written most of these tables; the planner has to know.
            for table in spec.refers_to.iter().chain([&t]) {
                sqlx::query(built(format!("ANALYZE {table}")))
                    .execute(self.conn())
                    .await?;
            }
        }
        let changed = change_condition(spec);
        let run = if spec.run {
            Some(self.import_run(district, now).await?)
        } else {
            None
        };
        let holds_any = sqlx::query(built(format!(
            "SELECT 1 AS one FROM {t} WHERE district_id = $1 LIMIT 1"
        )))
        .bind(district.0)
        .fetch_optional(self.conn())
        .await?
        .is_some();
        // A row whose references are unknown is neither written nor counted as complete, so a
        // shortfall against this count tells of it without a pass of its own.
        let staged_rows = self
            .count(format!("SELECT COUNT(*) AS n FROM {}", spec.stage), None)
            .await?;
        if !holds_any {
            // The district's first: every staged row is new, and nothing can be missing.
            let created = self
                .merge_rows(spec, district, now, run, honour_dates, None)
                .await?;
            return Ok((created == staged_rows).then_some(Merged {
                created,
                ..Merged::default()
            }));
        }
        // One pass tells what the merge will do: how many rows are complete, new, changed, and
        // switched off.
        let row = sqlx::query(built(format!(
            "SELECT COALESCE(SUM(CASE WHEN excluded.complete THEN 1 ELSE 0 END), 0) AS resolved, \
               COALESCE(SUM(CASE WHEN {t}.sourced_id IS NULL THEN 1 ELSE 0 END), 0) AS created, \
               COALESCE(SUM(CASE WHEN {t}.sourced_id IS NOT NULL AND {changed} THEN 1 ELSE 0 END), 0) AS n, \
               COALESCE(SUM(CASE WHEN {t}.sourced_id IS NOT NULL AND {changed} AND {t}.active AND NOT excluded.active \
                 THEN 1 ELSE 0 END), 0) AS off \
             FROM ({}) excluded LEFT JOIN {t} ON {t}.district_id = $1 AND {t}.sourced_id = excluded.sourced_id",
            spec.resolved
        )))
        .bind(district.0)
        .bind(honour_dates)
        .fetch_one(self.conn())
        .await?;
        let resolved: i64 = row.try_get("resolved")?;
        if u64::try_from(resolved).unwrap_or(0) != staged_rows {
            return Ok(None);
        }
        let created: i64 = row.try_get("created")?;
        let created = u64::try_from(created).unwrap_or(0);
        let (written, switched_off): (i64, i64) = (row.try_get("n")?, row.try_get("off")?);
        self.merge_rows(spec, district, now, run, honour_dates, Some(&changed))
            .await?;

        let mut deactivated = switched_off;
        if deactivate_missing {
            let by_run = if run.is_some() {
                ", import_run_id = $5"
            } else {
                ""
            };
            let query = sqlx::query(built(format!(
                "UPDATE {t} SET active = $2, updated_at = $3{by_run} WHERE district_id = $1 \
                 AND active = $4 \
                 AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE s.sourced_id = {t}.sourced_id)",
                stage = spec.stage
            )))
            .bind(district.0)
            .bind(false)
            .bind(now)
            .bind(true);
            let query = match run {
                Some(run) => query.bind(run),
                None => query,
            };
            let done = query.execute(self.conn()).await?;
            deactivated += i64::try_from(done.rows_affected()).unwrap_or(i64::MAX);
        }
        Ok(Some(Merged {
            created,
            updated: (written - switched_off).try_into().unwrap_or(0),
            deactivated: deactivated.try_into().unwrap_or(0),
        }))
    }

    /// The merge itself: insert what is new, update what `changed` says differs (answers how
    /// many rows it wrote); with no
    /// `changed`, the table holds nothing of the district and a plain insert does (PostgreSQL's
    /// `ON CONFLICT` checks each row first, which costs dearly over millions). Each row written
    /// takes the time `now` and, where the table keeps it, the import `run`.
    async fn merge_rows(
        &mut self,
        spec: &Spec,
        district: DistrictId,
        now: i64,
        run: Option<i64>,
        honour_dates: bool,
        changed: Option<&str>,
    ) -> Result<u64> {
        let t = spec.table;
        let (run_column, run_value, run_set) = match run {
            Some(_) => (
                ", import_run_id",
                ", $4",
                ", import_run_id = excluded.import_run_id",
            ),
            None => ("", "", ""),
        };
        let fields = spec.fields.join(", ");
        let n_fields = spec
            .fields
            .iter()
            .map(|f| format!("n.{f}"))
            .collect::<Vec<_>>()
            .join(", ");
        // In sourcedId order, so that the table's (district, sourcedId) index is filled page
        // after page instead of all over (a third faster for 10 million scores on SQLite).
        let insert = format!(
            "INSERT INTO {t} (district_id, sourced_id, {fields}, active, modified_at, updated_at{run_column}) \
             SELECT $1, n.sourced_id, {n_fields}, n.active, n.modified_at, $3{run_value} FROM ({resolved}) n WHERE n.complete ORDER BY n.sourced_id",
            resolved = spec.resolved,
        );
        let sql = match changed {
            None => insert,
            Some(changed) => {
                let set: String = spec
                    .fields
                    .iter()
                    .map(|f| format!("{f} = excluded.{f}, "))
                    .collect();
                format!(
                    "{insert} ON CONFLICT (district_id, sourced_id) DO UPDATE SET {set}active = excluded.active, \
                       modified_at = excluded.modified_at, updated_at = excluded.updated_at{run_set} \
                     WHERE {changed}"
                )
            }
        };
        let query = sqlx::query(built(sql))
            .bind(district.0)
            .bind(honour_dates)
            .bind(now);
        let query = match run {
            Some(run) => query.bind(run),
            None => query,
        };
        let done = query.execute(self.conn()).await?;
        Ok(done.rows_affected())
    }

    /// Stops staging for an import that was refused while rows were still on their way (on
    /// PostgreSQL, a `COPY` left open would be dropped mid-stream).
    pub async fn abandon_staging(&mut self) {
        if let Some(copy) = &mut self.copy {
            copy.abort().await;
        }
    }

    pub async fn drop_stage(&mut self, staged: Staged) -> Result<()> {
        if let Some(copy) = &mut self.copy {
            copy.settle(staged).await;
        }
        // Named in its schema, so that it can never drop a table of the same name.
        let schema = match (&self.copy, self.backend) {
            (Some(copy), _) => copy.schema(),
            (None, Backend::Sqlite) => "temp",
            (None, Backend::Postgres) => "pg_temp",
        };
        sqlx::query(built(format!(
            "DROP TABLE IF EXISTS {schema}.{}",
            staged.spec().stage
        )))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

/// The index of a staging table (named `table`, in its schema where need be) by sourcedId:
/// unique when the file holds no repeats, which the index proves by being built.
pub(super) fn stage_index(
    staged: Staged,
    table: &str,
    unique: bool,
) -> sqlx::AssertSqlSafe<String> {
    let unique = if unique { "UNIQUE " } else { "" };
    built(format!(
        "CREATE {unique}INDEX {}_sourced_id ON {table} (sourced_id)",
        staged.spec().stage
    ))
}

/// When an incoming row (`excluded`) is written over a stored one: it is not older (in a
/// delta that honours dates, `$2`) and it differs in something. Shared by the merge and by
/// the count before it, so that the two agree.
fn change_condition(spec: &Spec) -> String {
    let t = spec.table;
    let differs: Vec<String> = spec
        .fields
        .iter()
        .chain(&["active", "modified_at"])
        .map(|f| format!("{t}.{f} IS DISTINCT FROM excluded.{f}"))
        .collect();
    format!(
        "($2 = FALSE OR excluded.modified_at IS NULL OR {t}.modified_at IS NULL \
           OR excluded.modified_at >= {t}.modified_at) AND ({})",
        differs.join(" OR ")
    )
}

/// The multi-row `INSERT` for `rows` staged rows; the full-batch statement is built once.
/// SQLite gets plain `?` placeholders: it looks a numbered one up by a linear search, which
/// makes a statement with thousands of them quadratic.
fn insert_sql(staged: Staged, rows: usize, backend: Backend) -> std::borrow::Cow<'static, str> {
    use std::sync::OnceLock;
    const KINDS: usize = Staged::ALL.len();
    static FULL: [[OnceLock<&'static str>; 2]; KINDS] =
        [const { [const { OnceLock::new() }; 2] }; KINDS];
    let build = || -> String {
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            staged.stage_name(),
            staged.column_names().join(", "),
            values(backend, rows, staged.width())
        )
    };
    if rows == BATCH_ROWS {
        let slot = &FULL[Staged::ALL.iter().position(|s| *s == staged).unwrap_or(0)]
            [usize::from(backend == Backend::Postgres)];
        std::borrow::Cow::Borrowed(slot.get_or_init(|| Box::leak(build().into_boxed_str())))
    } else {
        // A file's last, partial batch.
        std::borrow::Cow::Owned(build())
    }
}

fn line(row: &sqlx::any::AnyRow) -> Result<u64> {
    let line: i64 = row.try_get("line")?;
    Ok(line.try_into().unwrap_or(0))
}
