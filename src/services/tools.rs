//! Which portal tools families see: the menus, and the switches and windows staff set from the
//! console or with `homeroom district tools`.

use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

use super::access::Staff;
use super::{Error, Result};
use crate::app::App;
use crate::domain::{
    DEFAULT_OFF_REASON, District, PARENTS_ONLY_REASON, Portal, SourcedId, Tool, ToolReason,
    ToolRules, ToolSetting, ToolState, ToolWindow,
};
use crate::store::{AuditEntry, SchoolRecord};

/// A tool in a menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MenuTool {
    #[schema(example = "grades")]
    pub tool: &'static str,
    #[schema(example = "Grades")]
    pub label: &'static str,
}

/// A tool that is off, with the district's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OffTool {
    #[schema(example = "grades")]
    pub tool: &'static str,
    #[schema(example = "Grades")]
    pub label: &'static str,
    #[schema(example = "Grades are closed while report cards are prepared.")]
    pub reason: String,
}

impl MenuTool {
    /// The label in the language of the page being rendered (`label` is the API's English).
    pub fn name(&self) -> String {
        named(self.tool, self.label)
    }
}

impl OffTool {
    pub fn name(&self) -> String {
        named(self.tool, self.label)
    }

    /// The reason in the language of the page being rendered, where it is the default one.
    pub fn reason_words(&self) -> String {
        off_reason_words(&self.reason)
    }
}

fn named(tool: &str, label: &str) -> String {
    Tool::parse(tool).map_or_else(|_| label.to_owned(), Tool::name)
}

/// A tool's reason for being off as a page shows it: the district's own words as they were
/// written, the default reason in the page's language.
pub fn off_reason_words(reason: &str) -> String {
    if reason == DEFAULT_OFF_REASON {
        crate::i18n::t("tool-off-default")
    } else if reason == PARENTS_ONLY_REASON {
        crate::i18n::t("tool-parents-only")
    } else {
        reason.to_owned()
    }
}

/// The tools that are on (the menu) and those that are off, with why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Menu {
    pub tools: Vec<MenuTool>,
    pub off: Vec<OffTool>,
}

impl Menu {
    pub fn build(rules: &ToolRules, portal: Portal, school: Option<i64>, today: Date) -> Self {
        let mut menu = Self::default();
        for tool in Tool::ALL {
            if !rules.listed(tool, portal, school) {
                continue;
            }
            match rules.state(tool, portal, school, today) {
                ToolState::On => menu.tools.push(MenuTool {
                    tool: tool.as_str(),
                    label: tool.label(),
                }),
                ToolState::Off { reason } => menu.off.push(OffTool {
                    tool: tool.as_str(),
                    label: tool.label(),
                    reason,
                }),
            }
        }
        menu
    }

    pub fn has(&self, tool: Tool) -> bool {
        self.tools.iter().any(|t| t.tool == tool.as_str())
    }
}

/// The district's date today, in its own time zone.
pub fn today(app: &App, district: &District) -> Date {
    let now = app.clock.now();
    now.in_tz(district.settings.timezone.as_str())
        .map(|zoned| zoned.date())
        .unwrap_or_else(|_| jiff::tz::TimeZone::UTC.to_datetime(now).date())
}

/// The district's switches and the windows that have not ended.
pub async fn rules(app: &App, district: &District) -> Result<std::sync::Arc<ToolRules>> {
    let today = today(app, district);
    let key = (district.id, district.revision, today);
    let read = async { Ok(app.store.tool_rules(district.id, today).await?) };
    super::cache::kept(&app.caches.rules, key, read).await
}

/// Refuses a tool that is off for this portal and school today, with the district's reason.
pub fn require(
    rules: &ToolRules,
    tool: Tool,
    portal: Portal,
    school: Option<i64>,
    today: Date,
) -> Result<()> {
    match rules.state(tool, portal, school, today) {
        ToolState::On => Ok(()),
        ToolState::Off { reason } => Err(Error::ToolDisabled { reason }),
    }
}

/// What staff ask to switch: a tool, one portal or both, the whole district or one school.
#[derive(Debug, Clone)]
pub struct SwitchRequest<'a> {
    pub tool: &'a str,
    /// `parent`, `student` or `both`.
    pub portal: &'a str,
    /// A school's sourcedId; blank or `None` for the whole district.
    pub school: Option<&'a str>,
    pub enabled: bool,
    pub reason: Option<&'a str>,
}

/// A window as staff ask for it.
#[derive(Debug, Clone)]
pub struct WindowRequest<'a> {
    pub tool: &'a str,
    pub portal: &'a str,
    pub school: Option<&'a str>,
    pub from: &'a str,
    pub to: &'a str,
    pub reason: &'a str,
}

/// The portals asked for (`both` means those the tool belongs to); a tool is never switched
/// for a portal it does not belong to.
fn portals(tool: Tool, raw: &str) -> Result<Vec<Portal>> {
    let asked = match raw.trim().to_ascii_lowercase().as_str() {
        "both" | "" => Portal::BOTH.to_vec(),
        other => vec![Portal::parse(other)?],
    };
    let portals = tool.portals_of(&asked);
    if portals.is_empty() {
        return Err(crate::domain::Invalid::new(format!(
            "{} is a tool of the parent portal alone",
            tool.label()
        ))
        .into());
    }
    Ok(portals)
}

