//! A small bar chart for a hosted table, drawn on the server as SVG: when a text column has between 2
//! and 12 distinct values and some of them repeat, the chart shows the rows per value, or the sum of
//! an amount column per value. A sum is drawn only when it means one thing: the table has exactly one
//! amount column (one whose name speaks of money or counts, not of shares or ids), no other column
//! sorts its rows into kinds that must not be added up (Aufwand and Ertrag, Einnahmen and Ausgaben,
//! Soll and Ist), and only rows with a value count (a value without any amount is left out, never
//! drawn as 0). The aggregate runs once per loaded table (the physical table name changes with every
//! upload) and is remembered.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use super::i18n::Lang;
use crate::catalog::Db;
use crate::catalog::error::CatalogError;
use crate::catalog::table::{ColumnType, PhysicalColumn, StoredTable};
use crate::tabular::storage::{self, Group};

/// At most this many bars; a column with more distinct values does not invite a chart.
const MAX_BARS: usize = 12;
/// Text columns tried, in order.
const MAX_TRIED: usize = 6;
/// Remembered aggregates.
const CACHE_SIZE: usize = 2_048;
/// Words in a column name that mark an amount worth summing.
const AMOUNT_WORDS: [&str; 15] = [
    "eur",
    "euro",
    "betrag",
    "budget",
    "summe",
    "kosten",
    "anzahl",
    "menge",
    "amount",
    "count",
    "sum",
    "cost",
    "total",
    "einwohner",
    "fläche",
];
/// Words in a column name that mark a number that must not be summed (shares, rates, keys, years).
const NOT_AMOUNT_WORDS: [&str; 14] = [
    "prozent",
    "quote",
    "anteil",
    "percent",
    "pct",
    "rate",
    "id",
    "nr",
    "nummer",
    "jahr",
    "year",
    "plz",
    "schluessel",
    "schlüssel",
];
/// Values that sort rows into kinds of amounts that must not be added up.
const KIND_PAIRS: [(&str, &str); 8] = [
    ("aufwand", "ertrag"),
    ("aufwendungen", "erträge"),
    ("einnahme", "ausgabe"),
    ("einnahmen", "ausgaben"),
    ("einzahlung", "auszahlung"),
    ("soll", "ist"),
    ("plan", "ist"),
    ("income", "expense"),
];

/// The numbers behind a chart (language-independent).
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    /// The category column.
    pub category: String,
    /// The summed column, or `None` for row counts.
    pub measure: Option<String>,
    /// Category values and their numbers, largest first.
    pub values: Vec<(String, f64)>,
}

static CACHE: LazyLock<Mutex<HashMap<String, Option<ChartData>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn words(name: &str) -> Vec<String> {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a column name speaks of an amount (and not of a share, a key or a year).
fn is_amount(name: &str) -> bool {
    let lower = name.to_lowercase();
    let parts = words(name);
    if parts.iter().any(|p| NOT_AMOUNT_WORDS.contains(&p.as_str()))
        || NOT_AMOUNT_WORDS
            .iter()
            .any(|w| w.len() > 4 && lower.contains(w))
    {
        return false;
    }
    parts.iter().any(|p| AMOUNT_WORDS.contains(&p.as_str()))
        || AMOUNT_WORDS
            .iter()
            .any(|w| w.len() > 4 && lower.contains(w))
}

/// Whether a column's values sort rows into kinds of amounts (both words of a pair occur).
fn sorts_into_kinds(values: &[Group]) -> bool {
    let present: Vec<String> = values.iter().map(|g| g.key.trim().to_lowercase()).collect();
    let has = |word: &str| present.iter().any(|v| v == word);
    KIND_PAIRS.iter().any(|(a, b)| has(a) && has(b))
}

/// The chart a table invites, if any (remembered per physical table).
pub async fn chart_data(db: &Db, table: &StoredTable) -> Result<Option<ChartData>, CatalogError> {
    if let Ok(cache) = CACHE.lock()
        && let Some(hit) = cache.get(&table.table_name)
    {
        return Ok(hit.clone());
    }
    let data = compute(db, table).await?;
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= CACHE_SIZE {
            cache.clear();
        }
        cache.insert(table.table_name.clone(), data.clone());
    }
    Ok(data)
}

