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
use crate::catalog::document::DatasetDocument;
use crate::catalog::service::Precondition;
use crate::catalog::values::DistributionStatus;
use crate::harvest::ckan;

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

fn mapping(error: ckan::MappingError) -> CkanError {
    CkanError::field(error.field, error.message)
}

/// A package dict as a dataset document, its `owner_org` named by slug or id.
fn mapped(
    map: &Map<String, Value>,
    current: Option<&DatasetDocument>,
    publishers: &super::search::Lookup,
) -> Result<DatasetDocument, CkanError> {
    ckan::document(map, current, |org| {
        publishers.publisher(org).map(|p| p.slug.clone())
    })
    .map_err(mapping)
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
    let doc = mapped(ctx.params.map(), None, &lookup)?;
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
    let doc = mapped(&map, Some(&current), &lookup)?;
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
    let dist = ckan::distribution(ctx.params.map(), None).map_err(mapping)?;
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
    let dist = ckan::distribution(ctx.params.map(), Some(existing)).map_err(mapping)?;
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
    fn document_paths_are_named_as_ckan_fields() {
        assert_eq!(ckan_field("slug"), "name");
        assert_eq!(ckan_field("title.de"), "title");
        assert_eq!(ckan_field("distributions[0].format"), "resources");
        assert_eq!(ckan_field("license"), "license_id");
    }
}
