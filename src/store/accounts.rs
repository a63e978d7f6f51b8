//! Accounts and their password hashes.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError, Tx, flag};
use crate::domain::{Account, AccountId, AccountKind, DistrictId, Lang, Username};

// A teacher's account is active only while the import keeps the teacher: one who leaves loses
// access with the next import, whatever sessions they hold.
macro_rules! account_columns {
    () => {
        "a.id, a.district_id, a.person_id, a.kind, a.username, \
         (a.active AND (a.kind <> 'teacher' OR p.active)) AS active, \
         a.must_change_password, a.password_hash, a.language, a.totp_secret IS NOT NULL AS second_factor, \
         p.given_name, p.family_name \
         FROM accounts a JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id"
    };
}
pub(super) use account_columns;

pub struct NewAccount<'a> {
    pub district: DistrictId,
    pub person_id: i64,
    pub kind: AccountKind,
    pub username: &'a Username,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

impl Store {
    /// The account with that username (already folded), with its password hash.
    pub async fn account_for_login(
        &self,
        district: DistrictId,
        username_folded: &str,
    ) -> Result<Option<(Account, String)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " WHERE a.district_id = $1 AND a.username_folded = $2"
        ))
        .bind(district.0)
        .bind(username_folded.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(account_with_hash).transpose()
    }

    pub async fn account(
        &self,
        district: DistrictId,
        id: AccountId,
    ) -> Result<Option<(Account, String)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " WHERE a.district_id = $1 AND a.id = $2"
        ))
        .bind(district.0)
        .bind(id.0)
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(account_with_hash).transpose()
    }

    /// The account of a person, if they have one.
    pub async fn account_of_person(
        &self,
        district: DistrictId,
        person_id: i64,
    ) -> Result<Option<Account>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " WHERE a.district_id = $1 AND a.person_id = $2"
        ))
        .bind(district.0)
        .bind(person_id)
        .fetch_optional(self.pool()?)
        .await?;
        Ok(row
            .as_ref()
            .map(account_with_hash)
            .transpose()?
            .map(|(account, _)| account))
    }

    /// Replaces a hash with a stronger one, unless the password changed meanwhile.
    pub async fn upgrade_password_hash(
        &self,
        account: &Account,
        old: &str,
        new: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET password_hash = $1 \
             WHERE district_id = $2 AND id = $3 AND password_hash = $4",
        )
        .bind(new.to_owned())
        .bind(account.district.0)
        .bind(account.id.0)
        .bind(old.to_owned())
        .execute(self.pool()?)
        .await?;
        Ok(())
    }
}

impl Tx {
    /// Remembers the language the account reads the portal and its mail in.
    pub async fn set_account_language(
        &mut self,
        district: DistrictId,
        account: AccountId,
        language: Lang,
    ) -> Result<()> {
        sqlx::query("UPDATE accounts SET language = $3 WHERE district_id = $1 AND id = $2")
            .bind(district.0)
            .bind(account.0)
            .bind(language.code())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// A username in use in the district is a `Conflict`.
    pub async fn insert_account(&mut self, new: &NewAccount<'_>, now: i64) -> Result<AccountId> {
        let row = sqlx::query(
            "INSERT INTO accounts (district_id, person_id, kind, username, username_folded, \
               password_hash, must_change_password, password_changed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id",
        )
        .bind(new.district.0)
        .bind(new.person_id)
        .bind(new.kind.as_str())
        .bind(new.username.as_str().to_owned())
        .bind(new.username.folded())
        .bind(new.password_hash.to_owned())
        .bind(new.must_change_password)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(AccountId(row.try_get("id")?))
    }

    pub async fn set_password(
        &mut self,
        account: &Account,
        password_hash: &str,
        must_change_password: bool,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, must_change_password = $2, \
               password_changed_at = $3, updated_at = $3 \
             WHERE district_id = $4 AND id = $5",
        )
        .bind(password_hash.to_owned())
        .bind(must_change_password)
        .bind(now)
        .bind(account.district.0)
        .bind(account.id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Enables or disables an account.
    pub async fn set_account_active(
        &mut self,
        account: &Account,
        active: bool,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET active = $1, updated_at = $2 WHERE district_id = $3 AND id = $4",
        )
        .bind(active)
        .bind(now)
        .bind(account.district.0)
        .bind(account.id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

pub(super) fn account_with_hash(row: &AnyRow) -> Result<(Account, String)> {
    let given: String = row.try_get("given_name")?;
    let family: String = row.try_get("family_name")?;
    let account = Account {
        id: AccountId(row.try_get("id")?),
        district: DistrictId(row.try_get("district_id")?),
        person_id: row.try_get("person_id")?,
        kind: AccountKind::parse(row.try_get("kind")?).map_err(StoreError::from)?,
        username: Username::parse(row.try_get("username")?).map_err(StoreError::from)?,
        display_name: format!("{given} {family}").trim().to_owned(),
        active: flag(row, "active")?,
        must_change_password: flag(row, "must_change_password")?,
        second_factor: flag(row, "second_factor")?,
        language: row
            .try_get::<Option<String>, _>("language")?
            .as_deref()
            .and_then(Lang::parse),
    };
    Ok((account, row.try_get("password_hash")?))
}
