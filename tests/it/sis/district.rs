//! The district: a OneRoster 1.1 CSV folder read into 1.2 JSON collections.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::{KINDS, Table, format_time, kind_or_panic, parse_time, percent_encode};

/// The `dateLastModified` of records whose CSV row has none.
pub(super) const LONG_AGO: &str = "2024-01-01T00:00:00.000Z";

/// GUIDRefs to this server's objects.
pub(super) struct Refs {
    pub(super) base: String,
}

impl Refs {
    pub(super) fn to(&self, collection: &str, id: &str) -> Value {
        let kind = kind_or_panic(collection);
        json!({
            "href": format!("{}/{}/v1p2/{collection}/{}", self.base, kind.service, percent_encode(id)),
            "sourcedId": id,
            "type": kind.ref_type,
        })
    }

    fn all(&self, collection: &str, ids: &[String]) -> Value {
        ids.iter().map(|id| self.to(collection, id)).collect()
    }

    fn maybe(&self, collection: &str, id: Option<&str>) -> Option<Value> {
        id.map(|id| self.to(collection, id))
    }
}

/// One CSV row by column name.
struct Row(HashMap<String, String>);

impl Row {
    /// The trimmed value, if not blank.
    fn get(&self, column: &str) -> Option<&str> {
        self.0
            .get(column)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn list(&self, column: &str) -> Vec<String> {
        self.get(column)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The rows of `dir/name`, none if the file is absent.
fn read_csv(dir: &Path, name: &str) -> Vec<Row> {
    let Ok(mut reader) = csv::Reader::from_path(dir.join(name)) else {
        return Vec::new();
    };
    let headers = reader.headers().expect("a CSV header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap_or_else(|e| panic!("{name}: {e}"));
            Row(headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.trim().to_owned(), v.to_owned()))
                .collect())
        })
        .filter(|row| row.get("sourcedId").is_some())
        .collect()
}

/// A 1.2 JSON object being built from a CSV row.
struct Obj(Map<String, Value>);

impl Obj {
    /// The fields every object has: sourcedId, status, dateLastModified and the row's
    /// `metadata.*` columns.
    fn start(row: &Row) -> Self {
        let mut map = Map::new();
        map.insert("sourcedId".into(), row.get("sourcedId").into());
        let status = match row.get("status").map(str::to_ascii_lowercase).as_deref() {
            Some("tobedeleted" | "inactive") => "tobedeleted",
            _ => "active",
        };
        map.insert("status".into(), status.into());
        let modified = row
            .get("dateLastModified")
            .and_then(parse_time)
            .map_or_else(|| LONG_AGO.to_owned(), format_time);
        map.insert("dateLastModified".into(), modified.into());
        let metadata: Map<String, Value> = row
            .0
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .filter_map(|(k, v)| Some((k.strip_prefix("metadata.")?.to_owned(), v.clone().into())))
            .collect();
        if !metadata.is_empty() {
            map.insert("metadata".into(), metadata.into());
        }
        Self(map)
    }

    /// An optional field: absent when blank.
    fn text(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.0.insert(key.into(), value.into());
        }
        self
    }

    /// A required string: empty when blank.
    fn required(mut self, key: &str, value: Option<&str>) -> Self {
        self.0.insert(key.into(), value.unwrap_or_default().into());
        self
    }

    fn number(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(n) = value.and_then(|v| v.parse::<serde_json::Number>().ok()) {
            self.0.insert(key.into(), n.into());
        }
        self
    }

    /// The binding's TrueFalseEnum: the string "true" or "false".
    fn true_false(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            let yes = matches!(value.to_ascii_lowercase().as_str(), "true" | "1" | "yes");
            self.0
                .insert(key.into(), if yes { "true" } else { "false" }.into());
        }
        self
    }

    fn strings(mut self, key: &str, values: Vec<String>) -> Self {
        self.0.insert(key.into(), values.into());
        self
    }

    fn value(mut self, key: &str, value: Option<Value>) -> Self {
        if let Some(value) = value {
            self.0.insert(key.into(), value);
        }
        self
    }
}

/// A date for a 1.2 date-time field: midnight UTC.
fn as_date_time(value: Option<&str>) -> Option<String> {
    value.map(|v| parse_time(v).map_or_else(|| v.to_owned(), format_time))
}

