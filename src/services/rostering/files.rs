//! What a sync fetched, written as a OneRoster CSV set (a `manifest.csv` and one file per
//! collection) in a private temporary folder, for the import to read like any other set: the
//! same checks, the same all-or-nothing, the same report.
//!
//! Each record of the REST binding becomes a row of the CSV binding: a reference
//! (`{"sourcedId": …}`) becomes its sourcedId, a list of them or of strings a comma-separated
//! list, and a 1.2 user's roles its primary role and every org it is in.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use serde_json::{Map, Value};

use super::client::Failure;
use crate::domain::Collection;

/// Every record in bulk, or what changed (with `status` saying what was deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Bulk,
    Delta,
}

impl Mode {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Bulk => "bulk",
            Self::Delta => "delta",
        }
    }
}

/// Writes the set's manifest: every collection a sync reads, in `mode`; Homeroom's own files
/// (attendance, term grades, the calendar) are absent, so the import leaves them be.
pub(super) fn manifest(dir: &Path, mode: Mode) -> Result<(), Failure> {
    let mut out = csv::Writer::from_path(dir.join("manifest.csv")).map_err(written)?;
    out.write_record(["propertyName", "value"])
        .map_err(written)?;
    out.write_record(["manifest.version", "1.0"])
        .map_err(written)?;
    out.write_record(["oneroster.version", "1.2"])
        .map_err(written)?;
    for collection in Collection::ALL {
        let key = format!("file.{}", collection.name());
        out.write_record([key.as_str(), mode.as_str()])
            .map_err(written)?;
    }
    for own in [
        "attendance",
        "termGrades",
        "calendar",
        "roles",
        "demographics",
    ] {
        out.write_record([format!("file.{own}").as_str(), "absent"])
            .map_err(written)?;
    }
    out.flush().map_err(|e| written(e.into()))
}

fn written(err: csv::Error) -> Failure {
    format!("the fetched records could not be written down for the import: {err}")
}

/// One collection's file, written a page at a time.
pub(super) struct CollectionFile {
    collection: Collection,
    mode: Mode,
    out: csv::Writer<BufWriter<File>>,
    /// The sourcedIds written, for the small collections: a record the SIS repeats (its pages
    /// shifted while they were read) is written once.
    seen: Option<HashSet<String>>,
}

impl CollectionFile {
    pub(super) fn create(dir: &Path, collection: Collection, mode: Mode) -> Result<Self, Failure> {
        let file = File::create(dir.join(collection.file())).map_err(|e| written(e.into()))?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        let header: Vec<&str> = columns(collection).iter().map(|(c, _)| *c).collect();
        out.write_record(&header).map_err(written)?;
        let large = matches!(
            collection,
            Collection::Enrollments | Collection::LineItems | Collection::Results
        );
        Ok(Self {
            collection,
            mode,
            out,
            seen: (!large).then(HashSet::new),
        })
    }

