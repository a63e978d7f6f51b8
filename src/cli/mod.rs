//! The command line: parse, build the configuration, call the services, print. One module per
//! command group.

mod absences;
mod account;
mod admin;
mod district;
mod import;
mod keys;
mod serve;
mod sync;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::clock::Clock;
use crate::config::{self, Config, ConfigError, ConfigInput};
use crate::services;
use crate::store::StoreError;

#[derive(Debug, Parser)]
#[command(
    name = "homeroom",
    version,
    about = "The parent and student portal of school districts"
)]
pub struct Cli {
    /// A TOML configuration file (also HOMEROOM_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// sqlite://FILE or postgres://USER@HOST/DATABASE (also HOMEROOM_DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the portal (with its job worker).
    Serve(serve::ServeArgs),
    /// Run only the job worker (mail), until SIGTERM or Ctrl-C.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage districts and their settings.
    #[command(subcommand)]
    District(district::DistrictCommand),
    /// Manage district administrators.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Activation keys for families.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Reset, disable or enable a family's or staff member's account.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Import a district's data from its student information system.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Read a district from its SIS's OneRoster API, now or on its `sync_interval`.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// Absence requests families made: export the approved ones for the SIS.
    #[command(subcommand)]
    Absences(absences::AbsencesCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Write a realistic OneRoster district as CSV files (no database needed).
    Generate {
        /// How many students.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        students: u32,
        /// The folder to write (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The same seed gives the same district.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The calendar year the school year starts in (August); the current school year's
        /// without it.
        #[arg(long, value_parser = clap::value_parser!(i16).range(1970..=2200))]
        year: Option<i16>,
    },
}

/// Why a command failed, in one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Start(#[from] crate::app::StartError),
    #[error("{}", .0.public_message_for_operator())]
    Service(#[from] services::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<crate::domain::Invalid> for CliError {
    fn from(err: crate::domain::Invalid) -> Self {
        Self::Service(services::Error::Invalid(err))
    }
}

impl services::Error {
    /// The command line is used by the operator, who may see what a family may not.
    fn public_message_for_operator(&self) -> String {
        match self {
            services::Error::Unavailable(cause) => cause.to_string(),
            services::Error::Internal(cause) => cause.clone(),
            other => other.public_message(),
        }
    }
}

/// Runs the command line; `env` reads environment variables.
pub async fn run(cli: Cli, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let config = build_config(&cli, &env)?;
    init_logging(&config);
    match cli.command {
        Command::Serve(args) => serve::run(config, args).await,
        Command::Demo(DemoCommand::Generate {
            students,
            out,
            seed,
            year,
        }) => {
            let year = year.unwrap_or_else(|| {
                services::generator::school_year_of(
                    jiff::tz::TimeZone::UTC
                        .to_datetime(jiff::Timestamp::now())
                        .date(),
                )
            });
            let options = services::generator::Options {
                students,
                seed,
                year,
            };
            let written = tokio::task::spawn_blocking(move || {
                services::generator::generate(&out, &options).map(|w| (w, out))
            })
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
            let (written, out) = written;
            let total: u64 = written.files.iter().map(|(_, rows)| rows).sum();
            println!("wrote {total} rows to {}:", out.display());
            for (file, rows) in written.files {
                println!("  {file}: {rows}");
            }
            Ok(())
        }
        command => {
            // Every other command is a short job against the database.
            let app = App::start(config, Clock::default()).await?;
            let result = match command {
                Command::Migrate => {
                    println!("migrations applied ({})", app.store.backend().name());
                    Ok(())
                }
                Command::District(command) => district::run(&app, command).await,
                Command::Admin(command) => admin::run(&app, command).await,
                Command::Keys(command) => keys::run(&app, command).await,
                Command::Account(command) => account::run(&app, command).await,
                Command::Import(command) => import::run(&app, command).await,
                Command::Sync(command) => sync::run(&app, command).await,
                Command::Absences(command) => absences::run(&app, command).await,
                Command::Worker => {
                    let stop = crate::server::shutdown_signal();
                    println!("the job worker is running");
                    services::worker::run(app.clone(), stop).await;
                    Ok(())
                }
                // Handled above.
                Command::Serve(_) | Command::Demo(_) => Ok(()),
            };
            app.store.close().await;
            result
        }
    }
}

fn build_config(cli: &Cli, env: &impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let file = match config::config_path(cli.config.clone(), env) {
        Some(path) => ConfigInput::from_file(&path)?,
        None => ConfigInput::default(),
    };
    let mut flags = ConfigInput {
        database_url: cli.database_url.clone(),
        ..Default::default()
    };
    if let Command::Serve(args) = &cli.command {
        flags.bind = args.bind.clone();
    }
    let mut input = file.overlay(ConfigInput::from_env(env)?).overlay(flags);
    // One-shot commands print their own results; only warnings belong beside them.
    if !matches!(cli.command, Command::Serve(_)) && input.log.is_none() {
        input.log = Some("warn".to_owned());
    }
    input.resolve()
}

fn init_logging(config: &Config) {
    // The filter was checked when the configuration was resolved.
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        crate::config::LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        // One object a line, the request's span (its id, method and path) in each.
        crate::config::LogFormat::Json => logs.json().with_current_span(true).try_init(),
    };
}
