//! Districts and their settings.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, Store, StoreError, Tx, count, flag};
use crate::domain::{
    ClockTime, District, DistrictId, DistrictName, DistrictSettings, DistrictSlug, EventSet,
    GradingScale, MaintenanceMessage, OfficeEmail, SettingChange, StaffSecondFactor, StateCode,
    SyncInterval, TimeZoneName, fold_for_search,
};

macro_rules! district_columns {
    () => {
        "id, slug, name, state, timezone, forgot_password, forgot_username, notifications, \
         linking, captcha_after_failures, captcha_after_address_failures, password_min_length, \
         key_lifetime_days, session_idle_minutes, maintenance_message, grading_scale, notification_events, \
         staff_second_factor, staff_reads_per_hour, absence_cutoff, absence_days_ahead, \
         absence_office_email, student_messaging, urgent_messages, sync_interval, revision"
    };
}

pub struct NewDistrict {
    pub slug: DistrictSlug,
    pub name: DistrictName,
    pub state: StateCode,
    /// Made by `serve --demo`.
    pub demo: bool,
}

/// What the district finder asks for. `name_part` matches anywhere in the name, ignoring case.
#[derive(Debug, Default, Clone)]
pub struct DistrictFilter {
    pub name_part: Option<String>,
    pub state: Option<StateCode>,
    pub limit: u32,
}

/// How much a district holds, for the operator's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DistrictCounts {
    pub schools: u32,
    pub students: u32,
    pub guardians: u32,
    pub relationships: u32,
    pub classes: u32,
}

impl Store {
    /// The slugs of the districts `serve --demo` did not make.
    pub async fn districts_not_from_demo(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT slug FROM districts WHERE demo = $1 ORDER BY slug")
            .bind(false)
            .fetch_all(self.pool()?)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("slug")?)).collect()
    }

    pub async fn district_by_slug(&self, slug: &DistrictSlug) -> Result<Option<District>> {
        district_by_slug(self.pool()?, slug).await
    }

    pub async fn district_by_id(&self, id: DistrictId) -> Result<Option<District>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            district_columns!(),
            " FROM districts WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(district_from_row).transpose()
    }

    /// Districts in name order, filtered as asked.
    pub async fn find_districts(&self, filter: &DistrictFilter) -> Result<Vec<District>> {
        let pattern = filter
            .name_part
            .as_deref()
            .map(|part| format!("%{}%", escape_like(&fold_for_search(part))));
        let rows = sqlx::query(concat!(
            "SELECT ",
            district_columns!(),
            " FROM districts \
              WHERE ($1 IS NULL OR name_folded LIKE $1 ESCAPE '\\') \
                AND ($2 IS NULL OR state = $2) \
              ORDER BY name_folded, id LIMIT $3"
        ))
        .bind(pattern)
        .bind(filter.state.map(StateCode::code))
        .bind(i64::from(filter.limit))
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(district_from_row).collect()
    }

    pub async fn district_counts(&self, id: DistrictId) -> Result<DistrictCounts> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM schools WHERE district_id = $1) AS schools, \
               (SELECT COUNT(*) FROM people WHERE district_id = $1 AND role = 'student') AS students, \
               (SELECT COUNT(*) FROM people WHERE district_id = $1 AND role = 'guardian') AS guardians, \
               (SELECT COUNT(*) FROM relationships WHERE district_id = $1) AS relationships, \
               (SELECT COUNT(*) FROM classes WHERE district_id = $1) AS classes",
        )
        .bind(id.0)
        .fetch_one(self.pool()?)
        .await?;
        Ok(DistrictCounts {
            schools: count(&row, "schools")?,
            students: count(&row, "students")?,
            guardians: count(&row, "guardians")?,
            relationships: count(&row, "relationships")?,
            classes: count(&row, "classes")?,
        })
    }
}

impl Tx {
    pub async fn district_by_slug(&mut self, slug: &DistrictSlug) -> Result<Option<District>> {
        district_by_slug(self.conn(), slug).await
    }

