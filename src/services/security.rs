//! What keeps an account its family's: taking it back (a new password ends every way in that
//! someone else may have set up while holding a session), and the security notices that tell the
//! family, by mail and in the inbox, of what changed who can reach the account.

use askama::Template;
use serde::{Deserialize, Serialize};

use super::{Error, Result};
use crate::app::App;
use crate::domain::JobOutcome;
use crate::domain::{Account, AccountId, District, DistrictId, Lang};
use crate::i18n::{self, filters};
use crate::secrets;
use crate::store::{JobRecord, LinkedAccount, NewJob, NewNotification, Tx};

/// The job that mails a notice.
pub const NOTICE_MAIL: &str = "mail.security_notice";

/// Something that changed who can reach an account, told to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// Linked with `other` ("username of District"): either can now switch into the other.
    Linked { other: String },
    /// No longer linked with `other`.
    Unlinked { other: String },
    /// District staff reset the password to a temporary one.
    ResetByStaff,
    /// District staff made the account.
    CreatedByStaff,
    /// The account's email address changed; the mail goes to the old one, `old`.
    EmailChanged { old: String },
    /// An authenticator app became the account's second factor.
    SecondFactorAdded,
    /// The account took its second factor away.
    SecondFactorRemoved,
    /// District staff took the account's second factor away.
    SecondFactorResetByStaff,
    /// A colleague, `other` ("username, N records"), opened the district's hourly allowance of
    /// students' records and was stopped.
    ReadsLimited { other: String },
    /// A passkey, `other` (its name), was added to the account.
    PasskeyAdded { other: String },
    /// The account's passkey `other` was removed.
    PasskeyRemoved { other: String },
    /// A login from a device or browser the account had not used before, at `at` (told in the
    /// district's `timezone`); `link` is the account's security page.
    NewSignIn {
        device: NamedDevice,
        at: i64,
        timezone: String,
        link: String,
    },
    /// The district's sync from its SIS failed: `other` says why.
    SyncFailed { other: String },
}

/// A device as the alert of a new sign-in names it: an app's name, a browser, a system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDevice {
    pub name: Option<String>,
    pub browser: Option<String>,
    pub system: Option<String>,
}

impl NamedDevice {
    /// "Chrome on Android", "Pixel 8 (Android)", in the current language.
    pub fn words(&self) -> String {
        let arg = |s: &Option<String>| s.clone().unwrap_or_default();
        let id = match (&self.name, &self.browser, &self.system) {
            (Some(_), _, Some(_)) => "device-app-on",
            (Some(_), _, None) => "device-app",
            (None, Some(_), Some(_)) => "device-browser-on",
            (None, Some(_), None) => "device-browser",
            (None, None, Some(_)) => "device-some-browser-on",
            (None, None, None) => "device-unknown",
        };
        i18n::ta(
            id,
            &[
                ("name", arg(&self.name)),
                ("browser", arg(&self.browser)),
                ("system", arg(&self.system)),
            ],
        )
    }
}

impl Notice {
    /// The message ids of its subject (also the inbox title) and its body.
    fn ids(&self) -> (&'static str, &'static str) {
        match self {
            Notice::Linked { .. } => ("notice-linked-subject", "notice-linked-body"),
            Notice::Unlinked { .. } => ("notice-unlinked-subject", "notice-unlinked-body"),
            Notice::ResetByStaff => ("notice-reset-subject", "notice-reset-body"),
            Notice::CreatedByStaff => ("notice-created-subject", "notice-created-body"),
            Notice::EmailChanged { .. } => ("notice-email-subject", "notice-email-body"),
            Notice::SecondFactorAdded => ("notice-2fa-added-subject", "notice-2fa-added-body"),
            Notice::SecondFactorRemoved => {
                ("notice-2fa-removed-subject", "notice-2fa-removed-body")
            }
            Notice::SecondFactorResetByStaff => {
                ("notice-2fa-reset-subject", "notice-2fa-reset-body")
            }
            Notice::ReadsLimited { .. } => ("notice-reads-subject", "notice-reads-body"),
            Notice::PasskeyAdded { .. } => {
                ("notice-passkey-added-subject", "notice-passkey-added-body")
            }
            Notice::PasskeyRemoved { .. } => (
                "notice-passkey-removed-subject",
                "notice-passkey-removed-body",
            ),
            Notice::NewSignIn { .. } => ("notice-new-device-subject", "notice-new-device-body"),
            Notice::SyncFailed { .. } => ("notice-sync-failed-subject", "notice-sync-failed-body"),
        }
    }

