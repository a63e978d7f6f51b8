//! The demo data set behind `homeroom serve --demo`: two districts in different states (one
//! where Linked Districts is offered, one where it is not), schools and families, and a third,
//! small district generated and imported from OneRoster files. Loading it again changes
//! nothing.

use crate::app::App;
use crate::domain::{
    AccountKind, District, DistrictSlug, Invalid, PersonRole, Relation, SourcedId, Username,
};
use crate::store::{NewPerson, NewRelationship, NewSchool};

use super::import::News;
use super::{Error, Result, auth, districts};

pub struct DemoDistrict {
    pub slug: &'static str,
    pub name: &'static str,
    pub state: &'static str,
    /// (sourcedId, name)
    pub schools: &'static [(&'static str, &'static str)],
    pub people: &'static [DemoPerson],
    /// (guardian sourcedId, student sourcedId, relation, portal access)
    pub relationships: &'static [(&'static str, &'static str, Relation, bool)],
}

pub struct DemoPerson {
    pub sourced_id: &'static str,
    pub role: PersonRole,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub email: Option<&'static str>,
    pub school: Option<&'static str>,
    pub grade: Option<&'static str>,
}

const fn student(
    sourced_id: &'static str,
    given_name: &'static str,
    family_name: &'static str,
    school: &'static str,
    grade: &'static str,
) -> DemoPerson {
    DemoPerson {
        sourced_id,
        role: PersonRole::Student,
        given_name,
        family_name,
        email: None,
        school: Some(school),
        grade: Some(grade),
    }
}

const fn guardian(
    sourced_id: &'static str,
    given_name: &'static str,
    family_name: &'static str,
    email: &'static str,
) -> DemoPerson {
    DemoPerson {
        sourced_id,
        role: PersonRole::Guardian,
        given_name,
        family_name,
        email: Some(email),
        school: None,
        grade: None,
    }
}

/// Maria Alvarez has two children in Cedar Valley (North Carolina, where linking is offered)
/// and a third in Lakeshore (Oregon, where it is not).
pub const DEMO: &[DemoDistrict] = &[
    DemoDistrict {
        slug: "cedar-valley",
        name: "Cedar Valley Public Schools",
        state: "NC",
        schools: &[
            ("cv-elem", "Cedar Valley Elementary School"),
            ("cv-middle", "Cedar Valley Middle School"),
            ("cv-high", "Cedar Valley High School"),
        ],
        people: &[
            guardian(
                "cv-g-maria",
                "Maria",
                "Alvarez",
                "maria.alvarez@example.org",
            ),
            student("cv-s-sofia", "Sofia", "Alvarez", "cv-elem", "03"),
            student("cv-s-mateo", "Mateo", "Alvarez", "cv-middle", "07"),
            guardian("cv-g-james", "James", "Okafor", "james.okafor@example.org"),
            student("cv-s-amara", "Amara", "Okafor", "cv-high", "10"),
            student("cv-s-daniel", "Daniel", "Okafor", "cv-elem", "01"),
        ],
        relationships: &[
            ("cv-g-maria", "cv-s-sofia", Relation::Parent, true),
            ("cv-g-maria", "cv-s-mateo", Relation::Parent, true),
            ("cv-g-james", "cv-s-amara", Relation::Parent, true),
            // A guardian whose portal access to one child is off: they must not see Daniel.
            ("cv-g-james", "cv-s-daniel", Relation::Guardian, false),
        ],
    },
    DemoDistrict {
        slug: "lakeshore",
        name: "Lakeshore Unified School District",
        state: "OR",
        schools: &[
            ("ls-elem", "Lakeshore Elementary School"),
            ("ls-high", "Lakeshore High School"),
        ],
        people: &[
            guardian(
                "ls-g-maria",
                "Maria",
                "Alvarez",
                "maria.alvarez@example.org",
            ),
            student("ls-s-lucia", "Lucía", "Alvarez", "ls-high", "11"),
            guardian("ls-g-wei", "Wei", "Chen", "wei.chen@example.org"),
            student("ls-s-li", "Li", "Chen", "ls-elem", "04"),
        ],
        relationships: &[
            ("ls-g-maria", "ls-s-lucia", Relation::Parent, true),
            ("ls-g-wei", "ls-s-li", Relation::Parent, true),
        ],
    },
];

