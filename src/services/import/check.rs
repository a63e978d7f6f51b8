//! The check stage: every reference a row makes, against what the set has read before it and
//! what the district already holds, so that the report names each missing record by its
//! column and value before anything is written.
//!
//! The ids are kept compact: a record's kind and sourcedId are hashed, with a seed of this
//! import's own (foldhash: millions of rows are checked, SipHash took a core-second), into 64
//! bits. A collision could only let an unknown reference pass here; the
//! merge resolves every reference by join and refuses the import on any it cannot.
//!
//! The district's records of the small kinds (schools, people, the calendar, courses, classes,
//! categories) are loaded before reading. Line items, of which a district holds a million, are
//! not: a reference to one the set does not hold waits, once per distinct value, to be looked
//! up in the district when reading is done, so that a delta of a few scores costs a few
//! lookups rather than a pass over every line item.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;

use foldhash::fast::RandomState;

use super::Mode;
use super::problems::{Problem, ProblemId, Problems, quoted};
use crate::domain::{District, PersonRole, SourcedId};
use crate::store::{RosterTable, Tx};

/// What a row may refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// An org of any type.
    Org,
    /// An org of type school.
    School,
    Person,
    Session,
    Course,
    Class,
    Category,
    LineItem,
}

impl Kind {
    /// What the rows of a file make.
    pub(crate) fn made_by(file: &str) -> &'static [Kind] {
        match file {
            "orgs.csv" => &[Kind::Org, Kind::School],
            "users.csv" => &[Kind::Person],
            "academicSessions.csv" => &[Kind::Session],
            "courses.csv" => &[Kind::Course],
            "classes.csv" => &[Kind::Class],
            "categories.csv" => &[Kind::Category],
            "lineItems.csv" => &[Kind::LineItem],
            _ => &[],
        }
    }

    /// The file whose rows make records of this kind.
    pub(crate) fn file(self) -> &'static str {
        match self {
            Kind::Org | Kind::School => "orgs.csv",
            Kind::Person => "users.csv",
            Kind::Session => "academicSessions.csv",
            Kind::Course => "courses.csv",
            Kind::Class => "classes.csv",
            Kind::Category => "categories.csv",
            Kind::LineItem => "lineItems.csv",
        }
    }
}

/// What a reference turned out to be.
pub(crate) enum Found {
    Known,
    /// Its record's own row was refused, for this problem.
    Refused(ProblemId),
    /// Reported now, as this problem.
    Unknown(ProblemId),
}

impl Found {
    /// The problem a row with this reference is refused for, if any.
    pub(crate) fn cause(&self) -> Option<ProblemId> {
        match self {
            Found::Known => None,
            Found::Refused(id) | Found::Unknown(id) => Some(*id),
        }
    }
}

