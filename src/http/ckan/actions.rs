//! The catalogue's read actions: site, packages, organizations, groups, tags, licences, resources
//! and recent changes.

use serde_json::{Value, json};
use uuid::Uuid;

use super::package::{group_dict, organization_dict, package_dict, resource_dict};
use super::search::{hit_documents, lookup, package_dicts};
use super::{CkanError, Ctx};
use crate::catalog::values::DistributionStatus;
use crate::catalog::vocab;
use crate::search::{Clause, ClauseField, Facet, Request, SortOrder};

/// Names read per engine call when listing every dataset.
const NAMES_PER_CALL: usize = 10_000;

fn missing(field: &str) -> CkanError {
    CkanError::field(field, "Missing value")
}

/// The facet counts over every public dataset (kept by the engine per index generation).
async fn published_facets(ctx: &Ctx<'_>) -> Result<Vec<Vec<(String, u64)>>, CkanError> {
    let mut request = Request::published("", 0);
    request.facets = true;
    Ok(ctx.search.search(request).await?.facets)
}

fn count_of(facets: &[Vec<(String, u64)>], facet: Facet, value: &str) -> u64 {
    facets
        .get(facet.position())
        .and_then(|values| values.iter().find(|(v, _)| v == value))
        .map_or(0, |(_, c)| *c)
}

/// `status_show`.
pub async fn status_show(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let info = ctx.catalog.catalog_info().await?.unwrap_or_default();
    Ok(json!({
        "site_title": info.title_de,
        "site_description": info.description_de,
        "site_url": ctx.base(),
        // The CKAN API version whose actions and dicts this API follows.
        "ckan_version": "2.10.4",
        "odcat_version": env!("CARGO_PKG_VERSION"),
        "locale_default": "de",
        "extensions": ["dcat", "dcatde", "datastore", "activity"],
    }))
}

/// `limit` and `offset` (CKAN's names for list actions).
fn limit_offset(ctx: &Ctx<'_>) -> Result<(Option<u64>, u64), CkanError> {
    Ok((
        ctx.params.natural("limit")?,
        ctx.params.natural("offset")?.unwrap_or(0),
    ))
}

/// `package_list`: the names of the public datasets, by name.
pub async fn package_list(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let (limit, offset) = limit_offset(ctx)?;
    let mut names = Vec::new();
    let mut request = Request::published("", 0);
    request.order = SortOrder::Slug { desc: false };
    let mut skip = offset;
    loop {
        let wanted = limit.map_or(NAMES_PER_CALL, |l| {
            (l as usize).saturating_sub(names.len()).min(NAMES_PER_CALL)
        });
        if wanted == 0 {
            break;
        }
        // Skipping is itself paged with the cursor, so any offset costs pages, not a window.
        let batch = if skip > 0 {
            (skip as usize).min(NAMES_PER_CALL)
        } else {
            wanted
        };
        request.limit = batch;
        let page = ctx.search.search(request.clone()).await?;
        if skip > 0 {
            skip -= page.hits.len() as u64;
        } else {
            names.extend(page.hits.iter().map(|h| Value::String(h.slug.clone())));
        }
        match page.next_cursor {
            Some(cursor) if page.hits.len() == batch => request.cursor = Some(cursor),
            _ => break,
        }
    }
    Ok(Value::Array(names))
}

/// `current_package_list_with_resources`: public datasets, newest change first.
pub async fn current_packages(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let limit = ctx.params.natural("limit")?.unwrap_or(10).min(1000);
    let offset = match (ctx.params.natural("offset")?, ctx.params.natural("page")?) {
        (Some(offset), _) => offset,
        (None, Some(0)) => return Err(CkanError::field("page", "Must be larger than 0")),
        (None, Some(page)) => (page - 1).saturating_mul(limit),
        (None, None) => 0,
    };
    let mut request = Request::published("", limit as usize);
    request.order = SortOrder::Modified { desc: true };
    request.offset = usize::try_from(offset).unwrap_or(usize::MAX);
    if request.offset.saturating_add(request.limit) > crate::search::MAX_WINDOW {
        return Err(crate::search::SearchError::TooDeep.into());
    }
    let results = ctx.search.search(request).await?;
    let docs = hit_documents(ctx, &results.hits).await?;
    let lookup = lookup(ctx, false).await?;
    Ok(Value::Array(package_dicts(&docs, &lookup, ctx.base())))
}

