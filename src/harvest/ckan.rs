//! CKAN's package dicts as odcat's dataset documents: the fields, the extras GovData's ckanext-dcatde
//! and ckanext-dcat store, tags, groups and resources. Pure; used by the CKAN API's writes and by
//! harvesting from CKAN sources.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalog::document::{
    ChecksumDocument, ContactPointDocument, DatasetDocument, DistributionDocument, Keywords,
    LangText, Temporal,
};
use crate::catalog::values::{DatasetStatus, DcatDate, DistributionKind, DistributionStatus};
use crate::catalog::vocab::{self, Vocabulary};

/// CKAN's tag length limits (`ckan.model.MIN_TAG_LENGTH`, `MAX_TAG_LENGTH`).
const MIN_TAG_LENGTH: usize = 2;
const MAX_TAG_LENGTH: usize = 100;

/// Whether CKAN's tag validator accepts `tag` as it is: 2–100 characters, each a letter or digit
/// (any script), space, `-`, `_` or `.`.
fn valid_tag(tag: &str) -> bool {
    let chars = tag.chars().count();
    (MIN_TAG_LENGTH..=MAX_TAG_LENGTH).contains(&chars)
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
}

/// A keyword as a CKAN tag name: kept when CKAN's tag validator accepts it, else cleaned as
/// ckanext-dcat's `clean_tags` does (CKAN's `munge_tag`: ASCII equivalents, lower case, only
/// `a-z 0-9 -` and spaces as `-`, padded with `_` to 2 or cut to 100 characters); `None` when
/// nothing is left.
pub fn tag_name(keyword: &str) -> Option<String> {
    let keyword = keyword.trim();
    if valid_tag(keyword) {
        return Some(keyword.to_owned());
    }
    let mut munged = String::new();
    for c in keyword.chars() {
        match c {
            'ä' | 'Ä' => munged.push('a'),
            'ö' | 'Ö' => munged.push('o'),
            'ü' | 'Ü' => munged.push('u'),
            'ß' => munged.push_str("ss"),
            'é' | 'è' | 'ê' | 'É' | 'È' => munged.push('e'),
            'à' | 'á' | 'â' | 'À' | 'Á' => munged.push('a'),
            c => munged.extend(c.to_lowercase()),
        }
    }
    let munged: String = munged
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect();
    if munged.is_empty() {
        return None;
    }
    let mut munged: String = munged.chars().take(MAX_TAG_LENGTH).collect();
    while munged.chars().count() < MIN_TAG_LENGTH {
        munged.push('_');
    }
    Some(munged)
}

/// A package dict that cannot become a dataset document: the CKAN field and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct MappingError {
    /// The CKAN field (`name`, `resources`, `extras`, …).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl MappingError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.trim().is_empty())
}

/// The `extras` as a map (later keys win), with top-level keys of the same names as well.
fn extras(map: &Map<String, Value>) -> Result<Map<String, Value>, MappingError> {
    let mut out = Map::new();
    match map.get("extras") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for extra in list {
                let key = extra.get("key").and_then(Value::as_str);
                let value = extra.get("value");
                match (key, value) {
                    (Some(key), Some(value)) => {
                        out.insert(key.to_owned(), value.clone());
                    }
                    _ => {
                        return Err(MappingError::new(
                            "extras",
                            "each extra must be {\"key\": …, \"value\": …}",
                        ));
                    }
                }
            }
        }
        Some(_) => return Err(MappingError::new("extras", "Must be a list")),
    }
    Ok(out)
}

/// The first IRI of an extra that ckanext-dcatde stores as a JSON list in text (or a plain IRI).
fn first_iri(value: &str) -> String {
    serde_json::from_str::<Vec<String>>(value)
        .ok()
        .and_then(|list| list.into_iter().next())
        .unwrap_or_else(|| value.trim().to_owned())
}

/// A list extra: a JSON list in text, or one value.
fn iri_list(value: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(value)
        .unwrap_or_else(|_| vec![value.trim().to_owned()])
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect()
}

