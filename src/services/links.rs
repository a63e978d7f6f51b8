//! Linked Districts: a family with accounts in two districts links them with a one-time code,
//! then switches between them without logging in again. Offered only where the district's
//! state is one the deployment allows, and the district has it on.

use super::auth::{self, Authenticated, Client, Device, LoggedIn};
use super::{Error, Result, security};
use crate::app::App;
use crate::domain::{AccountId, District, Invalid, LinkCode, WINDOW_SECONDS};
use crate::secrets;
use crate::store::{AuditEntry, FailureScope, LinkedAccount, SessionKind};

/// How long a code works.
pub const CODE_SECONDS: i64 = 10 * 60;

/// Wrong codes an account may enter in an hour before code entry is locked for the hour.
pub const WRONG_CODES_PER_HOUR: u32 = 10;

/// Whether the district offers Linked Districts.
pub fn available(app: &App, district: &District) -> bool {
    district.settings.linking && app.config.linking_states.contains(&district.state)
}

fn require(app: &App, who: &Authenticated) -> Result<()> {
    if !who.account.kind.is_family() || !available(app, &who.district) {
        return Err(Error::LinkingUnavailable);
    }
    Ok(())
}

fn entry<'a>(
    district: &District,
    account: AccountId,
    action: &'static str,
    target: Option<&'a str>,
    detail: Option<String>,
    client: &'a Client,
) -> AuditEntry<'a> {
    AuditEntry {
        district: Some(district.id),
        actor: "account",
        account: Some(account),
        action,
        target,
        detail,
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
    }
}

