//! Passkeys: each account's random user handle, its credentials (as the WebAuthn library
//! serialises them), and the ceremonies under way, each used once.

use sqlx::Row;

use super::{Result, Store, Tx};
use crate::domain::{AccountId, DistrictId};

/// A passkey as the account's security page lists it.
#[derive(Debug, Clone)]
pub struct PasskeyListed {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A passkey as a login needs it.
#[derive(Debug, Clone)]
pub struct PasskeyRecord {
    pub id: i64,
    pub account: AccountId,
    /// The owner's user handle, which the passkey must carry.
    pub handle: Option<String>,
    pub credential: String,
}

/// A ceremony taken back from the store to be finished.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub district: DistrictId,
    pub account: Option<AccountId>,
    pub state: String,
}

impl Store {
    pub async fn passkey_handle(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT passkey_handle FROM accounts WHERE district_id = $1 AND id = $2")
                .bind(district.0)
                .bind(account.0)
                .fetch_optional(self.pool()?)
                .await?;
        Ok(match row {
            Some(row) => row.try_get("passkey_handle")?,
            None => None,
        })
    }

    /// Gives the account `handle` unless it has one: answers the one it has now.
    pub async fn give_passkey_handle(
        &self,
        district: DistrictId,
        account: AccountId,
        handle: &str,
    ) -> Result<Option<String>> {
        sqlx::query(
            "UPDATE accounts SET passkey_handle = $1 \
             WHERE district_id = $2 AND id = $3 AND passkey_handle IS NULL",
        )
        .bind(handle.to_owned())
        .bind(district.0)
        .bind(account.0)
        .execute(self.pool()?)
        .await?;
        self.passkey_handle(district, account).await
    }

    pub async fn passkeys_of(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Vec<PasskeyListed>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM passkeys \
             WHERE district_id = $1 AND account_id = $2 ORDER BY created_at, id",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PasskeyListed {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                })
            })
            .collect()
    }

    /// The account's credentials, as the library serialised them (to exclude at registration).
    pub async fn passkey_credentials(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT credential FROM passkeys WHERE district_id = $1 AND account_id = $2",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get("credential")?))
            .collect()
    }

    /// The district's passkey with this credential id, and its owner's handle.
    pub async fn passkey_by_credential(
        &self,
        district: DistrictId,
        credential_id: &str,
    ) -> Result<Option<PasskeyRecord>> {
        let row = sqlx::query(
            "SELECT p.id, p.account_id, p.credential, a.passkey_handle FROM passkeys p \
             JOIN accounts a ON a.district_id = p.district_id AND a.id = p.account_id \
             WHERE p.district_id = $1 AND p.credential_id = $2",
        )
        .bind(district.0)
        .bind(credential_id.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| {
            Ok(PasskeyRecord {
                id: row.try_get("id")?,
                account: AccountId(row.try_get("account_id")?),
                handle: row.try_get("passkey_handle")?,
                credential: row.try_get("credential")?,
            })
        })
        .transpose()
    }

    /// Keeps a ceremony's state until `expires_at` unless `address` holds `limit` live ones
    /// already (false), and forgets those that expired.
    #[allow(clippy::too_many_arguments)]
    pub async fn keep_ceremony(
        &self,
        id_hash: &str,
        ceremony: &Ceremony,
        kind: &str,
        address: &str,
        limit: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at <= $1")
            .bind(now)
            .execute(tx.conn())
            .await?;
        let live: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM passkey_ceremonies WHERE address = $1 AND expires_at > $2",
        )
        .bind(address.to_owned())
        .bind(now)
        .fetch_one(tx.conn())
        .await?
        .try_get("n")?;
        if live >= limit {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO passkey_ceremonies \
               (id_hash, district_id, account_id, kind, state, address, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_hash.to_owned())
        .bind(ceremony.district.0)
        .bind(ceremony.account.map(|a| a.0))
        .bind(kind.to_owned())
        .bind(ceremony.state.clone())
        .bind(address.to_owned())
        .bind(expires_at)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes a live ceremony of `kind` out of the district's: once only.
    pub async fn take_ceremony(
        &self,
        district: DistrictId,
        id_hash: &str,
        kind: &str,
        now: i64,
    ) -> Result<Option<Ceremony>> {
        let row = sqlx::query(
            "DELETE FROM passkey_ceremonies WHERE district_id = $1 AND id_hash = $2 AND kind = $3 \
             RETURNING district_id, account_id, state, expires_at",
        )
        .bind(district.0)
        .bind(id_hash.to_owned())
        .bind(kind.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if row.try_get::<i64, _>("expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some(Ceremony {
            district: DistrictId(row.try_get("district_id")?),
            account: row.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
            state: row.try_get("state")?,
        }))
    }
}

impl Tx {
    pub async fn insert_passkey(
        &mut self,
        district: DistrictId,
        account: AccountId,
        credential_id: &str,
        name: &str,
        credential: &str,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO passkeys \
               (district_id, account_id, credential_id, name, credential, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(credential_id.to_owned())
        .bind(name.to_owned())
        .bind(credential.to_owned())
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Keeps what a login changed in the credential (its counter, its backup state).
    pub async fn passkey_used(
        &mut self,
        district: DistrictId,
        id: i64,
        credential: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE passkeys SET last_used_at = $1, credential = COALESCE($2, credential) \
             WHERE district_id = $3 AND id = $4",
        )
        .bind(now)
        .bind(credential.map(str::to_owned))
        .bind(district.0)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Removes one of the account's passkeys: its name, if it was theirs.
    pub async fn delete_passkey(
        &mut self,
        district: DistrictId,
        account: AccountId,
        id: i64,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "DELETE FROM passkeys WHERE district_id = $1 AND account_id = $2 AND id = $3 \
             RETURNING name",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        row.map(|row| Ok(row.try_get("name")?)).transpose()
    }

    /// Removes every passkey of the account: how many there were.
    pub async fn delete_passkeys(
        &mut self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<u64> {
        let done = sqlx::query("DELETE FROM passkeys WHERE district_id = $1 AND account_id = $2")
            .bind(district.0)
            .bind(account.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}
