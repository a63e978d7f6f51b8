//! Who is behind a page request, as extractors: a handler names what it needs in its arguments
//! and never checks by hand. Pages live under `/d/{slug}`; a session opens its own district's
//! pages only, and is sent to log in (or told nothing is there) anywhere else.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::App;
use crate::domain::{AccountKind, DistrictSlug};
use crate::server::error::PageError;
use crate::server::session;
use crate::services::Error;
use crate::services::access::Staff;
use crate::services::auth::Authenticated;

/// Signed in to this district, whether or not the password must still be changed. Without a
/// session: to the district's login page.
pub struct SignedIn(pub Authenticated);

/// Signed in, with the password settled: an account that must change it goes there first, and
/// staff who must set up a second factor go to do that.
pub struct Ready(pub Authenticated);

/// This district's staff, password settled. Without a session: to the staff login page; any
/// other account: the console does not exist.
pub struct StaffPage(pub Staff);

/// The `{slug}` of the request's path.
async fn slug(parts: &mut Parts, app: &App) -> Result<String, Response> {
    let not_found = || PageError(Error::NotFound).into_response();
    let params = RawPathParams::from_request_parts(parts, app)
        .await
        .map_err(|_| not_found())?;
    let raw = params
        .iter()
        .find(|(key, _)| *key == "slug")
        .map(|(_, value)| value)
        .ok_or_else(not_found)?;
    DistrictSlug::parse(raw)
        .map(|s| s.as_str().to_owned())
        .map_err(|_| not_found())
}

async fn signed_in(
    parts: &mut Parts,
    app: &App,
    portal: AccountKind,
) -> Result<Authenticated, Response> {
    let slug = slug(parts, app).await?;
    match session::authenticate_page(&parts.headers, app).await {
        Ok(who) if who.district.slug.as_str() == slug => Ok(who),
        Ok(_) | Err(Error::Unauthorized) => {
            Err(Redirect::to(&format!("/d/{slug}/{}", portal.as_str())).into_response())
        }
        Err(other) => Err(PageError(other).into_response()),
    }
}

fn settled(who: Authenticated) -> Result<Authenticated, Redirect> {
    if who.account.must_change_password {
        return Err(Redirect::to(&format!("/d/{}/password", who.district.slug)));
    }
    if crate::services::second_factor::must_enroll(&who.district, &who.account) {
        return Err(Redirect::to(&format!(
            "/d/{}/settings/second-factor",
            who.district.slug
        )));
    }
    Ok(who)
}

impl FromRequestParts<App> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        signed_in(parts, app, AccountKind::Parent).await.map(Self)
    }
}

impl FromRequestParts<App> for Ready {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        settled(signed_in(parts, app, AccountKind::Parent).await?)
            .map(Self)
            .map_err(IntoResponse::into_response)
    }
}

impl FromRequestParts<App> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let who = settled(signed_in(parts, app, AccountKind::Staff).await?)
            .map_err(IntoResponse::into_response)?;
        Staff::signed_in(who)
            .map(Self)
            .map_err(|err| PageError(err).into_response())
    }
}
