//! A small bar chart for a hosted table, drawn on the server as SVG: when a text column has between 2
//! and 12 distinct values, the chart shows the rows per value, or the sum of an amount column (one
//! whose name speaks of money or counts) per value. The aggregate runs once per loaded table (the
//! physical table name changes with every upload) and is remembered.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};

use super::i18n::Lang;
use crate::catalog::error::CatalogError;
use crate::catalog::table::{ColumnType, ROW, StoredTable};

/// At most this many bars; a column with more distinct values does not invite a chart.
const MAX_BARS: usize = 12;
/// Text columns tried, in order.
const MAX_TRIED: usize = 6;
/// Remembered aggregates.
const CACHE_SIZE: usize = 2_048;
/// Words in a column name that mark an amount worth summing.
const AMOUNT_WORDS: [&str; 14] = [
    "eur",
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

/// Whether a column name speaks of an amount.
fn is_amount(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|part| AMOUNT_WORDS.contains(&part))
        || AMOUNT_WORDS
            .iter()
            .any(|w| w.len() > 4 && lower.contains(w))
}

/// The chart a table invites, if any (remembered per physical table).
pub async fn chart_data(
    db: &impl ConnectionTrait,
    table: &StoredTable,
) -> Result<Option<ChartData>, CatalogError> {
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

async fn compute(
    db: &impl ConnectionTrait,
    table: &StoredTable,
) -> Result<Option<ChartData>, CatalogError> {
    if table.row_count < 2 {
        return Ok(None);
    }
    let measure = table.columns.iter().find(|c| {
        matches!(c.column_type, ColumnType::Integer | ColumnType::Decimal) && is_amount(&c.name)
    });
    for category in table
        .columns
        .iter()
        .filter(|c| c.column_type == ColumnType::Text)
        .take(MAX_TRIED)
    {
        let mut query = Query::select();
        query
            .expr_as(Expr::col(Alias::new(&category.column)), Alias::new("k"))
            .expr_as(Expr::col(Alias::new(ROW)).count(), Alias::new("n"))
            .from(Alias::new(&table.table_name))
            .and_where(Expr::col(Alias::new(&category.column)).is_not_null())
            .group_by_col(Alias::new(&category.column))
            .order_by_expr(Expr::col(Alias::new(ROW)).count(), Order::Desc)
            .limit(MAX_BARS as u64 + 1);
        if let Some(m) = measure {
            query.expr_as(
                Expr::col(Alias::new(&m.column))
                    .sum()
                    .cast_as(Alias::new("DOUBLE PRECISION")),
                Alias::new("s"),
            );
        }
        let rows = db.query_all(&query).await?;
        if rows.len() < 2 || rows.len() > MAX_BARS {
            continue;
        }
        let mut values = Vec::with_capacity(rows.len());
        let mut repeated = false;
        for row in rows {
            let key: String = row.try_get("", "k")?;
            let count = row.try_get::<i64>("", "n")?;
            repeated |= count > 1;
            let value = match measure {
                Some(_) => row.try_get::<Option<f64>>("", "s")?.unwrap_or(0.0),
                None => count as f64,
            };
            values.push((key, value));
        }
        // A column whose every value names one row (an id, a title) is no category.
        if !repeated {
            continue;
        }
        values.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        return Ok(Some(ChartData {
            category: category.name.clone(),
            measure: measure.map(|m| m.name.clone()),
            values,
        }));
    }
    Ok(None)
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
    let (title, measure) = match &data.measure {
        Some(m) => (
            format!("{} {m} {} {}", t.chart_sum_of, t.chart_per, data.category),
            m.clone(),
        ),
        None => (
            format!("{} {}", t.chart_rows_per, data.category),
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
        assert_eq!(chart.title, "Summe von budget_eur je status");
        assert_eq!(chart.bars[0].width, WIDTH - LABEL_WIDTH - VALUE_ROOM);
        assert_eq!(
            chart.bars[1].width,
            (WIDTH - LABEL_WIDTH - VALUE_ROOM).div_ceil(4)
        );
        assert_eq!(chart.bars[1].y, ROW_HEIGHT);
        assert_eq!(chart.height, 2 * ROW_HEIGHT + 4);
    }
}