/// A demo login, printed by `serve --demo`.
pub struct DemoAccount {
    pub district: &'static str,
    /// The person's sourcedId; `None` for a district administrator.
    pub person: Option<&'static str>,
    pub kind: AccountKind,
    pub username: &'static str,
    pub password: &'static str,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        district: "cedar-valley",
        person: Some("cv-g-maria"),
        kind: AccountKind::Parent,
        username: "maria.alvarez",
        password: "maple river lantern",
    },
    DemoAccount {
        district: "cedar-valley",
        person: Some("cv-s-sofia"),
        kind: AccountKind::Student,
        username: "sofia.alvarez",
        password: "orange kite meadow",
    },
    DemoAccount {
        district: "cedar-valley",
        person: Some("cv-s-mateo"),
        kind: AccountKind::Student,
        username: "mateo.alvarez",
        password: "quiet comet harbor",
    },
    // Sofia's first teacher (the demo's school year names its teachers this way).
    DemoAccount {
        district: "cedar-valley",
        person: Some("tch-cv-elem-03-0"),
        kind: AccountKind::Teacher,
        username: "cv-teacher",
        password: "chalk river meadow",
    },
    DemoAccount {
        district: "cedar-valley",
        person: None,
        kind: AccountKind::Staff,
        username: "cv-admin",
        password: "granite owl compass",
    },
];

/// Loads the demo data; what already exists is left as it is.
pub async fn load(app: &App) -> Result<Vec<District>> {
    // Its logins are printed for anyone to use: never beside a real district's records.
    let others = app.store.districts_not_from_demo().await?;
    if !others.is_empty() {
        return Err(Error::Conflict(Invalid::new(format!(
            "this database holds districts the demo did not make ({}); the demo, whose logins \
             anyone may know, is loaded only into a database of its own: give --demo another \
             database",
            others.join(", ")
        ))));
    }
    let mut districts = load_records(app).await?;
    districts.push(load_generated(app).await?);
    for demo in DEMO_ACCOUNTS {
        let Some(district) = districts.iter().find(|d| d.slug.as_str() == demo.district) else {
            continue;
        };
        let folded = Username::parse(demo.username)?.folded();
        if app
            .store
            .account_for_login(district.id, &folded)
            .await?
            .is_some()
        {
            continue;
        }
        let made = match demo.person {
            None => auth::add_staff(app, demo.district, demo.username, demo.password).await,
            Some(person) => {
                let person = SourcedId::parse(person)?;
                let account = auth::NewAccountFor {
                    person: &person,
                    kind: demo.kind,
                    username: demo.username,
                    password: demo.password,
                    must_change_password: false,
                };
                auth::create_account(app, district, account, "operator", "demo.account_created")
                    .await
            }
        };
        match made {
            // Another process loading the demo at the same moment made it first.
            Err(Error::UsernameTaken | Error::Conflict(_))
                if app
                    .store
                    .account_for_login(district.id, &folded)
                    .await?
                    .is_some() => {}
            other => {
                other?;
            }
        }
    }
    Ok(districts)
}

async fn load_records(app: &App) -> Result<Vec<District>> {
    let mut loaded = Vec::new();
    for demo in DEMO {
        let district = ensure_district(app, demo).await?;
        let now = app.clock.unix();
        let mut tx = app.store.begin().await?;
        for (sourced_id, name) in demo.schools {
            let school = NewSchool {
                sourced_id: SourcedId::parse(sourced_id)?,
                name: (*name).to_owned(),
            };
            tx.ensure_school(district.id, &school, now).await?;
        }
        for person in demo.people {
            let new = NewPerson {
                sourced_id: SourcedId::parse(person.sourced_id)?,
                role: person.role,
                given_name: person.given_name.to_owned(),
                family_name: person.family_name.to_owned(),
                email: person.email.map(str::to_owned),
                phone: None,
                school: person.school.map(SourcedId::parse).transpose()?,
                grade: person.grade.map(str::to_owned),
            };
            tx.ensure_person(district.id, &new, now).await?;
        }
        for (guardian, student, relation, portal) in demo.relationships {
            let new = NewRelationship {
                guardian: SourcedId::parse(guardian)?,
                student: SourcedId::parse(student)?,
                relation: *relation,
                portal: *portal,
            };
            tx.ensure_relationship(district.id, &new, now).await?;
        }
        tx.commit().await?;
        load_school_year(app, &district, demo).await?;
        loaded.push(district);
    }
    Ok(loaded)
}

