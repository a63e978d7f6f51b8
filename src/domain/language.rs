//! The languages the portal speaks.

use unic_langid::LanguageIdentifier;

/// A language of the portal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 tag: `en`, `es`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's name in itself, as a switch offers it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// `en`, `es`, or a tag of either (`es-MX`).
    pub fn parse(raw: &str) -> Option<Lang> {
        let tag: LanguageIdentifier = raw.trim().parse().ok()?;
        Self::ALL
            .into_iter()
            .find(|l| tag.language.as_str() == l.code())
    }

    /// The first of an `Accept-Language` header's languages that the portal speaks;
    /// English when none.
    pub fn negotiate(accept_language: &str) -> Lang {
        let requested = fluent_langneg::parse_accepted_languages(accept_language);
        let available: Vec<LanguageIdentifier> = Self::ALL
            .iter()
            .filter_map(|l| l.code().parse().ok())
            .collect();
        fluent_langneg::negotiate_languages(
            &requested,
            &available,
            None,
            fluent_langneg::NegotiationStrategy::Lookup,
        )
        .first()
        .and_then(|tag| Self::parse(&tag.to_string()))
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_negotiated_from_accept_language() {
        assert_eq!(Lang::negotiate("es-MX,es;q=0.9,en;q=0.8"), Lang::Es);
        assert_eq!(Lang::negotiate("fr-FR, es;q=0.5"), Lang::Es);
        assert_eq!(Lang::negotiate("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("\u{0}\u{ffff};;,,q=x"), Lang::En);
        assert_eq!(Lang::parse("es"), Some(Lang::Es));
        assert_eq!(Lang::parse("xx"), None);
    }
}