/// A record as the check stage sees it: what it is, and what it refers to.
pub(crate) trait Refers {
    /// What later rows may refer to it as (nothing, for what nothing refers to).
    fn kinds(&self) -> &'static [Kind] {
        &[]
    }
    fn sourced_id(&self) -> &str;
    /// A person's role, for the enrollments that name the person.
    fn role(&self) -> Option<PersonRole> {
        None
    }
    /// Each reference: (column, kind, value).
    fn references(&self, _each: &mut dyn FnMut(&'static str, Kind, &str)) {}
    /// Something odd enough to tell, in a row that is still good.
    fn warning(&self, _catalog: &Catalog) -> Option<String> {
        None
    }
}

/// Every record a row may refer to: the district's, then the set's as its files are read.
pub(crate) struct Catalog {
    keys: RandomState,
    known: HashSet<u64, RandomState>,
    roles: HashMap<u64, PersonRole, RandomState>,
    refused: HashMap<u64, ProblemId, RandomState>,
    /// People bound to staff accounts: rows may refer to them, but none may make or change one.
    staff: HashSet<u64, RandomState>,
    /// References to records of kinds not loaded, that the set does not hold (yet): looked up
    /// in the district once reading is done.
    pending: HashMap<u64, Pending, RandomState>,
    /// About how many bytes `pending` takes, and how many it may.
    pending_bytes: u64,
    pending_limit: u64,
    /// How each file of the set is read (absent files are not here).
    modes: HashMap<&'static str, Mode>,
}

/// A reference to look up in the district: where it was first made, and the rows after it.
struct Pending {
    kind: Kind,
    value: String,
    file: &'static str,
    line: u64,
    column: &'static str,
    others: BTreeMap<&'static str, u64>,
}

/// The kinds a district holds too many of to load before reading.
const LOOKED_UP: [Kind; 1] = [Kind::LineItem];

/// Pending references looked up in the district at a time.
const LOOKUP_BATCH: usize = 500;

/// sourcedIds are read from the database this many at a time.
const PAGE: i64 = 50_000;

impl Catalog {
    fn empty() -> Self {
        Self {
            keys: RandomState::default(),
            known: HashSet::default(),
            roles: HashMap::default(),
            refused: HashMap::default(),
            staff: HashSet::default(),
            pending: HashMap::default(),
            pending_bytes: 0,
            pending_limit: u64::MAX,
            modes: HashMap::new(),
        }
    }

    /// The district's records of every kind a row may refer to, but line items (`LOOKED_UP`).
    pub(crate) async fn load(tx: &mut Tx, district: &District) -> crate::store::Result<Self> {
        let mut catalog = Self::empty();
        for (table, kinds) in [
            (RosterTable::Schools, &[Kind::Org, Kind::School][..]),
            (RosterTable::People, &[Kind::Person]),
            (RosterTable::AcademicSessions, &[Kind::Session]),
            (RosterTable::Courses, &[Kind::Course]),
            (RosterTable::Classes, &[Kind::Class]),
            (RosterTable::Categories, &[Kind::Category]),
        ] {
            let mut after = String::new();
            loop {
                let page = tx.sourced_ids(table, district.id, &after, PAGE).await?;
                for (sourced_id, role) in &page {
                    for &kind in kinds {
                        catalog.add(kind, sourced_id);
                    }
                    if let Some(role) = role.as_deref().and_then(|r| PersonRole::parse(r).ok()) {
                        catalog.set_role(sourced_id, role);
                    }
                }
                match page.last() {
                    Some((last, _)) if page.len() as i64 == PAGE => after.clone_from(last),
                    _ => break,
                }
            }
        }
        for sourced_id in tx.staff_sourced_ids(district.id).await? {
            let key = catalog.key(Kind::Person, &sourced_id);
            catalog.staff.insert(key);
        }
        Ok(catalog)
    }

    /// Whether a row making this person would make or change one of a staff account's.
    fn staff_bound(&self, sourced_id: &str) -> bool {
        SourcedId::is_reserved(sourced_id)
            || self.staff.contains(&self.key(Kind::Person, sourced_id))
    }

    fn key(&self, kind: Kind, sourced_id: &str) -> u64 {
        self.keys.hash_one((kind, sourced_id))
    }

    /// How many bytes, about, the references still to look up may take.
    pub(crate) fn limit_pending(&mut self, bytes: u64) {
        self.pending_limit = bytes;
    }

    /// Tells how the set's files are read, for the wording of what is missing.
    pub(crate) fn reading(&mut self, file: &'static str, mode: Mode) {
        self.modes.insert(file, mode);
    }

    pub(crate) fn add(&mut self, kind: Kind, sourced_id: &str) {
        let key = self.key(kind, sourced_id);
        self.known.insert(key);
    }

    pub(crate) fn set_role(&mut self, sourced_id: &str, role: PersonRole) {
        let key = self.key(Kind::Person, sourced_id);
        self.roles.insert(key, role);
    }

    /// A person's role, if the person is known.
    pub(crate) fn role(&self, sourced_id: &str) -> Option<PersonRole> {
        self.roles.get(&self.key(Kind::Person, sourced_id)).copied()
    }

    /// Remembers that a row that would have made this record was refused, for `cause`.
    pub(crate) fn refuse(&mut self, kind: Kind, sourced_id: &str, cause: ProblemId) {
        let key = self.key(kind, sourced_id);
        if !self.known.contains(&key) {
            self.refused.entry(key).or_insert(cause);
        }
    }

    /// Checks a record's references; a good record is known from here on. Answers the problem
    /// a refused one is refused for (its own, or that of a record it refers to).
    pub(crate) fn admit<R: Refers>(
        &mut self,
        record: &R,
        at: (&'static str, u64),
        problems: &mut Problems,
        warnings: &mut Problems,
    ) -> Option<ProblemId> {
        if record.kinds().contains(&Kind::Person) && self.staff_bound(record.sourced_id()) {
            let cause = problems.add(Problem::at(
                at.0,
                at.1,
                format!(
                    "sourcedId {} is a staff account's: an import can neither create nor \
                     change it",
                    quoted(record.sourced_id())
                ),
            ));
            self.refuse(Kind::Person, record.sourced_id(), cause);
            return Some(cause);
        }
        let mut cause = None;
        record.references(&mut |column, kind, value| {
            let found = self.check(problems, at, column, kind, value);
            cause = cause.or(found.cause());
        });
        if let Some(cause) = cause {
            for &kind in record.kinds() {
                self.refuse(kind, record.sourced_id(), cause);
            }
            return Some(cause);
        }
        for &kind in record.kinds() {
            self.add(kind, record.sourced_id());
        }
        if let Some(role) = record.role() {
            self.set_role(record.sourced_id(), role);
        }
        if let Some(warning) = record.warning(self) {
            warnings.add(Problem::at(at.0, at.1, warning));
        }
        None
    }

    /// Checks one reference of a row of `file` at `line`: known, refused (counted as a
    /// follower of its cause), or a problem of this row naming the column and the value.
    pub(crate) fn check(
        &mut self,
        problems: &mut Problems,
        (file, line): (&'static str, u64),
        column: &'static str,
        kind: Kind,
        value: &str,
    ) -> Found {
        let key = self.key(kind, value);
        if self.known.contains(&key) {
            return Found::Known;
        }
        if let Some(&cause) = self.refused.get(&key) {
            problems.follow(cause, file);
            return Found::Refused(cause);
        }
        if LOOKED_UP.contains(&kind) {
            // Known for now; the district answers for it once reading is done.
            if let Some(p) = self.pending.get_mut(&key) {
                *p.others.entry(file).or_default() += 1;
            } else if self.pending_bytes <= self.pending_limit {
                self.pending_bytes += (std::mem::size_of::<Pending>() + 32 + value.len()) as u64;
                if self.pending_bytes > self.pending_limit {
                    problems.add(Problem::file(
                        file,
                        format!(
                            "refers to more line items outside lineItems.csv than can be looked \
                             up in {} MiB (import_max_held_bytes)",
                            self.pending_limit >> 20
                        ),
                    ));
                }
                let first = Pending {
                    kind,
                    value: value.to_owned(),
                    file,
                    line,
                    column,
                    others: BTreeMap::new(),
                };
                self.pending.insert(key, first);
            }
            return Found::Known;
        }
        Found::Unknown(problems.add(Problem::at(file, line, self.missing(column, kind, value))))
    }

    /// Looks the references still pending up in the district: each one it does not hold is a
    /// problem of the row that first made it, with the rows after it counted.
    pub(crate) async fn resolve_pending(
        self,
        tx: &mut Tx,
        district: &District,
        problems: &mut Problems,
    ) -> crate::store::Result<()> {
        let mut pending: Vec<&Pending> = self.pending.values().collect();
        pending.sort_by_key(|p| (p.file, p.line));
        let mut held = HashSet::new();
        for chunk in pending.chunks(LOOKUP_BATCH) {
            let values: Vec<&str> = chunk.iter().map(|p| p.value.as_str()).collect();
            held.extend(
                tx.held_sourced_ids(RosterTable::LineItems, district.id, &values)
                    .await?,
            );
        }
        for p in pending.into_iter().filter(|p| !held.contains(&p.value)) {
            let reason = self.missing(p.column, p.kind, &p.value);
            let id = problems.add(Problem::at(p.file, p.line, reason));
            for (&file, &rows) in &p.others {
                problems.follow_rows(id, file, rows);
            }
        }
        Ok(())
    }

    /// Why a reference is a problem: where its record is not.
    fn missing(&self, column: &str, kind: Kind, value: &str) -> String {
        let source = kind.file();
        let (in_file, of_district) = match kind {
            Kind::School => (format!("a school in {source}"), "a school of the district"),
            _ => (format!("in {source}"), "in the district"),
        };
        match self.modes.get(source) {
            Some(Mode::Bulk) => format!("{column} {} is not {in_file}", quoted(value)),
            Some(Mode::Delta) => {
                format!(
                    "{column} {} is neither {in_file} nor {of_district}",
                    quoted(value)
                )
            }
            None => format!(
                "{column} {} is not {of_district}, and the set has no {source}",
                quoted(value)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let mut catalog = Catalog::empty();
        catalog.reading("users.csv", Mode::Bulk);
        catalog.reading("classes.csv", Mode::Delta);
        catalog
    }

    #[test]
    fn a_reference_is_known_refused_or_a_problem_that_names_it() {
        let mut catalog = catalog();
        let mut problems = Problems::default();
        catalog.add(Kind::Person, "u-1");
        let cause = problems.add(Problem::at("users.csv", 3, "unknown role"));
        catalog.refuse(Kind::Person, "u-2", cause);
        let at = ("enrollments.csv", 7);
        assert!(matches!(
            catalog.check(&mut problems, at, "userSourcedId", Kind::Person, "u-1"),
            Found::Known
        ));
        // The same sourcedId of another kind is another record.
        assert!(matches!(
            catalog.check(&mut problems, at, "classSourcedId", Kind::Class, "u-1"),
            Found::Unknown(_)
        ));
        assert!(matches!(
            catalog.check(&mut problems, at, "userSourcedId", Kind::Person, "u-2"),
            Found::Refused(c) if c == cause
        ));
        catalog.check(&mut problems, at, "userSourcedId", Kind::Person, "u-99");
        catalog.check(&mut problems, at, "courseSourcedId", Kind::Course, "c-1");
        let (listed, total) = problems.into_listed();
        let text: Vec<String> = listed.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "users.csv:3: unknown role … and 1 row in enrollments.csv refers to it",
                "enrollments.csv:7: classSourcedId \"u-1\" is neither in classes.csv nor in the district",
                "enrollments.csv:7: userSourcedId \"u-99\" is not in users.csv",
                "enrollments.csv:7: courseSourcedId \"c-1\" is not in the district, and the set has no courses.csv",
            ]
        );
        assert_eq!(total, 4);
    }
}
