//! Who may do what, as values made only by authentication, required by the service calls that
//! need them, so that no adapter can forget a check:
//! - [`Authenticated`]: a live session (only `auth::authenticate` makes one);
//! - [`Staff`]: this district's staff with a settled password, or the operator on the command
//!   line: what every console service takes;
//! - the portal's records take an `Authenticated` and answer only for the students it may see
//!   (`records::open`), exactly as if any other did not exist.

use super::auth::Authenticated;
use super::{Error, Result};
use crate::domain::{Account, AccountKind, District};

/// Who acts, as the audit log names them: the operator on the command line, or a staff account.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub name: &'a str,
    pub account: Option<crate::domain::AccountId>,
}

pub const OPERATOR: Actor<'static> = Actor {
    name: "operator",
    account: None,
};

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
            None => OPERATOR,
        }
    }
}
