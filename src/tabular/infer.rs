//! Column types inferred over the whole file: integer, decimal (also German `1.234,56` in a file that
//! is not comma-separated), boolean (`true`/`false`, `ja`/`nein`, `wahr`/`falsch`), date (ISO and
//! `dd.mm.yyyy`), date-time (ISO/RFC 3339 and `dd.mm.yyyy hh:mm[:ss]`), falling back to text per
//! column. Numbers with a leading zero (`05124000`, postcodes, keys) stay text, so nothing is lost.
//! Nothing is read as another value than the one written: `0.125` is never a thousands group (no
//! German number starts `0.`), a year has four digits (`02.02.21` stays text), integers beyond 64 bits
//! and decimals with more significant digits than a double keeps (15) stay text.
//!
//! Date-times without a zone are local time in Germany (`Europe/Berlin`), as German offices write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

use crate::catalog::table::{Cell, ColumnType};

/// What a file allows numbers to look like, from its delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbers {
    /// Comma-separated: only `1234.5`.
    PointOnly,
    /// Any other delimiter: `1234.5`, and German `1.234,5` with thousands dots.
    GermanToo,
}

impl Numbers {
    /// The notation a delimiter allows.
    pub fn for_delimiter(delimiter: u8) -> Self {
        if delimiter == b',' {
            Self::PointOnly
        } else {
            Self::GermanToo
        }
    }
}

/// The candidates still open for one column while the file is read.
#[derive(Clone, Debug)]
pub struct ColumnInference {
    seen: u64,
    integer: bool,
    integer_german: bool,
    decimal: bool,
    decimal_german: bool,
    boolean: bool,
    date: bool,
    datetime: bool,
}

impl ColumnInference {
    /// A column with every type still possible.
    pub fn new(numbers: Numbers) -> Self {
        let german = numbers == Numbers::GermanToo;
        Self {
            seen: 0,
            integer: true,
            integer_german: german,
            decimal: true,
            decimal_german: german,
            boolean: true,
            date: true,
            datetime: true,
        }
    }

    /// Takes one cell into account (blank cells say nothing).
    pub fn observe(&mut self, raw: &str) {
        let value = raw.trim();
        if value.is_empty() {
            return;
        }
        self.seen += 1;
        if self.integer && parse_integer(value).is_none() {
            self.integer = false;
        }
        if self.integer_german && parse_german_integer(value).is_none() {
            self.integer_german = false;
        }
        if self.decimal && parse_decimal(value).is_none() {
            self.decimal = false;
        }
        if self.decimal_german && parse_german_decimal(value).is_none() {
            self.decimal_german = false;
        }
        if self.boolean && parse_boolean(value).is_none() {
            self.boolean = false;
        }
        if self.date && parse_date(value).is_none() {
            self.date = false;
        }
        if self.datetime && parse_datetime(value).is_none() {
            self.datetime = false;
        }
    }

    /// The inferred type: the narrowest that fits every cell; text for an empty column.
    pub fn result(&self) -> Inferred {
        if self.seen == 0 {
            return Inferred::plain(ColumnType::Text);
        }
        if self.integer {
            return Inferred::plain(ColumnType::Integer);
        }
        if self.integer_german {
            return Inferred::german(ColumnType::Integer);
        }
        if self.decimal {
            return Inferred::plain(ColumnType::Decimal);
        }
        if self.decimal_german {
            return Inferred::german(ColumnType::Decimal);
        }
        let column_type = if self.boolean {
            ColumnType::Boolean
        } else if self.date {
            ColumnType::Date
        } else if self.datetime {
            ColumnType::Datetime
        } else {
            ColumnType::Text
        };
        Inferred::plain(column_type)
    }
}

/// A column's type and, for numbers, whether they are written the German way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inferred {
    /// The type.
    pub column_type: ColumnType,
    /// Numbers are written `1.234,5`.
    pub german: bool,
}

impl Inferred {
    /// A type given by a schema: numbers may be written the German way where the delimiter allows it.
    pub fn given(column_type: ColumnType, numbers: Numbers) -> Self {
        Self {
            column_type,
            german: numbers == Numbers::GermanToo,
        }
    }

