//! Streamed downloads of a hosted table as CSV (RFC 4180, CRLF), JSON or NDJSON, read from SQL in batches of rows, so
//! memory stays flat however large the table. JSON keeps the column types; CSV can be written for
//! German Excel (`;`, decimal commas, a BOM) and with spreadsheet formulas neutralised.

use bytes::Bytes;
use futures_util::Stream;

use crate::catalog::table::{Cell, StoredTable, write_decimal};
use crate::catalog::{CatalogError, Db};
use crate::tabular::query::TableQuery;
use crate::tabular::storage;

/// Rows read from SQL per batch in file order.
const BATCH: u64 = 2000;
/// Rows read per batch in another order: each batch sorts what is left, so fewer, larger ones.
const SORTED_BATCH: u64 = 10_000;

/// A download format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownloadFormat {
    /// CSV (RFC 4180) with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl DownloadFormat {
    /// The format of a URL extension.
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "ndjson" => Some(Self::Ndjson),
            _ => None,
        }
    }

    /// The extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Ndjson => "ndjson",
        }
    }

    /// The media type answered.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Ndjson => "application/x-ndjson",
        }
    }
}

/// CSV options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// The delimiter; with `;` decimals are written with a comma, as German Excel reads them.
    pub delimiter: u8,
    /// Start with a UTF-8 BOM (Excel needs it to read UTF-8).
    pub bom: bool,
    /// Prefix text cells starting with `=`, `+`, `-`, `@`, tab or CR with `'`, so spreadsheets do not
    /// run them as formulas.
    pub escape_formulas: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            bom: false,
            escape_formulas: false,
        }
    }
}

/// What to download: the rows and columns asked for, and a window of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    /// Columns, filters, search and order.
    pub query: TableQuery,
    /// Rows skipped.
    pub offset: u64,
    /// Most rows.
    pub limit: Option<u64>,
}

/// The download as a stream of chunks, one per batch of rows.
pub fn stream(
    db: Db,
    table: StoredTable,
    selection: Selection,
    format: DownloadFormat,
    csv: CsvOptions,
) -> impl Stream<Item = Result<Bytes, CatalogError>> {
    struct State {
        db: Db,
        table: StoredTable,
        selection: Selection,
        after: Option<(i64, Vec<Option<Cell>>)>,
        remaining: Option<u64>,
        written: u64,
        stage: Stage,
    }
    #[derive(PartialEq, Eq)]
    enum Stage {
        Head,
        Rows,
        Tail,
        Done,
    }
    let state = State {
        db,
        after: None,
        remaining: selection.limit,
        table,
        selection,
        written: 0,
        stage: Stage::Head,
    };
    futures_util::stream::unfold(state, move |mut s| async move {
        match s.stage {
            Stage::Head => {
                s.stage = Stage::Rows;
                Some((Ok(head(&s.table, &s.selection, format, csv)), s))
            }
            Stage::Rows => {
                let batch = if s.selection.query.sort.is_empty() {
                    BATCH
                } else {
                    SORTED_BATCH
                };
                let want = s.remaining.map_or(batch, |r| r.min(batch));
                if want == 0 {
                    s.stage = Stage::Tail;
                    return Some((Ok(Bytes::new()), s));
                }
                let fetched = storage::fetch_rows(
                    &s.db,
                    &s.table,
                    &s.selection.query,
                    s.after.as_ref(),
                    s.selection.offset,
                    want,
                )
                .await;
                let mut rows = match fetched {
                    Ok(rows) => rows,
                    Err(error) => {
                        s.stage = Stage::Done;
                        return Some((Err(error), s));
                    }
                };
                if rows.is_empty() {
                    s.stage = Stage::Tail;
                    return Some((Ok(Bytes::new()), s));
                }
                s.remaining = s.remaining.map(|r| r - rows.len() as u64);
                let chunk = encode(&s.table, &s.selection, format, csv, &rows, s.written);
                s.written += rows.len() as u64;
                s.after = rows.pop();
                if (rows.len() as u64) + 1 < want {
                    s.stage = Stage::Tail;
                }
                Some((chunk, s))
            }
            Stage::Tail => {
                s.stage = Stage::Done;
                Some((Ok(tail(format)), s))
            }
            Stage::Done => None,
        }
    })
}

/// What a download starts with: the CSV header (and BOM), `[` for JSON.
pub fn head(
    table: &StoredTable,
    selection: &Selection,
    format: DownloadFormat,
    csv: CsvOptions,
) -> Bytes {
    match format {
        DownloadFormat::Json => Bytes::from_static(b"["),
        DownloadFormat::Ndjson => Bytes::new(),
        DownloadFormat::Csv => {
            let mut out = Vec::new();
            if csv.bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            let mut writer = csv::WriterBuilder::new()
                .delimiter(csv.delimiter)
                .terminator(csv::Terminator::CRLF)
                .from_writer(out);
            let names = selection
                .query
                .columns
                .iter()
                .map(|i| table.columns[*i].name.as_str());
            let out = writer
                .write_record(names)
                .ok()
                .and_then(|()| writer.into_inner().ok())
                .unwrap_or_default();
            Bytes::from(out)
        }
    }
}

