//! `homeroom demo generate`: a realistic OneRoster 1.1 district written as CSV — schools,
//! a school year in two terms and four grading periods, families (about two guardians a student,
//! siblings sharing them), six or seven classes a student, thirty assignments per class per term,
//! scores for what is due, a term of attendance (absences and tardies), the first quarter's
//! posted grades and the year's days without school. Every file is written a row at a time, so
//! a large district never sits in memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use jiff::civil::Date;

/// Options for a generated district.
pub struct Options {
    pub students: u32,
    pub seed: u64,
    /// The school year starts in August of this year.
    pub year: i16,
}

/// The school year under way on `today` (or about to start): it begins in August.
pub fn school_year_of(today: jiff::civil::Date) -> i16 {
    if today.month() >= 7 {
        today.year()
    } else {
        today.year() - 1
    }
}

/// How many rows went into each file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    pub files: Vec<(&'static str, u64)>,
}

const GIVEN: &[&str] = &[
    "Ava", "Liam", "Sofía", "Noah", "Amara", "Mateo", "Zoë", "Ethan", "Mei", "Omar", "Chloé",
    "Kenji", "Isabella", "Lucas", "Aaliyah", "Diego", "Hannah", "Arjun", "Leila", "Jonas", "Priya",
    "Mason", "Nia", "Tomás", "Grace", "Yusuf", "Elena", "Caleb", "Fatima", "Owen", "Björn",
    "Siobhán",
];
const FAMILY: &[&str] = &[
    "Alvarez",
    "Nguyen",
    "Smith",
    "O'Brien",
    "Okafor",
    "Kim",
    "García",
    "Johnson",
    "Patel",
    "Chen",
    "Müller",
    "Brown",
    "Haddad",
    "Rossi",
    "Williams",
    "Kowalski",
    "Tanaka",
    "Davis",
    "Mensah",
    "Lefèvre",
    "Singh",
    "Martin",
    "Ivanova",
    "Hernández",
    "Walker",
    "Yilmaz",
    "Silva",
    "Lee",
];
const SUBJECTS: &[&str] = &[
    "Math",
    "English",
    "Science",
    "Social Studies",
    "Art",
    "Music",
    "PE",
];
/// Grades and the school level that teaches them.
const LEVELS: &[(&str, &[&str])] = &[
    ("Elementary", &["01", "02", "03", "04", "05"]),
    ("Middle", &["06", "07", "08"]),
    ("High", &["09", "10", "11", "12"]),
];
const CLASS_SIZE: u32 = 25;
const ASSIGNMENTS_PER_TERM: u32 = 30;

// The headers of the files of people's records.
const USERS: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
];
const COURSES: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "schoolYearSourcedId",
    "title",
    "courseCode",
    "grades",
    "orgSourcedId",
    "subjects",
];
const CLASSES: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "periods",
];
const ENROLLMENTS: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate",
];
const LINE_ITEMS: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "description",
    "assignDate",
    "dueDate",
    "classSourcedId",
    "categorySourcedId",
    "gradingPeriodSourcedId",
    "resultValueMin",
    "resultValueMax",
];
const RESULTS: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "lineItemSourcedId",
    "studentSourcedId",
    "scoreStatus",
    "score",
    "scoreDate",
    "comment",
];
const TERM_GRADES: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "userSourcedId",
    "termSourcedId",
    "grade",
    "percent",
    "comment",
];
/// The columns of Homeroom's own `attendance.csv`, as the import reads it.
pub const ATTENDANCE: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "userSourcedId",
    "classSourcedId",
    "date",
    "attendanceStatus",
    "excused",
];

