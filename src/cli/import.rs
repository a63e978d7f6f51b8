//! `homeroom import oneroster --district S PATH`.

use std::path::PathBuf;

use clap::Subcommand;

use super::CliError;
use crate::app::App;
use crate::services::access::Staff;
use crate::services::districts;
use crate::services::import::{self, ImportError};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a OneRoster 1.1 or 1.2 CSV set: a folder or a .zip (bulk, or delta by the
    /// manifest). Nothing is written unless every row is good.
    Oneroster {
        #[arg(long)]
        district: String,
        path: PathBuf,
    },
}

pub async fn run(app: &App, command: ImportCommand) -> Result<(), CliError> {
    let ImportCommand::Oneroster { district, path } = command;
    let district = districts::by_slug(app, &district).await?;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress: Option<import::Progress> = terminal.then(|| {
        std::sync::Arc::new(|stage: import::Stage| match stage {
            import::Stage::Reading { file, rows } => {
                eprint!("\rchecking {file}: {rows} rows      ")
            }
            import::Stage::Writing => {
                eprint!("\rwriting to the database…                          ")
            }
        }) as import::Progress
    });
    let outcome = import::oneroster(app, &Staff::operator(district.clone()), &path, progress).await;
    if terminal {
        eprintln!();
    }
    match outcome {
        Ok(report) => {
            println!("imported into {}: {report}", district.slug);
            let stages: Vec<String> = report
                .stages
                .iter()
                .map(|(stage, took)| format!("{stage} {:.1} s", took.as_secs_f64()))
                .collect();
            println!("stages: {}", stages.join(", "));
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            if report.warning_total > report.warnings.len() {
                eprintln!(
                    "… and {} more warnings",
                    report.warning_total - report.warnings.len()
                );
            }
            Ok(())
        }
        Err(ImportError::Rejected { problems, total }) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            if total > problems.len() {
                eprintln!("… and {} more", total - problems.len());
            }
            Err(crate::domain::Invalid::new(format!(
                "{total} problem(s) found; nothing was imported"
            ))
            .into())
        }
        Err(ImportError::Service(err)) => Err(CliError::Service(err)),
    }
}