/// `package_show`: by id or name; a draft only for its publisher's tokens.
pub async fn package_show(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let key = ctx
        .params
        .text("id")?
        .or(ctx.params.text("name_or_id")?)
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| missing("id"))?;
    let visibility = ctx
        .actor
        .as_ref()
        .map_or(crate::catalog::repo::Visibility::Public, |a| a.visibility());
    let doc = ctx
        .catalog
        .get_dataset(key.trim(), visibility)
        .await
        .map_err(|e| match e {
            crate::catalog::CatalogError::DatasetNotFound(_) => {
                CkanError::NotFound("Not found".to_owned())
            }
            other => other.into(),
        })?;
    let lookup = lookup(ctx, false).await?;
    let publisher = doc.publisher.as_deref().and_then(|p| lookup.publisher(p));
    Ok(package_dict(&doc, publisher, ctx.base()))
}

/// `organization_list`.
pub async fn organization_list(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let all_fields = ctx.params.flag("all_fields")?;
    let (limit, offset) = limit_offset(ctx)?;
    let only = ctx.params.texts("organizations")?;
    let facets = published_facets(ctx).await?;
    let mut publishers: Vec<_> = ctx
        .catalog
        .publisher_infos()
        .await?
        .into_iter()
        .filter(|p| only.is_empty() || only.contains(&p.slug))
        .map(|p| {
            let count = count_of(&facets, Facet::Publisher, &p.id.to_string());
            (p, count)
        })
        .collect();
    sort_listing(
        ctx,
        &mut publishers,
        |(p, _)| p.slug.clone(),
        |(p, _)| p.name_de.clone(),
        |(_, c)| *c,
    )?;
    let page = publishers
        .into_iter()
        .skip(offset as usize)
        .take(limit.map_or(usize::MAX, |l| l as usize));
    let base = ctx.base();
    Ok(Value::Array(
        page.map(|(p, count)| {
            if all_fields {
                organization_dict(&p, Some(count), base)
            } else {
                Value::String(p.slug)
            }
        })
        .collect(),
    ))
}

/// Sorts a list by CKAN's `sort` (`name asc` default, `title`, `package_count`).
fn sort_listing<T>(
    ctx: &Ctx<'_>,
    items: &mut [T],
    name: impl Fn(&T) -> String,
    title: impl Fn(&T) -> String,
    count: impl Fn(&T) -> u64,
) -> Result<(), CkanError> {
    let sort = ctx
        .params
        .text("sort")?
        .unwrap_or_else(|| "name asc".to_owned());
    let mut parts = sort.split_whitespace();
    let field = parts.next().unwrap_or("name");
    let desc = match parts.next().unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        _ => {
            return Err(CkanError::field(
                "sort",
                "Sort direction must be asc or desc",
            ));
        }
    };
    match field {
        "name" => items.sort_by_key(|a| name(a)),
        "title" | "display_name" => items.sort_by_key(|a| (title(a).to_lowercase(), name(a))),
        "package_count" => items.sort_by_key(|a| (count(a), name(a))),
        other => {
            return Err(CkanError::field(
                "sort",
                format!("cannot sort by `{other}`; use name, title or package_count"),
            ));
        }
    }
    if desc {
        items.reverse();
    }
    Ok(())
}

