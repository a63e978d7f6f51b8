//! `homeroom demo generate`: a realistic OneRoster 1.1 district written as CSV — schools,
//! a school year in two terms and four grading periods, families (about two guardians a student,
//! siblings sharing them), six or seven classes a student, thirty assignments per class per term,
//! scores for what is due, a term of attendance (absences and tardies), the first quarter's
//! posted grades and the year's days without school. Every file is written a row at a time, so
//! a large district never sits in memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

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
    let (y0, y1) = (options.year, options.year + 1);
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
    sessions.finish(&mut written)?;

    let mut categories = Out::create(
        dir,
        "categories.csv",
        &["sourcedId", "status", "dateLastModified", "title", "weight"],
    )?;
    categories.row(&["cat-hw", "", "", "Homework", "40"])?;
    categories.row(&["cat-test", "", "", "Tests", "60"])?;
    categories.finish(&mut written)?;

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

    let mut users = Out::create(
        dir,
        "users.csv",
        &[
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
        ],
    )?;
    let mut courses = Out::create(
        dir,
        "courses.csv",
        &[
            "sourcedId",
            "status",
            "dateLastModified",
            "schoolYearSourcedId",
            "title",
            "courseCode",
            "grades",
            "orgSourcedId",
            "subjects",
        ],
    )?;
    let mut classes = Out::create(
        dir,
        "classes.csv",
        &[
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
        ],
    )?;
    let mut enrollments = Out::create(
        dir,
        "enrollments.csv",
        &[
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
        ],
    )?;
    let mut line_items = Out::create(
        dir,
        "lineItems.csv",
        &[
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
        ],
    )?;
    let mut results = Out::create(
        dir,
        "results.csv",
        &[
            "sourcedId",
            "status",
            "dateLastModified",
            "lineItemSourcedId",
            "studentSourcedId",
            "scoreStatus",
            "score",
            "scoreDate",
            "comment",
        ],
    )?;
    let mut term_grades = Out::create(
        dir,
        "termGrades.csv",
        &[
            "sourcedId",
            "status",
            "dateLastModified",
            "classSourcedId",
            "userSourcedId",
            "termSourcedId",
            "grade",
            "percent",
            "comment",
        ],
    )?;
    let mut attendance = Out::create(
        dir,
        "attendance.csv",
        &[
            "sourcedId",
            "status",
            "dateLastModified",
            "userSourcedId",
            "classSourcedId",
            "date",
            "attendanceStatus",
            "excused",
        ],
    )?;

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
                    users.row(&[
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
                    users.row(&[
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
                courses.row(&[
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
                        classes.row(&[
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
                        users.row(&[
                            &teacher,
                            "",
                            "",
                            "true",
                            school,
                            "teacher",
                            "",
                            "",
                            dice.pick(GIVEN),
                            dice.pick(FAMILY),
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                        ])?;
                        enrollments.row(&[
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
                            enrollments.row(&[
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
                            line_items.row(&[
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
                                    results.row(&[
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
                                let letter = match percent {
                                    90.. => "A",
                                    80..=89 => "B",
                                    70..=79 => "C",
                                    60..=69 => "D",
                                    _ => "F",
                                };
                                term_grades.row(&[
                                    &format!("tg-{class}-s{m}"),
                                    "",
                                    "",
                                    &class,
                                    &format!("s{m}"),
                                    "q1",
                                    letter,
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
                    attendance.row(&[&id, "", "", &student, "", &date, status, excused])?;
                }
            }
        }
    }
    for out in [
        users,
        courses,
        classes,
        enrollments,
        line_items,
        results,
        term_grades,
        attendance,
    ] {
        out.finish(&mut written)?;
    }
    write_calendar(dir, y0, &mut written)?;
    Ok(written)
}
