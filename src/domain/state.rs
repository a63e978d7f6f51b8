//! United States postal codes for the 50 states, the District of Columbia and the inhabited
//! territories, with the time zone most of each one's schools keep (the default for a new
//! district; staff can change it).

use std::fmt;

use super::Invalid;

/// (code, name, principal IANA time zone)
const STATES: &[(&str, &str, &str)] = &[
    ("AL", "Alabama", "America/Chicago"),
    ("AK", "Alaska", "America/Anchorage"),
    ("AZ", "Arizona", "America/Phoenix"),
    ("AR", "Arkansas", "America/Chicago"),
    ("CA", "California", "America/Los_Angeles"),
    ("CO", "Colorado", "America/Denver"),
    ("CT", "Connecticut", "America/New_York"),
    ("DE", "Delaware", "America/New_York"),
    ("DC", "District of Columbia", "America/New_York"),
    ("FL", "Florida", "America/New_York"),
    ("GA", "Georgia", "America/New_York"),
    ("HI", "Hawaii", "Pacific/Honolulu"),
    ("ID", "Idaho", "America/Boise"),
    ("IL", "Illinois", "America/Chicago"),
    ("IN", "Indiana", "America/Indiana/Indianapolis"),
    ("IA", "Iowa", "America/Chicago"),
    ("KS", "Kansas", "America/Chicago"),
    ("KY", "Kentucky", "America/New_York"),
    ("LA", "Louisiana", "America/Chicago"),
    ("ME", "Maine", "America/New_York"),
    ("MD", "Maryland", "America/New_York"),
    ("MA", "Massachusetts", "America/New_York"),
    ("MI", "Michigan", "America/Detroit"),
    ("MN", "Minnesota", "America/Chicago"),
    ("MS", "Mississippi", "America/Chicago"),
    ("MO", "Missouri", "America/Chicago"),
    ("MT", "Montana", "America/Denver"),
    ("NE", "Nebraska", "America/Chicago"),
    ("NV", "Nevada", "America/Los_Angeles"),
    ("NH", "New Hampshire", "America/New_York"),
    ("NJ", "New Jersey", "America/New_York"),
    ("NM", "New Mexico", "America/Denver"),
    ("NY", "New York", "America/New_York"),
    ("NC", "North Carolina", "America/New_York"),
    ("ND", "North Dakota", "America/Chicago"),
    ("OH", "Ohio", "America/New_York"),
    ("OK", "Oklahoma", "America/Chicago"),
    ("OR", "Oregon", "America/Los_Angeles"),
    ("PA", "Pennsylvania", "America/New_York"),
    ("RI", "Rhode Island", "America/New_York"),
    ("SC", "South Carolina", "America/New_York"),
    ("SD", "South Dakota", "America/Chicago"),
    ("TN", "Tennessee", "America/Chicago"),
    ("TX", "Texas", "America/Chicago"),
    ("UT", "Utah", "America/Denver"),
    ("VT", "Vermont", "America/New_York"),
    ("VA", "Virginia", "America/New_York"),
    ("WA", "Washington", "America/Los_Angeles"),
    ("WV", "West Virginia", "America/New_York"),
    ("WI", "Wisconsin", "America/Chicago"),
    ("WY", "Wyoming", "America/Denver"),
    ("AS", "American Samoa", "Pacific/Pago_Pago"),
    ("GU", "Guam", "Pacific/Guam"),
    ("MP", "Northern Mariana Islands", "Pacific/Saipan"),
    ("PR", "Puerto Rico", "America/Puerto_Rico"),
    ("VI", "U.S. Virgin Islands", "America/St_Thomas"),
];

/// One of the codes above; always upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateCode(&'static str);

impl StateCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let wanted = raw.trim();
        STATES
            .iter()
            .find(|(code, _, _)| code.eq_ignore_ascii_case(wanted))
            .map(|(code, _, _)| Self(code))
            .ok_or_else(|| {
                Invalid::new(format!(
                    "unknown state {raw:?}: give a two-letter postal code of a US state, DC or a territory (for example NC)"
                ))
            })
    }

    pub fn all() -> impl Iterator<Item = StateCode> {
        STATES.iter().map(|(code, _, _)| Self(code))
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.entry().1
    }

    pub fn principal_time_zone(self) -> &'static str {
        self.entry().2
    }

    fn entry(self) -> &'static (&'static str, &'static str, &'static str) {
        STATES
            .iter()
            .find(|(code, _, _)| *code == self.0)
            .expect("a StateCode is only ever built from an entry of STATES")
    }
}

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_states_dc_and_five_territories() {
        assert_eq!(StateCode::all().count(), 56);
        let mut codes: Vec<_> = StateCode::all().map(StateCode::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 56, "a code is listed twice");
    }

    #[test]
    fn parses_any_case_and_refuses_unknown_codes() {
        assert_eq!(StateCode::parse("nc").unwrap().code(), "NC");
        assert_eq!(StateCode::parse(" Pr ").unwrap().name(), "Puerto Rico");
        for bad in ["", "XX", "N", "NCA", "North Carolina", "ÑC"] {
            assert!(StateCode::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn every_principal_time_zone_is_known() {
        for state in StateCode::all() {
            assert!(
                jiff::tz::TimeZone::get(state.principal_time_zone()).is_ok(),
                "{state}: {}",
                state.principal_time_zone()
            );
        }
    }
}