/// The hand-made families' school year (classes, teachers, assignments and scores, posted
/// grades, attendance, days off), imported the first time as a OneRoster delta, so that every
/// tool has something to show the demo's parents and students.
async fn load_school_year(app: &App, district: &District, demo: &DemoDistrict) -> Result<()> {
    let today = jiff::tz::TimeZone::UTC.to_datetime(app.clock.now()).date();
    let pupils: Vec<(&'static str, &'static str, &'static str)> = demo
        .people
        .iter()
        .filter_map(|p| Some((p.sourced_id, p.school?, p.grade?)))
        .collect();
    let generate = move |out: &std::path::Path| {
        let pupils: Vec<super::generator::Pupil<'_>> = pupils
            .iter()
            .map(|(sourced_id, school, grade)| super::generator::Pupil {
                sourced_id,
                school,
                grade,
            })
            .collect();
        super::generator::generate_records(
            out,
            &pupils,
            super::generator::school_year_of(today),
            today,
            2,
        )
    };
    let has_classes = |counts: &crate::store::DistrictCounts| counts.classes > 0;
    import_generated(
        app,
        district,
        "the demo's school year",
        News::Keep,
        has_classes,
        generate,
    )
    .await
}

/// Generates a set into a folder of its own and imports it into a demo district, unless
/// `done` says the district already holds it (also when another process loading the demo at
/// the same moment imported it first).
async fn import_generated(
    app: &App,
    district: &District,
    what: &str,
    news: News,
    done: fn(&crate::store::DistrictCounts) -> bool,
    generate: impl FnOnce(&std::path::Path) -> std::io::Result<super::generator::Written>
    + Send
    + 'static,
) -> Result<()> {
    if done(&app.store.district_counts(district.id).await?) {
        return Ok(());
    }
    let folder =
        tempfile::tempdir().map_err(|e| Error::internal(format!("a folder for {what}: {e}")))?;
    let out = folder.path().to_owned();
    tokio::task::spawn_blocking(move || generate(&out))
        .await
        .map_err(|e| Error::internal(format!("generating {what}: {e}")))?
        .map_err(|e| Error::internal(format!("generating {what}: {e}")))?;
    let imported = super::import::oneroster_with(
        app,
        &super::access::Staff::operator(district.clone()),
        folder.path(),
        None,
        news,
    )
    .await;
    match imported {
        Ok(_) => Ok(()),
        Err(_) if done(&app.store.district_counts(district.id).await?) => Ok(()),
        Err(super::import::ImportError::Service(err)) => Err(err),
        Err(rejected) => Err(Error::internal(format!("{what}: {rejected:?}"))),
    }
}

/// A third district, generated and imported the way a real one arrives: a small school system
/// with its calendar, classes, assignments, scores and attendance.
pub const GENERATED: DemoDistrict = DemoDistrict {
    slug: "riverbend",
    name: "Riverbend School District",
    state: "DE",
    schools: &[],
    people: &[],
    relationships: &[],
};

/// Students in the generated demo district.
const GENERATED_STUDENTS: u32 = 120;

/// Generates and imports [`GENERATED`] the first time; after that it is left as it is.
async fn load_generated(app: &App) -> Result<District> {
    let district = ensure_district(app, &GENERATED).await?;
    // The school year under way, so that Today and the Calendar have something to show.
    let year = super::generator::school_year_of(
        jiff::tz::TimeZone::UTC.to_datetime(app.clock.now()).date(),
    );
    let generate = move |out: &std::path::Path| {
        super::generator::generate(
            out,
            &super::generator::Options {
                students: GENERATED_STUDENTS,
                seed: 1,
                year,
            },
        )
    };
    let has_students = |counts: &crate::store::DistrictCounts| counts.students > 0;
    import_generated(
        app,
        &district,
        "the generated demo district",
        News::Tell,
        has_students,
        generate,
    )
    .await?;
    Ok(district)
}

async fn ensure_district(app: &App, demo: &DemoDistrict) -> Result<District> {
    let slug = DistrictSlug::parse(demo.slug)?;
    if let Some(existing) = app.store.district_by_slug(&slug).await? {
        return Ok(existing);
    }
    match districts::add_as(app, demo.slug, demo.name, demo.state, true).await {
        // Another process loaded it at the same moment: use theirs.
        Err(Error::Conflict(_)) => app
            .store
            .district_by_slug(&slug)
            .await?
            .ok_or(Error::NotFound),
        // Its administrator's login is printed for anyone to try the console with: a second
        // factor is theirs to set up, not required first.
        Ok(_) => {
            let district =
                districts::set(app, demo.slug, "staff_second_factor", "optional").await?;
            // Every tool has something to show, Absence Request (off in a new district) too.
            super::tools::switch(
                app,
                &super::access::Staff::operator(district.clone()),
                &super::tools::SwitchRequest {
                    tool: "absence_requests",
                    portal: "both",
                    school: None,
                    enabled: true,
                    reason: None,
                },
            )
            .await?;
            Ok(district)
        }
        Err(other) => Err(other),
    }
}