    /// Adds a district with the default settings. A slug in use is a `Conflict`.
    pub async fn insert_district(&mut self, new: &NewDistrict, now: i64) -> Result<District> {
        let settings = DistrictSettings::defaults_for(new.state);
        let row = sqlx::query(
            "INSERT INTO districts (slug, name, name_folded, state, timezone, forgot_password, \
               forgot_username, notifications, linking, captcha_after_failures, \
               captcha_after_address_failures, password_min_length, key_lifetime_days, \
               session_idle_minutes, demo, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $15, $15) \
             RETURNING id",
        )
        .bind(new.slug.as_str())
        .bind(new.name.as_str())
        .bind(fold_for_search(new.name.as_str()))
        .bind(new.state.code())
        .bind(settings.timezone.as_str())
        .bind(settings.forgot_password)
        .bind(settings.forgot_username)
        .bind(settings.notifications)
        .bind(settings.linking)
        .bind(i64::from(settings.captcha_after_failures))
        .bind(i64::from(settings.captcha_after_address_failures))
        .bind(i64::from(settings.password_min_length))
        .bind(i64::from(settings.key_lifetime_days))
        .bind(i64::from(settings.session_idle_minutes))
        .bind(now)
        .bind(new.demo)
        .fetch_one(self.conn())
        .await?;
        Ok(District {
            id: DistrictId(row.try_get("id")?),
            slug: new.slug.clone(),
            name: new.name.clone(),
            state: new.state,
            settings,
            revision: 0,
        })
    }

    pub async fn update_district_setting(
        &mut self,
        id: DistrictId,
        change: &SettingChange,
        now: i64,
    ) -> Result<()> {
        macro_rules! set {
            ($column:literal) => {
                concat!(
                    "UPDATE districts SET ",
                    $column,
                    " = $1, updated_at = $2, revision = revision + 1 WHERE id = $3"
                )
            };
        }
        let query = match change {
            SettingChange::ForgotPassword(on) => sqlx::query(set!("forgot_password")).bind(*on),
            SettingChange::ForgotUsername(on) => sqlx::query(set!("forgot_username")).bind(*on),
            SettingChange::Notifications(on) => sqlx::query(set!("notifications")).bind(*on),
            SettingChange::Linking(on) => sqlx::query(set!("linking")).bind(*on),
            SettingChange::StudentMessaging(on) => sqlx::query(set!("student_messaging")).bind(*on),
            SettingChange::UrgentMessages(on) => sqlx::query(set!("urgent_messages")).bind(*on),
            SettingChange::CaptchaAfterFailures(n) => {
                sqlx::query(set!("captcha_after_failures")).bind(i64::from(*n))
            }
            SettingChange::CaptchaAfterAddressFailures(n) => {
                sqlx::query(set!("captcha_after_address_failures")).bind(i64::from(*n))
            }
            SettingChange::PasswordMinLength(n) => {
                sqlx::query(set!("password_min_length")).bind(i64::from(*n))
            }
            SettingChange::KeyLifetimeDays(n) => {
                sqlx::query(set!("key_lifetime_days")).bind(i64::from(*n))
            }
            SettingChange::SessionIdleMinutes(n) => {
                sqlx::query(set!("session_idle_minutes")).bind(i64::from(*n))
            }
            SettingChange::Timezone(tz) => {
                sqlx::query(set!("timezone")).bind(tz.as_str().to_owned())
            }
            SettingChange::Maintenance(message) => sqlx::query(set!("maintenance_message"))
                .bind(message.as_ref().map(|m| m.as_str().to_owned())),
            SettingChange::GradingScale(scale) => {
                sqlx::query(set!("grading_scale")).bind(scale.to_string())
            }
            SettingChange::NotificationEvents(set) => {
                sqlx::query(set!("notification_events")).bind(set.to_string())
            }
            SettingChange::StaffSecondFactor(rule) => {
                sqlx::query(set!("staff_second_factor")).bind(rule.as_str())
            }
            SettingChange::StaffReadsPerHour(n) => {
                sqlx::query(set!("staff_reads_per_hour")).bind(i64::from(*n))
            }
            SettingChange::AbsenceCutoff(time) => {
                sqlx::query(set!("absence_cutoff")).bind(time.to_string())
            }
            SettingChange::AbsenceDaysAhead(n) => {
                sqlx::query(set!("absence_days_ahead")).bind(i64::from(*n))
            }
            SettingChange::AbsenceOfficeEmail(to) => sqlx::query(set!("absence_office_email"))
                .bind(to.as_ref().map(|t| t.as_str().to_owned())),
            SettingChange::SyncInterval(every) => {
                sqlx::query(set!("sync_interval")).bind(every.seconds().unwrap_or(0))
            }
        };
        query.bind(now).bind(id.0).execute(self.conn()).await?;
        Ok(())
    }

