//! New User: activation keys that districts hand out, and turning one into an account.

use crate::app::App;
use crate::domain::{
    AccountKind, ActivationKey, CROCKFORD, District, Failures, KEY_LENGTH, Username, WINDOW_SECONDS,
};
use crate::secrets;
use crate::store::{
    AuditEntry, FailureScope, KeyRecord, KeyScope, NewAccount, PersonRecord, SessionKind,
};

use super::auth::{self, Client, Device, LoggedIn};
use super::{Error, Result, captcha};

/// A key just made, to print on a letter or show once. Only its hash is stored.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    pub person: PersonRecord,
    pub key: ActivationKey,
    pub expires_at: i64,
}

/// Makes keys for everyone in scope (see [`KeyScope`]) in one transaction; a newer key
/// replaces a person's older ones.
pub async fn generate(
    app: &App,
    district: &District,
    scope: &KeyScope,
    actor: &str,
) -> Result<Vec<IssuedKey>> {
    let now = app.clock.unix();
    let people = app.store.people_for_keys(district.id, scope, now).await?;
    let expires_at = now + i64::from(district.settings.key_lifetime_days) * 86_400;
    let mut issued = Vec::with_capacity(people.len());
    let mut tx = app.store.begin().await?;
    for person in people {
        let key = ActivationKey::parse(&secrets::code(CROCKFORD, KEY_LENGTH)?)?;
        tx.issue_key(district.id, person.id, &key_hash(&key), now, expires_at)
            .await?;
        tx.audit(
            AuditEntry {
                district: Some(district.id),
                actor,
                action: "key.issued",
                target: Some(&person.sourced_id),
                ..Default::default()
            },
            now,
        )
        .await?;
        issued.push(IssuedKey {
            person,
            key,
            expires_at,
        });
    }
    tx.commit().await?;
    Ok(issued)
}

fn key_hash(key: &ActivationKey) -> String {
    secrets::hash_token(key.normalized())
}

/// The first step of New User: whose key this is, if it is live. Wrong keys count against the
/// address, and past the district's threshold a CAPTCHA is asked for, as for logins.
pub async fn check(
    app: &App,
    district: &District,
    typed_key: &str,
    captcha: Option<(&str, &str)>,
    client: &Client,
) -> Result<PersonRecord> {
    let (_, person) = live_key(app, district, typed_key, captcha, client).await?;
    Ok(person)
}

pub struct Activation<'a> {
    pub key: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub captcha: Option<(&'a str, &'a str)>,
    pub kind: SessionKind,
    pub device: Device,
}

/// Creates the account for the key's person, in the portal their role belongs to, and logs it
/// in. The key is spent in the same transaction that creates the account: if anything fails
/// the key stays valid, and of two activations racing with one key exactly one succeeds.
pub async fn activate(
    app: &App,
    district: &District,
    request: Activation<'_>,
    client: &Client,
) -> Result<LoggedIn> {
    activate_or_refuse(app, district, request, client)
        .await
        .map_err(|refusal| refusal.error)
}

/// Why an activation was refused. `person` is the key's person when the key was live and the
/// CAPTCHA, if one was due, was solved, but something else was wrong (the username or the
/// password): a form can then ask again for those alone.
#[derive(Debug)]
pub struct Refusal {
    pub error: Error,
    pub person: Option<PersonRecord>,
}

/// [`activate`], saying whose key it was when the refusal came after the key was checked.
pub async fn activate_or_refuse(
    app: &App,
    district: &District,
    request: Activation<'_>,
    client: &Client,
) -> Result<LoggedIn, Refusal> {
    request.device.check().map_err(|invalid| Refusal {
        error: invalid.into(),
        person: None,
    })?;
    let (key, person) = live_key(app, district, request.key, request.captcha, client)
        .await
        .map_err(|error| Refusal {
            error,
            person: None,
        })?;
    match create(app, district, &request, client, &key, &person).await {
        Ok(logged_in) => Ok(logged_in),
        Err(error @ (Error::UsernameTaken | Error::Invalid(_) | Error::WeakPassword(_))) => {
            Err(Refusal {
                error,
                person: Some(person),
            })
        }
        Err(error) => Err(Refusal {
            error,
            person: None,
        }),
    }
}

async fn create(
    app: &App,
    district: &District,
    request: &Activation<'_>,
    client: &Client,
    key: &KeyRecord,
    person: &PersonRecord,
) -> Result<LoggedIn> {
    let kind = AccountKind::for_role(person.role).ok_or(Error::InvalidKey)?;
    let username = Username::parse(request.username)?;
    auth::policy(district, username.as_str()).check(request.password)?;
    let hash = app.passwords.hash(request.password).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    if !tx.consume_key(key.id, now).await? {
        return Err(Error::InvalidKey);
    }
    let new = NewAccount {
        district: district.id,
        person_id: person.id,
        kind,
        username: &username,
        password_hash: &hash,
        must_change_password: false,
    };
    let id = auth::insert_account(&mut tx, &new, now).await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: "anonymous",
            account: Some(id),
            action: "account.activated",
            target: Some(&person.sourced_id),
            detail: Some(username.as_str().to_owned()),
            address: Some(&client.address),
            user_agent: client.user_agent.as_deref(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let (account, _) = app
        .store
        .account(district.id, id)
        .await?
        .ok_or_else(|| Error::internal("the new account is missing"))?;
    auth::start_session(
        app,
        district,
        &account,
        request.kind,
        &request.device,
        client,
    )
    .await
}

/// The key record and its person, for a typed key that is live.
async fn live_key(
    app: &App,
    district: &District,
    typed_key: &str,
    captcha: Option<(&str, &str)>,
    client: &Client,
) -> Result<(KeyRecord, PersonRecord)> {
    let now = app.clock.unix();
    let audit = |action: &'static str, detail: Option<String>| AuditEntry {
        district: Some(district.id),
        actor: "anonymous",
        action,
        detail,
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
        ..Default::default()
    };
    // Counted as a failure until the key turns out live, as logins are, so that parallel tries
    // cannot all slip under the CAPTCHA threshold.
    let (attempt, by_address) = app
        .store
        .count_attempt(
            district.id,
            FailureScope::Address,
            &client.address,
            now,
            now - WINDOW_SECONDS,
        )
        .await?;
    if district
        .settings
        .throttle_rules()
        .assess(Failures::default(), by_address, now)
        .captcha_required
        && let Err(err) = captcha::demand(app, district.id, captcha, &client.address, &audit).await
    {
        app.store.forget_attempts(&[attempt]).await?;
        return Err(err);
    }
    let found = match ActivationKey::parse(typed_key) {
        Ok(key) => app.store.key_by_hash(district.id, &key_hash(&key)).await?,
        Err(_) => None,
    };
    let outcome = match found {
        Some(key) if key.spent => Err(Error::InvalidKey),
        Some(key) if key.expires_at <= now => Err(Error::ExpiredKey),
        // A person the district's rosters no longer list (deactivated by an import, say) gets
        // no account: their key answers like one that never existed.
        Some(key) => match app.store.person(district.id, key.person_id).await? {
            Some(person) if person.active => Ok((key, person)),
            _ => Err(Error::InvalidKey),
        },
        None => Err(Error::InvalidKey),
    };
    match &outcome {
        // The attempt stays counted as a failure.
        Err(err) => {
            app.store
                .audit(audit("key.failed", Some(err.code().to_owned())), now)
                .await?
        }
        Ok(_) => app.store.forget_attempts(&[attempt]).await?,
    }
    outcome
}
