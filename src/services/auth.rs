//! Logging in and out, sessions and app tokens, changing a password, and staff accounts.

use crate::app::App;
use crate::domain::{
    Account, AccountKind, District, DistrictId, Failures, PasswordPolicy, PersonRole, SourcedId,
    Username, WINDOW_SECONDS, fold_username,
};
use crate::domain::{
    AccountId, Invalid, RecoveryCode, SecondFactorProof, SessionSecret, StaffSecondFactor, TotpCode,
};
use crate::secrets;
use crate::store::Tx;
use crate::store::{
    AttemptId, AuditEntry, DeviceSeen, FailureScope, NewAccount, NewPerson, NewSession,
    SessionKind, SessionRecord, StoreError,
};

use super::security::{NamedDevice, Notice, Recipient};
use super::{Error, Result, captcha, second_factor, security};

/// A web session, and a staff member's app token, ends after this long whatever happens.
pub const WEB_ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;

/// A staff member's app token ends after this long unused: it opens every family's records.
pub const STAFF_TOKEN_IDLE_SECONDS: i64 = 30 * 60;

/// How long a session lives: in all from its start, and unused (`None`: however long).
fn lifetime(
    kind: SessionKind,
    account: AccountKind,
    district: &District,
    app: &App,
) -> (i64, Option<i64>) {
    match (kind, account) {
        (SessionKind::Web, _) => (
            WEB_ABSOLUTE_SECONDS,
            Some(i64::from(district.settings.session_idle_minutes) * 60),
        ),
        (SessionKind::App, AccountKind::Staff) => {
            (WEB_ABSOLUTE_SECONDS, Some(STAFF_TOKEN_IDLE_SECONDS))
        }
        (SessionKind::App, _) => (i64::from(app.config.app_token_days) * 24 * 60 * 60, None),
    }
}

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone)]
pub struct Client {
    pub address: String,
    pub user_agent: Option<String>,
}

/// The device a login comes from: what a mobile app says of itself, or a browser's device
/// cookie.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub id: Option<String>,
    pub name: Option<String>,
    pub platform: Option<String>,
    /// The browser's device cookie: a random id it keeps for a year, known here only by its
    /// hash, so that a login from a browser the account has not used before can be told.
    pub browser: Option<String>,
}

impl Device {
    /// Refuses control characters in what the app says about itself, before anything is
    /// counted or stored.
    pub fn check(&self) -> Result<(), Invalid> {
        for (what, value) in [
            ("the device id", &self.id),
            ("the device name", &self.name),
            ("the platform", &self.platform),
        ] {
            if let Some(value) = value {
                crate::domain::refuse_control(what, value)?;
            }
        }
        Ok(())
    }

    /// The hash this device is known by to its accounts: the app's id for an app's session, the
    /// cookie for a browser's; none when it gave none.
    fn key(&self, kind: SessionKind) -> Option<String> {
        let id = match kind {
            SessionKind::Web => &self.browser,
            SessionKind::App => &self.id,
        };
        let id = id.as_deref().map(str::trim).filter(|id| !id.is_empty())?;
        Some(secrets::hash_token(&format!("{}:{id}", kind.as_str())))
    }

