//! The read stage: a set's files, each after those it refers to, into typed records with
//! their positions. Each record is checked (see `check`) as soon as it is read, against what
//! the district holds and what the files before it made; the large files' good rows go on to
//! their staging tables.

mod fields;
mod records;
mod rows;
mod source;
mod table;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::check::{Catalog, Kind, Refers};
use super::problems::{FileOrder, Problem, Problems, quoted, single};
use super::{BATCH, Batch, ImportError, Mode, Progress, Stage};
use crate::config::ImportLimits;
use crate::domain::SourcedId;
use crate::services::Error;
use crate::store::{Staged, Value};
use fields::parse_timestamp;
pub(crate) use records::*;
use rows::*;
use source::Source;
use table::{Row, Table};

/// The files of a set, in the order they are read: each after those it refers to.
const READING: [&str; 13] = [
    "orgs.csv",
    "roles.csv",
    "users.csv",
    "academicSessions.csv",
    "courses.csv",
    "classes.csv",
    "enrollments.csv",
    "categories.csv",
    "lineItems.csv",
    "results.csv",
    "attendance.csv",
    "termGrades.csv",
    "calendar.csv",
];

/// Everything read from the files, checked.
pub(crate) struct Set {
    pub(crate) orgs: Option<(Mode, Vec<Org>)>,
    pub(crate) users: Option<(Mode, Vec<User>)>,
    pub(crate) sessions: Option<(Mode, Vec<Session>)>,
    pub(crate) courses: Option<(Mode, Vec<Course>)>,
    pub(crate) classes: Option<(Mode, Vec<Class>)>,
    pub(crate) categories: Option<(Mode, Vec<Category>)>,
    /// The large files that were staged, and how.
    pub(crate) staged: Vec<(Staged, Mode)>,
    /// Odd but good rows, to tell in the summary.
    pub(crate) warnings: Problems,
}

