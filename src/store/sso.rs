//! The districts' identity providers, the sign-ins under way, and finding the one person a
//! provider's claim names.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError};
use crate::domain::{AccountId, AccountKind, DistrictId, SsoClaim, SsoMatch};

/// A district's provider for one portal, as kept (the secret still sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProviderRecord {
    pub portal: AccountKind,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub claim: SsoClaim,
    pub match_by: SsoMatch,
    pub label: String,
}

/// A sign-in under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoAttempt {
    pub portal: AccountKind,
    pub nonce: String,
    pub verifier: String,
    /// From the mobile app: where its one-time code goes, and its PKCE challenge.
    pub app: Option<(String, String)>,
}

fn provider_from_row(row: &AnyRow) -> Result<SsoProviderRecord> {
    Ok(SsoProviderRecord {
        portal: AccountKind::parse(row.try_get("portal")?)?,
        issuer: row.try_get("issuer")?,
        client_id: row.try_get("client_id")?,
        client_secret: row.try_get("client_secret")?,
        claim: SsoClaim::parse(row.try_get("claim")?)?,
        match_by: SsoMatch::parse(row.try_get("match_by")?)?,
        label: row.try_get("label")?,
    })
}

const PROVIDER: &str = "SELECT portal, issuer, client_id, client_secret, claim, match_by, label \
     FROM sso_providers";

impl Store {
    /// Sets the district's provider for a portal, replacing any.
    pub async fn set_sso_provider(
        &self,
        district: DistrictId,
        provider: &SsoProviderRecord,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sso_providers WHERE district_id = $1 AND portal = $2")
            .bind(district.0)
            .bind(provider.portal.as_str())
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "INSERT INTO sso_providers (district_id, portal, issuer, client_id, client_secret, \
               claim, match_by, label, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(district.0)
        .bind(provider.portal.as_str())
        .bind(provider.issuer.clone())
        .bind(provider.client_id.clone())
        .bind(provider.client_secret.clone())
        .bind(provider.claim.as_str())
        .bind(provider.match_by.as_str())
        .bind(provider.label.clone())
        .bind(now)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Removes the district's provider for a portal; answers whether there was one.
    pub async fn remove_sso_provider(
        &self,
        district: DistrictId,
        portal: AccountKind,
    ) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sso_providers WHERE district_id = $1 AND portal = $2")
            .bind(district.0)
            .bind(portal.as_str())
            .execute(self.pool()?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn sso_provider(
        &self,
        district: DistrictId,
        portal: AccountKind,
    ) -> Result<Option<SsoProviderRecord>> {
        let row = sqlx::query(super::sql::built(format!(
            "{PROVIDER} WHERE district_id = $1 AND portal = $2"
        )))
        .bind(district.0)
        .bind(portal.as_str())
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(provider_from_row).transpose()
    }

    pub async fn sso_providers(&self, district: DistrictId) -> Result<Vec<SsoProviderRecord>> {
        let rows = sqlx::query(super::sql::built(format!(
            "{PROVIDER} WHERE district_id = $1 ORDER BY portal"
        )))
        .bind(district.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(provider_from_row).collect()
    }

    /// Keeps a sign-in under way (and drops the district's expired ones).
    pub async fn insert_sso_attempt(
        &self,
        district: DistrictId,
        state_hash: &str,
        attempt: &SsoAttempt,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sso_attempts WHERE district_id = $1 AND expires_at <= $2")
            .bind(district.0)
            .bind(now)
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "INSERT INTO sso_attempts (district_id, state_hash, portal, nonce, verifier, \
               app_redirect, app_challenge, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(district.0)
        .bind(state_hash.to_owned())
        .bind(attempt.portal.as_str())
        .bind(attempt.nonce.clone())
        .bind(attempt.verifier.clone())
        .bind(attempt.app.as_ref().map(|(r, _)| r.clone()))
        .bind(attempt.app.as_ref().map(|(_, c)| c.clone()))
        .bind(expires_at)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Takes a live sign-in by its state's hash: once only, so a replayed callback finds none.
    pub async fn take_sso_attempt(
        &self,
        district: DistrictId,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<SsoAttempt>> {
        let row = sqlx::query(
            "DELETE FROM sso_attempts WHERE district_id = $1 AND state_hash = $2 \
             RETURNING portal, nonce, verifier, app_redirect, app_challenge, expires_at",
        )
        .bind(district.0)
        .bind(state_hash.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= now {
            return Ok(None);
        }
        let redirect: Option<String> = row.try_get("app_redirect")?;
        let challenge: Option<String> = row.try_get("app_challenge")?;
        Ok(Some(SsoAttempt {
            portal: AccountKind::parse(row.try_get("portal")?)?,
            nonce: row.try_get("nonce")?,
            verifier: row.try_get("verifier")?,
            app: redirect.zip(challenge),
        }))
    }

    /// Keeps a one-time code for the app, for the account, until `expires_at`.
    pub async fn insert_sso_app_code(
        &self,
        district: DistrictId,
        code_hash: &str,
        account: AccountId,
        challenge: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sso_app_codes (district_id, code_hash, account_id, challenge, \
               expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(district.0)
        .bind(code_hash.to_owned())
        .bind(account.0)
        .bind(challenge.to_owned())
        .bind(expires_at)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    /// Takes a live one-time code: its account and the app's challenge. Once only.
    pub async fn take_sso_app_code(
        &self,
        district: DistrictId,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<(AccountId, String)>> {
        let row = sqlx::query(
            "DELETE FROM sso_app_codes WHERE district_id = $1 AND code_hash = $2 \
             RETURNING account_id, challenge, expires_at",
        )
        .bind(district.0)
        .bind(code_hash.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some((
            AccountId(row.try_get("account_id")?),
            row.try_get("challenge")?,
        )))
    }

    /// The active people of a portal's role whose sourcedId, email or account username is
    /// `value` (email and username in any case): their person ids, at most two (more than one
    /// is already one too many).
    pub async fn sso_people(
        &self,
        district: DistrictId,
        portal: AccountKind,
        match_by: SsoMatch,
        value: &str,
    ) -> Result<Vec<i64>> {
        let role = match portal {
            AccountKind::Student => "student",
            AccountKind::Teacher => "teacher",
            AccountKind::Staff => "staff",
            AccountKind::Parent => {
                return Err(StoreError::Corrupt("no single sign-on for parents".into()));
            }
        };
        let which = match match_by {
            SsoMatch::SourcedId => "p.sourced_id = $3",
            SsoMatch::Email => "LOWER(p.email) = LOWER($3)",
            SsoMatch::Username => {
                "EXISTS (SELECT 1 FROM accounts a WHERE a.district_id = p.district_id \
                   AND a.person_id = p.id AND a.username_folded = LOWER($3))"
            }
        };
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT p.id FROM people p WHERE p.district_id = $1 AND p.role = $2 \
               AND p.active = $4 AND {which} ORDER BY p.id LIMIT 2"
        )))
        .bind(district.0)
        .bind(role)
        .bind(value.to_owned())
        .bind(true)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }
}
