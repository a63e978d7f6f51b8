//! The records of each file, typed: what they stage and what they refer to.

use super::super::check::{Catalog, Kind, Refers};
use super::super::problems::quoted;
use crate::domain::{PersonRole, Relation};
use crate::store::Value;

/// Fields every record has.
pub(crate) struct Common {
    pub(crate) sourced_id: String,
    pub(crate) deleted: bool,
    pub(crate) modified_at: Option<String>,
    pub(crate) line: u64,
}

pub(crate) struct Session {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) start_date: String,
    pub(crate) end_date: String,
    pub(crate) parent: Option<String>,
    pub(crate) school_year: Option<String>,
}

pub(crate) struct Course {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) code: Option<String>,
}

pub(crate) struct Class {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) code: Option<String>,
    pub(crate) course: String,
    pub(crate) school: String,
    pub(crate) terms: Vec<String>,
    pub(crate) periods: Option<String>,
    pub(crate) location: Option<String>,
}

pub(crate) struct Category {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) weight: Option<f64>,
}

pub(crate) struct LineItem {
    pub(crate) common: Common,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) class: String,
    pub(crate) category: Option<String>,
    pub(crate) grading_period: Option<String>,
    pub(crate) assign_date: Option<String>,
    pub(crate) due_date: Option<String>,
    pub(crate) result_min: Option<f64>,
    pub(crate) result_max: Option<f64>,
}

pub(crate) struct Score {
    pub(crate) common: Common,
    pub(crate) line_item: String,
    pub(crate) student: String,
    pub(crate) score: Option<f64>,
    pub(crate) score_status: &'static str,
    pub(crate) comment: Option<String>,
    pub(crate) score_date: Option<String>,
    pub(crate) late: bool,
    pub(crate) missing: bool,
}

pub(crate) struct TermGrade {
    pub(crate) common: Common,
    pub(crate) class: String,
    pub(crate) user: String,
    pub(crate) session: String,
    pub(crate) grade: String,
    pub(crate) percent: Option<f64>,
    pub(crate) comment: Option<String>,
}

pub(crate) struct DayOff {
    pub(crate) common: Common,
    pub(crate) school: Option<String>,
    pub(crate) date: String,
    pub(crate) description: String,
}

pub(crate) struct Mark {
    pub(crate) common: Common,
    pub(crate) user: String,
    pub(crate) class: Option<String>,
    pub(crate) date: String,
    pub(crate) status: &'static str,
    pub(crate) excused: bool,
}

pub(crate) struct Enrollment {
    pub(crate) common: Common,
    pub(crate) class: String,
    pub(crate) user: String,
    pub(crate) role: &'static str,
    pub(crate) is_primary: bool,
    pub(crate) begin_date: Option<String>,
    pub(crate) end_date: Option<String>,
}

pub(crate) struct Org {
    pub(crate) sourced_id: String,
    pub(crate) name: String,
    pub(crate) is_school: bool,
    pub(crate) deleted: bool,
    pub(crate) modified_at: Option<String>,
}

pub(crate) struct User {
    pub(crate) sourced_id: String,
    pub(crate) line: u64,
    pub(crate) role: PersonRole,
    pub(crate) relation: Option<Relation>,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) orgs: Vec<String>,
    pub(crate) agents: Vec<String>,
    pub(crate) grade: Option<String>,
    pub(crate) deleted: bool,
    pub(crate) modified_at: Option<String>,
}

/// One line of `roles.csv` (1.2): (user, role, primary?, line).
pub(crate) struct RoleRow {
    pub(crate) sourced_id: String,
    pub(crate) user: String,
    pub(crate) role: String,
    pub(crate) primary: bool,
    pub(crate) line: u64,
}

/// The columns every staged row starts with.
pub(crate) fn staged_common(common: Common) -> Vec<Value> {
    vec![
        Value::Int(i64::try_from(common.line).unwrap_or(i64::MAX)),
        Value::Text(Some(common.sourced_id)),
        Value::Bool(common.deleted),
        Value::Text(common.modified_at),
    ]
}

impl From<Enrollment> for Vec<Value> {
    fn from(r: Enrollment) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.class)),
            Value::Text(Some(r.user)),
            Value::Text(Some(r.role.to_owned())),
            Value::Bool(r.is_primary),
            Value::Text(r.begin_date),
            Value::Text(r.end_date),
        ]);
        row
    }
}