    /// What the alert of a new sign-in calls it: the app's name and platform, or the browser
    /// and system its `User-Agent` names.
    fn named(&self, kind: SessionKind, user_agent: Option<&str>) -> NamedDevice {
        let words = |s: &Option<String>| {
            s.as_deref()
                .map(|s| s.trim().chars().take(60).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        let seen = crate::domain::browser_on(user_agent.unwrap_or(""));
        let app = kind == SessionKind::App;
        NamedDevice {
            name: if app { words(&self.name) } else { None },
            browser: seen.browser.map(str::to_owned),
            system: (if app { words(&self.platform) } else { None })
                .or_else(|| seen.system.map(str::to_owned)),
        }
    }
}

/// A browser as its `User-Agent` names it ("Chrome on Android"), in the current language; empty
/// when it names neither browser nor system.
pub(super) fn device_words(user_agent: Option<&str>) -> String {
    let named = Device::default().named(SessionKind::Web, user_agent);
    if named.browser.is_none() && named.system.is_none() {
        return String::new();
    }
    named.words()
}

/// How long a device the account stopped using stays known.
const DEVICE_MEMORY_SECONDS: i64 = 400 * 24 * 60 * 60;

pub struct LoginRequest<'a> {
    /// The portal the person is logging in on.
    pub portal: AccountKind,
    pub username: &'a str,
    pub password: &'a str,
    /// `(challenge id, answer)`.
    pub captcha: Option<(&'a str, &'a str)>,
    /// A code from the account's authenticator app, or one of its recovery codes.
    pub second_factor: Option<SecondFactorGiven<'a>>,
    pub kind: SessionKind,
    pub device: Device,
}

/// A second factor as a login gives it.
#[derive(Debug, Clone, Copy)]
pub enum SecondFactorGiven<'a> {
    /// A code from the authenticator app.
    Totp(&'a str),
    RecoveryCode(&'a str),
    /// A form's one field, which takes either.
    Either(&'a str),
}

impl SecondFactorGiven<'_> {
    /// What it is, if it has the shape it claims; a malformed one proves nothing.
    fn proof(self) -> Option<SecondFactorProof> {
        match self {
            Self::Totp(code) => TotpCode::parse(code).map(SecondFactorProof::Totp),
            Self::RecoveryCode(code) => RecoveryCode::parse(code).map(SecondFactorProof::Recovery),
            Self::Either(text) => SecondFactorProof::parse(text),
        }
    }
}

/// A new session: the secret goes to the browser or app once and is never stored.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub expires_at: i64,
    pub account: Account,
}

/// Logs in, or says why not. The order matters: the attempt is counted as a failure before
/// anything is decided, so that parallel attempts cannot all see the same old count; then a
/// lock is checked, the CAPTCHA before the password, and the password (or a dummy of equal
/// cost) always, so that neither timing nor answers tell whether a username exists. An attempt
/// that is refused before its password is tried, or that succeeds, is taken back.
pub async fn login(
    app: &App,
    district: &District,
    request: LoginRequest<'_>,
    client: &Client,
) -> Result<LoggedIn> {
    use crate::metrics::Login;
    let outcome = try_login(app, district, request, client).await;
    app.metrics.login(match &outcome {
        Ok(_) => Login::Succeeded,
        Err(Error::InvalidCredentials | Error::WrongPortal(_)) => Login::Failed,
        Err(Error::CaptchaRequired(_) | Error::CaptchaInvalid(_)) => Login::CaptchaRequired,
        Err(Error::Locked { .. }) => Login::Locked,
        Err(_) => Login::Other,
    });
    outcome
}

async fn try_login(
    app: &App,
    district: &District,
    request: LoginRequest<'_>,
    client: &Client,
) -> Result<LoggedIn> {
    let subject = fold_username(request.username)?;
    request.device.check()?;
    let rules = district.settings.throttle_rules();
    let audit = |action: &'static str, detail: Option<String>| AuditEntry {
        district: Some(district.id),
        actor: "anonymous",
        action,
        target: Some(&subject),
        detail,
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
        ..Default::default()
    };
    let now = app.clock.unix();
    let (attempts, by_name, by_address) =
        count_attempt(app, district, &subject, &client.address, now).await?;
    let assessment = rules.assess(by_name, by_address, now);
    let failed = |app: &App| {
        let ids = [attempts.username, attempts.address];
        let app = app.clone();
        async move { app.store.confirm_attempts(&ids).await }
    };

    if let Some(until) = assessment.locked_until {
        forget(app, &attempts).await?;
        app.store
            .audit(audit("login.refused_locked", None), now)
            .await?;
        return Err(Error::Locked {
            until,
            retry_after: u64::try_from(until - now).unwrap_or(1).max(1),
            timezone: district.settings.timezone.as_str().to_owned(),
        });
    }
    if assessment.captcha_required
        && let Err(err) =
            captcha::demand(app, district.id, request.captcha, &client.address, &audit).await
    {
        forget(app, &attempts).await?;
        return Err(err);
    }

