//! The portal: who may see which student (the authorization matrix), the six tools and what
//! they compute, tool switches and windows, and the Access Log.

use std::path::Path;

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp, TestDb, login, spawn_app_with};
use homeroom::domain::{AccountKind, District, SourcedId};
use homeroom::services::auth::{self, NewAccountFor};
use homeroom::services::{admin, districts, import};

const ORGS: &str = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
d1,,,River Unified,district,,\n\
s1,,,Oak Elementary,school,,d1\n\
s2,,,Pine High,school,,d1\n";

const SESSIONS: &str = "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n\
y1,,,2025-2026,schoolYear,2025-08-15,2026-06-10,,2026\n\
t1,,,Fall,term,2025-08-15,2025-12-19,y1,2026\n\
t2,,,Spring,term,2026-01-05,2026-06-10,y1,2026\n\
gp1,,,Quarter 1,gradingPeriod,2025-08-15,2025-10-17,t1,2026\n\
gp2,,,Quarter 2,gradingPeriod,2025-10-20,2025-12-19,t1,2026\n";

const USERS_HEADER: &str = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n";

/// Ava (st1) has guardians Maria (portal on), Jorge (portal switched off by staff) and Nina
/// (whose relationship ends with the second import); Ben (st2) is Ava's brother, Maria's son;
/// Cy (st3) is another family's; Noah (g5) is the parent of nobody.
fn users(nina_linked: bool) -> String {
    let ava_agents = if nina_linked {
        "\"g1,g2,g4\""
    } else {
        "\"g1,g2\""
    };
    let nina_agents = if nina_linked { "st1" } else { "" };
    format!(
        "{USERS_HEADER}\
st1,,,true,s1,student,,,Ava,Alvarez,,,,,,{ava_agents},03,\n\
st2,,,true,s1,student,,,Ben,Alvarez,,,,,,g1,05,\n\
st3,,,true,s2,student,,,Cy,Okafor,,,,,,g3,10,\n\
g1,,,true,s1,parent,,,Maria,Alvarez,,,maria@example.org,,,\"st1,st2\",,\n\
g2,,,true,s1,parent,,,Jorge,Alvarez,,,,,,st1,,\n\
g3,,,true,s2,parent,,,Ada,Okafor,,,,,,st3,,\n\
g4,,,true,s1,relative,,,Nina,Former,,,,,,{nina_agents},,\n\
g5,,,true,s1,parent,,,Noah,Nobody,,,,,,,,\n\
t1,,,true,s1,teacher,,,Terry,Teach,,,,,,,,\n"
    )
}

const COURSES: &str = "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects\n\
co1,,,y1,Math 3,M3,03,s1,Math\n\
co2,,,y1,Reading 3,R3,03,s1,Reading\n\
co3,,,y1,Biology,BIO,10,s2,Science\n";

const CLASSES: &str = "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,periods\n\
k1,,,Math 3,03,co1,M3-1,scheduled,Room 12,s1,t1,Math,1\n\
k2,,,Reading 3,03,co2,R3-1,scheduled,Room 14,s1,t1,Reading,2\n\
k3,,,Biology,10,co3,BIO-1,scheduled,Lab 2,s2,t1,Science,3\n";

const ENROLLMENTS: &str = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
e1,,,k1,s1,st1,student,false,,\n\
e2,,,k2,s1,st1,student,false,,\n\
e3,,,k1,s1,st2,student,false,,\n\
e4,,,k3,s2,st3,student,false,,\n\
e5,,,k1,s1,t1,teacher,true,,\n\
e6,,,k2,s1,t1,teacher,true,,\n\
e7,,,k3,s2,t1,teacher,true,,\n";

const CATEGORIES: &str =
    "sourcedId,status,dateLastModified,title,weight\nhw,,,Homework,40\ntest,,,Tests,60\n";

const LINE_ITEMS: &str = "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId,resultValueMin,resultValueMax\n\
li1,,,Homework 1,,2025-09-03,2025-09-10,k1,hw,gp1,0,10\n\
li2,,,Unit test 1,,2025-09-15,2025-09-20,k1,test,gp1,0,100\n\
li3,,,Homework 2,,2025-09-24,2025-10-01,k1,hw,gp1,0,10\n\
li4,,,Homework 3,,2025-10-01,2025-10-08T23:59:00Z,k1,hw,gp1,0,10\n\
li5,,,Reading log,,2025-09-20,2025-09-30,k2,hw,gp1,0,10\n\
li6,,,Lab report,,2025-09-20,2025-10-02,k3,test,gp1,0,100\n";

/// OneRoster 1.2's optional `late` and `missing` columns included.
const RESULTS: &str = "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,late,missing\n\
r1,,,li1,st1,fully graded,9,2025-09-28,Great work,true,\n\
r2,,,li2,st1,fully graded,70,2025-09-21,,,false\n\
r3,,,li3,st1,not submitted,,,,,\n\
r4,,,li5,st1,exempt,,,,,\n\
r5,,,li1,st2,fully graded,5,2025-09-28,,,\n\
r6,,,li6,st3,fully graded,88,2025-10-03,,,\n";

/// Homeroom's own files: grades posted for a grading period, and days without school.
const TERM_GRADES: &str = "sourcedId,status,dateLastModified,classSourcedId,userSourcedId,termSourcedId,grade,percent,comment\n\
tg1,,,k1,st1,gp1,C-,71.5,Posted for the progress report\n";

