//! Which rows and columns of a hosted table a download or a rows page asks for: `fields`, filters
//! (`col=value`, `col__gt|gte|lt|lte|eq|contains|in=…`), `q` (every word in some text column) and
//! `sort=col,-col`, with column names exactly as the header wrote them. Parameters are checked against
//! the table's columns and types; the result becomes one SQL condition and order, read in batches by
//! keyset so that a download never re-scans what it has sent.

use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, LikeExpr, NullOrdering, Order, SelectStatement,
    SimpleExpr,
};

use crate::catalog::table::{Cell, ColumnType, ROW, StoredTable, sql_value};
use crate::tabular::infer::{Inferred, Numbers};

/// A comparison of one column with values parsed to its type.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `col=value` or `col__eq=value`; an empty value asks for empty cells.
    Eq,
    /// `col__gt=value`.
    Gt,
    /// `col__gte=value`.
    Gte,
    /// `col__lt=value`.
    Lt,
    /// `col__lte=value`.
    Lte,
    /// `col__contains=text` (text columns).
    Contains,
    /// `col__in=a,b,c`.
    In,
}

impl Op {
    fn from_suffix(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "eq" => Self::Eq,
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            "contains" => Self::Contains,
            "in" => Self::In,
            _ => return None,
        })
    }
}

/// One filter: a column (index into the table's columns), a comparison and its values (`None` is an
/// empty cell).
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// Column index.
    pub column: usize,
    /// The comparison.
    pub op: Op,
    /// The values, typed like the column (text for `contains`).
    pub values: Vec<Option<Cell>>,
}

/// One sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey {
    /// Column index.
    pub column: usize,
    /// `-col`: largest first.
    pub descending: bool,
}

/// A parameter that cannot be used, named as the client sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterError {
    /// The parameter.
    pub parameter: String,
    /// What is wrong with it.
    pub message: String,
}

impl ParameterError {
    fn new(parameter: &str, message: impl Into<String>) -> Self {
        Self {
            parameter: parameter.to_owned(),
            message: message.into(),
        }
    }
}

/// The rows and columns asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct TableQuery {
    /// Column indices in the order wanted (`fields`; all columns by default).
    pub columns: Vec<usize>,
    /// Filters; all must hold.
    pub filters: Vec<Filter>,
    /// Words of `q`; each must occur in some text column (case-insensitively).
    pub words: Vec<String>,
    /// Sort keys; rows in file order after (and without) them.
    pub sort: Vec<SortKey>,
}

/// The most sort keys: each adds terms to the keyset condition of every batch.
pub const MAX_SORT_KEYS: usize = 16;

/// The most words of `q`: each is looked for in every text column of every row.
pub const MAX_WORDS: usize = 32;

/// The most filters (`__in` lists count once).
pub const MAX_FILTERS: usize = 64;

/// The parameter names this module reads itself.
const OWN: [&str; 3] = ["fields", "q", "sort"];

impl TableQuery {
    /// Every row and column in file order.
    pub fn all(table: &StoredTable) -> Self {
        Self {
            columns: (0..table.columns.len()).collect(),
            filters: Vec::new(),
            words: Vec::new(),
            sort: Vec::new(),
        }
    }

