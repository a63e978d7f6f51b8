//! `homeroom import oneroster`: a district's OneRoster CSV set (1.1 or 1.2, bulk or delta).
//!
//! All or nothing: every file is read and checked first, and only a set without a single bad
//! row is written, in one transaction. Importing the same files twice changes nothing: a row
//! is written only when it differs from what is stored.
//!
//! It imports schools (`orgs.csv`), people (`users.csv`, with `roles.csv` for 1.2), the
//! guardian–student relationships from `agentSourcedIds`, the school calendar
//! (`academicSessions.csv`), `courses.csv`, `classes.csv`, `enrollments.csv`, `categories.csv`,
//! `lineItems.csv`, `results.csv` and Homeroom's own `attendance.csv`, `termGrades.csv` (grades
//! posted for a term or grading period) and `calendar.csv` (days without school). Every file
//! is read as a
//! stream. The small ones (schools, people, the calendar, courses, classes, categories) are held
//! in memory once checked; the large ones (enrollments, line items, results, attendance) go
//! row by row into staging tables (see `store::staging`) while they are read, and
//! are merged only once every file has been read without a problem. Reading and staging run at
//! once, on two threads.

mod source;
mod table;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::app::App;
use crate::domain::{District, PersonRole, Relation, SourcedId};
use crate::store::{AuditEntry, PersonFields, RelationshipFields, SchoolFields, Staged, Tx, Value};

use super::Error;
use super::admin::Actor;
use source::Source;
use table::{Row, Table};

/// A bad row or file, reported as `file:line: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: Option<&'static str>,
    pub line: u64,
    pub reason: String,
}

impl Problem {
    fn general(reason: impl Into<String>) -> Self {
        Self {
            file: None,
            line: 0,
            reason: reason.into(),
        }
    }

    fn file(file: &'static str, reason: impl Into<String>) -> Self {
        Self {
            file: Some(file),
            line: 0,
            reason: reason.into(),
        }
    }

    fn at(file: &'static str, line: u64, reason: impl Into<String>) -> Self {
        Self {
            file: Some(file),
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file, self.line) {
            (Some(file), 0) => write!(f, "{file}: {}", self.reason),
            (Some(file), line) => write!(f, "{file}:{line}: {}", self.reason),
            (None, _) => f.write_str(&self.reason),
        }
    }
}

/// Why nothing was imported.
#[derive(Debug)]
pub enum ImportError {
    /// The files hold problems: the first ones (at most [`LISTED`]) and how many in all.
    Rejected {
        problems: Vec<Problem>,
        total: usize,
    },
    Service(Error),
}

impl From<Error> for ImportError {
    fn from(err: Error) -> Self {
        Self::Service(err)
    }
}

impl From<crate::store::StoreError> for ImportError {
    fn from(err: crate::store::StoreError) -> Self {
        Self::Service(err.into())
    }
}

/// How many problems are listed; the rest are counted.
pub const LISTED: usize = 50;

/// What an import changed, per kind of record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub kinds: BTreeMap<&'static str, Counts>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: u32,
    pub updated: u32,
    pub deactivated: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bulk,
    Delta,
}

/// Imports a OneRoster folder or .zip into a district, on behalf of `actor` (the audit log
/// names who imported).
pub async fn oneroster(
    app: &App,
    district: &District,
    path: &Path,
    progress: Option<Progress>,
    actor: Actor<'_>,
) -> Result<Report, ImportError> {
    let tx = app.store.begin_import().await?;
    let cleanup = tx.staging_cleanup();
    let imported = stage_and_apply(app, district, path, progress, actor, tx).await;
    // The transaction has ended, committed or rolled back: what it staged can go.
    if let Some(cleanup) = cleanup {
        cleanup.run().await;
    }
    let report = imported?;
    // A large import leaves SQLite's write-ahead log as large as itself; folding it into the
    // database now keeps that cost here rather than on the next writer.
    if let Err(err) = app.store.checkpoint().await {
        tracing::warn!(%err, "the write-ahead log could not be checkpointed after the import");
    }
    Ok(report)
}

/// Reads and stages the set in `tx`, then checks and writes it.
async fn stage_and_apply(
    app: &App,
    district: &District,
    path: &Path,
    progress: Option<Progress>,
    actor: Actor<'_>,
    mut tx: Tx,
) -> Result<Report, ImportError> {
    let path: PathBuf = path.to_owned();
    let reading = progress.clone();
    let started = std::time::Instant::now();
    for staged in Staged::ALL {
        tx.create_stage(staged).await?;
    }
    // Reading and checking is blocking work: it stays off the async threads, and hands the
    // rows of the large files over to be staged while it goes on.
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Batch>(4);
    let reader = tokio::task::spawn_blocking(move || read_set(&path, reading, &sender));
    while let Some((staged, rows)) = batches.recv().await {
        if let Err(err) = tx.stage(staged, rows).await {
            // The reader stops at its next batch, when it finds nobody listening.
            drop(batches);
            let _ = reader.await;
            return Err(err.into());
        }
    }
    let set = reader
        .await
        .map_err(|e| Error::internal(format!("reading the import failed: {e}")))??;
    tracing::debug!(elapsed = ?started.elapsed(), "import read and staged");
    if let Some(progress) = &progress {
        progress(Stage::Writing);
    }
    apply(app, district, set, tx, actor).await
}

/// One import at a time in this process: two at once would only wait on each other's writes.
static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The right to import now, held until dropped; `None` while another import runs.
pub fn one_at_a_time() -> Option<tokio::sync::MutexGuard<'static, ()>> {
    RUNNING.try_lock().ok()
}

/// Rows of one large file on their way to its staging table.
type Batch = (Staged, Vec<Vec<Value>>);

/// Rows handed over at a time.
const BATCH: usize = 2_000;

/// Where an import is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and checking a file: rows so far.
    Reading { file: &'static str, rows: u64 },
    /// Every file was good; the database is being written.
    Writing,
}

/// Told of the import's progress now and then (every 10,000 rows and at each file's end).
pub type Progress = std::sync::Arc<dyn Fn(Stage) + Send + Sync>;