    let found = match Username::parse(request.username) {
        Ok(username) => {
            app.store
                .account_for_login(district.id, &username.folded())
                .await?
        }
        Err(_) => None,
    };
    let verification = app
        .passwords
        .verify(
            found.as_ref().map(|(_, hash)| hash.as_str()),
            request.password,
        )
        .await?;
    let reason = match &found {
        None => Some("unknown_username"),
        Some(_) if !verification.matches => Some("wrong_password"),
        Some((account, _)) if !account.active => Some("disabled"),
        Some(_) => None,
    };
    // Whether this login must show a second factor. Until one comes with it, the answer says
    // only that one is needed, never whether the password was right. On the staff portal of a
    // district that requires one, an unknown username answers the same way.
    let factor_expected = match &found {
        Some((account, _)) => account.second_factor,
        None => {
            request.portal == AccountKind::Staff
                && district.settings.staff_second_factor == StaffSecondFactor::Required
        }
    };
    let factor_missing = factor_expected && request.second_factor.is_none();
    // A failure: the attempt was counted already, and stays one.
    let fail = |reason: &'static str, account: Option<AccountId>| {
        let mut entry = audit("login.failed", Some(reason.to_owned()));
        entry.account = account;
        let locked = rules
            .lock_end(Failures {
                count: by_name.count + 1,
                newest: Some(now),
                oldest: by_name.oldest.or(Some(now)),
            })
            .map(|until| audit("login.locked", Some(format!("until {until}"))));
        async move {
            failed(app).await?;
            app.store.audit(entry, now).await?;
            if let Some(locked) = locked {
                app.store.audit(locked, now).await?;
            }
            Ok::<_, Error>(())
        }
    };
    if let Some(reason) = reason {
        fail(reason, found.as_ref().map(|(a, _)| a.id)).await?;
        return Err(if factor_missing {
            Error::SecondFactorRequired
        } else {
            Error::InvalidCredentials
        });
    }
    let Some((account, hash)) = found else {
        return Err(Error::InvalidCredentials);
    };
    if factor_missing {
        forget(app, &attempts).await?;
        return Err(Error::SecondFactorRequired);
    }
    if account.kind != request.portal {
        forget(app, &attempts).await?;
        let mut entry = audit(
            "login.wrong_portal",
            Some(request.portal.as_str().to_owned()),
        );
        entry.account = Some(account.id);
        app.store.audit(entry, now).await?;
        return Err(Error::WrongPortal(account.kind));
    }
    if account.second_factor {
        let proven = match request.second_factor.and_then(SecondFactorGiven::proof) {
            Some(proof) => second_factor::verify(app, &account, &proof).await?,
            None => false,
        };
        if !proven {
            fail("wrong_second_factor", Some(account.id)).await?;
            return Err(Error::InvalidSecondFactor);
        }
    }

    // A success forgets the username's failures, and the address's count loses this attempt.
    if by_name.count > 0 {
        app.store
            .clear_failures(district.id, FailureScope::Username, &subject)
            .await?;
        app.store.forget_attempts(&[attempts.address]).await?;
    } else {
        forget(app, &attempts).await?;
    }
    if verification.needs_rehash {
        let stronger = app.passwords.hash(request.password).await?;
        app.store
            .upgrade_password_hash(&account, &hash, &stronger)
            .await?;
    }
    let logged_in = start_session(
        app,
        district,
        &account,
        request.kind,
        &request.device,
        client,
    )
    .await?;
    tracing::info!(district = %district.slug, account = account.id.0, "logged in");
    Ok(logged_in)
}

/// After a failed try: a CAPTCHA for the next one, if the failure made it necessary.
pub async fn captcha_for_next_try(
    app: &App,
    district: &District,
    username: Option<&str>,
    client: &Client,
) -> Result<Option<captcha::Challenge>> {
    let now = app.clock.unix();
    let since = now - WINDOW_SECONDS;
    let by_name = match username {
        Some(name) => {
            app.store
                .failures(
                    district.id,
                    FailureScope::Username,
                    &fold_username(name)?,
                    since,
                )
                .await?
        }
        None => Failures::default(),
    };
    let by_address = app
        .store
        .failures(district.id, FailureScope::Address, &client.address, since)
        .await?;
    let rules = district.settings.throttle_rules();
    if !rules.assess(by_name, by_address, now).captcha_required {
        return Ok(None);
    }
    Ok(Some(
        captcha::issue(app, district.id, &client.address).await?,
    ))
}

/// Ends the session a secret belongs to, if it is live; quietly does nothing otherwise.
pub async fn discard(app: &App, token: &str) -> Result<()> {
    let Some(secret) = SessionSecret::parse(token) else {
        return Ok(());
    };
    if let Some(session) = app.store.session_by_secret(&secret).await? {
        app.store.delete_session(session.id).await?;
    }
    Ok(())
}

/// A login attempt as counted in both scopes.
struct Attempts {
    username: AttemptId,
    address: AttemptId,
}

