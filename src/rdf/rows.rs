//! The rows of a hosted table as RDF, in the named graph `{base}/distribution/{id}/data`:
//! - each row is `<{base}/distribution/{id}/row/{n}>` (n from 1), a `csvw:Row` with its `csvw:rownum`;
//! - each column is a predicate `<{base}/distribution/{id}/column/{name}>` (the header as written,
//!   percent-encoded where an IRI needs it), described in the same graph as an `rdf:Property` with the
//!   header as `rdfs:label` and its datatype as `rdfs:range`;
//! - cells are typed literals (`xsd:integer`, `xsd:decimal`, `xsd:boolean`, `xsd:date`,
//!   `xsd:dateTime`, `xsd:string`); empty cells give no triple. A decimal is written with its column's
//!   scale (`0.250`); Oxigraph keeps the value of an `xsd:decimal`, and answers its canonical form
//!   (`0.25`).

use chrono::SecondsFormat;
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad};
use uuid::Uuid;

use super::Mapping;
use super::vocab::{csvw, rdf, rdfs, xsd};
use crate::catalog::table::{Cell, ColumnType, StoredTable, write_decimal};

/// The IRIs of one hosted table, minted once per table.
pub struct TableTerms {
    graph: GraphName,
    row_prefix: String,
    columns: Vec<NamedNode>,
    scales: Vec<Option<u16>>,
}

impl Mapping {
    /// The IRI of a column of a hosted table.
    pub fn column_iri(&self, distribution: Uuid, name: &str) -> NamedNode {
        NamedNode::new_unchecked(format!(
            "{}/distribution/{distribution}/column/{}",
            self.base(),
            iri_segment(name)
        ))
    }

    /// The IRIs of `table`.
    pub fn table_terms(&self, table: &StoredTable) -> TableTerms {
        let id = table.distribution_id;
        TableTerms {
            graph: self.data_graph_iri(id).into(),
            row_prefix: format!("{}/distribution/{id}/row/", self.base()),
            columns: table
                .columns
                .iter()
                .map(|c| self.column_iri(id, &c.name))
                .collect(),
            scales: table.columns.iter().map(|c| c.scale).collect(),
        }
    }

    /// The description of a table's columns.
    pub fn column_quads(&self, table: &StoredTable, terms: &TableTerms) -> Vec<Quad> {
        let mut quads = Vec::with_capacity(table.columns.len() * 4);
        let data = self.data_graph_iri(table.distribution_id);
        for (column, iri) in table.columns.iter().zip(&terms.columns) {
            let mut push = |p: NamedNodeRef<'_>, o: oxigraph::model::Term| {
                quads.push(Quad::new(iri.clone(), p, o, terms.graph.clone()));
            };
            push(rdf::TYPE, rdf::PROPERTY.into_owned().into());
            push(
                rdfs::LABEL,
                Literal::new_simple_literal(&column.name).into(),
            );
            push(
                rdfs::RANGE,
                datatype(column.column_type).into_owned().into(),
            );
            push(rdfs::IS_DEFINED_BY, data.clone().into());
        }
        quads
    }

    /// The quads of some rows of a table.
    pub fn row_quads(&self, terms: &TableTerms, rows: &[(i64, Vec<Option<Cell>>)]) -> Vec<Quad> {
        let mut quads = Vec::with_capacity(rows.len() * (terms.columns.len() + 2));
        for (number, cells) in rows {
            let row = NamedNode::new_unchecked(format!("{}{number}", terms.row_prefix));
            quads.push(Quad::new(
                row.clone(),
                rdf::TYPE,
                csvw::ROW,
                terms.graph.clone(),
            ));
            quads.push(Quad::new(
                row.clone(),
                csvw::ROWNUM,
                Literal::from(*number),
                terms.graph.clone(),
            ));
            for ((cell, column), scale) in cells.iter().zip(&terms.columns).zip(&terms.scales) {
                if let Some(cell) = cell {
                    quads.push(Quad::new(
                        row.clone(),
                        column.clone(),
                        literal(cell, *scale),
                        terms.graph.clone(),
                    ));
                }
            }
        }
        quads
    }
}

