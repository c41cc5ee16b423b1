//! CKAN's dicts of odcat's records: the package (dataset) dict with the fields and extras GovData's
//! ckanext-dcatde and ckanext-dcat store, resources, organizations (publishers), groups (EU data
//! themes), tags and licences. Pure functions of the documents.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Value, json};

use crate::catalog::document::{DatasetDocument, DistributionDocument};
use crate::catalog::search_source::PublisherInfo;
use crate::catalog::values::{DatasetStatus, DistributionKind, DistributionStatus};
use crate::catalog::vocab;

/// A time as CKAN writes `metadata_created`/`metadata_modified`: naive UTC with microseconds
/// (`2026-03-01T09:30:00.000000`).
pub fn ckan_time(instant: &DateTime<FixedOffset>) -> String {
    instant
        .with_timezone(&Utc)
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

pub use crate::harvest::ckan::tag_name;

/// The tags of a dataset's keywords (German, then English), cleaned and without repeats.
pub fn tags(doc: &DatasetDocument) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for keyword in doc.keywords.de.iter().chain(&doc.keywords.en) {
        if let Some(name) = tag_name(keyword)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// The code of an IRI in `namespace` (the IRI when it lies elsewhere).
fn code<'a>(iri: &'a str, namespace: &str) -> &'a str {
    iri.strip_prefix(namespace).unwrap_or(iri)
}

/// `license_id`, `license_title` and `license_url` of a DCAT-AP.de licence IRI, as GovData's CKAN
/// holds them (the IRI is the id).
pub fn license_fields(iri: &str) -> (Value, Value, Value) {
    if iri.is_empty() {
        return (Value::Null, Value::Null, Value::Null);
    }
    let title = vocab::license_label(iri).map_or_else(|| iri.to_owned(), str::to_owned);
    (json!(iri), json!(title), json!(iri))
}

/// A group (EU data theme) by its code (`GOVE`).
pub fn group_dict(code: &str, package_count: Option<u64>, base: &str) -> Value {
    let (de, en) = vocab::theme_labels(code);
    let name = code.to_ascii_lowercase();
    let mut group = json!({
        "id": name,
        "name": name,
        "title": de,
        "display_name": de,
        "description": en,
        "type": "group",
        "state": "active",
        "is_organization": false,
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "uri": format!("{}{code}", vocab::DATA_THEME),
        "url": format!("{base}/datasets?theme={code}"),
    });
    if let Some(count) = package_count {
        group["package_count"] = json!(count);
    }
    group
}

/// An organization (publisher).
pub fn organization_dict(p: &PublisherInfo, package_count: Option<u64>, base: &str) -> Value {
    let mut org = json!({
        "id": p.id,
        "name": p.slug,
        "title": p.name_de,
        "display_name": p.name_de,
        "description": p.name_en.clone().unwrap_or_default(),
        "type": "organization",
        "state": "active",
        "is_organization": true,
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": Value::Null,
        "uri": format!("{base}/organization/{}", p.slug),
    });
    if let Some(count) = package_count {
        org["package_count"] = json!(count);
    }
    org
}

/// A resource (distribution) at `position` of dataset `package_id`.
pub fn resource_dict(
    dist: &DistributionDocument,
    position: usize,
    package_id: Option<uuid::Uuid>,
) -> Value {
    let url = dist
        .download_url
        .clone()
        .or_else(|| dist.access_url.clone())
        .unwrap_or_default();
    let hosted = dist.kind == DistributionKind::HostedTable;
    json!({
        "id": dist.id,
        "package_id": package_id,
        "url": url,
        "name": dist.title.de,
        "description": dist.description.as_ref().map_or("", |d| d.de.as_str()),
        "format": code(&dist.format, vocab::FILE_TYPE),
        "mimetype": dist.media_type.as_deref().map(|m| code(m, vocab::MEDIA_TYPE)),
        "size": dist.byte_size,
        "hash": dist.checksum.as_ref().map_or("", |c| c.value.as_str()),
        "hash_algorithm": dist.checksum.as_ref().map(|c| c.algorithm.as_str()),
        "datastore_active": hosted && dist.data_table.is_some(),
        "last_modified": dist.modified.as_ref().map(ckan_time),
        "metadata_modified": dist.modified.as_ref().map(ckan_time),
        "created": dist.modified.as_ref().map(ckan_time),
        "position": position,
        "state": "active",
        "url_type": Value::Null,
        "resource_type": Value::Null,
        "access_url": dist.access_url,
        "download_url": dist.download_url,
        "license": dist.license,
        "issued": dist.issued.as_ref().map(|d| d.lexical()),
        "modified": dist.modified.as_ref().map(|d| d.to_rfc3339()),
        "availability": dist.availability,
        "rights": dist.rights.as_ref().map(|r| r.de.as_str()),
    })
}

