//! First-read snapshots: what the Grades and Today tools need of one student, kept as one row,
//! so that the first read of a student after an import is one indexed read and not a dozen
//! scattered ones (the morning after the night's import, nearly every read is a first read).
//!
//! A snapshot holds the records as the store reads them: the student's classes (with teachers
//! and terms), the scores that count toward grades, the posted grades, and, for the week from
//! the day it was made, the work due and scored and the attendance and days off that Today
//! shows. Nothing in it depends on the day it is read, the language, the grading scale or who
//! may see whom: the views are still made from it on each read, by the same code as from the
//! store, and every read is still authorized first and audited before its answer.
//!
//! Staying right: every import deletes, in its own transaction, the snapshots its changes
//! reach (every one of the district, unless it changed only scores, attendance, posted grades
//! or students' own rows: see `import::apply`'s `Reach`) and then asks for new ones (a job,
//! done by any node's worker, for every student someone can read who has none); a snapshot
//! is written only while the district is still at the revision its records were read at, so
//! one made from records an import has since replaced is never written. A student without a
//! snapshot is read from the store, and the snapshot made on the way is kept.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::records::{Graded, parse_day};
use super::{Error, Result};
use crate::app::App;
use crate::domain::{AccountKind, District, DistrictId, JobOutcome, Mark, SCORE_STATUSES};
use crate::store::{
    AttendanceRecord, ClassRecord, Dates, JobRecord, MarkRecord, Marks, NewJob, NoSchoolDay,
    Records, StudentRecord, TermGradeRecord,
};

/// Days after the day a snapshot was made that its dated parts still cover.
pub const WEEK: i64 = 6;
/// What Today shows: work due from today through the next seven days, scores of the last
/// fourteen days.
pub const DUE_SOON_DAYS: i64 = 7;
pub const RECENT_DAYS: i64 = 14;

/// The form of a kept snapshot. postcard's bytes do not name their fields: bytes of another
/// shape could decode as this one, wrongly, so a change to the shape of [`Snapshot`] or of any
/// record in it takes a new number (`the_kept_form_is_pinned` fails until it has one).
const FORM: u8 = 2;

/// The job that makes a district's snapshots after an import.
pub const SNAPSHOTS_JOB: &str = "snapshots.make";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The day it was made (`YYYY-MM-DD`): the dated parts cover it and [`WEEK`] days after.
    pub from: String,
    pub classes: Vec<ClassRecord>,
    /// The student's scored assignments, with what a grade needs of each.
    scored: Vec<GradeMark>,
    pub posted: Vec<TermGradeRecord>,
    /// Assignments due from `from` to before `from` + WEEK + 8 days.
    due: Vec<MarkRecord>,
    /// Results scored from `from` − 14 days to before `from` + WEEK + 1 day.
    recent: Vec<MarkRecord>,
    /// Attendance marks and days off from `from` to before `from` + WEEK + 1 day.
    attendance: Vec<AttendanceRecord>,
    no_school: Vec<NoSchoolDay>,
}

/// A scored assignment as a grade needs it: (class, grading period, category, weight, score,
/// points possible, status, due date, late, missing). The status and the due date are kept as
/// a code and a day, not text: a snapshot holds a couple of hundred of these, and decoding
/// them then copies no text and parses no date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GradeMark(
    i64,
    Option<i64>,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Status,
    Option<Day>,
    bool,
    bool,
);

/// A result's status: OneRoster's five (all the import takes), or, kept whole, any other text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Status {
    None,
    Exempt,
    FullyGraded,
    NotSubmitted,
    PartiallyGraded,
    Submitted,
    Other(String),
}

impl Status {
    /// Those of [`SCORE_STATUSES`], in its order.
    const NAMED: [Status; 5] = [
        Status::Exempt,
        Status::FullyGraded,
        Status::NotSubmitted,
        Status::PartiallyGraded,
        Status::Submitted,
    ];

    fn of(text: Option<&str>) -> Self {
        let Some(text) = text else { return Self::None };
        SCORE_STATUSES
            .iter()
            .position(|name| *name == text)
            .map_or_else(
                || Self::Other(text.to_owned()),
                |at| Self::NAMED[at].clone(),
            )
    }

    fn text(&self) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Other(text) => Some(text),
            named => Self::NAMED
                .iter()
                .position(|status| status == named)
                .map(|at| SCORE_STATUSES[at]),
        }
    }
}

/// A due date as (year, month, day): the day a grade reads of it (see `records::parse_day`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Day(i16, i8, i8);

impl Day {
    fn of(text: Option<&str>) -> Option<Self> {
        parse_day(text).map(|d| Self(d.year(), d.month(), d.day()))
    }