fn datatype(column_type: ColumnType) -> NamedNodeRef<'static> {
    match column_type {
        ColumnType::Text => xsd::STRING,
        ColumnType::Integer => xsd::INTEGER,
        ColumnType::Decimal => xsd::DECIMAL,
        ColumnType::Boolean => xsd::BOOLEAN,
        ColumnType::Date => xsd::DATE,
        ColumnType::Datetime => xsd::DATE_TIME,
    }
}

fn literal(cell: &Cell, scale: Option<u16>) -> Literal {
    match cell {
        Cell::Text(text) => Literal::new_simple_literal(text),
        Cell::Integer(n) => Literal::from(*n),
        Cell::Decimal(x) if x.is_finite() => {
            // `f64`'s `Display` never uses an exponent, so it is a valid `xsd:decimal` lexical form.
            let mut text = String::with_capacity(24);
            write_decimal(&mut text, *x, scale, false);
            if !text.contains('.') {
                text.push_str(".0");
            }
            Literal::new_typed_literal(text, xsd::DECIMAL)
        }
        Cell::Decimal(x) => Literal::from(*x),
        Cell::Boolean(b) => Literal::from(*b),
        Cell::Date(d) => Literal::new_typed_literal(d.format("%Y-%m-%d").to_string(), xsd::DATE),
        Cell::Datetime(t) => Literal::new_typed_literal(
            t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            xsd::DATE_TIME,
        ),
    }
}

/// A header as an IRI path segment: letters and digits of any script and `-._~` stay as they are,
/// everything else is percent-encoded (UTF-8), so `Straße` stays readable and `a b/c` becomes
/// `a%20b%2Fc`.
fn iri_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric()
            || matches!(c, '-' | '.' | '_' | '~')
            || (!c.is_ascii() && c.is_alphanumeric())
        {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::catalog::table::PhysicalColumn;

    #[test]
    fn headers_become_readable_valid_iris() {
        assert_eq!(iri_segment("Straße"), "Straße");
        assert_eq!(iri_segment("budget_eur"), "budget_eur");
        assert_eq!(iri_segment("a b/c#?"), "a%20b%2Fc%23%3F");
        for name in ["Größe (m²)", "x%y", "€ Betrag", "ÄÖÜ äöü ß"] {
            let iri = format!("http://odcat.test/column/{}", iri_segment(name));
            assert!(NamedNode::new(&iri).is_ok(), "{iri}");
        }
    }

    #[test]
    fn rows_become_typed_literals_and_empty_cells_no_triple() {
        let mapping = Mapping::new("http://odcat.test", None);
        let id = Uuid::nil();
        let column = |name: &str, column_type, scale| PhysicalColumn {
            name: name.into(),
            column: "c".into(),
            column_type,
            scale,
        };
        let table = StoredTable {
            distribution_id: id,
            table_name: "dt".into(),
            columns: vec![
                column("Name", ColumnType::Text, None),
                column("Budget", ColumnType::Decimal, None),
                column("Beginn", ColumnType::Date, None),
                column("Anteil", ColumnType::Decimal, Some(3)),
            ],
            row_count: 1,
        };
        let terms = mapping.table_terms(&table);
        let quads = mapping.row_quads(
            &terms,
            &[(
                1,
                vec![
                    Some(Cell::Text("Scanstraße".into())),
                    Some(Cell::Decimal(2_000_000.0)),
                    None,
                    Some(Cell::Decimal(0.25)),
                ],
            )],
        );
        let objects: Vec<String> = quads.iter().map(|q| q.object.to_string()).collect();
        assert_eq!(
            objects,
            [
                "<http://www.w3.org/ns/csvw#Row>",
                "\"1\"^^<http://www.w3.org/2001/XMLSchema#integer>",
                "\"Scanstraße\"",
                "\"2000000.0\"^^<http://www.w3.org/2001/XMLSchema#decimal>",
                "\"0.250\"^^<http://www.w3.org/2001/XMLSchema#decimal>",
            ]
        );
        assert!(
            quads.iter().all(|q| q.graph_name.to_string()
                == format!("<http://odcat.test/distribution/{id}/data>"))
        );
        assert_eq!(
            literal(
                &Cell::Date(NaiveDate::from_ymd_opt(2021, 12, 31).unwrap()),
                None
            )
            .value(),
            "2021-12-31"
        );
        assert_eq!(mapping.column_quads(&table, &terms).len(), 16);
    }
}
