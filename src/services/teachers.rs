//! The Teacher portal: a teacher's own classes this term, each with its students and the
//! guardians who may be written to. Nothing else of a student's record: no grades, no
//! attendance.

use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{Authenticated, Client, account_entry};
use super::{Error, Result};
use crate::app::App;
use crate::domain::AccountKind;

/// A class a teacher teaches this term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeacherClass {
    pub id: i64,
    pub title: String,
    /// The periods it meets, as the school names them.
    pub periods: Option<String>,
    pub school: String,
    /// By name.
    pub students: Vec<RosterStudent>,
}

/// A student of a class, with the guardians whose portal is on (who read what the teacher
/// writes to the family).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterStudent {
    pub id: i64,
    pub name: String,
    pub guardians: Vec<String>,
}

/// The account as a teacher; to anyone else the Teacher portal does not exist.
pub fn teacher(who: &Authenticated) -> Result<i64> {
    if who.account.kind != AccountKind::Teacher {
        return Err(Error::NotFound);
    }
    Ok(who.account.person_id)
}

/// The teacher's classes this term with their rosters. The read is audited, as any read of
/// students' names is.
pub async fn classes(app: &App, who: &Authenticated, client: &Client) -> Result<Vec<TeacherClass>> {
    let person = teacher(who)?;
    let district = who.district.id;
    let today = super::tools::today(app, &who.district).to_string();
    let taught = app.store.taught_classes(district, person, &today).await?;
    let students = app.store.taught_students(district, person).await?;
    let guardians = app.store.taught_guardians(district, person, &today).await?;
    let classes: Vec<TeacherClass> = taught
        .into_iter()
        .map(|class| TeacherClass {
            students: students
                .iter()
                .filter(|s| s.class_id == class.id)
                .map(|s| RosterStudent {
                    id: s.student_id,
                    name: super::records::full_name(&s.given_name, &s.family_name),
                    guardians: guardians
                        .iter()
                        .filter(|(student, _)| *student == s.student_id)
                        .map(|(_, name)| name.clone())
                        .collect(),
                })
                .collect(),
            id: class.id,
            title: class.title,
            periods: class.periods,
            school: class.school,
        })
        .collect();
    let read: usize = classes.iter().map(|c| c.students.len()).sum();
    let mut tx = app.store.begin().await?;
    tx.audit(
        account_entry(who, "roster.read", Some(format!("{read} students")), client),
        app.clock.unix(),
    )
    .await?;
    tx.commit().await?;
    Ok(classes)
}