/// A small, reproducible generator: demo data needs variety, not secrecy.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The school year: two terms (semesters) of two grading periods each.
fn write_sessions(dir: &Path, y0: i16, written: &mut Written) -> std::io::Result<()> {
    let mut sessions = Out::create(
        dir,
        "academicSessions.csv",
        &[
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "type",
            "startDate",
            "endDate",
            "parentSourcedId",
            "schoolYear",
        ],
    )?;
    let y1 = y0 + 1;
    for row in [
        [
            "y",
            "",
            "",
            &format!("{y0}-{y1}"),
            "schoolYear",
            &format!("{y0}-08-18"),
            &format!("{y1}-06-05"),
            "",
            &y1.to_string(),
        ],
        [
            "t1",
            "",
            "",
            "Fall Semester",
            "term",
            &format!("{y0}-08-18"),
            &format!("{y0}-12-19"),
            "y",
            &y1.to_string(),
        ],
        [
            "t2",
            "",
            "",
            "Spring Semester",
            "term",
            &format!("{y1}-01-06"),
            &format!("{y1}-06-05"),
            "y",
            &y1.to_string(),
        ],
        [
            "q1",
            "",
            "",
            "Quarter 1",
            "gradingPeriod",
            &format!("{y0}-08-18"),
            &format!("{y0}-10-17"),
            "t1",
            &y1.to_string(),
        ],
        [
            "q2",
            "",
            "",
            "Quarter 2",
            "gradingPeriod",
            &format!("{y0}-10-20"),
            &format!("{y0}-12-19"),
            "t1",
            &y1.to_string(),
        ],
        [
            "q3",
            "",
            "",
            "Quarter 3",
            "gradingPeriod",
            &format!("{y1}-01-06"),
            &format!("{y1}-03-13"),
            "t2",
            &y1.to_string(),
        ],
        [
            "q4",
            "",
            "",
            "Quarter 4",
            "gradingPeriod",
            &format!("{y1}-03-16"),
            &format!("{y1}-06-05"),
            "t2",
            &y1.to_string(),
        ],
    ] {
        sessions.row(&row)?;
    }
    sessions.finish(written)
}

/// Homework and tests, weighted 40 and 60.
fn write_categories(dir: &Path, written: &mut Written) -> std::io::Result<()> {
    let mut categories = Out::create(
        dir,
        "categories.csv",
        &["sourcedId", "status", "dateLastModified", "title", "weight"],
    )?;
    categories.row(&["cat-hw", "", "", "Homework", "40"])?;
    categories.row(&["cat-test", "", "", "Tests", "60"])?;
    categories.finish(written)
}

/// The school year's days without school, district-wide: the usual United States holidays
/// and breaks, on their weekdays.
fn write_calendar(dir: &Path, y0: i16, written: &mut Written) -> std::io::Result<()> {
    use jiff::ToSpan;
    use jiff::civil::{Date, Weekday};
    let y1 = y0 + 1;
    let nth = |year: i16, month: i8, n: i8, weekday: Weekday| {
        Date::new(year, month, 1)
            .and_then(|d| d.nth_weekday_of_month(n, weekday))
            .map_err(std::io::Error::other)
    };
    let mut days: Vec<(Date, &str)> = Vec::new();
    let mut span = |first: Date, count: i64, name: &'static str| {
        for i in 0..count {
            let day = first.saturating_add(i.days());
            if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
                days.push((day, name));
            }
        }
    };
    span(nth(y0, 9, 1, Weekday::Monday)?, 1, "Labor Day");
    span(
        nth(y0, 10, 2, Weekday::Monday)?,
        1,
        "Indigenous Peoples' Day",
    );
    span(
        Date::new(y0, 11, 11).map_err(std::io::Error::other)?,
        1,
        "Veterans Day",
    );
    span(nth(y0, 11, 4, Weekday::Thursday)?, 2, "Thanksgiving break");
    span(
        Date::new(y0, 12, 22).map_err(std::io::Error::other)?,
        12,
        "Winter break",
    );
    span(
        nth(y1, 1, 3, Weekday::Monday)?,
        1,
        "Martin Luther King Jr. Day",
    );
    span(nth(y1, 2, 3, Weekday::Monday)?, 1, "Presidents' Day");
    span(nth(y1, 3, 4, Weekday::Monday)?, 5, "Spring break");
    span(nth(y1, 5, -1, Weekday::Monday)?, 1, "Memorial Day");
    let mut calendar = Out::create(
        dir,
        "calendar.csv",
        &[
            "sourcedId",
            "status",
            "dateLastModified",
            "schoolSourcedId",
            "date",
            "description",
        ],
    )?;
    for (day, name) in days {
        calendar.row(&[&format!("off-{day}"), "", "", "", &day.to_string(), name])?;
    }
    calendar.finish(written)
}

