//! DCAT-US 1.1 (Project Open Data's `data.json`, which DKAN publishes) as odcat's dataset
//! documents: the fields with a DCAT-AP counterpart, the licence by its URL, `accessLevel` as
//! access rights, ISO 8601 repeating intervals as EU frequencies, media types as EU file types.
//! Pure.

use serde_json::{Map, Value};

use super::ckan::{MappingError, file_type};
use super::normalise::language_of;
use crate::catalog::document::{
    ContactPointDocument, DatasetDocument, DistributionDocument, Keywords, LangText, Temporal,
};
use crate::catalog::values::{DatasetStatus, DcatDate, DistributionKind, DistributionStatus};
use crate::catalog::vocab;

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn strings(map: &Map<String, Value>, key: &str) -> Vec<String> {
    match map.get(key) {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_owned()],
        _ => Vec::new(),
    }
}

/// The EU frequency of a DCAT-US `accrualPeriodicity` (an ISO 8601 repeating interval).
fn frequency(value: &str) -> Option<String> {
    let code = match value.trim() {
        "R/PT1S" | "R/PT1M" => "CONT",
        "R/PT1H" => "HOURLY",
        "R/P1D" => "DAILY",
        "R/P3.5D" => "WEEKLY_2",
        "R/P1W" => "WEEKLY",
        "R/P2W" => "BIWEEKLY",
        "R/P0.5M" => "MONTHLY_2",
        "R/P1M" => "MONTHLY",
        "R/P2M" => "BIMONTHLY",
        "R/P3M" => "QUARTERLY",
        "R/P4M" => "ANNUAL_3",
        "R/P6M" => "ANNUAL_2",
        "R/P1Y" => "ANNUAL",
        "R/P2Y" => "BIENNIAL",
        "R/P3Y" => "TRIENNIAL",
        "R/P10Y" => "DECENNIAL",
        "irregular" => "IRREG",
        _ => return None,
    };
    Some(format!("{}{code}", vocab::FREQUENCY))
}

fn date(map: &Map<String, Value>, key: &str) -> Result<Option<DcatDate>, MappingError> {
    text(map, key)
        .map(|v| {
            DcatDate::parse(&v).ok_or_else(|| MappingError {
                field: key.into(),
                message: format!("`{v}` is not a date"),
            })
        })
        .transpose()
}

fn distribution(map: &Map<String, Value>) -> Result<DistributionDocument, MappingError> {
    let download = text(map, "downloadURL");
    let access = text(map, "accessURL").or_else(|| download.clone());
    let media_type = text(map, "mediaType");
    let format_name = text(map, "format")
        .or_else(|| media_type.clone())
        .or_else(|| {
            download
                .as_deref()
                .and_then(|u| u.rsplit_once('.'))
                .map(|(_, e)| e.to_owned())
        })
        .ok_or_else(|| MappingError {
            field: "distribution".into(),
            message: "a distribution needs a `format` or `mediaType`".into(),
        })?;
    let format = file_type(&format_name)
        .or_else(|e| media_type.as_deref().map(file_type).unwrap_or(Err(e)))
        .map_err(|e| MappingError {
            field: "distribution".into(),
            message: e.message,
        })?;
    Ok(DistributionDocument {
        id: None,
        title: LangText {
            de: text(map, "title")
                .or_else(|| access.clone())
                .unwrap_or_default(),
            en: None,
        },
        description: text(map, "description").map(|de| LangText { de, en: None }),
        format,
        media_type: media_type
            .filter(|m| vocab::Vocabulary::MediaType.contains(&format!("{}{m}", vocab::MEDIA_TYPE)))
            .map(|m| format!("{}{m}", vocab::MEDIA_TYPE)),
        access_url: Some(access.ok_or_else(|| MappingError {
            field: "distribution".into(),
            message: "a distribution needs an `accessURL` or `downloadURL`".into(),
        })?),
        download_url: download,
        byte_size: None,
        checksum: None,
        license: None,
        issued: None,
        modified: None,
        availability: None,
        rights: None,
        kind: DistributionKind::ExternalLink,
        status: DistributionStatus::Active,
        data_table: None,
    })
}