/// The datasets of a group or organization for `include_datasets` (at most 1000, newest first).
async fn datasets_of(ctx: &Ctx<'_>, clause: Clause) -> Result<Vec<Value>, CkanError> {
    if !ctx.params.flag("include_datasets")? {
        return Ok(Vec::new());
    }
    let mut request = Request::published("", super::search::ROWS_MAX as usize);
    request.order = SortOrder::Modified { desc: true };
    request.clauses = vec![clause];
    let results = ctx.search.search(request).await?;
    let docs = hit_documents(ctx, &results.hits).await?;
    let lookup = lookup(ctx, false).await?;
    Ok(package_dicts(&docs, &lookup, ctx.base()))
}

/// `organization_show`: by id or name.
pub async fn organization_show(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let key = ctx.params.text("id")?.ok_or_else(|| missing("id"))?;
    let publisher = ctx
        .catalog
        .publisher_infos()
        .await?
        .into_iter()
        .find(|p| p.slug == key || p.id.to_string() == key)
        .ok_or_else(|| CkanError::NotFound("Organization was not found.".to_owned()))?;
    let facets = published_facets(ctx).await?;
    let count = count_of(&facets, Facet::Publisher, &publisher.id.to_string());
    let mut org = organization_dict(&publisher, Some(count), ctx.base());
    let clause = Clause::Is(
        ClauseField::Facet(Facet::Publisher),
        publisher.id.to_string(),
    );
    if ctx.params.flag("include_datasets")? {
        org["packages"] = Value::Array(datasets_of(ctx, clause).await?);
    }
    Ok(org)
}

/// `group_list`: the EU data themes as groups.
pub async fn group_list(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let all_fields = ctx.params.flag("all_fields")?;
    let (limit, offset) = limit_offset(ctx)?;
    let only = ctx.params.texts("groups")?;
    let facets = published_facets(ctx).await?;
    let mut groups: Vec<(&str, u64)> = vocab::data_theme_codes()
        .filter(|c| only.is_empty() || only.contains(&c.to_ascii_lowercase()))
        .map(|c| (c, count_of(&facets, Facet::Theme, c)))
        .collect();
    sort_listing(
        ctx,
        &mut groups,
        |(c, _)| c.to_ascii_lowercase(),
        |(c, _)| vocab::theme_labels(c).0.to_owned(),
        |(_, n)| *n,
    )?;
    let base = ctx.base();
    Ok(Value::Array(
        groups
            .into_iter()
            .skip(offset as usize)
            .take(limit.map_or(usize::MAX, |l| l as usize))
            .map(|(c, n)| {
                if all_fields {
                    group_dict(c, Some(n), base)
                } else {
                    Value::String(c.to_ascii_lowercase())
                }
            })
            .collect(),
    ))
}

/// `group_show`: an EU data theme by its group name (`gove`) or code.
pub async fn group_show(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let key = ctx.params.text("id")?.ok_or_else(|| missing("id"))?;
    let code = vocab::data_theme_codes()
        .find(|c| c.eq_ignore_ascii_case(key.trim()))
        .ok_or_else(|| CkanError::NotFound("Group was not found.".to_owned()))?;
    let facets = published_facets(ctx).await?;
    let mut group = group_dict(
        code,
        Some(count_of(&facets, Facet::Theme, code)),
        ctx.base(),
    );
    if ctx.params.flag("include_datasets")? {
        let clause = Clause::Is(ClauseField::Facet(Facet::Theme), code.to_owned());
        group["packages"] = Value::Array(datasets_of(ctx, clause).await?);
    }
    Ok(group)
}

