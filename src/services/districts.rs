//! Districts: adding them, their settings, finding them, and whether one is open to families.

use crate::app::App;
use crate::domain::{District, DistrictName, DistrictSlug, Invalid, SettingChange, StateCode};
use crate::store::{AuditEntry, DistrictCounts, DistrictFilter, NewDistrict, StoreError};

use super::{Error, Result};

/// The command line acts as the deployment's operator.
pub const OPERATOR: &str = "operator";

/// The finder answers at most this many districts at once.
pub const FINDER_LIMIT: u32 = 50;

pub async fn add(app: &App, slug: &str, name: &str, state: &str) -> Result<District> {
    add_as(app, slug, name, state, false).await
}

/// [`add`], for the demo (`demo`) or not.
pub(super) async fn add_as(
    app: &App,
    slug: &str,
    name: &str,
    state: &str,
    demo: bool,
) -> Result<District> {
    let new = NewDistrict {
        slug: DistrictSlug::parse(slug)?,
        name: DistrictName::parse(name)?,
        state: StateCode::parse(state)?,
        demo,
    };
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let district = match tx.insert_district(&new, now).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(Error::Conflict(Invalid::new(format!(
                "a district with the slug {:?} already exists",
                new.slug.as_str()
            ))));
        }
        other => other?,
    };
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: OPERATOR,
            action: "district.created",
            target: Some(district.slug.as_str()),
            detail: Some(format!("{} ({})", district.name, district.state)),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(slug = %district.slug, "district added");
    Ok(district)
}

/// Every district with what it holds, in name order.
pub async fn list(app: &App) -> Result<Vec<(District, DistrictCounts)>> {
    let filter = DistrictFilter {
        limit: u32::MAX,
        ..Default::default()
    };
    let mut listing = Vec::new();
    for district in app.store.find_districts(&filter).await? {
        let counts = app.store.district_counts(district.id).await?;
        listing.push((district, counts));
    }
    Ok(listing)
}

/// A district by slug for the operator and staff, whether or not it is in maintenance; an
/// unknown slug is said plainly.
pub async fn by_slug(app: &App, slug: &str) -> Result<District> {
    let slug = DistrictSlug::parse(slug)?;
    app.store
        .district_by_slug(&slug)
        .await?
        .ok_or_else(|| unknown_slug(&slug))
}

fn unknown_slug(slug: &DistrictSlug) -> Error {
    Error::Invalid(crate::domain::Invalid::new(format!(
        "no district has the slug {:?}",
        slug.as_str()
    )))
}

/// Changes one setting and records who changed it. Takes effect on the next request: nothing
/// caches settings, so no restart is needed.
pub async fn set(app: &App, slug: &str, key: &str, value: &str) -> Result<District> {
    let slug = DistrictSlug::parse(slug)?;
    let change = SettingChange::parse(key, value)?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let mut district = tx
        .district_by_slug(&slug)
        .await?
        .ok_or_else(|| unknown_slug(&slug))?;
    tx.update_district_setting(district.id, &change, now)
        .await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: OPERATOR,
            action: "district.setting_changed",
            target: Some(change.key()),
            detail: Some(change.value_text()),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    district.settings.apply(&change);
    Ok(district)
}

/// The district finder: by part of the name and by state, either or both. Blank input means
/// "any".
pub async fn find(
    app: &App,
    name_part: Option<&str>,
    state: Option<&str>,
) -> Result<Vec<District>> {
    let name_part = match name_part {
        Some(q) => crate::domain::search_text("the district's name", q, 100)?,
        None => None,
    };
    let state = state
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(StateCode::parse)
        .transpose()?;
    let filter = DistrictFilter {
        name_part: name_part.map(str::to_owned),
        state,
        limit: FINDER_LIMIT,
    };
    Ok(app.store.find_districts(&filter).await?)
}

/// The district behind `/d/{slug}/…` and `/api/v1/districts/{slug}/…`, if families may use it
/// now. This is the one place that decides: a slug that is malformed or unknown is `NotFound`,
/// and a district in maintenance is `DistrictUnavailable` with its message.
pub async fn open(app: &App, slug: &str) -> Result<District> {
    let slug = DistrictSlug::parse(slug).map_err(|_| Error::NotFound)?;
    let district = app
        .store
        .district_by_slug(&slug)
        .await?
        .ok_or(Error::NotFound)?;
    match district.maintenance() {
        Some(message) => Err(Error::DistrictUnavailable {
            district: district.name.to_string(),
            message: message.as_str().to_owned(),
        }),
        None => Ok(district),
    }
}

/// Linked Districts is offered where the deployment allows the district's state and the
/// district has it on.
pub fn linking_offered(app: &App, district: &District) -> bool {
    district.settings.linking && app.config.linking_states.contains(&district.state)
}