    fn plain(column_type: ColumnType) -> Self {
        Self {
            column_type,
            german: false,
        }
    }

    fn german(column_type: ColumnType) -> Self {
        Self {
            column_type,
            german: true,
        }
    }

    /// Reads one cell: `None` for a blank cell, an error message naming what was expected.
    pub fn parse(self, raw: &str) -> Result<Option<Cell>, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(None);
        }
        let expected = |what: &str| format!("`{value}` is not {what}");
        let cell = match (self.column_type, self.german) {
            (ColumnType::Text, _) => Cell::Text(raw.to_owned()),
            (ColumnType::Integer, false) => {
                Cell::Integer(parse_integer(value).ok_or_else(|| expected("an integer"))?)
            }
            (ColumnType::Integer, true) => Cell::Integer(
                parse_german_integer(value)
                    .or_else(|| parse_integer(value))
                    .ok_or_else(|| expected("an integer (1.234)"))?,
            ),
            (ColumnType::Decimal, false) => {
                Cell::Decimal(parse_decimal(value).ok_or_else(|| expected("a number"))?)
            }
            (ColumnType::Decimal, true) => Cell::Decimal(
                parse_german_decimal(value)
                    .or_else(|| parse_decimal(value))
                    .ok_or_else(|| expected("a number (1.234,56)"))?,
            ),
            (ColumnType::Boolean, _) => Cell::Boolean(
                parse_boolean(value).ok_or_else(|| expected("true/false or ja/nein"))?,
            ),
            (ColumnType::Date, _) => Cell::Date(
                parse_date(value).ok_or_else(|| expected("a date (2026-01-31 or 31.01.2026)"))?,
            ),
            (ColumnType::Datetime, _) => Cell::Datetime(
                parse_datetime(value)
                    .ok_or_else(|| expected("a date and time (2026-01-31T12:00:00Z)"))?,
            ),
        };
        Ok(Some(cell))
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits a sign off; refuses a leading zero before more digits (`007`, `05124000`: keys, not numbers).
fn unsigned(value: &str) -> Option<(bool, &str)> {
    let (negative, rest) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let integer_part = rest.split(['.', ',']).next().unwrap_or("");
    if integer_part.len() > 1 && integer_part.starts_with('0') {
        return None;
    }
    Some((negative, rest))
}

fn parse_integer(value: &str) -> Option<i64> {
    let (_, rest) = unsigned(value)?;
    if !digits(rest) {
        return None;
    }
    value.parse().ok()
}

/// `1.234.567`: groups of three after the first.
fn strip_thousands(integer_part: &str) -> Option<String> {
    let mut groups = integer_part.split('.');
    let first = groups.next()?;
    if !digits(first) {
        return None;
    }
    let mut out = first.to_owned();
    let mut grouped = false;
    for group in groups {
        // `0.125` is a decimal fraction, never the thousands group of nothing.
        if group.len() != 3 || !digits(group) || first.len() > 3 || first == "0" {
            return None;
        }
        grouped = true;
        out.push_str(group);
    }
    if !grouped && integer_part.contains('.') {
        return None;
    }
    Some(out)
}

fn parse_german_integer(value: &str) -> Option<i64> {
    let (negative, rest) = unsigned(value)?;
    let plain = strip_thousands(rest)?;
    let n: i64 = plain.parse().ok()?;
    Some(if negative { -n } else { n })
}

/// The most significant digits a decimal may have: a double keeps every 15-digit decimal exactly
/// (written back in its shortest form, the same number).
const MAX_SIGNIFICANT: usize = 15;

/// Whether the digits of `int` and `frac` fit a double without losing one.
fn fits_double(int: &str, frac: &str) -> bool {
    let all = int.bytes().chain(frac.bytes());
    let significant: Vec<u8> = all.skip_while(|b| *b == b'0').collect();
    let trailing = significant.iter().rev().take_while(|b| **b == b'0').count();
    significant.len() - trailing <= MAX_SIGNIFICANT
}