    /// Counts a change to what the district's families see (see [`District::revision`]); the
    /// setting changes above count themselves. Answers the district's new revision.
    pub async fn bump_revision(&mut self, id: DistrictId) -> Result<i64> {
        let row = sqlx::query(
            "UPDATE districts SET revision = revision + 1 WHERE id = $1 RETURNING revision",
        )
        .bind(id.0)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("revision")?)
    }
}

async fn district_by_slug<'e, E>(executor: E, slug: &DistrictSlug) -> Result<Option<District>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        district_columns!(),
        " FROM districts WHERE slug = $1"
    ))
    .bind(slug.as_str())
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(district_from_row).transpose()
}

fn district_from_row(row: &AnyRow) -> Result<District> {
    let maintenance: Option<String> = row.try_get("maintenance_message")?;
    let grading_scale: Option<String> = row.try_get("grading_scale")?;
    let notification_events: Option<String> = row.try_get("notification_events")?;
    let office_email: Option<String> = row.try_get("absence_office_email")?;
    Ok(District {
        id: DistrictId(row.try_get("id")?),
        slug: DistrictSlug::parse(row.try_get("slug")?)?,
        name: DistrictName::parse(row.try_get("name")?)?,
        state: StateCode::parse(row.try_get("state")?)?,
        settings: DistrictSettings {
            forgot_password: flag(row, "forgot_password")?,
            forgot_username: flag(row, "forgot_username")?,
            notifications: flag(row, "notifications")?,
            linking: flag(row, "linking")?,
            captcha_after_failures: count(row, "captcha_after_failures")?,
            captcha_after_address_failures: count(row, "captcha_after_address_failures")?,
            password_min_length: count(row, "password_min_length")?,
            key_lifetime_days: count(row, "key_lifetime_days")?,
            session_idle_minutes: count(row, "session_idle_minutes")?,
            staff_second_factor: StaffSecondFactor::parse(row.try_get("staff_second_factor")?)?,
            staff_reads_per_hour: count(row, "staff_reads_per_hour")?,
            timezone: TimeZoneName::parse(row.try_get("timezone")?)?,
            maintenance: maintenance
                .as_deref()
                .map(MaintenanceMessage::parse)
                .transpose()
                .map_err(StoreError::from)?,
            grading_scale: match grading_scale {
                Some(text) => GradingScale::parse(&text)?,
                None => GradingScale::default(),
            },
            notification_events: match notification_events {
                Some(text) => EventSet::parse(&text)?,
                None => EventSet::all(),
            },
            absence_cutoff: ClockTime::parse("absence_cutoff", row.try_get("absence_cutoff")?)?,
            absence_days_ahead: count(row, "absence_days_ahead")?,
            absence_office_email: office_email
                .as_deref()
                .map(OfficeEmail::parse)
                .transpose()?,
            student_messaging: flag(row, "student_messaging")?,
            urgent_messages: flag(row, "urgent_messages")?,
            sync_interval: SyncInterval::from_seconds(row.try_get("sync_interval")?),
        },
        revision: row.try_get("revision")?,
    })
}

/// Makes `%`, `_` and `\` in user input match themselves in a `LIKE ... ESCAPE '\'` pattern.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_in_input_are_escaped() {
        assert_eq!(super::escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}
