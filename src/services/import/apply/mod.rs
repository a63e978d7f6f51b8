//! The apply stage: a checked set written in the import's one transaction, by one applier that
//! owns the transaction, the district and the time of the import.

mod people;
mod rosters;

use std::collections::{HashMap, HashSet};

use super::check::Catalog;
use super::problems::Problems;
use super::read::Read;
use super::{Counts, ImportError, Mode, News, Report};
use crate::app::App;
use crate::domain::District;
use crate::services::admin::Actor;
use crate::store::{AuditEntry, RosterTable, Staged, Tx};

/// Writes a set: schools, people and relationships, the calendar, courses, classes, the
/// staged files, then the news job, the audit entry and the district's revision, and commits.
pub(crate) async fn apply(
    app: &App,
    district: &District,
    read: Read,
    tx: Tx,
    actor: Actor<'_>,
    news: News,
) -> Result<Report, ImportError> {
    let Read {
        mut set,
        catalog,
        problems,
    } = read;
    let (warnings, warning_total) = std::mem::take(&mut set.warnings).into_listed();
    let mut applier = Applier {
        tx,
        district,
        now: app.clock.unix(),
        report: Report {
            warnings,
            warning_total,
            ..Report::default()
        },
        problems,
        catalog: Some(catalog),
        news,
        reach: Reach::default(),
    };
    let started = std::time::Instant::now();
    // The large files' staging tables are indexed (on PostgreSQL, beside this transaction)
    // in the order they are merged in; each is checked for repeats just before its merge.
    let staged: Vec<Staged> = Staged::ALL
        .into_iter()
        .filter(|kind| set.staged.iter().any(|(s, _)| s == kind))
        .collect();
    applier.tx.seal_stages(&staged).await?;

    let schools = applier.schools(&set).await?;
    applier.people(&set, &schools).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "import wrote schools and people");
    applier.rosters(&set, &schools).await?;
    applier.finish(actor).await
}

/// The import's transaction and what it has done so far.
struct Applier<'a> {
    tx: Tx,
    district: &'a District,
    /// The time every row written is stamped with.
    now: i64,
    report: Report,
    /// References the merges could not resolve. The check stage has found every one before
    /// anything is written, but for line items it left to the district: those are looked up
    /// only when a merge falls short, so that a good import never pays for it.
    problems: Problems,
    /// What the check stage knows, with the line items still to look up.
    catalog: Option<Catalog>,
    /// Whether families hear of new scores and marks.
    news: News,
    /// Whose first-read snapshots what this import changed reaches.
    reach: Reach,
}

/// Whose first-read snapshots an import's changes reach, so that a delta forgets only those.
/// Most changes reach everyone (a class, an assignment, the calendar, a teacher's name); a
/// delta of scores, attendance or posted grades reaches only the students its rows name, and
/// a change to a student's own row only that student.
#[derive(Debug, Default)]
enum Reach {
    /// These students, and those the rows of these staged delta files name.
    Some {
        students: HashSet<i64>,
        named_in: Vec<Staged>,
    },
    #[default]
    Nobody,
    Everyone,
}

impl Reach {
    fn everyone(&mut self) {
        *self = Reach::Everyone;
    }

    fn student(&mut self, id: i64) {
        match self {
            Reach::Everyone => {}
            Reach::Some { students, .. } => {
                students.insert(id);
            }
            Reach::Nobody => {
                *self = Reach::Some {
                    students: HashSet::from([id]),
                    named_in: Vec::new(),
                }
            }
        }
    }

    fn named_in(&mut self, staged: Staged) {
        match self {
            Reach::Everyone => {}
            Reach::Some { named_in, .. } => named_in.push(staged),
            Reach::Nobody => {
                *self = Reach::Some {
                    students: HashSet::new(),
                    named_in: vec![staged],
                }
            }
        }
    }
}

/// The kinds whose changes reach no snapshot, or only the students their rows name (which
/// the applier notes as it writes them); a change to any other kind reaches everyone.
const NARROW_KINDS: [&str; 5] = [
    "people",
    "relationships",
    "results",
    "attendance",
    "term grades",
];

/// A stored record the import may switch off: its id and whether it is active.
trait Activity {
    fn id(&self) -> i64;
    fn active(&self) -> bool;
    fn switch_off(&mut self);
}

impl Activity for (i64, bool) {
    fn id(&self) -> i64 {
        self.0
    }
    fn active(&self) -> bool {
        self.1
    }
    fn switch_off(&mut self) {
        self.1 = false;
    }
}

