//! Accounts: the username a family or staff member logs in with, and which portal it opens.

use std::fmt;

use super::Invalid;

/// The database key of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountId(pub i64);

/// An account as the services see it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub district: super::DistrictId,
    pub person_id: i64,
    pub kind: AccountKind,
    pub username: Username,
    /// The person's name, for greetings.
    pub display_name: String,
    pub active: bool,
    pub must_change_password: bool,
    /// Whether it has a second factor (a confirmed TOTP secret).
    pub second_factor: bool,
    /// The language it reads the portal and its mail in, once known.
    pub language: Option<super::Lang>,
}

/// A username as chosen: 3 to 64 characters of ASCII letters, digits and `. _ - @ +`, so that an
/// email address works too. Unique within a district regardless of case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.len() < Self::MIN_LEN || name.len() > Self::MAX_LEN {
            return Err(Invalid::worded(
                format!(
                    "a username is {} to {} characters long",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
                "invalid-username-length",
                vec![
                    ("min", Self::MIN_LEN.to_string()),
                    ("max", Self::MAX_LEN.to_string()),
                ],
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'))
        {
            return Err(Invalid::worded(
                "a username may hold only letters a-z, digits and . _ - @ +",
                "invalid-username-characters",
                vec![],
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form usernames are compared in.
    pub fn folded(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How any typed username is compared and throttled, valid or not: trimmed, lower case, and
/// bounded so that junk cannot bloat the throttle table. Control characters are refused: no
/// username has them, and some cannot even be stored.
pub fn fold_username(raw: &str) -> Result<String, Invalid> {
    super::refuse_control("a username", raw)?;
    Ok(raw
        .trim()
        .chars()
        .take(100)
        .flat_map(char::to_lowercase)
        .collect())
}

/// What an account is for. Each kind logs in on its own portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// A guardian: the Parent portal.
    Parent,
    /// The Student portal.
    Student,
    /// District staff: the staff console.
    Staff,
    /// A teacher from the import: the Teacher portal (their classes and conversations).
    Teacher,
}

impl AccountKind {
    pub const ALL: [AccountKind; 4] = [Self::Parent, Self::Student, Self::Staff, Self::Teacher];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Student => "student",
            Self::Staff => "staff",
            Self::Teacher => "teacher",
        }
    }

    /// Also the portal's name in addresses: `/d/{slug}/parent`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                Invalid::new(format!(
                    "unknown portal {raw:?}: parent, student, teacher or staff"
                ))
            })
    }

    /// The portal's name as families see it.
    pub fn portal_title(self) -> &'static str {
        match self {
            Self::Parent => "Parent Portal",
            Self::Student => "Student Portal",
            Self::Staff => "Staff Console",
            Self::Teacher => "Teacher Portal",
        }
    }

    /// The portal a person of the import gets an account on; none for staff, whose accounts
    /// are made by hand.
    pub fn for_role(role: super::PersonRole) -> Option<Self> {
        match role {
            super::PersonRole::Guardian => Some(Self::Parent),
            super::PersonRole::Student => Some(Self::Student),
            super::PersonRole::Teacher => Some(Self::Teacher),
            super::PersonRole::Staff => None,
        }
    }

    /// A parent or a student: the accounts a family holds.
    pub fn is_family(self) -> bool {
        matches!(self, Self::Parent | Self::Student)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_compared_without_case() {
        let name = Username::parse("  Maria.Alvarez@example.org ").unwrap();
        assert_eq!(name.as_str(), "Maria.Alvarez@example.org");
        assert_eq!(name.folded(), "maria.alvarez@example.org");
        assert_eq!(fold_username(" MARIA ").unwrap(), "maria");
    }

    #[test]
    fn odd_usernames_are_refused() {
        for bad in [
            "ab",
            "",
            "has space",
            "émile",
            "a\u{200b}b",
            "x;drop",
            &"a".repeat(65),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Username::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn folding_bounds_the_length_of_junk() {
        assert_eq!(fold_username(&"x".repeat(10_000)).unwrap().len(), 100);
    }

    #[test]
    fn folding_refuses_control_characters() {
        for bad in ["maria\u{0}", "\u{0}", "ma\u{1b}ria", "maria\n.alvarez"] {
            assert!(fold_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn kinds_name_their_portals() {
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(AccountKind::parse("admin").is_err());
        assert_eq!(AccountKind::Parent.portal_title(), "Parent Portal");
    }
}
