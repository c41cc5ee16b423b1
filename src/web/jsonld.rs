//! schema.org `Dataset` markup for a dataset page (JSON-LD in a `<script>` element), so that search
//! engines' dataset search finds the catalogue. It follows schema.org's Dataset, DataDownload and
//! DataCatalog types and the properties search engines read (name, description, url, identifier,
//! keywords, license, creator/publisher, dates, coverage, distribution).

use serde_json::{Map, Value, json};

use crate::catalog::document::DatasetDocument;
use crate::catalog::vocab;

use super::index::PublisherEntry;

/// What the markup says about the catalogue.
pub struct CatalogRef<'a> {
    /// Catalogue name.
    pub name: &'a str,
    /// Its address.
    pub url: String,
}

/// The dataset's schema.org markup. `page` is the page's address, `iri` the dataset's DCAT IRI.
pub fn dataset(
    doc: &DatasetDocument,
    publisher: Option<&PublisherEntry>,
    page: &str,
    iri: &str,
    catalog: &CatalogRef<'_>,
    license_url: &str,
) -> Value {
    let mut out = Map::new();
    out.insert("@context".into(), json!("https://schema.org/"));
    out.insert("@type".into(), json!("Dataset"));
    out.insert("@id".into(), json!(iri));
    out.insert("name".into(), json!(doc.title.de));
    if let Some(en) = &doc.title.en {
        out.insert("alternateName".into(), json!(en));
    }
    out.insert(
        "description".into(),
        json!(super::markdown::to_plain(&doc.description.de, usize::MAX)),
    );
    out.insert("url".into(), json!(page));
    out.insert("identifier".into(), json!(iri));
    out.insert("inLanguage".into(), json!("de"));
    let keywords: Vec<&String> = doc.keywords.de.iter().chain(&doc.keywords.en).collect();
    if !keywords.is_empty() {
        out.insert("keywords".into(), json!(keywords));
    }
    out.insert("license".into(), json!(license_url));
    out.insert("isAccessibleForFree".into(), json!(true));
    if let Some(p) = publisher {
        let mut org = Map::new();
        org.insert("@type".into(), json!("Organization"));
        org.insert("name".into(), json!(p.name_de));
        if let Some(home) = &p.homepage {
            org.insert("url".into(), json!(home));
        }
        if let Some(mail) = &p.email {
            org.insert("email".into(), json!(mail));
        }
        let org = Value::Object(org);
        out.insert("creator".into(), org.clone());
        out.insert("publisher".into(), org);
    }
    if let Some(issued) = doc.issued {
        out.insert("datePublished".into(), json!(issued.to_rfc3339()));
    }
    if let Some(modified) = doc.modified {
        out.insert("dateModified".into(), json!(modified.to_rfc3339()));
    }
    if let Some(t) = &doc.temporal {
        let start = t.start.map_or_else(|| "..".to_owned(), |d| d.to_string());
        let end = t.end.map_or_else(|| "..".to_owned(), |d| d.to_string());
        out.insert("temporalCoverage".into(), json!(format!("{start}/{end}")));
    }
    if let Some(spatial) = &doc.spatial {
        out.insert(
            "spatialCoverage".into(),
            json!({"@type": "Place", "sameAs": spatial}),
        );
    }
    if let Some(version) = &doc.version {
        out.insert("version".into(), json!(version));
    }
    let distributions: Vec<Value> = doc
        .distributions
        .iter()
        .filter_map(|d| {
            let url = d.download_url.as_ref().or(d.access_url.as_ref())?;
            let mut item = Map::new();
            item.insert("@type".into(), json!("DataDownload"));
            item.insert("name".into(), json!(d.title.de));
            item.insert("contentUrl".into(), json!(url));
            let format = d
                .media_type
                .as_deref()
                .and_then(|m| m.strip_prefix(vocab::MEDIA_TYPE))
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    d.format
                        .strip_prefix(vocab::FILE_TYPE)
                        .unwrap_or(&d.format)
                        .to_owned()
                });
            item.insert("encodingFormat".into(), json!(format));
            if let Some(size) = d.byte_size {
                item.insert("contentSize".into(), json!(format!("{size} B")));
            }
            Some(Value::Object(item))
        })
        .collect();
    if !distributions.is_empty() {
        out.insert("distribution".into(), json!(distributions));
    }
    out.insert(
        "includedInDataCatalog".into(),
        json!({"@type": "DataCatalog", "name": catalog.name, "url": catalog.url}),
    );
    Value::Object(out)
}

/// The markup as the text of a `<script>` element: `<`, `>` and `&` escaped as JSON unicode escapes
/// so that no text in it can close the element.
pub fn script_text(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_close_the_element() {
        let value = json!({"name": "</script><script>alert(1)</script> & co"});
        let text = script_text(&value);
        assert!(!text.contains('<'));
        let back: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }
}
