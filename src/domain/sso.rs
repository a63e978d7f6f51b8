//! Signing in with the district's identity provider (OpenID Connect): which portals may, which
//! claim names the person and how it is matched, and which issuers are accepted.

use super::{AccountKind, Invalid};

/// The portals whose people may sign in with the district's provider. Parents keep passwords
/// and passkeys: the district's provider does not know them.
pub fn sso_portal(raw: &str) -> Result<AccountKind, Invalid> {
    match AccountKind::parse(raw.trim()) {
        Ok(kind @ (AccountKind::Staff | AccountKind::Teacher | AccountKind::Student)) => Ok(kind),
        _ => Err(Invalid::new(format!(
            "single sign-on is for the staff, teacher and student portals, not {raw:?}"
        ))
        .on("portal")),
    }
}

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw.trim()).ok_or_else(|| {
                    Invalid::new(format!(
                        concat!("unknown ", $what, " {:?}: one of {}"),
                        raw,
                        Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    ))
                })
            }
        }
    };
}

word_enum!(
    /// The claim of the ID token (or UserInfo) that names the person.
    SsoClaim, "claim" {
        Email = "email",
        PreferredUsername = "preferred_username",
        Sub = "sub",
    }
);

word_enum!(
    /// What of the district's people the claim is compared with.
    SsoMatch, "match" {
        SourcedId = "sourcedId",
        Email = "email",
        Username = "username",
    }
);

/// An OpenID provider's issuer: `https`, or `http` on a loopback address (tests and
/// development), without a query or fragment, kept without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(String);

impl Issuer {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| Invalid::new(format!("issuer {raw:?}: {why}")).on("issuer");
        let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad("an issuer has no query, fragment or user"));
        }
        let loopback = match url.host() {
            Some(url::Host::Domain(name)) => name == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(bad("an issuer names a host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(bad("an issuer is https (http only on a loopback address)")),
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where its discovery document is (OpenID Connect Discovery 1.0, section 4).
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback() {
        assert_eq!(
            Issuer::parse("https://accounts.google.com/")
                .unwrap()
                .as_str(),
            "https://accounts.google.com"
        );
        assert_eq!(
            Issuer::parse("https://login.microsoftonline.com/abc/v2.0")
                .unwrap()
                .discovery_url(),
            "https://login.microsoftonline.com/abc/v2.0/.well-known/openid-configuration"
        );
        assert!(Issuer::parse("http://127.0.0.1:3000").is_ok());
        assert!(Issuer::parse("http://localhost:3000/oidc").is_ok());
        for bad in [
            "http://idp.example.org",
            "ftp://idp.example.org",
            "https://idp.example.org/?x=1",
            "https://user@idp.example.org",
            "not a url",
        ] {
            assert!(Issuer::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parents_keep_their_passwords() {
        assert_eq!(sso_portal("student").unwrap(), AccountKind::Student);
        assert!(sso_portal("parent").is_err());
        assert_eq!(SsoClaim::parse("email").unwrap(), SsoClaim::Email);
        assert_eq!(SsoMatch::parse("sourcedId").unwrap(), SsoMatch::SourcedId);
        assert!(SsoMatch::parse("phone").is_err());
    }
}