/// Reads the CSV folder into 1.2 JSON collections.
pub(super) fn load(dir: &Path, refs: &Refs) -> HashMap<&'static str, Table> {
    let mut tables: HashMap<&'static str, Table> = KINDS
        .iter()
        .map(|k| (k.collection, Table::default()))
        .collect();
    let mut put = |collection: &str, objects: Vec<Obj>| {
        let table = tables.get_mut(collection).expect("a known collection");
        objects.into_iter().for_each(|o| table.put(o.0));
    };

    let orgs = read_csv(dir, "orgs.csv");
    let org_types: HashMap<&str, &str> = orgs
        .iter()
        .filter_map(|r| Some((r.get("sourcedId")?, r.get("type").unwrap_or_default())))
        .collect();
    let children = |rows: &[Row], collection: &str, id: &str| {
        let ids: Vec<String> = rows
            .iter()
            .filter(|r| r.get("parentSourcedId") == Some(id))
            .filter_map(|r| r.get("sourcedId").map(str::to_owned))
            .collect();
        refs.all(collection, &ids)
    };
    put(
        "orgs",
        orgs.iter()
            .map(|r| {
                Obj::start(r)
                    .required("name", r.get("name"))
                    .required("type", r.get("type"))
                    .required("identifier", r.get("identifier"))
                    .value("parent", refs.maybe("orgs", r.get("parentSourcedId")))
                    .value(
                        "children",
                        r.get("sourcedId").map(|id| children(&orgs, "orgs", id)),
                    )
            })
            .collect(),
    );

    let sessions = read_csv(dir, "academicSessions.csv");
    put(
        "academicSessions",
        sessions
            .iter()
            .map(|r| {
                let id = r.get("sourcedId");
                Obj::start(r)
                    .required("title", r.get("title"))
                    .required("type", r.get("type"))
                    .required("startDate", r.get("startDate"))
                    .required("endDate", r.get("endDate"))
                    .value(
                        "parent",
                        refs.maybe("academicSessions", r.get("parentSourcedId")),
                    )
                    .value(
                        "children",
                        id.map(|id| children(&sessions, "academicSessions", id)),
                    )
                    .required("schoolYear", r.get("schoolYear"))
            })
            .collect(),
    );

    put(
        "courses",
        read_csv(dir, "courses.csv")
            .iter()
            .map(|r| {
                Obj::start(r)
                    .required("title", r.get("title"))
                    .value(
                        "schoolYear",
                        refs.maybe("academicSessions", r.get("schoolYearSourcedId")),
                    )
                    .required("courseCode", r.get("courseCode"))
                    .strings("grades", r.list("grades"))
                    .strings("subjects", r.list("subjects"))
                    .value("org", refs.maybe("orgs", r.get("orgSourcedId")))
                    .strings("subjectCodes", r.list("subjectCodes"))
            })
            .collect(),
    );

    let classes = read_csv(dir, "classes.csv");
    let class_school: HashMap<&str, &str> = classes
        .iter()
        .filter_map(|r| Some((r.get("sourcedId")?, r.get("schoolSourcedId")?)))
        .collect();
    put(
        "classes",
        classes
            .iter()
            .map(|r| {
                Obj::start(r)
                    .required("title", r.get("title"))
                    .text("classCode", r.get("classCode"))
                    .text("classType", r.get("classType"))
                    .text("location", r.get("location"))
                    .strings("grades", r.list("grades"))
                    .strings("subjects", r.list("subjects"))
                    .value("course", refs.maybe("courses", r.get("courseSourcedId")))
                    .value("school", refs.maybe("orgs", r.get("schoolSourcedId")))
                    .value(
                        "terms",
                        Some(refs.all("academicSessions", &r.list("termSourcedIds"))),
                    )
                    .strings("subjectCodes", r.list("subjectCodes"))
                    .strings("periods", r.list("periods"))
            })
            .collect(),
    );

    put(
        "users",
        read_csv(dir, "users.csv")
            .iter()
            .map(|r| user(r, refs, &org_types))
            .collect(),
    );

    put(
        "enrollments",
        read_csv(dir, "enrollments.csv")
            .iter()
            .map(|r| {
                Obj::start(r)
                    .value("user", refs.maybe("users", r.get("userSourcedId")))
                    .value("class", refs.maybe("classes", r.get("classSourcedId")))
                    .value("school", refs.maybe("orgs", r.get("schoolSourcedId")))
                    .required("role", r.get("role"))
                    .true_false("primary", r.get("primary"))
                    .text("beginDate", r.get("beginDate"))
                    .text("endDate", r.get("endDate"))
            })
            .collect(),
    );

    put(
        "categories",
        read_csv(dir, "categories.csv")
            .iter()
            .map(|r| {
                Obj::start(r)
                    .required("title", r.get("title"))
                    .number("weight", r.get("weight"))
            })
            .collect(),
    );

    let line_items = read_csv(dir, "lineItems.csv");
    let item_class: HashMap<&str, &str> = line_items
        .iter()
        .filter_map(|r| Some((r.get("sourcedId")?, r.get("classSourcedId")?)))
        .collect();
    put(
        "lineItems",
        line_items
            .iter()
            .map(|r| {
                let class = r.get("classSourcedId");
                let school = class.and_then(|c| class_school.get(c).copied());
                Obj::start(r)
                    .required("title", r.get("title"))
                    .text("description", r.get("description"))
                    .text("assignDate", as_date_time(r.get("assignDate")).as_deref())
                    .text("dueDate", as_date_time(r.get("dueDate")).as_deref())
                    .value("class", refs.maybe("classes", class))
                    .value("school", refs.maybe("orgs", school))
                    .value(
                        "category",
                        refs.maybe("categories", r.get("categorySourcedId")),
                    )
                    .value(
                        "gradingPeriod",
                        refs.maybe("academicSessions", r.get("gradingPeriodSourcedId")),
                    )
                    .number("resultValueMin", r.get("resultValueMin"))
                    .number("resultValueMax", r.get("resultValueMax"))
            })
            .collect(),
    );

    put(
        "results",
        read_csv(dir, "results.csv")
            .iter()
            .map(|r| {
                let item = r.get("lineItemSourcedId");
                let class = item.and_then(|i| item_class.get(i).copied());
                Obj::start(r)
                    .value("lineItem", refs.maybe("lineItems", item))
                    .value("student", refs.maybe("users", r.get("studentSourcedId")))
                    .value("class", refs.maybe("classes", class))
                    .required("scoreStatus", r.get("scoreStatus"))
                    .number("score", r.get("score"))
                    .text("textScore", r.get("textScore"))
                    .required("scoreDate", r.get("scoreDate"))
                    .text("comment", r.get("comment"))
                    .true_false("inProgress", r.get("inProgress"))
                    .true_false("incomplete", r.get("incomplete"))
                    .true_false("late", r.get("late"))
                    .true_false("missing", r.get("missing"))
            })
            .collect(),
    );
    tables
}

