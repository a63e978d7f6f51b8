//! Forgot your password? and Forgot your username?, where the district turned them on.
//!
//! A request answers the same whether or not the username or address exists, and never sends
//! mail itself: it writes a job, in the same transaction as the request it records, and the
//! worker sends. The reset link's token is made by the worker as it sends (no job or table
//! holds a usable token), is kept only as a hash, works once, and for 30 minutes.

use askama::Template;
use fluent_bundle::FluentArgs;
use serde::{Deserialize, Serialize};

use super::auth::{Client, policy};
use super::mail::Mail;
use super::{Error, Result, captcha};
use crate::app::App;
use crate::domain::{
    AccountId, District, Invalid, JobOutcome, Username, WINDOW_SECONDS, fold_username,
};
use crate::i18n::{self, filters};
use crate::secrets;
use crate::store::{AuditEntry, FailureScope, JobRecord, NewJob};

/// The answer to Forgot your password?, whether or not the account exists, as the API gives
/// it (pages say it in their language: `recovery-password-sent`).
pub const PASSWORD_SENT: &str = "If that username has an account with an email address, a link to choose a new password is on its way. It works for 30 minutes.";
/// The answer to Forgot your username?, whether or not any account uses the address, as the
/// API gives it (pages: `recovery-usernames-sent`).
pub const USERNAMES_SENT: &str =
    "If accounts use that email address, their usernames are on their way to it.";

/// How long a reset link works, from the moment it is sent.
pub const RESET_LINK_SECONDS: i64 = 30 * 60;

/// Job kinds this module runs.
pub const RESET_MAIL: &str = "mail.password_reset";
pub const CHANGED_MAIL: &str = "mail.password_changed";
pub const USERNAMES_MAIL: &str = "mail.usernames";

