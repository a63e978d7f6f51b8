//! Rostering over REST: where a district's SIS serves OneRoster 1.2, and what a sync asks it.

use super::Invalid;

/// An address of a SIS's OneRoster API or its token endpoint: `https`, or `http` on a loopback
/// address (tests and development); no user or fragment, and a query only on a token endpoint
/// (Infinite Campus names its app there); kept without a trailing slash. Client secrets and
/// children's records never cross the network in the clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SisUrl(url::Url);

impl SisUrl {
    /// A token endpoint.
    pub fn token(raw: &str) -> Result<Self, Invalid> {
        Self::parse("token-url", raw, true)
    }

    fn parse(field: &'static str, raw: &str, query: bool) -> Result<Self, Invalid> {
        let bad = |why: &str| Invalid::new(format!("{field} {raw:?}: {why}")).on(field);
        let text = raw.trim().trim_end_matches('/');
        let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        if (url.query().is_some() && !query)
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return Err(bad(if query {
                "it has no fragment or user"
            } else {
                "it has no query, fragment or user"
            }));
        }
        let loopback = match url.host() {
            Some(url::Host::Domain(name)) => name == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(bad("it names a host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(bad("it is https (http only on a loopback address)")),
        }
        Ok(Self(url))
    }

    /// The API's base: the part before `/rostering/v1p2` and `/gradebook/v1p2` (either is
    /// taken off when pasted with it).
    pub fn base(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim().trim_end_matches('/');
        let text = ["/rostering/v1p2", "/gradebook/v1p2"]
            .iter()
            .find_map(|tail| text.strip_suffix(tail))
            .unwrap_or(text);
        Self::parse("base-url", text, false)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// Whether `other` is on the same scheme, host and port: the only place a bearer token is
    /// sent, whatever a `Link` header says.
    pub fn same_origin(&self, other: &url::Url) -> bool {
        self.0.origin() == other.origin()
    }
}

/// The collections a sync reads, in the order the import reads their files: each after those
/// it refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Orgs,
    AcademicSessions,
    Courses,
    Classes,
    Users,
    Enrollments,
    Categories,
    LineItems,
    Results,
}

impl Collection {
    pub const ALL: [Self; 9] = [
        Self::Orgs,
        Self::AcademicSessions,
        Self::Courses,
        Self::Classes,
        Self::Users,
        Self::Enrollments,
        Self::Categories,
        Self::LineItems,
        Self::Results,
    ];

    /// Its name in the API's paths and answers (and, with `.csv`, the CSV binding's file).
    pub fn name(self) -> &'static str {
        match self {
            Self::Orgs => "orgs",
            Self::AcademicSessions => "academicSessions",
            Self::Courses => "courses",
            Self::Classes => "classes",
            Self::Users => "users",
            Self::Enrollments => "enrollments",
            Self::Categories => "categories",
            Self::LineItems => "lineItems",
            Self::Results => "results",
        }
    }

    /// The service that serves it: `rostering` or `gradebook`.
    pub fn service(self) -> &'static str {
        match self {
            Self::Categories | Self::LineItems | Self::Results => "gradebook",
            _ => "rostering",
        }
    }

    pub fn file(self) -> &'static str {
        match self {
            Self::Orgs => "orgs.csv",
            Self::AcademicSessions => "academicSessions.csv",
            Self::Courses => "courses.csv",
            Self::Classes => "classes.csv",
            Self::Users => "users.csv",
            Self::Enrollments => "enrollments.csv",
            Self::Categories => "categories.csv",
            Self::LineItems => "lineItems.csv",
            Self::Results => "results.csv",
        }
    }

    pub fn by_file(file: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.file() == file)
    }
}

/// The scopes a sync asks for (OneRoster 1.2, section 4.1).
pub const SIS_SCOPES: &str = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly \
     https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_is_https_and_loses_the_service_path() {
        assert_eq!(
            SisUrl::base("https://sis.example/campus/api/ims/oneroster/rostering/v1p2/")
                .unwrap()
                .as_str(),
            "https://sis.example/campus/api/ims/oneroster"
        );
        assert!(SisUrl::base("http://127.0.0.1:9000/ims/oneroster").is_ok());
        assert_eq!(
            SisUrl::token("https://sis.example/campus/oauth2/token?appName=maple")
                .unwrap()
                .as_str(),
            "https://sis.example/campus/oauth2/token?appName=maple"
        );
        assert!(SisUrl::token("http://sis.example/token").is_err());
        for bad in [
            "http://sis.example/oneroster",
            "ftp://sis.example/",
            "https://user@sis.example/",
            "https://sis.example/?a=1",
            "sis.example",
            "",
        ] {
            assert!(SisUrl::base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_elsewhere_are_not_the_same_origin() {
        let base = SisUrl::base("https://sis.example/ims/oneroster").unwrap();
        let here = url::Url::parse("https://sis.example/ims/oneroster/x?offset=2").unwrap();
        let there = url::Url::parse("https://evil.example/ims/oneroster/x").unwrap();
        assert!(base.same_origin(&here));
        assert!(!base.same_origin(&there));
    }
}