    fn date(self) -> Option<Date> {
        Date::new(self.0, self.1, self.2).ok()
    }
}

impl From<&MarkRecord> for GradeMark {
    fn from(m: &MarkRecord) -> Self {
        Self(
            m.class_id,
            m.grading_period_id,
            m.category_id,
            m.weight,
            m.score,
            m.max,
            Status::of(m.status.as_deref()),
            Day::of(m.due_date.as_deref()),
            m.late,
            m.missing,
        )
    }
}

impl GradeMark {
    fn graded(&self) -> Graded<'_> {
        let GradeMark(class_id, period, category, weight, score, max, status, due, late, missing) =
            self;
        Graded {
            class_id: *class_id,
            period: *period,
            category: *category,
            weight: *weight,
            mark: Mark {
                status: status.text(),
                score: *score,
                max: *max,
                due: due.and_then(Day::date),
                late: *late,
                missing: *missing,
            },
        }
    }
}

/// What Today shows for one day, from a snapshot or from the store.
pub struct Dated {
    pub due: Vec<MarkRecord>,
    pub recent: Vec<MarkRecord>,
    pub attendance: Vec<AttendanceRecord>,
    pub no_school: Option<String>,
}

/// `[from, before)` as the store's date bounds.
fn dates(from: Date, before: Date) -> Dates {
    Dates {
        from: Some(from.to_string()),
        before: Some(before.to_string()),
    }
}

fn due_soon(day: Date) -> Dates {
    dates(day, day.saturating_add((DUE_SOON_DAYS + 1).days()))
}

fn recent(day: Date) -> Dates {
    dates(
        day.saturating_sub(RECENT_DAYS.days()),
        day.saturating_add(1.day()),
    )
}

fn only(day: Date) -> Dates {
    dates(day, day.saturating_add(1.day()))
}

/// Whether `text` (a date, or a date and time) falls within the bounds, compared as text as
/// the store compares it.
fn within(text: Option<&str>, bounds: &Dates) -> bool {
    text.is_some_and(|t| {
        bounds.from.as_deref().is_none_or(|from| t >= from)
            && bounds.before.as_deref().is_none_or(|before| t < before)
    })
}

impl Snapshot {
    /// Reads what the snapshot holds from the store, for the week from `day`.
    pub async fn make(
        reads: &Records,
        district: DistrictId,
        student: &StudentRecord,
        day: Date,
    ) -> Result<Self> {
        let id = student.id;
        let last = day.saturating_add(WEEK.days());
        let week = dates(day, last.saturating_add(1.day()));
        Ok(Self {
            from: day.to_string(),
            classes: reads.classes_of(district, id).await?,
            scored: reads
                .marks_of(district, id, &Marks::Scored)
                .await?
                .iter()
                .map(GradeMark::from)
                .collect(),
            posted: reads.term_grades_of(district, id).await?,
            due: reads
                .marks_of(
                    district,
                    id,
                    &Marks::Due(dates(day, last.saturating_add((DUE_SOON_DAYS + 1).days()))),
                )
                .await?,
            recent: reads
                .marks_of(
                    district,
                    id,
                    &Marks::ScoredWithin(dates(
                        day.saturating_sub(RECENT_DAYS.days()),
                        last.saturating_add(1.day()),
                    )),
                )
                .await?,
            attendance: reads.attendance_of(district, id, &week).await?,
            no_school: reads
                .no_school_days(district, student.school_id, &week)
                .await?,
        })
    }

    /// The snapshot as it is kept: its form's number, then postcard's binary form, which a
    /// first read decodes in about 9 µs where its JSON took 52–57 µs (a sixth of the server's
    /// work in such a read; docs/BENCHMARKS.md).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        postcard::to_extend(self, vec![FORM])
            .map_err(|e| Error::internal(format!("a snapshot's bytes: {e}")))
    }

    /// A kept snapshot; an error for bytes that are not one in this form (kept by another
    /// version, say), which the read then makes again from the store.
    pub fn from_bytes(body: &[u8]) -> std::result::Result<Self, postcard::Error> {
        match body.split_first() {
            Some((&FORM, rest)) => postcard::from_bytes(rest),
            _ => Err(postcard::Error::DeserializeBadEncoding),
        }
    }

    /// The scored assignments, as a grade reads them.
    pub(super) fn scored(&self) -> Vec<Graded<'_>> {
        self.scored.iter().map(GradeMark::graded).collect()
    }

    /// What Today shows on `day`, when the snapshot's week covers it.
    pub fn dated(&self, day: Date) -> Option<Dated> {
        let from: Date = self.from.parse().ok()?;
        if day < from || day > from.saturating_add(WEEK.days()) {
            return None;
        }
        let (soon, recent, today) = (due_soon(day), recent(day), only(day));
        Some(Dated {
            due: self
                .due
                .iter()
                .filter(|m| within(m.due_date.as_deref(), &soon))
                .cloned()
                .collect(),
            recent: self
                .recent
                .iter()
                .filter(|m| within(m.score_date.as_deref(), &recent))
                .cloned()
                .collect(),
            attendance: self
                .attendance
                .iter()
                .filter(|a| within(Some(&a.date), &today))
                .cloned()
                .collect(),
            no_school: self
                .no_school
                .iter()
                .find(|d| within(Some(&d.date), &today))
                .map(|d| d.description.clone()),
        })
    }
}

