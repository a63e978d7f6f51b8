//! One CSV file of the set, read a record at a time with its line number. Handles a UTF-8 byte
//! order mark, CRLF line ends, and quoted fields holding commas, quotes and line breaks.

use std::io::Read;

use super::Problem;

pub struct Table<'a> {
    pub file: &'static str,
    reader: csv::Reader<Box<dyn Read + 'a>>,
    /// The header's names, trimmed. A handful: searched in order, faster than hashing for
    /// each of the millions of fields a large file has.
    columns: Vec<String>,
    record: csv::StringRecord,
}

/// One record: its line in the file, and its fields by column name.
pub struct Row<'t> {
    pub line: u64,
    record: &'t csv::StringRecord,
    columns: &'t [String],
}

impl<'a> Table<'a> {
    /// Reads the header and checks that the required columns are there.
    pub fn open(
        file: &'static str,
        input: Box<dyn Read + 'a>,
        required: &[&str],
    ) -> Result<Self, Problem> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| Problem::at(file, 1, format!("unreadable header: {e}")))?
            .clone();
        let columns: Vec<String> = headers
            .iter()
            .map(|name| name.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.iter().any(|name| name == c))
            .collect();
        if !missing.is_empty() {
            return Err(Problem::at(
                file,
                1,
                format!("missing required column(s): {}", missing.join(", ")),
            ));
        }
        Ok(Self {
            file,
            reader,
            columns,
            record: csv::StringRecord::new(),
        })
    }

    /// The next record, `None` at the end. A record that cannot be read is a problem.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, Problem>> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                // SQLite would keep it, PostgreSQL refuses it in any text: one answer for both.
                if self.record.as_slice().contains('\0') {
                    return Some(Err(Problem::at(
                        self.file,
                        line,
                        "a NUL character, which no field may hold".to_owned(),
                    )));
                }
                Some(Ok(Row {
                    line,
                    record: &self.record,
                    columns: &self.columns,
                }))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                Some(Err(Problem::at(
                    self.file,
                    line,
                    format!("unreadable record: {e}"),
                )))
            }
        }
    }
}

impl Row<'_> {
    /// The field, trimmed; an empty or absent field is `None`.
    pub fn get(&self, column: &str) -> Option<&str> {
        // The last of two columns of one name wins.
        self.columns
            .iter()
            .rposition(|name| name == column)
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}