/// Counts a login attempt for the username and the address, and answers the failures each had
/// besides it.
/// Writes a login's attempt (in flight) and answers the failures it is judged by. A username is
/// judged on its known failures: when the attempts made before this one and still in flight
/// could change what this one must face (a CAPTCHA, a lock) if they all failed, it waits for
/// them (across every node: they are in the database) for up to [`IN_FLIGHT_WAIT`], then
/// counts those still unknown as failures. Correct logins from several devices at once meet no
/// CAPTCHA; guesses made at once are still held to the allowance, one after another.
async fn count_attempt(
    app: &App,
    district: &District,
    subject: &str,
    address: &str,
    now: i64,
) -> Result<(Attempts, Failures, Failures)> {
    let since = now - WINDOW_SECONDS;
    let scopes = [
        (FailureScope::Username, subject),
        (FailureScope::Address, address),
    ];
    let rules = district.settings.throttle_rules();
    let mut counted = app
        .store
        .count_login_attempts(district.id, &scopes, now, since)
        .await?;
    let started = std::time::Instant::now();
    loop {
        let [(username, by_name), (address, by_address)] = counted[..] else {
            return Err(Error::internal("a login attempt went uncounted"));
        };
        let at_worst = (by_name.at_worst(now), by_address.at_worst(now));
        let settled = by_name.earlier + by_address.earlier == 0
            || rules.assess(at_worst.0, at_worst.1, now)
                == rules.assess(by_name.failures, by_address.failures, now);
        if settled || started.elapsed() >= IN_FLIGHT_WAIT {
            return Ok((Attempts { username, address }, at_worst.0, at_worst.1));
        }
        tokio::time::sleep(IN_FLIGHT_POLL).await;
        let attempts = [(scopes[0], username), (scopes[1], address)];
        counted = app
            .store
            .recount_login_attempts(district.id, &attempts, now, since)
            .await?;
    }
}

/// How long a login waits, at most, for the attempts before it to be known.
const IN_FLIGHT_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// How often it looks.
const IN_FLIGHT_POLL: std::time::Duration = std::time::Duration::from_millis(50);

async fn forget(app: &App, attempts: &Attempts) -> Result<()> {
    app.store
        .forget_attempts(&[attempts.username, attempts.address])
        .await?;
    Ok(())
}

pub(super) async fn start_session(
    app: &App,
    district: &District,
    account: &Account,
    kind: SessionKind,
    device: &Device,
    client: &Client,
) -> Result<LoggedIn> {
    start_session_how(app, district, account, kind, device, client, Start::Login).await
}

/// How a session starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    /// A login with a password (or a new account's first session).
    Login,
    /// A login with a passkey.
    Passkey,
    /// A switch from a linked account.
    Switch,
    /// A sign-in with the district's identity provider.
    Sso,
}

impl Start {
    fn action(self) -> &'static str {
        match self {
            Self::Login => "login.succeeded",
            Self::Passkey => "login.passkey",
            Self::Switch => "link.switched_in",
            Self::Sso => "login.sso",
        }
    }

    /// Whether a device new to the account is told to it: a switch only remembers it.
    fn tells_new_device(self) -> bool {
        self != Self::Switch
    }
}

/// Starts a session, audited as how it started. A login from a device new to an account that
/// knew others tells the account, by mail and in its inbox.
pub(super) async fn start_session_how(
    app: &App,
    district: &District,
    account: &Account,
    kind: SessionKind,
    device: &Device,
    client: &Client,
    how: Start,
) -> Result<LoggedIn> {
    let now = app.clock.unix();
    let token = SessionSecret::new(account.district, &secrets::token()?)
        .ok_or_else(|| Error::internal("a new session's secret does not parse"))?;
    let expires_at = now + lifetime(kind, account.kind, district, app).0;
    let clip = |s: &Option<String>| {
        s.as_deref()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(100).collect::<String>())
    };
    let (device_id, device_name, platform) =
        (clip(&device.id), clip(&device.name), clip(&device.platform));
    // The family's students are read beside the session's writing: the first page after a
    // login shows them, and a first read of a child checks against them.
    let written = async {
        let mut tx = app.store.begin().await?;
        // An account takes the language its visitor chose with the switch, and one whose language
        // is not known yet the browser's; otherwise the account's language wins (and the browser
        // is told it).
        let mut account = account.clone();
        let lang = crate::i18n::current();
        if account.language.is_none() || (crate::i18n::chosen() && account.language != Some(lang)) {
            tx.set_account_language(account.district, account.id, lang)
                .await?;
            account.language = Some(lang);
        }
        let idle = i64::from(district.settings.session_idle_minutes) * 60;
        tx.delete_expired_sessions(account.district, account.id, now, idle)
            .await?;
        let session = tx
            .insert_session(
                &NewSession {
                    district: account.district,
                    account: account.id,
                    token_hash: &secrets::hash_token(token.as_str()),
                    kind,
                    expires_at,
                    device_id: device_id.as_deref(),
                    device_name: device_name.as_deref(),
                    platform: platform.as_deref(),
                    address: Some(&client.address),
                    user_agent: client.user_agent.as_deref(),
                },
                now,
            )
            .await?;
        tx.audit(
            AuditEntry {
                district: Some(account.district),
                actor: "account",
                account: Some(account.id),
                action: how.action(),
                target: Some(account.username.as_str()),
                detail: Some(kind.as_str().to_owned()),
                address: Some(&client.address),
                user_agent: client.user_agent.as_deref(),
            },
            now,
        )
        .await?;
        let seen = tx
            .remember_device(
                account.district,
                account.id,
                device.key(kind).as_deref(),
                now,
                now - DEVICE_MEMORY_SECONDS,
            )
            .await?;
        if seen == DeviceSeen::New && how.tells_new_device() {
            let notice = Notice::NewSignIn {
                device: device.named(kind, client.user_agent.as_deref()),
                at: now,
                timezone: district.settings.timezone.as_str().to_owned(),
                link: format!(
                    "{}/d/{}/settings",
                    app.config.public_url.as_str().trim_end_matches('/'),
                    district.slug
                ),
            };
            security::tell(&mut tx, Recipient::of(district, &account), &notice, now).await?;
        }
        tx.commit().await?;
        Ok::<_, Error>((session, account))
    };
    let (written, ()) = tokio::join!(written, super::records::read_family(app, district, account));
    let (session, account) = written?;
    // The session's first request may begin its read beside its lookup (`beside_session`).
    let started = SessionRecord {
        id: session,
        district: account.district,
        account: account.id,
        kind,
        created_at: now,
        last_seen_at: now,
        expires_at,
        device_id,
        device_name,
        platform,
        address: Some(client.address.clone()),
        user_agent: client.user_agent.clone(),
    };
    app.caches
        .recall(token.as_str(), &started, &account, district.revision);
    Ok(LoggedIn {
        token: token.as_str().to_owned(),
        expires_at,
        account,
    })
}

