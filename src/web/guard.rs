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
use crate::services::auth::{self, Authenticated};

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
    match unsettled(&who) {
        Some(first) => Err(first),
        None => Ok(who),
    }
}

/// Where an account must go before the portal: to change its password, or (staff) to set up a
/// second factor.
fn unsettled(who: &Authenticated) -> Option<Redirect> {
    if who.account.must_change_password {
        return Some(Redirect::to(&format!("/d/{}/password", who.district.slug)));
    }
    if crate::services::second_factor::must_enroll(&who.district, &who.account) {
        return Some(Redirect::to(&format!(
            "/d/{}/settings/second-factor",
            who.district.slug
        )));
    }
    None
}

/// A page that reads a student's record, for whom [`Ready`] lets in: the session is found
/// beside the read rather than before it (`services::auth::beside_session`), and nothing of
/// the read is shown unless it is the same.
pub struct Reading {
    slug: String,
    token: Option<String>,
}

impl FromRequestParts<App> for Reading {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        Ok(Self {
            slug: slug(parts, app).await?,
            token: session::presented_token(&parts.headers, &app.config),
        })
    }
}

impl Reading {
    /// Who [`Ready`] lets in, found before anything else is done.
    pub async fn ready(self, app: &App) -> Result<Authenticated, Response> {
        self.read(app, |_| std::future::ready(()))
            .await
            .map(|(who, ())| who)
    }

    /// `work` done for who [`Ready`] lets in, and who that is; or where the request goes
    /// instead, exactly as [`Ready`] sends it.
    pub async fn read<T, Work: Future<Output = T>>(
        self,
        app: &App,
        work: impl Fn(Authenticated) -> Work,
    ) -> Result<(Authenticated, T), Response> {
        let login = || {
            Redirect::to(&format!(
                "/d/{}/{}",
                self.slug,
                AccountKind::Parent.as_str()
            ))
        };
        let Some(token) = self.token.as_deref() else {
            return Err(login().into_response());
        };
        let admit = |who: &Authenticated| {
            if who.district.slug.as_str() != self.slug {
                return Err(login());
            }
            unsettled(who).map_or(Ok(()), Err)
        };
        match auth::beside_session(app, token, auth::Lookup::Page, admit, work).await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(elsewhere)) => Err(elsewhere.into_response()),
            Err(Error::Unauthorized) => Err(login().into_response()),
            Err(other) => Err(PageError(other).into_response()),
        }
    }
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
