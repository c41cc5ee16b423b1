//! The write actions for publishers who script against CKAN: a package dict becomes a dataset
//! document and goes through the catalogue's service like every write (validation, `change_log`,
//! RDF and search follow).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::package::{package_dict, resource_dict};
use super::params::Params;
use super::{CkanError, Ctx};
use crate::catalog::CatalogError;
use crate::catalog::document::{
    ChecksumDocument, ContactPointDocument, DatasetDocument, DistributionDocument, Keywords,
    LangText, Temporal,
};
use crate::catalog::service::Precondition;
use crate::catalog::values::{DatasetStatus, DcatDate, DistributionKind, DistributionStatus};
use crate::catalog::vocab::{self, Vocabulary};

/// CKAN's field name of a document path the catalogue names in an error.
fn ckan_field(path: &str) -> String {
    let path = path.trim_start_matches("$.").trim_start_matches('$');
    let head = path.split(['.', '[']).next().unwrap_or(path);
    match head {
        "slug" => "name",
        "title" => "title",
        "description" => "notes",
        "license" => "license_id",
        "publisher" => "owner_org",
        "keywords" => "tags",
        "themes" => "groups",
        "landing_page" => "url",
        "distributions" => "resources",
        "contributor_id" => "contributorID",
        "spatial" => "spatial_uri",
        "geocoding_level" => "politicalGeocodingLevelURI",
        "license_attribution" => "licenseAttributionByText",
        "accrual_periodicity" => "frequency",
        "contact_point" => "contact_name",
        "" => "__all__",
        other => other,
    }
    .to_owned()
}

/// A catalogue error with CKAN's field names.
fn refused(error: CatalogError) -> CkanError {
    match CkanError::from(error) {
        CkanError::Validation(fields) => {
            let mut named: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (field, messages) in fields {
                let ckan = ckan_field(&field);
                let entry = named.entry(ckan.clone()).or_default();
                for message in messages {
                    entry.push(if ckan == field {
                        message
                    } else {
                        format!("{field}: {message}")
                    });
                }
            }
            CkanError::Validation(named)
        }
        other => other,
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
fn extras(map: &Map<String, Value>) -> Result<Map<String, Value>, CkanError> {
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
                        return Err(CkanError::field(
                            "extras",
                            "each extra must be {\"key\": …, \"value\": …}",
                        ));
                    }
                }
            }
        }
        Some(_) => return Err(CkanError::field("extras", "Must be a list")),
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
fn file_type(format: &str) -> Result<String, CkanError> {
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
        other => other.replace([' ', '-'], "_"),
    };
    let iri = format!("{}{code}", vocab::FILE_TYPE);
    if Vocabulary::FileType.contains(&iri) {
        Ok(iri)
    } else {
        Err(CkanError::field(
            "resources",
            format!(
                "format `{format}` is not an EU file type (e.g. CSV, JSON, XLSX, PDF, GEOJSON)"
            ),
        ))
    }
}

/// A resource dict as a distribution; `current` is the distribution of the same id, whose other
/// fields (a hosted table's kind, its table) stay.
fn distribution(
    resource: &Map<String, Value>,
    current: Option<&DistributionDocument>,
) -> Result<DistributionDocument, CkanError> {
    let url = text(resource, "url");
    let name = text(resource, "name");
    let format = match text(resource, "format") {
        Some(f) => file_type(&f)?,
        None => match current {
            Some(c) => c.format.clone(),
            None => return Err(CkanError::field("resources", "a resource needs a `format`")),
        },
    };
    let mut dist = current.cloned().unwrap_or(DistributionDocument {
        id: None,
        title: LangText::default(),
        description: None,
        format: String::new(),
        media_type: None,
        access_url: None,
        download_url: None,
        byte_size: None,
        checksum: None,
        license: None,
        issued: None,
        modified: None,
        availability: None,
        kind: DistributionKind::ExternalLink,
        status: DistributionStatus::Active,
        data_table: None,
    });
    dist.format = format;
    dist.title.de = name
        .or_else(|| url.clone())
        .or_else(|| current.map(|c| c.title.de.clone()))
        .unwrap_or_default();
    dist.description = text(resource, "description").map(|de| LangText { de, en: None });
    if let Some(mimetype) = text(resource, "mimetype") {
        dist.media_type = Some(if mimetype.contains("://") {
            mimetype
        } else {
            format!("{}{}", vocab::MEDIA_TYPE, mimetype.trim())
        });
    }
    if dist.kind == DistributionKind::ExternalLink {
        let url = url.ok_or_else(|| CkanError::field("resources", "a resource needs a `url`"))?;
        dist.access_url = text(resource, "access_url").or_else(|| Some(url.clone()));
        dist.download_url = text(resource, "download_url").or(Some(url));
    }
    if let Some(size) = resource.get("size").filter(|v| !v.is_null()) {
        dist.byte_size = Some(
            size.as_u64()
                .or_else(|| size.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| CkanError::field("resources", "`size` must be a natural number"))?,
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
            CkanError::field("resources", format!("`issued` `{issued}` is not a date"))
        })?);
    }
    Ok(dist)
}