/// An EU file-type IRI of a CKAN format name (`CSV`, `csv`, `.csv`, `GeoJSON`, `WMS`, an IRI).
pub(crate) fn file_type(format: &str) -> Result<String, MappingError> {
    let trimmed = format.trim().trim_start_matches('.');
    if trimmed.contains("://") {
        return Ok(trimmed.to_owned());
    }
    let code = match trimmed.to_ascii_uppercase().as_str() {
        "SHAPEFILE" | "ESRI SHAPEFILE" => "SHP".to_owned(),
        "WMS" => "WMS_SRVC".to_owned(),
        "WFS" => "WFS_SRVC".to_owned(),
        "GEOJSON" => "GEOJSON".to_owned(),
        "XLS" | "EXCEL" => "XLS".to_owned(),
        "TEXT/CSV" => "CSV".to_owned(),
        "APPLICATION/JSON" => "JSON".to_owned(),
        // Media types where a resource names one as its format.
        "APPLICATION/GEO+JSON" => "GEOJSON".to_owned(),
        "APPLICATION/RDF+XML" => "RDF_XML".to_owned(),
        "TEXT/TURTLE" => "RDF_TURTLE".to_owned(),
        "APPLICATION/LD+JSON" => "JSON_LD".to_owned(),
        "TEXT/PLAIN" => "TXT".to_owned(),
        "TEXT/XML" => "XML".to_owned(),
        "APPLICATION/VND.MS-EXCEL" => "XLS".to_owned(),
        "APPLICATION/VND.OPENXMLFORMATS-OFFICEDOCUMENT.SPREADSHEETML.SHEET" => "XLSX".to_owned(),
        "APPLICATION/VND.OASIS.OPENDOCUMENT.SPREADSHEET" => "ODS".to_owned(),
        media if media.contains('/') => media
            .rsplit('/')
            .next()
            .unwrap_or(media)
            .replace([' ', '-', '+'], "_"),
        other => other.replace([' ', '-'], "_"),
    };
    let iri = format!("{}{code}", vocab::FILE_TYPE);
    if Vocabulary::FileType.contains(&iri) {
        Ok(iri)
    } else {
        Err(MappingError::new(
            "resources",
            format!(
                "format `{format}` is not an EU file type (e.g. CSV, JSON, XLSX, PDF, GEOJSON)"
            ),
        ))
    }
}

/// A resource dict as a distribution; `current` is the distribution of the same id, whose other
/// fields (a hosted table's kind, its table) stay.
pub fn distribution(
    resource: &Map<String, Value>,
    current: Option<&DistributionDocument>,
) -> Result<DistributionDocument, MappingError> {
    let url = text(resource, "url");
    let name = text(resource, "name");
    let format = match text(resource, "format") {
        Some(f) => file_type(&f)?,
        None => match current {
            Some(c) => c.format.clone(),
            None => {
                return Err(MappingError::new(
                    "resources",
                    "a resource needs a `format`",
                ));
            }
        },
    };
    let mut dist = current
        .cloned()
        .unwrap_or_else(|| DistributionDocument::blank(DistributionKind::ExternalLink));
    dist.format = format;
    dist.title.de = name
        .or_else(|| url.clone())
        .or_else(|| current.map(|c| c.title.de.clone()))
        .unwrap_or_default();
    dist.description = text(resource, "description").map(|de| LangText { de, en: None });
    // CKAN has one text: the German one; an English one is kept while the German stays the same.
    dist.rights = match text(resource, "rights") {
        Some(de) if dist.rights.as_ref().is_some_and(|r| r.de == de) => dist.rights.take(),
        Some(de) => Some(LangText { de, en: None }),
        None => None,
    };
    if let Some(mimetype) = text(resource, "mimetype") {
        dist.media_type = Some(if mimetype.contains("://") {
            mimetype
        } else {
            format!("{}{}", vocab::MEDIA_TYPE, mimetype.trim())
        });
    }
    if dist.kind == DistributionKind::ExternalLink {
        let url = url.ok_or_else(|| MappingError::new("resources", "a resource needs a `url`"))?;
        dist.access_url = text(resource, "access_url").or_else(|| Some(url.clone()));
        dist.download_url = text(resource, "download_url").or(Some(url));
    }
    if let Some(size) = resource.get("size").filter(|v| !v.is_null()) {
        dist.byte_size = Some(
            size.as_u64()
                .or_else(|| size.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| MappingError::new("resources", "`size` must be a natural number"))?,
        );
    }
    if let Some(hash) = text(resource, "hash") {
        let algorithm = text(resource, "hash_algorithm").unwrap_or_else(|| match hash.len() {
            32 => "md5".to_owned(),
            40 => "sha1".to_owned(),
            128 => "sha512".to_owned(),
            _ => "sha256".to_owned(),
        });
        dist.checksum = Some(ChecksumDocument {
            algorithm,
            value: hash,
        });
    }
    if let Some(license) = text(resource, "license") {
        dist.license = Some(license);
    }
    if let Some(issued) = text(resource, "issued") {
        dist.issued = Some(DcatDate::parse(&issued).ok_or_else(|| {
            MappingError::new("resources", format!("`issued` `{issued}` is not a date"))
        })?);
    }
    Ok(dist)
}

