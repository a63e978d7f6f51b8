//! What district staff (and the operator) do to accounts: reset a password to a temporary one,
//! disable and enable. Staff never choose a family's password; the system does, and shows it
//! once.

use crate::app::App;
use crate::domain::{Account, AccountKind, District, Invalid, fold_username};
use crate::secrets;
use crate::store::AuditEntry;

use super::access::Staff;
pub use super::access::{Actor, OPERATOR};
use super::{Error, Result, security};

/// Readable letters and digits without look-alikes, for temporary passwords read aloud or
/// copied from a screen.
const TEMPORARY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

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
pub async fn reset_password(app: &App, staff: &Staff, account: &Account) -> Result<String> {
    let (district, actor) = (staff.district(), staff.actor());
    may_manage(app, district, account, actor, "reset").await?;
    let password = temporary_password(district.settings.password_min_length as usize)?;
    let hash = app.passwords.hash(&password).await?;
    let linked = app.store.linked_accounts(district.id, account.id).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_password(account, &hash, true, now).await?;
    // A reset account must not be reachable through a link: it leaves its group.
    let taken = security::take_back(&mut tx, district, account, None, &linked, now).await?;
    if account.kind != AccountKind::Staff {
        security::tell(
            &mut tx,
            security::Recipient::of(district, account),
            &security::Notice::ResetByStaff,
            now,
        )
        .await?;
    }
    tx.audit(
        entry(
            district,
            account,
            actor,
            "account.password_reset",
            Some(taken.detail()),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// Takes an account's second factor away, for someone who lost their phone: they log in with
/// the password alone (and staff whose district requires one enroll a new app). District
/// administrators may do this for a colleague too, never for themselves (their own is removed
/// from their account's security settings, with a code). Told to the account by mail and in
/// its inbox.
pub async fn reset_second_factor(app: &App, staff: &Staff, account: &Account) -> Result<()> {
    let (district, actor) = (staff.district(), staff.actor());
    if actor.account == Some(account.id) {
        return Err(Error::Forbidden(
            "Remove your own two-step verification from your account's security settings."
                .to_owned(),
        ));
    }
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    if !tx
        .remove_second_factor(district.id, account.id, now)
        .await?
    {
        return Err(super::second_factor::none_to_remove());
    }
    security::tell(
        &mut tx,
        security::Recipient::of(district, account),
        &security::Notice::SecondFactorResetByStaff,
        now,
    )
    .await?;
    tx.audit(
        entry(
            district,
            account,
            actor,
            "second_factor.reset_by_staff",
            None,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disables or enables an account. Disabling ends every session and token at once.
pub async fn set_active(app: &App, staff: &Staff, account: &Account, active: bool) -> Result<()> {
    let (district, actor) = (staff.district(), staff.actor());
    let what = if active { "enable" } else { "disable" };
    may_manage(app, district, account, actor, what).await?;
    let linked = app.store.linked_accounts(district.id, account.id).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_account_active(account, active, now).await?;
    let mut taken = None;
    if !active {
        // A disabled account drops out of its linked accounts too.
        taken = Some(security::take_back(&mut tx, district, account, None, &linked, now).await?);
    }
    let action = if active {
        "account.enabled"
    } else {
        "account.disabled"
    };
    tx.audit(
        entry(district, account, actor, action, taken.map(|t| t.detail())),
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
    staff: &Staff,
    person_id: i64,
    relationship_id: i64,
    portal: bool,
) -> Result<()> {
    let (district, actor) = (staff.district(), staff.actor());
    let view = person(app, staff, person_id).await?;
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
pub async fn person(app: &App, staff: &Staff, person_id: i64) -> Result<PersonView> {
    let district = staff.district();
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

/// A person's page in the console: read like a family's record, so it is in the family's
/// Access Log, named as district staff.
pub async fn view_person(app: &App, staff: &Staff, person_id: i64) -> Result<PersonView> {
    let (district, actor) = (staff.district(), staff.actor());
    let view = person(app, staff, person_id).await?;
    count_reads(app, staff, 1).await?;
    app.store
        .audit(
            AuditEntry {
                district: Some(district.id),
                actor: actor.name,
                account: actor.account,
                action: "record.read",
                target: Some(&view.person.sourced_id),
                detail: Some(CONSOLE_READ.to_owned()),
                ..Default::default()
            },
            app.clock.unix(),
        )
        .await?;
    Ok(view)
}

/// Counts `records` students' records that a staff member is about to open against the
/// district's hourly allowance (`staff_reads_per_hour`), or refuses them all: a stolen staff
/// login cannot walk off with a district's families page by page. The first refusal in an
/// hour is audited and told to the district's other staff, by mail and in their inboxes.
/// The operator (the command line) is not counted.
pub async fn count_reads(app: &App, staff: &Staff, records: u32) -> Result<()> {
    const HOUR: i64 = 3600;
    let Some(account) = staff.account() else {
        return Ok(());
    };
    let district = staff.district();
    let limit = district.settings.staff_reads_per_hour;
    let now = app.clock.unix();
    let minute = now.div_euclid(60);
    let since = minute - HOUR / 60 + 1;
    let (read, oldest) = app
        .store
        .staff_reads_since(district.id, account.id, since)
        .await?;
    if read + i64::from(records) <= i64::from(limit) {
        app.store
            .add_staff_reads(district.id, account.id, minute, i64::from(records), since)
            .await?;
        return Ok(());
    }
    // The window frees its oldest minute first.
    let retry_after = oldest
        .map_or(60, |oldest| (oldest + HOUR / 60) * 60 - now)
        .max(1);
    let retry_after = u64::try_from(retry_after).unwrap_or(60);
    if !app
        .store
        .reads_limited_since(district.id, account.username.as_str(), now - HOUR)
        .await?
    {
        let colleagues = app.store.staff_accounts(district.id).await?;
        let other = format!("{} opened {read} records", account.username);
        let mut tx = app.store.begin().await?;
        tx.audit(
            entry(
                district,
                account,
                staff.actor(),
                "staff.reads_limited",
                Some(format!("{read} records in an hour, limit {limit}")),
            ),
            now,
        )
        .await?;
        for colleague in colleagues.iter().filter(|c| c.id != account.id) {
            security::tell(
                &mut tx,
                security::Recipient::of(district, colleague),
                &security::Notice::ReadsLimited {
                    other: other.clone(),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
    }
    Err(Error::ReadLimit { limit, retry_after })
}

/// The detail of a `record.read` made in the console.
pub const CONSOLE_READ: &str = "console";

/// Finds people by part of a name, a sourcedId or a username. Every search is audited.
pub async fn search(
    app: &App,
    staff: &Staff,
    needle: &str,
) -> Result<Vec<(crate::store::PersonRecord, Option<String>)>> {
    let (district, actor) = (staff.district(), staff.actor());
    let Some(needle) = crate::domain::search_text("the search", needle, 100)? else {
        return Ok(Vec::new());
    };
    let found = app.store.search_people(district.id, needle, 50).await?;
    app.store
        .audit(
            AuditEntry {
                district: Some(district.id),
                actor: actor.name,
                account: actor.account,
                action: "console.searched",
                target: None,
                detail: Some(format!("{} found", found.len())),
                ..Default::default()
            },
            app.clock.unix(),
        )
        .await?;
    Ok(found)
}

/// Creates an account for a guardian or student who has none, with a temporary password that
/// must be changed at the first login. Returns the account and the password, shown once.
pub async fn create_account(
    app: &App,
    staff: &Staff,
    person_id: i64,
    username: &str,
) -> Result<(Account, String)> {
    let (district, actor) = (staff.district(), staff.actor());
    let view = person(app, staff, person_id).await?;
    if view.account.is_some() {
        return Err(Error::Conflict(Invalid::worded(
            "This person already has an account.",
            "conflict-has-account",
            vec![],
        )));
    }
    let kind = match crate::domain::AccountKind::for_role(view.person.role) {
        Some(kind) => kind,
        None => {
            return Err(crate::domain::Invalid::new(
                "only guardians, students and teachers get portal accounts here",
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
    let account = super::auth::create_account_told(
        app,
        district,
        new,
        actor.name,
        "account.created_by_staff",
        Some(&security::Notice::CreatedByStaff),
    )
    .await?;
    Ok((account, password))
}

/// A new activation key for one person without an account (older keys stop working).
pub async fn key_for(
    app: &App,
    staff: &Staff,
    person_id: i64,
) -> Result<super::activation::IssuedKey> {
    let (district, actor) = (staff.district(), staff.actor());
    let view = person(app, staff, person_id).await?;
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

pub async fn queue(app: &App, staff: &Staff) -> Result<Queue> {
    let district = staff.district();
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
