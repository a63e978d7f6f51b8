//! One CSV file of the set, read a record at a time with the physical line it starts on.
//!
//! Built on `csv_core`, which parses into buffers the reader owns, so that every limit holds
//! while a record is being read rather than after: a field past `field_bytes` or a row past
//! `fields` stops the file at once, whatever follows. Handles a UTF-8 byte order mark, LF,
//! CRLF and CR line ends (mixed, too), quoted fields holding commas, quotes and line breaks,
//! and blank rows (skipped, as a spreadsheet leaves them).

use std::io::{BufRead, BufReader, Read};

use csv_core::ReadRecordResult;

use super::super::problems::Problem;
use crate::config::ImportLimits;

pub struct Table<'a> {
    pub file: &'static str,
    input: BufReader<Box<dyn Read + 'a>>,
    core: csv_core::Reader,
    /// The header's names, trimmed. A handful: searched in order, faster than hashing for
    /// each of the millions of fields a large file has.
    columns: Vec<String>,
    /// The current record's fields, one after another, and where each ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
    lines: Lines,
    limits: ImportLimits,
    rows: u64,
    /// After a problem that stops the file, nothing more is read.
    stopped: bool,
}

/// One record: its line in the file, and its fields by column name.
pub struct Row<'t> {
    pub line: u64,
    text: &'t str,
    ends: &'t [usize],
    columns: &'t [String],
}

/// A record as read: where it starts, its bytes, and its field count.
struct Record {
    line: u64,
    len: usize,
    fields: usize,
}

