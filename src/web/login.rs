//! The district's login pages: `/d/{slug}/parent` and `/d/{slug}/student`.

use axum::extract::{Path, State};
use axum::response::Html;

use super::pages;
use crate::app::App;
use crate::server::error::PageError;
use crate::services::{self, Error};

pub async fn page(
    State(app): State<App>,
    Path((slug, portal)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let (title, other, other_title) = match portal.as_str() {
        "parent" => (
            "Parent Portal",
            "student",
            "Student? Go to the Student portal",
        ),
        "student" => (
            "Student Portal",
            "parent",
            "Parent? Go to the Parent portal",
        ),
        _ => return Err(Error::NotFound.into()),
    };
    let district = services::districts::open(&app, &slug).await?;
    Ok(Html(pages::render(&pages::Login {
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        state_name: district.state.name(),
        portal: &portal,
        portal_title: title,
        other_portal: other,
        other_portal_title: other_title,
    })))
}
