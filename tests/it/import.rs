//! `homeroom import oneroster`: schools, people and relationships from OneRoster 1.1 and 1.2
//! sets written by hand from the specification.

use std::path::Path;

use crate::harness::{TestApp, TestDb, spawn_app_with, stderr, stdout};

pub(crate) const MANIFEST_BULK: &str = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\nfile.enrollments,absent\n";

pub(crate) const ORGS: &str = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
d1,,,Riverbend Unified,district,,\n\
s1,,2024-08-01T10:00:00.000Z,Riverbend Elementary,school,,d1\n\
s2,,2024-08-01T10:00:00.000Z,Riverbend High,school,,d1\n";

/// OneRoster 1.1 users: a role column; names with accents, apostrophes, commas and quotes; a
/// quoted field holding a line break.
pub(crate) const USERS_11: &str = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n\
st1,,2024-08-01T10:00:00Z,true,s1,student,,,Zoë,O'Brien,,\"two\nlines\",,,,\"g1,g2\",03,\n\
st2,,2024-08-01T10:00:00Z,true,s2,student,,,Jamal,\"Smith, Jr.\",,,,,,g1,10,\n\
g1,,2024-08-01T10:00:00Z,true,s1,parent,,,Ana,Pérez,,,ana@example.org,,555-0100,,,\n\
g2,,2024-08-01T10:00:00Z,true,s1,guardian,,,\"Li \"\"Lee\"\"\",Wong,,,,,,st1,,\n\
t1,,2024-08-01T10:00:00Z,true,s1,teacher,,,Terry,Teach,,,,,,,,\n";

pub(crate) fn write_set(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

pub(crate) async fn app() -> TestApp {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    homeroom::services::districts::add(&app.app, "riverbend", "Riverbend Unified", "CA")
        .await
        .unwrap();
    app
}

/// "class/term" sourcedIds of every class's terms, in order.
async fn class_terms(app: &TestApp) -> Vec<String> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let pairs: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.sourced_id, s.sourced_id FROM class_terms t \
         JOIN classes c ON c.id = t.class_id JOIN academic_sessions s ON s.id = t.session_id \
         ORDER BY c.sourced_id, s.sourced_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    pairs.into_iter().map(|(c, t)| format!("{c}/{t}")).collect()
}

pub(crate) async fn import(app: &TestApp, path: &Path) -> std::process::Output {
    app.cli(&[
        "import",
        "oneroster",
        "--district",
        "riverbend",
        path.to_str().unwrap(),
    ])
    .await
}

/// (sourcedId, given, family, role, active) of every person, and (guardian, student, relation,
/// active) of every relationship, and the newest modification time of a person.
pub(crate) async fn snapshot(
    app: &TestApp,
) -> (
    Vec<(String, String, String, String, bool)>,
    Vec<(String, String, String, bool)>,
    i64,
) {
    let district = crate::harness::district(app, "riverbend").await;
    let mut tx = app.app.store.begin().await.unwrap();
    let people = tx.person_states(district.id).await.unwrap();
    let relationships = tx.relationship_states(district.id).await.unwrap();
    tx.commit().await.unwrap();
    let mut ps: Vec<_> = people
        .iter()
        .map(|(id, p)| {
            (
                id.clone(),
                p.given_name.clone(),
                p.family_name.clone(),
                p.role.clone(),
                p.active,
            )
        })
        .collect();
    ps.sort();
    let name_of = |pid: i64| {
        people
            .iter()
            .find(|(_, p)| p.id == pid)
            .map(|(s, _)| s.clone())
            .unwrap()
    };
    let mut rs: Vec<_> = relationships
        .iter()
        .map(|((g, s), r)| (name_of(*g), name_of(*s), r.relation.clone(), r.active))
        .collect();
    rs.sort();
    let newest = people.values().map(|p| p.updated_at).max().unwrap_or(0);
    (ps, rs, newest)
}