    /// Reads `fields`, `q`, `sort` and filters from `pairs`; parameters named in `caller` are handed
    /// back untouched, in order. Any other name must be a column, optionally with an operator suffix.
    pub fn parse(
        table: &StoredTable,
        pairs: Vec<(String, String)>,
        caller: &[&str],
    ) -> Result<(Self, Vec<(String, String)>), ParameterError> {
        let mut query = Self::all(table);
        let mut rest = Vec::new();
        for (name, value) in pairs {
            // PostgreSQL refuses NUL in text: caught here it is the client's 400, not a failed
            // query (a 500, or a download cut off after its headers).
            if value.contains('\0') {
                return Err(ParameterError::new(
                    &name,
                    "must not contain NUL characters",
                ));
            }
            if caller.contains(&name.as_str()) {
                rest.push((name, value));
                continue;
            }
            match name.as_str() {
                "fields" => {
                    query.columns = if table.columns.iter().any(|c| c.name == value) {
                        vec![column_named(table, "fields", &value)?]
                    } else {
                        items("fields", &value)?
                            .iter()
                            .map(|field| column_named(table, "fields", &unquote("fields", field)?))
                            .collect::<Result<_, _>>()?
                    };
                    for (k, column) in query.columns.iter().enumerate() {
                        if query.columns[..k].contains(column) {
                            return Err(ParameterError::new(
                                "fields",
                                format!("`{}` is named twice", table.columns[*column].name),
                            ));
                        }
                    }
                }
                "q" => {
                    if !table
                        .columns
                        .iter()
                        .any(|c| c.column_type == ColumnType::Text)
                    {
                        return Err(ParameterError::new(
                            "q",
                            "the table has no text column to search; use filters",
                        ));
                    }
                    query
                        .words
                        .extend(value.split_whitespace().map(str::to_owned));
                    if query.words.len() > MAX_WORDS {
                        return Err(ParameterError::new(
                            "q",
                            format!(
                                "{} words; search for at most {MAX_WORDS} words at once",
                                query.words.len()
                            ),
                        ));
                    }
                }
                "sort" => {
                    let key = |key: &str, quoted: bool| {
                        let key = key.trim();
                        let (descending, name) = match key.strip_prefix('-') {
                            Some(name) => (true, name),
                            None => (false, key.strip_prefix('+').unwrap_or(key)),
                        };
                        let name = if quoted {
                            unquote("sort", name)?
                        } else {
                            name.to_owned()
                        };
                        Ok(SortKey {
                            column: column_named(table, "sort", &name)?,
                            descending,
                        })
                    };
                    let whole = value.strip_prefix(['-', '+']).unwrap_or(&value);
                    query.sort = if table.columns.iter().any(|c| c.name == whole) {
                        vec![key(&value, false)?]
                    } else {
                        items("sort", &value)?
                            .iter()
                            .map(|item| key(item, true))
                            .collect::<Result<_, _>>()?
                    };
                    if query.sort.len() > MAX_SORT_KEYS {
                        return Err(ParameterError::new(
                            "sort",
                            format!("sort by at most {MAX_SORT_KEYS} columns"),
                        ));
                    }
                }
                _ => {
                    if query.filters.len() == MAX_FILTERS {
                        return Err(ParameterError::new(
                            &name,
                            format!("filter by at most {MAX_FILTERS} conditions at once"),
                        ));
                    }
                    query.filters.push(filter(table, &name, &value, caller)?);
                }
            }
        }
        Ok((query, rest))
    }

    /// Whether rows are left out or reordered (otherwise row `n` of the answer is row `n` of the file).
    pub fn is_plain(&self) -> bool {
        self.filters.is_empty() && self.words.is_empty() && self.sort.is_empty()
    }

    /// The SQL condition of the filters and `q`.
    pub fn condition(&self, table: &StoredTable, backend: DatabaseBackend) -> Condition {
        let mut all = Condition::all();
        for f in &self.filters {
            let column = &table.columns[f.column];
            let col = || Expr::col(Alias::new(&column.column));
            let value = |cell: &Option<Cell>| sql_value(column.column_type, cell.clone());
            let first = f.values.first().cloned().flatten();
            let expr: SimpleExpr = match (&f.op, first) {
                (Op::Eq, None) => col().is_null(),
                (Op::Eq, Some(cell)) => col().eq(value(&Some(cell))),
                (Op::Gt, Some(cell)) => col().gt(value(&Some(cell))),
                (Op::Gte, Some(cell)) => col().gte(value(&Some(cell))),
                (Op::Lt, Some(cell)) => col().lt(value(&Some(cell))),
                (Op::Lte, Some(cell)) => col().lte(value(&Some(cell))),
                (Op::Contains, Some(Cell::Text(text))) => contains(col(), &text, backend),
                (Op::In, _) => {
                    let (empty, given): (Vec<_>, Vec<_>) =
                        f.values.iter().partition(|v| v.is_none());
                    let listed = col().is_in(given.into_iter().map(value));
                    if empty.is_empty() {
                        listed
                    } else {
                        listed.or(col().is_null())
                    }
                }
                // Parsing gives every comparison a value of the column's type.
                _ => Expr::val(false),
            };
            all = all.add(expr);
        }
        for word in &self.words {
            let text_columns = table
                .columns
                .iter()
                .filter(|c| c.column_type == ColumnType::Text)
                .map(|c| contains(Expr::col(Alias::new(&c.column)), word, backend).into())
                .collect();
            all = all.add(balanced_any(text_columns));
        }
        all
    }