    fn other(&self) -> &str {
        match self {
            Notice::Linked { other }
            | Notice::Unlinked { other }
            | Notice::ReadsLimited { other }
            | Notice::PasskeyAdded { other }
            | Notice::PasskeyRemoved { other }
            | Notice::SyncFailed { other } => other,
            _ => "",
        }
    }

    /// Subject and body in the current language, for this account of this district.
    fn words(&self, district: &str, username: &str) -> (String, String) {
        let (subject, body) = self.ids();
        let mut args = vec![
            ("district", district.to_owned()),
            ("username", username.to_owned()),
            ("other", self.other().to_owned()),
        ];
        if let Notice::NewSignIn {
            device,
            at,
            timezone,
            link,
        } = self
        {
            let when = jiff::Timestamp::from_second(*at)
                .and_then(|t| t.in_tz(timezone))
                .map(|t| i18n::when::day_time(i18n::current(), &t))
                .unwrap_or_default();
            args.extend([
                ("device", device.words()),
                ("time", when),
                ("link", link.clone()),
            ]);
        }
        (i18n::ta(subject, &args), i18n::ta(body, &args))
    }
}

/// Who is told.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub district: DistrictId,
    pub district_name: &'a str,
    pub account: AccountId,
    pub username: &'a str,
    pub language: Lang,
}

impl<'a> Recipient<'a> {
    pub fn of(district: &'a District, account: &'a Account) -> Self {
        Self {
            district: district.id,
            district_name: district.name.as_str(),
            account: account.id,
            username: account.username.as_str(),
            language: account.language.unwrap_or_default(),
        }
    }

    pub fn linked(other: &'a LinkedAccount) -> Self {
        Self {
            district: other.district,
            district_name: &other.district_name,
            account: other.account,
            username: &other.username,
            language: other.language.unwrap_or_default(),
        }
    }

    /// "username of District", as a notice to someone reading `language` names this account.
    pub fn named(&self, language: Lang) -> String {
        i18n::sync_scope(language, || {
            i18n::ta(
                "notice-account-of",
                &[
                    ("username", self.username.to_owned()),
                    ("district", self.district_name.to_owned()),
                ],
            )
        })
    }
}

/// Tells the account in its inbox at once and by mail through the worker, in the transaction
/// of the change itself: no change without its notice, no notice of a change that failed.
pub async fn tell(tx: &mut Tx, to: Recipient<'_>, notice: &Notice, now: i64) -> Result<()> {
    let (title, body) =
        i18n::sync_scope(to.language, || notice.words(to.district_name, to.username));
    tx.insert_notifications(
        to.district,
        &[NewNotification {
            account: to.account,
            event: "security",
            title,
            body,
            digest: false,
        }],
        now,
    )
    .await?;
    mail(tx, to.district, to.account, notice, now).await
}

/// Mails the notice only (a changed address: the inbox is no news to whoever changed it).
pub async fn mail(
    tx: &mut Tx,
    district: DistrictId,
    account: AccountId,
    notice: &Notice,
    now: i64,
) -> Result<()> {
    let payload = serde_json::to_string(&NoticeJob {
        account: account.0,
        notice: notice.clone(),
    })
    .map_err(|e| Error::internal(e.to_string()))?;
    tx.enqueue(
        &NewJob {
            district,
            kind: NOTICE_MAIL,
            payload,
            idempotency_key: format!("notice:{}:{}", account.0, secrets::token()?),
        },
        now,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Serialize, Deserialize)]
struct NoticeJob {
    account: i64,
    #[serde(flatten)]
    notice: Notice,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    hello: &'a str,
    body: &'a str,
    district: &'a str,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    title: &'a str,
    hello: &'a str,
    body: &'a str,
    district: &'a str,
}