async fn compute(db: &Db, table: &StoredTable) -> Result<Option<ChartData>, CatalogError> {
    if table.row_count < 2 {
        return Ok(None);
    }
    let amounts: Vec<&PhysicalColumn> = table
        .columns
        .iter()
        .filter(|c| {
            matches!(c.column_type, ColumnType::Integer | ColumnType::Decimal) && is_amount(&c.name)
        })
        .collect();
    // Two amount columns (Aufwand and Ertrag, Plan and Ist) are two measures: no sum of either.
    let measure = match amounts.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let mut tried = Vec::new();
    for category in table
        .columns
        .iter()
        .filter(|c| c.column_type == ColumnType::Text)
        .take(MAX_TRIED)
    {
        let values = storage::value_groups(db, table, category, measure, MAX_BARS + 1).await?;
        tried.push((category, values));
    }
    // A column that sorts the rows into kinds of amounts: sums only per that column.
    let kinds = tried
        .iter()
        .find(|(_, values)| values.len() <= MAX_BARS && sorts_into_kinds(values))
        .map(|(c, _)| c.column.clone());
    for (category, values) in tried {
        if values.len() < 2 || values.len() > MAX_BARS {
            continue;
        }
        // A column whose every value names one row (an id, a title) is no category.
        if !values.iter().any(|g| g.rows > 1) {
            continue;
        }
        let summable = measure.filter(|_| kinds.as_ref().is_none_or(|k| *k == category.column));
        let summed: Vec<(String, f64)> = values
            .iter()
            .filter(|g| g.with_amount > 0)
            .filter_map(|g| g.sum.map(|s| (g.key.clone(), s)))
            .collect();
        let (measure_name, mut points) = match summable {
            Some(m) if summed.len() >= 2 => (Some(m.name.clone()), summed),
            _ => (
                None,
                values
                    .iter()
                    .map(|g| (g.key.clone(), g.rows as f64))
                    .collect(),
            ),
        };
        points.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        return Ok(Some(ChartData {
            category: category.name.clone(),
            measure: measure_name,
            values: points,
        }));
    }
    Ok(None)
}

/// The unit of an amount column, from its name, in words (`Euro`), if it names one.
fn unit(measure: &str, lang: Lang) -> Option<&'static str> {
    let parts = words(measure);
    let has = |w: &str| parts.iter().any(|p| p == w);
    let (de, en) = if has("eur") || has("euro") || measure.contains('€') {
        ("Euro", "euros")
    } else if has("usd") {
        ("US-Dollar", "US dollars")
    } else if has("km2") || has("qkm") {
        ("Quadratkilometern", "square kilometres")
    } else if has("m2") || has("qm") {
        ("Quadratmetern", "square metres")
    } else if has("ha") || has("hektar") {
        ("Hektar", "hectares")
    } else if has("kwh") {
        ("Kilowattstunden", "kilowatt hours")
    } else if has("t") || has("tonnen") {
        ("Tonnen", "tonnes")
    } else {
        return None;
    };
    Some(match lang {
        Lang::De => de,
        Lang::En => en,
    })
}

/// A column name as a caption word: German nouns start with a capital letter.
fn category_words(name: &str, lang: Lang) -> String {
    let spaced = name.replace('_', " ");
    match lang {
        Lang::De => {
            let mut chars = spaced.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        }
        Lang::En => spaced,
    }
}

/// One bar, laid out.
pub struct Bar {
    /// The category value.
    pub label: String,
    /// The value shortened for the axis.
    pub short_label: String,
    /// The number as the page writes numbers.
    pub value_text: String,
    /// Top of the bar's row.
    pub y: u32,
    /// Bar length.
    pub width: u32,
}

/// A chart ready for `chart.html`.
pub struct Chart {
    /// Element id prefix.
    pub id: String,
    /// Title (also the SVG's accessible name).
    pub title: String,
    /// The category column's name.
    pub category: String,
    /// What the numbers are.
    pub measure: String,
    /// Drawing width.
    pub width: u32,
    /// Drawing height.
    pub height: u32,
    /// Room for the labels.
    pub label_width: u32,
    /// The bars.
    pub bars: Vec<Bar>,
}

const WIDTH: u32 = 640;
const LABEL_WIDTH: u32 = 230;
const VALUE_ROOM: u32 = 100;
const ROW_HEIGHT: u32 = 28;
const LABEL_CHARS: usize = 28;