/// Everything read from the files, checked.
struct Set {
    orgs: Option<(Mode, Vec<Org>)>,
    users: Option<(Mode, Vec<User>)>,
    sessions: Option<(Mode, Vec<Session>)>,
    courses: Option<(Mode, Vec<Course>)>,
    classes: Option<(Mode, Vec<Class>)>,
    categories: Option<(Mode, Vec<Category>)>,
    /// The large files that were staged, and how.
    staged: Vec<(Staged, Mode)>,
}

/// Fields every record has.
struct Common {
    sourced_id: String,
    deleted: bool,
    modified_at: Option<String>,
    line: u64,
}

struct Session {
    common: Common,
    title: String,
    kind: &'static str,
    start_date: String,
    end_date: String,
    parent: Option<String>,
    school_year: Option<String>,
}

struct Course {
    common: Common,
    title: String,
    code: Option<String>,
}

struct Class {
    common: Common,
    title: String,
    code: Option<String>,
    course: String,
    school: String,
    terms: Vec<String>,
    periods: Option<String>,
    location: Option<String>,
}

struct Category {
    common: Common,
    title: String,
    weight: Option<f64>,
}

struct LineItem {
    common: Common,
    title: String,
    description: Option<String>,
    class: String,
    category: Option<String>,
    grading_period: Option<String>,
    assign_date: Option<String>,
    due_date: Option<String>,
    result_min: Option<f64>,
    result_max: Option<f64>,
}

struct Score {
    common: Common,
    line_item: String,
    student: String,
    score: Option<f64>,
    score_status: &'static str,
    comment: Option<String>,
    score_date: Option<String>,
    late: bool,
    missing: bool,
}

struct TermGrade {
    common: Common,
    class: String,
    user: String,
    session: String,
    grade: String,
    percent: Option<f64>,
    comment: Option<String>,
}

struct DayOff {
    common: Common,
    school: Option<String>,
    date: String,
    description: String,
}

struct Mark {
    common: Common,
    user: String,
    class: Option<String>,
    date: String,
    status: &'static str,
    excused: bool,
}

struct Enrollment {
    common: Common,
    class: String,
    user: String,
    role: &'static str,
    is_primary: bool,
    begin_date: Option<String>,
    end_date: Option<String>,
}

struct Org {
    sourced_id: String,
    name: String,
    is_school: bool,
    deleted: bool,
    modified_at: Option<String>,
}

struct User {
    sourced_id: String,
    role: PersonRole,
    relation: Option<Relation>,
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    orgs: Vec<String>,
    agents: Vec<String>,
    grade: Option<String>,
    deleted: bool,
    modified_at: Option<String>,
}

/// Collects problems, keeping the first [`LISTED`].
#[derive(Default)]
struct Problems {
    listed: Vec<Problem>,
    total: usize,
    /// Where reading progress is told, if anywhere.
    progress: Option<Progress>,
}

impl Problems {
    fn tell(&self, stage: Stage) {
        if let Some(progress) = &self.progress {
            progress(stage);
        }
    }

    fn add(&mut self, problem: Problem) {
        self.total += 1;
        if self.listed.len() < LISTED {
            self.listed.push(problem);
        }
    }

    /// Adds problems found in the database: the first few, and how many in all.
    fn add_counted(&mut self, listed: impl IntoIterator<Item = Problem>, total: u64) {
        let mut added = 0;
        for problem in listed {
            self.add(problem);
            added += 1;
        }
        self.total += usize::try_from(total).unwrap_or(usize::MAX) - added.min(total as usize);
    }

    fn rejected(self) -> ImportError {
        ImportError::Rejected {
            problems: self.listed,
            total: self.total,
        }
    }
}

fn read_set(
    path: &Path,
    progress: Option<Progress>,
    sender: &tokio::sync::mpsc::Sender<Batch>,
) -> Result<Set, ImportError> {
    let reject = |p: Problem| ImportError::Rejected {
        problems: vec![p],
        total: 1,
    };
    let mut source = Source::open(path).map_err(reject)?;
    let mut problems = Problems {
        progress,
        ..Problems::default()
    };
    let modes = read_manifest(&mut source, &mut problems)?;
    let mode = |file: &str| modes.get(file).copied().unwrap_or(Some(Mode::Bulk));

    let orgs = read_file(
        &mut source,
        &mut problems,
        mode("orgs"),
        "orgs.csv",
        &["sourcedId", "name", "type"],
        org_row,
    )?;
    let roles = read_file(
        &mut source,
        &mut problems,
        mode("roles"),
        "roles.csv",
        &["sourcedId", "userSourcedId", "roleType", "role"],
        role_row,
    )?
    .map(|(_, rows)| primary_roles(rows));
    let users = read_file(
        &mut source,
        &mut problems,
        mode("users"),
        "users.csv",
        &["sourcedId", "givenName", "familyName"],
        |row, common, problems| user_row(row, common, problems, roles.as_ref()),
    )?;
    if let (Some(roles), Some((_, users))) = (&roles, &users) {
        let known: HashSet<&str> = users.iter().map(|u| u.sourced_id.as_str()).collect();
        for (user, (_, line)) in roles {
            if !known.contains(user.as_str()) {
                problems.add(Problem::at(
                    "roles.csv",
                    *line,
                    format!("userSourcedId {user:?} is not in users.csv"),
                ));
            }
        }
    }
    let sessions = read_file(
        &mut source,
        &mut problems,
        mode("academicSessions"),
        "academicSessions.csv",
        &["sourcedId", "title", "type", "startDate", "endDate"],
        session_row,
    )?;
    let courses = read_file(
        &mut source,
        &mut problems,
        mode("courses"),
        "courses.csv",
        &["sourcedId", "title", "orgSourcedId"],
        course_row,
    )?;
    let classes = read_file(
        &mut source,
        &mut problems,
        mode("classes"),
        "classes.csv",
        &[
            "sourcedId",
            "title",
            "courseSourcedId",
            "schoolSourcedId",
            "termSourcedIds",
        ],
        class_row,
    )?;
    let mut staged = Vec::new();
    let mut stager = Stager {
        sender,
        staged: &mut staged,
    };
    stager.file(
        &mut source,
        &mut problems,
        mode("enrollments"),
        Staged::Enrollments,
        &["sourcedId", "classSourcedId", "userSourcedId", "role"],
        enrollment_row,
    )?;
    let categories = read_file(
        &mut source,
        &mut problems,
        mode("categories"),
        "categories.csv",
        &["sourcedId", "title"],
        category_row,
    )?;
    stager.file(
        &mut source,
        &mut problems,
        mode("lineItems"),
        Staged::LineItems,
        &["sourcedId", "title", "classSourcedId"],
        line_item_row,
    )?;
    stager.file(
        &mut source,
        &mut problems,
        mode("results"),
        Staged::Results,
        &[
            "sourcedId",
            "lineItemSourcedId",
            "studentSourcedId",
            "scoreStatus",
        ],
        score_row,
    )?;
    stager.file(
        &mut source,
        &mut problems,
        mode("attendance"),
        Staged::Attendance,
        &["sourcedId", "userSourcedId", "date", "attendanceStatus"],
        mark_row,
    )?;
    stager.file(
        &mut source,
        &mut problems,
        mode("termGrades"),
        Staged::TermGrades,
        &[
            "sourcedId",
            "classSourcedId",
            "userSourcedId",
            "termSourcedId",
            "grade",
        ],
        term_grade_row,
    )?;
    stager.file(
        &mut source,
        &mut problems,
        mode("calendar"),
        Staged::NoSchoolDays,
        &["sourcedId", "date", "description"],
        day_off_row,
    )?;
    if problems.total > 0 {
        return Err(ImportError::Rejected {
            problems: problems.listed,
            total: problems.total,
        });
    }
    Ok(Set {
        orgs,
        users,
        sessions,
        courses,
        classes,
        categories,
        staged,
    })
}

