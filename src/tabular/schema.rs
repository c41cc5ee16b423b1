//! A Frictionless Table Schema declared for a hosted table: the column names in file order and their
//! types. With one, uploads are read with these types instead of inferring them, so a value that does
//! not fit (say `n/a` in an integer column, in the last row of a million) is refused, naming its line
//! and column, and the old rows stay.

use serde_json::{Value, json};

use crate::catalog::CatalogError;
use crate::catalog::table::ColumnType;

/// The declared columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSchema {
    /// Name (as the header must write it) and type of each column, in order.
    pub fields: Vec<(String, ColumnType)>,
}

/// The Table Schema type of a column type.
pub fn frictionless_type(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Text => "string",
        ColumnType::Integer => "integer",
        ColumnType::Decimal => "number",
        ColumnType::Boolean => "boolean",
        ColumnType::Date => "date",
        ColumnType::Datetime => "datetime",
    }
}

impl TableSchema {
    /// Reads a Table Schema (`{"fields": [{"name": …, "type": …}, …]}`). Types: `string`, `integer`,
    /// `number`, `boolean`, `date`, `datetime` (a field without a type is a `string`, as the
    /// specification says); `missingValues` may only be `[""]`, which is how odcat reads empty cells.
    pub fn from_json(value: &Value) -> Result<Self, CatalogError> {
        let fields = value
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| CatalogError::invalid("fields", "a Table Schema has a list `fields`"))?;
        if fields.is_empty() {
            return Err(CatalogError::invalid(
                "fields",
                "declare at least one field",
            ));
        }
        if let Some(missing) = value.get("missingValues")
            && missing != &json!([""])
        {
            return Err(CatalogError::invalid(
                "missingValues",
                "only [\"\"] is supported: an empty cell is a missing value",
            ));
        }
        let mut out: Vec<(String, ColumnType)> = Vec::with_capacity(fields.len());
        for (i, field) in fields.iter().enumerate() {
            let name = field
                .get("name")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    CatalogError::invalid(format!("fields[{i}].name"), "give the column's header")
                })?;
            if out.iter().any(|(n, _)| n == name) {
                return Err(CatalogError::invalid(
                    format!("fields[{i}].name"),
                    format!("`{name}` is declared twice"),
                ));
            }
            let column_type = match field.get("type").map(|t| t.as_str()) {
                None | Some(Some("string" | "any")) => ColumnType::Text,
                Some(Some("integer")) => ColumnType::Integer,
                Some(Some("number")) => ColumnType::Decimal,
                Some(Some("boolean")) => ColumnType::Boolean,
                Some(Some("date")) => ColumnType::Date,
                Some(Some("datetime")) => ColumnType::Datetime,
                Some(other) => {
                    return Err(CatalogError::invalid(
                        format!("fields[{i}].type"),
                        format!(
                            "{} is not supported; use string, integer, number, boolean, date or datetime",
                            other.map_or_else(
                                || "a non-string type".to_owned(),
                                |t| format!("`{t}`")
                            )
                        ),
                    ));
                }
            };
            out.push((name.to_owned(), column_type));
        }
        Ok(Self { fields: out })
    }

    /// The schema as stored and answered: `{"fields": [{"name", "type"}], "missingValues": [""]}`.
    pub fn to_json(&self) -> Value {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|(name, t)| json!({"name": name, "type": frictionless_type(*t)}))
            .collect();
        json!({"fields": fields, "missingValues": [""]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_schema_reads_names_and_types_and_names_what_is_wrong() {
        let schema = TableSchema::from_json(&json!({"fields": [
            {"name": "Stadtbezirk"}, {"name": "Einwohner", "type": "integer"},
            {"name": "Fläche", "type": "number", "title": "Fläche in km²"},
            {"name": "Stichtag", "type": "date"}, {"name": "aktiv", "type": "boolean"}
        ]}))
        .unwrap();
        assert_eq!(
            schema.fields,
            [
                ("Stadtbezirk".to_owned(), ColumnType::Text),
                ("Einwohner".to_owned(), ColumnType::Integer),
                ("Fläche".to_owned(), ColumnType::Decimal),
                ("Stichtag".to_owned(), ColumnType::Date),
                ("aktiv".to_owned(), ColumnType::Boolean),
            ]
        );
        assert_eq!(TableSchema::from_json(&schema.to_json()).unwrap(), schema);
        let field = |value: Value| match TableSchema::from_json(&value) {
            Err(CatalogError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(json!({})), "fields");
        assert_eq!(field(json!({"fields": []})), "fields");
        assert_eq!(
            field(json!({"fields": [{"type": "integer"}]})),
            "fields[0].name"
        );
        assert_eq!(
            field(json!({"fields": [{"name": "a"}, {"name": "b", "type": "geopoint"}]})),
            "fields[1].type"
        );
        assert_eq!(
            field(json!({"fields": [{"name": "a"}, {"name": "a"}]})),
            "fields[1].name"
        );
        assert_eq!(
            field(json!({"fields": [{"name": "a"}], "missingValues": ["NA"]})),
            "missingValues"
        );
    }
}
