//! First-read snapshots stay exactly what the store holds: after the import that makes them, a
//! delta import that changes scores, an assignment, a teacher and an enrollment, a delta of
//! scores alone (which forgets only the snapshots it reaches), a staff switch, and new school
//! days; compared, student by student, with snapshots made from the
//! store at that moment, on generated districts of several seeds.

use std::path::Path;

use homeroom::domain::{AccountKind, District};
use homeroom::services::snapshots::{self, Snapshot};
use homeroom::services::{districts, generator, import, tools, worker};

use crate::harness::{TestApp, account, spawn_app};

async fn district(app: &TestApp) -> District {
    crate::harness::district(app, "snap").await
}

async fn import(app: &TestApp, dir: &Path) {
    let district = district(app).await;
    import::oneroster(&app.app, &crate::harness::operator(&district), dir, None)
        .await
        .unwrap();
}

/// Every job due, until none is.
async fn settle(app: &TestApp) {
    while worker::run_due(&app.app).await.unwrap() > 0 {}
}

/// Student `id` as the store has them today, and a snapshot made from the store for the day
/// `kept` was made from.
async fn made_from_store(
    app: &TestApp,
    district: &District,
    id: i64,
    kept: &Snapshot,
) -> (homeroom::store::StudentRecord, Snapshot) {
    let day = tools::today(&app.app, district);
    let reads = app.app.store.records().await.unwrap();
    let student = app
        .app
        .store
        .visible_students(district.id, AccountKind::Student, id, &day.to_string())
        .await
        .unwrap()
        .remove(0);
    let from: jiff::civil::Date = kept.from.parse().unwrap();
    let fresh = Snapshot::make(&reads, district.id, &student, from)
        .await
        .unwrap();
    (student, fresh)
}

/// Every readable student's kept snapshot, beside one made from the store now.
async fn compare(app: &TestApp, when: &str) -> usize {
    let district = district(app).await;
    let day = tools::today(&app.app, &district);
    let reads = app.app.store.records().await.unwrap();
    let readable = app.app.store.readable_students(district.id).await.unwrap();
    assert!(!readable.is_empty(), "{when}: nobody can read anyone");
    // All asked for at once, as a morning's first reads ask (on PostgreSQL they are read
    // together, in as few statements as gather), with a student who has none among them.
    let nobody = i64::MAX;
    let asked = readable.iter().chain([&nobody]);
    let mut bodies =
        futures_util::future::join_all(asked.map(|id| reads.snapshot_of(district.id, *id))).await;
    assert_eq!(
        bodies.pop().unwrap().unwrap(),
        None,
        "{when}: nobody's snapshot"
    );
    for (id, body) in readable.iter().zip(bodies) {
        let body = body
            .unwrap()
            .unwrap_or_else(|| panic!("{when}: student {id} has no snapshot"));
        let kept = Snapshot::from_bytes(&body).unwrap();
        let (student, fresh) = made_from_store(app, &district, *id, &kept).await;
        assert_eq!(kept, fresh, "{when}: student {id}");
        // Today on this day, from the snapshot and from the store.
        let dated = kept
            .dated(day)
            .expect("today is within the snapshot's week");
        let stored = snapshots::dated_from_store(&reads, district.id, &student, day)
            .await
            .unwrap();
        assert_eq!(dated.due, stored.due, "{when}: student {id}");
        assert_eq!(dated.recent, stored.recent, "{when}: student {id}");
        assert_eq!(dated.attendance, stored.attendance, "{when}: student {id}");
        assert_eq!(dated.no_school, stored.no_school, "{when}: student {id}");
    }
    readable.len()
}

/// A delta changing what snapshots hold: scores, an assignment's points, a teacher's name, a
/// student leaving a class.
fn write_delta(set: &Path, delta: &Path) {
    std::fs::create_dir_all(delta).unwrap();
    std::fs::write(
        delta.join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n\
         file.results,delta\nfile.lineItems,delta\nfile.users,delta\nfile.enrollments,delta\n",
    )
    .unwrap();
    let rows = |name: &str| -> (csv::StringRecord, Vec<csv::StringRecord>) {
        let mut reader = csv::Reader::from_path(set.join(name)).unwrap();
        let header = reader.headers().unwrap().clone();
        (header, reader.records().map(Result::unwrap).collect())
    };
    let write = |name: &str, header: &csv::StringRecord, rows: Vec<Vec<String>>| {
        let mut writer = csv::Writer::from_path(delta.join(name)).unwrap();
        writer.write_record(header).unwrap();
        for row in rows {
            writer.write_record(&row).unwrap();
        }
        writer.flush().unwrap();
    };
    let field =
        |header: &csv::StringRecord, name: &str| header.iter().position(|h| h == name).unwrap();
    let (header, results) = rows("results.csv");
    let score = field(&header, "score");
    let changed: Vec<Vec<String>> = results
        .iter()
        .step_by(7)
        .take(200)
        .map(|r| {
            let mut row: Vec<String> = r.iter().map(str::to_owned).collect();
            row[score] = if row[score].is_empty() {
                "3".into()
            } else {
                String::new()
            };
            row
        })
        .collect();
    write("results.csv", &header, changed);
    let (header, items) = rows("lineItems.csv");
    let max = field(&header, "resultValueMax");
    let mut item: Vec<String> = items[0].iter().map(str::to_owned).collect();
    item[max] = "50".into();
    write("lineItems.csv", &header, vec![item]);
    let (header, users) = rows("users.csv");
    let (role, given) = (field(&header, "role"), field(&header, "givenName"));
    let mut teacher: Vec<String> = users
        .iter()
        .find(|u| &u[role] == "teacher")
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    teacher[given] = "Renamed".into();
    write("users.csv", &header, vec![teacher]);
    let (header, enrollments) = rows("enrollments.csv");
    let (status, role) = (field(&header, "status"), field(&header, "role"));
    let mut leaving: Vec<String> = enrollments
        .iter()
        .find(|e| &e[role] == "student")
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    leaving[status] = "tobedeleted".into();
    write("enrollments.csv", &header, vec![leaving]);
}