/// **Generate**: a new code for this account (an earlier one stops working).
pub async fn generate(app: &App, who: &Authenticated, client: &Client) -> Result<(LinkCode, i64)> {
    require(app, who)?;
    let code = LinkCode::new(
        who.district.id,
        &secrets::code(crate::domain::CROCKFORD, crate::domain::LINK_CODE_LENGTH)?,
    )?;
    let now = app.clock.unix();
    let expires_at = now + CODE_SECONDS;
    let mut tx = app.store.begin().await?;
    tx.replace_link_code(
        who.district.id,
        who.account.id,
        &secrets::hash_token(code.normalized()),
        now,
        expires_at,
    )
    .await?;
    tx.audit(
        entry(
            &who.district,
            who.account.id,
            "link.code_generated",
            Some(who.account.username.as_str()),
            None,
            client,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((code, expires_at))
}

/// **Link**: joins this account with the one whose code was entered, and their groups.
///
/// Each entry is counted before it is tried, so that entries made at once cannot all slip
/// under the hourly limit: only a wrong code stays counted.
pub async fn link(app: &App, who: &Authenticated, code: &str, client: &Client) -> Result<()> {
    require(app, who)?;
    let now = app.clock.unix();
    let subject = format!("link:{}", who.account.id.0);
    let (attempt, wrong) = app
        .store
        .count_attempt(
            who.district.id,
            FailureScope::Username,
            &subject,
            now,
            now - WINDOW_SECONDS,
        )
        .await?;
    if wrong.count >= WRONG_CODES_PER_HOUR {
        app.store.forget_attempts(&[attempt]).await?;
        let until = wrong.oldest.unwrap_or(now) + WINDOW_SECONDS;
        return Err(Error::Locked {
            until,
            retry_after: u64::try_from(until - now).unwrap_or(1).max(1),
            timezone: who.district.settings.timezone.as_str().to_owned(),
        });
    }
    let joined = join(app, who, code, client, now).await;
    if !matches!(joined, Err(Error::InvalidCode)) {
        app.store.forget_attempts(&[attempt]).await?;
    }
    joined
}

async fn join(app: &App, who: &Authenticated, code: &str, client: &Client, now: i64) -> Result<()> {
    let Ok(code) = LinkCode::parse(code) else {
        return Err(Error::InvalidCode);
    };
    let mut tx = app.store.begin().await?;
    let Some(owner) = tx
        .take_link_code(
            code.district(),
            &secrets::hash_token(code.normalized()),
            now,
        )
        .await?
    else {
        return Err(Error::InvalidCode);
    };
    let other_district = app
        .store
        .district_by_id(owner.district)
        .await?
        .ok_or(Error::InvalidCode)?;
    let (other, _) = app
        .store
        .account(owner.district, owner.account)
        .await?
        .ok_or(Error::InvalidCode)?;
    if !other.active {
        return Err(Error::InvalidCode);
    }
    if !available(app, &other_district) {
        return Err(Error::LinkingUnavailable);
    }
    if owner.district == who.district.id {
        return Err(Error::Conflict(Invalid::worded(
            "Two accounts of one district cannot be linked. Enter the code in the other district's portal.",
            "conflict-same-district",
            vec![],
        )));
    }
    if other.kind != who.account.kind {
        let kind = who.account.kind.as_str();
        return Err(Error::Conflict(Invalid::worded(
            format!("A {kind} account can be linked only with another {kind} account."),
            "conflict-other-kind",
            vec![("kind", kind.to_owned())],
        )));
    }
    let mine = tx.group_of(who.district.id, who.account.id).await?;
    let theirs = tx.group_of(owner.district, owner.account).await?;
    if mine.is_some() && mine == theirs {
        return Err(Error::Conflict(Invalid::worded(
            "These accounts are linked already.",
            "conflict-linked-already",
            vec![],
        )));
    }
    // One account per district in a group: a switch must always know where it goes.
    let mut districts = Vec::new();
    for group in [&mine, &theirs].into_iter().flatten() {
        districts.extend(tx.group_members(group).await?.into_iter().map(|(d, _)| d));
    }
    if mine.is_none() {
        districts.push(who.district.id);
    }
    if theirs.is_none() {
        districts.push(owner.district);
    }
    let count = districts.len();
    districts.sort_by_key(|d| d.0);
    districts.dedup();
    if districts.len() != count {
        return Err(Error::Conflict(Invalid::worded(
            "Linking these would put two accounts of one district together. Unlink one first.",
            "conflict-one-district",
            vec![],
        )));
    }
    let group = match (&mine, &theirs) {
        (Some(mine), Some(theirs)) => {
            tx.merge_groups(theirs, mine).await?;
            mine.clone()
        }
        (Some(mine), None) => {
            tx.join_group(owner.district, owner.account, mine, now)
                .await?;
            mine.clone()
        }
        (None, Some(theirs)) => {
            tx.join_group(who.district.id, who.account.id, theirs, now)
                .await?;
            theirs.clone()
        }
        (None, None) => {
            let group = secrets::token()?;
            tx.join_group(who.district.id, who.account.id, &group, now)
                .await?;
            tx.join_group(owner.district, owner.account, &group, now)
                .await?;
            group
        }
    };
    let detail =
        |district: &District, username: &str| Some(format!("with {username} of {}", district.slug));
    tx.audit(
        entry(
            &who.district,
            who.account.id,
            "link.created",
            Some(who.account.username.as_str()),
            detail(&other_district, other.username.as_str()),
            client,
        ),
        now,
    )
    .await?;
    tx.audit(
        entry(
            &other_district,
            other.id,
            "link.created",
            Some(other.username.as_str()),
            detail(&who.district, who.account.username.as_str()),
            client,
        ),
        now,
    )
    .await?;
    let (mine, theirs) = (
        security::Recipient::of(&who.district, &who.account),
        security::Recipient::of(&other_district, &other),
    );
    let linked = |with: &security::Recipient<'_>, reader: &security::Recipient<'_>| {
        security::Notice::Linked {
            other: with.named(reader.language),
        }
    };
    security::tell(&mut tx, mine, &linked(&theirs, &mine), now).await?;
    security::tell(&mut tx, theirs, &linked(&mine, &theirs), now).await?;
    tx.commit().await?;
    tracing::info!(group = %group.len(), "accounts linked");
    Ok(())
}

/// The accounts this one may switch to.
pub async fn linked(app: &App, who: &Authenticated) -> Result<Vec<LinkedAccount>> {
    require(app, who)?;
    Ok(app
        .store
        .linked_accounts(who.district.id, who.account.id)
        .await?)
}

async fn member(app: &App, who: &Authenticated, link_id: i64) -> Result<LinkedAccount> {
    linked(app, who)
        .await?
        .into_iter()
        .find(|l| l.link_id == link_id)
        .ok_or(Error::NotFound)
}

/// **Switch**: a new session for the linked account, without its password (linking proved the
/// holder has both); the current session ends. Audited in both districts.
pub async fn switch(
    app: &App,
    who: &Authenticated,
    link_id: i64,
    client: &Client,
) -> Result<(District, LoggedIn)> {
    let target = member(app, who, link_id).await?;
    let district = app
        .store
        .district_by_id(target.district)
        .await?
        .ok_or(Error::NotFound)?;
    if !available(app, &district) {
        return Err(Error::LinkingUnavailable);
    }
    if let Some(message) = district.maintenance() {
        return Err(Error::DistrictUnavailable {
            district: district.name.to_string(),
            message: message.as_str().to_owned(),
        });
    }
    let (account, _) = app
        .store
        .account(target.district, target.account)
        .await?
        .ok_or(Error::NotFound)?;
    if !account.active {
        return Err(Error::NotFound);
    }
    let device = Device {
        id: who.session.device_id.clone(),
        name: who.session.device_name.clone(),
        platform: who.session.platform.clone(),
        browser: None,
    };
    let kind: SessionKind = who.session.kind;
    let logged_in = auth::start_session_how(
        app,
        &district,
        &account,
        kind,
        &device,
        client,
        auth::Start::Switch,
    )
    .await?;
    // The first switch on a device brings its push notifications along.
    if let Some(device) = &who.session.device_id
        && let Some(session) = app
            .store
            .session_by_secret(
                &crate::domain::SessionSecret::parse(&logged_in.token)
                    .ok_or_else(|| Error::internal("a new session's secret does not parse"))?,
            )
            .await?
    {
        super::push::follow_switch(
            app,
            device,
            (who.district.id, who.account.id),
            (district.id, account.id),
            session.id,
        )
        .await?;
    }
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.delete_session_of(who.district.id, who.account.id, who.session.id)
        .await?;
    tx.audit(
        entry(
            &who.district,
            who.account.id,
            "link.switched_out",
            Some(who.account.username.as_str()),
            Some(format!("to {} of {}", account.username, district.slug)),
            client,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((district, logged_in))
}

/// **Unlink**: takes the linked account out of this account's group.
pub async fn unlink(app: &App, who: &Authenticated, link_id: i64, client: &Client) -> Result<()> {
    let target = member(app, who, link_id).await?;
    let other_district = app
        .store
        .district_by_id(target.district)
        .await?
        .ok_or(Error::NotFound)?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.leave_group(target.district, target.account).await?;
    security::unlinked(&mut tx, &who.district, &who.account, &target, now).await?;
    tx.audit(
        entry(
            &who.district,
            who.account.id,
            "link.removed",
            Some(who.account.username.as_str()),
            Some(format!("{} of {}", target.username, target.slug)),
            client,
        ),
        now,
    )
    .await?;
    tx.audit(
        entry(
            &other_district,
            target.account,
            "link.removed",
            Some(target.username.as_str()),
            Some(format!(
                "by {} of {}",
                who.account.username, who.district.slug
            )),
            client,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