/// `tag_list`: the tags of public datasets, by name (`query`: those containing it).
pub async fn tag_list(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let query = ctx
        .params
        .text("query")?
        .or(ctx.params.text("q")?)
        .map(|q| q.to_lowercase());
    if ctx.params.text("vocabulary_id")?.is_some() {
        // odcat has free tags only.
        return Ok(Value::Array(Vec::new()));
    }
    let all_fields = ctx.params.flag("all_fields")?;
    let mut names: Vec<String> = super::search::all_keywords(ctx)
        .await?
        .into_iter()
        .filter_map(|(k, _)| super::package::tag_name(&k))
        .filter(|t| query.as_ref().is_none_or(|q| t.to_lowercase().contains(q)))
        .collect();
    names.sort();
    names.dedup();
    Ok(Value::Array(
        names
            .into_iter()
            .map(|name| {
                if all_fields {
                    json!({"id": name, "name": name, "display_name": name, "vocabulary_id": Value::Null})
                } else {
                    Value::String(name)
                }
            })
            .collect(),
    ))
}

/// `license_list`: GovData's licences, the DCAT-AP.de IRI as id.
pub fn license_list() -> Value {
    Value::Array(
        vocab::licenses()
            .map(|(code, title)| {
                let iri = format!("{}{code}", vocab::LICENSE);
                json!({
                    "id": iri,
                    "title": title,
                    "url": iri,
                    "status": "active",
                    "maintainer": "",
                    "family": "",
                    "od_conformance": "not reviewed",
                    "osd_conformance": "not reviewed",
                    "domain_content": false,
                    "domain_data": false,
                    "domain_software": false,
                    "is_generic": false,
                })
            })
            .collect(),
    )
}

/// `resource_show`: an active distribution of a dataset the caller may see.
pub async fn resource_show(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let key = ctx.params.text("id")?.ok_or_else(|| missing("id"))?;
    let not_found = || CkanError::NotFound("Resource was not found.".to_owned());
    let id = Uuid::parse_str(key.trim()).map_err(|_| not_found())?;
    let dataset = ctx
        .catalog
        .dataset_of_distribution(id)
        .await?
        .ok_or_else(not_found)?;
    let visibility = ctx
        .actor
        .as_ref()
        .map_or(crate::catalog::repo::Visibility::Public, |a| a.visibility());
    let doc = ctx
        .catalog
        .get_dataset(&dataset.to_string(), visibility)
        .await
        .map_err(|_| not_found())?;
    doc.distributions
        .iter()
        .filter(|d| d.status == DistributionStatus::Active)
        .enumerate()
        .find(|(_, d)| d.id == Some(id))
        .map(|(position, d)| resource_dict(d, position, doc.id))
        .ok_or_else(not_found)
}

/// `recently_changed_packages_activity_list`: the latest changes of public datasets (published,
/// or withdrawn after publication), newest first.
pub async fn recently_changed(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let limit = ctx.params.natural("limit")?.unwrap_or(31).min(100);
    let offset = ctx.params.natural("offset")?.unwrap_or(0);
    let mut request = Request::published("", limit as usize);
    request.statuses = vec!["published".to_owned(), "withdrawn".to_owned()];
    request.order = SortOrder::Modified { desc: true };
    request.offset = usize::try_from(offset).unwrap_or(usize::MAX);
    if request.offset.saturating_add(request.limit) > crate::search::MAX_WINDOW {
        return Err(crate::search::SearchError::TooDeep.into());
    }
    let results = ctx.search.search(request).await?;
    let docs = hit_documents(ctx, &results.hits).await?;
    let lookup = lookup(ctx, false).await?;
    let dicts = package_dicts(&docs, &lookup, ctx.base());
    Ok(Value::Array(
        docs.iter()
            .zip(dicts)
            .map(|(doc, dict)| {
                let activity_type = match (dict["state"].as_str(), doc.revision) {
                    (Some("deleted"), _) => "deleted package",
                    (_, Some(1)) => "new package",
                    _ => "changed package",
                };
                json!({
                    "id": format!("{}-{}", doc.id.map(|i| i.to_string()).unwrap_or_default(), doc.revision.unwrap_or(0)),
                    "timestamp": dict["metadata_modified"],
                    "user_id": Value::Null,
                    "object_id": doc.id,
                    "activity_type": activity_type,
                    "data": {"package": dict},
                })
            })
            .collect(),
    ))
}
