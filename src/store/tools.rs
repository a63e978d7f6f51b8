//! The switches and off-windows of the portal's tools, and the schools they can name.

use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError, Tx, flag};
use crate::domain::{
    DistrictId, Portal, SourcedId, Tool, ToolReason, ToolRules, ToolSetting, ToolWindow,
};

/// A school, as staff pick it for a switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolRecord {
    pub id: i64,
    pub sourced_id: String,
    pub name: String,
}

impl Store {
    /// Every switch of the district, and the windows that have not ended before `since`.
    pub async fn tool_rules(&self, district: DistrictId, since: Date) -> Result<ToolRules> {
        let settings = sqlx::query(
            "SELECT school_id, portal, tool, enabled, reason FROM tool_settings \
             WHERE district_id = $1 ORDER BY school_id, portal, tool",
        )
        .bind(district.0)
        .fetch_all(self.pool()?)
        .await?
        .iter()
        .map(setting_from_row)
        .collect::<Result<Vec<_>>>()?;
        let windows = sqlx::query(
            "SELECT id, school_id, portal, tool, start_date, end_date, reason FROM tool_windows \
             WHERE district_id = $1 AND end_date >= $2 ORDER BY start_date, id",
        )
        .bind(district.0)
        .bind(since.to_string())
        .fetch_all(self.pool()?)
        .await?
        .iter()
        .map(window_from_row)
        .collect::<Result<Vec<_>>>()?;
        Ok(ToolRules { settings, windows })
    }

    /// The district's active schools, by name.
    pub async fn schools(&self, district: DistrictId) -> Result<Vec<SchoolRecord>> {
        let rows = sqlx::query(
            "SELECT id, sourced_id, name FROM schools WHERE district_id = $1 AND active = $2 \
             ORDER BY name, id",
        )
        .bind(district.0)
        .bind(true)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SchoolRecord {
                    id: row.try_get("id")?,
                    sourced_id: row.try_get("sourced_id")?,
                    name: row.try_get("name")?,
                })
            })
            .collect()
    }

    /// The school with this sourcedId, if the district has it.
    pub async fn school_by_sourced_id(
        &self,
        district: DistrictId,
        sourced_id: &SourcedId,
    ) -> Result<Option<SchoolRecord>> {
        let row = sqlx::query(
            "SELECT id, sourced_id, name FROM schools WHERE district_id = $1 AND sourced_id = $2",
        )
        .bind(district.0)
        .bind(sourced_id.as_str().to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| {
            Ok(SchoolRecord {
                id: row.try_get("id")?,
                sourced_id: row.try_get("sourced_id")?,
                name: row.try_get("name")?,
            })
        })
        .transpose()
    }
}

impl Store {
    /// The id of the class with this sourcedId, if the district has it.
    pub async fn class_id_by_sourced_id(
        &self,
        district: DistrictId,
        sourced_id: &SourcedId,
    ) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM classes WHERE district_id = $1 AND sourced_id = $2")
            .bind(district.0)
            .bind(sourced_id.as_str().to_owned())
            .fetch_optional(self.pool()?)
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }
}

impl Tx {
    /// Sets one switch, replacing the one of the same scope.
    pub async fn put_tool_setting(
        &mut self,
        district: DistrictId,
        setting: &ToolSetting,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "DELETE FROM tool_settings WHERE district_id = $1 AND portal = $2 AND tool = $3 \
             AND COALESCE(school_id, 0) = $4",
        )
        .bind(district.0)
        .bind(setting.portal.as_str())
        .bind(setting.tool.as_str())
        .bind(setting.school.unwrap_or(0))
        .execute(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO tool_settings (district_id, school_id, portal, tool, enabled, reason, \
               updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(district.0)
        .bind(setting.school)
        .bind(setting.portal.as_str())
        .bind(setting.tool.as_str())
        .bind(setting.enabled)
        .bind(setting.reason.as_ref().map(|r| r.as_str().to_owned()))
        .bind(now)
        .execute(self.conn())
        .await?;
        self.bump_revision(district).await?;
        Ok(())
    }

    /// Adds a window; answers its id.
    pub async fn add_tool_window(
        &mut self,
        district: DistrictId,
        window: &ToolWindow,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO tool_windows (district_id, school_id, portal, tool, start_date, \
               end_date, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(district.0)
        .bind(window.school)
        .bind(window.portal.map(Portal::as_str))
        .bind(window.tool.as_str())
        .bind(window.start.to_string())
        .bind(window.end.to_string())
        .bind(window.reason.as_str().to_owned())
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        self.bump_revision(district).await?;
        Ok(row.try_get("id")?)
    }

    /// Removes a window of the district; false when it has none with that id.
    pub async fn remove_tool_window(&mut self, district: DistrictId, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM tool_windows WHERE district_id = $1 AND id = $2")
            .bind(district.0)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.bump_revision(district).await?;
        Ok(done.rows_affected() > 0)
    }
}

fn corrupt(what: &str) -> impl Fn(crate::domain::Invalid) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn setting_from_row(row: &AnyRow) -> Result<ToolSetting> {
    let reason: Option<String> = row.try_get("reason")?;
    Ok(ToolSetting {
        school: row.try_get("school_id")?,
        portal: Portal::parse(row.try_get("portal")?).map_err(corrupt("tool_settings.portal"))?,
        tool: Tool::parse(row.try_get("tool")?).map_err(corrupt("tool_settings.tool"))?,
        enabled: flag(row, "enabled")?,
        reason: reason
            .as_deref()
            .map(ToolReason::parse)
            .transpose()
            .map_err(corrupt("tool_settings.reason"))?,
    })
}

fn window_from_row(row: &AnyRow) -> Result<ToolWindow> {
    let portal: Option<String> = row.try_get("portal")?;
    let date = |column: &str| -> Result<Date> {
        let text: String = row.try_get(column)?;
        text.parse()
            .map_err(|_| StoreError::Corrupt(format!("tool_windows.{column} = {text:?}")))
    };
    Ok(ToolWindow {
        id: row.try_get("id")?,
        school: row.try_get("school_id")?,
        portal: portal
            .as_deref()
            .map(Portal::parse)
            .transpose()
            .map_err(corrupt("tool_windows.portal"))?,
        tool: Tool::parse(row.try_get("tool")?).map_err(corrupt("tool_windows.tool"))?,
        start: date("start_date")?,
        end: date("end_date")?,
        reason: ToolReason::parse(row.try_get("reason")?)
            .map_err(corrupt("tool_windows.reason"))?,
    })
}