fn encode(
    table: &StoredTable,
    selection: &Selection,
    format: DownloadFormat,
    csv_options: CsvOptions,
    rows: &[(i64, Vec<Option<Cell>>)],
    written_before: u64,
) -> Result<Bytes, CatalogError> {
    // Encoding into memory fails only through a bug of ours: the server's fault.
    let failed = |e: &dyn std::fmt::Display| {
        CatalogError::internal(anyhow::anyhow!("encoding a download failed: {e}"))
    };
    match format {
        DownloadFormat::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(csv_options.delimiter)
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::with_capacity(rows.len() * 64));
            let mut record = Vec::with_capacity(selection.query.columns.len());
            for (_, cells) in rows {
                record.clear();
                for i in &selection.query.columns {
                    let scale = table.columns[*i].scale;
                    record.push(csv_cell(cells[*i].as_ref(), scale, csv_options));
                }
                writer.write_record(&record).map_err(|e| failed(&e))?;
            }
            writer
                .into_inner()
                .map(Bytes::from)
                .map_err(|e| failed(&e.error().to_string()))
        }
        DownloadFormat::Json | DownloadFormat::Ndjson => {
            let mut out = Vec::with_capacity(rows.len() * 96);
            for (k, (_, cells)) in rows.iter().enumerate() {
                if format == DownloadFormat::Json && (written_before > 0 || k > 0) {
                    out.push(b',');
                }
                let object = json_fields(table, &selection.query.columns, cells);
                serde_json::to_writer(&mut out, &object).map_err(|e| failed(&e))?;
                if format == DownloadFormat::Ndjson {
                    out.push(b'\n');
                }
            }
            Ok(Bytes::from(out))
        }
    }
}

/// What a download ends with: `]` for JSON.
pub fn tail(format: DownloadFormat) -> Bytes {
    if format == DownloadFormat::Json {
        Bytes::from_static(b"]\n")
    } else {
        Bytes::new()
    }
}

/// A cell as CSV text (a decimal in its shortest form).
pub fn csv_text(cell: &Cell, options: CsvOptions) -> String {
    csv_cell(Some(cell), None, options)
}

/// A text cell as CSV text: with `escape_formulas`, a text starting with `=`, `+`, `-`, `@`, tab or
/// CR gets a leading `'`, so spreadsheets do not run it as a formula.
pub fn csv_text_cell(text: &str, options: CsvOptions) -> String {
    let risky = text
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if options.escape_formulas && risky {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A cell as CSV text; a decimal with its column's `scale` (see [`write_decimal`]).
pub fn csv_cell(cell: Option<&Cell>, scale: Option<u16>, options: CsvOptions) -> String {
    match cell {
        None => String::new(),
        Some(Cell::Text(text)) => csv_text_cell(text, options),
        Some(Cell::Integer(n)) => n.to_string(),
        Some(Cell::Decimal(x)) => {
            let mut out = String::new();
            write_decimal(&mut out, *x, scale, options.delimiter == b';');
            out
        }
        Some(Cell::Boolean(b)) => b.to_string(),
        Some(Cell::Date(d)) => d.format("%Y-%m-%d").to_string(),
        Some(Cell::Datetime(t)) => t.to_rfc3339(),
    }
}

/// A row as a JSON object whose keys keep the order of the columns asked for (the header's, or
/// `fields=`), not the alphabet's.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonRow(pub Vec<(String, serde_json::Value)>);

impl serde::Serialize for JsonRow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The cells of `columns` (indices) of a row as a JSON object keyed by column name in that order,
/// typed.
pub fn json_fields(table: &StoredTable, columns: &[usize], cells: &[Option<Cell>]) -> JsonRow {
    JsonRow(
        columns
            .iter()
            .map(|i| {
                (
                    table.columns[*i].name.clone(),
                    json_cell(cells[*i].as_ref()),
                )
            })
            .collect(),
    )
}

/// A cell as a typed JSON value (dates and times as ISO text, an empty cell as `null`).
pub fn json_cell(cell: Option<&Cell>) -> serde_json::Value {
    use serde_json::Value;
    match cell {
        None => Value::Null,
        Some(Cell::Text(text)) => Value::String(text.clone()),
        Some(Cell::Integer(n)) => Value::from(*n),
        Some(Cell::Decimal(x)) => {
            serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
        }
        Some(Cell::Boolean(b)) => Value::Bool(*b),
        Some(Cell::Date(d)) => Value::String(d.format("%Y-%m-%d").to_string()),
        Some(Cell::Datetime(t)) => Value::String(t.to_rfc3339()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_follow_the_options() {
        let german = CsvOptions {
            delimiter: b';',
            bom: true,
            escape_formulas: true,
        };
        let decimal = Some(&Cell::Decimal(1234.5));
        assert_eq!(csv_cell(decimal, None, german), "1234,5");
        assert_eq!(csv_cell(decimal, None, CsvOptions::default()), "1234.5");
        assert_eq!(csv_cell(decimal, Some(2), german), "1234,50");
        assert_eq!(csv_cell(decimal, Some(2), CsvOptions::default()), "1234.50");
        assert_eq!(
            csv_cell(Some(&Cell::Text("=HYPERLINK(\"x\")".into())), None, german),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(
            csv_cell(
                Some(&Cell::Text("=1+1".into())),
                None,
                CsvOptions::default()
            ),
            "=1+1"
        );
        assert_eq!(csv_cell(Some(&Cell::Integer(-5)), None, german), "-5");
        assert_eq!(csv_cell(None, None, german), "");
    }

    #[test]
    fn json_rows_keep_the_column_order() {
        let row = JsonRow(vec![
            ("Stadtbezirk".into(), serde_json::json!("Elberfeld")),
            ("Anzahl".into(), serde_json::json!(3)),
        ]);
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"Stadtbezirk":"Elberfeld","Anzahl":3}"#
        );
    }

    #[test]
    fn json_cells_keep_their_types() {
        assert_eq!(json_cell(Some(&Cell::Integer(3))), serde_json::json!(3));
        assert_eq!(json_cell(Some(&Cell::Decimal(2.5))), serde_json::json!(2.5));
        assert_eq!(
            json_cell(Some(&Cell::Boolean(true))),
            serde_json::json!(true)
        );
        assert_eq!(json_cell(None), serde_json::Value::Null);
    }
}
