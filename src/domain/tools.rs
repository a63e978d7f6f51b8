//! The portal's tools and whether one is on: the district's switch, a school's switch that
//! overrides it, and date windows during which the tool is off with a reason for families.

use std::fmt;

use jiff::civil::Date;

use super::text::clean_line;
use super::{AccountKind, Invalid};

/// A tool of the parent and student portals, in menu order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tool {
    Today,
    Calendar,
    Assignments,
    Grades,
    Attendance,
    Schedule,
    /// Parents report an absence; off until a district switches it on.
    AbsenceRequests,
}

impl Tool {
    pub const ALL: [Tool; 7] = [
        Tool::Today,
        Tool::Calendar,
        Tool::Assignments,
        Tool::Grades,
        Tool::Attendance,
        Tool::Schedule,
        Tool::AbsenceRequests,
    ];

    /// Whether the tool belongs to this portal at all (Absence Request is for parents).
    pub fn is_for(self, portal: Portal) -> bool {
        self != Tool::AbsenceRequests || portal == Portal::Parent
    }

    /// Whether the tool is on where no switch says otherwise. A tool that writes on the
    /// family's behalf waits for the district to offer it.
    pub fn on_by_default(self) -> bool {
        self != Tool::AbsenceRequests
    }

    /// The portals this tool may be switched on for, of those asked.
    pub fn portals_of(self, asked: &[Portal]) -> Vec<Portal> {
        asked.iter().copied().filter(|p| self.is_for(*p)).collect()
    }

    /// The name in addresses, the API and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Today => "today",
            Tool::Calendar => "calendar",
            Tool::Assignments => "assignments",
            Tool::Grades => "grades",
            Tool::Attendance => "attendance",
            Tool::Schedule => "schedule",
            Tool::AbsenceRequests => "absence_requests",
        }
    }

    /// The label in English, as the API and the command line give it.
    pub fn label(self) -> &'static str {
        match self {
            Tool::Today => "Today",
            Tool::Calendar => "Calendar",
            Tool::Assignments => "Assignments",
            Tool::Grades => "Grades",
            Tool::Attendance => "Attendance",
            Tool::Schedule => "Schedule",
            Tool::AbsenceRequests => "Absence Request",
        }
    }

    /// The id of the label's words in `locales/*/portal.ftl`.
    pub fn label_id(self) -> &'static str {
        match self {
            Tool::Today => "tool-today",
            Tool::Calendar => "tool-calendar",
            Tool::Assignments => "tool-assignments",
            Tool::Grades => "tool-grades",
            Tool::Attendance => "tool-attendance",
            Tool::Schedule => "tool-schedule",
            Tool::AbsenceRequests => "tool-absence-requests",
        }
    }

    /// The label in the menu, in the language of the page being rendered.
    pub fn name(self) -> String {
        crate::i18n::t(self.label_id())
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| {
                Invalid::new(format!(
                    "unknown tool {raw:?}: the tools are {}",
                    Self::ALL.map(Tool::as_str).join(", ")
                ))
            })
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The two family portals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Portal {
    Parent,
    Student,
}

impl Portal {
    pub const BOTH: [Portal; 2] = [Portal::Parent, Portal::Student];

    pub fn as_str(self) -> &'static str {
        match self {
            Portal::Parent => "parent",
            Portal::Student => "student",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "parent" => Ok(Portal::Parent),
            "student" => Ok(Portal::Student),
            _ => Err(Invalid::new(format!(
                "portal is parent or student, not {raw:?}"
            ))),
        }
    }

    /// The portal an account uses; staff use the console, not a family portal.
    pub fn of(kind: AccountKind) -> Option<Self> {
        match kind {
            AccountKind::Parent => Some(Portal::Parent),
            AccountKind::Student => Some(Portal::Student),
            AccountKind::Staff | AccountKind::Teacher => None,
        }
    }
}

/// What families read when a tool is off: one line of at most 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolReason(String);