/// Reads one file whose rows `parse` turns into records (or `None` after reporting why).
fn read_file<T>(
    source: &mut Source,
    problems: &mut Problems,
    mode: Option<Mode>,
    file: &'static str,
    required: &[&str],
    mut parse: impl FnMut(&Row<'_>, Common, &mut Problems) -> Option<T>,
) -> Result<Option<(Mode, Vec<T>)>, ImportError> {
    let Some(mode) = mode else { return Ok(None) };
    let Some(input) = source.open_file(file).map_err(single)? else {
        return Ok(None);
    };
    let mut table = match Table::open(file, input, required) {
        Ok(table) => table,
        Err(problem) => {
            problems.add(problem);
            return Ok(None);
        }
    };
    let mut seen = HashSet::new();
    let mut records = Vec::new();
    each_record(
        &mut table,
        problems,
        Some(&mut seen),
        &mut parse,
        |record, _| {
            records.push(record);
            Ok(())
        },
    )?;
    Ok(Some((mode, records)))
}

/// Reads a table's records, telling the progress now and then, and hands each good one to
/// `keep` with the problems so far. With `seen`, repeated sourcedIds are problems here;
/// without, they are found later (in the staging table).
fn each_record<T>(
    table: &mut Table<'_>,
    problems: &mut Problems,
    mut seen: Option<&mut HashSet<String>>,
    parse: &mut impl FnMut(&Row<'_>, Common, &mut Problems) -> Option<T>,
    mut keep: impl FnMut(T, &Problems) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let file = table.file;
    let mut rows = 0u64;
    while let Some(row) = table.next_row() {
        rows += 1;
        if rows.is_multiple_of(10_000) {
            problems.tell(Stage::Reading { file, rows });
        }
        let row = match row {
            Ok(row) => row,
            Err(problem) => {
                problems.add(problem);
                continue;
            }
        };
        let Some((sourced_id, deleted, modified_at)) =
            common(file, &row, seen.as_deref_mut(), problems)
        else {
            continue;
        };
        let common = Common {
            sourced_id,
            deleted,
            modified_at,
            line: row.line,
        };
        if let Some(record) = parse(&row, common, problems) {
            keep(record, problems)?;
        }
    }
    problems.tell(Stage::Reading { file, rows });
    Ok(())
}

/// Sends the rows of the large files to their staging tables, in batches.
struct Stager<'a> {
    sender: &'a tokio::sync::mpsc::Sender<Batch>,
    staged: &'a mut Vec<(Staged, Mode)>,
}

impl Stager<'_> {
    /// Reads one large file; its rows are staged as long as the import has no problem (after
    /// the first problem there is nothing to write, only more problems to find).
    fn file<T: Into<Vec<Value>>>(
        &mut self,
        source: &mut Source,
        problems: &mut Problems,
        mode: Option<Mode>,
        staged: Staged,
        required: &[&str],
        mut parse: impl FnMut(&Row<'_>, Common, &mut Problems) -> Option<T>,
    ) -> Result<(), ImportError> {
        let file = staged_file(staged);
        let Some(mode) = mode else { return Ok(()) };
        let Some(input) = source.open_file(file).map_err(single)? else {
            return Ok(());
        };
        let mut table = match Table::open(file, input, required) {
            Ok(table) => table,
            Err(problem) => {
                problems.add(problem);
                return Ok(());
            }
        };
        self.staged.push((staged, mode));
        let mut batch = Vec::with_capacity(BATCH);
        each_record(
            &mut table,
            problems,
            None,
            &mut parse,
            |record, problems| {
                if problems.total == 0 {
                    batch.push(record.into());
                    if batch.len() == BATCH {
                        self.send(staged, std::mem::take(&mut batch))?;
                    }
                }
                Ok(())
            },
        )?;
        if problems.total == 0 && !batch.is_empty() {
            self.send(staged, batch)?;
        }
        Ok(())
    }

    fn send(&self, staged: Staged, rows: Vec<Vec<Value>>) -> Result<(), ImportError> {
        self.sender
            .blocking_send((staged, rows))
            .map_err(|_| Error::internal("the import's writer stopped").into())
    }
}

/// The file a staging table is filled from.
fn staged_file(staged: Staged) -> &'static str {
    match staged {
        Staged::Enrollments => "enrollments.csv",
        Staged::LineItems => "lineItems.csv",
        Staged::Results => "results.csv",
        Staged::Attendance => "attendance.csv",
        Staged::TermGrades => "termGrades.csv",
        Staged::NoSchoolDays => "calendar.csv",
    }
}

/// The problem for a staged row whose references are unknown.
fn unknown_reason(staged: Staged, refs: &[String; 3]) -> String {
    let [a, b, c] = refs;
    match staged {
        Staged::Enrollments => format!("unknown class {a:?} or user {b:?}"),
        Staged::LineItems => {
            format!("unknown class {a:?}, category {b:?} or grading period {c:?}")
        }
        Staged::Results => format!("unknown line item {a:?} or student {b:?}"),
        Staged::Attendance => format!("unknown user {a:?} or class {b:?}"),
        Staged::TermGrades => format!("unknown class {a:?}, user {b:?} or term {c:?}"),
        Staged::NoSchoolDays => format!("unknown school {a:?}"),
    }
}

