//! `homeroom admin add`: a district's staff administrator.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use super::CliError;
use crate::app::App;
use crate::services::{self, auth};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a district administrator. The password is read from standard input with
    /// --password-stdin, or asked for on the terminal.
    Add {
        #[arg(long)]
        district: String,
        #[arg(long)]
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(app: &App, command: AdminCommand) -> Result<(), CliError> {
    match command {
        AdminCommand::Add {
            district,
            username,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let account = auth::add_staff(app, &district, &username, &password).await?;
            println!(
                "added administrator {} to {district}: log in at /d/{district}/staff",
                account.username
            );
            Ok(())
        }
    }
}

fn read_password(from_stdin: bool) -> Result<String, CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            return Err(services::Error::Invalid(crate::domain::Invalid::new(
                "no password on standard input",
            ))
            .into());
        }
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(services::Error::Invalid(crate::domain::Invalid::new(
            "give the password with --password-stdin, or run on a terminal to be asked for it",
        ))
        .into());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let again = rpassword::prompt_password("Password again: ")?;
    if first != again {
        return Err(services::Error::Invalid(crate::domain::Invalid::new(
            "the two passwords differ",
        ))
        .into());
    }
    Ok(first)
}
