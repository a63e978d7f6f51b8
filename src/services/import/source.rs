//! Where an import's files come from: a folder or a .zip, with the files at the top or in one
//! sub-folder. Files are read as streams, never whole.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::Problem;

pub enum Source {
    Folder(PathBuf),
    Zip {
        archive: zip::ZipArchive<BufReader<File>>,
        /// The folder inside the archive that holds the files, with a trailing `/`, or empty.
        prefix: String,
    },
}

/// Files that mark the folder holding a OneRoster set.
const MARKERS: &[&str] = &["manifest.csv", "users.csv", "orgs.csv"];

impl Source {
    pub fn open(path: &Path) -> Result<Self, Problem> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Problem::general(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() {
            return Ok(Self::Folder(find_folder(path)?));
        }
        let file = File::open(path)
            .map_err(|e| Problem::general(format!("cannot read {}: {e}", path.display())))?;
        let archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
            Problem::general(format!(
                "{} is neither a folder nor a readable .zip: {e}",
                path.display()
            ))
        })?;
        let prefix = zip_prefix(&archive)?;
        Ok(Self::Zip { archive, prefix })
    }

    /// Opens one file of the set, if it is there.
    pub fn open_file(&mut self, name: &'static str) -> Result<Option<Box<dyn Read + '_>>, Problem> {
        match self {
            Self::Folder(folder) => {
                let path = folder.join(name);
                if !path.is_file() {
                    return Ok(None);
                }
                let file = File::open(&path)
                    .map_err(|e| Problem::file(name, format!("cannot read: {e}")))?;
                Ok(Some(Box::new(BufReader::new(file))))
            }
            Self::Zip { archive, prefix } => {
                let full = format!("{prefix}{name}");
                if archive.index_for_name(&full).is_none() {
                    return Ok(None);
                }
                let entry = archive.by_name(&full).map_err(|e| {
                    Problem::file(name, format!("cannot read from the archive: {e}"))
                })?;
                Ok(Some(Box::new(entry)))
            }
        }
    }
}

fn has_markers(folder: &Path) -> bool {
    MARKERS.iter().any(|m| folder.join(m).is_file())
}

/// The folder itself, or its one sub-folder that holds the files.
fn find_folder(path: &Path) -> Result<PathBuf, Problem> {
    if has_markers(path) {
        return Ok(path.to_owned());
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Problem::general(format!("cannot read {}: {e}", path.display())))?;
    let candidates: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && has_markers(p))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Problem::general(format!(
            "{} holds no OneRoster files (manifest.csv, users.csv or orgs.csv)",
            path.display()
        ))),
        _ => Err(Problem::general(format!(
            "{} holds several folders of OneRoster files; give one of them",
            path.display()
        ))),
    }
}

fn zip_prefix(archive: &zip::ZipArchive<BufReader<File>>) -> Result<String, Problem> {
    let mut prefixes: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter_map(|name| {
            let name: &str = &name;
            let (folder, file) = match name.rsplit_once('/') {
                Some((folder, file)) => (format!("{folder}/"), file),
                None => (String::new(), name),
            };
            MARKERS.contains(&file).then_some(folder)
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    match prefixes.as_slice() {
        [one] if one.matches('/').count() <= 1 => Ok(one.clone()),
        [] => Err(Problem::general(
            "the archive holds no OneRoster files (manifest.csv, users.csv or orgs.csv)",
        )),
        _ => Err(Problem::general(
            "the archive holds OneRoster files in several folders; keep one",
        )),
    }
}
