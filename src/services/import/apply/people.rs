//! Schools, people and the guardian–student relationships between them.

use std::collections::{HashMap, HashSet};

use super::super::ImportError;
use super::super::read::{Set, User};
use super::{Activity, Applier, Mode, stale, tally};
use crate::domain::PersonRole;
use crate::domain::{AccountId, Relation};
use crate::services::security;
use crate::store::{
    PersonFields, PersonState, RelationshipFields, RosterTable, SchoolFields, SchoolState,
};

/// The district's schools by sourcedId, as stored once the import's are written.
pub(super) type Schools = HashMap<String, SchoolState>;

/// Stored states with an `id` and an `active` flag.
macro_rules! activity {
    ($($state:ty),*) => {$(
        impl Activity for $state {
            fn id(&self) -> i64 {
                self.id
            }
            fn active(&self) -> bool {
                self.active
            }
            fn switch_off(&mut self) {
                self.active = false;
            }
        }
    )*};
}

activity!(SchoolState, PersonState);

impl Applier<'_> {
    /// The schools of `orgs.csv` (other kinds of org are not kept).
    pub(super) async fn schools(&mut self, set: &Set) -> Result<Schools, ImportError> {
        let mut schools = self.tx.school_states(self.district.id).await?;
        let Some((mode, orgs)) = &set.orgs else {
            return Ok(schools);
        };
        self.counts("schools");
        let mut present = HashSet::new();
        for org in orgs.iter().filter(|o| o.is_school) {
            present.insert(org.sourced_id.as_str());
            let existing = schools.get(&org.sourced_id);
            if stale(
                existing.and_then(|s| s.modified_at.as_deref()),
                org.modified_at.as_deref(),
                *mode,
            ) {
                continue;
            }
            let active = !org.deleted;
            let unchanged = existing.is_some_and(|s| {
                s.name == org.name && s.active == active && s.modified_at == org.modified_at
            });
            if unchanged {
                continue;
            }
            let before = existing.map(|s| (s.id, s.active));
            let fields = SchoolFields {
                name: &org.name,
                active,
                modified_at: org.modified_at.as_deref(),
            };
            let id = self
                .tx
                .put_school(
                    self.district.id,
                    before.map(|b| b.0),
                    &org.sourced_id,
                    &fields,
                    self.now,
                )
                .await?;
            tally(self.counts("schools"), before.map(|b| b.1), active);
            schools.insert(
                org.sourced_id.clone(),
                SchoolState {
                    id,
                    name: org.name.clone(),
                    active,
                    modified_at: org.modified_at.clone(),
                },
            );
        }
        if *mode == Mode::Bulk {
            self.deactivate_missing(RosterTable::Schools, "schools", &mut schools, &present)
                .await?;
        }
        Ok(schools)
    }

    /// The people of `users.csv`, then their relationships.
    pub(super) async fn people(&mut self, set: &Set, schools: &Schools) -> Result<(), ImportError> {
        let Some((mode, users)) = &set.users else {
            return Ok(());
        };
        self.counts("people");
        self.counts("relationships");
        let (district, now) = (self.district.id, self.now);
        let mut people = self.tx.person_states(district).await?;
        // New people are written together, many to a statement, once the loop has found them.
        let mut new_people: Vec<(&str, PersonFields<'_>)> = Vec::new();
        for user in users {
            let existing = people.get(&user.sourced_id);
            if stale(
                existing.and_then(|p| p.modified_at.as_deref()),
                user.modified_at.as_deref(),
                *mode,
            ) {
                continue;
            }
            let fields = PersonFields {
                role: user.role,
                given_name: &user.given_name,
                family_name: &user.family_name,
                email: user.email.as_deref(),
                phone: user.phone.as_deref(),
                school_id: user.orgs.iter().find_map(|o| schools.get(o).map(|s| s.id)),
                grade: user.grade.as_deref(),
                active: !user.deleted,
                modified_at: user.modified_at.as_deref(),
            };
            if existing.is_some_and(|p| same_person(p, &fields)) {
                continue;
            }
            tally(
                self.counts("people"),
                existing.map(|p| p.active),
                fields.active,
            );
            let Some(existing) = existing else {
                new_people.push((&user.sourced_id, fields));
                continue;
            };
            // A student's own row reaches their snapshot (their school's days off); a
            // guardian's reaches none; anyone else may teach a class, whose teachers
            // snapshots name.
            match (existing.role.as_str(), fields.role) {
                ("student", PersonRole::Student) => self.reach.student(existing.id),
                ("guardian", PersonRole::Guardian) => {}
                _ => self.reach.everyone(),
            }
            let (id, account) = (existing.id, existing.account);
            if let (Some(account), Some(old)) = (account, &existing.email)
                && fields.email != Some(old.as_str())
            {
                let notice = security::Notice::EmailChanged { old: old.clone() };
                security::mail(&mut self.tx, district, account, &notice, now).await?;
            }
            self.tx
                .put_person(district, Some(id), &user.sourced_id, &fields, now)
                .await?;
            people.insert(
                user.sourced_id.clone(),
                person_state(id, &fields, account, now),
            );
        }
        let ids = self.tx.insert_people(district, &new_people, now).await?;
        for ((sourced_id, fields), id) in new_people.iter().zip(ids) {
            people.insert(
                (*sourced_id).to_owned(),
                person_state(id, fields, None, now),
            );
        }
        if *mode == Mode::Bulk {
            let present: HashSet<&str> = users.iter().map(|u| u.sourced_id.as_str()).collect();
            let before = self.counts("people").deactivated;
            self.deactivate_missing(RosterTable::People, "people", &mut people, &present)
                .await?;
            if self.counts("people").deactivated > before {
                self.reach.everyone();
            }
        }
        self.relationships(users, &people, *mode).await
    }

    /// Relationships from `agentSourcedIds`, named from either side.
    async fn relationships(
        &mut self,
        users: &[User],
        people: &HashMap<String, PersonState>,
        mode: Mode,
    ) -> Result<(), ImportError> {
        let (district, now) = (self.district.id, self.now);
        let existing = self.tx.relationship_states(district).await?;
        let wanted = wanted_relationships(users, people, &existing);
        let mut new_relationships = Vec::new();
        for (&(guardian_id, student_id), relation) in &wanted {
            let current = existing.get(&(guardian_id, student_id));
            if current.is_some_and(|c| c.active && c.relation == relation.as_str()) {
                continue;
            }
            tally(
                self.counts("relationships"),
                current.map(|c| c.active),
                true,
            );
            let fields = RelationshipFields {
                guardian_id,
                student_id,
                relation: *relation,
                active: true,
            };
            match current {
                None => new_relationships.push(fields),
                Some(c) => {
                    self.tx
                        .put_relationship(district, Some(c.id), &fields, now)
                        .await?
                }
            }
        }
        self.tx
            .insert_relationships(district, &new_relationships, now)
            .await?;
        // A relationship ends when either person left, or (bulk) when the roster no longer names it.
        let ids_left: HashSet<i64> = people
            .values()
            .filter(|p| !p.active)
            .map(|p| p.id)
            .collect();
        for (&(guardian_id, student_id), current) in &existing {
            let ended = ids_left.contains(&guardian_id)
                || ids_left.contains(&student_id)
                || (mode == Mode::Bulk && !wanted.contains_key(&(guardian_id, student_id)));
            if current.active && ended {
                let relation =
                    Relation::parse(&current.relation).map_err(crate::services::Error::from)?;
                let fields = RelationshipFields {
                    guardian_id,
                    student_id,
                    relation,
                    active: false,
                };
                self.tx
                    .put_relationship(district, Some(current.id), &fields, now)
                    .await?;
                self.counts("relationships").deactivated += 1;
            }
        }
        Ok(())
    }
}

