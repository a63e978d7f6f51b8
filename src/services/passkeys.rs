//! Passkeys (WebAuthn): an account registers one with its password, lists and removes them,
//! and logs in with one instead of a password. A passkey is both factors at once: something
//! the family has (the device holding the key) unlocked by something it is or knows (the
//! device's own screen lock, which the ceremony requires).
//!
//! The checks are the `webauthn-rs` library's; this module keeps each ceremony's state in the
//! database (any node may finish what another started, once), maps a passkey to exactly one
//! account of the district by its credential id and the account's random user handle, and
//! keeps the credential's counter, which the library uses to spot a cloned key.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Serialize;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::auth::{
    self, Authenticated, Client, Device, LoggedIn, ProofFor, Start, account_entry, prove_password,
};
use super::security::{self, Notice, Recipient};
use super::{Error, Result};
use crate::app::App;
use crate::domain::{AccountKind, District, DistrictId, Invalid, PasskeyName};
use crate::secrets;
use crate::store::{AuditEntry, Ceremony, PasskeyListed, SessionKind};

/// How long a ceremony may take, from its options to the browser's answer.
const CEREMONY_SECONDS: i64 = 5 * 60;

/// The most passkeys one account holds.
pub const MAX_PASSKEYS: usize = 10;

const REGISTRATION: &str = "register";
const LOGIN: &str = "login";

/// The relying party this deployment is: its public address's host, with any port. `None`
/// when that host is an IP address, which WebAuthn does not accept as a relying party id.
pub fn relying_party(public_url: &Url) -> Option<Webauthn> {
    let host = public_url.domain()?;
    WebauthnBuilder::new(host, public_url)
        .ok()?
        .rp_name("Homeroom")
        .allow_any_port(true)
        .build()
        .ok()
}

fn rp(app: &App) -> Result<&Webauthn> {
    app.passkeys.as_ref().ok_or(Error::FeatureDisabled)
}

/// What the browser is asked, with the id of the ceremony that finishes it.
#[derive(Debug, Serialize)]
pub struct Options<T> {
    pub ceremony: String,
    pub options: T,
}

fn try_again() -> Error {
    Error::Invalid(Invalid::worded(
        "The passkey request ran out or was already used. Try again.",
        "passkey-try-again",
        vec![],
    ))
}

fn not_accepted() -> Error {
    Error::Invalid(Invalid::worded(
        "This passkey could not be added. Try again, or use another device.",
        "passkey-not-accepted",
        vec![],
    ))
}

fn internal(err: impl std::fmt::Display) -> Error {
    Error::internal(format!("passkeys: {err}"))
}

/// The most ceremonies one address may have under way: each is a row until it expires.
const LIVE_PER_ADDRESS: i64 = 20;

/// Keeps a ceremony's state under a new random id, which only its hash names in the store.
async fn keep(app: &App, kind: &str, ceremony: &Ceremony, client: &Client) -> Result<String> {
    let id = secrets::token()?;
    let now = app.clock.unix();
    let kept = app
        .store
        .keep_ceremony(
            &secrets::hash_token(&id),
            ceremony,
            kind,
            &client.address,
            LIVE_PER_ADDRESS,
            now,
            now + CEREMONY_SECONDS,
        )
        .await?;
    if !kept {
        return Err(Error::RateLimited {
            retry_after: u64::try_from(CEREMONY_SECONDS).unwrap_or(300),
        });
    }
    Ok(id)
}

async fn take(app: &App, district: DistrictId, kind: &str, id: &str) -> Result<Ceremony> {
    if id.is_empty() || id.len() > 128 {
        return Err(try_again());
    }
    app.store
        .take_ceremony(district, &secrets::hash_token(id), kind, app.clock.unix())
        .await?
        .ok_or_else(try_again)
}

