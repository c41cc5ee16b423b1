//! Reading a CSV file that was spooled to disk, in two passes with constant memory: [`analyse`] finds
//! the delimiter, checks the header (required, no empty or duplicate names), checks that every row
//! has the header's width and infers each column's type over the whole file (or takes the types of a
//! given schema); [`read_rows`] then yields every row as typed cells. Errors name the line and column.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::infer::{ColumnInference, Inferred, Numbers, Scales};
use super::quotes::{QuoteError, Watch, Watched};
use super::sniff::{Encoding, EncodingError, detect_delimiter};
use crate::catalog::table::{Cell, ColumnType};

/// The longest field accepted, in bytes: a cell is a value, not a document.
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// The most columns a hosted table may have: each is a column of its SQL table, beside the row
/// number, and every row must be storable whatever its values. PostgreSQL keeps a row within one 8 KB
/// page, a short text inline takes up to 24 bytes (longer ones move out of the row, leaving a pointer
/// of 18), so 300 columns always fit (about 7.3 KB) where 1 000 texts of eight letters already do not;
/// SQLite would take 2 000. One limit for both, so a catalogue can move from SQLite to PostgreSQL.
pub const MAX_COLUMNS: usize = 300;

/// Bytes of the decoded file looked at to find the delimiter.
const SAMPLE_BYTES: u64 = 64 * 1024;

/// What the first pass found.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The file's encoding.
    pub encoding: Encoding,
    /// The delimiter.
    pub delimiter: u8,
    /// The columns: the header as written and the inferred (or given) type.
    pub columns: Vec<(String, Inferred)>,
    /// Data rows (the header not counted).
    pub rows: u64,
}

