//! What real student information systems export, hand-edited in a spreadsheet: rows that lost
//! or gained a field, every kind of line end, references to rows that were refused, sets deep
//! in a zip, spreadsheet dates, blank manifest values, odd enrollments, and the quirks of
//! vendors' files. Each answer is exact, and a refused set writes nothing.

use std::io::Write;
use std::path::Path;

use crate::harness::{TestApp, stderr, stdout};
use crate::import::{
    CLASSES, ENROLLMENTS, ORGS, USERS_11, app, full_set, import, snapshot, write_set,
};

/// One text column of one row, read straight from the database.
async fn column(app: &TestApp, sql: &'static str) -> Option<String> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let value: Option<(Option<String>,)> =
        sqlx::query_as(sql).fetch_optional(&mut conn).await.unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    value.and_then(|(v,)| v)
}

fn refused(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "imported: {}", stdout(out));
    stderr(out)
}

#[tokio::test]
async fn a_row_with_a_field_lost_or_gained_is_refused_and_changes_nothing() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), &[("orgs.csv", ORGS), ("users.csv", USERS_11)]);
    assert!(import(&app, dir.path()).await.status.success());
    let before = snapshot(&app).await;

    // g1 (line 5: st1's identifier holds a line break) lost its empty middle name, so its
    // email would land in the identifier; t1 gained a field.
    let users = USERS_11
        .replace(
            "g1,,2024-08-01T10:00:00Z,true,s1,parent,,,Ana,Pérez,,,ana@example.org,,555-0100,,,",
            "g1,,2024-08-02T10:00:00Z,true,s1,parent,,,Ana,Pérez,,ana@example.org,,555-0100,,,",
        )
        .replace("Terry,Teach,,,,,,,,\n", "Terry,Teach,,,,,,,,,\n");
    assert_ne!(users, USERS_11);
    write_set(dir.path(), &[("users.csv", &users)]);
    let err = refused(&import(&app, dir.path()).await);
    assert!(
        err.contains("users.csv:5: 17 fields, the header has 18\n")
            && err.contains("users.csv:7: 19 fields, the header has 18\n")
            && err.contains("2 problem(s) found; nothing was imported"),
        "{err}"
    );
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(
        column(&app, "SELECT email FROM people WHERE sourced_id = 'g1'")
            .await
            .as_deref(),
        Some("ana@example.org")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_row_is_named_by_the_line_it_starts_on_whatever_the_line_ends() {
    let app = app().await;
    for (name, end) in [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")] {
        let dir = tempfile::tempdir().unwrap();
        let users = [
            "\u{feff}sourcedId,orgSourcedIds,role,givenName,familyName,identifier",
            &format!("u1,s1,student,Ada,Lovelace,\"two{end}lines\""),
            "u2,s1,student,Alan,Turing,",
            "",
            "u3,s1,wizard,Grace,Hopper,",
            &format!("u4,s1,student,Edsger,Dijkstra,\"three{end}whole{end}lines\""),
            "u5,s1,wizard,Barbara,Liskov,",
        ]
        .join(end);
        write_set(dir.path(), &[("orgs.csv", ORGS), ("users.csv", &users)]);
        let err = refused(&import(&app, dir.path()).await);
        assert!(
            err.contains("users.csv:6: unknown role \"wizard\"\n")
                && err.contains("users.csv:10: unknown role \"wizard\"\n"),
            "{name}: {err}"
        );
    }
    assert!(snapshot(&app).await.0.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_refused_row_is_reported_once_with_the_rows_that_refer_to_it() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(
        dir.path(),
        &format!(
            "{ENROLLMENTS}e8,,,k-math,s1,st9,student,false,,\n\
             e9,,,k-bio,s2,st9,student,false,,\n\
             e10,,,k-bio,s2,u-99,student,false,,\n"
        ),
    );
    write_set(
        dir.path(),
        &[
            (
                "users.csv",
                &format!("{USERS_11}st9,,,true,s1,wizard,,,Wanda,Wiz,,,,,,,,\n"),
            ),
            (
                "roles.csv",
                "sourcedId,userSourcedId,roleType,role\nr1,st1,primary,student\nr9,st9,primary,student\n",
            ),
        ],
    );
    let err = refused(&import(&app, dir.path()).await);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "users.csv:8: unknown role \"wizard\" … and 3 rows in enrollments.csv, roles.csv refer to it",
            "enrollments.csv:8: userSourcedId \"u-99\" is not in users.csv",
            "homeroom: error: 2 problem(s) found; nothing was imported",
        ],
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_same_files_give_the_same_report_in_the_manifests_order_of_files() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(
        dir.path(),
        &format!("{ENROLLMENTS}e9,,,k-math,s1,nobody,student,false,,\n"),
    );
    let roles: String = (1..=12)
        .map(|i| format!("r{i},ghost-{i},primary,student\n"))
        .collect();
    write_set(
        dir.path(),
        &[
            (
                "roles.csv",
                &format!("sourcedId,userSourcedId,roleType,role\n{roles}"),
            ),
            ("classes.csv", &CLASSES.replace("\"t1,t2\"", "\"t1,t9\"")),
            (
                "users.csv",
                &format!("{USERS_11}u9,,,true,s1,wizard,,,W,Z,,,,,,,,\n"),
            ),
        ],
    );
    let first = refused(&import(&app, dir.path()).await);
    for _ in 0..2 {
        assert_eq!(refused(&import(&app, dir.path()).await), first);
    }
    let files: Vec<&str> = first
        .lines()
        .filter_map(|l| l.split_once(':').map(|(file, _)| file))
        .collect();
    let mut expected = vec!["classes.csv", "users.csv", "enrollments.csv"];
    expected.extend(std::iter::repeat_n("roles.csv", 12));
    expected.push("homeroom");
    assert_eq!(files, expected, "{first}");
    let role_lines: Vec<&str> = first
        .lines()
        .filter(|l| l.starts_with("roles.csv"))
        .map(|l| l.split(':').nth(1).unwrap())
        .collect();
    let in_order: Vec<String> = (2..=13).map(|l| l.to_string()).collect();
    assert_eq!(role_lines, in_order);
    app.stop().await;
}

fn zip(path: &Path, files: &[(String, &str)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for (name, text) in files {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[tokio::test]
async fn a_set_deep_in_a_zip_imports_and_a_zip_of_two_sets_names_both() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.zip");
    zip(
        &deep,
        &[
            ("Riverbend/exports/2026-09-01/orgs.csv".into(), ORGS),
            ("Riverbend/exports/2026-09-01/users.csv".into(), USERS_11),
            // A Mac's archive keeps a shadow of each file.
            (
                "__MACOSX/Riverbend/exports/2026-09-01/users.csv".into(),
                "\0\u{5}",
            ),
        ],
    );
    let out = import(&app, &deep).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(snapshot(&app).await.0.len(), 5);

    let two = dir.path().join("two.zip");
    zip(
        &two,
        &[
            ("fall/orgs.csv".into(), ORGS),
            ("spring/users.csv".into(), USERS_11),
        ],
    );
    let err = refused(&import(&app, &two).await);
    assert!(
        err.contains(
            "the archive holds 2 OneRoster sets, in \"fall/\" and \"spring/\"; import one at a time"
        ),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn spreadsheet_dates_keep_their_time_and_other_forms_say_what_is_expected() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(dir.path(), ENROLLMENTS);
    let header = "sourcedId,title,classSourcedId,assignDate,dueDate\n";
    write_set(
        dir.path(),
        &[(
            "lineItems.csv",
            &format!("{header}li1,Essay,k-math,2026-08-25 00:00:00,2026-09-01 08:30:00\n"),
        )],
    );
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        column(
            &app,
            "SELECT due_date FROM line_items WHERE sourced_id = 'li1'"
        )
        .await
        .as_deref(),
        Some("2026-09-01T08:30:00Z")
    );
    assert_eq!(
        column(
            &app,
            "SELECT assign_date FROM line_items WHERE sourced_id = 'li1'"
        )
        .await
        .as_deref(),
        Some("2026-08-25T00:00:00Z")
    );
    write_set(
        dir.path(),
        &[(
            "lineItems.csv",
            &format!("{header}li1,Essay,k-math,,09/01/2026\n"),
        )],
    );
    let err = refused(&import(&app, dir.path()).await);
    assert!(
        err.contains("lineItems.csv:2: dueDate \"09/01/2026\" is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDThh:mm:ssZ)"),
        "{err}"
    );
    // A date-only column takes a spreadsheet's midnight, and nothing else with a time.
    let enrollments = ENROLLMENTS.replace(
        "2025-08-15,2026-06-10",
        "2025-08-15 00:00:00,2026-06-10 15:00:00",
    );
    full_set(dir.path(), &enrollments);
    std::fs::remove_file(dir.path().join("lineItems.csv")).unwrap();
    let err = refused(&import(&app, dir.path()).await);
    assert!(
        err.contains(
            "enrollments.csv:2: endDate \"2026-06-10 15:00:00\" is not a date (YYYY-MM-DD)"
        ) && !err.contains("beginDate"),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn blank_manifest_values_mean_absent() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = "propertyName,value\nmanifest.version,1.0\nfile.orgs,bulk\nfile.users,bulk\n\
file.demographics,\nfile.resources,  \nsource.systemName,\nfile.enrollments,absent\n";
    write_set(
        dir.path(),
        &[
            ("manifest.csv", manifest),
            ("orgs.csv", ORGS),
            ("users.csv", USERS_11),
        ],
    );
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    app.stop().await;
}

#[tokio::test]
async fn an_enrollment_that_contradicts_the_users_role_is_a_warning() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(
        dir.path(),
        &format!(
            "{ENROLLMENTS}e5,,,k-bio,s2,st1,teacher,false,,\ne6,,,k-bio,s2,t1,student,false,,\n"
        ),
    );
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("; 2 warning(s)"), "{}", stdout(&out));
    assert_eq!(
        stderr(&out),
        "warning: enrollments.csv:6: userSourcedId \"st1\" is a student in users.csv but enrolled as teacher\n\
warning: enrollments.csv:7: userSourcedId \"t1\" is a teacher in users.csv but enrolled as student\n"
    );
    app.stop().await;
}

/// A set as vendors' tools write them: extension columns, headers in other cases, empty
/// optional columns, quoted line breaks, and line ends that change from row to row.
#[tokio::test]
async fn a_vendors_quirks_import_as_written() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let orgs = "SourcedId,Status,DateLastModified,Name,Type,Identifier,ParentSourcedId,metadata.vendor.region\r\n\
d1,active,2026-08-01T00:00:00.000Z,Riverbend Unified,district,,,north\r\n\
s1,active,2026-08-01T00:00:00.000Z,Riverbend Elementary,school,,d1,north\n\
s2,active,2026-08-01T00:00:00.000Z,Riverbend High,school,,d1,south\r";
    let users = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,\
givenname,FAMILYNAME,middleName,identifier,Email,sms,phone,agentSourcedIds,grades,password,metadata.vendor.homeroom,metadata.vendor.note\n\
st1,active,2026-08-01 09:15:00,true,s1,student,,,Zoë,O'Brien,,,,,,\"g1\",03,,,\"likes\r\nart\"\r\n\
g1,active,2026-08-01 09:15:00,true,s1,parent,,,Ana,Pérez,,,ana@example.org,,,st1,,,Room 4,\n\
t1,active,,true,s1,teacher,,,Terry,Teach,,,,,,,,,,\n\n";
    let manifest = "propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n\
file.orgs,bulk\r\nfile.users,bulk\r\nfile.courses,absent\r\nfile.classes,\r\n";
    write_set(
        dir.path(),
        &[
            ("manifest.csv", manifest),
            ("orgs.csv", orgs),
            ("users.csv", users),
        ],
    );
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let (people, relationships, _) = snapshot(&app).await;
    let names: Vec<(&str, &str)> = people
        .iter()
        .map(|p| (p.0.as_str(), p.1.as_str()))
        .collect();
    assert_eq!(names, [("g1", "Ana"), ("st1", "Zoë"), ("t1", "Terry")]);
    assert_eq!(
        relationships,
        [("g1".into(), "st1".into(), "parent".into(), true)]
    );
    assert_eq!(
        column(&app, "SELECT email FROM people WHERE sourced_id = 'g1'")
            .await
            .as_deref(),
        Some("ana@example.org")
    );
    // The same files again change nothing.
    let again = import(&app, dir.path()).await;
    assert!(
        stdout(&again).contains("people: 0 created, 0 updated, 0 deactivated"),
        "{}",
        stdout(&again)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_set_deep_in_a_folder_imports_and_a_search_without_end_stops() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let deep = dir
        .path()
        .join("Riverbend")
        .join("exports")
        .join("2026-09-01");
    write_set(&deep, &[("orgs.csv", ORGS), ("users.csv", USERS_11)]);
    let out = import(&app, dir.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let wide = tempfile::tempdir().unwrap();
    for i in 0..1_001 {
        std::fs::create_dir(wide.path().join(format!("f{i}"))).unwrap();
    }
    let err = refused(&import(&app, wide.path()).await);
    assert!(
        err.contains("holds more than 1000 folders; give the one that holds the files"),
        "{err}"
    );
    app.stop().await;
}

/// Line items are not loaded before reading (a district holds a million): a reference to one
/// the set does not hold is looked up in the district afterwards, once per distinct value.
#[tokio::test]
async fn a_delta_of_scores_is_checked_against_the_districts_line_items() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    full_set(dir.path(), ENROLLMENTS);
    let header = "sourcedId,lineItemSourcedId,studentSourcedId,scoreStatus,score\n";
    write_set(
        dir.path(),
        &[
            (
                "lineItems.csv",
                "sourcedId,title,classSourcedId\nli1,Quiz,k-math\nli2,Test,k-math\n",
            ),
            (
                "results.csv",
                &format!("{header}r1,li1,st1,fully graded,9\n"),
            ),
        ],
    );
    assert!(import(&app, dir.path()).await.status.success());

    let delta = tempfile::tempdir().unwrap();
    let manifest = "propertyName,value\nfile.results,delta\nfile.lineItems,absent\n";
    let scores = format!(
        "{header}r2,li2,st1,fully graded,7\nr3,li-none,st1,fully graded,5\nr4,li-none,st2,fully graded,6\nr5,li-gone,st1,fully graded,4\n"
    );
    write_set(
        delta.path(),
        &[("manifest.csv", manifest), ("results.csv", &scores)],
    );
    let err = refused(&import(&app, delta.path()).await);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "results.csv:3: lineItemSourcedId \"li-none\" is not in the district, and the set has no lineItems.csv … and 1 row in results.csv refers to it",
            "results.csv:5: lineItemSourcedId \"li-gone\" is not in the district, and the set has no lineItems.csv",
            "homeroom: error: 2 problem(s) found; nothing was imported",
        ],
        "{err}"
    );
    let good = format!("{header}r2,li2,st1,fully graded,7\n");
    write_set(delta.path(), &[("results.csv", &good)]);
    let out = import(&app, delta.path()).await;
    assert!(
        stdout(&out).contains("results: 1 created, 0 updated, 0 deactivated"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    app.stop().await;
}