/// One CSV file being written, with its row count.
struct Out {
    name: &'static str,
    writer: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Out {
    fn create(dir: &Path, name: &'static str, header: &[&str]) -> std::io::Result<Self> {
        let mut writer = csv::Writer::from_writer(BufWriter::new(File::create(dir.join(name))?));
        writer.write_record(header)?;
        Ok(Self {
            name,
            writer,
            rows: 0,
        })
    }

    fn row(&mut self, fields: &[&str]) -> std::io::Result<()> {
        self.rows += 1;
        Ok(self.writer.write_record(fields)?)
    }

    fn finish(mut self, written: &mut Written) -> std::io::Result<()> {
        self.writer.flush()?;
        written.files.push((self.name, self.rows));
        Ok(())
    }
}

/// Writes the district into `dir` (created if missing).
pub fn generate(dir: &Path, options: &Options) -> std::io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let mut dice = Dice(options.seed);
    let mut written = Written::default();

    let mut manifest = Out::create(dir, "manifest.csv", &["propertyName", "value"])?;
    for (property, value) in [
        ("manifest.version", "1.0"),
        ("oneroster.version", "1.1"),
        ("file.academicSessions", "bulk"),
        ("file.categories", "bulk"),
        ("file.classes", "bulk"),
        ("file.courses", "bulk"),
        ("file.enrollments", "bulk"),
        ("file.lineItems", "bulk"),
        ("file.orgs", "bulk"),
        ("file.results", "bulk"),
        ("file.users", "bulk"),
        ("file.attendance", "bulk"),
        ("file.termGrades", "bulk"),
        ("file.calendar", "bulk"),
    ] {
        manifest.row(&[property, value])?;
    }
    manifest.finish(&mut written)?;

    let (y0, y1) = (options.year, options.year + 1);
    write_sessions(dir, y0, &mut written)?;
    write_categories(dir, &mut written)?;

    // Students spread over the grades; schools of about 500 per level.
    let grades: Vec<(&str, &str)> = LEVELS
        .iter()
        .flat_map(|(level, gs)| gs.iter().map(move |g| (*level, *g)))
        .collect();
    let per_grade = options.students.div_ceil(grades.len() as u32).max(1);
    let schools_per_level = |level_grades: u32| (per_grade * level_grades).div_ceil(500).max(1);

    let mut orgs = Out::create(
        dir,
        "orgs.csv",
        &[
            "sourcedId",
            "status",
            "dateLastModified",
            "name",
            "type",
            "identifier",
            "parentSourcedId",
        ],
    )?;
    orgs.row(&[
        "district",
        "",
        "",
        "Generated Unified School District",
        "district",
        "",
        "",
    ])?;
    let mut schools: Vec<(String, &str)> = Vec::new();
    for (level, level_grades) in LEVELS {
        for n in 0..schools_per_level(level_grades.len() as u32) {
            let id = format!("sch-{}-{}", level.to_lowercase(), n + 1);
            let town = dice.pick(FAMILY);
            orgs.row(&[
                &id,
                "",
                "",
                &format!("{town} {level} School"),
                "school",
                "",
                "district",
            ])?;
            schools.push((id, level));
        }
    }
    orgs.finish(&mut written)?;

    let mut out = RecordFiles::create(dir)?;

