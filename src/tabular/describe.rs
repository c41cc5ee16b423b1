//! Machine-readable descriptions of a hosted table's CSV download: W3C CSV on the Web tabular metadata
//! (`data.csv-metadata.json`) and a Frictionless Tabular Data Package (`datapackage.json`). Both name
//! the columns exactly as the CSV's header does and give each its type, so `csvw` and `frictionless`
//! tools can check and load the download as it is served.

use serde_json::{Value, json};

use crate::catalog::repo::tables::PublicTable;
use crate::catalog::table::ColumnType;
use crate::catalog::vocab::license_label;
use crate::tabular::schema::frictionless_type;

/// What both descriptions say about the table besides its columns.
pub struct TableContext<'a> {
    /// The table with its dataset, distribution and publisher.
    pub table: &'a PublicTable,
    /// The absolute URL of the CSV download.
    pub csv_url: &'a str,
    /// The absolute URL of the dataset.
    pub dataset_url: &'a str,
}

/// A column name as a URI-template variable name (CSVW requires names of that form): every byte
/// outside `A–Z a–z 0–9 _` percent-encoded, and a leading `_` too (CSVW reserves it). `Fläche (km²)`
/// becomes `Fl%C3%A4che%20%28km%C2%B2%29`.
pub fn csvw_name(header: &str) -> String {
    let mut name = String::with_capacity(header.len() * 3);
    for (i, byte) in header.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric() || (byte == b'_' && i > 0);
        if plain {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

fn csvw_datatype(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Text => "string",
        ColumnType::Integer => "integer",
        ColumnType::Decimal => "decimal",
        ColumnType::Boolean => "boolean",
        ColumnType::Date => "date",
        ColumnType::Datetime => "dateTime",
    }
}

/// The dialect of odcat's CSV downloads (RFC 4180 with CRLF, a header row, UTF-8 without BOM).
const DELIMITER: &str = ",";

/// CSVW tabular metadata (JSON-LD) for the CSV download.
pub fn csvw(context: &TableContext<'_>) -> Value {
    let columns: Vec<Value> = context
        .table
        .table
        .columns
        .iter()
        .map(|c| {
            json!({
                "name": csvw_name(&c.name),
                "titles": c.name,
                "datatype": csvw_datatype(c.column_type),
            })
        })
        .collect();
    let mut document = json!({
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "de"}],
        "@id": format!("{}-metadata.json", context.csv_url),
        "url": context.csv_url,
        "dc:title": context.table.distribution_title_de,
        "dc:description": context.table.dataset_description_de,
        "dc:source": {"@id": context.dataset_url},
        "dc:modified": {
            "@value": context.table.updated_at.to_utc().to_rfc3339(),
            "@type": "xsd:dateTime"
        },
        "dialect": {
            "encoding": "utf-8",
            "delimiter": DELIMITER,
            "quoteChar": "\"",
            "doubleQuote": true,
            "lineTerminators": ["\r\n", "\n"],
            "header": true,
            "headerRowCount": 1,
            "trim": false
        },
        "tableSchema": {
            "columns": columns,
            "null": ""
        }
    });
    let license = license_iri(context);
    if !license.is_empty() {
        document["dc:license"] = json!({"@id": license});
    }
    if let Some(publisher) = &context.table.publisher_name_de {
        document["dc:publisher"] = json!(publisher);
    }
    document
}

fn license_iri<'a>(context: &TableContext<'a>) -> &'a str {
    context
        .table
        .distribution_license
        .as_deref()
        .unwrap_or(&context.table.dataset_license)
}

/// A Frictionless Tabular Data Package (v1 profiles, which v2 tools read too) for the CSV download.
pub fn datapackage(context: &TableContext<'_>) -> Value {
    let fields: Vec<Value> = context
        .table
        .table
        .columns
        .iter()
        .map(|c| json!({"name": c.name, "type": frictionless_type(c.column_type)}))
        .collect();
    let mut package = json!({
        "profile": "tabular-data-package",
        "id": context.dataset_url,
        "name": context.table.dataset_slug,
        "title": context.table.dataset_title_de,
        "description": context.table.dataset_description_de,
        "homepage": context.dataset_url,
        "resources": [{
            "profile": "tabular-data-resource",
            "name": context.table.distribution_id.to_string(),
            "path": context.csv_url,
            "title": context.table.distribution_title_de,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {
                "delimiter": DELIMITER,
                "lineTerminator": "\r\n",
                "quoteChar": "\"",
                "doubleQuote": true,
                "header": true
            },
            "schema": {
                "fields": fields,
                "missingValues": [""]
            }
        }]
    });
    let license = license_iri(context);
    if !license.is_empty() {
        // Frictionless licence names are short identifiers: `dl-by-de/2.0` becomes `dl-by-de-2.0`.
        let name = license
            .trim_end_matches('/')
            .strip_prefix(crate::catalog::vocab::LICENSE)
            .unwrap_or(license)
            .replace('/', "-");
        let mut entry = json!({"name": name, "path": license});
        if let Some(title) = license_label(license) {
            entry["title"] = json!(title);
        }
        package["licenses"] = json!([entry]);
    }
    if let Some(publisher) = &context.table.publisher_name_de {
        let mut contributor = json!({"title": publisher, "role": "publisher"});
        if let Some(homepage) = &context.table.publisher_homepage {
            contributor["path"] = json!(homepage);
        }
        package["contributors"] = json!([contributor]);
    }
    package
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_become_uri_template_variables() {
        assert_eq!(csvw_name("Stadtbezirk"), "Stadtbezirk");
        assert_eq!(csvw_name("Fläche (km²)"), "Fl%C3%A4che%20%28km%C2%B2%29");
        assert_eq!(csvw_name("Süd-Ost"), "S%C3%BCd%2DOst");
        assert_eq!(csvw_name("_intern"), "%5Fintern");
        assert_eq!(csvw_name("a_b.c"), "a_b%2Ec");
    }
}