/// Who is behind a request, from its session secret. Only [`authenticate`] makes one (the
/// private seal), so a value of this type is proof of a live session.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: SessionRecord,
    pub account: Account,
    pub district: District,
    /// The account's unread notifications, read with the session when the request asked for
    /// them ([`authenticate_page`]).
    pub unread: Option<i64>,
    /// The account's conversations with something unread, read with the session likewise.
    pub conversations_unread: Option<i64>,
    _sealed: Sealed,
}

#[derive(Debug, Clone)]
struct Sealed;

/// Finds the live session for a secret. A session that expired, went idle, belongs to a
/// disabled account or was revoked is `Unauthorized`, exactly like a secret that never existed.
pub async fn authenticate(app: &App, token: &str) -> Result<Authenticated> {
    authenticate_with(app, token, false).await
}

/// [`authenticate`] for a page, whose menu shows the unread count: it is read in the same
/// statement as the session.
pub async fn authenticate_page(app: &App, token: &str) -> Result<Authenticated> {
    authenticate_with(app, token, true).await
}

async fn authenticate_with(app: &App, token: &str, with_unread: bool) -> Result<Authenticated> {
    let now = app.clock.unix();
    let secret = SessionSecret::parse(token).ok_or(Error::Unauthorized)?;
    // The conversations counted depend on the district's day, before the district is read:
    // the day of the district as this process last knew it, checked once it is read.
    let day = with_unread.then(|| {
        app.caches
            .last_district(secret.district())
            .map(|district| super::tools::today(app, &district))
            .unwrap_or_else(|| jiff::tz::TimeZone::UTC.to_datetime(app.clock.now()).date())
    });
    // What the statement counts of conversations depends on the kind of account, guessed from
    // the last request with this secret: a first page counts them by a statement of its own.
    let kind = day.and_then(|_| app.caches.recalled(token).map(|r| r.account.kind));
    let found = if let Some(day) = day {
        let since = now - crate::services::notifications::KEEP_SECONDS;
        app.store
            .session_with_unread(&secret, since, &day.to_string(), kind)
            .await?
            .map(|(session, account, revision, unread)| (session, account, revision, Some(unread)))
    } else {
        app.store
            .session_with_account(&secret)
            .await?
            .map(|(session, account, revision)| (session, account, revision, None))
    };
    let (session, account, revision, unread) = found.ok_or(Error::Unauthorized)?;
    let district = match app.caches.district(session.district, revision) {
        Some(district) => district,
        None => {
            let district = app
                .store
                .district_by_id(session.district)
                .await?
                .ok_or(Error::Unauthorized)?;
            app.caches.keep_district(&district);
            district
        }
    };
    let (_, idle_limit) = lifetime(session.kind, account.kind, &district, app);
    let expired = session.expires_at <= now
        || idle_limit.is_some_and(|idle| session.last_seen_at + idle <= now);
    if expired {
        app.store.delete_session(session.id).await?;
        return Err(Error::Unauthorized);
    }
    if !account.active {
        return Err(Error::Unauthorized);
    }
    if let Some(message) = district.maintenance() {
        return Err(Error::DistrictUnavailable {
            district: district.name.to_string(),
            message: message.as_str().to_owned(),
        });
    }
    // Activity is recorded at most once a minute: most requests stay pure reads.
    if session.last_seen_at < now - 60 {
        app.store.touch_session(session.id, now).await?;
    }
    app.caches
        .recall(token, &session, &account, district.revision);
    let conversations_unread = unread
        .filter(|_| day == Some(super::tools::today(app, &district)))
        .and_then(|u| u.conversations);
    Ok(Authenticated {
        session,
        account,
        district,
        unread: unread.map(|u| u.notifications),
        conversations_unread,
        _sealed: Sealed,
    })
}

