//! `homeroom account reset-password|disable|enable|reset-second-factor`.

use clap::Subcommand;

use super::CliError;
use crate::app::App;
use crate::services::access::Staff;
use crate::services::admin;
use crate::services::districts;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Set a temporary password that must be changed at the next login (printed once), and
    /// log the account out everywhere.
    ResetPassword {
        #[arg(long)]
        district: String,
        #[arg(long)]
        username: String,
    },
    /// Disable an account: it cannot log in, and its sessions and tokens end.
    Disable {
        #[arg(long)]
        district: String,
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        district: String,
        #[arg(long)]
        username: String,
    },
    /// Remove an account's two-step verification (a lost phone): it logs in with its password
    /// alone, and staff who must have one set up a new app at the next login.
    ResetSecondFactor {
        #[arg(long)]
        district: String,
        #[arg(long)]
        username: String,
    },
}

pub async fn run(app: &App, command: AccountCommand) -> Result<(), CliError> {
    let (district, username) = match &command {
        AccountCommand::ResetPassword { district, username }
        | AccountCommand::Disable { district, username }
        | AccountCommand::Enable { district, username }
        | AccountCommand::ResetSecondFactor { district, username } => (district, username),
    };
    let district = districts::by_slug(app, district).await?;
    let account = admin::account_by_username(app, &district, username)
        .await
        .map_err(|_| {
            crate::domain::Invalid::new(format!("{} has no account {username:?}", district.slug))
        })?;
    let operator = Staff::operator(district);
    match command {
        AccountCommand::ResetPassword { .. } => {
            let password = admin::reset_password(app, &operator, &account).await?;
            println!("temporary password for {}: {password}", account.username);
            println!("it must be changed at the next login; it is not shown again");
        }
        AccountCommand::Disable { .. } => {
            admin::set_active(app, &operator, &account, false).await?;
            println!(
                "{} disabled; its sessions and tokens have ended",
                account.username
            );
        }
        AccountCommand::Enable { .. } => {
            admin::set_active(app, &operator, &account, true).await?;
            println!("{} enabled", account.username);
        }
        AccountCommand::ResetSecondFactor { .. } => {
            admin::reset_second_factor(app, &operator, &account).await?;
            println!(
                "{}: two-step verification removed; the account has been told",
                account.username
            );
        }
    }
    Ok(())
}
