//! People a district sends: students, guardians, staff and teachers, and how they are related.

use std::fmt;

use super::Invalid;
use super::text::clean_line;

/// The identifier the district's student information system gives a record (OneRoster
/// `sourcedId`); unique within the district and kind of record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourcedId(String);

impl SourcedId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        clean_line("sourcedId", raw, 255).map(Self)
    }

    /// The person record of a staff account made by `homeroom admin add`.
    pub fn of_staff(folded_username: &str) -> Result<Self, Invalid> {
        Self::parse(&format!("{STAFF_PREFIX}{folded_username}"))
    }

    /// Whether the id is one Homeroom keeps for staff (an import may not use it).
    pub fn is_reserved(raw: &str) -> bool {
        raw.trim_start()
            .get(..STAFF_PREFIX.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(STAFF_PREFIX))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How the person records of staff accounts are named.
const STAFF_PREFIX: &str = "homeroom-staff:";

impl fmt::Display for SourcedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                let wanted = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| Invalid::new(format!(
                        concat!("unknown ", $what, " {:?}: expected one of {}"),
                        raw,
                        Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    )))
            }
        }
    };
}

text_enum!(
    /// What a person is to the district.
    PersonRole, "role" {
        Student = "student",
        Guardian = "guardian",
        Staff = "staff",
        Teacher = "teacher",
    }
);

text_enum!(
    /// What a guardian is to a student, as OneRoster names it.
    Relation, "relation" {
        Parent = "parent",
        Guardian = "guardian",
        Relative = "relative",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_ones_are_named() {
        for role in PersonRole::ALL {
            assert_eq!(PersonRole::parse(role.as_str()).unwrap(), *role);
        }
        assert_eq!(
            PersonRole::parse(" Guardian ").unwrap(),
            PersonRole::Guardian
        );
        let err = PersonRole::parse("aide").unwrap_err();
        assert!(
            err.to_string()
                .contains("student, guardian, staff, teacher"),
            "{err}"
        );
    }

    #[test]
    fn relations_round_trip() {
        for relation in Relation::ALL {
            assert_eq!(Relation::parse(relation.as_str()).unwrap(), *relation);
        }
        assert!(Relation::parse("neighbour").is_err());
    }

    #[test]
    fn sourced_ids_are_single_trimmed_lines() {
        assert_eq!(SourcedId::parse(" stu-1 ").unwrap().as_str(), "stu-1");
        assert!(SourcedId::parse("").is_err());
        assert!(SourcedId::parse("a\tb").is_err());
    }
}