impl Applier<'_> {
    fn counts(&mut self, kind: &'static str) -> &mut Counts {
        self.report.kinds.entry(kind).or_default()
    }

    /// In a bulk file, what the file no longer holds becomes inactive: for every kind the
    /// import keeps in memory (the staged kinds do the same in one statement of their merge).
    /// Records Homeroom made itself are never the roster's to switch off.
    async fn deactivate_missing<T: Activity>(
        &mut self,
        table: RosterTable,
        kind: &'static str,
        stored: &mut HashMap<String, T>,
        present: &HashSet<&str>,
    ) -> Result<(), ImportError> {
        let mut switched_off = 0;
        for (sourced_id, record) in stored.iter_mut() {
            if record.active() && !present.contains(sourced_id.as_str()) && !made_here(sourced_id) {
                self.tx
                    .deactivate(table, self.district.id, record.id(), self.now)
                    .await?;
                record.switch_off();
                switched_off += 1;
            }
        }
        self.counts(kind).deactivated += switched_off;
        Ok(())
    }

    /// Ends the import: families hear of new scores and marks, the audit log names who
    /// imported what, the district's revision moves on, and everything commits at once.
    async fn finish(mut self, actor: Actor<'_>) -> Result<Report, ImportError> {
        if self.problems.total > 0 {
            // Nothing is committed: the transaction ends here and every write is undone.
            return Err(self.problems.rejected());
        }
        let (district, now) = (self.district, self.now);
        // Families hear of new scores and attendance marks: one job, in this transaction.
        let news = self.news == News::Tell
            && ["results", "attendance"].iter().any(|kind| {
                self.report
                    .kinds
                    .get(kind)
                    .is_some_and(|c| c.created + c.updated > 0)
            });
        if news {
            // What the merges wrote carries the run's id, and so does its news.
            let run = self.tx.import_run(district.id, now).await?;
            self.tx
                .enqueue(
                    &crate::services::notifications::import_job(district, run),
                    now,
                )
                .await?;
        }
        self.tx
            .audit(
                AuditEntry {
                    district: Some(district.id),
                    actor: actor.name,
                    account: actor.account,
                    action: "import.oneroster",
                    detail: Some(self.report.to_string()),
                    ..Default::default()
                },
                now,
            )
            .await?;
        // Every import counts as a change: the records families see may differ from here on.
        // The first-read snapshots this import's changes reach go (after the revision moves
        // on, which holds the district's row: a snapshot written meanwhile waits for this
        // commit, then finds the revision moved), and new ones are made once this commits.
        let revision = self.tx.bump_revision(district.id).await?;
        let wide = self.report.kinds.iter().any(|(kind, c)| {
            !NARROW_KINDS.contains(kind) && c.created + c.updated + c.deactivated > 0
        });
        if wide {
            self.reach.everyone();
        }
        match &self.reach {
            Reach::Nobody => {}
            Reach::Everyone => self.tx.forget_snapshots(district.id).await?,
            Reach::Some { students, named_in } => {
                let students: Vec<i64> = students.iter().copied().collect();
                self.tx.forget_snapshots_of(district.id, &students).await?;
                for &staged in named_in {
                    self.tx
                        .forget_snapshots_named_in(district.id, staged)
                        .await?;
                }
            }
        }
        for staged in Staged::ALL {
            self.tx.drop_stage(staged).await?;
        }
        self.tx
            .enqueue(&crate::services::snapshots::job(district.id, revision), now)
            .await?;
        self.tx.commit().await?;
        Ok(self.report)
    }
}

/// Records Homeroom made itself (district administrators): a roster never deactivates them.
fn made_here(sourced_id: &str) -> bool {
    sourced_id.starts_with("homeroom-")
}

/// In a delta, a row older than what is stored is left alone.
fn stale(stored: Option<&str>, incoming: Option<&str>, mode: Mode) -> bool {
    mode == Mode::Delta && matches!((stored, incoming), (Some(s), Some(i)) if i < s)
}

/// Counts a write: created when there was no row before, deactivated when it became
/// inactive, otherwise updated.
fn tally(counts: &mut Counts, before: Option<bool>, active: bool) {
    match (before, active) {
        (None, _) => counts.created += 1,
        (Some(true), false) => counts.deactivated += 1,
        _ => counts.updated += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_leaves_older_rows_alone() {
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
        assert!(!stale(Some("2024-03-19T13:05:12Z"), None, Mode::Delta));
    }
}