    /// `SELECT` of the rows asked for, in order: those after `after` (the last row of the previous
    /// batch, by keyset), or from `offset` on, at most `limit`.
    pub fn select(
        &self,
        table: &StoredTable,
        backend: DatabaseBackend,
        after: Option<&(i64, Vec<Option<Cell>>)>,
        offset: u64,
        limit: u64,
    ) -> SelectStatement {
        let mut query = table.select();
        query.cond_where(self.condition(table, backend));
        let row = || Expr::col(Alias::new(ROW));
        match after {
            Some(last) => {
                query.cond_where(self.after(table, last));
            }
            // Rows are numbered 1..n without gaps, so an offset into the whole table is a row number.
            None if self.is_plain() => {
                query.and_where(row().gt(i64::try_from(offset).unwrap_or(i64::MAX)));
            }
            None if offset > 0 => {
                query.offset(offset);
            }
            None => {}
        }
        for key in &self.sort {
            let order = if key.descending {
                Order::Desc
            } else {
                Order::Asc
            };
            query.order_by_with_nulls(
                Alias::new(&table.columns[key.column].column),
                order,
                NullOrdering::Last,
            );
        }
        query.order_by(Alias::new(ROW), Order::Asc).limit(limit);
        query
    }

    /// Rows that sort after `last` (sort keys with empty cells last, then the row number).
    fn after(&self, table: &StoredTable, last: &(i64, Vec<Option<Cell>>)) -> Condition {
        let (number, cells) = last;
        let mut any = Condition::any();
        let mut equal_so_far = Condition::all();
        for key in &self.sort {
            let column = &table.columns[key.column];
            let col = || Expr::col(Alias::new(&column.column));
            match &cells[key.column] {
                Some(cell) => {
                    let v = || sql_value(column.column_type, Some(cell.clone()));
                    let beyond = if key.descending {
                        col().lt(v())
                    } else {
                        col().gt(v())
                    };
                    any = any.add(
                        equal_so_far
                            .clone()
                            .add(Condition::any().add(beyond).add(col().is_null())),
                    );
                    equal_so_far = equal_so_far.add(col().eq(v()));
                }
                // Empty cells come last: nothing of this key is beyond one.
                None => equal_so_far = equal_so_far.add(col().is_null()),
            }
        }
        any.add(equal_so_far.add(Expr::col(Alias::new(ROW)).gt(*number)))
    }
}

/// `a OR b OR …` as a balanced tree of parenthesised groups: SQLite refuses expressions nested more
/// than 1000 deep, and a flat chain over a table's text columns nests one level per column.
fn balanced_any(mut conditions: Vec<Condition>) -> Condition {
    const GROUP: usize = 8;
    if conditions.len() <= GROUP {
        return conditions
            .into_iter()
            .fold(Condition::any(), Condition::add);
    }
    let size = conditions.len().div_ceil(GROUP);
    let mut any = Condition::any();
    while !conditions.is_empty() {
        let rest = conditions.split_off(size.min(conditions.len()));
        any = any.add(balanced_any(std::mem::replace(&mut conditions, rest)));
    }
    any
}

/// The comma-separated items of a list parameter; commas inside double quotes belong to the item
/// (`fields="Betrag (netto, EUR)",Stadtbezirk`), whose quotes stay for [`unquote`].
fn items(parameter: &str, value: &str) -> Result<Vec<String>, ParameterError> {
    let mut out = Vec::new();
    let mut item = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                item.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut item)),
            _ => item.push(c),
        }
    }
    if quoted {
        return Err(ParameterError::new(
            parameter,
            "a quote is never closed; write a column name with a comma as \"Betrag (netto, EUR)\"",
        ));
    }
    out.push(item);
    Ok(out)
}

/// A column name of a list item: trimmed, and without its double quotes (`""` inside is a quote).
fn unquote(parameter: &str, item: &str) -> Result<String, ParameterError> {
    let item = item.trim();
    let Some(inner) = item.strip_prefix('"') else {
        return Ok(item.to_owned());
    };
    let inner = inner.strip_suffix('"').ok_or_else(|| {
        ParameterError::new(
            parameter,
            format!("`{item}`: quote the whole column name, nothing after the closing quote"),
        )
    })?;
    Ok(inner.replace("\"\"", "\""))
}

