//! The problems an import finds, reported as `file:line: reason`, in one order: by file (the
//! manifest's order), then line, so that the same files always give the same report. A
//! refused row is reported once, with a count of the rows elsewhere that refer to it, rather
//! than once more for each of them.

use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt;

use super::{ImportError, LISTED, Progress, Stage};

/// A bad row or file, reported as `file:line: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: Option<&'static str>,
    pub line: u64,
    pub reason: String,
    /// Rows elsewhere that refer to the record this row would have made, by file.
    pub followers: BTreeMap<&'static str, u64>,
}

impl Problem {
    pub(crate) fn general(reason: impl Into<String>) -> Self {
        Self::at_line(None, 0, reason.into())
    }

    pub(crate) fn file(file: &'static str, reason: impl Into<String>) -> Self {
        Self::at_line(Some(file), 0, reason.into())
    }

    pub(crate) fn at(file: &'static str, line: u64, reason: impl Into<String>) -> Self {
        Self::at_line(Some(file), line, reason.into())
    }

    fn at_line(file: Option<&'static str>, line: u64, reason: String) -> Self {
        Self {
            file,
            line,
            reason,
            followers: BTreeMap::new(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file, self.line) {
            (Some(file), 0) => write!(f, "{file}: {}", self.reason)?,
            (Some(file), line) => write!(f, "{file}:{line}: {}", self.reason)?,
            (None, _) => f.write_str(&self.reason)?,
        }
        let rows: u64 = self.followers.values().sum();
        if rows > 0 {
            let files: Vec<&str> = self.followers.keys().copied().collect();
            let (noun, verb) = if rows == 1 {
                ("row", "refers")
            } else {
                ("rows", "refer")
            };
            write!(
                f,
                " … and {rows} {noun} in {} {verb} to it",
                files.join(", ")
            )?;
        }
        Ok(())
    }
}

/// A value from a file, quoted for a report: a long one is cut short, so that a report of
/// fifty problems stays readable whatever the fields hold.
pub(crate) fn quoted(value: &str) -> String {
    const SHOWN: usize = 60;
    match value.char_indices().nth(SHOWN) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
    }
}

/// Which problem a refused record was refused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ProblemId(u64);