/// Which lookup of a session a request makes: a page's menu counts unread things in the same
/// statement ([`authenticate_page`]); the API asks for the session alone ([`authenticate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Page,
    Api,
}

impl Lookup {
    async fn authenticate(self, app: &App, token: &str) -> Result<Authenticated> {
        authenticate_with(app, token, self == Self::Page).await
    }
}

/// Does `work` for the reader of a request beside its session statement, not after it: the
/// account, session and district last found behind the same secret (if this process still
/// knows them, and `admit` lets them in) are a guess to begin with. Nothing done for the guess
/// is answered before the statement has found the same reader ([`Reader`]); anything else is
/// done again for whom it found, refused by `admit` (nothing done for them), or refused as the
/// `lookup` refuses (the outer error).
///
/// So a read waits for the longer of its session statement and its own work (on PostgreSQL,
/// each a round trip, the audit entry's a commit too), not for their sum. Only for work whose
/// one effect outside the process is the audit entry of a read: a read begun for a session
/// that ended meanwhile leaves its entry, and shows nothing.
pub async fn beside_session<T, R, Work>(
    app: &App,
    token: &str,
    lookup: Lookup,
    admit: impl Fn(&Authenticated) -> std::result::Result<(), R>,
    work: impl Fn(Authenticated) -> Work,
) -> Result<std::result::Result<(Authenticated, T), R>>
where
    Work: Future<Output = T>,
{
    let Some(guess) = guessed(app, token).filter(|guess| admit(guess).is_ok()) else {
        let who = lookup.authenticate(app, token).await?;
        if let Err(refused) = admit(&who) {
            return Ok(Err(refused));
        }
        let done = work(who.clone()).await;
        return Ok(Ok((who, done)));
    };
    let guessed = Reader::of(&guess);
    let (who, done) = tokio::join!(lookup.authenticate(app, token), work(guess));
    let who = who?;
    if let Err(refused) = admit(&who) {
        return Ok(Err(refused));
    }
    if Reader::of(&who) == guessed {
        return Ok(Ok((who, done)));
    }
    let done = work(who.clone()).await;
    Ok(Ok((who, done)))
}

/// What a read done for a guessed reader depends on, and must be the same in the reader the
/// session statement found: the session, the account as it stands, and the district at its
/// revision.
#[derive(PartialEq)]
struct Reader {
    session: i64,
    account: Account,
    district: DistrictId,
    revision: i64,
}

impl Reader {
    fn of(who: &Authenticated) -> Self {
        Self {
            session: who.session.id,
            account: who.account.clone(),
            district: who.district.id,
            revision: who.district.revision,
        }
    }
}

/// Who `token` last opened, with its district as kept at that revision: a guess, sealed only
/// so that the work of [`beside_session`] can take it where a live session goes.
fn guessed(app: &App, token: &str) -> Option<Authenticated> {
    let recalled = app.caches.recalled(token)?;
    let district = app
        .caches
        .district(recalled.session.district, recalled.revision)?;
    Some(Authenticated {
        session: recalled.session.clone(),
        account: recalled.account.clone(),
        district,
        unread: None,
        conversations_unread: None,
        _sealed: Sealed,
    })
}

