//! Column types inferred over the whole file: integer, decimal (also German `1.234,56` in a file that
//! is not comma-separated), boolean (`true`/`false`, `ja`/`nein`, `wahr`/`falsch`), date (ISO and
//! `dd.mm.yyyy`), date-time (ISO/RFC 3339 and `dd.mm.yyyy hh:mm[:ss]`), falling back to text per
//! column. Numbers with a leading zero (`05124000`, postcodes, keys) stay text, so nothing is lost.
//! Nothing is read as another value than the one written: `0.125` is never a thousands group (no
//! German number starts `0.`), a year has four digits (`02.02.21` stays text), integers beyond 64 bits
//! and decimals with more significant digits than a double keeps (15) stay text.
//!
//! Decimals come back as written, trailing zeros too: a column whose values all have the same number
//! of fraction digits (`0.125`, `0.250`; `1.234,50`) records that scale and is written back with it;
//! one whose values differ (`1.5`, `2.125`) is written in the shortest form, which loses nothing
//! unless some value ends in a zero, and then (`1.50`, `2.125`) the column is text, every value kept.
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

/// How one decimal was written: what its column needs to write it back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Written {
    /// Fraction digits.
    scale: u16,
    /// The fraction ends in `0` (which the shortest form drops).
    trailing_zero: bool,
    /// Digits from the first significant one through the last written (`0.0250` has 3).
    digits: usize,
}

impl Written {
    fn of(int: &str, frac: Option<&str>) -> Self {
        let frac = frac.unwrap_or("");
        let leading = int
            .bytes()
            .chain(frac.bytes())
            .take_while(|b| *b == b'0')
            .count();
        Self {
            scale: u16::try_from(frac.len()).unwrap_or(u16::MAX),
            trailing_zero: frac.ends_with('0'),
            digits: int.len() + frac.len() - leading,
        }
    }
}

/// The fraction digits of a decimal column's values, gathered while the file is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scales {
    first: Option<u16>,
    mixed: bool,
    trailing_zero: bool,
    too_long: bool,
}

impl Scales {
    fn observe(&mut self, written: Written) {
        match self.first {
            None => self.first = Some(written.scale),
            Some(scale) => self.mixed |= scale != written.scale,
        }
        self.trailing_zero |= written.trailing_zero;
        self.too_long |= written.digits > MAX_SIGNIFICANT;
    }

    /// How every value is written back as written: `Some(Some(scale))` with one scale, `Some(None)`
    /// in the shortest form; `None` when neither does (different scales, and a trailing zero that
    /// the shortest form would drop). One scale needs every value to have at most 15 digits at that
    /// scale, which a double keeps exactly.
    fn notation(self) -> Option<Option<u16>> {
        if !self.mixed && !self.too_long {
            Some(self.first)
        } else if !self.trailing_zero {
            Some(None)
        } else {
            None
        }
    }

    /// The scale a declared number column is written with: one scale where it keeps every value,
    /// else the shortest form.
    pub fn declared(self) -> Option<u16> {
        if !self.mixed && !self.too_long {
            self.first
        } else {
            None
        }
    }
}

/// Why a column that looked numeric is text.
pub const MIXED_SCALES: &str = "its numbers have different numbers of decimal places and some end \
     in 0 (like 1.50 and 2.125); a number column would write them back without the trailing zeros, \
     so the column is text and every value comes back as written";