impl From<LineItem> for Vec<Value> {
    fn from(r: LineItem) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.class)),
            Value::Text(r.category),
            Value::Text(r.grading_period),
            Value::Text(Some(r.title)),
            Value::Text(r.description),
            Value::Text(r.assign_date),
            Value::Text(r.due_date),
            Value::Real(r.result_min),
            Value::Real(r.result_max),
        ]);
        row
    }
}

impl From<Score> for Vec<Value> {
    fn from(r: Score) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.line_item)),
            Value::Text(Some(r.student)),
            Value::Real(r.score),
            Value::Text(Some(r.score_status.to_owned())),
            Value::Text(r.comment),
            Value::Text(r.score_date),
            Value::Bool(r.late),
            Value::Bool(r.missing),
        ]);
        row
    }
}

impl From<TermGrade> for Vec<Value> {
    fn from(r: TermGrade) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.class)),
            Value::Text(Some(r.user)),
            Value::Text(Some(r.session)),
            Value::Text(Some(r.grade)),
            Value::Real(r.percent),
            Value::Text(r.comment),
        ]);
        row
    }
}

impl From<DayOff> for Vec<Value> {
    fn from(r: DayOff) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(r.school),
            Value::Text(Some(r.date)),
            Value::Text(Some(r.description)),
        ]);
        row
    }
}

impl From<Mark> for Vec<Value> {
    fn from(r: Mark) -> Self {
        let mut row = staged_common(r.common);
        row.extend([
            Value::Text(Some(r.user)),
            Value::Text(r.class),
            Value::Text(Some(r.date)),
            Value::Text(Some(r.status.to_owned())),
            Value::Bool(r.excused),
        ]);
        row
    }
}

impl Refers for Org {
    fn kinds(&self) -> &'static [Kind] {
        if self.is_school {
            &[Kind::Org, Kind::School]
        } else {
            &[Kind::Org]
        }
    }
    fn sourced_id(&self) -> &str {
        &self.sourced_id
    }
}

impl Refers for User {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Person]
    }
    fn sourced_id(&self) -> &str {
        &self.sourced_id
    }
    fn role(&self) -> Option<PersonRole> {
        Some(self.role)
    }
    // Orgs and agents are checked once the whole file is read: an agent may come later.
}

impl Refers for Session {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Session]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
}

impl Refers for Course {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Course]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
}

impl Refers for Class {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Class]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("courseSourcedId", Kind::Course, &self.course);
        each("schoolSourcedId", Kind::School, &self.school);
        for term in &self.terms {
            each("termSourcedIds", Kind::Session, term);
        }
    }
}

impl Refers for Category {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Category]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
}

impl Refers for Enrollment {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("classSourcedId", Kind::Class, &self.class);
        each("userSourcedId", Kind::Person, &self.user);
    }
    fn warning(&self, catalog: &Catalog) -> Option<String> {
        let role = catalog.role(&self.user)?;
        let fits = match self.role {
            "student" => role == PersonRole::Student,
            _ => role != PersonRole::Student,
        };
        (!fits).then(|| {
            format!(
                "userSourcedId {} is a {} in users.csv but enrolled as {}",
                quoted(&self.user),
                role.as_str(),
                self.role
            )
        })
    }
}

impl Refers for LineItem {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::LineItem]
    }
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("classSourcedId", Kind::Class, &self.class);
        if let Some(category) = &self.category {
            each("categorySourcedId", Kind::Category, category);
        }
        if let Some(period) = &self.grading_period {
            each("gradingPeriodSourcedId", Kind::Session, period);
        }
    }
}

impl Refers for Score {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("lineItemSourcedId", Kind::LineItem, &self.line_item);
        each("studentSourcedId", Kind::Person, &self.student);
    }
}

impl Refers for Mark {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("userSourcedId", Kind::Person, &self.user);
        if let Some(class) = &self.class {
            each("classSourcedId", Kind::Class, class);
        }
    }
}

impl Refers for TermGrade {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        each("classSourcedId", Kind::Class, &self.class);
        each("userSourcedId", Kind::Person, &self.user);
        each("termSourcedId", Kind::Session, &self.session);
    }
}

impl Refers for DayOff {
    fn sourced_id(&self) -> &str {
        &self.common.sourced_id
    }
    fn references(&self, each: &mut dyn FnMut(&'static str, Kind, &str)) {
        if let Some(school) = &self.school {
            each("schoolSourcedId", Kind::School, school);
        }
    }
}

impl Refers for RoleRow {
    fn sourced_id(&self) -> &str {
        &self.sourced_id
    }
    // Its user is checked once users.csv is read: roles.csv comes first, to give users roles.
}