/// Starts registering a passkey, after the account's password (a wrong one counts like a failed
/// login: a stolen session alone cannot add a way in).
pub async fn begin_registration(
    app: &App,
    who: &Authenticated,
    password: &str,
    client: &Client,
) -> Result<Options<serde_json::Value>> {
    let rp = rp(app)?;
    prove_password(app, who, password, client, ProofFor::PasskeyRegistration).await?;
    let (district, account) = (who.district.id, who.account.id);
    let existing = app.store.passkey_credentials(district, account).await?;
    if existing.len() >= MAX_PASSKEYS {
        return Err(Error::TooMany(Invalid::worded(
            format!("An account holds at most {MAX_PASSKEYS} passkeys. Remove one first."),
            "passkey-too-many",
            vec![("max", MAX_PASSKEYS.to_string())],
        )));
    }
    let exclude = existing
        .iter()
        .filter_map(|json| serde_json::from_str::<Passkey>(json).ok())
        .map(|p| p.cred_id().clone())
        .collect();
    let fresh = Uuid::from_bytes(secrets::random_bytes::<16>()?).to_string();
    let handle = app
        .store
        .give_passkey_handle(district, account, &fresh)
        .await?
        .and_then(|h| Uuid::parse_str(&h).ok())
        .ok_or_else(|| internal("the account has no passkey handle"))?;
    let username = who.account.username.as_str();
    let (options, state) = rp
        .start_passkey_registration(handle, username, username, Some(exclude))
        .map_err(internal)?;
    // A passkey the login page can find without a username: the key must live on the device
    // (the library's options leave that to the device; its checks do not depend on it).
    let mut options = serde_json::to_value(&options).map_err(internal)?;
    options["publicKey"]["authenticatorSelection"]["residentKey"] = "required".into();
    options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = true.into();
    let ceremony = Ceremony {
        district,
        account: Some(account),
        state: serde_json::to_string(&state).map_err(internal)?,
    };
    Ok(Options {
        ceremony: keep(app, REGISTRATION, &ceremony, client).await?,
        options,
    })
}