impl ToolReason {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        clean_line("reason", raw, 200).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The reason shown when staff switched a tool off without giving one (in English: the API's).
pub const DEFAULT_OFF_REASON: &str = "Your school district has turned this tool off.";

/// The reason a student meets on a parents' tool.
pub const PARENTS_ONLY_REASON: &str = "This tool is for parents.";

/// A tool switched on or off for one portal, district-wide (`school: None`) or for one school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolSetting {
    pub school: Option<i64>,
    pub portal: Portal,
    pub tool: Tool,
    pub enabled: bool,
    pub reason: Option<ToolReason>,
}

/// A date window (inclusive, in the district's time zone) during which a tool is off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolWindow {
    pub id: i64,
    pub school: Option<i64>,
    /// `None`: both portals.
    pub portal: Option<Portal>,
    pub tool: Tool,
    pub start: Date,
    pub end: Date,
    pub reason: ToolReason,
}

impl ToolWindow {
    /// Checks the dates: the window ends on or after the day it starts, within a year's span.
    pub fn check_dates(start: Date, end: Date) -> Result<(), Invalid> {
        if end < start {
            return Err(Invalid::worded(
                "the window ends before it starts",
                "invalid-window-order",
                vec![],
            ));
        }
        if start.until(end).map_or(true, |span| span.get_days() > 400) {
            return Err(Invalid::worded(
                "a window lasts at most 400 days",
                "invalid-window-length",
                vec![],
            ));
        }
        Ok(())
    }
}

/// Parses a calendar date written `YYYY-MM-DD`.
pub fn parse_date(what: &str, raw: &str) -> Result<Date, Invalid> {
    let text = raw.trim();
    let invalid = || {
        Invalid::worded(
            format!("{what} is a date written YYYY-MM-DD, not {raw:?}"),
            "invalid-date",
            vec![("value", text.to_owned())],
        )
    };
    if text.len() != 10 {
        return Err(invalid());
    }
    text.parse::<Date>().map_err(|_| invalid())
}

/// Whether a tool is on, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolState {
    On,
    Off { reason: String },
}

impl ToolState {
    pub fn is_on(&self) -> bool {
        matches!(self, ToolState::On)
    }
}

/// A district's switches and windows: the one place that decides whether a tool is on.
#[derive(Debug, Clone, Default)]
pub struct ToolRules {
    pub settings: Vec<ToolSetting>,
    pub windows: Vec<ToolWindow>,
}

impl ToolRules {
    /// Whether `tool` is on today for `portal`, for a student of `school` (`None`: the
    /// district-wide answer). A school's switch wins over the district's; a window of the
    /// district or of the school turns the tool off whatever the switches say.
    pub fn state(&self, tool: Tool, portal: Portal, school: Option<i64>, today: Date) -> ToolState {
        if !tool.is_for(portal) {
            return ToolState::Off {
                reason: PARENTS_ONLY_REASON.to_owned(),
            };
        }
        let setting = self.setting(tool, portal, school);
        if setting.is_none() && !tool.on_by_default() {
            return ToolState::Off {
                reason: DEFAULT_OFF_REASON.to_owned(),
            };
        }
        if let Some(s) = setting.filter(|s| !s.enabled) {
            return ToolState::Off {
                reason: s
                    .reason
                    .as_ref()
                    .map_or(DEFAULT_OFF_REASON, ToolReason::as_str)
                    .to_owned(),
            };
        }
        let window = self.windows.iter().find(|w| {
            w.tool == tool
                && w.portal.is_none_or(|p| p == portal)
                && (w.school.is_none() || w.school == school)
                && w.start <= today
                && today <= w.end
        });
        match window {
            Some(w) => ToolState::Off {
                reason: w.reason.as_str().to_owned(),
            },
            None => ToolState::On,
        }
    }