/// A package dict as a dataset document; `current` is the dataset it replaces (its hosted tables,
/// withdrawn distributions and identifier stay); `publisher_of` names the publisher (slug) of an
/// `owner_org`.
pub fn document(
    map: &Map<String, Value>,
    current: Option<&DatasetDocument>,
    publisher_of: impl Fn(&str) -> Option<String>,
) -> Result<DatasetDocument, MappingError> {
    let extras = extras(map)?;
    // An extra, or the top-level key of the same name (ckanext-scheming puts them there).
    let field = |key: &str| text(&extras, key).or_else(|| text(map, key));
    let name = text(map, "name").ok_or_else(|| MappingError::new("name", "Missing value"))?;
    let title = text(map, "title").unwrap_or_else(|| name.clone());
    let publisher = match text(map, "owner_org") {
        Some(org) => Some(
            publisher_of(&org)
                .ok_or_else(|| MappingError::new("owner_org", "Organization does not exist"))?,
        ),
        None => current.and_then(|c| c.publisher.clone()),
    };
    let mut keywords = Keywords::default();
    if let Some(tags) = map.get("tags").filter(|v| !v.is_null()) {
        let tags = tags
            .as_array()
            .ok_or_else(|| MappingError::new("tags", "Must be a list"))?;
        for tag in tags {
            let name = tag
                .as_str()
                .or_else(|| tag.get("name").and_then(Value::as_str))
                .ok_or_else(|| MappingError::new("tags", "each tag needs a `name`"))?;
            // A tag CKAN made of one of the dataset's keywords (cleaned as CKAN's tag rules
            // demand) is that keyword: sending the dict back keeps the keyword as written.
            let de = current.and_then(|c| {
                c.keywords
                    .de
                    .iter()
                    .find(|k| tag_name(k).as_deref() == Some(name))
            });
            let en = current.and_then(|c| {
                c.keywords
                    .en
                    .iter()
                    .find(|k| tag_name(k).as_deref() == Some(name))
            });
            match (de, en) {
                (None, None) => keywords.de.push(name.to_owned()),
                (de, en) => {
                    keywords.de.extend(de.cloned());
                    keywords.en.extend(en.cloned());
                }
            }
        }
    }
    let mut themes = Vec::new();
    if let Some(groups) = map.get("groups").filter(|v| !v.is_null()) {
        let groups = groups
            .as_array()
            .ok_or_else(|| MappingError::new("groups", "Must be a list"))?;
        for group in groups {
            let name = group
                .as_str()
                .or_else(|| group.get("name").and_then(Value::as_str))
                .or_else(|| group.get("id").and_then(Value::as_str))
                .ok_or_else(|| MappingError::new("groups", "each group needs a `name`"))?;
            themes.push(format!(
                "{}{}",
                vocab::DATA_THEME,
                name.to_ascii_uppercase()
            ));
        }
    } else if let Some(theme) = field("theme") {
        themes = iri_list(&theme);
    }
    let license = text(map, "license_id")
        .map(|l| {
            if l.contains("://") {
                l
            } else {
                format!("{}{l}", vocab::LICENSE)
            }
        })
        .unwrap_or_default();
    let state = text(map, "state");
    let private = match map.get("private") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
        _ => false,
    };
    let status = match state.as_deref() {
        Some("draft") => DatasetStatus::Draft,
        Some("deleted") => DatasetStatus::Withdrawn,
        _ if private => DatasetStatus::Draft,
        _ => DatasetStatus::Published,
    };
    let temporal = (field("temporal_start").is_some() || field("temporal_end").is_some())
        .then(|| -> Result<Temporal, MappingError> {
            let day = |key: &str| -> Result<Option<chrono::NaiveDate>, MappingError> {
                field(key)
                    .map(|v| {
                        let day = v.get(..10).unwrap_or(&v);
                        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                            .map_err(|_| MappingError::new(key, format!("`{v}` is not a date")))
                    })
                    .transpose()
            };
            Ok(Temporal {
                start: day("temporal_start")?,
                end: day("temporal_end")?,
            })
        })
        .transpose()?;
    let date = |key: &str| -> Result<Option<DcatDate>, MappingError> {
        field(key)
            .map(|v| {
                // CKAN stores date-times without an offset (`2012-05-10T21:04`): their day.
                DcatDate::parse(&v)
                    .or_else(|| {
                        v.get(..10)
                            .filter(|_| v.as_bytes().get(10) == Some(&b'T'))
                            .and_then(DcatDate::parse)
                    })
                    .ok_or_else(|| MappingError::new(key, format!("`{v}` is not a date")))
            })
            .transpose()
    };
    let contact_name = field("contact_name").or_else(|| text(map, "maintainer"));
    let contact_point = contact_name.map(|name| ContactPointDocument {
        name,
        email: field("contact_email").or_else(|| text(map, "maintainer_email")),
        url: field("contact_uri"),
        telephone: None,
    });
    let mut distributions = Vec::new();
    if let Some(resources) = map.get("resources").filter(|v| !v.is_null()) {
        let resources = resources
            .as_array()
            .ok_or_else(|| MappingError::new("resources", "Must be a list"))?;
        for resource in resources {
            let resource = resource
                .as_object()
                .ok_or_else(|| MappingError::new("resources", "each resource must be a dict"))?;
            let id = text(resource, "id").and_then(|id| Uuid::parse_str(&id).ok());
            let existing = current.and_then(|c| {
                c.distributions
                    .iter()
                    .find(|d| d.id.is_some() && d.id == id)
            });
            distributions.push(distribution(resource, existing)?);
        }
    }
    // A withdrawn distribution is no CKAN resource: it stays as it is.
    if let Some(current) = current {
        for d in &current.distributions {
            if d.status == DistributionStatus::Withdrawn
                && !distributions.iter().any(|n| n.id == d.id)
            {
                distributions.push(d.clone());
            }
        }
    }
    let spatial =
        field("spatial_uri").or_else(|| field("politicalGeocodingURI").map(|v| first_iri(&v)));
    Ok(DatasetDocument {
        id: None,
        harvest: None,
        slug: name,
        publisher,
        status: Some(status),
        title: LangText {
            de: title,
            en: field("title_en"),
        },
        description: LangText {
            de: text(map, "notes").unwrap_or_default(),
            en: field("notes_en"),
        },
        keywords,
        themes,
        languages: field("language").map(|l| iri_list(&l)).unwrap_or_default(),
        license,
        license_attribution: field("licenseAttributionByText"),
        access_rights: field("access_rights"),
        accrual_periodicity: field("frequency"),
        spatial,
        geocoding_level: field("politicalGeocodingLevelURI"),
        temporal,
        identifier: field("identifier").or_else(|| current.and_then(|c| c.identifier.clone())),
        issued: date("issued")?,
        modified: date("modified")?,
        record_modified: None,
        record_created: None,
        availability: field("availability"),
        landing_page: text(map, "url"),
        conforms_to: field("conforms_to")
            .map(|l| iri_list(&l))
            .unwrap_or_default(),
        version: text(map, "version"),
        contributor_id: field("contributorID").map(|v| first_iri(&v)),
        contact_point,
        distributions,
        revision: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ckan_formats_name_eu_file_types() {
        let code = |f: &str| file_type(f).map(|i| i.rsplit('/').next().unwrap_or("").to_owned());
        assert_eq!(code("csv").unwrap(), "CSV");
        assert_eq!(code(".JSON").unwrap(), "JSON");
        assert_eq!(code("GeoJSON").unwrap(), "GEOJSON");
        assert_eq!(code("WMS").unwrap(), "WMS_SRVC");
        assert!(file_type("Tabelle").is_err());
    }

    #[test]
    fn dcatde_list_extras_are_read_from_json_text() {
        assert_eq!(first_iri("[\"http://a\", \"http://b\"]"), "http://a");
        assert_eq!(first_iri("http://a"), "http://a");
        assert_eq!(iri_list("[\"http://a\", \"http://b\"]").len(), 2);
    }
}