    let mut student_number = 0u32;
    let mut guardian_number = 0u32;
    let mut teacher_number = 0u32;
    for (level, grade) in &grades {
        let level_schools: Vec<&String> = schools
            .iter()
            .filter(|(_, l)| l == level)
            .map(|(id, _)| id)
            .collect();
        for (school_index, school) in level_schools.iter().enumerate() {
            // This grade's students at this school.
            let count = per_grade / level_schools.len() as u32
                + u32::from((school_index as u32) < per_grade % level_schools.len() as u32);
            let count = count.min(options.students.saturating_sub(student_number));
            if count == 0 {
                continue;
            }
            let first = student_number;
            // Families of one to three children in this grade and school share guardians.
            let mut s = 0;
            while s < count {
                let children = (1 + dice.below(3) as u32).min(count - s);
                let family = dice.pick(FAMILY);
                let guardians: Vec<String> = (0..1 + dice.below(2))
                    .map(|_| {
                        guardian_number += 1;
                        format!("g{guardian_number}")
                    })
                    .collect();
                let kids: Vec<String> = (0..children)
                    .map(|k| format!("s{}", first + s + k + 1))
                    .collect();
                for guardian in &guardians {
                    let given = dice.pick(GIVEN);
                    let role = ["parent", "parent", "guardian", "relative"][dice.below(4) as usize];
                    let email = format!(
                        "{}.{}@example.org",
                        guardian,
                        family.to_lowercase().replace(['\'', ' '], "")
                    );
                    out.users.row(&[
                        guardian,
                        "",
                        "",
                        "true",
                        school,
                        role,
                        "",
                        "",
                        given,
                        family,
                        "",
                        "",
                        &email,
                        "",
                        "",
                        &kids.join(","),
                        "",
                        "",
                    ])?;
                }
                for kid in &kids {
                    out.users.row(&[
                        kid,
                        "",
                        "",
                        "true",
                        school,
                        "student",
                        "",
                        "",
                        dice.pick(GIVEN),
                        family,
                        "",
                        "",
                        "",
                        "",
                        "",
                        &guardians.join(","),
                        grade,
                        "",
                    ])?;
                }
                s += children;
            }
            student_number += count;

            // Six or seven subjects, a course each, sections of about 25, one per term.
            let subjects = 6 + dice.below(2) as usize;
            for subject in &SUBJECTS[..subjects] {
                let course = format!(
                    "crs-{school}-{grade}-{}",
                    subject.to_lowercase().replace(' ', "")
                );
                out.courses.row(&[
                    &course,
                    "",
                    "",
                    "y",
                    &format!("{subject} {grade}"),
                    "",
                    grade,
                    school,
                    subject,
                ])?;
                let sections = count.div_ceil(CLASS_SIZE);
                for section in 0..sections {
                    for (term, term_start, period) in [("t1", 0u32, "q1"), ("t2", 1, "q3")] {
                        let class = format!("{course}-{}-{term}", section + 1);
                        let room = format!("Room {}", 100 + dice.below(200));
                        out.classes.row(&[
                            &class,
                            "",
                            "",
                            &format!("{subject} {grade} ({})", section + 1),
                            grade,
                            &course,
                            "",
                            "scheduled",
                            &room,
                            school,
                            term,
                            subject,
                            &(1 + dice.below(7)).to_string(),
                        ])?;
                        teacher_number += 1;
                        let teacher = format!("tch{teacher_number}");
                        out.teacher(&teacher, school, dice.pick(GIVEN), dice.pick(FAMILY))?;
                        out.enrollments.row(&[
                            &format!("e-{class}-{teacher}"),
                            "",
                            "",
                            &class,
                            school,
                            &teacher,
                            "teacher",
                            "true",
                            "",
                            "",
                        ])?;
                        let members: Vec<u32> = (section * CLASS_SIZE
                            ..((section + 1) * CLASS_SIZE).min(count))
                            .map(|i| first + i + 1)
                            .collect();
                        for m in &members {
                            out.enrollments.row(&[
                                &format!("e-{class}-s{m}"),
                                "",
                                "",
                                &class,
                                school,
                                &format!("s{m}"),
                                "student",
                                "false",
                                "",
                                "",
                            ])?;
                        }
                        // Thirty assignments a term; those due in the first half have scores.
                        let term_month = if term_start == 0 { 8 } else { 1 };
                        for a in 0..ASSIGNMENTS_PER_TERM {
                            let item = format!("li-{class}-{}", a + 1);
                            let (month, day) = (term_month + a / 7, 1 + (a % 7) * 4);
                            let year = if term_start == 0 { y0 } else { y1 };
                            let due = format!("{year}-{month:02}-{day:02}");
                            let test = a % 5 == 4;
                            let (category, max) = if test {
                                ("cat-test", "100")
                            } else {
                                ("cat-hw", "10")
                            };
                            let title = if test {
                                format!("Unit test {}", a / 5 + 1)
                            } else {
                                format!("Homework {}", a + 1)
                            };
                            out.line_items.row(&[
                                &item, "", "", &title, "", &due, &due, &class, category, period,
                                "0", max,
                            ])?;
                            if a < ASSIGNMENTS_PER_TERM / 2 {
                                for m in &members {
                                    let max: u64 = if test { 100 } else { 10 };
                                    let roll = dice.below(100);
                                    let (status, score) = match roll {
                                        0..=3 => ("not submitted", String::new()),
                                        4 => ("exempt", String::new()),
                                        _ => (
                                            "fully graded",
                                            (max * (55 + dice.below(46)) / 100).to_string(),
                                        ),
                                    };
                                    out.results.row(&[
                                        &format!("r-{item}-s{m}"),
                                        "",
                                        "",
                                        &item,
                                        &format!("s{m}"),
                                        status,
                                        &score,
                                        &due,
                                        "",
                                    ])?;
                                }
                            }
                        }
                        // The fall's first quarter is over: its grades are posted.
                        if term_start == 0 {
                            for m in &members {
                                let percent = 60 + dice.below(41);
                                out.term_grades.row(&[
                                    &format!("tg-{class}-s{m}"),
                                    "",
                                    "",
                                    &class,
                                    &format!("s{m}"),
                                    "q1",
                                    letter(percent),
                                    &percent.to_string(),
                                    "",
                                ])?;
                            }
                        }
                    }
                }
            }
            // A term of attendance: the whole-day absences and tardies of the fall.
            for i in 0..count {
                let student = format!("s{}", first + i + 1);
                let mut days = std::collections::BTreeSet::new();
                for _ in 0..dice.below(6) {
                    days.insert((9 + dice.below(3), 1 + dice.below(28)));
                }
                for (month, day) in days {
                    let date = format!("{y0}-{month:02}-{day:02}");
                    let status = if dice.below(3) == 0 {
                        "tardy"
                    } else {
                        "absent"
                    };
                    let excused = if dice.below(2) == 0 { "true" } else { "false" };
                    let id = format!("att-{student}-{date}");
                    out.attendance
                        .row(&[&id, "", "", &student, "", &date, status, excused])?;
                }
            }
        }
    }
    out.finish(&mut written)?;
    write_calendar(dir, y0, &mut written)?;
    Ok(written)
}

