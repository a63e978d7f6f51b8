//! `homeroom sync oneroster --district S [connection] [--full]` and `homeroom sync show`.

use clap::Subcommand;

use super::CliError;
use crate::app::App;
use crate::services::access::Staff;
use crate::services::districts;
use crate::services::rostering::{self, Connection, Ran, Trigger};

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Read the district from its SIS's OneRoster 1.2 API and import it: everything the first
    /// time, then what changed since the last good run. Nothing is written unless every page
    /// was read and every record is good. The connection is given once and kept (the client
    /// secret sealed under secret_key), for later runs and the `sync_interval` schedule.
    Oneroster {
        #[arg(long)]
        district: String,
        /// The part before /rostering/v1p2, e.g. https://sis.example/campus/api/ims/oneroster.
        #[arg(long, requires_all = ["token_url", "client_id", "client_secret_stdin"])]
        base_url: Option<String>,
        /// The OAuth 2.0 token endpoint (client credentials, HTTP Basic).
        #[arg(long, requires = "base_url")]
        token_url: Option<String>,
        #[arg(long, requires = "base_url")]
        client_id: Option<String>,
        /// Read the client secret from the first line of standard input.
        #[arg(long, requires = "base_url")]
        client_secret_stdin: bool,
        /// Read everything, not only what changed (a bulk set: what the SIS no longer holds is
        /// deactivated).
        #[arg(long)]
        full: bool,
    },
    /// Show the district's connection (never its secret) and its latest runs.
    Show {
        #[arg(long)]
        district: String,
    },
}

pub async fn run(app: &App, command: SyncCommand) -> Result<(), CliError> {
    match command {
        SyncCommand::Oneroster {
            district,
            base_url,
            token_url,
            client_id,
            client_secret_stdin: _,
            full,
        } => {
            let district = districts::by_slug(app, &district).await?;
            let staff = Staff::operator(district);
            if let (Some(base_url), Some(token_url), Some(client_id)) =
                (base_url, token_url, client_id)
            {
                let mut secret = String::new();
                std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut secret)?;
                let given = Connection {
                    base_url: &base_url,
                    token_url: &token_url,
                    client_id: &client_id,
                    client_secret: secret.trim_end_matches(['\r', '\n']),
                };
                let connected = rostering::connect(app, &staff, given).await?;
                println!(
                    "{}: connected to {} (the SIS gave a token)",
                    staff.district().slug,
                    connected.base_url
                );
            }
            report(
                rostering::sync(app, &staff, Trigger::Asked, full).await?,
                &staff,
            )
        }
        SyncCommand::Show { district } => {
            let district = districts::by_slug(app, &district).await?;
            let staff = Staff::operator(district);
            let district = staff.district();
            match rostering::connection(app, district).await? {
                Some(c) => println!(
                    "{}: {} (token {}, client {}), every {}",
                    district.slug,
                    c.base_url,
                    c.token_url,
                    c.client_id,
                    district.settings.sync_interval
                ),
                None => println!("{}: no SIS connection", district.slug),
            }
            for run in rostering::runs(app, &staff, 10).await? {
                let at = jiff::Timestamp::from_second(run.started_at)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                println!(
                    "{at}  {:<8} {:<5} {:>8} records  by {}: {}",
                    run.outcome,
                    run.mode,
                    run.records,
                    run.started_by,
                    run.summary.unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}

fn report(ran: Ran, staff: &Staff) -> Result<(), CliError> {
    let slug = &staff.district().slug;
    match ran {
        Ran::Imported {
            mode,
            records,
            report,
            ..
        } => {
            println!("{slug}: read {records} records ({mode}); imported: {report}");
            Ok(())
        }
        Ran::Failed {
            mode,
            records,
            reason,
            problems,
            ..
        } => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            Err(crate::domain::Invalid::new(format!(
                "{slug}: the sync failed after {records} records ({mode}): {reason}"
            ))
            .into())
        }
        Ran::Busy => Err(crate::domain::Invalid::new(format!(
            "{slug}: a sync of this district is running already; nothing was started"
        ))
        .into()),
    }
}
