//! What district staff (and the operator) do to accounts: reset a password to a temporary one,
//! disable and enable. Staff never choose a family's password; the system does, and shows it
//! once.

use crate::app::App;
use crate::domain::{Account, AccountKind, District, Invalid, fold_username};
use crate::secrets;
use crate::store::AuditEntry;

use super::{Error, Result};

/// Readable letters and digits without look-alikes, for temporary passwords read aloud or
/// copied from a screen.
const TEMPORARY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Who acts: the operator on the command line, or a staff account in the console.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub name: &'a str,
    pub account: Option<crate::domain::AccountId>,
}

pub const OPERATOR: Actor<'static> = Actor {
    name: "operator",
    account: None,
};

/// The account with this username in the district; `NotFound` otherwise.
pub async fn account_by_username(
    app: &App,
    district: &District,
    username: &str,
) -> Result<Account> {
    app.store
        .account_for_login(district.id, &fold_username(username)?)
        .await?
        .map(|(account, _)| account)
        .ok_or(Error::NotFound)
}

/// Sets a random temporary password that must be changed at the next login, and ends every
/// session and token of the account. Returns the password, to be shown once.
pub async fn reset_password(
    app: &App,
    district: &District,
    account: &Account,
    actor: Actor<'_>,
) -> Result<String> {
    may_manage(app, district, account, actor, "reset").await?;
    let password = temporary_password(district.settings.password_min_length as usize)?;
    let hash = app.passwords.hash(&password).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_password(account, &hash, true, now).await?;
    tx.delete_other_sessions(district.id, account.id, None)
        .await?;
    tx.end_push_subscriptions(district.id, account.id).await?;
    // A reset account must not be reachable through a link: it leaves its group.
    let left = tx.leave_group(district.id, account.id).await?;
    tx.audit(
        entry(
            district,
            account,
            actor,
            "account.password_reset",
            left.map(|_| "left its linked accounts".to_owned()),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// Disables or enables an account. Disabling ends every session and token at once.
pub async fn set_active(
    app: &App,
    district: &District,
    account: &Account,
    active: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let what = if active { "enable" } else { "disable" };
    may_manage(app, district, account, actor, what).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_account_active(account, active, now).await?;
    let mut left = None;
    if !active {
        tx.delete_other_sessions(district.id, account.id, None)
            .await?;
        tx.end_push_subscriptions(district.id, account.id).await?;
        // A disabled account drops out of its linked accounts.
        left = tx.leave_group(district.id, account.id).await?;
    }
    let action = if active {
        "account.enabled"
    } else {
        "account.disabled"
    };
    tx.audit(
        entry(
            district,
            account,
            actor,
            action,
            left.map(|_| "left its linked accounts".to_owned()),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff accounts are the operator's to reset, disable and enable (`homeroom account …` on
/// the command line): from the console, staff act on family accounts only, so that no staff
/// member can take over or lock out another, or themselves. A refusal changes nothing and is
/// audited.
async fn may_manage(
    app: &App,
    district: &District,
    account: &Account,
    actor: Actor<'_>,
    what: &str,
) -> Result<()> {
    if account.kind != AccountKind::Staff || actor.account.is_none() {
        return Ok(());
    }
    app.store
        .audit(
            entry(
                district,
                account,
                actor,
                "account.change_refused",
                Some(format!("{what}: a staff account")),
            ),
            app.clock.unix(),
        )
        .await?;
    Err(Error::Forbidden(
        "Staff accounts are managed by the portal's operator, not from the staff console."
            .to_owned(),
    ))
}

fn entry<'a>(
    district: &District,
    account: &'a Account,
    actor: Actor<'a>,
    action: &'static str,
    detail: Option<String>,
) -> AuditEntry<'a> {
    AuditEntry {
        district: Some(district.id),
        actor: actor.name,
        account: actor.account,
        action,
        target: Some(account.username.as_str()),
        detail,
        ..Default::default()
    }
}

/// Groups of four, at least 16 characters and at least the district's minimum length.
fn temporary_password(min_length: usize) -> Result<String> {
    let letters = min_length.max(16).div_ceil(4) * 4;
    let raw = secrets::code(TEMPORARY_ALPHABET, letters)?;
    Ok(raw
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-"))
}

/// A person as the staff console shows them.
pub struct PersonView {
    pub person: crate::store::PersonRecord,
    pub account: Option<Account>,
    pub relationships: Vec<crate::store::RelationshipView>,
}

/// Turns portal access on or off for one of the person's relationships. A parent sees a child
/// only while it is on; an import never turns it back.
pub async fn set_portal(
    app: &App,
    district: &District,
    person_id: i64,
    relationship_id: i64,
    portal: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let view = person(app, district, person_id).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    if !tx
        .set_portal(district.id, person_id, relationship_id, portal, now)
        .await?
    {
        return Err(Error::NotFound);
    }
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: if portal {
                "relationship.portal_on"
            } else {
                "relationship.portal_off"
            },
            target: Some(&view.person.sourced_id),
            detail: Some(relationship_id.to_string()),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A person of the district, with their account; `NotFound` for anyone else, including people
/// of other districts.
pub async fn person(app: &App, district: &District, person_id: i64) -> Result<PersonView> {
    let person = app
        .store
        .person(district.id, person_id)
        .await?
        .ok_or(Error::NotFound)?;
    let account = app.store.account_of_person(district.id, person_id).await?;
    let relationships = app.store.relationships_of(district.id, person_id).await?;
    Ok(PersonView {
        person,
        account,
        relationships,
    })
}

/// Finds people by part of a name, a sourcedId or a username.
pub async fn search(
    app: &App,
    district: &District,
    needle: &str,
) -> Result<Vec<(crate::store::PersonRecord, Option<String>)>> {
    let Some(needle) = crate::domain::search_text("the search", needle, 100)? else {
        return Ok(Vec::new());
    };
    Ok(app.store.search_people(district.id, needle, 50).await?)
}

/// Creates an account for a guardian or student who has none, with a temporary password that
/// must be changed at the first login. Returns the account and the password, shown once.
pub async fn create_account(
    app: &App,
    district: &District,
    person_id: i64,
    username: &str,
    actor: Actor<'_>,
) -> Result<(Account, String)> {
    let view = person(app, district, person_id).await?;
    if view.account.is_some() {
        return Err(Error::Conflict(Invalid::worded(
            "This person already has an account.",
            "conflict-has-account",
            vec![],
        )));
    }
    let kind = match view.person.role {
        crate::domain::PersonRole::Guardian => crate::domain::AccountKind::Parent,
        crate::domain::PersonRole::Student => crate::domain::AccountKind::Student,
        _ => {
            return Err(crate::domain::Invalid::new(
                "only guardians and students get portal accounts here",
            )
            .into());
        }
    };
    let password = temporary_password(district.settings.password_min_length as usize)?;
    let sourced_id = crate::domain::SourcedId::parse(&view.person.sourced_id)?;
    let new = super::auth::NewAccountFor {
        person: &sourced_id,
        kind,
        username,
        password: &password,
        must_change_password: true,
    };
    let account =
        super::auth::create_account(app, district, new, actor.name, "account.created_by_staff")
            .await?;
    Ok((account, password))
}

/// A new activation key for one person without an account (older keys stop working).
pub async fn key_for(
    app: &App,
    district: &District,
    person_id: i64,
    actor: Actor<'_>,
) -> Result<super::activation::IssuedKey> {
    let view = person(app, district, person_id).await?;
    if view.account.is_some() {
        return Err(Error::Conflict(Invalid::worded(
            "This person already has an account: reset its password instead.",
            "conflict-has-account-reset",
            vec![],
        )));
    }
    let scope = crate::store::KeyScope {
        person: Some(crate::domain::SourcedId::parse(&view.person.sourced_id)?),
        regenerate: true,
        ..Default::default()
    };
    super::activation::generate(app, district, &scope, actor.name)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::Conflict(Invalid::worded(
                "Keys are only for active guardians and students.",
                "conflict-keys-only",
                vec![],
            ))
        })
}

/// The district's mail queue as staff see it: jobs waiting to run, and jobs that gave up.
pub struct Queue {
    pub pending: Vec<crate::store::JobRecord>,
    pub dead: Vec<crate::store::JobRecord>,
}

/// Jobs listed per state.
const QUEUE_LISTED: u32 = 50;

pub async fn queue(app: &App, district: &District) -> Result<Queue> {
    Ok(Queue {
        pending: app
            .store
            .jobs_in_state(district.id, "pending", QUEUE_LISTED)
            .await?,
        dead: app
            .store
            .jobs_in_state(district.id, "dead", QUEUE_LISTED)
            .await?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn temporary_passwords_are_long_enough_and_grouped() {
        let p = super::temporary_password(8).unwrap();
        assert_eq!(p.len(), 19);
        assert_eq!(p.matches('-').count(), 3);
        assert!(
            super::temporary_password(30)
                .unwrap()
                .replace('-', "")
                .len()
                >= 30
        );
    }
}