/// A student [`generate_records`] writes a school year for: already in the district.
pub struct Pupil<'a> {
    pub sourced_id: &'a str,
    pub school: &'a str,
    pub grade: &'a str,
}

/// Writes into `dir`, as a OneRoster delta, a school year for students the district already
/// holds (the hand-made families of the demo): for each school and grade, six subjects in each
/// term with a teacher, thirty assignments a term, scores for what was due before `today`,
/// posted grades for each grading period over, a few absences and tardies, and the days without
/// school. Nothing the district holds is switched off.
pub fn generate_records(
    dir: &Path,
    pupils: &[Pupil<'_>],
    year: i16,
    today: Date,
    seed: u64,
) -> std::io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let mut dice = Dice(seed);
    let mut written = Written::default();
    let (y0, y1) = (year, year + 1);
    let today = today.to_string();
    let mut manifest = Out::create(dir, "manifest.csv", &["propertyName", "value"])?;
    manifest.row(&["manifest.version", "1.0"])?;
    manifest.row(&["oneroster.version", "1.1"])?;
    for file in [
        "academicSessions",
        "categories",
        "classes",
        "courses",
        "enrollments",
        "lineItems",
        "results",
        "users",
        "attendance",
        "termGrades",
        "calendar",
    ] {
        manifest.row(&[&format!("file.{file}"), "delta"])?;
    }
    manifest.finish(&mut written)?;
    write_sessions(dir, y0, &mut written)?;
    write_categories(dir, &mut written)?;
    write_calendar(dir, y0, &mut written)?;
    let mut out = RecordFiles::create(dir)?;
    // Grading periods by their last day: a score counts toward the one its due date falls in.
    let periods = [
        ("q1", format!("{y0}-10-17")),
        ("q2", format!("{y0}-12-19")),
        ("q3", format!("{y1}-03-13")),
        ("q4", format!("{y1}-06-05")),
    ];
    let mut groups: Vec<(&str, &str)> = pupils.iter().map(|p| (p.school, p.grade)).collect();
    groups.sort_unstable();
    groups.dedup();
    for (school, grade) in groups {
        let members: Vec<&str> = pupils
            .iter()
            .filter(|p| p.school == school && p.grade == grade)
            .map(|p| p.sourced_id)
            .collect();
        for (n, subject) in SUBJECTS[..6].iter().enumerate() {
            let course = format!(
                "crs-{school}-{grade}-{}",
                subject.to_lowercase().replace(' ', "")
            );
            out.courses.row(&[
                &course,
                "",
                "",
                "y",
                &format!("{subject} {grade}"),
                "",
                grade,
                school,
                subject,
            ])?;
            let teacher = format!("tch-{school}-{grade}-{n}");
            out.teacher(&teacher, school, dice.pick(GIVEN), dice.pick(FAMILY))?;
            let room = format!("Room {}", 100 + dice.below(200));
            for (term, term_month, year) in [("t1", 8, y0), ("t2", 1, y1)] {
                let class = format!("{course}-{term}");
                let period = (n + 1).to_string();
                out.classes.row(&[
                    &class,
                    "",
                    "",
                    &format!("{subject} {grade}"),
                    grade,
                    &course,
                    "",
                    "scheduled",
                    &room,
                    school,
                    term,
                    subject,
                    &period,
                ])?;
                out.enrollments.row(&[
                    &format!("e-{class}-{teacher}"),
                    "",
                    "",
                    &class,
                    school,
                    &teacher,
                    "teacher",
                    "true",
                    "",
                    "",
                ])?;
                for m in &members {
                    out.enrollments.row(&[
                        &format!("e-{class}-{m}"),
                        "",
                        "",
                        &class,
                        school,
                        m,
                        "student",
                        "false",
                        "",
                        "",
                    ])?;
                }
                for a in 0..ASSIGNMENTS_PER_TERM {
                    let item = format!("li-{class}-{}", a + 1);
                    let due = format!("{year}-{:02}-{:02}", term_month + a / 7, 1 + (a % 7) * 4);
                    let test = a % 5 == 4;
                    let (category, max, title) = if test {
                        ("cat-test", 100, format!("Unit test {}", a / 5 + 1))
                    } else {
                        ("cat-hw", 10, format!("Homework {}", a + 1))
                    };
                    let period = periods
                        .iter()
                        .find(|(_, last)| due.as_str() <= last.as_str())
                        .map_or("q4", |(id, _)| id);
                    out.line_items.row(&[
                        &item,
                        "",
                        "",
                        &title,
                        "",
                        &due,
                        &due,
                        &class,
                        category,
                        period,
                        "0",
                        &max.to_string(),
                    ])?;
                    if due >= today {
                        continue;
                    }
                    for m in &members {
                        let (status, score) = match dice.below(100) {
                            0..=3 => ("not submitted", String::new()),
                            4 => ("exempt", String::new()),
                            _ => (
                                "fully graded",
                                (max * (60 + dice.below(41)) / 100).to_string(),
                            ),
                        };
                        out.results.row(&[
                            &format!("r-{item}-{m}"),
                            "",
                            "",
                            &item,
                            m,
                            status,
                            &score,
                            &due,
                            "",
                        ])?;
                    }
                }
                for (id, last) in &periods {
                    let in_term = (term == "t1") == matches!(*id, "q1" | "q2");
                    if !in_term || last.as_str() >= today.as_str() {
                        continue;
                    }
                    for m in &members {
                        let percent = 70 + dice.below(31);
                        out.term_grades.row(&[
                            &format!("tg-{class}-{m}-{id}"),
                            "",
                            "",
                            &class,
                            m,
                            id,
                            letter(percent),
                            &percent.to_string(),
                            "",
                        ])?;
                    }
                }
            }
        }
    }
    // A few absences and tardies on school days before today.
    for pupil in pupils {
        let mut days = std::collections::BTreeSet::new();
        for _ in 0..2 + dice.below(4) {
            let day = Date::new(y0, 9 + dice.below(3) as i8, 1 + dice.below(28) as i8)
                .map_err(std::io::Error::other)?;
            if day.to_string() < today && day.weekday().to_monday_one_offset() <= 5 {
                days.insert(day);
            }
        }
        for day in days {
            let status = if dice.below(3) == 0 {
                "tardy"
            } else {
                "absent"
            };
            let excused = if dice.below(2) == 0 { "true" } else { "false" };
            let student = pupil.sourced_id;
            out.attendance.row(&[
                &format!("att-{student}-{day}"),
                "",
                "",
                student,
                "",
                &day.to_string(),
                status,
                excused,
            ])?;
        }
    }
    out.finish(&mut written)?;
    Ok(written)
}