const CALENDAR: &str = "sourcedId,status,dateLastModified,schoolSourcedId,date,description\n\
h1,,,,2025-10-13,Indigenous Peoples' Day\n\
h2,,,s2,2025-10-07,Pine High staff day\n";

const ATTENDANCE: &str = "sourcedId,status,dateLastModified,userSourcedId,classSourcedId,date,attendanceStatus,excused\n\
a1,,,st1,,2025-09-15,absent,true\n\
a2,,,st1,k1,2025-10-06,tardy,false\n\
a3,,,st2,,2025-09-16,absent,false\n";

const MANIFEST: &str = "propertyName,value\nfile.academicSessions,bulk\nfile.orgs,bulk\nfile.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\nfile.categories,bulk\nfile.lineItems,bulk\nfile.results,bulk\nfile.attendance,bulk\nfile.termGrades,bulk\nfile.calendar,bulk\n";

pub fn write_set(dir: &Path, nina_linked: bool) {
    let users = users(nina_linked);
    for (name, text) in [
        ("manifest.csv", MANIFEST),
        ("orgs.csv", ORGS),
        ("academicSessions.csv", SESSIONS),
        ("users.csv", users.as_str()),
        ("courses.csv", COURSES),
        ("classes.csv", CLASSES),
        ("enrollments.csv", ENROLLMENTS),
        ("categories.csv", CATEGORIES),
        ("lineItems.csv", LINE_ITEMS),
        ("results.csv", RESULTS),
        ("attendance.csv", ATTENDANCE),
        ("termGrades.csv", TERM_GRADES),
        ("calendar.csv", CALENDAR),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// The portal's day in these tests: Monday 6 October 2025, noon in California.
const TODAY_UTC: i64 = 1_759_777_200;

pub struct Portal {
    pub app: TestApp,
    pub district: District,
    /// Bearer tokens by who holds them.
    pub tokens: Vec<(&'static str, String)>,
    /// Ava's student id.
    pub ava: i64,
    pub ben: i64,
    pub cy: i64,
}

impl Portal {
    pub fn token(&self, who: &str) -> &str {
        &self.tokens.iter().find(|(w, _)| *w == who).unwrap().1
    }

    pub async fn get(&self, path: &str, who: Option<&str>) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new().get(self.app.url(path));
        if let Some(who) = who {
            request = request.bearer_auth(self.token(who));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn page(&self, path: &str, who: Option<&str>) -> (StatusCode, String) {
        self.page_in(path, who, None).await
    }

    /// `page`, asked for with the browser's `Accept-Language` when given.
    pub async fn page_in(
        &self,
        path: &str,
        who: Option<&str>,
        accept_language: Option<&str>,
    ) -> (StatusCode, String) {
        let mut request = self.app.client.get(self.app.url(path));
        if let Some(who) = who {
            request = request.bearer_auth(self.token(who));
        }
        if let Some(lang) = accept_language {
            request = request.header(reqwest::header::ACCEPT_LANGUAGE, lang);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }
}

async fn district(app: &TestApp, slug: &str, name: &str, dir: &Path) -> District {
    districts::add(&app.app, slug, name, "CA").await.unwrap();
    // Its staff read and set things here; their second factor is tested in second_factor.rs.
    districts::set(&app.app, slug, "staff_second_factor", "optional")
        .await
        .unwrap();
    let district = crate::harness::district(app, slug).await;
    import::oneroster(&app.app, &crate::harness::operator(&district), dir, None)
        .await
        .unwrap();
    district
}

/// An account for a person of the district, with the tests' password.
pub async fn account(
    app: &TestApp,
    district: &District,
    person: &str,
    kind: AccountKind,
    user: &str,
) {
    auth::create_account(
        &app.app,
        district,
        NewAccountFor {
            person: &SourcedId::parse(person).unwrap(),
            kind,
            username: user,
            password: PASSWORD,
            must_change_password: false,
        },
        "operator",
        "account.created",
    )
    .await
    .unwrap();
}

pub async fn person_id(app: &TestApp, district: &District, sourced_id: &str) -> i64 {
    let mut tx = app.app.store.begin().await.unwrap();
    let id = tx
        .person_id(district.id, sourced_id)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// River Unified with the families above, a second district holding the same sourcedIds, and
/// a logged-in token for each kind of reader.
pub async fn portal() -> Portal {
    portal_with(|c| c).await
}

/// `portal`, with the configuration adjusted first.
pub async fn portal_with(
    adjust: impl FnOnce(homeroom::config::ConfigInput) -> homeroom::config::ConfigInput,
) -> Portal {
    let app = spawn_app_with(TestDb::fresh().await, adjust).await;
    app.app.clock.advance(TODAY_UTC - app.app.clock.unix());
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), true);
    let river = district(&app, "river", "River Unified", dir.path()).await;
    let hill = district(&app, "hill", "Hill Unified", dir.path()).await;
    for (person, kind, user) in [
        ("st1", AccountKind::Student, "ava"),
        ("st2", AccountKind::Student, "ben"),
        ("g1", AccountKind::Parent, "maria"),
        ("g2", AccountKind::Parent, "jorge"),
        ("g4", AccountKind::Parent, "nina"),
        ("g5", AccountKind::Parent, "noah"),
    ] {
        account(&app, &river, person, kind, user).await;
    }
    account(&app, &hill, "g1", AccountKind::Parent, "maria").await;
    auth::add_staff(&app.app, "river", "staffer", PASSWORD)
        .await
        .unwrap();
    // Staff switch Jorge's portal access off; a new bulk import ends Nina's relationship.
    let jorge = person_id(&app, &river, "g2").await;
    let view = admin::person(&app.app, &crate::harness::operator(&river), jorge)
        .await
        .unwrap();
    admin::set_portal(
        &app.app,
        &crate::harness::operator(&river),
        jorge,
        view.relationships[0].id,
        false,
    )
    .await
    .unwrap();
    write_set(dir.path(), false);
    import::oneroster(
        &app.app,
        &crate::harness::operator(&river),
        dir.path(),
        None,
    )
    .await
    .unwrap();
    let mut tokens = Vec::new();
    for (who, portal, user) in [
        ("self", "student", "ava"),
        ("other student", "student", "ben"),
        ("parent", "parent", "maria"),
        ("portal off", "parent", "jorge"),
        ("ended", "parent", "nina"),
        ("nobody's parent", "parent", "noah"),
        ("staff", "staff", "staffer"),
    ] {
        tokens.push((who, login(&app, "river", portal, user, PASSWORD).await));
    }
    tokens.push((
        "other district",
        login(&app, "hill", "parent", "maria", PASSWORD).await,
    ));
    let (ava, ben, cy) = (
        person_id(&app, &river, "st1").await,
        person_id(&app, &river, "st2").await,
        person_id(&app, &river, "st3").await,
    );
    Portal {
        app,
        district: river,
        tokens,
        ava,
        ben,
        cy,
    }
}

/// A call of the API as one of the portal's readers (`None`: anonymous), with a JSON body.
pub async fn send(
    p: &Portal,
    method: reqwest::Method,
    path: &str,
    who: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, p.app.url(path));
    if let Some(who) = who {
        request = request.bearer_auth(p.token(who));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

const TOOLS: [&str; 6] = [
    "today",
    "calendar",
    "assignments",
    "grades",
    "attendance",
    "schedule",
];

/// Every student route for Ava × every kind of reader, through the API and the pages.
#[tokio::test]
async fn only_the_student_and_a_parent_with_portal_access_read_a_record() {
    let p = portal().await;
    let readers: [(Option<&str>, u16, u16); 9] = [
        (Some("self"), 200, 200),
        (Some("other student"), 404, 404),
        (Some("parent"), 200, 200),
        (Some("portal off"), 404, 404),
        (Some("ended"), 404, 404),
        (Some("nobody's parent"), 404, 404),
        (Some("staff"), 404, 404),
        // A session of another district does not open this district's pages: to its login.
        (Some("other district"), 404, 303),
        // Anonymous: the API asks for a login; a page sends the browser to the login page.
        (None, 401, 303),
    ];
    let reads_before = reads(&p).await;
    let mut allowed = 0;
    for tool in TOOLS {
        let api = format!("/api/v1/students/{}/{tool}", p.ava);
        let page = format!("/d/river/students/{}/{tool}", p.ava);
        for (who, api_expected, page_expected) in readers {
            let (status, body) = p.get(&api, who).await;
            assert_eq!(status.as_u16(), api_expected, "{who:?} GET {api}: {body}");
            match api_expected {
                200 => {
                    assert_eq!(body["student"]["name"], "Ava Alvarez", "{who:?} {api}");
                    allowed += 1;
                }
                404 => assert_eq!(body["error"], "not_found"),
                _ => assert_eq!(body["error"], "unauthorized"),
            }
            let (status, html) = p.page(&page, who).await;
            assert_eq!(status.as_u16(), page_expected, "{who:?} GET {page}");
            if page_expected == 200 {
                assert!(html.contains("Ava Alvarez"), "{page}");
                allowed += 1;
            } else {
                assert!(!html.contains("Ava Alvarez"), "{who:?} {page}");
            }
        }
    }
    // Every allowed read, and only those, went to the audit log.
    assert_eq!(reads(&p).await - reads_before, allowed);

    // The student list: exactly the students each may see.
    let expect_students: [(&str, &[&str]); 8] = [
        ("self", &["Ava Alvarez"]),
        ("other student", &["Ben Alvarez"]),
        ("parent", &["Ava Alvarez", "Ben Alvarez"]),
        ("portal off", &[]),
        ("ended", &[]),
        ("nobody's parent", &[]),
        ("staff", &[]),
        ("other district", &["Ava Alvarez", "Ben Alvarez"]),
    ];
    for (who, names) in expect_students {
        let (status, body) = p.get("/api/v1/students", Some(who)).await;
        assert_eq!(status, StatusCode::OK);
        let listed: Vec<&str> = body["students"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(listed, names, "{who}");
    }
    // Hill's Ava has the same sourcedId but is another student: River's ids mean nothing there.
    let (_, hill) = p.get("/api/v1/students", Some("other district")).await;
    assert!(
        hill["students"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != p.ava && s["id"] != p.ben)
    );
    let (status, _) = p.get("/api/v1/students", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Ids that do not exist, or are not numbers, answer like a student one may not see.
    for id in ["999999", "0", "-1", "abc", "1e3"] {
        let (status, body) = p
            .get(&format!("/api/v1/students/{id}/grades"), Some("parent"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {body}");
    }
    let (status, _) = p
        .get(&format!("/api/v1/students/{}/grades", p.cy), Some("parent"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = p
        .page(
            &format!("/d/river/students/{}/report-card", p.ava),
            Some("parent"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    p.app.stop().await;
}

async fn reads(p: &Portal) -> usize {
    p.app
        .app
        .store
        .audit_entries(p.district.id, 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "record.read")
        .count()
}

#[tokio::test]
async fn the_tools_show_what_the_school_sent() {
    let p = portal().await;
    let get = |tool: &'static str| {
        let path = format!("/api/v1/students/{}/{tool}", p.ava);
        let p = &p;
        async move {
            let (status, body) = p.get(&path, Some("parent")).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            body
        }
    };

    // Grades: Homework 9/10 and a missing 0/10 = 45 %, weight 40; Tests 70/100, weight 60:
    // 0.4 × 45 + 0.6 × 70 = 60.0, a D. Reading's only assignment is excused: no grade yet.
    let grades = get("grades").await;
    let math = &grades["classes"][0];
    assert_eq!(math["class"]["title"], "Math 3");
    assert_eq!(math["teachers"][0], "Terry Teach");
    let q1 = &math["periods"][0];
    assert_eq!(q1["period"]["title"], "Quarter 1");
    assert_eq!(q1["percent"], 60.0);
    assert_eq!(q1["letter"], "D");
    assert_eq!(q1["weighting"], "category");
    assert_eq!(q1["counted"], 3);
    assert_eq!(q1["missing"], 1);
    assert_eq!(q1["posted"]["grade"], "C-");
    assert_eq!(q1["posted"]["percent"], 71.5);
    let reading = &grades["classes"][1];
    assert_eq!(reading["class"]["title"], "Reading 3");
    assert_eq!(reading["periods"][0]["percent"], Value::Null);
    assert_eq!(grades["scale"], "A:90,B:80,C:70,D:60,F:0");

    // A district scale changes the letter.
    p.app
        .cli(&[
            "district",
            "set",
            "river",
            "grading_scale",
            "A:90,B:80,C:70,D:65,F:0",
        ])
        .await;
    let grades = get("grades").await;
    assert_eq!(grades["classes"][0]["periods"][0]["letter"], "F");

    // Assignments: by class and due date, with flags.
    let assignments = get("assignments").await;
    let math: Vec<(String, bool, bool)> = assignments["classes"][0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap().to_owned(),
                a["missing"].as_bool().unwrap(),
                a["excused"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        math,
        [
            ("Homework 1".into(), false, false),
            ("Unit test 1".into(), false, false),
            ("Homework 2".into(), true, false),
            ("Homework 3".into(), false, false),
        ]
    );
    let log = &assignments["classes"][1]["assignments"][0];
    assert_eq!(log["title"], "Reading log");
    assert_eq!(log["excused"], true);
    assert_eq!(
        assignments["classes"][0]["assignments"][0]["comment"],
        "Great work"
    );
    assert_eq!(assignments["classes"][0]["assignments"][0]["percent"], 90.0);

    // Today (Monday 6 October): both classes meet, Homework 3 is due Wednesday, Homework 1's
    // score is from the last two weeks (the test's is older), and Ava was tardy to Math.
    let today = get("today").await;
    assert_eq!(today["date"], "2025-10-06");
    assert_eq!(today["no_school"], Value::Null);
    let classes: Vec<&str> = today["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["Math 3", "Reading 3"]);
    assert_eq!(today["schedule"][0]["room"], "Room 12");
    assert_eq!(today["due_soon"][0]["title"], "Homework 3");
    assert_eq!(today["due_soon"].as_array().unwrap().len(), 1);
    let recent: Vec<&str> = today["recent_scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(recent, ["Homework 1"]);
    assert_eq!(today["attendance"][0]["status"], "tardy");
    assert_eq!(today["attendance"][0]["class"]["title"], "Math 3");

    // Attendance by term.
    let attendance = get("attendance").await;
    let fall = &attendance["terms"][0];
    assert_eq!(fall["term"]["title"], "Fall");
    assert_eq!(
        (
            &fall["absences"],
            &fall["tardies"],
            &fall["excused"],
            &fall["unexcused"]
        ),
        (&1.into(), &1.into(), &1.into(), &1.into())
    );
    assert_eq!(attendance["terms"][1]["term"]["title"], "Spring");
    assert_eq!(attendance["terms"][1]["absences"], 0);

    // Schedule by term.
    let schedule = get("schedule").await;
    let fall = &schedule["terms"][0];
    assert_eq!(fall["term"]["title"], "Fall");
    assert_eq!(fall["classes"][0]["periods"], "1");
    assert_eq!(fall["classes"][0]["teachers"][0], "Terry Teach");
    assert_eq!(fall["classes"][1]["room"], "Room 14");

    // Calendar: this month by default, another on request; a bad month is a clear 400.
    let calendar = get("calendar").await;
    assert_eq!(calendar["month"], "2025-10");
    assert_eq!(calendar["days"].as_array().unwrap().len(), 31);
    let oct8 = &calendar["days"][7];
    assert_eq!(oct8["date"], "2025-10-08");
    assert_eq!(oct8["due"][0]["title"], "Homework 3");
    assert_eq!(calendar["days"][5]["attendance"][0]["status"], "tardy");
    // A district-wide day off shows; Pine High's own does not, for an Oak Elementary student.
    assert_eq!(calendar["days"][12]["no_school"], "Indigenous Peoples' Day");
    assert_eq!(calendar["days"][6]["no_school"], Value::Null);
    let (status, september) = p
        .get(
            &format!("/api/v1/students/{}/calendar?month=2025-09", p.ava),
            Some("self"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(september["days"].as_array().unwrap().len(), 30);
    assert_eq!(september["days"][14]["attendance"][0]["status"], "absent");
    for bad in [
        "2025-13",
        "2025-9",
        "October",
        "2025-10-01",
        "%00",
        "2025-10&month=2025-11",
    ] {
        let (status, body) = p
            .get(
                &format!("/api/v1/students/{}/calendar?month={bad}", p.ava),
                Some("self"),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "bad_request");
    }

    // The pages show the same figures.
    let (status, html) = p
        .page(
            &format!("/d/river/students/{}/grades", p.ava),
            Some("parent"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("60%") || html.contains("60.0%"), "{html}");
    assert!(html.contains("1 missing"));
    let (_, html) = p.page("/d/river/home", Some("parent")).await;
    assert!(html.contains("Ava Alvarez") && html.contains("Ben Alvarez"));
    assert!(html.contains(&format!("/d/river/students/{}/grades", p.ben)));
    p.app.stop().await;
}

/// Reads at once are audited together; each is answered only once its entry is written, and
/// an entry the database refuses fails its own read alone.
#[tokio::test]
async fn every_read_of_many_at_once_is_on_record() {
    let p = portal().await;
    let before = reads(&p).await;
    let url = p.app.url(&format!("/api/v1/students/{}/grades", p.ava));
    let mut reading = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (url, token) = (url.clone(), p.token("parent").to_owned());
        reading.spawn(async move {
            let response = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            response.status()
        });
    }
    for status in reading.join_all().await {
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(reads(&p).await, before + 40);

    // Written beside good entries and a session read, one PostgreSQL refuses (a NUL in its
    // text) is refused on its own; SQLite keeps it.
    let store = &p.app.app.store;
    let secret = homeroom::domain::SessionSecret::parse(p.token("parent")).unwrap();
    let entry = |target: &'static str| homeroom::store::AuditEntry {
        district: Some(p.district.id),
        actor: "account",
        action: "record.read",
        target: Some(target),
        ..Default::default()
    };
    let (good, bad, session, also_good) = tokio::join!(
        store.audit(entry("st1"), 1),
        store.audit(entry("st\0"), 1),
        store.session_with_account(&secret),
        store.audit(entry("st2"), 1),
    );
    assert!(good.is_ok() && also_good.is_ok(), "{good:?} {also_good:?}");
    assert!(matches!(session, Ok(Some(_))), "{session:?}");
    let postgres = store.backend() == homeroom::store::Backend::Postgres;
    assert_eq!(bad.is_err(), postgres, "{bad:?}");
    assert_eq!(reads(&p).await, before + 40 + if postgres { 2 } else { 3 });
    p.app.stop().await;
}

/// Who may see whom is kept between requests too, and follows staff's switch at once.
#[tokio::test]
async fn portal_access_switched_by_staff_takes_effect_at_the_next_request() {
    let p = portal().await;
    let grades = format!("/api/v1/students/{}/grades", p.ava);
    let (status, _) = p.get(&grades, Some("parent")).await;
    assert_eq!(status, StatusCode::OK);
    let maria = person_id(&p.app, &p.district, "g1").await;
    let view = admin::person(&p.app.app, &crate::harness::operator(&p.district), maria)
        .await
        .unwrap();
    let to_ava = view
        .relationships
        .iter()
        .find(|r| r.other_id == p.ava)
        .unwrap()
        .id;
    admin::set_portal(
        &p.app.app,
        &crate::harness::operator(&p.district),
        maria,
        to_ava,
        false,
    )
    .await
    .unwrap();
    let (status, _) = p.get(&grades, Some("parent")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, students) = p.get("/api/v1/students", Some("parent")).await;
    let ids: Vec<i64> = students["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [p.ben]);
    admin::set_portal(
        &p.app.app,
        &crate::harness::operator(&p.district),
        maria,
        to_ava,
        true,
    )
    .await
    .unwrap();
    let (status, _) = p.get(&grades, Some("parent")).await;
    assert_eq!(status, StatusCode::OK);
    p.app.stop().await;
}

/// Staff switch Grades off for River's parents, saying why.
async fn grades_off_for(p: &Portal, portal: &str, reason: &str) {
    let out = p
        .app
        .cli(&[
            "district", "tools", "river", "off", "grades", "--portal", portal, "--reason", reason,
        ])
        .await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
}

async fn log_out(p: &Portal, who: &str) {
    let (status, _) = send(p, reqwest::Method::POST, "/api/v1/logout", Some(who), None).await;
    assert!(status.is_success(), "{status}");
}

/// A tool's page is read for whom its secret opened last time while its session is looked up
/// beside the read. What it shows is what the session statement found: a change of the
/// district made meanwhile is shown, not the read begun before it; a session ended meanwhile
/// sees the login page.
#[tokio::test]
async fn a_page_read_beside_its_session_shows_only_what_the_session_found() {
    let p = portal().await;
    let page = format!("/d/river/students/{}/grades", p.ava);
    // The second read is begun for the reader the first one found.
    for _ in 0..2 {
        let (status, html) = p.page(&page, Some("parent")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Math 3"), "{html}");
    }
    grades_off_for(&p, "parent", "Closed for report cards.").await;
    let (status, html) = p.page(&page, Some("parent")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Closed for report cards."), "{html}");
    assert!(!html.contains("Math 3"));
    // Ava's own Grades, read twice, then her session ends through the API.
    let own = format!("/d/river/students/{}/grades", p.ava);
    for _ in 0..2 {
        assert_eq!(p.page(&own, Some("self")).await.0, StatusCode::OK);
    }
    log_out(&p, "self").await;
    let response = p
        .app
        .client
        .get(p.app.url(&own))
        .bearer_auth(p.token("self"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/d/river/parent");
    assert!(!response.text().await.unwrap().contains("Math 3"));
    p.app.stop().await;
}

/// The API's record reads too are begun for whom the secret opened last time, from the
/// login on, beside the session's lookup; what they answer is what the lookup found.
#[tokio::test]
async fn an_api_read_beside_its_session_answers_only_what_the_session_found() {
    let p = portal().await;
    let grades = format!("/api/v1/students/{}/grades", p.ava);
    // Maria's first read after her login is begun for the account the login started; that
    // account is told to change its password before the read.
    let (account, _) = p
        .app
        .app
        .store
        .account_for_login(p.district.id, "maria")
        .await
        .unwrap()
        .unwrap();
    let hash = p.app.app.passwords.hash("temporary 1").await.unwrap();
    let mut tx = p.app.app.store.begin().await.unwrap();
    tx.set_password(&account, &hash, true, 0).await.unwrap();
    tx.commit().await.unwrap();
    let (status, body) = p.get(&grades, Some("parent")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "password_change_required");
    assert!(body.get("classes").is_none());
    // Known now, the account is no guess to begin a read for, and no read is done for it.
    let before = reads(&p).await;
    let (status, body) = p.get(&grades, Some("parent")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(reads(&p).await, before);

    // Ava's own Grades: the first read right after her login, then a second; then the
    // district switches Grades off for students, and then her session ends.
    for _ in 0..2 {
        let (status, body) = p.get(&grades, Some("self")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["classes"][0]["class"]["title"], "Math 3", "{body}");
    }
    grades_off_for(&p, "student", "Closed for report cards.").await;
    let (status, body) = p.get(&grades, Some("self")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "tool_disabled");
    assert!(body.get("classes").is_none());
    log_out(&p, "self").await;
    let (status, body) = p.get(&grades, Some("self")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    p.app.stop().await;
}

/// A record read is begun beside the writing of its audit entry and answered only once the
/// entry is written: when the entry cannot be written, nothing of the record is answered.
#[tokio::test]
async fn a_read_whose_audit_entry_cannot_be_written_answers_nothing_of_the_record() {
    let p = portal().await;
    let (refuse, allow) = if p.app.db.url.starts_with("postgres") {
        (
            "CREATE FUNCTION refuse_reads() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'reads refused'; END $$; \
             CREATE TRIGGER refuse_reads BEFORE INSERT ON audit_log FOR EACH ROW \
             WHEN (NEW.action = 'record.read') EXECUTE FUNCTION refuse_reads();",
            "DROP TRIGGER refuse_reads ON audit_log",
        )
    } else {
        (
            "CREATE TRIGGER refuse_reads BEFORE INSERT ON audit_log \
             WHEN NEW.action = 'record.read' BEGIN SELECT RAISE(ABORT, 'reads refused'); END;",
            "DROP TRIGGER refuse_reads",
        )
    };
    crate::harness::run_sql(&p.app.db.url, refuse).await;
    for tool in ["grades", "today"] {
        let path = format!("/api/v1/students/{}/{tool}", p.ava);
        let (status, body) = p.get(&path, Some("parent")).await;
        assert!(status.is_server_error(), "{tool}: {status} {body}");
        assert!(body.get("classes").is_none(), "{tool}: {body}");
        assert!(body.get("schedule").is_none(), "{tool}: {body}");
    }
    crate::harness::run_sql(&p.app.db.url, allow).await;
    let (status, body) = p
        .get(
            &format!("/api/v1/students/{}/grades", p.ava),
            Some("parent"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["classes"][0]["class"]["title"], "Math 3", "{body}");
    p.app.stop().await;
}

/// A login reads the family's students beside writing its session, so the first read of a
/// child finds them read. Shown by taking Maria's portal access away behind the portal's back
/// (in the database, where staff's own switch moves the district's revision and is read at
/// once: `portal_access_switched_by_staff_takes_effect_at_the_next_request`).
#[tokio::test]
async fn a_login_reads_the_family_beside_its_session() {
    let p = portal().await;
    let token = login(&p.app, "river", "parent", "maria", PASSWORD).await;
    crate::harness::run_sql(&p.app.db.url, "UPDATE relationships SET portal = (1 = 0)").await;
    let response = reqwest::Client::new()
        .get(p.app.url(&format!("/api/v1/students/{}/grades", p.ava)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    p.app.stop().await;
}

/// Grades and Today are kept between reads; a kept view follows every import and every new day.
#[tokio::test]
async fn a_kept_view_follows_each_import_and_each_new_day() {
    let p = portal().await;
    let grades = format!("/api/v1/students/{}/grades", p.ava);
    let today = format!("/api/v1/students/{}/today", p.ava);
    for _ in 0..2 {
        let (_, body) = p.get(&grades, Some("parent")).await;
        assert_eq!(body["classes"][0]["periods"][0]["percent"], 60.0);
        assert_eq!(body["student"]["name"], "Ava Alvarez");
        let (_, body) = p.get(&today, Some("self")).await;
        assert_eq!(body["date"], "2025-10-06");
    }

    // Homework 2 is handed in late and scored 10/10: Homework 19/20 = 95 %, so
    // 0.4 × 95 + 0.6 × 70 = 80.0. The delta is imported the way a nightly job would.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.csv"),
        "propertyName,value\nfile.results,delta\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("results.csv"),
        "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment\n\
         r3,active,2025-10-06T12:00:00Z,li3,st1,fully graded,10,2025-10-06,Late but complete\n",
    )
    .unwrap();
    let out = p
        .app
        .cli(&[
            "import",
            "oneroster",
            "--district",
            "river",
            dir.path().to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    let (_, body) = p.get(&grades, Some("parent")).await;
    let q1 = &body["classes"][0]["periods"][0];
    assert_eq!(q1["percent"], 80.0, "{body}");
    assert_eq!(q1["letter"], "B");
    assert_eq!(q1["missing"], 0);
    // The same student's view, read by the student: the new figures, under their own name.
    let (_, body) = p.get(&grades, Some("self")).await;
    assert_eq!(body["classes"][0]["periods"][0]["percent"], 80.0);

    // Tuesday: Today is Tuesday's, and Homework 2's score is among the recent ones.
    p.app.app.clock.advance(24 * 60 * 60);
    let (_, body) = p.get(&today, Some("self")).await;
    assert_eq!(body["date"], "2025-10-07");
    assert_eq!(body["recent_scores"][0]["title"], "Homework 2", "{body}");
    p.app.stop().await;
}

#[tokio::test]
async fn a_tool_switched_off_leaves_the_menu_and_is_refused_with_the_reason() {
    let p = portal().await;
    let grades = format!("/api/v1/students/{}/grades", p.ava);
    grades_off_for(
        &p,
        "parent",
        "Grades are closed while report cards are prepared.",
    )
    .await;
    let (status, body) = p.get(&grades, Some("parent")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "tool_disabled");
    assert_eq!(
        body["reason"],
        "Grades are closed while report cards are prepared."
    );
    // The student portal keeps it.
    assert_eq!(p.get(&grades, Some("self")).await.0, StatusCode::OK);
    let (_, tools) = p.get("/api/v1/me/tools", Some("parent")).await;
    let menu: Vec<&str> = tools["menu"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        menu,
        ["today", "calendar", "assignments", "attendance", "schedule"]
    );
    assert_eq!(tools["menu"]["off"][0]["tool"], "grades");
    let (status, html) = p
        .page(
            &format!("/d/river/students/{}/grades", p.ava),
            Some("parent"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Grades are closed while report cards are prepared."));
    let (_, home) = p.page("/d/river/home", Some("parent")).await;
    assert!(!home.contains(&format!("/students/{}/grades\"", p.ava)));
    assert!(home.contains("Grades is not available"));

    // Oak Elementary switches it back on for its own families: its switch wins.
    p.app
        .cli(&[
            "district", "tools", "river", "on", "grades", "--school", "s1",
        ])
        .await;
    assert_eq!(p.get(&grades, Some("parent")).await.0, StatusCode::OK);

    // A window (today through Friday) turns Attendance off for both portals, then ends.
    let out = p
        .app
        .cli(&[
            "district",
            "tools",
            "river",
            "window",
            "attendance",
            "--from",
            "2025-10-06",
            "--to",
            "2025-10-10",
            "--reason",
            "Attendance is being corrected.",
        ])
        .await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    let attendance = format!("/api/v1/students/{}/attendance", p.ava);
    for who in ["parent", "self"] {
        let (status, body) = p.get(&attendance, Some(who)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(body["reason"], "Attendance is being corrected.");
    }
    p.app.app.clock.advance(5 * 24 * 3600);
    // Sessions went idle over the five days: log in again.
    let token = login(&p.app, "river", "parent", "maria", PASSWORD).await;
    let response = reqwest::Client::new()
        .get(p.app.url(&attendance))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // Bad requests say what is wrong and change nothing.
    for (args, expected) in [
        (vec!["off", "report-cards"], "unknown tool"),
        (
            vec!["off", "grades", "--portal", "staff"],
            "portal is parent or student",
        ),
        (
            vec!["off", "grades", "--school", "nowhere"],
            "has no school",
        ),
        (
            vec![
                "window",
                "grades",
                "--from",
                "2025-10-10",
                "--to",
                "2025-10-01",
                "--reason",
                "x",
            ],
            "ends before it starts",
        ),
        (
            vec![
                "window",
                "grades",
                "--from",
                "2025-13-01",
                "--to",
                "2025-10-01",
                "--reason",
                "x",
            ],
            "YYYY-MM-DD",
        ),
        (vec!["remove-window", "999"], "has no window 999"),
    ] {
        let mut full = vec!["district", "tools", "river"];
        full.extend(args.iter().copied());
        crate::harness::assert_fails_with(&p.app.cli(&full).await, expected);
    }
    // The listing shows the switches, and the windows that have not ended (the command line
    // runs on today's real date).
    p.app
        .cli(&[
            "district",
            "tools",
            "river",
            "window",
            "today",
            "--portal",
            "student",
            "--from",
            "2099-07-01",
            "--to",
            "2099-07-31",
            "--reason",
            "Summer",
        ])
        .await;
    let listing = crate::harness::stdout(&p.app.cli(&["district", "tools", "river"]).await);
    assert!(listing.contains("grades       off      on"), "{listing}");
    assert!(
        listing.contains("switch: grades on parent for Oak Elementary"),
        "{listing}"
    );
    assert!(
        listing.contains(
            "window 2: today off 2099-07-01 to 2099-07-31 for student (Whole district): Summer"
        ),
        "{listing}"
    );
    assert!(!listing.contains("window 1:"), "{listing}");
    p.app.stop().await;
}

#[tokio::test]
async fn staff_set_tools_from_the_console_and_families_see_who_read_their_records() {
    let p = portal().await;
    let staff = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = staff
        .post(p.app.url("/d/river/staff"))
        .form(&[("username", "staffer"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = staff
        .get(p.app.url("/d/river/admin/tools"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Portal Tools"));
    let response = staff
        .post(p.app.url("/d/river/admin/tools/windows"))
        .form(&[
            ("tool", "schedule"),
            ("portal", "student"),
            ("school", ""),
            ("from", "2025-10-01"),
            ("to", "2025-10-31"),
            ("reason", "Schedules are being rebuilt."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Window 1 was added.")
    );
    let schedule = format!("/api/v1/students/{}/schedule", p.ava);
    assert_eq!(
        p.get(&schedule, Some("self")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(p.get(&schedule, Some("parent")).await.0, StatusCode::OK);
    // A bad form is shown again with the reason, and nothing is added.
    let response = staff
        .post(p.app.url("/d/river/admin/tools/windows"))
        .form(&[
            ("tool", "schedule"),
            ("portal", "both"),
            ("school", ""),
            ("from", "2025-10-31"),
            ("to", "2025-10-01"),
            ("reason", "Backwards"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("ends before it starts")
    );
    let response = staff
        .post(p.app.url("/d/river/admin/tools/windows/1/remove"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(p.get(&schedule, Some("self")).await.0, StatusCode::OK);
    // Parents cannot reach the console's tools.
    let response = reqwest::Client::new()
        .post(p.app.url("/d/river/admin/tools/switch"))
        .bearer_auth(p.token("parent"))
        .form(&[("tool", "grades"), ("portal", "both"), ("state", "off")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let actions: Vec<String> = p
        .app
        .app
        .store
        .audit_entries(p.district.id, 200)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"tool.window_added".to_owned()));
    assert!(actions.contains(&"tool.window_removed".to_owned()));

    // The Access Log: Maria read Ava's grades; Ava sees it, and so does Maria.
    p.get(
        &format!("/api/v1/students/{}/grades", p.ava),
        Some("parent"),
    )
    .await;
    let (status, log) = p.get("/api/v1/me/access-log", Some("self")).await;
    assert_eq!(status, StatusCode::OK);
    let first = &log["entries"][0];
    assert_eq!(first["reader"], "Maria Alvarez (parent)");
    assert_eq!(first["what"], "Grades");
    assert_eq!(first["student"], "Ava Alvarez");
    let (_, html) = p.page("/d/river/access-log", Some("parent")).await;
    assert!(html.contains("Maria Alvarez (parent)") && html.contains("Ava Alvarez"));
    // Ben's log holds none of Ava's reads.
    let (_, log) = p.get("/api/v1/me/access-log", Some("other student")).await;
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["student"] == "Ben Alvarez")
    );
    let _ = (p.ben, p.cy);
    p.app.stop().await;
}

#[tokio::test]
async fn bad_term_grades_and_days_off_are_reported_by_line_and_nothing_is_written() {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), true);
    std::fs::write(
        dir.path().join("termGrades.csv"),
        "sourcedId,status,dateLastModified,classSourcedId,userSourcedId,termSourcedId,grade,percent,comment\n\
tg1,,,k9,st1,gp1,B,,\n\
tg2,,,k1,st1,gp1,,80,\n\
tg3,,,k1,st1,gp1,A,ninety,\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("calendar.csv"),
        "sourcedId,status,dateLastModified,schoolSourcedId,date,description\n\
h1,,,s9,2025-10-13,Holiday\n\
h2,,,,2025-13-01,Bad date\n",
    )
    .unwrap();
    districts::add(&app.app, "river", "River Unified", "CA")
        .await
        .unwrap();
    let river = crate::harness::district(&app, "river").await;
    let Err(import::ImportError::Rejected { problems, .. }) = import::oneroster(
        &app.app,
        &crate::harness::operator(&river),
        dir.path(),
        None,
    )
    .await
    else {
        panic!("a set with bad rows was imported");
    };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for expected in [
        "termGrades.csv:3: grade is empty",
        "termGrades.csv:4: percent \"ninety\" is not a number",
        "calendar.csv:3: date \"2025-13-01\" is not a date (YYYY-MM-DD)",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "{expected} not in {problems:?}"
        );
    }
    // Unknown references are found once the rows are good.
    write_set(dir.path(), true);
    std::fs::write(
        dir.path().join("termGrades.csv"),
        "sourcedId,status,dateLastModified,classSourcedId,userSourcedId,termSourcedId,grade\n\
tg1,,,k9,st1,gp1,B\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("calendar.csv"),
        "sourcedId,status,dateLastModified,schoolSourcedId,date,description\n\
h1,,,s9,2025-10-13,Holiday\n",
    )
    .unwrap();
    let Err(import::ImportError::Rejected { problems, .. }) = import::oneroster(
        &app.app,
        &crate::harness::operator(&river),
        dir.path(),
        None,
    )
    .await
    else {
        panic!("a set with unknown references was imported");
    };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        problems
            .contains(&"termGrades.csv:2: classSourcedId \"k9\" is not in classes.csv".to_owned()),
        "{problems:?}"
    );
    assert!(
        problems.contains(
            &"calendar.csv:2: schoolSourcedId \"s9\" is not a school in orgs.csv".to_owned()
        ),
        "{problems:?}"
    );
    assert_eq!(
        app.app
            .store
            .district_counts(river.id)
            .await
            .unwrap()
            .students,
        0
    );
    app.stop().await;
}