#[tokio::test]
async fn a_one_one_set_imports_and_a_second_import_changes_nothing() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    write_set(
        dir.path(),
        &[
            ("manifest.csv", MANIFEST_BULK),
            ("orgs.csv", ORGS),
            ("users.csv", USERS_11),
        ],
    );
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("people: 5 created, 0 updated, 0 deactivated"),
        "{printed}"
    );
    assert!(printed.contains("relationships: 3 created"), "{printed}");
    assert!(printed.contains("schools: 2 created"), "{printed}");

    let (people, relationships, _) = snapshot(&app).await;
    assert!(people.contains(&(
        "st1".into(),
        "Zoë".into(),
        "O'Brien".into(),
        "student".into(),
        true
    )));
    assert!(people.contains(&(
        "st2".into(),
        "Jamal".into(),
        "Smith, Jr.".into(),
        "student".into(),
        true
    )));
    assert!(people.contains(&(
        "g2".into(),
        "Li \"Lee\"".into(),
        "Wong".into(),
        "guardian".into(),
        true
    )));
    assert!(people.contains(&(
        "t1".into(),
        "Terry".into(),
        "Teach".into(),
        "teacher".into(),
        true
    )));
    assert_eq!(
        relationships,
        [
            ("g1".into(), "st1".into(), "parent".into(), true),
            ("g1".into(), "st2".into(), "parent".into(), true),
            ("g2".into(), "st1".into(), "guardian".into(), true),
        ]
    );

    let before = snapshot(&app).await;
    // A second later, so that a rewritten row would show a newer modification time.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = import(&app, dir.path()).await;
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("people: 0 created, 0 updated, 0 deactivated"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        snapshot(&app).await,
        before,
        "importing the same files twice changes nothing"
    );

    // A delta of the student alone keeps how the guardian is related.
    let student_only = tempfile::tempdir().unwrap();
    write_set(
        student_only.path(),
        &[
            (
                "manifest.csv",
                "propertyName,value\nfile.orgs,absent\nfile.users,delta\n",
            ),
            (
                "users.csv",
                "sourcedId,status,dateLastModified,orgSourcedIds,role,givenName,familyName,agentSourcedIds\n\
st2,,2024-08-02T10:00:00Z,s2,student,Jamal,\"Smith, Jr.\",g1\n",
            ),
        ],
    );
    let out = import(&app, student_only.path()).await;
    assert!(
        stdout(&out).contains("relationships: 0 created, 0 updated, 0 deactivated"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let (_, relationships, _) = snapshot(&app).await;
    assert!(relationships.contains(&("g1".into(), "st2".into(), "parent".into(), true)));
    app.stop().await;
}

#[tokio::test]
async fn bulk_deactivates_what_is_missing_and_delta_honours_status_and_dates() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    write_set(
        dir.path(),
        &[
            ("manifest.csv", MANIFEST_BULK),
            ("orgs.csv", ORGS),
            ("users.csv", USERS_11),
        ],
    );
    assert!(import(&app, dir.path()).await.status.success());

    // Jamal leaves: bulk without him makes him and his relationship inactive, never deleted.
    let second = tempfile::tempdir().unwrap();
    write_set(second.path(), &[("manifest.csv", MANIFEST_BULK), ("orgs.csv", ORGS), ("users.csv", &USERS_11.replace("st2,,2024-08-01T10:00:00Z,true,s2,student,,,Jamal,\"Smith, Jr.\",,,,,,g1,10,\n", ""))]);
    let out = import(&app, second.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("people: 0 created, 0 updated, 1 deactivated"),
        "{}",
        stdout(&out)
    );
    let (people, relationships, _) = snapshot(&app).await;
    assert!(people.contains(&(
        "st2".into(),
        "Jamal".into(),
        "Smith, Jr.".into(),
        "student".into(),
        false
    )));
    assert!(relationships.contains(&("g1".into(), "st2".into(), "parent".into(), false)));

    // A delta: Zoë to be deleted; an older change to Ana is ignored.
    let delta = tempfile::tempdir().unwrap();
    let manifest = "propertyName,value\nfile.orgs,absent\nfile.users,delta\n";
    let users = "sourcedId,status,dateLastModified,orgSourcedIds,role,givenName,familyName,agentSourcedIds\n\
st1,tobedeleted,2024-09-01T00:00:00Z,s1,student,Zoë,O'Brien,\n\
g1,active,2024-01-01T00:00:00Z,s1,parent,Anna,Pérez,\n";
    write_set(
        delta.path(),
        &[("manifest.csv", manifest), ("users.csv", users)],
    );
    let out = import(&app, delta.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let (people, relationships, _) = snapshot(&app).await;
    assert!(people.contains(&(
        "st1".into(),
        "Zoë".into(),
        "O'Brien".into(),
        "student".into(),
        false
    )));
    assert!(
        people.contains(&(
            "g1".into(),
            "Ana".into(),
            "Pérez".into(),
            "guardian".into(),
            true
        )),
        "the stale change was ignored"
    );
    assert!(
        people.contains(&(
            "t1".into(),
            "Terry".into(),
            "Teach".into(),
            "teacher".into(),
            true
        )),
        "a delta leaves the rest"
    );
    assert!(
        relationships.iter().filter(|r| r.1 == "st1").all(|r| !r.3),
        "Zoë's relationships ended"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_bad_row_is_reported_and_nothing_is_written() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let users = "sourcedId,status,dateLastModified,orgSourcedIds,role,givenName,familyName,agentSourcedIds\n\
u1,,2024-08-01T10:00:00Z,s1,student,Ok,Row,\n\
u1,,,s1,student,Duplicate,Id,\n\
u2,,,s1,wizard,Unknown,Role,\n\
u3,,last tuesday,s1,student,Bad,Date,\n\
u4,maybe,,s1,student,Bad,Status,\n\
u5,,,s9,student,Unknown,School,\n\
u6,,,s1,student,,NoGivenName,\n";
    write_set(dir.path(), &[("orgs.csv", ORGS), ("users.csv", users)]);
    let out = import(&app, dir.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    for expected in [
        "users.csv:3: duplicate sourcedId \"u1\"",
        "users.csv:4: unknown role \"wizard\"",
        "users.csv:5: dateLastModified \"last tuesday\" is not a date and time",
        "users.csv:6: status is active or tobedeleted, not \"maybe\"",
        "users.csv:8: givenName and familyName are required",
        "users.csv:7: orgSourcedIds \"s9\" is not in orgs.csv",
        "6 problem(s) found; nothing was imported",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from:\n{err}");
    }
    let (people, _, _) = snapshot(&app).await;
    assert!(people.is_empty(), "nothing written: {people:?}");

    // A reference to an unknown school is found once the rows themselves are good.
    let refs = tempfile::tempdir().unwrap();
    write_set(
        refs.path(),
        &[
            ("orgs.csv", ORGS),
            (
                "users.csv",
                "sourcedId,orgSourcedIds,role,givenName,familyName,agentSourcedIds\nu5,s9,student,Unknown,School,\nu7,s1,student,Unknown,Agent,nobody\n",
            ),
        ],
    );
    let out = import(&app, refs.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("users.csv:2: orgSourcedIds \"s9\" is not in orgs.csv")
            && err.contains("users.csv:3: agentSourcedIds \"nobody\" is not in users.csv"),
        "{err}"
    );
    assert!(snapshot(&app).await.0.is_empty());

    let missing = tempfile::tempdir().unwrap();
    write_set(
        missing.path(),
        &[("users.csv", "sourcedId,role\nu1,student\n")],
    );
    let err = stderr(&import(&app, missing.path()).await);
    assert!(
        err.contains("users.csv:1: missing required column(s): givenName, familyName"),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_one_two_set_in_a_zip_with_a_nested_folder_bom_and_crlf() {
    use std::io::Write;
    let app = app().await;
    let users_12 = "\u{feff}sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,primaryOrgSourcedId,agentSourcedIds,grades\r\n\
st1,active,2024-08-01T10:00:00.000Z,true,,Søren,Kierkegaard,s1,g1,05\r\n\
g1,active,2024-08-01T10:00:00.000Z,true,,Régine,Olsen,s1,st1,\r\n";
    let roles = "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId\r\n\
r1,active,2024-08-01T10:00:00.000Z,st1,primary,student,,,s1\r\n\
r2,active,2024-08-01T10:00:00.000Z,g1,primary,relative,,,s1\r\n";
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("export.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for (name, text) in [
        ("export-2024/orgs.csv", ORGS),
        ("export-2024/users.csv", users_12),
        ("export-2024/roles.csv", roles),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    let out = import(&app, &zip_path).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let (people, relationships, _) = snapshot(&app).await;
    assert_eq!(
        people,
        [
            (
                "g1".into(),
                "Régine".into(),
                "Olsen".into(),
                "guardian".into(),
                true
            ),
            (
                "st1".into(),
                "Søren".into(),
                "Kierkegaard".into(),
                "student".into(),
                true
            ),
        ]
    );
    assert_eq!(
        relationships,
        [("g1".into(), "st1".into(), "relative".into(), true)]
    );

    let not_a_set = dir.path().join("notes.txt");
    std::fs::write(&not_a_set, "hello").unwrap();
    let err = stderr(&import(&app, &not_a_set).await);
    assert!(
        err.contains("is neither a folder nor a readable .zip"),
        "{err}"
    );
    app.stop().await;
}

pub(crate) const SESSIONS: &str = "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n\
y2025,,,2025-2026,schoolYear,2025-08-15,2026-06-10,,2026\n\
t1,,,Fall,term,2025-08-15,2025-12-19,y2025,2026\n\
t2,,,Spring,term,2026-01-05,2026-06-10,y2025,2026\n\
gp1,,,Quarter 1,gradingPeriod,2025-08-15,2025-10-17,t1,2026\n";

pub(crate) const COURSES: &str = "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects\n\
c-math,,,y2025,Math 3,M3,03,s1,Math\n\
c-bio,,,y2025,Biology,BIO,10,s2,Science\n";

pub(crate) const CLASSES: &str = "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,periods\n\
k-math,,,Math 3 - Room 12,03,c-math,M3-1,scheduled,Room 12,s1,\"t1,t2\",Math,1\n\
k-bio,,,Biology - Lab 2,10,c-bio,BIO-2,scheduled,Lab 2,s2,t1,Science,3\n";

pub(crate) const ENROLLMENTS: &str = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
e1,,,k-math,s1,st1,student,false,2025-08-15,2026-06-10\n\
e2,,,k-bio,s2,st2,student,false,2025-08-15,2025-12-19\n\
e3,,,k-math,s1,t1,teacher,true,,\n\
e4,,,k-bio,s2,t1,teacher,true,,\n";

pub(crate) fn full_set(dir: &Path, enrollments: &str) {
    let manifest = "propertyName,value\nfile.academicSessions,bulk\nfile.orgs,bulk\nfile.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n";
    write_set(
        dir,
        &[
            ("manifest.csv", manifest),
            ("orgs.csv", ORGS),
            ("users.csv", USERS_11),
            ("academicSessions.csv", SESSIONS),
            ("courses.csv", COURSES),
            ("classes.csv", CLASSES),
            ("enrollments.csv", enrollments),
        ],
    );
}

#[tokio::test]
async fn sessions_courses_classes_and_enrollments_import_once_and_follow_bulk() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(dir.path(), ENROLLMENTS);
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    for expected in [
        "academic sessions: 4 created",
        "courses: 2 created",
        "classes: 2 created",
        "enrollments: 4 created",
    ] {
        assert!(
            printed.contains(expected),
            "{expected:?} missing from {printed}"
        );
    }
    assert_eq!(
        class_terms(&app).await,
        ["k-bio/t1", "k-math/t1", "k-math/t2"],
        "each new class runs in the terms its row names"
    );
    let again = stdout(&import(&app, dir.path()).await);
    for kind in ["academic sessions", "courses", "classes", "enrollments"] {
        assert!(
            again.contains(&format!("{kind}: 0 created, 0 updated, 0 deactivated")),
            "{again}"
        );
    }

    // Jamal drops Biology: a bulk file without his enrollment ends it.
    let second = tempfile::tempdir().unwrap();
    full_set(
        second.path(),
        &ENROLLMENTS.replace(
            "e2,,,k-bio,s2,st2,student,false,2025-08-15,2025-12-19\n",
            "",
        ),
    );
    std::fs::write(
        second.path().join("classes.csv"),
        CLASSES.replace("\"t1,t2\"", "t2"),
    )
    .unwrap();
    let printed = stdout(&import(&app, second.path()).await);
    assert!(
        printed.contains("enrollments: 0 created, 0 updated, 1 deactivated"),
        "{printed}"
    );
    assert!(
        printed.contains("classes: 0 created, 1 updated"),
        "{printed}"
    );
    assert_eq!(
        class_terms(&app).await,
        ["k-bio/t1", "k-math/t2"],
        "a changed class runs in its new terms only"
    );

    // A class in a term nobody sent, and an enrollment of an unknown user: nothing is written.
    let bad = tempfile::tempdir().unwrap();
    full_set(
        bad.path(),
        &format!("{ENROLLMENTS}e9,,,k-math,s1,nobody,student,false,,\n"),
    );
    std::fs::write(
        bad.path().join("classes.csv"),
        CLASSES.replace("\"t1,t2\"", "\"t1,t9\""),
    )
    .unwrap();
    let out = import(&app, bad.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("classes.csv:2: termSourcedIds \"t9\" is not in academicSessions.csv"),
        "{err}"
    );
    assert!(
        err.contains("enrollments.csv:6: userSourcedId \"nobody\" is not in users.csv"),
        "{err}"
    );
    let printed = stdout(&import(&app, second.path()).await);
    assert!(
        printed.contains("enrollments: 0 created, 0 updated, 0 deactivated"),
        "the refused import left no trace: {printed}"
    );

    // Deltas honour dateLastModified: an older change does not overwrite a newer one.
    let newer = tempfile::tempdir().unwrap();
    let delta_manifest =
        "propertyName,value\nfile.courses,delta\nfile.orgs,absent\nfile.users,absent\n";
    let course = |title: &str, date: &str| {
        format!(
            "sourcedId,status,dateLastModified,title,courseCode,orgSourcedId\nc-math,active,{date},{title},M3,s1\n"
        )
    };
    write_set(
        newer.path(),
        &[
            ("manifest.csv", delta_manifest),
            ("courses.csv", &course("Math Three", "2025-09-01T00:00:00Z")),
        ],
    );
    assert!(stdout(&import(&app, newer.path()).await).contains("courses: 0 created, 1 updated"));
    let older = tempfile::tempdir().unwrap();
    write_set(
        older.path(),
        &[
            ("manifest.csv", delta_manifest),
            ("courses.csv", &course("Old Title", "2025-08-01T00:00:00Z")),
        ],
    );
    let printed = stdout(&import(&app, older.path()).await);
    assert!(
        printed.contains("courses: 0 created, 0 updated, 0 deactivated"),
        "{printed}"
    );

    let dates = tempfile::tempdir().unwrap();
    full_set(dates.path(), ENROLLMENTS);
    std::fs::write(
        dates.path().join("academicSessions.csv"),
        SESSIONS
            .replace("2025-12-19", "19/12/2025")
            .replace("gradingPeriod", "quarter"),
    )
    .unwrap();
    let err = stderr(&import(&app, dates.path()).await);
    assert!(
        err.contains("academicSessions.csv:3: endDate \"19/12/2025\" is not a date (YYYY-MM-DD)"),
        "{err}"
    );
    assert!(
        err.contains("academicSessions.csv:5: unknown session type \"quarter\""),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn categories_line_items_results_and_attendance() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(dir.path(), ENROLLMENTS);
    let manifest = "propertyName,value\nfile.academicSessions,bulk\nfile.orgs,bulk\nfile.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\nfile.categories,bulk\nfile.lineItems,bulk\nfile.results,bulk\nfile.attendance,bulk\n";
    let categories = "sourcedId,status,dateLastModified,title,weight\ncat-hw,,,Homework,40\ncat-test,,,Tests,60\n";
    let line_items = "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId,resultValueMin,resultValueMax\n\
li1,,,Fractions worksheet,\"Pages 4, 5 and \"\"extra\"\"\",2025-09-01,2025-09-05T23:59:00Z,k-math,cat-hw,gp1,0,10\n\
li2,,,Unit test,,2025-09-10,2025-09-12,k-math,cat-test,gp1,0,100\n";
    let results = "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment\n\
r1,,,li1,st1,fully graded,9,2025-09-06,Très bien\n\
r2,,,li2,st1,not submitted,,,\n";
    let attendance = "sourcedId,status,dateLastModified,userSourcedId,classSourcedId,date,attendanceStatus,excused\n\
a1,,,st1,,2025-09-03,absent,true\n\
a2,,,st1,k-math,2025-09-04,tardy,false\n";
    write_set(
        dir.path(),
        &[
            ("manifest.csv", manifest),
            ("categories.csv", categories),
            ("lineItems.csv", line_items),
            ("results.csv", results),
            ("attendance.csv", attendance),
        ],
    );
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    for expected in [
        "categories: 2 created",
        "line items: 2 created",
        "results: 2 created",
        "attendance: 2 created",
    ] {
        assert!(
            printed.contains(expected),
            "{expected:?} missing from {printed}"
        );
    }
    let again = stdout(&import(&app, dir.path()).await);
    for kind in ["categories", "line items", "results", "attendance"] {
        assert!(
            again.contains(&format!("{kind}: 0 created, 0 updated, 0 deactivated")),
            "{again}"
        );
    }

    // A changed score, a score gone from the bulk file, a mark withdrawn in a delta.
    let changed = tempfile::tempdir().unwrap();
    full_set(changed.path(), ENROLLMENTS);
    write_set(
        changed.path(),
        &[
            ("manifest.csv", manifest),
            ("categories.csv", categories),
            ("lineItems.csv", line_items),
            (
                "results.csv",
                &results
                    .replace("fully graded,9,", "fully graded,9.5,")
                    .replace("r2,,,li2,st1,not submitted,,,\n", ""),
            ),
            ("attendance.csv", attendance),
        ],
    );
    let printed = stdout(&import(&app, changed.path()).await);
    assert!(
        printed.contains("results: 0 created, 1 updated, 1 deactivated"),
        "{printed}"
    );
    let withdrawn = tempfile::tempdir().unwrap();
    write_set(
        withdrawn.path(),
        &[
            (
                "manifest.csv",
                "propertyName,value\nfile.attendance,delta\nfile.orgs,absent\nfile.users,absent\n",
            ),
            (
                "attendance.csv",
                "sourcedId,status,dateLastModified,userSourcedId,classSourcedId,date,attendanceStatus,excused\n\
a2,tobedeleted,2025-09-05T08:00:00Z,st1,k-math,2025-09-04,tardy,false\n",
            ),
        ],
    );
    let printed = stdout(&import(&app, withdrawn.path()).await);
    assert!(
        printed.contains("attendance: 0 created, 0 updated, 1 deactivated"),
        "{printed}"
    );

    // A sourcedId twice in a large file is found too.
    let twice = tempfile::tempdir().unwrap();
    full_set(twice.path(), ENROLLMENTS);
    write_set(
        twice.path(),
        &[
            ("manifest.csv", manifest),
            ("categories.csv", categories),
            ("lineItems.csv", line_items),
            (
                "results.csv",
                &format!("{results}r1,,,li2,st1,fully graded,80,2025-09-13,\n"),
            ),
            ("attendance.csv", attendance),
        ],
    );
    let out = import(&app, twice.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("results.csv:4: duplicate sourcedId \"r1\""),
        "{err}"
    );

    let bad = tempfile::tempdir().unwrap();
    full_set(bad.path(), ENROLLMENTS);
    write_set(
        bad.path(),
        &[
            ("manifest.csv", manifest),
            ("categories.csv", categories),
            (
                "lineItems.csv",
                &line_items.replace("k-math,cat-test", "k-math,cat-none"),
            ),
            (
                "results.csv",
                &results.replace("fully graded,9", "graded,nine"),
            ),
            (
                "attendance.csv",
                &attendance.replace("tardy,false", "late,maybe"),
            ),
        ],
    );
    let out = import(&app, bad.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("results.csv:2: unknown scoreStatus \"graded\""),
        "{err}"
    );
    assert!(
        err.contains(
            "attendance.csv:3: attendanceStatus is present, absent or tardy, not \"late\""
        ),
        "{err}"
    );

    // A score of a student nobody sent, alone: the merge itself finds it (on PostgreSQL no
    // foreign key would), and nothing is written.
    let orphan = tempfile::tempdir().unwrap();
    full_set(orphan.path(), ENROLLMENTS);
    write_set(
        orphan.path(),
        &[
            ("manifest.csv", manifest),
            ("categories.csv", categories),
            ("lineItems.csv", line_items),
            (
                "results.csv",
                &format!("{results}r9,,,li2,st-none,fully graded,80,2025-09-13,\n"),
            ),
            ("attendance.csv", attendance),
        ],
    );
    let out = import(&app, orphan.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("results.csv:4: studentSourcedId \"st-none\" is not in users.csv"),
        "{err}"
    );
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (orphans,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM results WHERE sourced_id = 'r9'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    assert_eq!(orphans, 0);

    let dangling = tempfile::tempdir().unwrap();
    full_set(dangling.path(), ENROLLMENTS);
    write_set(
        dangling.path(),
        &[
            ("manifest.csv", manifest),
            ("categories.csv", categories),
            (
                "lineItems.csv",
                &line_items.replace("k-math,cat-test", "k-math,cat-none"),
            ),
            ("results.csv", results),
            (
                "attendance.csv",
                &attendance.replace("st1,k-math", "st1,k-none"),
            ),
        ],
    );
    let err = stderr(&import(&app, dangling.path()).await);
    assert!(
        err.contains("lineItems.csv:3: categorySourcedId \"cat-none\" is not in categories.csv"),
        "{err}"
    );
    assert!(
        err.contains("attendance.csv:3: classSourcedId \"k-none\" is not in classes.csv"),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_generated_district_imports_whole_and_once() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let out = crate::harness::run_binary(
        &[
            "demo",
            "generate",
            "--students",
            "60",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("users.csv") && printed.contains("results.csv"),
        "{printed}"
    );
    // The same seed writes the same district.
    let again = tempfile::tempdir().unwrap();
    crate::harness::run_binary(
        &[
            "demo",
            "generate",
            "--students",
            "60",
            "--out",
            again.path().to_str().unwrap(),
        ],
        &[],
    )
    .await;
    for file in ["users.csv", "results.csv", "attendance.csv"] {
        assert_eq!(
            std::fs::read(dir.path().join(file)).unwrap(),
            std::fs::read(again.path().join(file)).unwrap(),
            "{file}"
        );
    }

    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let district = crate::harness::district(&app, "riverbend").await;
    let counts = app.app.store.district_counts(district.id).await.unwrap();
    assert_eq!(counts.students, 60);
    assert!(
        counts.guardians >= 40,
        "about two guardians a family: {counts:?}"
    );
    assert!(counts.relationships >= 60, "{counts:?}");
    let printed = stdout(&import(&app, dir.path()).await);
    for kind in [
        "people",
        "classes",
        "enrollments",
        "line items",
        "results",
        "attendance",
    ] {
        assert!(
            printed.contains(&format!("{kind}: 0 created, 0 updated, 0 deactivated")),
            "{printed}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn progress_is_told_per_file_and_before_writing() {
    use homeroom::services::import::{self, Stage};
    use std::sync::{Arc, Mutex};
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    write_set(
        dir.path(),
        &[
            ("manifest.csv", MANIFEST_BULK),
            ("orgs.csv", ORGS),
            ("users.csv", USERS_11),
        ],
    );
    let seen: Arc<Mutex<Vec<Stage>>> = Arc::default();
    let sink = seen.clone();
    let progress: import::Progress = Arc::new(move |stage| sink.lock().unwrap().push(stage));
    let district = crate::harness::district(&app, "riverbend").await;
    import::oneroster(
        &app.app,
        &crate::harness::operator(&district),
        dir.path(),
        Some(progress),
    )
    .await
    .map_err(|_| "import failed")
    .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            Stage::Reading {
                file: "orgs.csv",
                rows: 3
            },
            Stage::Reading {
                file: "users.csv",
                rows: 5
            },
            Stage::Writing,
        ]
    );
    // Not on a terminal, the command line prints no progress.
    let out = import(&app, dir.path()).await;
    assert!(!stderr(&out).contains("checking"), "{}", stderr(&out));
    app.stop().await;
}

/// Imports a whole set whose last enrollment names a user nobody knows.
async fn import_with_an_unknown_user(app: &TestApp) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    full_set(
        dir.path(),
        &format!("{ENROLLMENTS}e9,,,k-math,s1,nobody,student,false,,\n"),
    );
    import(app, dir.path()).await
}

#[tokio::test]
async fn a_first_import_with_an_unknown_reference_writes_nothing() {
    let app = app().await;
    let out = import_with_an_unknown_user(&app).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("enrollments.csv:6: userSourcedId \"nobody\" is not in users.csv"),
        "{err}"
    );
    let (people, _, _) = snapshot(&app).await;
    assert!(people.is_empty(), "nothing was written: {people:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_first_import_with_an_unknown_optional_reference_writes_nothing() {
    // A category, grading period or class that a row may leave blank but names wrongly is as
    // unknown as a missing student, in a district's first import as in any later one.
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(dir.path(), ENROLLMENTS);
    write_set(
        dir.path(),
        &[
            (
                "manifest.csv",
                "propertyName,value\nfile.categories,bulk\nfile.lineItems,bulk\nfile.attendance,bulk\n",
            ),
            (
                "categories.csv",
                "sourcedId,status,dateLastModified,title,weight\ncat-hw,,,Homework,40\n",
            ),
            (
                "lineItems.csv",
                "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId,resultValueMin,resultValueMax\n\
li1,,,Worksheet,,2025-09-01,2025-09-05,k-math,cat-hw,gp1,0,10\n\
li2,,,Unit test,,2025-09-10,2025-09-12,k-math,cat-none,gp1,0,100\n",
            ),
            (
                "attendance.csv",
                "sourcedId,status,dateLastModified,userSourcedId,classSourcedId,date,attendanceStatus,excused\n\
a1,,,st1,,2025-09-03,absent,true\n\
a2,,,st1,k-none,2025-09-04,tardy,false\n",
            ),
        ],
    );
    let out = import(&app, dir.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("lineItems.csv:3: categorySourcedId \"cat-none\" is not in categories.csv"),
        "{err}"
    );
    assert!(
        err.contains("attendance.csv:3: classSourcedId \"k-none\" is not in classes.csv"),
        "{err}"
    );
    let (people, _, _) = snapshot(&app).await;
    assert!(people.is_empty(), "nothing was written: {people:?}");
    app.stop().await;
}

/// Staging schemas on PostgreSQL whose import's connection is gone.
async fn dead_staging_schemas(db_url: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(db_url).await.unwrap();
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT nspname::text FROM pg_namespace n WHERE nspname LIKE 'import\\_stage\\_%' \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a \
                         WHERE n.nspname = 'import_stage_' || a.pid::text)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    names.into_iter().map(|(name,)| name).collect()
}

/// PostgreSQL stages the large files by `COPY` into a schema of the import's own: it is gone
/// after an import that failed and after one that succeeded, and what an import that died
/// with its connection left behind is dropped by the next.
#[tokio::test]
async fn postgresql_staging_never_outlives_its_import() {
    if crate::harness::postgres_base_url().is_none() {
        return;
    }
    let app = app().await;
    // A repeated sourcedId in a large file is found in its staging table, after staging.
    let repeated = tempfile::tempdir().unwrap();
    full_set(
        repeated.path(),
        &format!("{ENROLLMENTS}e1,,,k-math,s1,st1,student,false,,\n"),
    );
    let out = import(&app, repeated.path()).await;
    assert!(
        stderr(&out).contains("enrollments.csv:6: duplicate sourcedId \"e1\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        dead_staging_schemas(&app.db.url).await,
        Vec::<String>::new()
    );

    crate::harness::run_sql(
        &app.db.url,
        "CREATE SCHEMA import_stage_2147480000; \
         CREATE UNLOGGED TABLE import_stage_2147480000.stage_results (line BIGINT)",
    )
    .await;
    let good = tempfile::tempdir().unwrap();
    full_set(good.path(), ENROLLMENTS);
    let out = import(&app, good.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        dead_staging_schemas(&app.db.url).await,
        Vec::<String>::new()
    );
    app.stop().await;
}

/// Text in the large files arrives as written, whatever it holds: tabs, line breaks and
/// backslashes (which PostgreSQL's `COPY` escapes), a literal `\N` (its mark for none). A NUL,
/// which PostgreSQL refuses in any text, is a problem of its line on both databases.
#[tokio::test]
async fn staged_text_arrives_as_written_and_a_nul_is_refused() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(dir.path(), ENROLLMENTS);
    let manifest = "propertyName,value\nfile.academicSessions,bulk\nfile.orgs,bulk\nfile.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\nfile.lineItems,bulk\n";
    let description = "Tab\there, a \\N, C:\\path\\ and\r\na second line";
    let line_items = format!(
        "sourcedId,title,description,dueDate,classSourcedId\nli1,Essay,\"{description}\",2025-09-05,k-math\n"
    );
    write_set(
        dir.path(),
        &[("manifest.csv", manifest), ("lineItems.csv", &line_items)],
    );
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (stored,): (String,) =
        sqlx::query_as("SELECT description FROM line_items WHERE sourced_id = 'li1'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    assert_eq!(stored, description);

    let nul = tempfile::tempdir().unwrap();
    full_set(nul.path(), ENROLLMENTS);
    write_set(
        nul.path(),
        &[
            ("manifest.csv", manifest),
            ("lineItems.csv", &line_items.replace("Essay", "Es\0say")),
        ],
    );
    let out = import(&app, nul.path()).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("lineItems.csv:2: a NUL character, which no field may hold"),
        "{err}"
    );
    app.stop().await;
}

/// The check stage finds every unknown reference before anything is written; the merge still
/// resolves each by join and answers `None` for a row it cannot (on PostgreSQL no foreign key
/// would stop it), so that the import is refused whatever the check missed.
#[tokio::test]
async fn the_merge_itself_refuses_a_reference_the_database_does_not_hold() {
    use homeroom::store::{Staged, Value};
    let app = app().await;
    let district = crate::harness::district(&app, "riverbend").await;
    for holds_scores in [false, true] {
        if holds_scores {
            let dir = tempfile::tempdir().unwrap();
            full_set(dir.path(), ENROLLMENTS);
            write_set(
                dir.path(),
                &[
                    (
                        "lineItems.csv",
                        "sourcedId,title,classSourcedId\nli1,Quiz,k-math\n",
                    ),
                    (
                        "results.csv",
                        "sourcedId,lineItemSourcedId,studentSourcedId,scoreStatus,score\nr1,li1,st1,fully graded,9\n",
                    ),
                ],
            );
            assert!(import(&app, dir.path()).await.status.success());
        }
        let mut tx = app.app.store.begin_import().await.unwrap();
        let cleanup = tx.staging_cleanup();
        tx.create_stage(Staged::Results).await.unwrap();
        let row = |sourced_id: &str, line_item: &str| {
            vec![
                Value::Int(2),
                Value::Text(Some(sourced_id.to_owned())),
                Value::Bool(false),
                Value::Text(None),
                Value::Text(Some(line_item.to_owned())),
                Value::Text(Some("st1".to_owned())),
                Value::Real(Some(7.0)),
                Value::Text(Some("fully graded".to_owned())),
                Value::Text(None),
                Value::Text(None),
                Value::Bool(false),
                Value::Bool(false),
            ]
        };
        tx.stage(Staged::Results, vec![row("r2", "li-none")])
            .await
            .unwrap();
        tx.seal_stages(&[Staged::Results]).await.unwrap();
        assert!(tx.sealed(Staged::Results).await.unwrap());
        let merged = tx
            .merge_stage(Staged::Results, district.id, 1_900_000_000, false, false)
            .await
            .unwrap();
        assert_eq!(merged, None, "holds scores: {holds_scores}");
        drop(tx);
        if let Some(cleanup) = cleanup {
            cleanup.run().await;
        }
    }
    app.stop().await;
}