/// A package dict as a dataset document; `current` is the dataset it replaces.
fn document(
    map: &Map<String, Value>,
    current: Option<&DatasetDocument>,
    publishers: &super::search::Lookup,
) -> Result<DatasetDocument, CkanError> {
    let extras = extras(map)?;
    // An extra, or the top-level key of the same name (ckanext-scheming puts them there).
    let field = |key: &str| text(&extras, key).or_else(|| text(map, key));
    let name = text(map, "name").ok_or_else(|| CkanError::field("name", "Missing value"))?;
    let title = text(map, "title").unwrap_or_else(|| name.clone());
    let publisher = match text(map, "owner_org") {
        Some(org) => Some(
            publishers
                .publisher(&org)
                .map(|p| p.slug.clone())
                .ok_or_else(|| CkanError::field("owner_org", "Organization does not exist"))?,
        ),
        None => current.and_then(|c| c.publisher.clone()),
    };
    let mut keywords = Keywords::default();
    if let Some(tags) = map.get("tags").filter(|v| !v.is_null()) {
        let tags = tags
            .as_array()
            .ok_or_else(|| CkanError::field("tags", "Must be a list"))?;
        for tag in tags {
            let name = tag
                .as_str()
                .or_else(|| tag.get("name").and_then(Value::as_str))
                .ok_or_else(|| CkanError::field("tags", "each tag needs a `name`"))?;
            keywords.de.push(name.to_owned());
        }
    }
    let mut themes = Vec::new();
    if let Some(groups) = map.get("groups").filter(|v| !v.is_null()) {
        let groups = groups
            .as_array()
            .ok_or_else(|| CkanError::field("groups", "Must be a list"))?;
        for group in groups {
            let name = group
                .as_str()
                .or_else(|| group.get("name").and_then(Value::as_str))
                .or_else(|| group.get("id").and_then(Value::as_str))
                .ok_or_else(|| CkanError::field("groups", "each group needs a `name`"))?;
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
        .then(|| -> Result<Temporal, CkanError> {
            let day = |key: &str| -> Result<Option<chrono::NaiveDate>, CkanError> {
                field(key)
                    .map(|v| {
                        let day = v.get(..10).unwrap_or(&v);
                        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                            .map_err(|_| CkanError::field(key, format!("`{v}` is not a date")))
                    })
                    .transpose()
            };
            Ok(Temporal {
                start: day("temporal_start")?,
                end: day("temporal_end")?,
            })
        })
        .transpose()?;
    let date = |key: &str| -> Result<Option<DcatDate>, CkanError> {
        field(key)
            .map(|v| {
                DcatDate::parse(&v)
                    .ok_or_else(|| CkanError::field(key, format!("`{v}` is not a date")))
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
            .ok_or_else(|| CkanError::field("resources", "Must be a list"))?;
        for resource in resources {
            let resource = resource
                .as_object()
                .ok_or_else(|| CkanError::field("resources", "each resource must be a dict"))?;
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

/// The dataset named by `id` (or `name`) in the parameters.
fn key(params: &Params) -> Result<String, CkanError> {
    params
        .text("id")?
        .or(params.text("name")?)
        .ok_or_else(|| CkanError::field("id", "Missing value"))
}

async fn answer(ctx: &Ctx<'_>, doc: &DatasetDocument) -> Result<Value, CkanError> {
    let lookup = super::search::lookup(ctx, false).await?;
    let publisher = doc.publisher.as_deref().and_then(|p| lookup.publisher(p));
    Ok(package_dict(doc, publisher, ctx.base()))
}

/// `package_create`.
pub async fn package_create(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let actor = ctx.actor("package_create")?;
    let lookup = super::search::lookup(ctx, false).await?;
    let doc = document(ctx.params.map(), None, &lookup)?;
    let created = ctx
        .catalog
        .create_dataset(actor, &doc)
        .await
        .map_err(refused)?;
    tracing::info!(dataset.id = ?created.id, dataset.slug = %created.slug, "dataset created (CKAN API)");
    answer(ctx, &created).await
}

/// Replaces dataset `key` with `map` (a whole package dict).
async fn update(
    ctx: &Ctx<'_>,
    action: &str,
    key: &str,
    map: &Map<String, Value>,
) -> Result<Value, CkanError> {
    let actor = ctx.actor(action)?;
    let current = ctx
        .catalog
        .get_dataset(key, actor.visibility())
        .await
        .map_err(refused)?;
    let lookup = super::search::lookup(ctx, false).await?;
    let mut map = map.clone();
    if !map.contains_key("name") {
        map.insert("name".to_owned(), json!(current.slug));
    }
    let doc = document(&map, Some(&current), &lookup)?;
    let replaced = ctx
        .catalog
        .replace_dataset(actor, key, &Precondition::Any, &doc)
        .await
        .map_err(refused)?;
    tracing::info!(dataset.id = ?replaced.id, dataset.slug = %replaced.slug, "dataset replaced (CKAN API)");
    answer(ctx, &replaced).await
}

/// `package_update`: the dict replaces the dataset (fields left out are removed, as in CKAN).
pub async fn package_update(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let key = key(&ctx.params)?;
    update(ctx, "package_update", &key, ctx.params.map()).await
}

/// `package_patch`: the fields sent replace those of the current package dict.
pub async fn package_patch(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let actor = ctx.actor("package_patch")?;
    let key = key(&ctx.params)?;
    let current = ctx
        .catalog
        .get_dataset(&key, actor.visibility())
        .await
        .map_err(refused)?;
    let mut merged = answer(ctx, &current)
        .await?
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (k, v) in ctx.params.map() {
        if k != "id" {
            merged.insert(k.clone(), v.clone());
        }
    }
    update(ctx, "package_patch", &key, &merged).await
}

/// `package_delete`: withdraws the dataset (it stays readable as `state: deleted`).
pub async fn package_delete(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let actor = ctx.actor("package_delete")?;
    let key = key(&ctx.params)?;
    let doc = ctx
        .catalog
        .withdraw_dataset(actor, &key, &Precondition::Any)
        .await
        .map_err(refused)?;
    tracing::info!(dataset.id = ?doc.id, dataset.slug = %doc.slug, "dataset withdrawn (CKAN API)");
    Ok(Value::Null)
}

/// The resource dict of distribution `id` in `doc`.
fn resource_of(doc: &DatasetDocument, id: Uuid) -> Result<Value, CkanError> {
    doc.distributions
        .iter()
        .filter(|d| d.status == DistributionStatus::Active)
        .enumerate()
        .find(|(_, d)| d.id == Some(id))
        .map(|(position, d)| resource_dict(d, position, doc.id))
        .ok_or_else(|| CkanError::NotFound("Resource was not found.".to_owned()))
}

/// `resource_create`: a URL resource added to dataset `package_id`.
pub async fn resource_create(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let actor = ctx.actor("resource_create")?;
    let key = ctx
        .params
        .text("package_id")?
        .ok_or_else(|| CkanError::field("package_id", "Missing value"))?;
    let dist = distribution(ctx.params.map(), None)?;
    let (doc, id) = ctx
        .catalog
        .add_distribution(actor, &key, &dist)
        .await
        .map_err(refused)?;
    resource_of(&doc, id)
}

/// `resource_update`: replaces resource `id` (a hosted table keeps its rows and kind).
pub async fn resource_update(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let actor = ctx.actor("resource_update")?;
    let not_found = || CkanError::NotFound("Resource was not found.".to_owned());
    let id = ctx
        .params
        .text("id")?
        .ok_or_else(|| CkanError::field("id", "Missing value"))?;
    let id = Uuid::parse_str(id.trim()).map_err(|_| not_found())?;
    let dataset = ctx
        .catalog
        .dataset_of_distribution(id)
        .await?
        .ok_or_else(not_found)?
        .to_string();
    let current = ctx
        .catalog
        .get_dataset(&dataset, actor.visibility())
        .await
        .map_err(|_| not_found())?;
    let existing = current
        .distributions
        .iter()
        .find(|d| d.id == Some(id))
        .ok_or_else(not_found)?;
    let dist = distribution(ctx.params.map(), Some(existing))?;
    let doc = ctx
        .catalog
        .replace_distribution(actor, &dataset, id, &Precondition::Any, &dist)
        .await
        .map_err(refused)?;
    resource_of(&doc, id)
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
    fn document_paths_are_named_as_ckan_fields() {
        assert_eq!(ckan_field("slug"), "name");
        assert_eq!(ckan_field("title.de"), "title");
        assert_eq!(ckan_field("distributions[0].format"), "resources");
        assert_eq!(ckan_field("license"), "license_id");
    }

    #[test]
    fn dcatde_list_extras_are_read_from_json_text() {
        assert_eq!(first_iri("[\"http://a\", \"http://b\"]"), "http://a");
        assert_eq!(first_iri("http://a"), "http://a");
        assert_eq!(iri_list("[\"http://a\", \"http://b\"]").len(), 2);
    }
}