fn parse_decimal(value: &str) -> Option<f64> {
    let (_, rest) = unsigned(value)?;
    let (int, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    if !digits(int) || !digits(frac) || !fits_double(int, frac) {
        return None;
    }
    value.parse().ok()
}

fn parse_german_decimal(value: &str) -> Option<f64> {
    let (negative, rest) = unsigned(value)?;
    let (int, frac) = rest.split_once(',').unwrap_or((rest, "0"));
    if !digits(frac) {
        return None;
    }
    let int = strip_thousands(int)?;
    if !fits_double(&int, frac) {
        return None;
    }
    let n: f64 = format!("{int}.{frac}").parse().ok()?;
    Some(if negative { -n } else { n })
}

fn parse_boolean(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "true" | "ja" | "wahr" => Some(true),
        "false" | "nein" | "falsch" => Some(false),
        _ => None,
    }
}

/// `2021-12-31` and `31.12.2021` without chrono's format interpreter (the common forms, read for
/// every cell of a date column).
fn fixed_date(value: &[u8]) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| {
        value[range].iter().try_fold(0_u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    if value.len() != 10 {
        return None;
    }
    let (year, month, day) = if value[4] == b'-' && value[7] == b'-' {
        (number(0..4)?, number(5..7)?, number(8..10)?)
    } else if value[2] == b'.' && value[5] == b'.' {
        (number(6..10)?, number(3..5)?, number(0..2)?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// Whether the date at the start of `value` (`yyyy-m-d` or `d.m.yyyy`) writes its year with four
/// digits: chrono reads `21` in `02.02.21` as the year 21.
fn four_digit_year(value: &str) -> bool {
    let date = value.split([' ', 'T']).next().unwrap_or("");
    let year = if date.contains('-') {
        date.split('-').next()
    } else {
        date.rsplit('.').next()
    };
    year.is_some_and(|y| y.len() == 4 && digits(y))
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    if value.len() < 8 || value.len() > 10 || !four_digit_year(value) {
        return None;
    }
    if let Some(date) = fixed_date(value.as_bytes()) {
        return Some(date);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d.%m.%Y"))
        .ok()
        .filter(|d| d.format("%Y").to_string().len() == 4)
}

fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    if !four_digit_year(value) {
        return None;
    }
    const LOCAL: [&str; 6] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
    ];
    let local = LOCAL
        .iter()
        .find_map(|pattern| NaiveDateTime::parse_from_str(value, pattern).ok())?;
    // The earlier instant when the clocks go back; a time skipped when they go forward is no time.
    Berlin
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(numbers: Numbers, cells: &[&str]) -> Inferred {
        let mut column = ColumnInference::new(numbers);
        for cell in cells {
            column.observe(cell);
        }
        column.result()
    }

    #[test]
    fn types_are_the_narrowest_that_fit_every_cell() {
        use ColumnType::*;
        let t = |numbers, cells: &[&str]| infer(numbers, cells).column_type;
        assert_eq!(t(Numbers::PointOnly, &["1", "-20", "", "+3"]), Integer);
        assert_eq!(t(Numbers::PointOnly, &["1", "2.5"]), Decimal);
        assert_eq!(
            t(Numbers::GermanToo, &["1.234,56", "7,5", "-0,25"]),
            Decimal
        );
        assert_eq!(t(Numbers::PointOnly, &["1,5"]), Text);
        assert_eq!(t(Numbers::PointOnly, &["ja", "Nein", "true"]), Boolean);
        assert_eq!(t(Numbers::GermanToo, &["2026-01-31", "31.12.2021"]), Date);
        assert_eq!(
            t(
                Numbers::PointOnly,
                &["2026-01-31T12:00:00Z", "31.12.2021 08:30"]
            ),
            Datetime
        );
        assert_eq!(t(Numbers::PointOnly, &["05124000", "05124001"]), Text);
        assert_eq!(t(Numbers::PointOnly, &["1", "x"]), Text);
        assert_eq!(t(Numbers::PointOnly, &["", " "]), Text);
        // A type-breaking value anywhere, also last, makes the column text.
        let mut cells = vec!["1"; 1000];
        cells.push("n/a");
        assert_eq!(t(Numbers::PointOnly, &cells), Text);
    }

    #[test]
    fn german_numbers_read_with_thousands_dots_and_decimal_commas() {
        let decimal = infer(Numbers::GermanToo, &["1.234,56", "7,5"]);
        assert_eq!(decimal.parse("1.234,56"), Ok(Some(Cell::Decimal(1234.56))));
        assert_eq!(decimal.parse("-0,5"), Ok(Some(Cell::Decimal(-0.5))));
        let integer = infer(Numbers::GermanToo, &["1.234.567", "12"]);
        assert_eq!(integer, Inferred::german(ColumnType::Integer));
        assert_eq!(
            integer.parse("1.234.567"),
            Ok(Some(Cell::Integer(1_234_567)))
        );
        assert!(parse_german_decimal("1.23,4").is_none());
        assert!(parse_german_decimal("1234.567,8").is_none());
    }

    #[test]
    fn dates_and_times_parse_in_both_notations() {
        assert_eq!(
            parse_date("31.12.2021"),
            NaiveDate::from_ymd_opt(2021, 12, 31)
        );
        assert_eq!(
            parse_date("2021-12-31"),
            NaiveDate::from_ymd_opt(2021, 12, 31)
        );
        assert_eq!(parse_date("31.02.2021"), None);
        // Local German time: CET in winter is UTC+1.
        let t = parse_datetime("31.12.2021 08:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-12-31T07:30:00+00:00");
        let summer = parse_datetime("2021-07-01T12:00:00").unwrap();
        assert_eq!(summer.to_rfc3339(), "2021-07-01T10:00:00+00:00");
    }

    #[test]
    fn no_value_is_read_as_another_number_or_date() {
        use ColumnType::*;
        let t = |numbers, cells: &[&str]| infer(numbers, cells);
        // A leading `0.` is a fraction, not a thousands group.
        let fractions = t(Numbers::GermanToo, &["0.125", "0.250", "0.005"]);
        assert_eq!(fractions.column_type, Decimal);
        assert_eq!(fractions.parse("0.125"), Ok(Some(Cell::Decimal(0.125))));
        assert_eq!(fractions.parse("0.005"), Ok(Some(Cell::Decimal(0.005))));
        assert_eq!(parse_german_integer("0.125"), None);
        assert_eq!(parse_german_integer("-0.250"), None);
        // Two-digit years are not dates.
        assert_eq!(t(Numbers::GermanToo, &["02.02.21"]).column_type, Text);
        assert_eq!(parse_date("02.02.21"), None);
        assert_eq!(parse_date("1.2.21"), None);
        assert_eq!(parse_datetime("02.02.21 10:00"), None);
        assert_eq!(t(Numbers::GermanToo, &["2.2.2021"]).column_type, Date);
        // Beyond 64 bits, or beyond what a double keeps: text, every digit kept.
        for numbers in [Numbers::PointOnly, Numbers::GermanToo] {
            let big = t(numbers, &["12345678901234567890", "1"]);
            assert_eq!(big.column_type, Text);
            assert_eq!(
                big.parse("12345678901234567890"),
                Ok(Some(Cell::Text("12345678901234567890".into())))
            );
            assert_eq!(t(numbers, &["1234567890.1234567"]).column_type, Text);
        }
        assert_eq!(
            t(Numbers::GermanToo, &["1.234.567.890,123456"]).column_type,
            Text
        );
        assert_eq!(
            t(Numbers::PointOnly, &["9223372036854775807"]).column_type,
            Integer
        );
        assert_eq!(
            t(Numbers::PointOnly, &["0.000000000000001", "1.50"]).column_type,
            Decimal
        );
    }

    #[test]
    fn bad_cells_say_what_was_expected() {
        let integer = Inferred::plain(ColumnType::Integer);
        assert_eq!(
            integer.parse("1x"),
            Err("`1x` is not an integer".to_owned())
        );
        assert_eq!(integer.parse("  "), Ok(None));
        let text = Inferred::plain(ColumnType::Text);
        assert_eq!(text.parse(" Wert "), Ok(Some(Cell::Text(" Wert ".into()))));
    }
}