/// A 1.1 user row in the 1.2 shape: a role per org instead of one `role`.
fn user(r: &Row, refs: &Refs, org_types: &HashMap<&str, &str>) -> Obj {
    let orgs = r.list("orgSourcedIds");
    let role = r.get("role").unwrap_or("student");
    let roles: Vec<Value> = orgs
        .iter()
        .enumerate()
        .map(|(i, org)| {
            // 1.2 splits 1.1's administrator by the kind of org.
            let role = match (role, org_types.get(org.as_str()).copied()) {
                ("administrator", Some("district")) => "districtAdministrator",
                ("administrator", _) => "siteAdministrator",
                (role, _) => role,
            };
            json!({
                "roleType": if i == 0 { "primary" } else { "secondary" },
                "role": role,
                "org": refs.to("orgs", org),
            })
        })
        .collect();
    // 1.1 writes user ids as `{type:identifier}` pairs.
    let user_ids: Vec<Value> = r
        .list("userIds")
        .iter()
        .filter_map(|pair| {
            let (kind, id) = pair.trim_matches(['{', '}']).split_once(':')?;
            Some(json!({"type": kind, "identifier": id}))
        })
        .collect();
    Obj::start(r)
        .text("username", r.get("username"))
        .value("userIds", Some(user_ids.into()))
        .true_false("enabledUser", Some(r.get("enabledUser").unwrap_or("true")))
        .required("givenName", r.get("givenName"))
        .required("familyName", r.get("familyName"))
        .text("middleName", r.get("middleName"))
        .value("roles", Some(roles.into()))
        .value(
            "primaryOrg",
            refs.maybe("orgs", orgs.first().map(String::as_str)),
        )
        .text("identifier", r.get("identifier"))
        .text("email", r.get("email"))
        .text("sms", r.get("sms"))
        .text("phone", r.get("phone"))
        .value(
            "agents",
            Some(refs.all("users", &r.list("agentSourcedIds"))),
        )
        .strings("grades", r.list("grades"))
        .text("password", r.get("password"))
}