fn contains(col: Expr, text: &str, backend: DatabaseBackend) -> SimpleExpr {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    match backend {
        // PostgreSQL lower-cases every letter (sea-query cannot give ILIKE an ESCAPE clause).
        DatabaseBackend::Postgres => {
            Expr::expr(Func::lower(col)).like(LikeExpr::new(escaped.to_lowercase()).escape('\\'))
        }
        // SQLite's LIKE ignores the case of ASCII letters.
        _ => col.like(LikeExpr::new(escaped).escape('\\')),
    }
}

fn column_named(table: &StoredTable, parameter: &str, name: &str) -> Result<usize, ParameterError> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            ParameterError::new(
                parameter,
                format!(
                    "the table has no column `{name}` (columns: {})",
                    names(table)
                ),
            )
        })
}

fn names(table: &StoredTable) -> String {
    table
        .columns
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn filter(
    table: &StoredTable,
    name: &str,
    value: &str,
    caller: &[&str],
) -> Result<Filter, ParameterError> {
    let (column, op) = match table.columns.iter().position(|c| c.name == name) {
        Some(column) => (column, Op::Eq),
        None => {
            let known = name.rsplit_once("__").and_then(|(column, suffix)| {
                let column = table.columns.iter().position(|c| c.name == column)?;
                Some((column, Op::from_suffix(suffix)?))
            });
            known.ok_or_else(|| {
                let mut parameters: Vec<&str> = OWN.to_vec();
                parameters.extend(caller);
                ParameterError::new(
                    name,
                    format!(
                        "neither a parameter ({}) nor a column filter: the table's columns are {}, \
                         each optionally with __eq, __gt, __gte, __lt, __lte, __contains or __in",
                        parameters.join(", "),
                        names(table)
                    ),
                )
            })?
        }
    };
    let column_type = table.columns[column].column_type;
    let typed = |raw: &str| {
        Inferred::given(column_type, Numbers::PointOnly)
            .parse(raw)
            .map_err(|message| {
                ParameterError::new(
                    name,
                    format!(
                        "{message} (column `{}` is {})",
                        table.columns[column].name,
                        column_type.as_str()
                    ),
                )
            })
    };
    let values = match op {
        Op::Contains if column_type != ColumnType::Text => {
            return Err(ParameterError::new(
                name,
                format!(
                    "__contains needs a text column; `{}` is {}",
                    table.columns[column].name,
                    column_type.as_str()
                ),
            ));
        }
        Op::Contains if value.is_empty() => {
            return Err(ParameterError::new(name, "give the text to look for"));
        }
        Op::Contains => vec![Some(Cell::Text(value.to_owned()))],
        Op::In => value.split(',').map(typed).collect::<Result<_, _>>()?,
        Op::Eq => vec![typed(value)?],
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => match typed(value)? {
            Some(cell) => vec![Some(cell)],
            None => return Err(ParameterError::new(name, "give a value to compare with")),
        },
    };
    Ok(Filter { column, op, values })
}

#[cfg(test)]
mod tests {
    use super::{DatabaseBackend, Op, ParameterError, SortKey, TableQuery};
    use crate::catalog::table::{Cell, ColumnType, PhysicalColumn, StoredTable};
    use sea_orm::sea_query::SqliteQueryBuilder;

    fn table() -> StoredTable {
        let column = |name: &str, column: &str, column_type| PhysicalColumn {
            name: name.into(),
            column: column.into(),
            column_type,
            scale: None,
        };
        StoredTable {
            distribution_id: uuid::Uuid::nil(),
            table_name: "dt_x".into(),
            columns: vec![
                column("Stadtbezirk", "c1", ColumnType::Text),
                column("Einwohner gesamt", "c2", ColumnType::Integer),
                column("Stichtag", "c3", ColumnType::Date),
                column("q", "c4", ColumnType::Decimal),
            ],
            row_count: 10,
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    fn parse(list: &[(&str, &str)]) -> Result<TableQuery, ParameterError> {
        TableQuery::parse(&table(), pairs(list), &["limit", "offset"]).map(|(q, _)| q)
    }

    #[test]
    fn parameters_become_typed_filters_sort_and_fields() {
        let (query, rest) = TableQuery::parse(
            &table(),
            pairs(&[
                ("Einwohner gesamt__gte", "1000"),
                ("Stichtag", "31.12.2025"),
                ("limit", "5"),
                ("q__lt", "2.5"),
                ("Stadtbezirk__in", "Elberfeld,Barmen,"),
                ("sort", "-Einwohner gesamt,Stadtbezirk"),
                ("fields", "Stadtbezirk,q"),
            ]),
            &["limit"],
        )
        .unwrap();
        assert_eq!(rest, pairs(&[("limit", "5")]));
        assert_eq!(query.columns, vec![0, 3]);
        assert_eq!(
            query.sort,
            vec![
                SortKey {
                    column: 1,
                    descending: true
                },
                SortKey {
                    column: 0,
                    descending: false
                }
            ]
        );
        assert_eq!(query.filters[0].values, vec![Some(Cell::Integer(1000))]);
        assert_eq!(query.filters[1].op, Op::Eq);
        assert_eq!(
            query.filters[1].values,
            vec![Some(Cell::Date(
                chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
            ))]
        );
        assert_eq!(
            query.filters[2].column, 3,
            "`q__lt` filters the column named q"
        );
        assert_eq!(query.filters[3].values.len(), 3);
        assert_eq!(
            query.filters[3].values[2], None,
            "an empty item asks for empty cells"
        );
        assert!(!query.is_plain());
    }

    #[test]
    fn unknown_columns_and_bad_values_name_the_parameter() {
        let error = parse(&[("Einwohner", "5")]).unwrap_err();
        assert_eq!(error.parameter, "Einwohner");
        assert!(
            error.message.contains("`Einwohner gesamt`"),
            "{}",
            error.message
        );
        let error = parse(&[("Einwohner gesamt__gt", "viele")]).unwrap_err();
        assert_eq!(error.parameter, "Einwohner gesamt__gt");
        assert!(
            error.message.contains("`viele` is not an integer"),
            "{}",
            error.message
        );
        let error = parse(&[("Einwohner gesamt__like", "5")]).unwrap_err();
        assert_eq!(error.parameter, "Einwohner gesamt__like");
        let error = parse(&[("Stichtag__contains", "2025")]).unwrap_err();
        assert!(error.message.contains("text column"), "{}", error.message);
        let error = parse(&[("sort", "-Fläche")]).unwrap_err();
        assert_eq!(error.parameter, "sort");
        let error = parse(&[("fields", "Stadtbezirk,,")]).unwrap_err();
        assert_eq!(error.parameter, "fields");
        let error = parse(&[("Stichtag__gt", "")]).unwrap_err();
        assert!(error.message.contains("value"), "{}", error.message);
    }

    #[test]
    fn sql_is_bound_escaped_and_ordered_with_empty_cells_last() {
        let query = parse(&[
            ("Stadtbezirk__contains", "50%_"),
            ("q", "Ober barmen"),
            ("sort", "-Einwohner gesamt"),
        ])
        .unwrap();
        let table = table();
        let last = (7, vec![None, Some(Cell::Integer(42)), None, None]);
        let sql = query
            .select(&table, DatabaseBackend::Sqlite, Some(&last), 0, 100)
            .to_string(SqliteQueryBuilder);
        assert!(sql.contains(r"LIKE '%50\%\_%' ESCAPE '\'"), "{sql}");
        assert!(sql.contains(r#""c1" LIKE '%Ober%'"#), "{sql}");
        assert!(sql.contains(r#""c2" < 42 OR "c2" IS NULL"#), "{sql}");
        assert!(sql.contains(r#""c2" = 42 AND "_row" > 7"#), "{sql}");
        assert!(sql.contains("NULLS LAST"), "{sql}");
        assert!(sql.ends_with(r#""_row" ASC LIMIT 100"#), "{sql}");
        let plain = TableQuery::all(&table)
            .select(&table, DatabaseBackend::Sqlite, None, 20, 10)
            .to_string(SqliteQueryBuilder);
        assert!(
            plain.contains(r#""_row" > 20"#),
            "an offset is a row number: {plain}"
        );
        assert!(!plain.contains("OFFSET"), "{plain}");
    }
}
