//! Where an import's files come from: a folder or a .zip, with the files in the one folder
//! that holds them, at any depth. Files are read as streams, never whole, and an archive is
//! held to the limits as it inflates: what it declares about itself is not believed.

use std::cell::Cell;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::super::problems::Problem;
use crate::config::ImportLimits;

pub enum Source {
    Folder(PathBuf),
    Zip {
        archive: zip::ZipArchive<BufReader<Counted>>,
        /// Bytes read from the archive's file so far.
        compressed: Rc<Cell<u64>>,
        /// The folder inside the archive that holds the files, with a trailing `/`, or empty.
        prefix: String,
        limits: ImportLimits,
        /// Bytes inflated so far, from every entry.
        inflated: u64,
    },
}

/// Files that mark the folder holding a OneRoster set.
const MARKERS: &[&str] = &["manifest.csv", "users.csv", "orgs.csv"];

/// How deep, and through how many folders, a folder is searched for the set.
const DEPTH: usize = 8;
const FOLDERS: usize = 1_000;

/// An entry inflates past what its compressed size makes plausible only once it is past this.
const RATIO_FLOOR: u64 = 10 << 20;

/// Why an archive's entry stopped being read: a limit, in words an administrator can act on.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

impl Source {
    pub fn open(path: &Path, limits: ImportLimits) -> Result<Self, Problem> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Problem::general(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() {
            return Ok(Self::Folder(find_folder(path)?));
        }
        let file = File::open(path)
            .map_err(|e| Problem::general(format!("cannot read {}: {e}", path.display())))?;
        let compressed = Rc::new(Cell::new(0));
        let counted = Counted {
            file,
            read: compressed.clone(),
        };
        let archive = zip::ZipArchive::new(BufReader::new(counted)).map_err(|e| {
            // Its name only: an upload's path on the server is nobody's business.
            let name = path.file_name().unwrap_or(path.as_os_str());
            Problem::general(format!(
                "{} is neither a folder nor a readable .zip: {e}",
                name.to_string_lossy()
            ))
        })?;
        if archive.len() as u64 > limits.entries {
            return Err(Problem::general(format!(
                "the archive holds {} entries, more than {} (import_max_entries)",
                archive.len(),
                limits.entries
            )));
        }
        let prefix = zip_prefix(&archive)?;
        Ok(Self::Zip {
            archive,
            compressed,
            prefix,
            limits,
            inflated: 0,
        })
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
                Ok(Some(Box::new(file)))
            }
            Self::Zip {
                archive,
                compressed,
                prefix,
                limits,
                inflated,
            } => {
                let full = format!("{prefix}{name}");
                if archive.index_for_name(&full).is_none() {
                    return Ok(None);
                }
                let entry = archive.by_name(&full).map_err(|e| {
                    Problem::file(name, format!("cannot read from the archive: {e}"))
                })?;
                Ok(Some(Box::new(Inflating {
                    entry,
                    compressed: compressed.clone(),
                    started: compressed.get(),
                    read: 0,
                    limits: *limits,
                    inflated,
                })))
            }
        }
    }
}

/// The archive's file, counted as it is read: how much an entry has inflated is measured
/// against the compressed bytes read so far, not the size its header declares.
pub struct Counted {
    file: File,
    read: Rc<Cell<u64>>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

impl Seek for Counted {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

/// An entry of the archive, counted as it inflates.
struct Inflating<'a, R> {
    entry: R,
    /// Bytes read from the archive's file: since `started`, this entry's.
    compressed: Rc<Cell<u64>>,
    started: u64,
    /// Bytes of this entry so far.
    read: u64,
    limits: ImportLimits,
    /// Bytes of every entry so far.
    inflated: &'a mut u64,
}

impl<R: Read> Read for Inflating<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.entry.read(buf)?;
        self.read += n as u64;
        *self.inflated += n as u64;
        if *self.inflated > self.limits.unzipped_bytes {
            return Err(refused(format!(
                "the archive inflates to more than {} bytes (import_max_unzipped_bytes)",
                self.limits.unzipped_bytes
            )));
        }
        let compressed = self.compressed.get().saturating_sub(self.started).max(1);
        if self.read > RATIO_FLOOR && self.read / compressed > self.limits.ratio {
            return Err(refused(format!(
                "inflates to more than {} times its compressed size (import_max_ratio): not a \
                 CSV file a student information system writes",
                self.limits.ratio
            )));
        }
        Ok(n)
    }
}

fn refused(reason: String) -> std::io::Error {
    std::io::Error::other(Refused(reason))
}

fn has_markers(folder: &Path) -> bool {
    MARKERS.iter().any(|m| folder.join(m).is_file())
}

/// The one folder, at any depth, that holds the files.
fn find_folder(path: &Path) -> Result<PathBuf, Problem> {
    let mut found = Vec::new();
    let mut pending = vec![(path.to_owned(), 0)];
    let mut searched = 0;
    while let Some((folder, depth)) = pending.pop() {
        searched += 1;
        if searched > FOLDERS {
            return Err(Problem::general(format!(
                "{} holds more than {FOLDERS} folders; give the one that holds the files",
                path.display()
            )));
        }
        if has_markers(&folder) {
            found.push(folder.clone());
        }
        if depth == DEPTH {
            continue;
        }
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| Problem::general(format!("cannot read {}: {e}", folder.display())))?;
        for entry in entries.filter_map(Result::ok) {
            // Symbolic links are not followed: a set is plain folders.
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push((entry.path(), depth + 1));
            }
        }
    }
    found.sort();
    let names: Vec<String> = found
        .iter()
        .map(|f| format!("{:?}", f.display().to_string()))
        .collect();
    one_set(found, names, &path.display().to_string())
}

/// The folder inside the archive that holds the files.
fn zip_prefix(archive: &zip::ZipArchive<BufReader<Counted>>) -> Result<String, Problem> {
    let mut prefixes: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter_map(|name| {
            let name: &str = &name;
            let (folder, file) = match name.rsplit_once('/') {
                Some((folder, file)) => (format!("{folder}/"), file),
                None => (String::new(), name),
            };
            // A Mac's archive keeps a shadow copy of every file under __MACOSX/.
            let shadow = folder.starts_with("__MACOSX/");
            (MARKERS.contains(&file) && !shadow).then_some(folder)
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    let names: Vec<String> = prefixes
        .iter()
        .map(|p| match p.as_str() {
            "" => "the archive's top".to_owned(),
            folder => format!("{folder:?}"),
        })
        .collect();
    one_set(prefixes, names, "the archive")
}

/// The one place that holds a set, or why there is none.
fn one_set<T>(mut found: Vec<T>, names: Vec<String>, what: &str) -> Result<T, Problem> {
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Problem::general(format!(
            "{what} holds no OneRoster files (manifest.csv, users.csv or orgs.csv)"
        ))),
        _ => Err(Problem::general(format!(
            "{what} holds {} OneRoster sets, in {}; import one at a time",
            found.len(),
            names.join(" and ")
        ))),
    }
}