impl<'a> Table<'a> {
    /// Reads the header and checks that the required columns are there. Column names match
    /// whatever their case, as spreadsheets tend to change it.
    pub fn open(
        file: &'static str,
        input: Box<dyn Read + 'a>,
        required: &[&str],
        limits: ImportLimits,
    ) -> Result<Self, Problem> {
        let mut table = Self {
            file,
            input: BufReader::with_capacity(64 * 1024, input),
            core: csv_core::Reader::new(),
            columns: Vec::new(),
            fields: vec![0; 1024],
            ends: vec![0; 32],
            lines: Lines::default(),
            limits,
            rows: 0,
            stopped: false,
        };
        let header = match table.read_record()? {
            Some(header) => header,
            None => return Err(Problem::file(file, "the file is empty: it has no header")),
        };
        let text = std::str::from_utf8(&table.fields[..header.len])
            .map_err(|_| Problem::at(file, header.line, not_utf8()))?;
        table.columns = split(text, &table.ends[..header.fields])
            .map(|name| name.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| {
                !table
                    .columns
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(c))
            })
            .collect();
        if !missing.is_empty() {
            return Err(Problem::at(
                file,
                header.line,
                format!("missing required column(s): {}", missing.join(", ")),
            ));
        }
        Ok(table)
    }

    /// The next record, `None` at the end. A record that cannot be read is a problem; one
    /// past a limit is the file's last.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, Problem>> {
        if self.stopped {
            return None;
        }
        let record = match self.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => {
                self.stopped = true;
                return None;
            }
            Err(problem) => {
                self.stopped = true;
                return Some(Err(problem));
            }
        };
        let at = |reason: String| Some(Err(Problem::at(self.file, record.line, reason)));
        if record.fields != self.columns.len() {
            return at(format!(
                "{} field{}, the header has {}",
                record.fields,
                if record.fields == 1 { "" } else { "s" },
                self.columns.len()
            ));
        }
        let Ok(text) = std::str::from_utf8(&self.fields[..record.len]) else {
            return at(not_utf8());
        };
        // SQLite would keep it, PostgreSQL refuses it in any text: one answer for both.
        if text.contains('\0') {
            return at("a NUL character, which no field may hold".to_owned());
        }
        Some(Ok(Row {
            line: record.line,
            text,
            ends: &self.ends[..record.fields],
            columns: &self.columns,
        }))
    }

    /// The next record that is not blank, counted against the row limit.
    fn next_record(&mut self) -> Result<Option<Record>, Problem> {
        loop {
            let Some(record) = self.read_record()? else {
                return Ok(None);
            };
            if self.fields[..record.len]
                .iter()
                .all(u8::is_ascii_whitespace)
            {
                continue;
            }
            self.rows += 1;
            if self.rows > self.limits.rows {
                return Err(Problem::at(
                    self.file,
                    record.line,
                    format!(
                        "more than {} rows (import_max_rows); the rest of the file was not read",
                        self.limits.rows
                    ),
                ));
            }
            if record.fields as u64 > self.limits.fields {
                return Err(self.too_many_fields(record.line));
            }
            let mut start = 0;
            for &end in &self.ends[..record.fields] {
                if (end - start) as u64 > self.limits.field_bytes {
                    return Err(self.field_too_long(record.line));
                }
                start = end;
            }
            return Ok(Some(record));
        }
    }

    /// Reads one record into `fields` and `ends`, growing them within the limits.
    fn read_record(&mut self) -> Result<Option<Record>, Problem> {
        let (mut len, mut fields) = (0, 0);
        loop {
            let input = match self.input.fill_buf() {
                Ok(input) => input,
                Err(err) => return Err(Problem::file(self.file, unreadable(&err))),
            };
            let (result, read, written, ended) =
                self.core
                    .read_record(input, &mut self.fields[len..], &mut self.ends[fields..]);
            self.lines.consume(&input[..read]);
            self.input.consume(read);
            len += written;
            fields += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let field_start = fields.checked_sub(1).map_or(0, |i| self.ends[i]);
                    if (len - field_start) as u64 > self.limits.field_bytes {
                        return Err(self.field_too_long(self.lines.start));
                    }
                    self.fields.resize(self.fields.len() * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() as u64 >= self.limits.fields {
                        return Err(self.too_many_fields(self.lines.start));
                    }
                    self.ends.resize(self.ends.len() * 2, 0);
                }
                ReadRecordResult::Record => {
                    let line = self.lines.start;
                    self.lines.record_ended();
                    return Ok(Some(Record { line, len, fields }));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    fn too_many_fields(&self, line: u64) -> Problem {
        Problem::at(
            self.file,
            line,
            format!(
                "more than {} fields in a row (import_max_fields); the rest of the file was not \
                 read",
                self.limits.fields
            ),
        )
    }

    fn field_too_long(&self, line: u64) -> Problem {
        Problem::at(
            self.file,
            line,
            format!(
                "a field longer than {} bytes (import_max_field_bytes); the rest of the file was \
                 not read",
                self.limits.field_bytes
            ),
        )
    }
}

impl Row<'_> {
    /// How many bytes its fields hold.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    /// The field, trimmed; an empty or absent field is `None`. The last of two columns of one
    /// name wins.
    pub fn get(&self, column: &str) -> Option<&str> {
        // As written first: a header in another case is the exception.
        let i = self
            .columns
            .iter()
            .rposition(|name| name == column)
            .or_else(|| {
                self.columns
                    .iter()
                    .rposition(|name| name.eq_ignore_ascii_case(column))
            })?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(self.text.get(start..self.ends[i])?.trim()).filter(|v| !v.is_empty())
    }
}

/// The fields of a record's text.
fn split<'t>(text: &'t str, ends: &'t [usize]) -> impl Iterator<Item = &'t str> {
    let starts = std::iter::once(0).chain(ends.iter().copied());
    starts
        .zip(ends.iter().copied())
        .map(|(start, end)| text.get(start..end).unwrap_or_default())
}

fn not_utf8() -> String {
    "not UTF-8 text (save the file as \"CSV UTF-8\")".to_owned()
}

/// An error of the file's source: a limit of the archive speaks for itself.
fn unreadable(err: &std::io::Error) -> String {
    match err
        .get_ref()
        .and_then(|e| e.downcast_ref::<super::source::Refused>())
    {
        Some(refused) => refused.to_string(),
        None => format!("cannot read: {err}"),
    }
}

/// Counts physical lines as bytes go by, so that a record is named by the line it starts on:
/// LF, CRLF and a lone CR each end a line, and line breaks inside quotes count too.
#[derive(Debug)]
struct Lines {
    /// The line the next byte is on.
    line: u64,
    /// Whether the last byte seen was a CR (so that a LF right after it ends no line).
    after_cr: bool,
    /// Between records: line breaks until the next record's first byte.
    between: bool,
    /// The line the current record started on.
    start: u64,
}

impl Default for Lines {
    fn default() -> Self {
        Self {
            line: 1,
            after_cr: false,
            between: true,
            start: 1,
        }
    }
}

impl Lines {
    fn consume(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        if self.between {
            let skip = rest
                .iter()
                .position(|b| !matches!(b, b'\r' | b'\n'))
                .unwrap_or(rest.len());
            self.count(&rest[..skip]);
            rest = &rest[skip..];
            if !rest.is_empty() {
                self.start = self.line;
                self.between = false;
            }
        }
        self.count(rest);
    }

    fn count(&mut self, bytes: &[u8]) {
        for i in memchr::memchr2_iter(b'\r', b'\n', bytes) {
            let after_cr = match i {
                0 => self.after_cr,
                _ => bytes[i - 1] == b'\r',
            };
            if bytes[i] == b'\r' || !after_cr {
                self.line += 1;
            }
        }
        if let Some(&last) = bytes.last() {
            self.after_cr = last == b'\r';
        }
    }

    fn record_ended(&mut self) {
        self.between = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, fields) of every row of `text`, or the problem that stopped it.
    fn rows(text: &[u8], limits: ImportLimits) -> Vec<Result<(u64, Vec<String>), String>> {
        let mut table = Table::open(
            "users.csv",
            Box::new(std::io::Cursor::new(text.to_vec())),
            &[],
            limits,
        )
        .unwrap();
        let columns = table.columns.clone();
        let mut out = Vec::new();
        while let Some(row) = table.next_row() {
            out.push(
                row.map(|row| {
                    let fields = columns
                        .iter()
                        .map(|c| row.get(c).unwrap_or("").to_owned())
                        .collect();
                    (row.line, fields)
                })
                .map_err(|p| p.to_string()),
            );
        }
        out
    }

    fn lines(text: &str) -> Vec<u64> {
        rows(text.as_bytes(), ImportLimits::default())
            .into_iter()
            .map(|r| r.unwrap().0)
            .collect()
    }

    #[test]
    fn a_record_is_named_by_the_physical_line_it_starts_on() {
        assert_eq!(lines("a,b\n1,2\n3,4\n"), [2, 3]);
        assert_eq!(lines("a,b\r\n1,2\r\n3,4\r\n"), [2, 3]);
        assert_eq!(lines("a,b\r1,2\r3,4"), [2, 3]);
        assert_eq!(lines("\u{feff}a,b\r\n1,2\r\n3,4"), [2, 3]);
        assert_eq!(lines("a,b\n1,\"two\r\nlines\"\n3,4\n"), [2, 4]);
        assert_eq!(lines("a,b\r\n1,\"x\n\ny\"\r3,4\n\n\r\n5,6"), [2, 5, 8]);
        // Blank lines and a spreadsheet's empty rows are skipped, and counted.
        assert_eq!(lines("a,b\n\n1,2\n , \n3,4\n"), [3, 5]);
    }

    #[test]
    fn lines_are_counted_the_same_whatever_the_reads_cut() {
        let text = "a,b\r\n1,\"q\r\nq\"\r\n\r\n3,4\r5,6\n";
        let mut whole = Lines::default();
        let mut starts = Vec::new();
        for chunk in [1, 2, 3, 5, 8] {
            let mut lines = Lines::default();
            for piece in text.as_bytes().chunks(chunk) {
                lines.consume(piece);
            }
            starts.push(lines.line);
        }
        whole.consume(text.as_bytes());
        assert!(starts.iter().all(|&l| l == whole.line), "{starts:?}");
        assert_eq!(whole.line, 7);
    }

    #[test]
    fn a_row_with_too_few_or_too_many_fields_is_a_problem() {
        let out = rows(b"a,b,c\n1,2\n1,2,3,4\n1,2,3\n", ImportLimits::default());
        assert_eq!(
            out[0],
            Err("users.csv:2: 2 fields, the header has 3".into())
        );
        assert_eq!(
            out[1],
            Err("users.csv:3: 4 fields, the header has 3".into())
        );
        assert!(out[2].is_ok());
    }

    #[test]
    fn limits_stop_the_file() {
        let limits = ImportLimits {
            field_bytes: 8,
            fields: 4,
            rows: 2,
            ..ImportLimits::default()
        };
        let long = rows(b"a,b\n1,2\n123456789,2\n3,4\n", limits);
        assert_eq!(long.len(), 2);
        assert!(
            long[1]
                .as_ref()
                .unwrap_err()
                .starts_with("users.csv:3: a field longer than 8 bytes")
        );
        let wide = rows(b"a,b\n1,2,3,4,5,6,7,8,9\n3,4\n", limits);
        assert_eq!(wide.len(), 1);
        assert!(wide[0].as_ref().unwrap_err().contains("more than 4 fields"));
        let many = rows(b"a,b\n1,2\n3,4\n5,6\n7,8\n", limits);
        assert_eq!(many.len(), 3);
        assert!(
            many[2]
                .as_ref()
                .unwrap_err()
                .starts_with("users.csv:4: more than 2 rows")
        );
    }

    #[test]
    fn bad_text_is_a_problem_of_its_row() {
        let out = rows(b"a,b\n1,\xe9t\xe9\n1,x\0\n3,4\n", ImportLimits::default());
        assert!(
            out[0]
                .as_ref()
                .unwrap_err()
                .contains("users.csv:2: not UTF-8")
        );
        assert!(out[1].as_ref().unwrap_err().contains("users.csv:3: a NUL"));
        assert_eq!(out[2], Ok((4, vec!["3".into(), "4".into()])));
    }
}