/// What Today shows on `day`, read from the store.
pub async fn dated_from_store(
    reads: &Records,
    district: DistrictId,
    student: &StudentRecord,
    day: Date,
) -> Result<Dated> {
    let id = student.id;
    Ok(Dated {
        due: reads
            .marks_of(district, id, &Marks::Due(due_soon(day)))
            .await?,
        recent: reads
            .marks_of(district, id, &Marks::ScoredWithin(recent(day)))
            .await?,
        attendance: reads.attendance_of(district, id, &only(day)).await?,
        no_school: reads
            .no_school_days(district, student.school_id, &only(day))
            .await?
            .into_iter()
            .next()
            .map(|d| d.description),
    })
}

/// The student's snapshot: the one kept, or one made from the store now (and kept, while the
/// district is still at the revision the request began at).
pub async fn of(
    app: &App,
    reads: &Records,
    district: &District,
    student: &StudentRecord,
    day: Date,
) -> Result<Snapshot> {
    if let Some(body) = reads.snapshot_of(district.id, student.id).await? {
        match Snapshot::from_bytes(&body) {
            Ok(snapshot) => return Ok(snapshot),
            Err(err) => tracing::warn!(%err, student = student.id, "a snapshot does not parse"),
        }
    }
    let snapshot = Snapshot::make(reads, district.id, student, day).await?;
    // Kept for the next first read; a snapshot that cannot be written now (the database busy
    // writing an import, say) costs that read its speed, never this one its answer.
    if let Err(err) = keep(app, district.id, student.id, district.revision, &snapshot).await {
        tracing::warn!(%err, student = student.id, "a snapshot could not be kept");
    }
    Ok(snapshot)
}

async fn keep(
    app: &App,
    district: DistrictId,
    student: i64,
    revision: i64,
    snapshot: &Snapshot,
) -> Result<bool> {
    let body = snapshot.to_bytes()?;
    Ok(app
        .store
        .keep_snapshot(district, student, revision, &body)
        .await?)
}

/// The job an import leaves: snapshots for its district, made after it commits. `revision` is
/// the district's revision the import committed.
pub fn job(district: DistrictId, revision: i64) -> NewJob<'static> {
    NewJob {
        district,
        kind: SNAPSHOTS_JOB,
        payload: "{}".to_owned(),
        idempotency_key: format!("snapshots:{revision}"),
    }
}

/// Makes a snapshot for every student someone can read who has none in this form.
pub async fn run(app: &App, job: &JobRecord) -> JobOutcome {
    match make_all(app, job.district).await {
        Ok(made) => {
            tracing::info!(district = job.district.0, made, "snapshots made");
            JobOutcome::Done
        }
        Err(Error::Unavailable(err)) => JobOutcome::Retry(err.to_string()),
        Err(err) => JobOutcome::Give(err.to_string()),
    }
}