/// The order of the set's files in a report: the manifest's, then the reading order for files
/// it does not name.
#[derive(Debug, Default)]
pub(crate) struct FileOrder(HashMap<&'static str, u32>);

impl FileOrder {
    /// `named`: the files the manifest names, in its order.
    pub(crate) fn new(named: &[&'static str], reading: &[&'static str]) -> Self {
        let mut ranks = HashMap::from([("manifest.csv", 1)]);
        for (i, file) in named.iter().enumerate() {
            ranks.entry(*file).or_insert(2 + i as u32);
        }
        for (i, file) in reading.iter().enumerate() {
            ranks.entry(*file).or_insert(1_000 + i as u32);
        }
        Self(ranks)
    }

    fn rank(&self, file: Option<&'static str>) -> u32 {
        match file {
            // What concerns the whole set comes first.
            None => 0,
            Some(file) => self.0.get(file).copied().unwrap_or(u32::MAX),
        }
    }
}

/// A problem and where it sorts.
struct Ranked {
    key: (u32, u64, u64),
    problem: Problem,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// Collects problems: every one is counted, the first [`LISTED`] in report order are kept.
#[derive(Default)]
pub(crate) struct Problems {
    /// The first problems in report order, the last of them on top.
    listed: BinaryHeap<Ranked>,
    pub(crate) total: usize,
    order: FileOrder,
    /// Problems so far, listed or not: each one's id.
    next: u64,
    followers: HashMap<ProblemId, BTreeMap<&'static str, u64>>,
    /// Where reading progress is told, if anywhere.
    progress: Option<Progress>,
}

impl Problems {
    /// Problems whose collection tells reading progress to `progress`.
    pub(crate) fn telling(progress: Option<Progress>) -> Self {
        Self {
            progress,
            ..Self::default()
        }
    }

    pub(crate) fn tell(&self, stage: Stage) {
        if let Some(progress) = &self.progress {
            progress(stage);
        }
    }

    /// From here on, problems sort in this order of files.
    pub(crate) fn set_order(&mut self, order: FileOrder) {
        self.order = order;
    }

    /// The id the next problem will have: a caller compares it before and after a step to
    /// learn whether (and with which problem first) the step failed.
    pub(crate) fn next_id(&self) -> ProblemId {
        ProblemId(self.next)
    }

    pub(crate) fn add(&mut self, problem: Problem) -> ProblemId {
        let id = ProblemId(self.next);
        self.next += 1;
        self.total += 1;
        let key = (self.order.rank(problem.file), problem.line, id.0);
        let full = self.listed.len() >= LISTED;
        if full && self.listed.peek().is_some_and(|last| last.key < key) {
            return id;
        }
        self.listed.push(Ranked { key, problem });
        if self.listed.len() > LISTED {
            self.listed.pop();
        }
        id
    }

    /// Adds problems found in the database: the first few, and how many in all.
    pub(crate) fn add_counted(&mut self, listed: impl IntoIterator<Item = Problem>, total: u64) {
        let mut added = 0;
        for problem in listed {
            self.add(problem);
            added += 1;
        }
        self.total += usize::try_from(total.saturating_sub(added)).unwrap_or(usize::MAX);
    }

    /// Counts a row of `file` that refers to what the problem `cause` refused.
    pub(crate) fn follow(&mut self, cause: ProblemId, file: &'static str) {
        self.follow_rows(cause, file, 1);
    }

    /// Counts `rows` rows of `file` that refer to what the problem `cause` is about.
    pub(crate) fn follow_rows(&mut self, cause: ProblemId, file: &'static str, rows: u64) {
        *self
            .followers
            .entry(cause)
            .or_default()
            .entry(file)
            .or_default() += rows;
    }

    /// The listed problems in report order, each with its followers.
    pub(crate) fn into_listed(mut self) -> (Vec<Problem>, usize) {
        let listed = std::mem::take(&mut self.listed).into_sorted_vec();
        let problems = listed
            .into_iter()
            .map(|ranked| {
                let mut problem = ranked.problem;
                if let Some(followers) = self.followers.remove(&ProblemId(ranked.key.2)) {
                    problem.followers = followers;
                }
                problem
            })
            .collect();
        (problems, self.total)
    }

    pub(crate) fn rejected(self) -> ImportError {
        let (problems, total) = self.into_listed();
        ImportError::Rejected { problems, total }
    }
}

pub(crate) fn single(problem: Problem) -> ImportError {
    ImportError::Rejected {
        problems: vec![problem],
        total: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_come_out_by_file_then_line_whatever_the_order_they_were_found_in() {
        let mut problems = Problems::default();
        problems.set_order(FileOrder::new(
            &["users.csv", "roles.csv"],
            &["orgs.csv", "roles.csv", "users.csv", "enrollments.csv"],
        ));
        problems.add(Problem::at("enrollments.csv", 2, "e"));
        problems.add(Problem::at("roles.csv", 9, "r9"));
        let cause = problems.add(Problem::at("users.csv", 5, "u5"));
        problems.add(Problem::at("roles.csv", 3, "r3"));
        problems.add(Problem::general("g"));
        problems.add(Problem::at("manifest.csv", 2, "m"));
        problems.follow(cause, "roles.csv");
        problems.follow(cause, "enrollments.csv");
        problems.follow(cause, "enrollments.csv");
        let (listed, total) = problems.into_listed();
        let text: Vec<String> = listed.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "g",
                "manifest.csv:2: m",
                "users.csv:5: u5 … and 3 rows in enrollments.csv, roles.csv refer to it",
                "roles.csv:3: r3",
                "roles.csv:9: r9",
                "enrollments.csv:2: e",
            ]
        );
        assert_eq!(total, 6);
    }

    #[test]
    fn long_values_are_cut_short() {
        assert_eq!(quoted("u-1"), "\"u-1\"");
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        let long = "é".repeat(100);
        assert_eq!(quoted(&long), format!("{:?}… (200 bytes)", "é".repeat(60)));
    }

    #[test]
    fn only_the_first_problems_in_report_order_are_kept() {
        let mut problems = Problems::default();
        for line in (1..=LISTED as u64 * 3).rev() {
            problems.add(Problem::at("users.csv", line, "x"));
        }
        let (listed, total) = problems.into_listed();
        assert_eq!(total, LISTED * 3);
        let lines: Vec<u64> = listed.iter().map(|p| p.line).collect();
        assert_eq!(lines, (1..=LISTED as u64).collect::<Vec<_>>());
    }
}