#[derive(Debug, Serialize, Deserialize)]
struct ResetJob {
    reset: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct AccountJob {
    account: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct UsernamesJob {
    accounts: Vec<i64>,
}

fn require(on: bool) -> Result<()> {
    if on {
        Ok(())
    } else {
        Err(Error::FeatureDisabled)
    }
}

/// Counts a request against its target and the address, as failed logins count; past the
/// district's thresholds a CAPTCHA is needed. Recovery never locks anyone out.
async fn throttle<'a>(
    app: &App,
    district: &District,
    target: &str,
    captcha: Option<(&str, &str)>,
    client: &Client,
    audit: &impl Fn(&'static str, Option<String>) -> AuditEntry<'a>,
) -> Result<()> {
    let now = app.clock.unix();
    let counted = app
        .store
        .count_attempts(
            district.id,
            &[
                (FailureScope::Username, target),
                (FailureScope::Address, client.address.as_str()),
            ],
            now,
            now - WINDOW_SECONDS,
        )
        .await?;
    let [(_, by_target), (_, by_address)] = counted[..] else {
        return Err(Error::internal("a recovery request went uncounted"));
    };
    let assessment = district
        .settings
        .throttle_rules()
        .assess(by_target, by_address, now);
    if assessment.captcha_required || assessment.locked_until.is_some() {
        captcha::demand(app, district.id, captcha, &client.address, audit).await?;
    }
    Ok(())
}

/// **Forgot your password?**: mails a reset link if the account exists, is active, and its
/// person has an email address. The answer is the same in every case.
pub async fn forgot_password(
    app: &App,
    district: &District,
    username: &str,
    captcha: Option<(&str, &str)>,
    client: &Client,
) -> Result<()> {
    require(district.settings.forgot_password)?;
    let target = format!("reset:{}", fold_username(username)?);
    let audit = |action: &'static str, detail: Option<String>| AuditEntry {
        district: Some(district.id),
        actor: "anonymous",
        action,
        target: Some(&target),
        detail,
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
        ..Default::default()
    };
    throttle(app, district, &target, captcha, client, &audit).await?;
    let now = app.clock.unix();
    let found = match Username::parse(username) {
        Ok(username) => app
            .store
            .account_for_login(district.id, &username.folded())
            .await?
            .map(|(account, _)| account),
        Err(_) => None,
    };
    let recipient = match &found {
        Some(account) => app.store.recipient(district.id, account.id).await?,
        None => None,
    };
    let mut tx = app.store.begin().await?;
    match recipient.filter(|r| r.active && r.email.is_some()) {
        Some(recipient) => {
            let reset = tx.insert_reset(district.id, recipient.account, now).await?;
            tx.enqueue(
                &NewJob {
                    district: district.id,
                    kind: RESET_MAIL,
                    payload: json(&ResetJob { reset })?,
                    idempotency_key: format!("reset:{reset}"),
                },
                now,
            )
            .await?;
            let mut entry = audit("password.reset_requested", None);
            entry.account = Some(recipient.account);
            tx.audit(entry, now).await?;
        }
        None => {
            tx.audit(
                audit("password.reset_requested", Some("no_mail_sent".to_owned())),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// **Forgot your username?**: mails every active account of this district whose person has
/// this email address its username, in one mail. The answer is the same in every case.
pub async fn forgot_username(
    app: &App,
    district: &District,
    email: &str,
    captcha: Option<(&str, &str)>,
    client: &Client,
) -> Result<()> {
    require(district.settings.forgot_username)?;
    let email = email.trim();
    if email.is_empty() || email.chars().count() > 254 || !email.contains('@') {
        return Err(Invalid::new(crate::i18n::t("recovery-email-needed")).into());
    }
    crate::domain::refuse_control("the email address", email)?;
    let target = format!("usernames:{}", email.to_lowercase());
    let audit = |action: &'static str, detail: Option<String>| AuditEntry {
        district: Some(district.id),
        actor: "anonymous",
        action,
        target: Some(&target),
        detail,
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
        ..Default::default()
    };
    throttle(app, district, &target, captcha, client, &audit).await?;
    let now = app.clock.unix();
    let accounts = app.store.accounts_with_email(district.id, email).await?;
    let mut tx = app.store.begin().await?;
    if accounts.is_empty() {
        tx.audit(
            audit(
                "username.reminder_requested",
                Some("no_mail_sent".to_owned()),
            ),
            now,
        )
        .await?;
    } else {
        let ids: Vec<i64> = accounts.iter().map(|a| a.account.0).collect();
        tx.enqueue(
            &NewJob {
                district: district.id,
                kind: USERNAMES_MAIL,
                payload: json(&UsernamesJob {
                    accounts: ids.clone(),
                })?,
                idempotency_key: format!("usernames:{}:{now}", secrets::token()?),
            },
            now,
        )
        .await?;
        tx.audit(
            audit(
                "username.reminder_requested",
                Some(format!("{} accounts", ids.len())),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Chooses a new password with a reset link's token: the password policy applies; success ends
/// every session and app token of the account, uses the link up, is audited, and sends a
/// "your password was changed" mail.
pub async fn reset_password(
    app: &App,
    district: &District,
    token: &str,
    password: &str,
    client: &Client,
) -> Result<()> {
    require(district.settings.forgot_password)?;
    let invalid = || Error::InvalidResetLink;
    if token.len() > 128 || token.chars().any(char::is_control) {
        return Err(invalid());
    }
    let now = app.clock.unix();
    // Everything that reads or waits (the hashing most of all) comes before the transaction:
    // one held across them kept SQLite's write lock and a connection from every other write,
    // and a burst of resets ran the pool dry (503s after five seconds). The link's single use
    // is decided in the transaction, by `use_reset`.
    let reset = app
        .store
        .reset_by_token(district.id, &secrets::hash_token(token.trim()))
        .await?
        .filter(|r| r.used_at.is_none())
        .ok_or_else(invalid)?;
    if reset.expires_at.is_none_or(|at| at <= now) {
        return Err(invalid());
    }
    let (account, _) = app
        .store
        .account(district.id, reset.account)
        .await?
        .ok_or_else(invalid)?;
    if !account.active {
        return Err(invalid());
    }
    policy(district, account.username.as_str()).check(password)?;
    let hash = app.passwords.hash(password).await?;
    let linked = app.store.linked_accounts(district.id, account.id).await?;
    let mut tx = app.store.begin().await?;
    if !tx.use_reset(reset.id, now).await? {
        return Err(invalid());
    }
    tx.retire_resets(district.id, account.id, now).await?;
    tx.set_password(&account, &hash, false, now).await?;
    let taken = super::security::take_back(&mut tx, district, &account, None, &linked, now).await?;
    tx.enqueue(
        &NewJob {
            district: district.id,
            kind: CHANGED_MAIL,
            payload: json(&AccountJob {
                account: account.id.0,
            })?,
            idempotency_key: format!("changed:{}", reset.id),
        },
        now,
    )
    .await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: "account",
            account: Some(account.id),
            action: "password.reset",
            target: Some(account.username.as_str()),
            detail: Some(taken.detail()),
            address: Some(&client.address),
            user_agent: client.user_agent.as_deref(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))
}

#[derive(Template)]
#[template(path = "mail/reset.txt")]
struct ResetText<'a> {
    hello: &'a str,
    asked: &'a str,
    district: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/reset.html")]
struct ResetHtml<'a> {
    hello: &'a str,
    /// HTML: its arguments are escaped.
    asked: &'a str,
    district: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/changed.txt")]
struct ChangedText<'a> {
    hello: &'a str,
    body: &'a str,
    district: &'a str,
}

#[derive(Template)]
#[template(path = "mail/changed.html")]
struct ChangedHtml<'a> {
    hello: &'a str,
    /// HTML: its arguments are escaped.
    body: &'a str,
    district: &'a str,
}

#[derive(Template)]
#[template(path = "mail/usernames.txt")]
struct UsernamesText<'a> {
    asked: &'a str,
    district: &'a str,
    usernames: &'a [String],
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/usernames.html")]
struct UsernamesHtml<'a> {
    asked: &'a str,
    district: &'a str,
    usernames: &'a [String],
    link: &'a str,
}

/// A sentence of a mail in the current language, its arguments taken as text as they are (a
/// username of digits stays as typed).
fn say(id: &str, args: &[(&'static str, &str)]) -> String {
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        fluent.set(*name, (*value).to_owned());
    }
    i18n::message(i18n::current(), id, Some(&fluent))
}

/// The same sentence as HTML: escaped, with `username` in bold. The arguments go in as
/// markers and are put back after the escaping, so that each is escaped once.
fn say_html(id: &str, args: &[(&'static str, &str)]) -> String {
    let marker = |i: usize| format!("\u{1}{i}\u{1}");
    let mut fluent = FluentArgs::new();
    for (i, (name, _)) in args.iter().enumerate() {
        fluent.set(*name, marker(i));
    }
    let mut html = escape_html(&i18n::message(i18n::current(), id, Some(&fluent)));
    for (i, (name, value)) in args.iter().enumerate() {
        let value = escape_html(&value.replace('\u{1}', ""));
        let value = if *name == "username" {
            format!("<strong>{value}</strong>")
        } else {
            value
        };
        html = html.replace(&marker(i), &value);
    }
    html
}

/// Escapes text for HTML, as the templates do.
fn escape_html(text: &str) -> String {
    match askama::filters::escape(text, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

fn rendered(template: &impl Template) -> std::result::Result<String, String> {
    template.render().map_err(|e| e.to_string())
}

/// Runs one of this module's jobs: builds its mail and sends it.
pub async fn run(app: &App, job: &JobRecord) -> JobOutcome {
    super::mail::send_built(app, build(app, job).await).await
}

async fn build(app: &App, job: &JobRecord) -> Result<Option<Mail>> {
    let district = app
        .store
        .district_by_id(job.district)
        .await?
        .ok_or(Error::NotFound)?;
    let base = app
        .config
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let slug = district.slug.as_str();
    let name = district.name.as_str();
    let parse = |e: serde_json::Error| Error::internal(format!("job payload: {e}"));
    match job.kind.as_str() {
        RESET_MAIL => {
            let ResetJob { reset } = serde_json::from_str(&job.payload).map_err(parse)?;
            let Some(request) = app.store.reset(district.id, reset).await? else {
                return Ok(None);
            };
            if request.used_at.is_some() {
                return Ok(None);
            }
            let Some(to) = app.store.recipient(district.id, request.account).await? else {
                return Ok(None);
            };
            let (Some(email), true) = (to.email.clone(), to.active) else {
                return Ok(None);
            };
            let token = secrets::token()?;
            let now = app.clock.unix();
            app.store
                .arm_reset(
                    reset,
                    &secrets::hash_token(&token),
                    now + RESET_LINK_SECONDS,
                )
                .await?;
            let link = format!("{base}/d/{slug}/password/reset?token={token}");
            i18n::sync_scope(to.language, || {
                let hello = say("mail-hello-name", &[("name", &to.given_name)]);
                let args = [("district", name), ("username", to.username.as_str())];
                mail(
                    name,
                    email,
                    say("mail-reset-subject", &[("district", name)]),
                    rendered(&ResetText {
                        hello: &hello,
                        asked: &say("mail-reset-asked", &args),
                        district: name,
                        link: &link,
                    }),
                    rendered(&ResetHtml {
                        hello: &hello,
                        asked: &say_html("mail-reset-asked", &args),
                        district: name,
                        link: &link,
                    }),
                    job,
                )
            })
        }
        CHANGED_MAIL => {
            let AccountJob { account } = serde_json::from_str(&job.payload).map_err(parse)?;
            let Some(to) = app.store.recipient(district.id, AccountId(account)).await? else {
                return Ok(None);
            };
            let Some(email) = to.email.clone() else {
                return Ok(None);
            };
            i18n::sync_scope(to.language, || {
                let hello = say("mail-hello-name", &[("name", &to.given_name)]);
                let args = [("district", name), ("username", to.username.as_str())];
                mail(
                    name,
                    email,
                    say("mail-changed-subject", &[("district", name)]),
                    rendered(&ChangedText {
                        hello: &hello,
                        body: &say("mail-changed-body", &args),
                        district: name,
                    }),
                    rendered(&ChangedHtml {
                        hello: &hello,
                        body: &say_html("mail-changed-body", &args),
                        district: name,
                    }),
                    job,
                )
            })
        }
        USERNAMES_MAIL => {
            let UsernamesJob { accounts } = serde_json::from_str(&job.payload).map_err(parse)?;
            let mut usernames = Vec::new();
            let mut email = None;
            // The mail is in the language of the account whose address it goes to.
            let mut language = None;
            for id in accounts {
                if let Some(to) = app.store.recipient(district.id, AccountId(id)).await?
                    && to.active
                {
                    if email.is_none() && to.email.is_some() {
                        email = to.email.clone();
                        language = Some(to.language);
                    }
                    usernames.push(to.username);
                }
            }
            let Some(email) = email.filter(|_| !usernames.is_empty()) else {
                return Ok(None);
            };
            let link = format!("{base}/d/{slug}/parent");
            i18n::sync_scope(language.unwrap_or_default(), || {
                let asked = say("mail-usernames-asked", &[("district", name)]);
                mail(
                    name,
                    email,
                    say("mail-usernames-subject", &[("district", name)]),
                    rendered(&UsernamesText {
                        asked: &asked,
                        district: name,
                        usernames: &usernames,
                        link: &link,
                    }),
                    rendered(&UsernamesHtml {
                        asked: &asked,
                        district: name,
                        usernames: &usernames,
                        link: &link,
                    }),
                    job,
                )
            })
        }
        other => Err(Error::internal(format!("unknown job kind {other:?}"))),
    }
}

fn mail(
    district: &str,
    to: String,
    subject: String,
    text: std::result::Result<String, String>,
    html: std::result::Result<String, String>,
    job: &JobRecord,
) -> Result<Option<Mail>> {
    Ok(Some(Mail {
        from_name: district.to_owned(),
        to,
        subject,
        text: text.map_err(Error::internal)?,
        html: html.map_err(Error::internal)?,
        idempotency_key: job.idempotency_key.clone(),
    }))
}
