//! What district staff (and the operator) do to accounts: reset a password to a temporary one,
//! disable and enable. Staff never choose a family's password; the system does, and shows it
//! once.

use crate::app::App;
use crate::domain::{Account, District, fold_username};
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
        .account_for_login(district.id, &fold_username(username))
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
    let password = temporary_password(district.settings.password_min_length as usize)?;
    let hash = app.passwords.hash(&password).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_password(account, &hash, true, now).await?;
    tx.delete_other_sessions(district.id, account.id, None)
        .await?;
    tx.audit(
        entry(district, account, actor, "account.password_reset", None),
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
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_account_active(account, active, now).await?;
    if !active {
        tx.delete_other_sessions(district.id, account.id, None)
            .await?;
    }
    let action = if active {
        "account.enabled"
    } else {
        "account.disabled"
    };
    tx.audit(entry(district, account, actor, action, None), now)
        .await?;
    tx.commit().await?;
    Ok(())
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
