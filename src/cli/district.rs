//! `homeroom district add|list|set`.

use clap::Subcommand;

use super::CliError;
use crate::app::App;
use crate::domain::District;
use crate::services::districts;

#[derive(Debug, Subcommand)]
pub enum DistrictCommand {
    /// Add a district.
    Add {
        /// The short name in addresses, e.g. cedar-valley.
        #[arg(long)]
        slug: String,
        /// The name families know, e.g. "Cedar Valley Public Schools".
        #[arg(long)]
        name: String,
        /// Two-letter postal code of the state, DC or territory.
        #[arg(long)]
        state: String,
    },
    /// List every district.
    List,
    /// Change a setting: forgot_password, forgot_username, notifications, linking (on/off);
    /// captcha_after_failures, captcha_after_address_failures, password_min_length,
    /// key_lifetime_days (numbers); timezone (IANA name); maintenance (a message, or off).
    Set {
        slug: String,
        key: String,
        value: String,
    },
}

pub async fn run(app: &App, command: DistrictCommand) -> Result<(), CliError> {
    match command {
        DistrictCommand::Add { slug, name, state } => {
            let district = districts::add(app, &slug, &name, &state).await?;
            println!(
                "added {} ({}, {}); time zone {}",
                district.slug,
                district.name,
                district.state,
                district.settings.timezone.as_str()
            );
        }
        DistrictCommand::List => {
            let listing = districts::list(app).await?;
            if listing.is_empty() {
                println!("no districts yet: add one with `homeroom district add`");
                return Ok(());
            }
            println!(
                "{:<24} {:<5} {:>7} {:>8} {:>9}  {:<11} NAME",
                "SLUG", "STATE", "SCHOOLS", "STUDENTS", "GUARDIANS", "MAINTENANCE"
            );
            for (district, counts) in listing {
                println!(
                    "{:<24} {:<5} {:>7} {:>8} {:>9}  {:<11} {}",
                    district.slug.as_str(),
                    district.state.code(),
                    counts.schools,
                    counts.students,
                    counts.guardians,
                    if district.maintenance().is_some() {
                        "on"
                    } else {
                        "off"
                    },
                    district.name
                );
            }
        }
        DistrictCommand::Set { slug, key, value } => {
            let district = districts::set(app, &slug, &key, &value).await?;
            println!("{}: {}", district.slug, describe(&district, &key));
        }
    }
    Ok(())
}

fn describe(district: &District, key: &str) -> String {
    match (key, district.maintenance()) {
        ("maintenance", Some(message)) => format!("in maintenance: {}", message.as_str()),
        ("maintenance", None) => "maintenance off: open to families".to_owned(),
        _ => format!("{key} updated"),
    }
}
