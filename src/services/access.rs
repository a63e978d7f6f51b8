//! Who may do what, as values: a capability is made only by authentication (or, for the
//! operator, by the command line) and every service call that needs one takes it, so that no
//! adapter can forget a check. The portal's records are guarded one level deeper: each read
//! names its student, and `records` answers only for students the account may see.

use super::admin::Actor;
use super::auth::Authenticated;
use super::{Error, Result};
use crate::domain::{Account, AccountKind, District};

/// District staff, or the operator, acting on one district: what the console's services take.
#[derive(Debug, Clone)]
pub struct Staff {
    district: District,
    /// `None`: the operator on the server's command line.
    account: Option<Account>,
}

impl Staff {
    /// A signed-in account as this district's staff. To anyone else the console does not exist
    /// (`NotFound`); staff who must still change their password do that first.
    pub fn signed_in(who: Authenticated) -> Result<Self> {
        if who.account.kind != AccountKind::Staff {
            return Err(Error::NotFound);
        }
        if who.account.must_change_password {
            return Err(Error::PasswordChangeRequired);
        }
        Ok(Self {
            district: who.district,
            account: Some(who.account),
        })
    }

    /// The operator, for the server's command line (`homeroom …`), which only someone with
    /// the server and its database can run.
    pub fn operator(district: District) -> Self {
        Self {
            district,
            account: None,
        }
    }

    pub fn district(&self) -> &District {
        &self.district
    }

    /// The staff account; `None` for the operator.
    pub fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    /// How the audit log names who acted.
    pub fn actor(&self) -> Actor<'_> {
        match &self.account {
            Some(account) => Actor {
                name: account.username.as_str(),
                account: Some(account.id),
            },
            None => super::admin::OPERATOR,
        }
    }
}

/// A parent or student whose password is settled: what the portal's services take.
#[derive(Debug, Clone)]
pub struct Family(Authenticated);

impl Family {
    /// A signed-in account as a family: staff are refused (`Forbidden`), and an account that
    /// must still change its password does that first.
    pub fn signed_in(who: Authenticated) -> Result<Self> {
        if who.account.must_change_password {
            return Err(Error::PasswordChangeRequired);
        }
        if who.account.kind == AccountKind::Staff {
            return Err(Error::NotFound);
        }
        Ok(Self(who))
    }
}

impl std::ops::Deref for Family {
    type Target = Authenticated;

    fn deref(&self) -> &Authenticated {
        &self.0
    }
}