/// A DCAT-US dataset as a dataset document (no publisher: the harvest source names it).
pub fn document(map: &Map<String, Value>) -> Result<DatasetDocument, MappingError> {
    let title = text(map, "title").unwrap_or_default();
    let license = match text(map, "license") {
        Some(l) => vocab::license_from_source(&l).ok_or_else(|| MappingError {
            field: "license".into(),
            message: format!(
                "`{l}` is no licence of the DCAT-AP.de list and has no mapping to one"
            ),
        })?,
        None => String::new(),
    };
    let access_rights = text(map, "accessLevel").map(|level| {
        let code = match level.as_str() {
            "public" => "PUBLIC",
            "restricted public" => "RESTRICTED",
            _ => "NON_PUBLIC",
        };
        format!("{}{code}", vocab::ACCESS_RIGHT)
    });
    let temporal = text(map, "temporal").and_then(|t| {
        let (start, end) = t.split_once('/')?;
        let day = |v: &str| chrono::NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok();
        Some(Temporal {
            start: day(start),
            end: day(end),
        })
    });
    let contact_point = map
        .get("contactPoint")
        .and_then(Value::as_object)
        .and_then(|c| {
            Some(ContactPointDocument {
                name: text(c, "fn")?,
                email: text(c, "hasEmail").map(|e| e.trim_start_matches("mailto:").to_owned()),
                url: None,
                telephone: None,
            })
        });
    let mut distributions = Vec::new();
    if let Some(list) = map.get("distribution").and_then(Value::as_array) {
        for d in list.iter().filter_map(Value::as_object) {
            distributions.push(distribution(d)?);
        }
    }
    let slug_source = text(map, "identifier");
    Ok(DatasetDocument {
        id: None,
        harvest: None,
        slug: crate::rdf::parse::slug_of(
            slug_source.as_deref().filter(|i| i.starts_with("http")),
            &title,
        ),
        publisher: None,
        status: Some(DatasetStatus::Published),
        title: LangText {
            de: title,
            en: None,
        },
        description: LangText {
            de: text(map, "description").unwrap_or_default(),
            en: None,
        },
        keywords: Keywords {
            de: strings(map, "keyword"),
            en: Vec::new(),
        },
        themes: Vec::new(),
        languages: strings(map, "language")
            .iter()
            .filter_map(|l| language_of(l))
            .collect(),
        license,
        license_attribution: None,
        access_rights,
        accrual_periodicity: text(map, "accrualPeriodicity").and_then(|f| frequency(&f)),
        spatial: None,
        geocoding_level: None,
        temporal,
        identifier: text(map, "identifier"),
        issued: date(map, "issued")?,
        modified: date(map, "modified")?,
        record_modified: None,
        record_created: None,
        availability: None,
        landing_page: text(map, "landingPage"),
        conforms_to: text(map, "conformsTo").into_iter().collect(),
        version: None,
        contributor_id: None,
        contact_point,
        distributions,
        revision: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_json_dataset_maps_to_dcat_ap_de() {
        let value = serde_json::json!({
            "title": "Baumkataster",
            "description": "Alle Straßenbäume",
            "keyword": ["Bäume", "Umwelt"],
            "modified": "2024-05-01",
            "identifier": "https://dkan.example/dataset/1b2c",
            "accessLevel": "public",
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "accrualPeriodicity": "R/P1Y",
            "language": ["de"],
            "temporal": "2020-01-01/2023-12-31",
            "contactPoint": {"fn": "Grünflächenamt", "hasEmail": "mailto:gruen@example.org"},
            "distribution": [{"downloadURL": "https://dkan.example/baeume.csv", "mediaType": "text/csv", "title": "CSV"}]
        });
        let doc = document(value.as_object().unwrap()).unwrap();
        assert_eq!(doc.license, "http://dcat-ap.de/def/licenses/cc-by/4.0");
        assert!(doc.access_rights.unwrap().ends_with("/PUBLIC"));
        assert!(doc.accrual_periodicity.unwrap().ends_with("/ANNUAL"));
        assert_eq!(
            doc.languages,
            ["http://publications.europa.eu/resource/authority/language/DEU"]
        );
        assert_eq!(
            doc.contact_point.unwrap().email.as_deref(),
            Some("gruen@example.org")
        );
        assert!(doc.distributions[0].format.ends_with("/CSV"));
        assert_eq!(doc.slug, "1b2c");
        assert_eq!(doc.temporal.unwrap().end.unwrap().to_string(), "2023-12-31");
        let bad = serde_json::json!({"title": "x", "license": "https://example.org/mine"});
        assert_eq!(
            document(bad.as_object().unwrap()).unwrap_err().field,
            "license"
        );
    }
}