    /// The switch that decides for this portal and school: the school's, else the district's.
    fn setting(&self, tool: Tool, portal: Portal, school: Option<i64>) -> Option<&ToolSetting> {
        let switch = |scope: Option<i64>| {
            self.settings
                .iter()
                .find(|s| s.tool == tool && s.portal == portal && s.school == scope)
        };
        school
            .and_then(|s| switch(Some(s)))
            .or_else(|| switch(None))
    }

    /// Whether a menu names the tool at all, on or off: a tool of this portal that is on by
    /// default or that the district switched on somewhere. A tool the district never offered
    /// is not shown as "off" to every family.
    pub fn listed(&self, tool: Tool, portal: Portal, school: Option<i64>) -> bool {
        tool.is_for(portal)
            && (tool.on_by_default()
                || self
                    .setting(tool, portal, school)
                    .is_some_and(|s| s.enabled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn setting(school: Option<i64>, enabled: bool, reason: Option<&str>) -> ToolSetting {
        ToolSetting {
            school,
            portal: Portal::Parent,
            tool: Tool::Grades,
            enabled,
            reason: reason.map(|r| ToolReason::parse(r).unwrap()),
        }
    }

    fn window(school: Option<i64>, portal: Option<Portal>, from: &str, to: &str) -> ToolWindow {
        ToolWindow {
            id: 1,
            school,
            portal,
            tool: Tool::Grades,
            start: day(from),
            end: day(to),
            reason: ToolReason::parse("Report cards are being prepared").unwrap(),
        }
    }

    const TODAY: &str = "2026-06-10";

    fn grades(rules: &ToolRules, portal: Portal, school: Option<i64>, on: &str) -> ToolState {
        rules.state(Tool::Grades, portal, school, day(on))
    }

    #[test]
    fn tools_are_on_without_rules() {
        let rules = ToolRules::default();
        for tool in Tool::ALL.into_iter().filter(|t| t.on_by_default()) {
            for portal in Portal::BOTH {
                assert!(rules.state(tool, portal, Some(3), day(TODAY)).is_on());
                assert!(rules.listed(tool, portal, Some(3)));
            }
        }
    }

    #[test]
    fn absence_requests_wait_to_be_switched_on_and_are_for_parents_alone() {
        let tool = Tool::AbsenceRequests;
        let rules = ToolRules::default();
        assert!(
            !rules
                .state(tool, Portal::Parent, Some(3), day(TODAY))
                .is_on()
        );
        assert!(!rules.listed(tool, Portal::Parent, Some(3)));
        let on = |school| ToolSetting {
            school,
            portal: Portal::Parent,
            tool,
            enabled: true,
            reason: None,
        };
        let rules = ToolRules {
            settings: vec![on(Some(3))],
            windows: vec![],
        };
        assert!(
            rules
                .state(tool, Portal::Parent, Some(3), day(TODAY))
                .is_on()
        );
        assert!(rules.listed(tool, Portal::Parent, Some(3)));
        assert!(
            !rules
                .state(tool, Portal::Parent, Some(4), day(TODAY))
                .is_on()
        );
        assert!(!rules.listed(tool, Portal::Parent, Some(4)));
        let student = ToolSetting {
            portal: Portal::Student,
            ..on(None)
        };
        let rules = ToolRules {
            settings: vec![on(None), student],
            windows: vec![],
        };
        assert_eq!(
            rules.state(tool, Portal::Student, Some(3), day(TODAY)),
            ToolState::Off {
                reason: PARENTS_ONLY_REASON.into()
            }
        );
        assert!(!rules.listed(tool, Portal::Student, Some(3)));
        assert_eq!(
            tool.portals_of(&Portal::BOTH),
            vec![Portal::Parent],
            "both portals means the parents' alone"
        );
    }

    #[test]
    fn a_district_switch_applies_to_its_portal_only() {
        let rules = ToolRules {
            settings: vec![setting(None, false, Some("Closed for the summer"))],
            windows: vec![],
        };
        assert_eq!(
            grades(&rules, Portal::Parent, Some(3), TODAY),
            ToolState::Off {
                reason: "Closed for the summer".into()
            }
        );
        assert!(grades(&rules, Portal::Student, Some(3), TODAY).is_on());
        assert!(
            rules
                .state(Tool::Today, Portal::Parent, Some(3), day(TODAY))
                .is_on()
        );
    }

    #[test]
    fn a_school_switch_wins_over_the_district() {
        let rules = ToolRules {
            settings: vec![setting(None, false, None), setting(Some(3), true, None)],
            windows: vec![],
        };
        assert!(grades(&rules, Portal::Parent, Some(3), TODAY).is_on());
        assert_eq!(
            grades(&rules, Portal::Parent, Some(4), TODAY),
            ToolState::Off {
                reason: DEFAULT_OFF_REASON.into()
            }
        );
        let rules = ToolRules {
            settings: vec![setting(Some(3), false, Some("Not at this school"))],
            windows: vec![],
        };
        assert!(!grades(&rules, Portal::Parent, Some(3), TODAY).is_on());
        assert!(grades(&rules, Portal::Parent, Some(4), TODAY).is_on());
        assert!(grades(&rules, Portal::Parent, None, TODAY).is_on());
    }

    #[test]
    fn a_window_is_inclusive_at_both_ends() {
        let rules = ToolRules {
            settings: vec![],
            windows: vec![window(None, None, "2026-06-08", "2026-06-12")],
        };
        for (on, expected_on) in [
            ("2026-06-07", true),
            ("2026-06-08", false),
            ("2026-06-12", false),
            ("2026-06-13", true),
        ] {
            assert_eq!(
                grades(&rules, Portal::Student, Some(1), on).is_on(),
                expected_on
            );
        }
        assert_eq!(
            grades(&rules, Portal::Parent, None, "2026-06-10"),
            ToolState::Off {
                reason: "Report cards are being prepared".into()
            }
        );
    }

    #[test]
    fn a_window_keeps_to_its_school_and_portal() {
        let rules = ToolRules {
            settings: vec![setting(Some(3), true, None)],
            windows: vec![window(
                Some(3),
                Some(Portal::Student),
                "2026-06-01",
                "2026-06-30",
            )],
        };
        assert!(!grades(&rules, Portal::Student, Some(3), TODAY).is_on());
        assert!(grades(&rules, Portal::Parent, Some(3), TODAY).is_on());
        assert!(grades(&rules, Portal::Student, Some(4), TODAY).is_on());
        assert!(grades(&rules, Portal::Student, None, TODAY).is_on());
    }

    #[test]
    fn tools_are_named_in_the_page_language() {
        use crate::i18n::{Lang, sync_scope};
        for tool in Tool::ALL {
            assert_eq!(sync_scope(Lang::En, || tool.name()), tool.label());
        }
        assert_eq!(
            sync_scope(Lang::Es, || Tool::Grades.name()),
            "Calificaciones"
        );
    }

    #[test]
    fn names_and_dates_parse_strictly() {
        assert_eq!(Tool::parse(" Grades ").unwrap(), Tool::Grades);
        assert!(
            Tool::parse("messages")
                .unwrap_err()
                .to_string()
                .contains("the tools are")
        );
        assert_eq!(Portal::parse("STUDENT").unwrap(), Portal::Student);
        assert!(Portal::parse("staff").is_err());
        assert_eq!(parse_date("from", "2026-06-01").unwrap(), day("2026-06-01"));
        for bad in ["2026-6-1", "2026-02-30", "tomorrow", "", "2026-06-01T00:00"] {
            assert!(parse_date("from", bad).is_err(), "{bad}");
        }
        assert!(ToolWindow::check_dates(day("2026-06-02"), day("2026-06-01")).is_err());
        assert!(ToolWindow::check_dates(day("2026-01-01"), day("2027-12-31")).is_err());
        assert!(ToolWindow::check_dates(day("2026-06-01"), day("2026-06-01")).is_ok());
        assert!(ToolReason::parse("line\nbreak").is_err());
        assert!(ToolReason::parse(&"x".repeat(201)).is_err());
    }
}