/// The active distributions of a dataset, in order (a withdrawn one is no CKAN resource).
pub fn resources(doc: &DatasetDocument) -> Vec<Value> {
    doc.distributions
        .iter()
        .filter(|d| d.status == DistributionStatus::Active)
        .enumerate()
        .map(|(position, d)| resource_dict(d, position, doc.id))
        .collect()
}

/// The `extras` list, with the keys GovData's ckanext-dcatde and ckanext-dcat store.
fn extras(doc: &DatasetDocument, base: &str) -> Vec<Value> {
    let mut extras: Vec<(&str, String)> = Vec::new();
    if let Some(id) = doc.id {
        extras.push(("uri", format!("{base}/dataset/{id}")));
    }
    if let Some(identifier) = &doc.identifier {
        extras.push(("identifier", identifier.clone()));
    }
    if let Some(issued) = &doc.issued {
        extras.push(("issued", issued.lexical()));
    }
    if let Some(modified) = &doc.modified {
        extras.push(("modified", modified.lexical()));
    }
    if let Some(contributor) = &doc.contributor_id {
        // ckanext-dcatde stores its list fields as JSON lists in text.
        extras.push(("contributorID", json!([contributor]).to_string()));
    }
    if let Some(spatial) = &doc.spatial {
        if spatial.starts_with(vocab::POLITICAL_GEOCODING) {
            extras.push(("politicalGeocodingURI", json!([spatial]).to_string()));
        }
        extras.push(("spatial_uri", spatial.clone()));
    }
    if let Some(level) = &doc.geocoding_level {
        extras.push(("politicalGeocodingLevelURI", level.clone()));
    }
    if let Some(temporal) = &doc.temporal {
        if let Some(start) = temporal.start {
            extras.push(("temporal_start", start.to_string()));
        }
        if let Some(end) = temporal.end {
            extras.push(("temporal_end", end.to_string()));
        }
    }
    if let Some(attribution) = &doc.license_attribution {
        extras.push(("licenseAttributionByText", attribution.clone()));
    }
    if let Some(rights) = &doc.access_rights {
        extras.push(("access_rights", rights.clone()));
    }
    if let Some(frequency) = &doc.accrual_periodicity {
        extras.push(("frequency", frequency.clone()));
    }
    if !doc.languages.is_empty() {
        extras.push(("language", json!(doc.languages).to_string()));
    }
    if !doc.themes.is_empty() {
        extras.push(("theme", json!(doc.themes).to_string()));
    }
    if !doc.conforms_to.is_empty() {
        extras.push(("conforms_to", json!(doc.conforms_to).to_string()));
    }
    if let Some(availability) = &doc.availability {
        extras.push(("availability", availability.clone()));
    }
    if let Some(contact) = &doc.contact_point {
        extras.push(("contact_name", contact.name.clone()));
        if let Some(email) = &contact.email {
            extras.push(("contact_email", email.clone()));
        }
        if let Some(url) = &contact.url {
            extras.push(("contact_uri", url.clone()));
        }
    }
    if let Some(en) = &doc.title.en {
        extras.push(("title_en", en.clone()));
    }
    if let Some(en) = &doc.description.en {
        extras.push(("notes_en", en.clone()));
    }
    extras
        .into_iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect()
}