/// The columns every staged row starts with.
fn staged_common(common: Common) -> Vec<Value> {
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
fn required<'r>(
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
fn date(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<String>> {
    match row.get(column) {
        None => Some(None),
        Some(text) => match text.parse::<jiff::civil::Date>() {
            Ok(d) => Some(Some(d.to_string())),
            Err(_) => {
                problems.add(Problem::at(
                    file,
                    row.line,
                    format!("{column} {text:?} is not a date (YYYY-MM-DD)"),
                ));
                None
            }
        },
    }
}

fn session_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Session> {
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
                format!("unknown session type {:?}", other.unwrap_or("")),
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

fn course_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Course> {
    let title = required("courses.csv", row, "title", problems)?.to_owned();
    Some(Course {
        common,
        title,
        code: row.get("courseCode").map(str::to_owned),
    })
}

fn class_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Class> {
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

fn enrollment_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Enrollment> {
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
                format!("unknown enrollment role {:?}", other.unwrap_or("")),
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

fn org_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Org> {
    const FILE: &str = "orgs.csv";
    let is_school = match row.get("type").unwrap_or("") {
        "school" => true,
        "district" | "department" | "local" | "state" | "national" => false,
        other => {
            problems.add(Problem::at(
                FILE,
                row.line,
                format!("unknown org type {other:?}"),
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
struct RoleRow {
    user: String,
    role: String,
    primary: bool,
    line: u64,
}

fn role_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<RoleRow> {
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
                    "roleType is primary or secondary, not {:?}",
                    other.unwrap_or("")
                ),
            ));
            return None;
        }
    };
    Some(RoleRow {
        user,
        role,
        primary,
        line: common.line,
    })
}

/// Each user's role: the primary one, else the first secondary one.
fn primary_roles(rows: Vec<RoleRow>) -> RolesByUser {
    let mut roles = RolesByUser::new();
    for r in rows {
        if r.primary {
            roles.insert(r.user, (r.role, r.line));
        } else {
            roles.entry(r.user).or_insert((r.role, r.line));
        }
    }
    roles
}

/// A user of 1.1 (a `role` column) or 1.2 (roles from `roles.csv`).
fn user_row(
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
            format!("unknown role {role_text:?}"),
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

fn number(
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
                    format!("{column} {text:?} is not a number"),
                ));
                None
            }
        },
    }
}

/// A date, or a date and time, as the source gave it in a normal form.
fn when(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<String>> {
    match row.get(column) {
        None => Some(None),
        Some(text) => {
            if let Ok(d) = text.parse::<jiff::civil::Date>() {
                return Some(Some(d.to_string()));
            }
            match parse_timestamp(text) {
                Some(ts) => Some(Some(ts)),
                None => {
                    problems.add(Problem::at(
                        file,
                        row.line,
                        format!("{column} {text:?} is not a date"),
                    ));
                    None
                }
            }
        }
    }
}

fn category_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Category> {
    let title = required("categories.csv", row, "title", problems)?.to_owned();
    let weight = number("categories.csv", row, "weight", problems)?;
    Some(Category {
        common,
        title,
        weight,
    })
}

fn line_item_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<LineItem> {
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

fn score_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Score> {
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
                format!("unknown scoreStatus {:?}", other.unwrap_or("")),
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

fn mark_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<Mark> {
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
                    "attendanceStatus is present, absent or tardy, not {:?}",
                    other.unwrap_or("")
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
fn boolean(
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
                format!("{column} is true or false, not {other:?}"),
            ));
            None
        }
    }
}

fn term_grade_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<TermGrade> {
    const FILE: &str = "termGrades.csv";
    let class = required(FILE, row, "classSourcedId", problems)?.to_owned();
    let user = required(FILE, row, "userSourcedId", problems)?.to_owned();
    let session = required(FILE, row, "termSourcedId", problems)?.to_owned();
    let grade = required(FILE, row, "grade", problems)?;
    if grade.chars().count() > 20 {
        problems.add(Problem::at(
            FILE,
            row.line,
            format!("grade {grade:?} is longer than 20 characters"),
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

fn day_off_row(row: &Row<'_>, common: Common, problems: &mut Problems) -> Option<DayOff> {
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
fn split_list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// `manifest.csv`: `file.X` = `bulk`, `delta` or `absent`. Without a manifest every file
/// present is bulk.
fn read_manifest(
    source: &mut Source,
    problems: &mut Problems,
) -> Result<HashMap<String, Option<Mode>>, ImportError> {
    let mut modes = HashMap::new();
    let Some(input) = source.open_file("manifest.csv").map_err(single)? else {
        return Ok(modes);
    };
    let mut table =
        Table::open("manifest.csv", input, &["propertyName", "value"]).map_err(single)?;
    while let Some(row) = table.next_row() {
        let row = match row {
            Ok(row) => row,
            Err(problem) => {
                problems.add(problem);
                continue;
            }
        };
        let (Some(name), value) = (row.get("propertyName"), row.get("value").unwrap_or("")) else {
            continue;
        };
        let Some(file) = name.strip_prefix("file.") else {
            continue;
        };
        let mode = match value.to_ascii_lowercase().as_str() {
            "bulk" => Some(Mode::Bulk),
            "delta" => Some(Mode::Delta),
            "absent" => None,
            other => {
                problems.add(Problem::at(
                    "manifest.csv",
                    row.line,
                    format!("{name} is bulk, delta or absent, not {other:?}"),
                ));
                continue;
            }
        };
        modes.insert(file.to_owned(), mode);
    }
    Ok(modes)
}

fn single(problem: Problem) -> ImportError {
    ImportError::Rejected {
        problems: vec![problem],
        total: 1,
    }
}

/// Checks the fields every OneRoster row has; answers (sourcedId, deleted, dateLastModified).
fn common(
    file: &'static str,
    row: &Row<'_>,
    seen: Option<&mut HashSet<String>>,
    problems: &mut Problems,
) -> Option<(String, bool, Option<String>)> {
    let Some(raw) = row.get("sourcedId") else {
        problems.add(Problem::at(file, row.line, "sourcedId is empty"));
        return None;
    };
    let sourced_id = match SourcedId::parse(raw) {
        Ok(id) => id.as_str().to_owned(),
        Err(e) => {
            problems.add(Problem::at(file, row.line, e.to_string()));
            return None;
        }
    };
    if let Some(seen) = seen
        && !seen.insert(sourced_id.clone())
    {
        problems.add(Problem::at(
            file,
            row.line,
            format!("duplicate sourcedId {sourced_id:?}"),
        ));
        return None;
    }
    let deleted = match row.get("status").map(str::to_ascii_lowercase).as_deref() {
        None | Some("active") => false,
        Some("tobedeleted") => true,
        Some(other) => {
            problems.add(Problem::at(
                file,
                row.line,
                format!("status is active or tobedeleted, not {other:?}"),
            ));
            return None;
        }
    };
    let modified_at = match row.get("dateLastModified") {
        None => None,
        Some(text) => match parse_timestamp(text) {
            Some(ts) => Some(ts),
            None => {
                problems.add(Problem::at(
                    file,
                    row.line,
                    format!("dateLastModified {text:?} is not a date and time"),
                ));
                return None;
            }
        },
    };
    Some((sourced_id, deleted, modified_at))
}

/// A OneRoster date-time (`2024-03-19T13:05:12.000Z`, or a date alone), as UTC RFC 3339 text
/// so that stored values compare in time order.
fn parse_timestamp(text: &str) -> Option<String> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    Some(format!("{date}T00:00:00Z"))
}

/// userSourcedId → (role, line in roles.csv).
type RolesByUser = HashMap<String, (String, u64)>;

/// OneRoster's roles, as Homeroom keeps people.
fn person_role(role: &str) -> Option<(PersonRole, Option<Relation>)> {
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

/// People Homeroom made itself (district administrators): a roster never deactivates them.
fn made_here(sourced_id: &str) -> bool {
    sourced_id.starts_with("homeroom-")
}

async fn apply(
    app: &App,
    district: &District,
    set: Set,
    mut tx: Tx,
    actor: Actor<'_>,
) -> Result<Report, ImportError> {
    let now = app.clock.unix();
    let mut report = Report::default();
    let mut problems = Problems::default();
    let started = std::time::Instant::now();

    // The large files' staging tables are indexed (on PostgreSQL, beside this transaction)
    // in the order they are merged in; each is checked for repeats just before its merge.
    let staged: Vec<Staged> = Staged::ALL
        .into_iter()
        .filter(|kind| set.staged.iter().any(|(s, _)| s == kind))
        .collect();
    tx.seal_stages(&staged).await?;

    // Schools.
    let mut schools = tx.school_states(district.id).await?;
    if let Some((mode, orgs)) = &set.orgs {
        let counts = report.kinds.entry("schools").or_default();
        let mut present = HashSet::new();
        for org in orgs.iter().filter(|o| o.is_school) {
            present.insert(org.sourced_id.clone());
            let existing = schools.get(&org.sourced_id).cloned();
            if stale(
                existing.as_ref().and_then(|s| s.modified_at.as_deref()),
                org.modified_at.as_deref(),
                *mode,
            ) {
                continue;
            }
            let active = !org.deleted;
            let unchanged = existing.as_ref().is_some_and(|s| {
                s.name == org.name && s.active == active && s.modified_at == org.modified_at
            });
            if unchanged {
                continue;
            }
            let id = tx
                .put_school(
                    district.id,
                    existing.as_ref().map(|s| s.id),
                    &org.sourced_id,
                    &SchoolFields {
                        name: &org.name,
                        active,
                        modified_at: org.modified_at.as_deref(),
                    },
                    now,
                )
                .await?;
            tally(counts, existing.as_ref().map(|s| s.active), active);
            schools.insert(
                org.sourced_id.clone(),
                crate::store::SchoolState {
                    id,
                    name: org.name.clone(),
                    active,
                    modified_at: org.modified_at.clone(),
                },
            );
        }
        if *mode == Mode::Bulk {
            for (sourced_id, school) in schools.iter_mut() {
                if school.active && !present.contains(sourced_id) {
                    tx.put_school(
                        district.id,
                        Some(school.id),
                        sourced_id,
                        &SchoolFields {
                            name: &school.name,
                            active: false,
                            modified_at: school.modified_at.as_deref(),
                        },
                        now,
                    )
                    .await?;
                    school.active = false;
                    counts.deactivated += 1;
                }
            }
        }
    }
    let org_ids: HashSet<&str> = set
        .orgs
        .iter()
        .flat_map(|(_, orgs)| orgs.iter().map(|o| o.sourced_id.as_str()))
        .collect();

    // People and their relationships.
    if let Some((mode, users)) = &set.users {
        let mut people = tx.person_states(district.id).await?;
        let in_file: HashSet<&str> = users.iter().map(|u| u.sourced_id.as_str()).collect();
        // References must point at something this set or the district holds.
        for user in users {
            for org in &user.orgs {
                if !org_ids.contains(org.as_str()) && !schools.contains_key(org) {
                    problems.add(Problem::file(
                        "users.csv",
                        format!("{}: unknown org {org:?}", user.sourced_id),
                    ));
                }
            }
            for agent in &user.agents {
                if !in_file.contains(agent.as_str()) && !people.contains_key(agent) {
                    problems.add(Problem::file(
                        "users.csv",
                        format!("{}: unknown agent {agent:?}", user.sourced_id),
                    ));
                }
            }
        }
        if problems.total > 0 {
            return Err(ImportError::Rejected {
                problems: problems.listed,
                total: problems.total,
            });
        }
        let counts = report.kinds.entry("people").or_default();
        // New people are written together, many to a statement, once the loop has found them.
        let mut new_people: Vec<(&str, PersonFields<'_>)> = Vec::new();
        for user in users {
            let existing = people.get(&user.sourced_id).cloned();
            if stale(
                existing.as_ref().and_then(|p| p.modified_at.as_deref()),
                user.modified_at.as_deref(),
                *mode,
            ) {
                continue;
            }
            let school_id = user.orgs.iter().find_map(|o| schools.get(o).map(|s| s.id));
            let fields = PersonFields {
                role: user.role,
                given_name: &user.given_name,
                family_name: &user.family_name,
                email: user.email.as_deref(),
                phone: user.phone.as_deref(),
                school_id,
                grade: user.grade.as_deref(),
                active: !user.deleted,
                modified_at: user.modified_at.as_deref(),
            };
            let unchanged = existing.as_ref().is_some_and(|p| {
                p.role == fields.role.as_str()
                    && p.given_name == fields.given_name
                    && p.family_name == fields.family_name
                    && p.email.as_deref() == fields.email
                    && p.phone.as_deref() == fields.phone
                    && p.school_id == fields.school_id
                    && p.grade.as_deref() == fields.grade
                    && p.active == fields.active
                    && p.modified_at.as_deref() == fields.modified_at
            });
            if unchanged {
                continue;
            }
            tally(counts, existing.as_ref().map(|p| p.active), fields.active);
            let Some(existing) = existing else {
                new_people.push((&user.sourced_id, fields));
                continue;
            };
            let id = tx
                .put_person(
                    district.id,
                    Some(existing.id),
                    &user.sourced_id,
                    &fields,
                    now,
                )
                .await?;
            people.insert(
                user.sourced_id.clone(),
                crate::store::PersonState {
                    id,
                    role: fields.role.as_str().to_owned(),
                    given_name: user.given_name.clone(),
                    family_name: user.family_name.clone(),
                    email: user.email.clone(),
                    phone: user.phone.clone(),
                    school_id,
                    grade: user.grade.clone(),
                    active: fields.active,
                    modified_at: user.modified_at.clone(),
                    updated_at: now,
                },
            );
        }
        let ids = tx.insert_people(district.id, &new_people, now).await?;
        for ((sourced_id, fields), id) in new_people.iter().zip(ids) {
            people.insert((*sourced_id).to_owned(), person_state(id, fields, now));
        }
        if *mode == Mode::Bulk {
            for (sourced_id, person) in people.iter_mut() {
                if person.active && !in_file.contains(sourced_id.as_str()) && !made_here(sourced_id)
                {
                    let role = PersonRole::parse(&person.role).map_err(Error::from)?;
                    let fields = PersonFields {
                        role,
                        given_name: &person.given_name,
                        family_name: &person.family_name,
                        email: person.email.as_deref(),
                        phone: person.phone.as_deref(),
                        school_id: person.school_id,
                        grade: person.grade.as_deref(),
                        active: false,
                        modified_at: person.modified_at.as_deref(),
                    };
                    tx.put_person(district.id, Some(person.id), sourced_id, &fields, now)
                        .await?;
                    person.active = false;
                    counts.deactivated += 1;
                }
            }
        }
        apply_relationships(
            &mut tx,
            district,
            users,
            &people,
            *mode,
            now,
            report.kinds.entry("relationships").or_default(),
        )
        .await?;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "import wrote schools and people");
    apply_classes(
        &mut tx,
        district,
        &set,
        &schools,
        &mut report,
        &mut problems,
        now,
    )
    .await?;
    if problems.total > 0 {
        // Nothing is committed: the transaction ends here and every write above is undone.
        return Err(problems.rejected());
    }
    for staged in Staged::ALL {
        tx.drop_stage(staged).await?;
    }
    // Families hear of new scores and attendance marks: one job, in this transaction.
    let news = ["results", "attendance"].iter().any(|kind| {
        report
            .kinds
            .get(kind)
            .is_some_and(|c| c.created + c.updated > 0)
    });
    // Every import is a run: what it wrote carries the run's id, and so does its news.
    let run = tx.import_run(district.id, now).await?;
    if news {
        tx.enqueue(&super::notifications::import_job(district, run), now)
            .await?;
    }
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: "import.oneroster",
            detail: Some(report.to_string()),
            ..Default::default()
        },
        now,
    )
    .await?;
    // Every import counts as a change: the records families see may differ from here on.
    tx.bump_revision(district.id).await?;
    tx.commit().await?;
    Ok(report)
}

/// The school calendar, courses, classes and enrollments. References to unknown records are
/// problems; the caller then rolls everything back.
#[allow(clippy::too_many_arguments)]
async fn apply_classes(
    tx: &mut crate::store::Tx,
    district: &District,
    set: &Set,
    schools: &HashMap<String, crate::store::SchoolState>,
    report: &mut Report,
    problems: &mut Problems,
    now: i64,
) -> Result<(), ImportError> {
    use crate::store::{CategoryFields, ClassFields, CourseFields, RosterTable, SessionFields};
    let d = district.id;

    let mut sessions = tx.roster_ids(RosterTable::AcademicSessions, d).await?;
    if let Some((mode, rows)) = &set.sessions {
        let counts = report.kinds.entry("academic sessions").or_default();
        for r in rows {
            let f = SessionFields {
                title: &r.title,
                kind: r.kind,
                start_date: &r.start_date,
                end_date: &r.end_date,
                parent: r.parent.as_deref(),
                school_year: r.school_year.as_deref(),
                active: !r.common.deleted,
                modified_at: r.common.modified_at.as_deref(),
            };
            if let Some(id) = tx
                .upsert_session(d, &r.common.sourced_id, &f, now, *mode == Mode::Delta)
                .await?
            {
                count_write(
                    counts,
                    sessions.insert(r.common.sourced_id.clone(), (id, f.active)),
                    f.active,
                );
            }
        }
        deactivate_missing(
            tx,
            RosterTable::AcademicSessions,
            d,
            &mut sessions,
            rows.iter().map(|r| &r.common),
            *mode,
            counts,
            now,
        )
        .await?;
    }

    let mut courses = tx.roster_ids(RosterTable::Courses, d).await?;
    if let Some((mode, rows)) = &set.courses {
        let counts = report.kinds.entry("courses").or_default();
        for r in rows {
            let f = CourseFields {
                title: &r.title,
                code: r.code.as_deref(),
                active: !r.common.deleted,
                modified_at: r.common.modified_at.as_deref(),
            };
            if let Some(id) = tx
                .upsert_course(d, &r.common.sourced_id, &f, now, *mode == Mode::Delta)
                .await?
            {
                count_write(
                    counts,
                    courses.insert(r.common.sourced_id.clone(), (id, f.active)),
                    f.active,
                );
            }
        }
        deactivate_missing(
            tx,
            RosterTable::Courses,
            d,
            &mut courses,
            rows.iter().map(|r| &r.common),
            *mode,
            counts,
            now,
        )
        .await?;
    }

    let mut classes = tx.roster_ids(RosterTable::Classes, d).await?;
    if let Some((mode, rows)) = &set.classes {
        let counts = report.kinds.entry("classes").or_default();
        let mut new_classes = Vec::new();
        let stored_terms = tx.class_term_sets(d).await?;
        for r in rows {
            let course = courses.get(&r.course).map(|c| c.0);
            let school = schools.get(&r.school).map(|s| s.id);
            let terms: Vec<Option<i64>> = r
                .terms
                .iter()
                .map(|t| sessions.get(t).map(|s| s.0))
                .collect();
            let (Some(course_id), Some(school_id)) = (course, school) else {
                problems.add(Problem::at(
                    "classes.csv",
                    r.common.line,
                    format!("unknown course {:?} or school {:?}", r.course, r.school),
                ));
                continue;
            };
            if terms.iter().any(Option::is_none) {
                problems.add(Problem::at(
                    "classes.csv",
                    r.common.line,
                    format!("unknown term in {:?}", r.terms.join(",")),
                ));
                continue;
            }
            let terms: Vec<i64> = terms.into_iter().flatten().collect();
            let f = ClassFields {
                title: &r.title,
                code: r.code.as_deref(),
                course_id,
                school_id,
                periods: r.periods.as_deref(),
                location: r.location.as_deref(),
                active: !r.common.deleted,
                modified_at: r.common.modified_at.as_deref(),
            };
            let Some(&(stored, _)) = classes.get(&r.common.sourced_id) else {
                new_classes.push((r.common.sourced_id.as_str(), f, terms));
                continue;
            };
            let mut sorted = terms.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let terms_differ = stored_terms.get(&stored).map_or(&[][..], Vec::as_slice) != sorted;
            if let Some(id) = tx
                .upsert_class(
                    d,
                    &r.common.sourced_id,
                    &f,
                    &terms,
                    terms_differ,
                    now,
                    *mode == Mode::Delta,
                )
                .await?
            {
                count_write(
                    counts,
                    classes.insert(r.common.sourced_id.clone(), (id, f.active)),
                    f.active,
                );
            }
        }
        let ids = tx.insert_classes(d, &new_classes, now).await?;
        for ((sourced_id, f, _), id) in new_classes.iter().zip(ids) {
            count_write(
                counts,
                classes.insert((*sourced_id).to_owned(), (id, f.active)),
                f.active,
            );
        }
        deactivate_missing(
            tx,
            RosterTable::Classes,
            d,
            &mut classes,
            rows.iter().map(|r| &r.common),
            *mode,
            counts,
            now,
        )
        .await?;
    }

    merge_staged(
        tx,
        district,
        set,
        Staged::Enrollments,
        report,
        problems,
        now,
    )
    .await?;

    let mut categories = tx.roster_ids(RosterTable::Categories, d).await?;
    if let Some((mode, rows)) = &set.categories {
        let counts = report.kinds.entry("categories").or_default();
        for r in rows {
            let f = CategoryFields {
                title: &r.title,
                weight: r.weight,
                active: !r.common.deleted,
                modified_at: r.common.modified_at.as_deref(),
            };
            if let Some(id) = tx
                .upsert_category(d, &r.common.sourced_id, &f, now, *mode == Mode::Delta)
                .await?
            {
                count_write(
                    counts,
                    categories.insert(r.common.sourced_id.clone(), (id, f.active)),
                    f.active,
                );
            }
        }
        deactivate_missing(
            tx,
            RosterTable::Categories,
            d,
            &mut categories,
            rows.iter().map(|r| &r.common),
            *mode,
            counts,
            now,
        )
        .await?;
    }

    for staged in [
        Staged::LineItems,
        Staged::Results,
        Staged::Attendance,
        Staged::TermGrades,
        Staged::NoSchoolDays,
    ] {
        merge_staged(tx, district, set, staged, report, problems, now).await?;
    }
    Ok(())
}

/// Merges one staged file, once its references are known good. After a problem anywhere
/// nothing more is written, but references are still checked, so that one report shows them.
#[allow(clippy::too_many_arguments)]
async fn merge_staged(
    tx: &mut Tx,
    district: &District,
    set: &Set,
    staged: Staged,
    report: &mut Report,
    problems: &mut Problems,
    now: i64,
) -> Result<(), ImportError> {
    let Some(&(_, mode)) = set.staged.iter().find(|(s, _)| *s == staged) else {
        return Ok(());
    };
    let started = std::time::Instant::now();
    if !tx.sealed(staged).await? {
        let (repeats, total) = tx.stage_duplicates(staged, LISTED as i64).await?;
        let listed = repeats.into_iter().map(|(line, sourced_id)| {
            Problem::at(
                staged_file(staged),
                line,
                format!("duplicate sourcedId {sourced_id:?}"),
            )
        });
        problems.add_counted(listed, total);
    }
    if problems.total == 0 {
        let merged = tx
            .merge_stage(
                staged,
                district.id,
                now,
                mode == Mode::Delta,
                mode == Mode::Bulk,
            )
            .await?;
        if let Some(merged) = merged {
            tracing::debug!(file = staged_file(staged), elapsed = ?started.elapsed(), "import merged");
            let counts = report.kinds.entry(kind_name(staged)).or_default();
            let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
            counts.created += narrow(merged.created);
            counts.updated += narrow(merged.updated);
            counts.deactivated += narrow(merged.deactivated);
            return Ok(());
        }
    }
    let (unknown, total) = tx.stage_unknown(staged, district.id, LISTED as i64).await?;
    let listed = unknown
        .iter()
        .map(|u| Problem::at(staged_file(staged), u.line, unknown_reason(staged, &u.refs)));
    problems.add_counted(listed, total);
    Ok(())
}

/// How the report names what a staged file holds.
fn kind_name(staged: Staged) -> &'static str {
    match staged {
        Staged::Enrollments => "enrollments",
        Staged::LineItems => "line items",
        Staged::Results => "results",
        Staged::Attendance => "attendance",
        Staged::TermGrades => "term grades",
        Staged::NoSchoolDays => "days without school",
    }
}

/// Counts a write: created when there was no row before, deactivated when it became
/// inactive, otherwise updated.
fn count_write(counts: &mut Counts, before: Option<(i64, bool)>, active: bool) {
    tally(counts, before.map(|b| b.1), active);
}

/// In a bulk file, what the file no longer holds becomes inactive.
#[allow(clippy::too_many_arguments)]
async fn deactivate_missing<'a>(
    tx: &mut crate::store::Tx,
    table: crate::store::RosterTable,
    district: crate::domain::DistrictId,
    stored: &mut HashMap<String, (i64, bool)>,
    present: impl Iterator<Item = &'a Common>,
    mode: Mode,
    counts: &mut Counts,
    now: i64,
) -> Result<(), ImportError> {
    if mode != Mode::Bulk {
        return Ok(());
    }
    let present: HashSet<&str> = present.map(|c| c.sourced_id.as_str()).collect();
    for (sourced_id, (id, active)) in stored.iter_mut() {
        if *active && !present.contains(sourced_id.as_str()) {
            tx.deactivate(table, district, *id, now).await?;
            *active = false;
            counts.deactivated += 1;
        }
    }
    Ok(())
}

/// Relationships from `agentSourcedIds`, named from either side.
async fn apply_relationships(
    tx: &mut crate::store::Tx,
    district: &District,
    users: &[User],
    people: &HashMap<String, crate::store::PersonState>,
    mode: Mode,
    now: i64,
    counts: &mut Counts,
) -> Result<(), ImportError> {
    let by_id: HashMap<&str, &User> = users.iter().map(|u| (u.sourced_id.as_str(), u)).collect();
    let role_of = |id: &str| people.get(id).map(|p| p.role.as_str());
    let existing = tx.relationship_states(district.id).await?;
    // (guardian, student) → relation, for pairs whose both ends are active.
    let mut wanted: HashMap<(i64, i64), Relation> = HashMap::new();
    for user in users.iter().filter(|u| !u.deleted) {
        for agent in &user.agents {
            let (guardian, student) = match (role_of(&user.sourced_id), role_of(agent)) {
                (Some("guardian"), Some("student")) => (user.sourced_id.as_str(), agent.as_str()),
                (Some("student"), Some("guardian")) => (agent.as_str(), user.sourced_id.as_str()),
                _ => continue,
            };
            let (Some(g), Some(s)) = (people.get(guardian), people.get(student)) else {
                continue;
            };
            if !g.active || !s.active {
                continue;
            }
            // The guardian's own row says how they are related; a file without it (a delta of
            // the student alone) leaves the relation as it was.
            let relation = match by_id.get(guardian) {
                Some(u) => u.relation.unwrap_or(Relation::Guardian),
                None => existing
                    .get(&(g.id, s.id))
                    .and_then(|c| Relation::parse(&c.relation).ok())
                    .unwrap_or(Relation::Guardian),
            };
            wanted.insert((g.id, s.id), relation);
        }
    }
    let mut new_relationships = Vec::new();
    for (&(guardian_id, student_id), relation) in &wanted {
        let current = existing.get(&(guardian_id, student_id));
        if current.is_some_and(|c| c.active && c.relation == relation.as_str()) {
            continue;
        }
        tally(counts, current.map(|c| c.active), true);
        let fields = RelationshipFields {
            guardian_id,
            student_id,
            relation: *relation,
            active: true,
        };
        match current {
            None => new_relationships.push(fields),
            Some(c) => {
                tx.put_relationship(district.id, Some(c.id), &fields, now)
                    .await?
            }
        }
    }
    tx.insert_relationships(district.id, &new_relationships, now)
        .await?;
    // A relationship ends when either person left, or (bulk) when the roster no longer names it.
    let ids_left: HashSet<i64> = people
        .values()
        .filter(|p| !p.active)
        .map(|p| p.id)
        .collect();
    for (&(guardian_id, student_id), current) in &existing {
        let ended = ids_left.contains(&guardian_id)
            || ids_left.contains(&student_id)
            || (mode == Mode::Bulk && !wanted.contains_key(&(guardian_id, student_id)));
        if current.active && ended {
            let relation = Relation::parse(&current.relation).map_err(Error::from)?;
            tx.put_relationship(
                district.id,
                Some(current.id),
                &RelationshipFields {
                    guardian_id,
                    student_id,
                    relation,
                    active: false,
                },
                now,
            )
            .await?;
            counts.deactivated += 1;
        }
    }
    Ok(())
}

/// What the import knows of a person it has just written.
fn person_state(id: i64, fields: &PersonFields<'_>, now: i64) -> crate::store::PersonState {
    crate::store::PersonState {
        id,
        role: fields.role.as_str().to_owned(),
        given_name: fields.given_name.to_owned(),
        family_name: fields.family_name.to_owned(),
        email: fields.email.map(str::to_owned),
        phone: fields.phone.map(str::to_owned),
        school_id: fields.school_id,
        grade: fields.grade.map(str::to_owned),
        active: fields.active,
        modified_at: fields.modified_at.map(str::to_owned),
        updated_at: now,
    }
}

/// In a delta, a row older than what is stored is left alone.
fn stale(stored: Option<&str>, incoming: Option<&str>, mode: Mode) -> bool {
    mode == Mode::Delta && matches!((stored, incoming), (Some(s), Some(i)) if i < s)
}

fn tally(counts: &mut Counts, before: Option<bool>, active: bool) {
    match (before, active) {
        (None, _) => counts.created += 1,
        (Some(true), false) => counts.deactivated += 1,
        _ => counts.updated += 1,
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .kinds
            .iter()
            .map(|(kind, c)| {
                format!(
                    "{kind}: {} created, {} updated, {} deactivated",
                    c.created, c.updated, c.deactivated
                )
            })
            .collect();
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_comparable_utc_text() {
        assert_eq!(
            parse_timestamp("2024-03-19T13:05:12.000Z").as_deref(),
            Some("2024-03-19T13:05:12Z")
        );
        assert_eq!(
            parse_timestamp("2024-03-19").as_deref(),
            Some("2024-03-19T00:00:00Z")
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert!(stale(
            Some("2024-03-19T13:05:12Z"),
            Some("2024-01-01T00:00:00Z"),
            Mode::Delta
        ));
        assert!(!stale(
            Some("2024-03-19T13:05:12Z"),
            Some("2024-01-01T00:00:00Z"),
            Mode::Bulk
        ));
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