/// Mails one notice: to the account's address, or for a changed address to the old one.
pub async fn run(app: &App, job: &JobRecord) -> JobOutcome {
    super::mail::send_built(app, build(app, job).await).await
}

async fn build(app: &App, job: &JobRecord) -> Result<Option<super::mail::Mail>> {
    let NoticeJob { account, notice } = serde_json::from_str(&job.payload)
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    let Some(district) = app.store.district_by_id(job.district).await? else {
        return Ok(None);
    };
    let Some(to) = app.store.recipient(district.id, AccountId(account)).await? else {
        return Ok(None);
    };
    let address = match &notice {
        Notice::EmailChanged { old } => Some(old.clone()),
        _ => to.email.clone(),
    };
    let Some(address) = address else {
        return Ok(None);
    };
    let name = district.name.as_str();
    i18n::sync_scope(to.language, || {
        let hello = i18n::ta("mail-hello-name", &[("name", to.given_name.clone())]);
        let (title, body) = notice.words(name, &to.username);
        let text = NoticeText {
            hello: &hello,
            body: &body,
            district: name,
        };
        let html = NoticeHtml {
            title: &title,
            hello: &hello,
            body: &body,
            district: name,
        };
        Ok(Some(super::mail::Mail {
            from_name: name.to_owned(),
            to: address,
            subject: title.clone(),
            text: text.render().map_err(|e| Error::internal(e.to_string()))?,
            html: html.render().map_err(|e| Error::internal(e.to_string()))?,
            idempotency_key: job.idempotency_key.clone(),
        }))
    })
}

/// What taking an account back ended.
#[derive(Debug, Default)]
pub struct TakenBack {
    pub sessions: u64,
    /// Passkeys removed: whoever held the account may have added one.
    pub passkeys: u64,
    /// The accounts it was linked with; each side has been told.
    pub unlinked: usize,
}

impl TakenBack {
    /// For the audit log.
    pub fn detail(&self) -> String {
        let mut detail = format!("{} sessions ended", self.sessions);
        if self.passkeys > 0 {
            detail.push_str(&format!(", {} passkeys removed", self.passkeys));
        }
        if self.unlinked > 0 {
            detail.push_str(&format!(", {} linked accounts unlinked", self.unlinked));
        }
        detail
    }
}

/// The family takes the account back (a new password, by its holder or by staff, or the
/// account disabled): every session but `keep` ends, every push subscription, and every link,
/// both sides being told. `linked` is the account's links as read before the transaction.
pub async fn take_back(
    tx: &mut Tx,
    district: &District,
    account: &Account,
    keep: Option<i64>,
    linked: &[LinkedAccount],
    now: i64,
) -> Result<TakenBack> {
    let sessions = tx
        .delete_other_sessions(district.id, account.id, keep)
        .await?;
    // Every push subscription too, the kept session's included: a channel someone else may
    // have set up.
    tx.end_push_subscriptions(district.id, account.id).await?;
    // And every passkey: one may be the intruder's.
    let passkeys = tx.delete_passkeys(district.id, account.id).await?;
    if tx.leave_group(district.id, account.id).await?.is_none() {
        return Ok(TakenBack {
            sessions,
            passkeys,
            unlinked: 0,
        });
    }
    for other in linked {
        unlinked(tx, district, account, other, now).await?;
    }
    Ok(TakenBack {
        sessions,
        passkeys,
        unlinked: linked.len(),
    })
}

/// Tells both sides of a link that ended.
pub async fn unlinked(
    tx: &mut Tx,
    district: &District,
    account: &Account,
    other: &LinkedAccount,
    now: i64,
) -> Result<()> {
    let mine = Recipient {
        district: district.id,
        district_name: district.name.as_str(),
        account: account.id,
        username: account.username.as_str(),
        language: account.language.unwrap_or_default(),
    };
    let theirs = Recipient::linked(other);
    tell(
        tx,
        mine,
        &Notice::Unlinked {
            other: theirs.named(mine.language),
        },
        now,
    )
    .await?;
    tell(
        tx,
        theirs,
        &Notice::Unlinked {
            other: mine.named(theirs.language),
        },
        now,
    )
    .await
}