/// The package dict of `doc`; `publisher` is the dataset's publisher.
pub fn package_dict(doc: &DatasetDocument, publisher: Option<&PublisherInfo>, base: &str) -> Value {
    let (license_id, license_title, license_url) = license_fields(&doc.license);
    let tags: Vec<Value> = tags(doc)
        .into_iter()
        .map(|name| json!({"name": name, "display_name": name, "state": "active", "vocabulary_id": Value::Null}))
        .collect();
    let groups: Vec<Value> = doc
        .themes
        .iter()
        .map(|t| {
            let mut g = group_dict(code(t, vocab::DATA_THEME), None, base);
            if let Some(g) = g.as_object_mut() {
                g.retain(|k, _| {
                    matches!(
                        k.as_str(),
                        "id" | "name"
                            | "title"
                            | "display_name"
                            | "description"
                            | "image_display_url"
                    )
                });
            }
            g
        })
        .collect();
    let resources = resources(doc);
    let status = doc.status.unwrap_or(DatasetStatus::Draft);
    let organization = publisher.map(|p| organization_dict(p, None, base));
    let contact = doc.contact_point.as_ref();
    json!({
        "id": doc.id,
        "name": doc.slug,
        "title": doc.title.de,
        "notes": doc.description.de,
        "url": doc.landing_page.clone().unwrap_or_default(),
        "version": doc.version,
        "state": match status {
            DatasetStatus::Published => "active",
            DatasetStatus::Draft => "draft",
            DatasetStatus::Withdrawn => "deleted",
        },
        "private": status == DatasetStatus::Draft,
        "type": "dataset",
        "metadata_created": doc.record_created.as_ref().map(ckan_time),
        "metadata_modified": doc.record_modified.as_ref().map(ckan_time),
        "license_id": license_id,
        "license_title": license_title,
        "license_url": license_url,
        "isopen": true,
        "owner_org": publisher.map(|p| p.id),
        "organization": organization,
        "author": publisher.map(|p| p.name_de.clone()),
        "author_email": publisher.and_then(|p| p.email.clone()),
        "maintainer": contact.map(|c| c.name.clone()),
        "maintainer_email": contact.and_then(|c| c.email.clone()),
        "groups": groups,
        "num_tags": tags.len(),
        "tags": tags,
        "num_resources": resources.len(),
        "resources": resources,
        "extras": extras(doc, base),
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "creator_user_id": Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_keywords_stay_and_invalid_ones_are_munged_as_ckanext_dcat_does() {
        assert_eq!(
            tag_name("Straßenverkehr").as_deref(),
            Some("Straßenverkehr")
        );
        assert_eq!(tag_name("Haushalt 2026").as_deref(), Some("Haushalt 2026"));
        // ckanext-dcat's own test case for `clean_tags`.
        assert_eq!(
            tag_name("Som`E-in.valid tag!;").as_deref(),
            Some("some-invalid-tag")
        );
        assert_eq!(
            tag_name("Bäder/Schwimmen").as_deref(),
            Some("baderschwimmen")
        );
        assert_eq!(tag_name("x").as_deref(), Some("x_"));
        assert_eq!(tag_name("!!!"), None);
        assert_eq!(tag_name(&"a".repeat(120)).map(|t| t.len()), Some(100));
    }

    #[test]
    fn times_are_naive_utc_with_microseconds() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T10:30:00.5+01:00").unwrap();
        assert_eq!(ckan_time(&t), "2026-03-01T09:30:00.500000");
    }

    #[test]
    fn the_package_dict_carries_the_dcatde_extras_and_resources() {
        let doc: DatasetDocument = serde_json::from_value(json!({
            "id": "6f1c1a2e-0000-4000-8000-000000000001",
            "slug": "haushalt",
            "status": "published",
            "title": {"de": "Haushalt", "en": "Budget"},
            "description": {"de": "Der Haushalt"},
            "keywords": {"de": ["Haushalt", "Finanzen/Steuern"]},
            "themes": ["http://publications.europa.eu/resource/authority/data-theme/GOVE"],
            "license": "http://dcat-ap.de/def/licenses/cc-by/4.0",
            "spatial": "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000",
            "geocoding_level": "http://dcat-ap.de/def/politicalGeocoding/Level/municipality",
            "contributor_id": "http://dcat-ap.de/def/contributors/openNRW",
            "temporal": {"start": "2026-01-01", "end": "2026-12-31"},
            "issued": "2026-01-15",
            "distributions": [
                {"id": "6f1c1a2e-0000-4000-8000-0000000000d1", "title": {"de": "CSV"},
                 "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
                 "media_type": "https://www.iana.org/assignments/media-types/text/csv",
                 "access_url": "https://example.org/h.csv", "byte_size": 12},
                {"title": {"de": "alt"}, "status": "withdrawn",
                 "format": "http://publications.europa.eu/resource/authority/file-type/PDF",
                 "access_url": "https://example.org/h.pdf"}
            ]
        }))
        .unwrap();
        let dict = package_dict(&doc, None, "https://odcat.example");
        assert_eq!(dict["name"], "haushalt");
        assert_eq!(dict["state"], "active");
        assert_eq!(
            dict["license_id"],
            "http://dcat-ap.de/def/licenses/cc-by/4.0"
        );
        assert_eq!(dict["groups"][0]["name"], "gove");
        assert_eq!(dict["tags"][1]["name"], "finanzensteuern");
        assert_eq!(dict["num_resources"], 1);
        assert_eq!(dict["resources"][0]["format"], "CSV");
        assert_eq!(dict["resources"][0]["mimetype"], "text/csv");
        assert_eq!(dict["resources"][0]["size"], 12);
        let extra = |key: &str| {
            dict["extras"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["key"] == key)
                .map(|e| e["value"].clone())
        };
        assert_eq!(
            extra("contributorID"),
            Some(json!("[\"http://dcat-ap.de/def/contributors/openNRW\"]"))
        );
        assert_eq!(
            extra("politicalGeocodingURI"),
            Some(json!(
                "[\"http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000\"]"
            ))
        );
        assert_eq!(extra("temporal_start"), Some(json!("2026-01-01")));
        assert_eq!(extra("issued"), Some(json!("2026-01-15")));
        assert_eq!(
            extra("uri"),
            Some(json!(
                "https://odcat.example/dataset/6f1c1a2e-0000-4000-8000-000000000001"
            ))
        );
    }
}