async fn make_all(app: &App, district: DistrictId) -> Result<usize> {
    let Some(found) = app.store.district_by_id(district).await? else {
        return Ok(0);
    };
    let day = super::tools::today(app, &found);
    let reads = app.store.records().await?;
    let mut made = 0;
    for id in app.store.readable_students(district).await? {
        // A kept row of another form (from a version before this one) is made again here
        // rather than at its student's first read.
        let kept = reads.snapshot_of(district, id).await?;
        if kept.is_some_and(|body| Snapshot::from_bytes(&body).is_ok()) {
            continue;
        }
        // The revision before the records are read: if an import commits meanwhile, the
        // snapshot made from what it replaced is not written.
        let revision = app.store.revision_of(district).await?;
        let found = app
            .store
            .visible_students(district, AccountKind::Student, id, &day.to_string())
            .await?;
        let Some(student) = found.first() else {
            continue;
        };
        let snapshot = Snapshot::make(&reads, district, student, day).await?;
        if keep(app, district, id, revision, &snapshot).await? {
            made += 1;
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Snapshot {
        let mark = MarkRecord {
            line_item_id: 7,
            class_id: 3,
            title: "Essay".to_owned(),
            description: None,
            assign_date: Some("2026-03-01".to_owned()),
            due_date: Some("2026-03-05".to_owned()),
            max: Some(10.0),
            category_id: Some(2),
            category: Some("Homework".to_owned()),
            weight: Some(0.25),
            grading_period_id: Some(9),
            score: Some(8.5),
            status: Some("fully graded".to_owned()),
            comment: None,
            score_date: Some("2026-03-06".to_owned()),
            late: true,
            missing: false,
        };
        Snapshot {
            from: "2026-03-09".to_owned(),
            classes: vec![ClassRecord {
                id: 3,
                title: "Algebra".to_owned(),
                code: None,
                periods: Some("2".to_owned()),
                location: None,
                course: "Math".to_owned(),
                school: "Cedar".to_owned(),
                teachers: vec![(4, "Ana".to_owned(), "Diaz".to_owned())],
                terms: vec![9],
            }],
            scored: vec![GradeMark::from(&mark)],
            posted: vec![TermGradeRecord {
                class_id: 3,
                session_id: 9,
                grade: "B".to_owned(),
                percent: Some(85.0),
                comment: None,
            }],
            due: vec![mark.clone()],
            recent: vec![mark],
            attendance: vec![AttendanceRecord {
                date: "2026-03-09".to_owned(),
                status: "tardy".to_owned(),
                excused: true,
                class_id: Some(3),
            }],
            no_school: vec![NoSchoolDay {
                date: "2026-03-10".to_owned(),
                description: "Break".to_owned(),
            }],
        }
    }

    #[test]
    fn a_kept_snapshot_reads_back_as_it_was() {
        let snapshot = sample();
        let body = snapshot.to_bytes().unwrap();
        assert_eq!(Snapshot::from_bytes(&body).unwrap(), snapshot);
    }

    /// The bytes of a fixed snapshot. When this fails, the kept form has changed: give
    /// [`FORM`] a new number (rows kept in the old form are then made again), then the bytes.
    #[test]
    fn the_kept_form_is_pinned() {
        let body = sample().to_bytes().unwrap();
        let hex: String = body.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, PINNED, "the kept form changed: see FORM");
    }

    const PINNED: &str = concat!(
        "020a323032362d30332d3039010607416c67656272610001013200044d6174680543656461720108",
        "03416e61044469617a011201060112010401000000000000d03f0100000000000021400100000000",
        "000024400201d41f03050100010612014201000000000040554000010e0605457373617900010a32",
        "3032362d30332d3031010a323032362d30332d303501000000000000244001040108486f6d65776f",
        "726b01000000000000d03f0112010000000000002140010c66756c6c792067726164656400010a32",
        "3032362d30332d30360100010e0605457373617900010a323032362d30332d3031010a323032362d",
        "30332d303501000000000000244001040108486f6d65776f726b01000000000000d03f0112010000",
        "000000002140010c66756c6c792067726164656400010a323032362d30332d30360100010a323032",
        "362d30332d3039057461726479010106010a323032362d30332d313005427265616b",
    );

    #[test]
    fn a_status_and_a_due_date_read_back_as_a_grade_reads_them() {
        for text in [
            None,
            Some("exempt"),
            Some("fully graded"),
            Some("not submitted"),
            Some("partially graded"),
            Some("submitted"),
            Some("graded by hand"),
        ] {
            assert_eq!(Status::of(text).text(), text);
        }
        for text in [
            Some("2026-03-05"),
            Some("2026-03-05T23:59:00Z"),
            Some("2028-02-29"),
            Some("2026-02-30"),
            Some("soon"),
            Some(""),
            None,
        ] {
            let kept = postcard::to_allocvec(&Day::of(text)).unwrap();
            let read: Option<Day> = postcard::from_bytes(&kept).unwrap();
            assert_eq!(read.and_then(Day::date), parse_day(text), "{text:?}");
        }
        assert!(parse_day(Some("2026-03-05T23:59:00Z")).is_some());
    }

    #[test]
    fn bytes_of_another_form_or_none_are_not_a_snapshot() {
        let mut body = sample().to_bytes().unwrap();
        body[0] = FORM.wrapping_add(1);
        assert!(Snapshot::from_bytes(&body).is_err());
        assert!(Snapshot::from_bytes(&[]).is_err());
        assert!(Snapshot::from_bytes(&[FORM]).is_err());
    }
}
