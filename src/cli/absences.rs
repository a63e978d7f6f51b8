//! `homeroom absences export`: the approved absence requests, for the district's SIS.

use std::path::PathBuf;

use clap::Subcommand;

use super::CliError;
use super::keys::Staged;
use crate::app::App;
use crate::services::access::Staff;
use crate::services::{self, absences};

#[derive(Debug, Subcommand)]
pub enum AbsencesCommand {
    /// Write the days of the absence requests approved since a date as a CSV in the shape of
    /// Homeroom's attendance.csv (excused), to load into the SIS.
    Export {
        #[arg(long)]
        district: String,
        /// Requests approved on or after this day (`YYYY-MM-DD`, the district's time zone).
        #[arg(long, value_name = "DATE")]
        since: String,
        /// The CSV file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub async fn run(app: &App, command: AbsencesCommand) -> Result<(), CliError> {
    let AbsencesCommand::Export {
        district,
        since,
        out,
    } = command;
    let district = services::districts::by_slug(app, &district).await?;
    let file = Staged::create(&out)?;
    let (csv, days) = absences::export(app, &Staff::operator(district), &since).await?;
    file.finish(csv.as_bytes())?;
    println!("{days} approved days written to {}", out.display());
    Ok(())
}