    /// Writes a page of records.
    pub(super) fn page(&mut self, records: Vec<Value>) -> Result<(), Failure> {
        for record in records {
            let Value::Object(record) = record else {
                return Err(format!(
                    "{}: the SIS sent a record that is not an object",
                    self.collection.name()
                ));
            };
            // A bulk set is everything there is: what the SIS is deleting is not part of it.
            let deleting = record
                .get("status")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("tobedeleted"));
            if self.mode == Mode::Bulk && deleting {
                continue;
            }
            let row = row(self.collection, &record)?;
            if let Some(seen) = &mut self.seen
                && !seen.insert(row[0].clone())
            {
                continue;
            }
            self.out.write_record(&row).map_err(written)?;
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<(), Failure> {
        self.out.flush().map_err(|e| written(e.into()))
    }
}

/// How a column's value is found in a record.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// A single value: text, a number or true/false.
    Text(&'static str),
    /// A reference: its sourcedId.
    Ref(&'static str),
    /// The first of these fields that is there, as a reference.
    FirstRef(&'static [&'static str]),
    /// A list of references or of strings: comma-separated.
    List(&'static str),
    /// A user's role: 1.1's `role`, or 1.2's primary role.
    Role,
    /// A user's orgs: 1.1's `orgs`, or 1.2's primary org and the orgs of its roles.
    UserOrgs,
}

use Field::*;

const COMMON: [(&str, Field); 3] = [
    ("sourcedId", Text("sourcedId")),
    ("status", Text("status")),
    ("dateLastModified", Text("dateLastModified")),
];

/// The CSV binding's columns of each collection, and where each comes from.
fn columns(collection: Collection) -> Vec<(&'static str, Field)> {
    let own: &[(&str, Field)] = match collection {
        Collection::Orgs => &[
            ("name", Text("name")),
            ("type", Text("type")),
            ("identifier", Text("identifier")),
            ("parentSourcedId", Ref("parent")),
        ],
        Collection::AcademicSessions => &[
            ("title", Text("title")),
            ("type", Text("type")),
            ("startDate", Text("startDate")),
            ("endDate", Text("endDate")),
            ("parentSourcedId", Ref("parent")),
            ("schoolYear", Text("schoolYear")),
        ],
        Collection::Courses => &[
            ("schoolYearSourcedId", Ref("schoolYear")),
            ("title", Text("title")),
            ("courseCode", Text("courseCode")),
            ("grades", List("grades")),
            ("orgSourcedId", Ref("org")),
            ("subjects", List("subjects")),
        ],
        Collection::Classes => &[
            ("title", Text("title")),
            ("grades", List("grades")),
            ("courseSourcedId", Ref("course")),
            ("classCode", Text("classCode")),
            ("classType", Text("classType")),
            ("location", Text("location")),
            ("schoolSourcedId", Ref("school")),
            ("termSourcedIds", List("terms")),
            ("subjects", List("subjects")),
            ("periods", List("periods")),
        ],
        Collection::Users => &[
            ("enabledUser", Text("enabledUser")),
            ("orgSourcedIds", UserOrgs),
            ("role", Role),
            ("username", Text("username")),
            ("givenName", Text("givenName")),
            ("familyName", Text("familyName")),
            ("middleName", Text("middleName")),
            ("identifier", Text("identifier")),
            ("email", Text("email")),
            ("sms", Text("sms")),
            ("phone", Text("phone")),
            ("agentSourcedIds", List("agents")),
            ("grades", List("grades")),
        ],
        Collection::Enrollments => &[
            ("classSourcedId", Ref("class")),
            ("schoolSourcedId", Ref("school")),
            ("userSourcedId", Ref("user")),
            ("role", Text("role")),
            ("primary", Text("primary")),
            ("beginDate", Text("beginDate")),
            ("endDate", Text("endDate")),
        ],
        Collection::Categories => &[("title", Text("title")), ("weight", Text("weight"))],
        Collection::LineItems => &[
            ("title", Text("title")),
            ("description", Text("description")),
            ("assignDate", Text("assignDate")),
            ("dueDate", Text("dueDate")),
            ("classSourcedId", Ref("class")),
            ("categorySourcedId", Ref("category")),
            // 1.1 and the CSV binding say gradingPeriod; some 1.2 servers academicSession.
            (
                "gradingPeriodSourcedId",
                FirstRef(&["gradingPeriod", "academicSession"]),
            ),
            ("resultValueMin", Text("resultValueMin")),
            ("resultValueMax", Text("resultValueMax")),
        ],
        Collection::Results => &[
            ("lineItemSourcedId", Ref("lineItem")),
            ("studentSourcedId", Ref("student")),
            ("scoreStatus", Text("scoreStatus")),
            ("score", Text("score")),
            ("scoreDate", Text("scoreDate")),
            ("comment", Text("comment")),
            ("late", Text("late")),
            ("missing", Text("missing")),
        ],
    };
    COMMON.iter().chain(own).copied().collect()
}

/// A record as a row of its collection's file.
fn row(collection: Collection, record: &Map<String, Value>) -> Result<Vec<String>, Failure> {
    let bad = |column: &str, why: &str| {
        let id = record
            .get("sourcedId")
            .and_then(Value::as_str)
            .unwrap_or("(no sourcedId)");
        format!("{} {id:?}: {column} {why}", collection.name())
    };
    columns(collection)
        .into_iter()
        .map(|(column, field)| {
            match field {
                Text(key) => single(record.get(key)),
                Ref(key) => reference(record.get(key)),
                FirstRef(keys) => keys
                    .iter()
                    .find_map(|k| record.get(*k).filter(|v| !v.is_null()))
                    .map_or(Some(String::new()), |v| reference(Some(v))),
                List(key) => list(record.get(key)),
                Role => role(record),
                UserOrgs => user_orgs(record),
            }
            .ok_or_else(|| bad(column, "is not in the form OneRoster gives it"))
        })
        .collect()
}

/// Text, a number or true/false as text; nothing as empty.
fn single(value: Option<&Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(_) => None,
    }
}

/// A reference (`{"sourcedId": …}`), or a bare sourcedId.
fn reference(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::Object(r)) => r
            .get("sourcedId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        other => single(other),
    }
}