/// Reads the set at `path`, checking every record against `catalog` (the district's
/// records) and the files read before it; the large files' rows go to `sender`.
pub(crate) fn read_set(
    path: &Path,
    limits: ImportLimits,
    mut catalog: Catalog,
    progress: Option<Progress>,
    sender: &tokio::sync::mpsc::Sender<Batch>,
) -> Result<Read, ImportError> {
    let source = Source::open(path, limits).map_err(single)?;
    catalog.limit_pending(limits.held_bytes);
    let mut reader = Reader {
        files: Files {
            source,
            limits,
            modes: HashMap::new(),
        },
        catalog,
        problems: Problems::telling(progress),
        warnings: Problems::default(),
        sender,
        staged: Vec::new(),
        held: 0,
    };
    reader.manifest()?;

    let orgs = reader.small("orgs.csv", &["sourcedId", "name", "type"], org_row)?;
    let roles = reader.small(
        "roles.csv",
        &["sourcedId", "userSourcedId", "roleType", "role"],
        role_row,
    )?;
    let by_user = roles.as_ref().map(|(_, rows)| primary_roles(rows));
    let users = reader.small(
        "users.csv",
        &["sourcedId", "givenName", "familyName"],
        |row, common, problems| user_row(row, common, problems, by_user.as_ref()),
    )?;
    drop(by_user);
    if let Some((_, users)) = &users {
        reader.users_references(users);
    }
    if let Some((_, roles)) = &roles {
        reader.roles_references(roles);
    }
    drop(roles);
    let sessions = reader.small(
        "academicSessions.csv",
        &["sourcedId", "title", "type", "startDate", "endDate"],
        session_row,
    )?;
    let courses = reader.small(
        "courses.csv",
        &["sourcedId", "title", "orgSourcedId"],
        course_row,
    )?;
    let classes = reader.small(
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
    reader.large(
        Staged::Enrollments,
        &["sourcedId", "classSourcedId", "userSourcedId", "role"],
        enrollment_row,
    )?;
    let categories = reader.small("categories.csv", &["sourcedId", "title"], category_row)?;
    reader.large(
        Staged::LineItems,
        &["sourcedId", "title", "classSourcedId"],
        line_item_row,
    )?;
    reader.large(
        Staged::Results,
        &[
            "sourcedId",
            "lineItemSourcedId",
            "studentSourcedId",
            "scoreStatus",
        ],
        score_row,
    )?;
    reader.large(
        Staged::Attendance,
        &["sourcedId", "userSourcedId", "date", "attendanceStatus"],
        mark_row,
    )?;
    reader.large(
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
    reader.large(
        Staged::NoSchoolDays,
        &["sourcedId", "date", "description"],
        day_off_row,
    )?;
    tracing::debug!(held_bytes = reader.held, "import read its files");
    let set = Set {
        orgs,
        users,
        sessions,
        courses,
        classes,
        categories,
        staged: reader.staged,
        warnings: reader.warnings,
    };
    Ok(Read {
        set,
        catalog: reader.catalog,
        problems: reader.problems,
    })
}

/// What reading a set came to: its records, what it knows of their references (some still to
/// be looked up in the district), and the problems so far.
pub(crate) struct Read {
    pub(crate) set: Set,
    pub(crate) catalog: Catalog,
    pub(crate) problems: Problems,
}

/// A set being read: its files, what is known so far, and what was found wrong.
struct Reader<'a> {
    files: Files,
    catalog: Catalog,
    problems: Problems,
    warnings: Problems,
    sender: &'a tokio::sync::mpsc::Sender<Batch>,
    /// The large files that were staged, and how.
    staged: Vec<(Staged, Mode)>,
    /// About how many bytes the records kept in memory take.
    held: u64,
}

/// A file opened: its table, or what is wrong with its header.
type Header<'t> = Result<Table<'t>, Problem>;

/// The set's files, and how each is to be read.
struct Files {
    source: Source,
    limits: ImportLimits,
    /// How the manifest says each file is to be read (`None`: absent).
    modes: HashMap<String, Option<Mode>>,
}

impl Files {
    /// How a file is to be read: as the manifest says, or in bulk when it says nothing.
    fn mode(&self, file: &str) -> Option<Mode> {
        let key = file.strip_suffix(".csv").unwrap_or(file);
        self.modes.get(key).copied().unwrap_or(Some(Mode::Bulk))
    }

    /// A file the set holds and the manifest does not mark absent, with its header read (or
    /// the problem with it).
    fn open(
        &mut self,
        file: &'static str,
        required: &[&str],
    ) -> Result<Option<(Mode, Header<'_>)>, ImportError> {
        let Some(mode) = self.mode(file) else {
            return Ok(None);
        };
        let Some(input) = self.source.open_file(file).map_err(single)? else {
            return Ok(None);
        };
        Ok(Some((
            mode,
            Table::open(file, input, required, self.limits),
        )))
    }
}

impl Reader<'_> {
    /// Reads a file whose records are kept in memory; repeated sourcedIds are problems here.
    fn small<T: Refers>(
        &mut self,
        file: &'static str,
        required: &[&str],
        mut parse: impl FnMut(&Row<'_>, Common, &mut Problems) -> Option<T>,
    ) -> Result<Option<(Mode, Vec<T>)>, ImportError> {
        let limit = self.files.limits.held_bytes;
        let Some((mode, table)) = self.files.open(file, required)? else {
            return Ok(None);
        };
        self.catalog.reading(file, mode);
        let Some(mut table) = readable(table, &mut self.problems) else {
            return Ok(None);
        };
        let mut seen = HashSet::new();
        let checks = Checks {
            catalog: &mut self.catalog,
            problems: &mut self.problems,
            warnings: &mut self.warnings,
            seen: Some(&mut seen),
        };
        let mut records = Vec::new();
        let budget = &mut self.held;
        let mut over = false;
        each_record(&mut table, checks, &mut parse, |record, problems, bytes| {
            // What a record costs: itself, and about twice its text in the strings it owns.
            *budget += (std::mem::size_of::<T>() + 2 * bytes) as u64;
            if *budget > limit && !over {
                over = true;
                problems.add(Problem::file(
                    file,
                    format!(
                        "the set's schools, people, classes and the like take more than {} MiB \
                         to check (import_max_held_bytes)",
                        limit >> 20
                    ),
                ));
            }
            if !over {
                records.push(record);
            }
            Ok(())
        })?;
        records.shrink_to_fit();
        Ok(Some((mode, records)))
    }

    /// Reads a large file; its rows are staged as long as the import has no problem (after
    /// the first problem there is nothing to write, only more problems to find). Repeated
    /// sourcedIds are found later, in the staging table.
    fn large<T: Refers + Into<Vec<Value>>>(
        &mut self,
        staged: Staged,
        required: &[&str],
        mut parse: impl FnMut(&Row<'_>, Common, &mut Problems) -> Option<T>,
    ) -> Result<(), ImportError> {
        let file = staged_file(staged);
        let Some((mode, table)) = self.files.open(file, required)? else {
            return Ok(());
        };
        self.catalog.reading(file, mode);
        let Some(mut table) = readable(table, &mut self.problems) else {
            return Ok(());
        };
        self.staged.push((staged, mode));
        let checks = Checks {
            catalog: &mut self.catalog,
            problems: &mut self.problems,
            warnings: &mut self.warnings,
            seen: None,
        };
        let sender = self.sender;
        let send = |rows: Vec<Vec<Value>>| {
            sender
                .blocking_send((staged, rows))
                .map_err(|_| ImportError::from(Error::internal("the import's writer stopped")))
        };
        let mut batch = Vec::with_capacity(BATCH);
        each_record(&mut table, checks, &mut parse, |record, problems, _| {
            if problems.total == 0 {
                batch.push(record.into());
                if batch.len() == BATCH {
                    send(std::mem::take(&mut batch))?;
                }
            }
            Ok(())
        })?;
        if self.problems.total == 0 && !batch.is_empty() {
            send(batch)?;
        }
        Ok(())
    }

    /// A user's orgs and agents, once every user is known (an agent may come later in the
    /// file than the user naming it).
    fn users_references(&mut self, users: &[User]) {
        for user in users {
            let at = ("users.csv", user.line);
            for org in &user.orgs {
                self.catalog
                    .check(&mut self.problems, at, "orgSourcedIds", Kind::Org, org);
            }
            for agent in &user.agents {
                self.catalog.check(
                    &mut self.problems,
                    at,
                    "agentSourcedIds",
                    Kind::Person,
                    agent,
                );
            }
        }
    }

    /// The user of every row of `roles.csv`, in line order.
    fn roles_references(&mut self, roles: &[RoleRow]) {
        for role in roles {
            let at = ("roles.csv", role.line);
            self.catalog.check(
                &mut self.problems,
                at,
                "userSourcedId",
                Kind::Person,
                &role.user,
            );
        }
    }

    /// `manifest.csv`: `file.X` = `bulk`, `delta` or `absent` (or blank, as absent). Without
    /// a manifest every file present is bulk. Problems are reported in the order of the files
    /// it names.
    fn manifest(&mut self) -> Result<(), ImportError> {
        let mut named = Vec::new();
        if let Some(input) = self
            .files
            .source
            .open_file("manifest.csv")
            .map_err(single)?
        {
            let mut table = Table::open(
                "manifest.csv",
                input,
                &["propertyName", "value"],
                self.files.limits,
            )
            .map_err(single)?;
            while let Some(row) = table.next_row() {
                let row = match row {
                    Ok(row) => row,
                    Err(problem) => {
                        self.problems.add(problem);
                        continue;
                    }
                };
                let Some(name) = row.get("propertyName") else {
                    continue;
                };
                let Some(key) = name.strip_prefix("file.") else {
                    continue;
                };
                let mode = match row.get("value").map(str::to_ascii_lowercase).as_deref() {
                    Some("bulk") => Some(Mode::Bulk),
                    Some("delta") => Some(Mode::Delta),
                    Some("absent") | None => None,
                    Some(other) => {
                        self.problems.add(Problem::at(
                            "manifest.csv",
                            row.line,
                            format!("{name} is bulk, delta or absent, not {}", quoted(other)),
                        ));
                        continue;
                    }
                };
                if let Some(file) = READING.iter().find(|f| f.strip_suffix(".csv") == Some(key)) {
                    named.push(*file);
                }
                self.files.modes.insert(key.to_owned(), mode);
            }
        }
        self.problems.set_order(FileOrder::new(&named, &READING));
        self.warnings.set_order(FileOrder::new(&named, &READING));
        Ok(())
    }
}

/// A file whose header could be read; a bad header is a problem, and the file is not read.
fn readable<'t>(table: Header<'t>, problems: &mut Problems) -> Option<Table<'t>> {
    table.map_err(|problem| problems.add(problem)).ok()
}

