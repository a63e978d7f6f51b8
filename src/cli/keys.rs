//! `homeroom keys generate`: activation keys as CSV, and printable letters.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::CliError;
use crate::app::App;
use crate::domain::{Invalid, Lang, PersonRole, SourcedId};
use crate::services::{self, activation};
use crate::store::KeyScope;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make keys for guardians and students (or, with --role teacher, teachers) who have no
    /// account and no live key.
    Generate {
        #[arg(long)]
        district: String,
        /// Only guardians, only students, or teachers (who get keys only when asked).
        #[arg(long, value_parser = ["guardian", "student", "teacher"])]
        role: Option<String>,
        /// Only people of this school (guardians through their children), by sourcedId.
        #[arg(long, value_name = "SOURCED_ID")]
        school: Option<String>,
        /// Only this person, by sourcedId.
        #[arg(long, value_name = "SOURCED_ID")]
        person: Option<String>,
        /// Also replace live keys people already hold.
        #[arg(long)]
        regenerate: bool,
        /// The CSV file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write printable letters, one a page, as HTML.
        #[arg(long, value_name = "FILE.html")]
        letters: Option<PathBuf>,
        /// The letters' language: en or es.
        #[arg(long, value_name = "LANG", default_value = "en", value_parser = parse_language)]
        language: Lang,
    },
}

pub async fn run(app: &App, command: KeysCommand) -> Result<(), CliError> {
    let KeysCommand::Generate {
        district,
        role,
        school,
        person,
        regenerate,
        out,
        letters,
        language,
    } = command;
    let district = services::districts::by_slug(app, &district).await?;
    let scope = KeyScope {
        role: role.as_deref().map(PersonRole::parse).transpose()?,
        school: school.as_deref().map(SourcedId::parse).transpose()?,
        person: person.as_deref().map(SourcedId::parse).transpose()?,
        regenerate,
    };
    // Check that the files can be written before any key is made.
    let csv_file = Staged::create(&out)?;
    let letters_file = letters.as_deref().map(Staged::create).transpose()?;

    let issued =
        activation::generate(app, &district, &scope, services::districts::OPERATOR).await?;
    let date = |at: i64| crate::web::pages::district_date(&district, at);
    let failed = |path: &Path, e: &dyn std::fmt::Display| {
        Invalid::new(format!(
            "{} keys were stored but writing {} failed ({e}); run again with --regenerate",
            issued.len(),
            path.display()
        ))
    };

    let mut csv = csv::Writer::from_writer(Vec::new());
    let header = ["sourcedId", "name", "role", "school", "key", "expires"];
    csv.write_record(header).map_err(|e| failed(&out, &e))?;
    for key in &issued {
        let school = key.person.school.clone().unwrap_or_default();
        let grouped = key.key.grouped();
        let expires = date(key.expires_at);
        let name = key.person.name();
        csv.write_record([
            key.person.sourced_id.as_str(),
            name.as_str(),
            key.person.role.as_str(),
            school.as_str(),
            grouped.as_str(),
            expires.as_str(),
        ])
        .map_err(|e| failed(&out, &e))?;
    }
    let bytes = csv.into_inner().map_err(|e| failed(&out, &e))?;
    csv_file.finish(&bytes).map_err(|e| failed(&out, &e))?;

    if let (Some(file), Some(path)) = (letters_file, letters.as_deref()) {
        let html = crate::i18n::sync_scope(language, || {
            crate::web::pages::letters(
                &app.config.public_url,
                &district,
                &issued,
                crate::web::pages::LettersFor::File,
            )
        });
        file.finish(html.as_bytes()).map_err(|e| failed(path, &e))?;
    }
    println!("{} keys written to {}", issued.len(), out.display());
    Ok(())
}

fn parse_language(raw: &str) -> Result<Lang, String> {
    Lang::parse(raw).ok_or_else(|| format!("the portal speaks en and es, not {raw:?}"))
}

/// A file written in full beside its destination, then moved into place: a reader never sees
/// half of it.
pub(super) struct Staged {
    temporary: PathBuf,
    destination: PathBuf,
    file: std::fs::File,
}

impl Staged {
    pub(super) fn create(destination: &Path) -> Result<Self, CliError> {
        let name = destination
            .file_name()
            .ok_or_else(|| Invalid::new(format!("{} is not a file name", destination.display())))?;
        let temporary = destination.with_file_name(format!(".{}.partial", name.to_string_lossy()));
        let file = std::fs::File::create(&temporary)
            .map_err(|e| Invalid::new(format!("cannot write {}: {e}", destination.display())))?;
        Ok(Self {
            temporary,
            destination: destination.to_owned(),
            file,
        })
    }

    pub(super) fn finish(mut self, contents: &[u8]) -> std::io::Result<()> {
        self.file.write_all(contents)?;
        self.file.sync_all()?;
        std::fs::rename(&self.temporary, &self.destination)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After a successful rename there is nothing left to remove.
        let _ = std::fs::remove_file(&self.temporary);
    }
}
