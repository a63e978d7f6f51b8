//! The school calendar, courses, classes and categories, and the merges of the staged files.

use std::collections::{HashMap, HashSet};

use super::super::problems::{Problem, quoted};
use super::super::read::{Common, Set, staged_file};
use super::super::{ImportError, LISTED, Mode};
use super::people::Schools;
use super::{Applier, tally};
use crate::store::{CategoryFields, ClassFields, CourseFields, RosterTable, SessionFields, Staged};

/// sourcedId → (id, active) of one kind of record.
type Ids = HashMap<String, (i64, bool)>;

impl Applier<'_> {
    /// Everything after people, in the order each kind's references need.
    pub(super) async fn rosters(
        &mut self,
        set: &Set,
        schools: &Schools,
    ) -> Result<(), ImportError> {
        let sessions = self.sessions(set).await?;
        let courses = self.courses(set).await?;
        self.classes(set, schools, &courses, &sessions).await?;
        self.merge(set, Staged::Enrollments).await?;
        self.categories(set).await?;
        for staged in [
            Staged::LineItems,
            Staged::Results,
            Staged::Attendance,
            Staged::TermGrades,
            Staged::NoSchoolDays,
        ] {
            self.merge(set, staged).await?;
        }
        Ok(())
    }

    async fn sessions(&mut self, set: &Set) -> Result<Ids, ImportError> {
        let (district, now) = (self.district.id, self.now);
        let mut stored = self
            .tx
            .roster_ids(RosterTable::AcademicSessions, district)
            .await?;
        let Some((mode, rows)) = &set.sessions else {
            return Ok(stored);
        };
        self.counts("academic sessions");
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
            let written = self
                .tx
                .upsert_session(
                    district,
                    &r.common.sourced_id,
                    &f,
                    now,
                    *mode == Mode::Delta,
                )
                .await?;
            self.written("academic sessions", &mut stored, &r.common, written);
        }
        self.missing_from_bulk(
            RosterTable::AcademicSessions,
            "academic sessions",
            &mut stored,
            *mode,
            rows.iter().map(|r| &r.common),
        )
        .await?;
        Ok(stored)
    }

    async fn courses(&mut self, set: &Set) -> Result<Ids, ImportError> {
        let (district, now) = (self.district.id, self.now);
        let mut stored = self.tx.roster_ids(RosterTable::Courses, district).await?;
        let Some((mode, rows)) = &set.courses else {
            return Ok(stored);
        };
        self.counts("courses");
        for r in rows {
            let f = CourseFields {
                title: &r.title,
                code: r.code.as_deref(),
                active: !r.common.deleted,
                modified_at: r.common.modified_at.as_deref(),
            };
            let written = self
                .tx
                .upsert_course(
                    district,
                    &r.common.sourced_id,
                    &f,
                    now,
                    *mode == Mode::Delta,
                )
                .await?;
            self.written("courses", &mut stored, &r.common, written);
        }
        self.missing_from_bulk(
            RosterTable::Courses,
            "courses",
            &mut stored,
            *mode,
            rows.iter().map(|r| &r.common),
        )
        .await?;
        Ok(stored)
    }

    async fn classes(
        &mut self,
        set: &Set,
        schools: &Schools,
        courses: &Ids,
        sessions: &Ids,
    ) -> Result<(), ImportError> {
        let (district, now) = (self.district.id, self.now);
        let mut stored = self.tx.roster_ids(RosterTable::Classes, district).await?;
        let Some((mode, rows)) = &set.classes else {
            return Ok(());
        };
        self.counts("classes");
        let mut new_classes = Vec::new();
        let stored_terms = self.tx.class_term_sets(district).await?;
        for r in rows {
            let course = courses.get(&r.course).map(|c| c.0);
            let school = schools.get(&r.school).map(|s| s.id);
            let terms: Option<Vec<i64>> = r
                .terms
                .iter()
                .map(|t| sessions.get(t).map(|s| s.0))
                .collect();
            let (Some(course_id), Some(school_id), Some(terms)) = (course, school, terms) else {
                self.problems.add(Problem::at(
                    "classes.csv",
                    r.common.line,
                    "refers to a course, school or term the database does not hold",
                ));
                continue;
            };
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
            let Some(&(id, _)) = stored.get(&r.common.sourced_id) else {
                new_classes.push((r.common.sourced_id.as_str(), f, terms));
                continue;
            };
            let mut sorted = terms.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let terms_differ = stored_terms.get(&id).map_or(&[][..], Vec::as_slice) != sorted;
            let written = self
                .tx
                .upsert_class(
                    district,
                    &r.common.sourced_id,
                    &f,
                    &terms,
                    terms_differ,
                    now,
                    *mode == Mode::Delta,
                )
                .await?;
            self.written("classes", &mut stored, &r.common, written);
        }
        self.tx.insert_classes(district, &new_classes, now).await?;
        for (_, f, _) in &new_classes {
            tally(self.counts("classes"), None, f.active);
        }
        self.missing_from_bulk(
            RosterTable::Classes,
            "classes",
            &mut stored,
            *mode,
            rows.iter().map(|r| &r.common),
        )
        .await?;
        Ok(())
    }

    async fn categories(&mut self, set: &Set) -> Result<(), ImportError> {
        let (district, now) = (self.district.id, self.now);
        let mut stored = self
            .tx
            .roster_ids(RosterTable::Categories, district)
            .await?;
        let Some((mode, rows)) = &set.categories else {
            return Ok(());
        };
        self.counts("categories");
        for r in rows {
            let f = CategoryFields {
                title: &r.title,
                weight: r.weight,
                active: !r.common.deleted,
                modified_at: r.common.modified_at.as_deref(),
            };
            let written = self
                .tx
                .upsert_category(
                    district,
                    &r.common.sourced_id,
                    &f,
                    now,
                    *mode == Mode::Delta,
                )
                .await?;
            self.written("categories", &mut stored, &r.common, written);
        }
        self.missing_from_bulk(
            RosterTable::Categories,
            "categories",
            &mut stored,
            *mode,
            rows.iter().map(|r| &r.common),
        )
        .await
    }

    /// Counts a record the store wrote (`written` is its id; `None` when it was unchanged).
    fn written(
        &mut self,
        kind: &'static str,
        stored: &mut Ids,
        common: &Common,
        written: Option<i64>,
    ) {
        if let Some(id) = written {
            let active = !common.deleted;
            let before = stored.insert(common.sourced_id.clone(), (id, active));
            tally(self.counts(kind), before.map(|b| b.1), active);
        }
    }

    /// In a bulk file, switches off what the file no longer holds.
    async fn missing_from_bulk<'c>(
        &mut self,
        table: RosterTable,
        kind: &'static str,
        stored: &mut Ids,
        mode: Mode,
        rows: impl Iterator<Item = &'c Common>,
    ) -> Result<(), ImportError> {
        if mode != Mode::Bulk {
            return Ok(());
        }
        let present: HashSet<&str> = rows.map(|c| c.sourced_id.as_str()).collect();
        self.deactivate_missing(table, kind, stored, &present).await
    }

    /// Merges one staged file. A shortfall (a reference the database cannot resolve, which
    /// the check stage should have found) lists the rows and leaves the transaction to roll
    /// back.
    async fn merge(&mut self, set: &Set, staged: Staged) -> Result<(), ImportError> {
        let Some(&(_, mode)) = set.staged.iter().find(|(s, _)| *s == staged) else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        if !self.tx.sealed(staged).await? {
            let (repeats, total) = self.tx.stage_duplicates(staged, LISTED as i64).await?;
            let listed = repeats.into_iter().map(|(line, sourced_id)| {
                Problem::at(
                    staged_file(staged),
                    line,
                    format!("duplicate sourcedId {}", quoted(&sourced_id)),
                )
            });
            self.problems.add_counted(listed, total);
        }
        if self.problems.total > 0 {
            return Ok(());
        }
        let narrow = matches!(
            staged,
            Staged::Results | Staged::Attendance | Staged::TermGrades
        );
        if narrow && mode == Mode::Delta {
            self.tx
                .forget_snapshots_moved_by(self.district.id, staged)
                .await?;
        }
        let merged = self
            .tx
            .merge_stage(
                staged,
                self.district.id,
                self.now,
                mode == Mode::Delta,
                mode == Mode::Bulk,
            )
            .await?;
        let Some(merged) = merged else {
            // Some rows name records the district does not hold: the line items the check
            // stage left to the district, most likely; they are looked up now, to name them.
            if let Some(catalog) = self.catalog.take() {
                catalog
                    .resolve_pending(&mut self.tx, self.district, &mut self.problems)
                    .await?;
            }
            if self.problems.total == 0 {
                self.problems.add(Problem::file(
                    staged_file(staged),
                    "some rows refer to records the district does not hold",
                ));
            }
            return Ok(());
        };
        tracing::debug!(file = staged_file(staged), elapsed = ?started.elapsed(), "import merged");
        // A delta's rows of scores, attendance or posted grades name every student they
        // change; a bulk file also switches off what it no longer holds, which no row names.
        // (A change to any other kind reaches everyone: `finish` sees it in the report.)
        if narrow && merged.created + merged.updated + merged.deactivated > 0 {
            if mode == Mode::Delta {
                self.reach.named_in(staged);
            } else {
                self.reach.everyone();
            }
        }
        let counts = self.counts(kind_name(staged));
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        counts.created += count(merged.created);
        counts.updated += count(merged.updated);
        counts.deactivated += count(merged.deactivated);
        Ok(())
    }
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