/// Lays out `data` in `lang`.
pub fn layout(data: &ChartData, id: String, lang: Lang) -> Chart {
    let t = lang.texts();
    let category = category_words(&data.category, lang);
    let (title, measure) = match &data.measure {
        Some(m) => match unit(m, lang) {
            Some(u) => (
                format!(
                    "{} {m} {} {u} {} {category}",
                    t.chart_sum_of, t.chart_in, t.chart_per
                ),
                format!("{m} ({u})"),
            ),
            None => (
                format!("{} {m} {} {category}", t.chart_sum_of, t.chart_per),
                m.clone(),
            ),
        },
        None => (
            format!("{} {category}", t.chart_rows_per),
            t.count.to_owned(),
        ),
    };
    let max = data
        .values
        .iter()
        .map(|(_, v)| v.abs())
        .fold(0.0_f64, f64::max);
    let room = f64::from(WIDTH - LABEL_WIDTH - VALUE_ROOM);
    let bars = data
        .values
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let share = if max > 0.0 { value.abs() / max } else { 0.0 };
            let short_label = if label.chars().count() > LABEL_CHARS {
                let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
                s.push('…');
                s
            } else {
                label.clone()
            };
            Bar {
                label: label.clone(),
                short_label,
                value_text: number_text(*value, lang),
                y: u32::try_from(i).unwrap_or(0) * ROW_HEIGHT,
                width: Ord::max((share * room).round() as u32, 1),
            }
        })
        .collect::<Vec<_>>();
    Chart {
        id,
        title,
        category: data.category.clone(),
        measure,
        width: WIDTH,
        height: u32::try_from(bars.len()).unwrap_or(0) * ROW_HEIGHT + 4,
        label_width: LABEL_WIDTH,
        bars,
    }
}

/// A number with the language's digit grouping (`28.000.000` / `28,000,000`), up to two decimals.
pub fn number_text(value: f64, lang: Lang) -> String {
    let (group, decimal) = match lang {
        Lang::De => ('.', ','),
        Lang::En => (',', '.'),
    };
    let rounded = (value * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let abs = rounded.abs();
    let whole = abs.trunc() as u64;
    let cents = ((abs - abs.trunc()) * 100.0).round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(d);
    }
    if cents > 0 {
        out.push(decimal);
        out.push_str(format!("{cents:02}").trim_end_matches('0'));
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(number_text(28_000_000.0, Lang::De), "28.000.000");
        assert_eq!(number_text(28_000_000.0, Lang::En), "28,000,000");
        assert_eq!(number_text(-1234.5, Lang::De), "-1.234,5");
        assert_eq!(number_text(0.25, Lang::En), "0.25");
        assert_eq!(number_text(999.0, Lang::De), "999");
    }

    #[test]
    fn amounts_are_recognised_by_name() {
        assert!(is_amount("budget_eur"));
        assert!(is_amount("Budget EUR"));
        assert!(is_amount("Anzahl"));
        assert!(is_amount("Gesamtkosten"));
        assert!(!is_amount("projekt_id"));
        assert!(!is_amount("reifegrad"));
        assert!(!is_amount("foerderquote_prozent"));
        assert!(!is_amount("anzahl_id"));
        assert_eq!(unit("flaeche_m2", Lang::De), Some("Quadratmetern"));
        assert_eq!(unit("anzahl", Lang::De), None);
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let data = ChartData {
            category: "status".into(),
            measure: Some("budget_eur".into()),
            values: vec![
                ("abgeschlossen".into(), 200.0),
                ("in Umsetzung".into(), 50.0),
            ],
        };
        let chart = layout(&data, "c1".into(), Lang::De);
        assert_eq!(chart.title, "Summe von budget_eur in Euro je Status");
        assert_eq!(chart.measure, "budget_eur (Euro)");
        let english = layout(&data, "c1".into(), Lang::En);
        assert_eq!(english.title, "Sum of budget_eur in euros per status");
        assert_eq!(chart.bars[0].width, WIDTH - LABEL_WIDTH - VALUE_ROOM);
        assert_eq!(
            chart.bars[1].width,
            (WIDTH - LABEL_WIDTH - VALUE_ROOM).div_ceil(4)
        );
        assert_eq!(chart.bars[1].y, ROW_HEIGHT);
        assert_eq!(chart.height, 2 * ROW_HEIGHT + 4);
    }
}