/// A list of references or of strings, comma-separated; a single one as itself.
fn list(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| reference(Some(item)))
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        other => reference(other),
    }
}

/// 1.1's `role`, else the 1.2 role whose `roleType` is primary, else the first.
fn role(user: &Map<String, Value>) -> Option<String> {
    if let Some(Value::String(role)) = user.get("role") {
        return Some(role.clone());
    }
    let Some(Value::Array(roles)) = user.get("roles") else {
        return Some(String::new());
    };
    let role_of = |r: &Value| r.get("role").and_then(Value::as_str).map(str::to_owned);
    roles
        .iter()
        .find(|r| r.get("roleType").and_then(Value::as_str) == Some("primary"))
        .or(roles.first())
        .map_or(Some(String::new()), role_of)
}

/// 1.1's `orgs`, or 1.2's `primaryOrg` first and then the orgs of its roles; each once.
fn user_orgs(user: &Map<String, Value>) -> Option<String> {
    let mut orgs: Vec<String> = Vec::new();
    let mut add = |id: String| {
        if !id.is_empty() && !orgs.contains(&id) {
            orgs.push(id);
        }
    };
    if let Some(primary) = user.get("primaryOrg").filter(|v| !v.is_null()) {
        add(reference(Some(primary))?);
    }
    if let Some(Value::Array(roles)) = user.get("roles") {
        for r in roles {
            if let Some(org) = r.get("org").filter(|v| !v.is_null()) {
                add(reference(Some(org))?);
            }
        }
    }
    if let Some(Value::Array(list)) = user.get("orgs") {
        for org in list {
            add(reference(Some(org))?);
        }
    }
    Some(orgs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(collection: Collection, record: Value) -> Vec<(&'static str, String)> {
        let Value::Object(record) = record else {
            panic!("an object")
        };
        let values = row(collection, &record).unwrap();
        columns(collection)
            .into_iter()
            .map(|(c, _)| c)
            .zip(values)
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    #[test]
    fn a_1_2_user_becomes_a_row_with_its_primary_role_and_every_org() {
        let row = one(
            Collection::Users,
            json!({
                "sourcedId": "u1", "status": "active",
                "dateLastModified": "2026-12-01T08:00:00.000Z",
                "enabledUser": true, "givenName": "Ava", "familyName": "Kim",
                "roles": [
                    {"roleType": "secondary", "role": "teacher", "org": {"sourcedId": "s2", "type": "org"}},
                    {"roleType": "primary", "role": "student", "org": {"href": "x", "sourcedId": "s1", "type": "org"}}
                ],
                "primaryOrg": {"sourcedId": "s1"},
                "agents": [{"sourcedId": "g1", "type": "user"}, {"sourcedId": "g2", "type": "user"}],
                "grades": ["07"]
            }),
        );
        assert_eq!(
            row,
            vec![
                ("sourcedId", "u1".into()),
                ("status", "active".into()),
                ("dateLastModified", "2026-12-01T08:00:00.000Z".into()),
                ("enabledUser", "true".into()),
                ("orgSourcedIds", "s1,s2".into()),
                ("role", "student".into()),
                ("givenName", "Ava".into()),
                ("familyName", "Kim".into()),
                ("agentSourcedIds", "g1,g2".into()),
                ("grades", "07".into()),
            ]
        );
    }

    #[test]
    fn numbers_flags_and_references_become_text() {
        let row = one(
            Collection::Results,
            json!({
                "sourcedId": "r1", "lineItem": {"sourcedId": "li1"}, "student": {"sourcedId": "u1"},
                "scoreStatus": "fully graded", "score": 92.5, "late": true, "missing": "false"
            }),
        );
        assert!(row.contains(&("score", "92.5".into())));
        assert!(row.contains(&("late", "true".into())));
        assert!(row.contains(&("missing", "false".into())));
        assert!(row.contains(&("lineItemSourcedId", "li1".into())));
        let item = one(
            Collection::LineItems,
            json!({"sourcedId": "li1", "academicSession": {"sourcedId": "q1"}}),
        );
        assert!(item.contains(&("gradingPeriodSourcedId", "q1".into())));
    }

    #[test]
    fn a_field_of_the_wrong_shape_names_the_record() {
        let Value::Object(record) = json!({"sourcedId": "c1", "title": {"en": "Math"}}) else {
            panic!("an object")
        };
        let err = row(Collection::Courses, &record).unwrap_err();
        assert_eq!(
            err,
            "courses \"c1\": title is not in the form OneRoster gives it"
        );
    }
}