/// Why a file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The bytes are not text in one encoding.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// Nothing at all.
    #[error("line 1: the file is empty; a header row naming the columns is required")]
    Empty,
    /// A header but no data.
    #[error("the file has a header row but no data rows")]
    NoRows,
    /// More columns than a hosted table may have.
    #[error("line 1: the header names {0} columns; a hosted table has at most {MAX_COLUMNS}")]
    TooManyColumns(usize),
    /// A header cell is blank.
    #[error("line 1, column {0}: the header is empty; every column needs a name")]
    EmptyHeader(usize),
    /// Two header cells are equal.
    #[error("line 1: the column name `{name}` appears twice (columns {first} and {second})")]
    DuplicateHeader {
        /// The name.
        name: String,
        /// Its first column (1-based).
        first: usize,
        /// The repeated column (1-based).
        second: usize,
    },
    /// A row with another number of fields than the header.
    #[error("line {line}: {found} fields where the header has {expected}")]
    Ragged {
        /// The line.
        line: u64,
        /// The header's width.
        expected: usize,
        /// This row's width.
        found: usize,
    },
    /// A field over [`MAX_FIELD_BYTES`].
    #[error("line {line}, column `{column}`: the field is longer than {MAX_FIELD_BYTES} bytes")]
    FieldTooLong {
        /// The line.
        line: u64,
        /// The column.
        column: String,
    },
    /// A cell that does not fit its column's type (only with a given schema).
    #[error("line {line}, column `{column}`: {message}")]
    Cell {
        /// The line.
        line: u64,
        /// The column.
        column: String,
        /// What was expected.
        message: String,
    },
    /// A given schema does not name the header's columns.
    #[error("line 1: the header {found:?} does not match the schema's fields {expected:?}")]
    SchemaMismatch {
        /// The schema's names.
        expected: Vec<String>,
        /// The header.
        found: Vec<String>,
    },
    /// Broken CSV (e.g. a quote never closed).
    #[error("line {line}: {message}")]
    Csv {
        /// The line.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// Quoting the parser would not read as written.
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// The spooled file could not be read.
    #[error("failed to read the uploaded file")]
    Io(#[source] io::Error),
}

/// The decoded (UTF-8) text of a spooled file; a BOM is dropped.
/// The text of a sample that may end inside a character (the cut character is dropped).
fn sample_text(sample: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(sample) {
        Ok(text) => text.into(),
        Err(e) if e.error_len().is_none() => String::from_utf8_lossy(&sample[..e.valid_up_to()]),
        Err(_) => String::from_utf8_lossy(sample),
    }
}

fn decoded(path: &Path, encoding: Encoding) -> Result<impl Read, ReadError> {
    let file = File::open(path).map_err(ReadError::Io)?;
    let label = match encoding {
        Encoding::Utf8 | Encoding::Utf8Bom => encoding_rs::UTF_8,
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252,
    };
    Ok(DecodeReaderBytesBuilder::new()
        .encoding(Some(label))
        .bom_override(true)
        .build(BufReader::with_capacity(1 << 16, file)))
}

/// The parser over the decoded file, and the watch that counts its lines and checks its quoting.
fn reader(
    path: &Path,
    encoding: Encoding,
    delimiter: u8,
) -> Result<(csv::Reader<impl Read>, Rc<RefCell<Watch>>), ReadError> {
    let (watched, watch) = Watched::new(decoded(path, encoding)?, delimiter);
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(watched);
    Ok((reader, watch))
}

/// The line on which `record` starts, as a person counts it.
fn line_of(watch: &RefCell<Watch>, record: &csv::StringRecord) -> u64 {
    let position = record.position();
    position
        .and_then(|p| watch.borrow_mut().line_of(p.byte()))
        .or_else(|| position.map(csv::Position::line))
        .unwrap_or(0)
}

fn csv_error(watch: &RefCell<Watch>, error: &csv::Error) -> ReadError {
    if let Some(quote) = watch.borrow().error() {
        return ReadError::Quote(quote);
    }
    let line = error.position().map_or(0, |p| p.line());
    match error.kind() {
        // The decoder reports text it cannot read as `InvalidData`: the file's fault. Any other
        // I/O error is the server failing to read its own spool file.
        csv::ErrorKind::Io(e) if e.kind() == io::ErrorKind::InvalidData => ReadError::Csv {
            line,
            message: e.to_string(),
        },
        csv::ErrorKind::Io(e) => ReadError::Io(io::Error::new(e.kind(), e.to_string())),
        _ => ReadError::Csv {
            line,
            message: error.to_string(),
        },
    }
}

/// The first pass. `schema` (names and types, e.g. from a Frictionless Table Schema) replaces the
/// inference; its names must equal the header.
pub fn analyse(
    path: &Path,
    encoding: Encoding,
    schema: Option<&[(String, ColumnType)]>,
) -> Result<Analysis, ReadError> {
    let mut sample = Vec::new();
    decoded(path, encoding)?
        .take(SAMPLE_BYTES)
        .read_to_end(&mut sample)
        .map_err(ReadError::Io)?;
    let cut = sample.len() as u64 == SAMPLE_BYTES;
    let delimiter = detect_delimiter(&sample_text(&sample), cut);
    let (mut csv, watch) = reader(path, encoding, delimiter)?;
    let mut records = csv.records();
    let header = match records.next() {
        None => return Err(ReadError::Empty),
        Some(record) => record.map_err(|e| csv_error(&watch, &e))?,
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    if names.len() == 1 && names[0].is_empty() {
        return Err(ReadError::Empty);
    }
    if names.len() > MAX_COLUMNS {
        return Err(ReadError::TooManyColumns(names.len()));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(ReadError::EmptyHeader(i + 1));
        }
        if let Some(first) = seen.insert(name, i + 1) {
            return Err(ReadError::DuplicateHeader {
                name: name.clone(),
                first,
                second: i + 1,
            });
        }
    }
    if let Some(schema) = schema {
        let expected: Vec<String> = schema.iter().map(|(n, _)| n.clone()).collect();
        if expected != names {
            return Err(ReadError::SchemaMismatch {
                expected,
                found: names,
            });
        }
    }
    let numbers = Numbers::for_delimiter(delimiter);
    let mut columns = vec![ColumnInference::new(numbers); names.len()];
    let given: Option<Vec<Inferred>> = schema.map(|s| {
        s.iter()
            .map(|(_, t)| Inferred::given(*t, numbers))
            .collect()
    });
    let mut scales = vec![Scales::default(); names.len()];
    let mut rows = 0;
    for record in records {
        let record = record.map_err(|e| csv_error(&watch, &e))?;
        let line = line_of(&watch, &record);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue; // a blank line
        }
        if record.len() != names.len() {
            return Err(ReadError::Ragged {
                line,
                expected: names.len(),
                found: record.len(),
            });
        }
        for (i, field) in record.iter().enumerate() {
            if field.len() > MAX_FIELD_BYTES {
                return Err(ReadError::FieldTooLong {
                    line,
                    column: names[i].clone(),
                });
            }
            match &given {
                Some(types) => {
                    types[i]
                        .parse_counting(field, &mut scales[i])
                        .map_err(|message| ReadError::Cell {
                            line,
                            column: names[i].clone(),
                            message,
                        })?;
                }
                None => columns[i].observe(field),
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(ReadError::NoRows);
    }
    // A declared number column keeps one scale where its values share it, else the shortest form.
    let types = match given {
        Some(types) => types
            .into_iter()
            .zip(&scales)
            .map(|(t, s)| t.with_scale(s.declared()))
            .collect::<Vec<_>>(),
        None => columns.iter().map(ColumnInference::result).collect(),
    };
    Ok(Analysis {
        encoding,
        delimiter,
        columns: names.into_iter().zip(types).collect(),
        rows,
    })
}

/// The first `n` data rows as written (cells untyped), for showing what a file holds.
pub fn sample_rows(
    path: &Path,
    analysis: &Analysis,
    n: usize,
) -> Result<Vec<Vec<String>>, ReadError> {
    let (mut csv, watch) = reader(path, analysis.encoding, analysis.delimiter)?;
    let mut out = Vec::with_capacity(n);
    for record in csv.records().skip(1) {
        if out.len() == n {
            break;
        }
        let record = record.map_err(|e| csv_error(&watch, &e))?;
        if record.len() == 1 && record.get(0).is_some_and(str::is_empty) {
            continue;
        }
        out.push(record.iter().map(str::to_owned).collect());
    }
    Ok(out)
}

/// The second pass: calls `row` with each data row's line number and typed cells, in file order.
pub fn read_rows<E: From<ReadError>>(
    path: &Path,
    analysis: &Analysis,
    mut row: impl FnMut(u64, Vec<Option<Cell>>) -> Result<(), E>,
) -> Result<(), E> {
    let (mut csv, watch) = reader(path, analysis.encoding, analysis.delimiter)?;
    let mut records = csv.records();
    records.next(); // the header
    for record in records {
        let record = record.map_err(|e| csv_error(&watch, &e))?;
        let line = line_of(&watch, &record);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        let mut cells = Vec::with_capacity(analysis.columns.len());
        for (field, (name, inferred)) in record.iter().zip(&analysis.columns) {
            cells.push(inferred.parse(field).map_err(|message| ReadError::Cell {
                line,
                column: name.clone(),
                message,
            })?);
        }
        row(line, cells)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::tabular::sniff::EncodingScanner;

    fn spool(bytes: &[u8]) -> (tempfile::NamedTempFile, Encoding) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        let mut scanner = EncodingScanner::default();
        scanner.feed(bytes);
        (file, scanner.finish().unwrap())
    }

    fn rows(path: &Path, analysis: &Analysis) -> Vec<Vec<Option<Cell>>> {
        let mut out = Vec::new();
        read_rows::<ReadError>(path, analysis, |_, cells| {
            out.push(cells);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn the_delimiter_sample_may_end_inside_a_character() {
        // Umlauts everywhere, so the 64 KiB sample cuts one of them (decoded to two UTF-8 bytes) in
        // half for some row length; each length from 1 to 3 extra bytes moves the cut.
        for pad in 0..3 {
            let mut bytes = b"Ort;Z\xE4hler\r\n".to_vec();
            let row = format!("{}\u{e4}\u{f6}\u{fc};1\r\n", "x".repeat(pad));
            let (row, _, _) = encoding_rs::WINDOWS_1252.encode(&row);
            while (bytes.len() as u64) < 2 * SAMPLE_BYTES {
                bytes.extend_from_slice(&row);
            }
            let (file, encoding) = spool(&bytes);
            let analysis = analyse(file.path(), encoding, None).unwrap();
            assert_eq!(analysis.delimiter, b';', "pad {pad}");
            assert_eq!(analysis.columns[1].1.column_type, ColumnType::Integer);
        }
    }

    #[test]
    fn a_german_excel_file_reads_with_types_and_umlauts() {
        let bytes =
            b"Stra\xDFe;Betrag;Datum;Gepr\xFCft\r\nK\xF6nigstra\xDFe;1.234,56;31.12.2021;ja\r\n\
                      Hauptstra\xDFe;7,5;01.02.2022;nein\r\n";
        let (file, encoding) = spool(bytes);
        assert_eq!(encoding, Encoding::Windows1252);
        let analysis = analyse(file.path(), encoding, None).unwrap();
        assert_eq!(analysis.delimiter, b';');
        assert_eq!(analysis.rows, 2);
        let types: Vec<(&str, ColumnType)> = analysis
            .columns
            .iter()
            .map(|(n, t)| (n.as_str(), t.column_type))
            .collect();
        assert_eq!(
            types,
            [
                ("Straße", ColumnType::Text),
                ("Betrag", ColumnType::Decimal),
                ("Datum", ColumnType::Date),
                ("Geprüft", ColumnType::Boolean),
            ]
        );
        let rows = rows(file.path(), &analysis);
        assert_eq!(rows[0][0], Some(Cell::Text("Königstraße".into())));
        assert_eq!(rows[0][1], Some(Cell::Decimal(1234.56)));
        assert_eq!(rows[1][3], Some(Cell::Boolean(false)));
    }

    /// The refusal `analyse` gives for a file of `bytes`.
    fn error(bytes: &[u8]) -> String {
        let (file, encoding) = spool(bytes);
        analyse(file.path(), encoding, None)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_files_get_errors_naming_line_and_column() {
        assert_eq!(
            error(b""),
            "line 1: the file is empty; a header row naming the columns is required"
        );
        assert_eq!(
            error(b"a,b\n"),
            "the file has a header row but no data rows"
        );
        assert_eq!(
            error(b"a,b,c\n1,2,3\n4,5\n"),
            "line 3: 2 fields where the header has 3"
        );
        assert_eq!(
            error(b"a,,c\n1,2,3\n"),
            "line 1, column 2: the header is empty; every column needs a name"
        );
        assert_eq!(
            error(b"a,b,a\n1,2,3\n"),
            "line 1: the column name `a` appears twice (columns 1 and 3)"
        );
        let long = [
            b"a,b\n1,".as_slice(),
            &vec![b'x'; MAX_FIELD_BYTES + 1],
            b"\n",
        ]
        .concat();
        assert!(error(&long).starts_with("line 2, column `b`: the field is longer"));
    }

    #[test]
    fn crlf_files_name_the_lines_a_person_counts_and_broken_quotes_are_refused() {
        assert_eq!(
            error(b"a;b\r\n1;2\r\n3;4;5\r\n"),
            "line 3: 3 fields where the header has 2"
        );
        assert_eq!(
            error(b"a;b\r\n1;\"x\r\ny\"\r\n\r\n3;4;5\r\n"),
            "line 5: 3 fields where the header has 2"
        );
        let mut swallowed = String::from("a;b\r\n1;\"x\r\n");
        for i in 0..50 {
            swallowed.push_str(&format!("{i};y\r\n"));
        }
        assert!(
            error(swallowed.as_bytes())
                .starts_with("line 2: a quote opens a field that is never closed"),
            "{}",
            error(swallowed.as_bytes())
        );
        assert!(
            error(b"a;b\r\n1;2\r\n3;\"x\"y\r\n").starts_with("line 3: a quote closes the field")
        );
        // With a schema, a bad cell in a CRLF file names its line too.
        let (file, encoding) = spool(b"n;m\r\n1;2\r\n3;x\r\n");
        let schema = [
            ("n".to_owned(), ColumnType::Integer),
            ("m".to_owned(), ColumnType::Integer),
        ];
        let message = analyse(file.path(), encoding, Some(&schema))
            .unwrap_err()
            .to_string();
        assert_eq!(message, "line 3, column `m`: `x` is not an integer (1.234)");
        // A quote inside an unquoted field is kept as written.
        let (file, encoding) = spool(b"a;b\r\n1;24\" Monitor\r\n");
        let analysis = analyse(file.path(), encoding, None).unwrap();
        assert_eq!(
            rows(file.path(), &analysis)[0][1],
            Some(Cell::Text("24\" Monitor".into()))
        );
    }

    #[test]
    fn a_type_breaking_last_row_makes_its_column_text() {
        let mut csv = String::from("n,m\n");
        for i in 0..10_000 {
            csv.push_str(&format!("{i},{i}\n"));
        }
        csv.push_str("10000,n/a\n");
        let (file, encoding) = spool(csv.as_bytes());
        let analysis = analyse(file.path(), encoding, None).unwrap();
        assert_eq!(analysis.columns[0].1.column_type, ColumnType::Integer);
        assert_eq!(analysis.columns[1].1.column_type, ColumnType::Text);
        assert_eq!(analysis.rows, 10_001);
    }

    #[test]
    fn a_given_schema_replaces_inference_and_is_checked() {
        let (file, encoding) = spool("plz,name\n42103,Elberfeld\n42105,Barmen\n".as_bytes());
        let schema = [
            ("plz".to_owned(), ColumnType::Text),
            ("name".to_owned(), ColumnType::Text),
        ];
        let analysis = analyse(file.path(), encoding, Some(&schema)).unwrap();
        assert_eq!(analysis.columns[0].1.column_type, ColumnType::Text);
        let wrong = [
            ("plz".to_owned(), ColumnType::Integer),
            ("name".to_owned(), ColumnType::Integer),
        ];
        let message = analyse(file.path(), encoding, Some(&wrong))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "line 2, column `name`: `Elberfeld` is not an integer"
        );
    }
}