/// A delta of scores alone: three of `named`'s scores changed, and one of `moved_from`'s
/// scores moved to `named`.
fn write_scores_delta(set: &Path, delta: &Path, named: &str, moved_from: &str) {
    std::fs::create_dir_all(delta).unwrap();
    std::fs::write(
        delta.join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n\
         file.results,delta\n",
    )
    .unwrap();
    let mut reader = csv::Reader::from_path(set.join("results.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let field = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (student, score) = (field("studentSourcedId"), field("score"));
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let mut changed: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| r[student] == named)
        .take(3)
        .cloned()
        .map(|mut row| {
            row[score] = "1".into();
            row
        })
        .collect();
    let mut moved = rows
        .iter()
        .find(|r| r[student] == moved_from)
        .expect("a score to move")
        .clone();
    moved[student] = named.to_owned();
    changed.push(moved);
    let mut writer = csv::Writer::from_path(delta.join("results.csv")).unwrap();
    writer.write_record(&header).unwrap();
    for row in changed {
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
}

/// A delta of one user: the student `sourced_id`, renamed.
fn write_student_delta(set: &Path, delta: &Path, sourced_id: &str) {
    std::fs::create_dir_all(delta).unwrap();
    std::fs::write(
        delta.join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,delta\n",
    )
    .unwrap();
    let mut reader = csv::Reader::from_path(set.join("users.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let field = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut row: Vec<String> = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[field("sourcedId")] == sourced_id)
        .expect("the student's row")
        .iter()
        .map(str::to_owned)
        .collect();
    row[field("givenName")] = "Renamed".into();
    let mut writer = csv::Writer::from_path(delta.join("users.csv")).unwrap();
    writer.write_record(&header).unwrap();
    writer.write_record(&row).unwrap();
    writer.flush().unwrap();
}

#[tokio::test]
async fn snapshots_stay_what_the_store_holds_through_imports_switches_and_new_days() {
    for seed in [3, 11] {
        let app = spawn_app().await;
        districts::add(&app.app, "snap", "Snapshot Unified", "CA")
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let set = dir.path().join("set");
        let today = jiff::tz::TimeZone::UTC
            .to_datetime(app.app.clock.now())
            .date();
        generator::generate(
            &set,
            &generator::Options {
                students: 80,
                seed,
                year: generator::school_year_of(today),
            },
        )
        .unwrap();
        import(&app, &set).await;
        let district = district(&app).await;
        // Families of a few students, and a student of their own.
        for (n, person, kind) in [
            (1, "g1", AccountKind::Parent),
            (2, "g9", AccountKind::Parent),
            (3, "g20", AccountKind::Parent),
            (4, "s30", AccountKind::Student),
        ] {
            account(&app, "snap", person, kind, &format!("reader-{n}")).await;
        }
        settle(&app).await;
        let readable = compare(&app, "after the import").await;
        assert!(readable >= 4, "{readable}");

        // A delta: every snapshot goes with it, and the job makes them again.
        let delta = dir.path().join("delta");
        write_delta(&set, &delta);
        import(&app, &delta).await;
        let reads = app.app.store.records().await.unwrap();
        for id in app.app.store.readable_students(district.id).await.unwrap() {
            assert!(
                reads.snapshot_of(district.id, id).await.unwrap().is_none(),
                "the import left student {id}'s snapshot"
            );
        }
        settle(&app).await;
        compare(&app, "after a delta import").await;

        // A delta of scores alone forgets only the snapshots of the students its rows name,
        // and of the student a moved score leaves.
        let day = tools::today(&app.app, &district).to_string();
        let mut students = Vec::new();
        for id in app.app.store.readable_students(district.id).await.unwrap() {
            let record = app
                .app
                .store
                .visible_students(district.id, AccountKind::Student, id, &day)
                .await
                .unwrap()
                .remove(0);
            students.push((id, record.sourced_id));
        }
        let scores = dir.path().join("scores");
        write_scores_delta(&set, &scores, &students[0].1, &students[1].1);
        import(&app, &scores).await;
        for (n, (id, sourced_id)) in students.iter().enumerate() {
            let kept = reads.snapshot_of(district.id, *id).await.unwrap().is_some();
            assert_eq!(kept, n >= 2, "seed {seed}: the snapshot of {sourced_id}");
        }
        settle(&app).await;
        compare(&app, "after a delta of scores").await;

        // The same delta again changes nothing, and forgets nothing.
        import(&app, &scores).await;
        for (id, sourced_id) in &students {
            let kept = reads.snapshot_of(district.id, *id).await.unwrap().is_some();
            assert!(
                kept,
                "seed {seed}: an import that changed nothing forgot {sourced_id}"
            );
        }

        // A student's own row reaches only that student's snapshot.
        let own = dir.path().join("own");
        write_student_delta(&set, &own, &students[2].1);
        import(&app, &own).await;
        for (n, (id, sourced_id)) in students.iter().enumerate() {
            let kept = reads.snapshot_of(district.id, *id).await.unwrap().is_some();
            assert_eq!(kept, n != 2, "seed {seed}: the snapshot of {sourced_id}");
        }
        settle(&app).await;
        compare(&app, "after a change to a student's own row").await;

        // A staff switch (here the grading scale) moves the revision, not the records.
        districts::set(&app.app, "snap", "grading_scale", "A:93,B:85,C:75,D:65,F:0")
            .await
            .unwrap();
        compare(&app, "after a staff switch").await;

        // New school days, within the snapshots' week.
        for _ in 0..snapshots::WEEK {
            app.app.clock.advance(86_400);
            compare(&app, "a day later").await;
        }
        app.app.clock.advance(86_400);
        let day = tools::today(&app.app, &district);
        let body = reads
            .snapshot_of(
                district.id,
                app.app.store.readable_students(district.id).await.unwrap()[0],
            )
            .await
            .unwrap()
            .unwrap();
        let kept = Snapshot::from_bytes(&body).unwrap();
        assert!(
            kept.dated(day).is_none(),
            "a week on, Today is read from the store"
        );
        app.stop().await;
    }
}

/// A snapshot made from records read before an import is not written after it; a stored
/// snapshot that no longer parses is made again from the store at the next read.
#[tokio::test]
async fn a_snapshot_of_records_an_import_replaced_is_not_kept() {
    let app = spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let cedar = crate::harness::district(&app, "cedar-valley").await;
    let student = app.app.store.readable_students(cedar.id).await.unwrap()[0];
    let before = cedar.revision;
    districts::set(&app.app, "cedar-valley", "forgot_password", "on")
        .await
        .unwrap();
    assert!(
        !app.app
            .store
            .keep_snapshot(cedar.id, student, before, b"\xff")
            .await
            .unwrap()
    );
    let now = app.app.store.revision_of(cedar.id).await.unwrap();
    assert!(
        app.app
            .store
            .keep_snapshot(cedar.id, student, now, b"\xff")
            .await
            .unwrap()
    );

    // The parent's read still answers from the store, and keeps a snapshot that parses.
    let token = crate::links::maria(&app).await;
    let grades: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/students/{student}/grades")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(grades["classes"].as_array().unwrap().len(), 12, "{grades}");
    let reads = app.app.store.records().await.unwrap();
    let body = reads.snapshot_of(cedar.id, student).await.unwrap().unwrap();
    let kept = Snapshot::from_bytes(&body).unwrap();
    assert_eq!(kept.classes.len(), 12);
    app.stop().await;
}

/// The snapshot job makes again a kept row of another form (bytes an earlier version kept),
/// and leaves the rows of this form as they are.
#[tokio::test]
async fn the_snapshot_job_makes_again_a_row_of_another_form() {
    let app = spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    settle(&app).await;
    let cedar = crate::harness::district(&app, "cedar-valley").await;
    let readable = app.app.store.readable_students(cedar.id).await.unwrap();
    let (other, same) = (readable[0], readable[1]);
    let reads = app.app.store.records().await.unwrap();
    let kept = |id| {
        let reads = &reads;
        async move { reads.snapshot_of(cedar.id, id).await.unwrap().unwrap() }
    };
    let mut body = kept(other).await;
    body[0] = body[0].wrapping_add(1);
    assert!(Snapshot::from_bytes(&body).is_err());
    let revision = app.app.store.revision_of(cedar.id).await.unwrap();
    assert!(
        app.app
            .store
            .keep_snapshot(cedar.id, other, revision, &body)
            .await
            .unwrap()
    );
    let untouched = kept(same).await;

    // A job under a key no import has used.
    let now = app.app.clock.unix();
    let mut tx = app.app.store.begin().await.unwrap();
    assert!(
        tx.enqueue(&snapshots::job(cedar.id, i64::MAX), now)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    settle(&app).await;

    let remade = Snapshot::from_bytes(&kept(other).await).unwrap();
    assert_eq!(
        remade,
        made_from_store(&app, &cedar, other, &remade).await.1
    );
    assert_eq!(kept(same).await, untouched);
    app.stop().await;
}