/// (guardian, student) → relation, for the pairs the users name whose both ends are active.
fn wanted_relationships(
    users: &[User],
    people: &HashMap<String, PersonState>,
    existing: &HashMap<(i64, i64), crate::store::RelationshipState>,
) -> HashMap<(i64, i64), Relation> {
    let by_id: HashMap<&str, &User> = users.iter().map(|u| (u.sourced_id.as_str(), u)).collect();
    let role_of = |id: &str| people.get(id).map(|p| p.role.as_str());
    let mut wanted = HashMap::new();
    for user in users.iter().filter(|u| !u.deleted) {
        for agent in &user.agents {
            let (guardian, student) = match (role_of(&user.sourced_id), role_of(agent)) {
                (Some("guardian"), Some("student")) => (user.sourced_id.as_str(), agent.as_str()),
                (Some("student"), Some("guardian")) => (agent.as_str(), user.sourced_id.as_str()),
                _ => continue,
            };
            let (Some(g), Some(s)) = (people.get(guardian), people.get(student)) else {
                continue;
            };
            if !g.active || !s.active {
                continue;
            }
            // The guardian's own row says how they are related; a file without it (a delta of
            // the student alone) leaves the relation as it was.
            let relation = match by_id.get(guardian) {
                Some(u) => u.relation.unwrap_or(Relation::Guardian),
                None => existing
                    .get(&(g.id, s.id))
                    .and_then(|c| Relation::parse(&c.relation).ok())
                    .unwrap_or(Relation::Guardian),
            };
            wanted.insert((g.id, s.id), relation);
        }
    }
    wanted
}

/// Whether a stored person already holds exactly these fields.
fn same_person(p: &PersonState, fields: &PersonFields<'_>) -> bool {
    p.role == fields.role.as_str()
        && p.given_name == fields.given_name
        && p.family_name == fields.family_name
        && p.email.as_deref() == fields.email
        && p.phone.as_deref() == fields.phone
        && p.school_id == fields.school_id
        && p.grade.as_deref() == fields.grade
        && p.active == fields.active
        && p.modified_at.as_deref() == fields.modified_at
}

/// What the import knows of a person it has just written.
fn person_state(
    id: i64,
    fields: &PersonFields<'_>,
    account: Option<AccountId>,
    now: i64,
) -> PersonState {
    PersonState {
        id,
        role: fields.role.as_str().to_owned(),
        given_name: fields.given_name.to_owned(),
        family_name: fields.family_name.to_owned(),
        email: fields.email.map(str::to_owned),
        phone: fields.phone.map(str::to_owned),
        school_id: fields.school_id,
        grade: fields.grade.map(str::to_owned),
        active: fields.active,
        modified_at: fields.modified_at.map(str::to_owned),
        updated_at: now,
        account,
    }
}