/// The candidates still open for one column while the file is read.
#[derive(Clone, Debug)]
pub struct ColumnInference {
    seen: u64,
    integer: bool,
    integer_german: bool,
    decimal: bool,
    decimal_german: bool,
    scales: Scales,
    scales_german: Scales,
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
            scales: Scales::default(),
            scales_german: Scales::default(),
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
        if self.decimal {
            match parse_decimal(value) {
                Some((_, written)) => self.scales.observe(written),
                None => self.decimal = false,
            }
        }
        if self.decimal_german {
            match parse_german_decimal(value) {
                Some((_, written)) => self.scales_german.observe(written),
                None => self.decimal_german = false,
            }
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
        let mut inexact = false;
        if self.decimal {
            match self.scales.notation() {
                Some(scale) => return Inferred::plain(ColumnType::Decimal).with_scale(scale),
                None => inexact = true,
            }
        }
        if self.decimal_german {
            match self.scales_german.notation() {
                Some(scale) => return Inferred::german(ColumnType::Decimal).with_scale(scale),
                None => inexact = true,
            }
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
        let mut inferred = Inferred::plain(column_type);
        if inexact && column_type == ColumnType::Text {
            inferred.note = Some(MIXED_SCALES);
        }
        inferred
    }
}

/// A column's type and, for numbers, whether they are written the German way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inferred {
    /// The type.
    pub column_type: ColumnType,
    /// Numbers are written `1.234,5`.
    pub german: bool,
    /// A decimal column's fraction digits, when all its values have the same (see
    /// [`crate::catalog::table::ColumnSpec::scale`]).
    pub scale: Option<u16>,
    /// Why the column is text though its values looked numeric.
    pub note: Option<&'static str>,
}

impl Inferred {
    /// A type given by a schema: numbers may be written the German way where the delimiter allows it.
    pub fn given(column_type: ColumnType, numbers: Numbers) -> Self {
        Self {
            column_type,
            german: numbers == Numbers::GermanToo,
            scale: None,
            note: None,
        }
    }

    fn plain(column_type: ColumnType) -> Self {
        Self {
            column_type,
            german: false,
            scale: None,
            note: None,
        }
    }

    fn german(column_type: ColumnType) -> Self {
        Self {
            column_type,
            german: true,
            scale: None,
            note: None,
        }
    }

    /// The same type with a decimal scale.
    pub fn with_scale(self, scale: Option<u16>) -> Self {
        Self { scale, ..self }
    }

    /// Reads one cell like [`Inferred::parse`], and adds a decimal's fraction digits to `scales`.
    pub fn parse_counting(self, raw: &str, scales: &mut Scales) -> Result<Option<Cell>, String> {
        self.read(raw, Some(scales))
    }

    /// Reads one cell: `None` for a blank cell, an error message naming what was expected.
    pub fn parse(self, raw: &str) -> Result<Option<Cell>, String> {
        self.read(raw, None)
    }

