//! Secrets the store keeps to use later (authenticator seeds, client secrets of the district's
//! identity provider and SIS): sealed under the operator's `secret_key` when one is set, so
//! that a copy of the database alone holds none of them; kept as given otherwise. Each is
//! sealed for its row (`context`): a sealed value copied to another row does not open there.

use super::{Error, Result};
use crate::app::App;
use crate::secrets;

/// `plain` as the store keeps it.
pub(crate) fn keep(app: &App, plain: &str, context: &str) -> Result<String> {
    match &app.config.secret_key {
        Some(key) => Ok(key.seal(plain.as_bytes(), context)?),
        None => Ok(plain.to_owned()),
    }
}

/// What a stored value holds. One sealed under a key this node does not have is an operator's
/// mistake, said as such (`what` names the secret: "a client secret").
pub(crate) fn read(app: &App, stored: &str, context: &str, what: &str) -> Result<String> {
    if !secrets::is_sealed(stored) {
        return Ok(stored.to_owned());
    }
    let key = app.config.secret_key.as_ref().ok_or_else(|| {
        Error::internal(format!("{what} is sealed, but no secret_key is configured"))
    })?;
    let plain = key
        .open(stored, context)
        .ok_or_else(|| Error::internal(format!("{what} does not open with this secret_key")))?;
    String::from_utf8(plain)
        .map_err(|_| Error::internal(format!("{what} is sealed, but not as text")))
}