fn letter(percent: u64) -> &'static str {
    match percent {
        90.. => "A",
        80..=89 => "B",
        70..=79 => "C",
        60..=69 => "D",
        _ => "F",
    }
}

/// The files of people's records, as [`generate`] and [`generate_records`] write them.
struct RecordFiles {
    users: Out,
    courses: Out,
    classes: Out,
    enrollments: Out,
    line_items: Out,
    results: Out,
    term_grades: Out,
    attendance: Out,
}

impl RecordFiles {
    fn create(dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            users: Out::create(dir, "users.csv", USERS)?,
            courses: Out::create(dir, "courses.csv", COURSES)?,
            classes: Out::create(dir, "classes.csv", CLASSES)?,
            enrollments: Out::create(dir, "enrollments.csv", ENROLLMENTS)?,
            line_items: Out::create(dir, "lineItems.csv", LINE_ITEMS)?,
            results: Out::create(dir, "results.csv", RESULTS)?,
            term_grades: Out::create(dir, "termGrades.csv", TERM_GRADES)?,
            attendance: Out::create(dir, "attendance.csv", ATTENDANCE)?,
        })
    }

    /// A teacher at `school`.
    fn teacher(
        &mut self,
        id: &str,
        school: &str,
        given: &str,
        family: &str,
    ) -> std::io::Result<()> {
        self.users.row(&[
            id, "", "", "true", school, "teacher", "", "", given, family, "", "", "", "", "", "",
            "", "",
        ])
    }

    fn finish(self, written: &mut Written) -> std::io::Result<()> {
        for out in [
            self.users,
            self.courses,
            self.classes,
            self.enrollments,
            self.line_items,
            self.results,
            self.term_grades,
            self.attendance,
        ] {
            out.finish(written)?;
        }
        Ok(())
    }
}