    fn read(self, raw: &str, scales: Option<&mut Scales>) -> Result<Option<Cell>, String> {
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
            (ColumnType::Decimal, german) => {
                let (x, written) = if german {
                    parse_german_decimal(value)
                        .or_else(|| parse_decimal(value))
                        .ok_or_else(|| expected("a number (1.234,56)"))?
                } else {
                    parse_decimal(value).ok_or_else(|| expected("a number"))?
                };
                if let Some(scales) = scales {
                    scales.observe(written);
                }
                Cell::Decimal(x)
            }
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

/// A double that is the number written: finite, and not a non-zero value rounded to zero or into
/// the subnormal range (where fewer digits are kept).
fn kept(x: f64, int: &str, frac: &str) -> Option<f64> {
    let zero = int.bytes().chain(frac.bytes()).all(|b| b == b'0');
    (x.is_finite() && (zero || x.abs() >= f64::MIN_POSITIVE)).then_some(x)
}

fn parse_decimal(value: &str) -> Option<(f64, Written)> {
    let (_, rest) = unsigned(value)?;
    let (int, frac) = match rest.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (rest, None),
    };
    let fraction = frac.unwrap_or("0");
    if !digits(int) || !digits(fraction) || !fits_double(int, fraction) {
        return None;
    }
    let x = kept(value.parse().ok()?, int, fraction)?;
    Some((x, Written::of(int, frac)))
}

fn parse_german_decimal(value: &str) -> Option<(f64, Written)> {
    let (negative, rest) = unsigned(value)?;
    let (int, frac) = match rest.split_once(',') {
        Some((int, frac)) => (int, Some(frac)),
        None => (rest, None),
    };
    let fraction = frac.unwrap_or("0");
    if !digits(fraction) {
        return None;
    }
    let int = strip_thousands(int)?;
    if !fits_double(&int, fraction) {
        return None;
    }
    let n: f64 = kept(format!("{int}.{fraction}").parse().ok()?, &int, fraction)?;
    Some((if negative { -n } else { n }, Written::of(&int, frac)))
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
            t(Numbers::PointOnly, &["0.000000000000001", "1.5"]).column_type,
            Decimal
        );
        // `1.50` next to 15 decimal places: no number column writes both back as written.
        assert_eq!(
            t(Numbers::PointOnly, &["0.000000000000001", "1.50"]).column_type,
            Text
        );
    }

    #[test]
    fn decimal_columns_keep_the_scale_they_were_written_with() {
        use ColumnType::*;
        let t = |numbers, cells: &[&str]| infer(numbers, cells);
        // One scale: recorded, trailing zeros and all.
        let fractions = t(Numbers::GermanToo, &["0.125", "0.250", "0.005"]);
        assert_eq!((fractions.column_type, fractions.scale), (Decimal, Some(3)));
        let money = t(Numbers::GermanToo, &["1.234,50", "0,10", "-7,00"]);
        assert_eq!(
            (money.column_type, money.german, money.scale),
            (Decimal, true, Some(2))
        );
        let point = t(Numbers::PointOnly, &["0.50", "12.10", "", "3.00"]);
        assert_eq!((point.column_type, point.scale), (Decimal, Some(2)));
        // Different scales without trailing zeros: the shortest form writes each as written.
        let shortest = t(Numbers::PointOnly, &["1.5", "2.125", "3"]);
        assert_eq!((shortest.column_type, shortest.scale), (Decimal, None));
        assert_eq!(shortest.note, None);
        // Different scales and a trailing zero: no number column keeps both, so text.
        for (numbers, cells) in [
            (Numbers::PointOnly, &["1.50", "2.125"][..]),
            (Numbers::GermanToo, &["1,50", "2,125"][..]),
            (Numbers::GermanToo, &["0.125", "0.250", "1.5"][..]),
            (Numbers::PointOnly, &["3.0", "2.25"][..]),
        ] {
            let mixed = t(numbers, cells);
            assert_eq!(mixed.column_type, Text, "{cells:?}");
            assert_eq!(mixed.note, Some(MIXED_SCALES));
            assert_eq!(mixed.parse("1.50"), Ok(Some(Cell::Text("1.50".into()))));
        }
        // One scale, but more digits at that scale than a double keeps: a trailing zero cannot be
        // written back exactly, so text; without one, the shortest form.
        assert_eq!(
            t(Numbers::PointOnly, &["0.10000000000000000000"]).column_type,
            Text
        );
        let long = t(Numbers::PointOnly, &["100000000000000000000000", "2"]);
        assert_eq!((long.column_type, long.scale), (Decimal, None));
        // A number a double cannot hold (overflow, underflow) is no decimal.
        let huge = format!("1{}.5", "0".repeat(400));
        assert_eq!(t(Numbers::PointOnly, &[huge.as_str()]).column_type, Text);
        assert_eq!(t(Numbers::PointOnly, &["1e400"]).column_type, Text);
        let tiny = format!("0.{}1", "0".repeat(400));
        assert_eq!(t(Numbers::PointOnly, &[tiny.as_str()]).column_type, Text);
        assert!(parse_decimal(&format!("1{}", "0".repeat(400))).is_none());
        // A declared number column counts the scales of the values it reads.
        let given = Inferred::given(Decimal, Numbers::GermanToo);
        let mut scales = Scales::default();
        for cell in ["1.234,50", "0,25", ""] {
            given.parse_counting(cell, &mut scales).unwrap();
        }
        assert_eq!(scales.declared(), Some(2));
        given.parse_counting("2,125", &mut scales).unwrap();
        assert_eq!(scales.declared(), None);
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