async fn school(app: &App, district: &District, raw: Option<&str>) -> Result<Option<SchoolRecord>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => {
            let sourced_id = SourcedId::parse(text)?;
            match app
                .store
                .school_by_sourced_id(district.id, &sourced_id)
                .await?
            {
                Some(school) => Ok(Some(school)),
                None => Err(Error::Invalid(crate::domain::Invalid::new(format!(
                    "{} has no school {text:?}",
                    district.name
                )))),
            }
        }
    }
}

fn optional_reason(raw: Option<&str>) -> Result<Option<ToolReason>> {
    Ok(raw
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(ToolReason::parse)
        .transpose()?)
}

/// Switches a tool on or off; audited.
pub async fn switch(app: &App, staff: &Staff, request: &SwitchRequest<'_>) -> Result<()> {
    let (district, actor) = (staff.district(), staff.actor());
    let tool = Tool::parse(request.tool)?;
    let portals = portals(tool, request.portal)?;
    let reason = optional_reason(request.reason)?;
    let school = school(app, district, request.school).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    for portal in &portals {
        let setting = ToolSetting {
            school: school.as_ref().map(|s| s.id),
            portal: *portal,
            tool,
            enabled: request.enabled,
            reason: reason.clone(),
        };
        tx.put_tool_setting(district.id, &setting, now).await?;
    }
    let scope = school
        .as_ref()
        .map_or("district", |s| s.sourced_id.as_str());
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: if request.enabled {
                "tool.switched_on"
            } else {
                "tool.switched_off"
            },
            target: Some(tool.as_str()),
            detail: Some(format!(
                "portal={} scope={scope}{}",
                portals
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join("+"),
                reason
                    .as_ref()
                    .map(|r| format!(" reason={}", r.as_str()))
                    .unwrap_or_default()
            )),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds an off-window; answers its id. Audited.
pub async fn add_window(app: &App, staff: &Staff, request: &WindowRequest<'_>) -> Result<i64> {
    let (district, actor) = (staff.district(), staff.actor());
    let tool = Tool::parse(request.tool)?;
    let portals = portals(tool, request.portal)?;
    let start = crate::domain::parse_date("the first day", request.from)?;
    let end = crate::domain::parse_date("the last day", request.to)?;
    ToolWindow::check_dates(start, end)?;
    let reason = ToolReason::parse(request.reason)?;
    let school = school(app, district, request.school).await?;
    let window = ToolWindow {
        id: 0,
        school: school.as_ref().map(|s| s.id),
        portal: (portals.len() == 1).then(|| portals[0]),
        tool,
        start,
        end,
        reason,
    };
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let id = tx.add_tool_window(district.id, &window, now).await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: "tool.window_added",
            target: Some(tool.as_str()),
            detail: Some(format!(
                "id={id} {start}..{end} portal={} scope={} reason={}",
                window.portal.map_or("both", Portal::as_str),
                school
                    .as_ref()
                    .map_or("district", |s| s.sourced_id.as_str()),
                window.reason.as_str()
            )),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes an off-window of the district; any other id is refused by name. Audited.
pub async fn remove_window(app: &App, staff: &Staff, id: i64) -> Result<()> {
    let (district, actor) = (staff.district(), staff.actor());
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    if !tx.remove_tool_window(district.id, id).await? {
        return Err(Error::Invalid(crate::domain::Invalid::new(format!(
            "{} has no window {id}",
            district.name
        ))));
    }
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: "tool.window_removed",
            target: Some(&id.to_string()),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everything staff see about the tools: each switch and window, with school names.
#[derive(Debug, Clone)]
pub struct Overview {
    pub rules: ToolRules,
    pub schools: Vec<SchoolRecord>,
    pub today: Date,
}

impl Overview {
    pub fn school_name(&self, id: Option<i64>) -> String {
        match id {
            None => "Whole district".to_owned(),
            Some(id) => self
                .schools
                .iter()
                .find(|s| s.id == id)
                .map_or_else(|| format!("School {id}"), |s| s.name.clone()),
        }
    }
}

pub async fn overview(app: &App, staff: &Staff) -> Result<Overview> {
    let district = staff.district();
    Ok(Overview {
        // Read afresh: staff see their change at once, whatever district value they hold.
        rules: app
            .store
            .tool_rules(district.id, today(app, district))
            .await?,
        schools: app.store.schools(district.id).await?,
        today: today(app, district),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, sync_scope};

    #[test]
    fn the_menu_and_its_reasons_are_in_the_page_language() {
        let menu = Menu::build(
            &ToolRules {
                settings: vec![ToolSetting {
                    school: None,
                    portal: Portal::Parent,
                    tool: Tool::Grades,
                    enabled: false,
                    reason: None,
                }],
                windows: vec![],
            },
            Portal::Parent,
            None,
            jiff::civil::date(2026, 6, 10),
        );
        assert_eq!(menu.tools[0].label, "Today");
        assert_eq!(sync_scope(Lang::Es, || menu.tools[0].name()), "Hoy");
        let off = &menu.off[0];
        assert_eq!(
            (off.label, off.reason.as_str()),
            ("Grades", DEFAULT_OFF_REASON)
        );
        assert_eq!(
            sync_scope(Lang::En, || (off.name(), off.reason_words())),
            ("Grades".to_owned(), DEFAULT_OFF_REASON.to_owned())
        );
        assert_eq!(
            sync_scope(Lang::Es, || (off.name(), off.reason_words())),
            (
                "Calificaciones".to_owned(),
                "Su distrito escolar desactivó esta herramienta.".to_owned()
            )
        );
        // A district's own reason is shown as it was written.
        assert_eq!(
            sync_scope(Lang::Es, || off_reason_words("Closed for the summer")),
            "Closed for the summer"
        );
    }
}