pub async fn logout(app: &App, who: &Authenticated, client: &Client) -> Result<()> {
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.delete_session_of(who.district.id, who.account.id, who.session.id)
        .await?;
    tx.audit(account_entry(who, "logout", None, client), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the password after checking the current one, and ends every other session and token.
/// Wrong current passwords count against the username exactly like failed logins, and lock it
/// by the same rules: a stolen session is no way around the login throttle.
pub async fn change_password(
    app: &App,
    who: &Authenticated,
    current: &str,
    new: &str,
    client: &Client,
) -> Result<()> {
    let (account, _) = prove_password(app, who, current, client, ProofFor::PasswordChange).await?;
    let district = &who.district;
    policy(&who.district, account.username.as_str()).check(new)?;
    let new_hash = app.passwords.hash(new).await?;
    let linked = app.store.linked_accounts(district.id, account.id).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_password(&account, &new_hash, false, now).await?;
    let taken = security::take_back(
        &mut tx,
        district,
        &account,
        Some(who.session.id),
        &linked,
        now,
    )
    .await?;
    tx.audit(
        account_entry(who, "password.changed", Some(taken.detail()), client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The district's password policy for an account.
pub fn policy<'a>(district: &'a District, username: &'a str) -> PasswordPolicy<'a> {
    PasswordPolicy {
        min_length: district.settings.password_min_length,
        username,
        district_name: district.name.as_str(),
    }
}

/// The account's sessions and app tokens, most recently used first.
pub async fn sessions(app: &App, who: &Authenticated) -> Result<Vec<SessionRecord>> {
    Ok(app
        .store
        .sessions_of(who.district.id, who.account.id)
        .await?)
}

/// Ends one of the account's own sessions; someone else's is `NotFound`.
pub async fn revoke(
    app: &App,
    who: &Authenticated,
    session_id: i64,
    client: &Client,
) -> Result<()> {
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    if !tx
        .delete_session_of(who.district.id, who.account.id, session_id)
        .await?
    {
        return Err(Error::NotFound);
    }
    tx.audit(
        account_entry(who, "session.revoked", Some(session_id.to_string()), client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a current password is asked for.
#[derive(Debug, Clone, Copy)]
pub(super) enum ProofFor {
    PasswordChange,
    SecondFactorRemoval,
    PasskeyRegistration,
}

impl ProofFor {
    /// The audit actions of a refusal while locked, and of a wrong password.
    fn actions(self) -> (&'static str, &'static str) {
        match self {
            Self::PasswordChange => ("password.change_refused_locked", "password.change_failed"),
            Self::SecondFactorRemoval => (
                "second_factor.removal_refused_locked",
                "second_factor.removal_failed",
            ),
            Self::PasskeyRegistration => ("passkey.add_refused_locked", "passkey.add_failed"),
        }
    }
}

/// Checks an account's current password before a change that needs it (a new password, taking
/// a second factor away). A wrong one counts against the username exactly like a failed login,
/// and locks it by the same rules: a stolen session is no way around the login throttle.
pub(super) async fn prove_password(
    app: &App,
    who: &Authenticated,
    current: &str,
    client: &Client,
    purpose: ProofFor,
) -> Result<(Account, String)> {
    let (refused_locked, failed) = purpose.actions();
    let (account, hash) = app
        .store
        .account(who.district.id, who.account.id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let district = &who.district;
    let rules = district.settings.throttle_rules();
    let subject = account.username.folded();
    let now = app.clock.unix();
    let (attempt, by_name) = app
        .store
        .count_attempt(
            district.id,
            FailureScope::Username,
            &subject,
            now,
            now - WINDOW_SECONDS,
        )
        .await?;
    if let Some(until) = rules.lock_end(by_name).filter(|until| *until > now) {
        app.store.forget_attempts(&[attempt]).await?;
        app.store
            .audit(account_entry(who, refused_locked, None, client), now)
            .await?;
        return Err(Error::Locked {
            until,
            retry_after: u64::try_from(until - now).unwrap_or(1).max(1),
            timezone: district.settings.timezone.as_str().to_owned(),
        });
    }
    if !app.passwords.verify(Some(&hash), current).await?.matches {
        // The attempt was counted as a failure already, and stays one.
        app.store
            .audit(
                account_entry(
                    who,
                    failed,
                    Some("wrong current password".to_owned()),
                    client,
                ),
                now,
            )
            .await?;
        let after = Failures {
            count: by_name.count + 1,
            newest: Some(now),
            oldest: by_name.oldest.or(Some(now)),
        };
        if let Some(until) = rules.lock_end(after) {
            app.store
                .audit(
                    account_entry(who, "login.locked", Some(format!("until {until}")), client),
                    now,
                )
                .await?;
        }
        return Err(Error::InvalidCredentials);
    }
    // The current password is proven, as by a login: the failures are forgotten.
    app.store
        .clear_failures(district.id, FailureScope::Username, &subject)
        .await?;
    Ok((account, hash))
}

pub(crate) fn account_entry<'a>(
    who: &'a Authenticated,
    action: &'static str,
    detail: Option<String>,
    client: &'a Client,
) -> AuditEntry<'a> {
    AuditEntry {
        district: Some(who.district.id),
        actor: "account",
        account: Some(who.account.id),
        action,
        target: Some(who.account.username.as_str()),
        detail,
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
    }
}

/// Creates a district administrator (`homeroom admin add`). Staff have a person record too,
/// so that every account belongs to one person. The person and the account are written in one
/// transaction: a refused account (a taken username, say) leaves no person behind.
pub async fn add_staff(app: &App, slug: &str, username: &str, password: &str) -> Result<Account> {
    let district = super::districts::by_slug(app, slug).await?;
    let username = Username::parse(username)?;
    let sourced_id = SourcedId::of_staff(&username.folded())?;
    policy(&district, username.as_str()).check(password)?;
    let hash = app.passwords.hash(password).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.ensure_person(
        district.id,
        &NewPerson {
            sourced_id: sourced_id.clone(),
            role: PersonRole::Staff,
            given_name: username.as_str().to_owned(),
            family_name: String::new(),
            email: None,
            phone: None,
            school: None,
            grade: None,
        },
        now,
    )
    .await?;
    let account = NewAccountFor {
        person: &sourced_id,
        kind: AccountKind::Staff,
        username: username.as_str(),
        password,
        must_change_password: false,
    };
    let id = match insert_account_for(
        &mut tx,
        &district,
        &account,
        &hash,
        "operator",
        "admin.created",
        now,
    )
    .await
    {
        // The staff person is named after the username, so a person who has an account means
        // the username is taken.
        Err(Error::Conflict(_)) => Err(Error::UsernameTaken),
        other => other,
    }?;
    tx.commit().await?;
    created(app, &district, id).await
}

/// Inserts an account; a username the district already has is `UsernameTaken`, and a person
/// who already has an account is `Conflict`.
pub(super) async fn insert_account(
    tx: &mut Tx,
    new: &NewAccount<'_>,
    now: i64,
) -> Result<AccountId> {
    match tx.insert_account(new, now).await {
        Err(StoreError::Conflict { constraint }) if !constraint.contains("person") => {
            Err(Error::UsernameTaken)
        }
        Err(StoreError::Conflict { .. }) => Err(Error::Conflict(Invalid::worded(
            "This person already has an account.",
            "conflict-has-account",
            vec![],
        ))),
        other => Ok(other?),
    }
}

/// An account to make for a person of the district.
pub struct NewAccountFor<'a> {
    pub person: &'a SourcedId,
    pub kind: AccountKind,
    pub username: &'a str,
    pub password: &'a str,
    pub must_change_password: bool,
}

/// Creates an account for a person after checking the username and the password policy;
/// `username_taken` when the district already has that username.
pub async fn create_account(
    app: &App,
    district: &District,
    new: NewAccountFor<'_>,
    actor: &str,
    action: &'static str,
) -> Result<Account> {
    create_account_told(app, district, new, actor, action, None).await
}

/// [`create_account`], telling the account's family of it in the same transaction.
pub async fn create_account_told(
    app: &App,
    district: &District,
    new: NewAccountFor<'_>,
    actor: &str,
    action: &'static str,
    notice: Option<&security::Notice>,
) -> Result<Account> {
    let username = Username::parse(new.username)?;
    policy(district, username.as_str()).check(new.password)?;
    let hash = app.passwords.hash(new.password).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let id = insert_account_for(&mut tx, district, &new, &hash, actor, action, now).await?;
    if let Some(notice) = notice {
        let to = security::Recipient {
            district: district.id,
            district_name: district.name.as_str(),
            account: id,
            username: username.as_str(),
            language: Default::default(),
        };
        security::tell(&mut tx, to, notice, now).await?;
    }
    tx.commit().await?;
    created(app, district, id).await
}

/// Writes the account of `new.person` with a hash already made, and its audit entry.
async fn insert_account_for(
    tx: &mut Tx,
    district: &District,
    new: &NewAccountFor<'_>,
    hash: &str,
    actor: &str,
    action: &'static str,
    now: i64,
) -> Result<AccountId> {
    let username = Username::parse(new.username)?;
    let person_id = tx
        .person_id(district.id, new.person.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    let id = insert_account(
        tx,
        &NewAccount {
            district: district.id,
            person_id,
            kind: new.kind,
            username: &username,
            password_hash: hash,
            must_change_password: new.must_change_password,
        },
        now,
    )
    .await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor,
            account: Some(id),
            action,
            target: Some(username.as_str()),
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(id)
}

/// An account just written, as the services see it.
async fn created(app: &App, district: &District, id: AccountId) -> Result<Account> {
    let (account, _) = app
        .store
        .account(district.id, id)
        .await?
        .ok_or_else(|| Error::internal("the new account is missing"))?;
    Ok(account)
}
