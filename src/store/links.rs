//! Linked Districts: one-time codes, and the groups of accounts linked across districts.

use sqlx::Row;

use super::{Result, Store, Tx};
use crate::domain::{AccountId, DistrictId, Lang};

/// An account of a link group, with what the switcher shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedAccount {
    /// The group row's id: how the API names this link.
    pub link_id: i64,
    pub district: DistrictId,
    pub slug: String,
    pub district_name: String,
    pub account: AccountId,
    pub username: String,
    pub kind: String,
    pub given_name: String,
    pub family_name: String,
    pub active: bool,
    /// The language it reads the portal and its mail in, once known.
    pub language: Option<Lang>,
}

/// The code's maker, when a live code matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeOwner {
    pub code_id: i64,
    pub district: DistrictId,
    pub account: AccountId,
}

const MEMBER_COLUMNS: &str = "l.id AS link_id, l.district_id, d.slug, d.name AS district_name, \
     l.account_id, a.username, a.kind, a.active, a.language, p.given_name, p.family_name";

const MEMBER_JOINS: &str = "FROM account_links l \
     JOIN districts d ON d.id = l.district_id \
     JOIN accounts a ON a.district_id = l.district_id AND a.id = l.account_id \
     JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id";

fn member_from_row(row: &sqlx::any::AnyRow) -> Result<LinkedAccount> {
    Ok(LinkedAccount {
        link_id: row.try_get("link_id")?,
        district: DistrictId(row.try_get("district_id")?),
        slug: row.try_get("slug")?,
        district_name: row.try_get("district_name")?,
        account: AccountId(row.try_get("account_id")?),
        username: row.try_get("username")?,
        kind: row.try_get("kind")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        active: super::flag(row, "active")?,
        language: row
            .try_get::<Option<String>, _>("language")?
            .as_deref()
            .and_then(Lang::parse),
    })
}

impl Tx {
    /// Stores a new code for the account; its earlier codes stop working.
    pub async fn replace_link_code(
        &mut self,
        district: DistrictId,
        account: AccountId,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE link_codes SET used_at = $3 \
             WHERE district_id = $1 AND account_id = $2 AND used_at IS NULL",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(now)
        .execute(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO link_codes (district_id, account_id, code_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(code_hash.to_owned())
        .bind(now)
        .bind(expires_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Uses up a live code of `district`; `None` for a code that is unknown, used, replaced or
    /// expired.
    pub async fn take_link_code(
        &mut self,
        district: DistrictId,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<CodeOwner>> {
        let row = sqlx::query(
            "UPDATE link_codes SET used_at = $3 \
             WHERE district_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3 \
             RETURNING id, district_id, account_id",
        )
        .bind(district.0)
        .bind(code_hash.to_owned())
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        row.map(|row| {
            Ok(CodeOwner {
                code_id: row.try_get("id")?,
                district: DistrictId(row.try_get("district_id")?),
                account: AccountId(row.try_get("account_id")?),
            })
        })
        .transpose()
    }

    /// The account's group, if it has one.
    pub async fn group_of(
        &mut self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT group_id FROM account_links WHERE district_id = $1 AND account_id = $2",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get("group_id")).transpose()?)
    }

    /// (district, account) of each member of a group.
    pub async fn group_members(&mut self, group: &str) -> Result<Vec<(DistrictId, AccountId)>> {
        let rows = sqlx::query(
            "SELECT district_id, account_id FROM account_links WHERE group_id = $1 ORDER BY id",
        )
        .bind(group.to_owned())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    DistrictId(r.try_get("district_id")?),
                    AccountId(r.try_get("account_id")?),
                ))
            })
            .collect()
    }

    pub async fn join_group(
        &mut self,
        district: DistrictId,
        account: AccountId,
        group: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO account_links (district_id, account_id, group_id, linked_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(group.to_owned())
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Moves every member of one group into another.
    pub async fn merge_groups(&mut self, from: &str, into: &str) -> Result<()> {
        sqlx::query("UPDATE account_links SET group_id = $2 WHERE group_id = $1")
            .bind(from.to_owned())
            .bind(into.to_owned())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Takes the account out of its group; a group left with one account is dissolved.
    /// Answers the group it left.
    pub async fn leave_group(
        &mut self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Option<String>> {
        let Some(group) = self.group_of(district, account).await? else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM account_links WHERE district_id = $1 AND account_id = $2")
            .bind(district.0)
            .bind(account.0)
            .execute(self.conn())
            .await?;
        let left = self.group_members(&group).await?;
        if left.len() < 2 {
            sqlx::query("DELETE FROM account_links WHERE group_id = $1")
                .bind(group.clone())
                .execute(self.conn())
                .await?;
        }
        Ok(Some(group))
    }
}

impl Store {
    /// The other accounts of the account's group, by district name.
    pub async fn linked_accounts(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Vec<LinkedAccount>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT {MEMBER_COLUMNS} {MEMBER_JOINS} \
             WHERE l.group_id = (SELECT g.group_id FROM account_links g \
                                 WHERE g.district_id = $1 AND g.account_id = $2) \
               AND NOT (l.district_id = $1 AND l.account_id = $2) \
             ORDER BY d.name, l.id"
        )))
        .bind(district.0)
        .bind(account.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(member_from_row).collect()
    }
}
