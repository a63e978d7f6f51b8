//! A second factor for an account: enrolling an authenticator app (TOTP), its recovery codes,
//! proving it at login, and taking it away by the account, with its password and a code (staff
//! take it away for someone who lost their phone: `admin::reset_second_factor`).

use super::auth::{Authenticated, Client, ProofFor, account_entry, prove_password};
use super::security::{self, Notice, Recipient};
use super::{Error, Result};
use crate::app::App;
use crate::domain::{
    Account, AccountId, AccountKind, CROCKFORD, District, DistrictId, Invalid,
    RECOVERY_CODE_LENGTH, RECOVERY_CODES, RecoveryCode, SecondFactorProof, StaffSecondFactor,
    TOTP_SECRET_BYTES, TotpCode, TotpSecret,
};
use crate::secrets;

/// A secret waiting for its first code, as the account's authenticator app takes it.
#[derive(Debug)]
pub struct Enrollment {
    /// Base 32, to type into the app.
    pub secret: String,
    /// `otpauth://…`, for the app to scan as a QR code.
    pub uri: String,
}

/// What a TOTP secret is bound to when sealed: its account's row.
fn sealing_context(district: DistrictId, account: AccountId) -> String {
    format!("totp:{}:{}", district.0, account.0)
}

/// A TOTP secret as the store keeps it: sealed under the operator's `secret_key` when one is
/// set (a copy of the database alone then holds no secret), as the app has it otherwise.
fn stored_form(
    app: &App,
    district: DistrictId,
    account: AccountId,
    secret: &TotpSecret,
) -> Result<String> {
    super::sealing::keep(
        app,
        &secret.to_base32(),
        &sealing_context(district, account),
    )
}

/// The TOTP secret a stored value holds. One sealed under a key this node does not have is an
/// operator's mistake, said as such, never a wrong code.
fn secret_of(
    app: &App,
    district: DistrictId,
    account: AccountId,
    stored: &str,
) -> Result<TotpSecret> {
    let base32 = super::sealing::read(
        app,
        stored,
        &sealing_context(district, account),
        "a TOTP secret",
    )?;
    TotpSecret::parse(&base32).ok_or_else(|| Error::internal("a stored TOTP secret does not parse"))
}

/// Whether this account may, for now, do nothing but enroll a second factor.
pub fn must_enroll(district: &District, account: &Account) -> bool {
    account.kind == AccountKind::Staff
        && district.settings.staff_second_factor == StaffSecondFactor::Required
        && !account.second_factor
}

/// Starts enrolling: a new random secret waits for its first code. An account that has a
/// second factor must take it away first.
pub async fn begin(app: &App, who: &Authenticated) -> Result<Enrollment> {
    if who.account.second_factor {
        return Err(already_on());
    }
    let secret = TotpSecret::from_bytes(secrets::random_bytes::<TOTP_SECRET_BYTES>()?);
    let stored = stored_form(app, who.district.id, who.account.id, &secret)?;
    app.store
        .set_totp_pending(who.district.id, who.account.id, &stored, app.clock.unix())
        .await?;
    Ok(Enrollment {
        uri: secret.uri(who.district.name.as_str(), who.account.username.as_str()),
        secret: secret.to_base32(),
    })
}

/// The secret waiting for its first code, or a new one when none waits: a page opened again
/// (a second click, a reload) shows the secret the app may have scanned already.
pub async fn waiting_or_new(app: &App, who: &Authenticated) -> Result<Enrollment> {
    if who.account.second_factor {
        return Err(already_on());
    }
    let state = app.store.totp(who.district.id, who.account.id).await?;
    let waiting = state
        .pending
        .as_deref()
        .map(|stored| secret_of(app, who.district.id, who.account.id, stored))
        .transpose()?;
    match waiting {
        Some(secret) => Ok(Enrollment {
            uri: secret.uri(who.district.name.as_str(), who.account.username.as_str()),
            secret: secret.to_base32(),
        }),
        None => begin(app, who).await,
    }
}