/// What each record is checked against while it is read.
struct Checks<'c> {
    catalog: &'c mut Catalog,
    problems: &'c mut Problems,
    warnings: &'c mut Problems,
    /// The file's sourcedIds so far, where repeats are found while reading.
    seen: Option<&'c mut HashSet<String>>,
}

/// Reads a table's records, telling the progress now and then, checks each, and hands each
/// good one to `keep` with the problems so far. A refused row that would have made a record
/// is remembered, so that rows referring to it count as its followers.
fn each_record<T: Refers>(
    table: &mut Table<'_>,
    mut checks: Checks<'_>,
    parse: &mut impl FnMut(&Row<'_>, Common, &mut Problems) -> Option<T>,
    mut keep: impl FnMut(T, &mut Problems, usize) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let file = table.file;
    let mut rows = 0u64;
    while let Some(row) = table.next_row() {
        rows += 1;
        if rows.is_multiple_of(10_000) {
            checks.problems.tell(Stage::Reading { file, rows });
        }
        let row = match row {
            Ok(row) => row,
            Err(problem) => {
                checks.problems.add(problem);
                continue;
            }
        };
        let before = checks.problems.next_id();
        let record = common(file, &row, checks.seen.as_deref_mut(), checks.problems)
            .and_then(|common| parse(&row, common, checks.problems));
        let Some(record) = record else {
            // The first problem of this row is why the record it names does not exist.
            if checks.problems.next_id() != before
                && let Some(sourced_id) = row.get("sourcedId")
            {
                for &kind in Kind::made_by(file) {
                    checks.catalog.refuse(kind, sourced_id, before);
                }
            }
            continue;
        };
        let at = (file, row.line);
        let bytes = row.bytes();
        if checks
            .catalog
            .admit(&record, at, checks.problems, checks.warnings)
            .is_none()
        {
            keep(record, checks.problems, bytes)?;
        }
    }
    checks.problems.tell(Stage::Reading { file, rows });
    Ok(())
}

/// The file a staging table is filled from.
pub(crate) fn staged_file(staged: Staged) -> &'static str {
    match staged {
        Staged::Enrollments => "enrollments.csv",
        Staged::LineItems => "lineItems.csv",
        Staged::Results => "results.csv",
        Staged::Attendance => "attendance.csv",
        Staged::TermGrades => "termGrades.csv",
        Staged::NoSchoolDays => "calendar.csv",
    }
}

/// Checks the fields every OneRoster row has.
fn common(
    file: &'static str,
    row: &Row<'_>,
    seen: Option<&mut HashSet<String>>,
    problems: &mut Problems,
) -> Option<Common> {
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
            format!("duplicate sourcedId {}", quoted(&sourced_id)),
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
                format!("status is active or tobedeleted, not {}", quoted(other)),
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
                    format!("dateLastModified {} is not a date and time", quoted(text)),
                ));
                return None;
            }
        },
    };
    Some(Common {
        sourced_id,
        deleted,
        modified_at,
        line: row.line,
    })
}