/// Finishes registering: the browser's answer checked against the ceremony's challenge, the
/// passkey kept under `name`, audited, and the account told.
pub async fn finish_registration(
    app: &App,
    who: &Authenticated,
    ceremony: &str,
    name: Option<&str>,
    credential: &RegisterPublicKeyCredential,
    client: &Client,
) -> Result<PasskeyListed> {
    let rp = rp(app)?;
    let ceremony = take(app, who.district.id, REGISTRATION, ceremony).await?;
    if ceremony.account != Some(who.account.id) {
        return Err(try_again());
    }
    let fallback = super::auth::device_words(client.user_agent.as_deref());
    let name = PasskeyName::parse(name, &fallback)?;
    let state: PasskeyRegistration = serde_json::from_str(&ceremony.state).map_err(internal)?;
    let passkey = rp
        .finish_passkey_registration(credential, &state)
        .map_err(|err| {
            tracing::info!(error = %err, "a passkey registration was refused");
            not_accepted()
        })?;
    let credential_id = Base64UrlUnpadded::encode_string(passkey.cred_id());
    let json = serde_json::to_string(&passkey).map_err(internal)?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let id = tx
        .insert_passkey(
            who.district.id,
            who.account.id,
            &credential_id,
            name.as_str(),
            &json,
            now,
        )
        .await
        .map_err(|err| match err {
            // A credential id the district knows already: never two owners for one key.
            crate::store::StoreError::Conflict { .. } => not_accepted(),
            other => other.into(),
        })?;
    tx.audit(
        account_entry(who, "passkey.added", Some(name.as_str().to_owned()), client),
        now,
    )
    .await?;
    security::tell(
        &mut tx,
        Recipient::of(&who.district, &who.account),
        &Notice::PasskeyAdded {
            other: name.as_str().to_owned(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(PasskeyListed {
        id,
        name: name.as_str().to_owned(),
        created_at: now,
        last_used_at: None,
    })
}

pub async fn list(app: &App, who: &Authenticated) -> Result<Vec<PasskeyListed>> {
    Ok(app
        .store
        .passkeys_of(who.district.id, who.account.id)
        .await?)
}

/// Removes one of the account's passkeys, audited, the account told.
pub async fn remove(app: &App, who: &Authenticated, id: i64, client: &Client) -> Result<()> {
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let name = tx
        .delete_passkey(who.district.id, who.account.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.audit(
        account_entry(who, "passkey.removed", Some(name.clone()), client),
        now,
    )
    .await?;
    security::tell(
        &mut tx,
        Recipient::of(&who.district, &who.account),
        &Notice::PasskeyRemoved { other: name },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts a login with a passkey: a challenge for any passkey of this site, which the device
/// finds on its own (no username is asked).
pub async fn begin_login(
    app: &App,
    district: &District,
    client: &Client,
) -> Result<Options<RequestChallengeResponse>> {
    let rp = rp(app)?;
    let (mut options, state) = rp.start_discoverable_authentication().map_err(internal)?;
    // The login page asks when the family presses the button, not from the username field.
    options.mediation = None;
    let ceremony = Ceremony {
        district: district.id,
        account: None,
        state: serde_json::to_string(&state).map_err(internal)?,
    };
    Ok(Options {
        ceremony: keep(app, LOGIN, &ceremony, client).await?,
        options,
    })
}

/// A login with a passkey, as a page or the API gives it.
pub struct PasskeyLogin<'a> {
    pub portal: AccountKind,
    pub ceremony: &'a str,
    pub credential: &'a PublicKeyCredential,
    pub kind: SessionKind,
    pub device: Device,
}

/// Finishes a login with a passkey: the ceremony taken (once), the passkey found among the
/// district's by its credential id and owned by the account its user handle names, its
/// signature and counter checked; then a session, exactly as a password login starts one. Every
/// refusal answers `invalid_credentials`, audited with its reason.
pub async fn finish_login(
    app: &App,
    district: &District,
    login: PasskeyLogin<'_>,
    client: &Client,
) -> Result<LoggedIn> {
    let rp = rp(app)?;
    login.device.check()?;
    let ceremony = take(app, district.id, LOGIN, login.ceremony).await?;
    let now = app.clock.unix();
    let refuse = |reason: &'static str, account: Option<crate::domain::AccountId>| async move {
        app.store
            .audit(
                AuditEntry {
                    district: Some(district.id),
                    actor: "anonymous",
                    account,
                    action: "login.failed",
                    target: None,
                    detail: Some(reason.to_owned()),
                    address: Some(&client.address),
                    user_agent: client.user_agent.as_deref(),
                },
                now,
            )
            .await?;
        Err::<LoggedIn, Error>(Error::InvalidCredentials)
    };
    let state: DiscoverableAuthentication =
        serde_json::from_str(&ceremony.state).map_err(internal)?;
    let Ok((handle, credential_id)) = rp.identify_discoverable_authentication(login.credential)
    else {
        return refuse("passkey_unreadable", None).await;
    };
    let credential_id = Base64UrlUnpadded::encode_string(credential_id);
    let Some(record) = app
        .store
        .passkey_by_credential(district.id, &credential_id)
        .await?
    else {
        return refuse("passkey_unknown", None).await;
    };
    if record.handle.as_deref() != Some(handle.to_string().as_str()) {
        return refuse("passkey_wrong_user", Some(record.account)).await;
    }
    let mut passkey: Passkey = serde_json::from_str(&record.credential).map_err(internal)?;
    let result = match rp.finish_discoverable_authentication_v2(login.credential, state, &passkey) {
        Ok(result) => result,
        Err(err) => {
            tracing::info!(error = %err, "a passkey login was refused");
            return refuse("passkey_refused", Some(record.account)).await;
        }
    };
    let (account, _) = app
        .store
        .account(district.id, record.account)
        .await?
        .ok_or(Error::InvalidCredentials)?;
    if !account.active {
        return refuse("disabled", Some(account.id)).await;
    }
    if account.kind != login.portal {
        let entry = AuditEntry {
            district: Some(district.id),
            actor: "anonymous",
            account: Some(account.id),
            action: "login.wrong_portal",
            target: Some(account.username.as_str()),
            detail: Some(format!("{} (passkey)", login.portal.as_str())),
            address: Some(&client.address),
            user_agent: client.user_agent.as_deref(),
        };
        app.store.audit(entry, now).await?;
        return Err(Error::WrongPortal(account.kind));
    }
    let changed = passkey
        .update_credential(&result)
        .filter(|changed| *changed)
        .map(|_| serde_json::to_string(&passkey))
        .transpose()
        .map_err(internal)?;
    let mut tx = app.store.begin().await?;
    tx.passkey_used(district.id, record.id, changed.as_deref(), now)
        .await?;
    tx.commit().await?;
    auth::start_session_how(
        app,
        district,
        &account,
        login.kind,
        &login.device,
        client,
        Start::Passkey,
    )
    .await
}