/// Confirms the waiting secret with a code from the app: it becomes the account's second
/// factor, and ten recovery codes are made (shown once here; only their hashes are kept).
pub async fn confirm(
    app: &App,
    who: &Authenticated,
    code: &str,
    client: &Client,
) -> Result<Vec<String>> {
    let wrong = || {
        Error::Invalid(Invalid::worded(
            "That code is not correct. Enter the 6-digit code your authenticator app shows now.",
            "second-factor-wrong-code",
            vec![],
        ))
    };
    let code = TotpCode::parse(code).ok_or_else(wrong)?;
    let state = app.store.totp(who.district.id, who.account.id).await?;
    if state.secret.is_some() {
        return Err(already_on());
    }
    let pending = state.pending.ok_or_else(|| {
        Error::Conflict(Invalid::worded(
            "Start setting up two-step verification first: there is no app waiting for its first code.",
            "second-factor-not-started",
            vec![],
        ))
    })?;
    let secret = secret_of(app, who.district.id, who.account.id, &pending)?;
    let now = app.clock.unix();
    let step = secret
        .step_of(&code, u64::try_from(now).unwrap_or(0))
        .ok_or_else(wrong)?;
    let codes = new_recovery_codes()?;
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| secrets::hash_token(c.as_str()))
        .collect();
    let mut tx = app.store.begin().await?;
    let step = i64::try_from(step).map_err(|_| Error::internal("a TOTP step past i64"))?;
    if !tx
        .confirm_totp(who.district.id, who.account.id, &pending, step, now)
        .await?
    {
        // Another enrollment replaced the secret meanwhile: this code is for the old one.
        return Err(wrong());
    }
    tx.replace_recovery_codes(who.district.id, who.account.id, &hashes)
        .await?;
    tx.audit(
        account_entry(who, "second_factor.enrolled", None, client),
        now,
    )
    .await?;
    security::tell(
        &mut tx,
        Recipient::of(&who.district, &who.account),
        &Notice::SecondFactorAdded,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(codes.iter().map(RecoveryCode::display).collect())
}

/// Takes the account's second factor away, with its password and a code (or a recovery code).
/// A wrong password counts as a failed login; a wrong code answers `invalid_second_factor`.
pub async fn remove(
    app: &App,
    who: &Authenticated,
    password: &str,
    proof: &str,
    client: &Client,
) -> Result<()> {
    let (account, _) =
        prove_password(app, who, password, client, ProofFor::SecondFactorRemoval).await?;
    if !account.second_factor {
        return Err(none_to_remove());
    }
    let proof = SecondFactorProof::parse(proof).ok_or(Error::InvalidSecondFactor)?;
    if !verify(app, &account, &proof).await? {
        app.store
            .audit(
                account_entry(
                    who,
                    "second_factor.removal_failed",
                    Some("wrong code".into()),
                    client,
                ),
                app.clock.unix(),
            )
            .await?;
        return Err(Error::InvalidSecondFactor);
    }
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.remove_second_factor(who.district.id, who.account.id, now)
        .await?;
    tx.audit(
        account_entry(who, "second_factor.removed", None, client),
        now,
    )
    .await?;
    security::tell(
        &mut tx,
        Recipient::of(&who.district, &who.account),
        &Notice::SecondFactorRemoved,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `proof` is the account's: a code of now (or a step either side) not used before,
/// or an unused recovery code. Either is spent by a success.
pub async fn verify(app: &App, account: &Account, proof: &SecondFactorProof) -> Result<bool> {
    let now = app.clock.unix();
    match proof {
        SecondFactorProof::Totp(code) => {
            let state = app.store.totp(account.district, account.id).await?;
            let Some(stored) = state.secret.as_deref() else {
                return Ok(false);
            };
            let secret = secret_of(app, account.district, account.id, stored)?;
            let Some(step) = secret.step_of(code, u64::try_from(now).unwrap_or(0)) else {
                return Ok(false);
            };
            let step = i64::try_from(step).map_err(|_| Error::internal("a TOTP step past i64"))?;
            Ok(app
                .store
                .use_totp_step(account.district, account.id, step)
                .await?)
        }
        SecondFactorProof::Recovery(code) => Ok(app
            .store
            .use_recovery_code(
                account.district,
                account.id,
                &secrets::hash_token(code.as_str()),
                now,
            )
            .await?),
    }
}

fn already_on() -> Error {
    Error::Conflict(Invalid::worded(
        "This account has two-step verification already: remove it first to set up another app.",
        "second-factor-already",
        vec![],
    ))
}

/// The answer to removing a second factor from an account that has none.
pub(super) fn none_to_remove() -> Error {
    Error::Conflict(Invalid::worded(
        "This account has no two-step verification to remove.",
        "second-factor-none",
        vec![],
    ))
}

fn new_recovery_codes() -> Result<Vec<RecoveryCode>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = secrets::code(CROCKFORD, RECOVERY_CODE_LENGTH)?;
            RecoveryCode::parse(&raw)
                .ok_or_else(|| Error::internal("a new recovery code does not parse"))
        })
        .collect()
}
