//! The CKAN-compatible Action API (`/api/3/action/{name}`, `/api/action/{name}`): CKAN's envelope,
//! parameters, errors and JSONP, with its actions mapped onto the catalogue and the search engine, so
//! `package_search` finds what the portal and `/api/v1/datasets` find.
//!
//! Read-only actions take their parameters from the query string on any method, and from a JSON or
//! form body; actions that write need `POST` and a token (`Authorization: <token>`, with or without
//! `Bearer`, or `X-CKAN-API-Key`).

mod actions;
mod datastore;
mod error;
mod package;
mod params;
mod search;
mod write;

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

pub use self::error::CkanError;
use self::params::Params;
use super::extract::{BodyLimit, declared_length, read_body};
use crate::catalog::Catalog;
use crate::catalog::auth::{self, TokenRefusal};
use crate::catalog::service::Actor;
use crate::search::SearchEngine;

/// What an action works with.
pub struct Ctx<'a> {
    /// The request.
    pub req: &'a HttpRequest,
    /// The catalogue.
    pub catalog: &'a Catalog,
    /// The search engine.
    pub search: &'a SearchEngine,
    /// The token holder, when a valid token was sent.
    pub actor: Option<Actor>,
    /// The action's parameters.
    pub params: Params,
}

impl Ctx<'_> {
    /// The token holder, or CKAN's Authorization Error.
    pub fn actor(&self, action: &str) -> Result<&Actor, CkanError> {
        self.actor.as_ref().ok_or_else(|| {
            CkanError::Authorization(format!(
                "{action} needs an API token (`Authorization: <token>` or `X-CKAN-API-Key`)"
            ))
        })
    }

    /// The public base URL.
    pub fn base(&self) -> &str {
        self.catalog.base_url().trim_end_matches('/')
    }
}

/// How an action may be called.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Reads: any method.
    Read,
    /// Writes: `POST` only.
    Write,
}

/// Every action: name, kind and a one-line help text (`help_show`).
const ACTIONS: &[(&str, Kind, &str)] = &[
    (
        "status_show",
        Kind::Read,
        "Return the site's name, description, URL and version.",
    ),
    (
        "help_show",
        Kind::Read,
        "Return the help text of the action `name`.",
    ),
    (
        "site_read",
        Kind::Read,
        "Return true: the site may be read.",
    ),
    (
        "package_list",
        Kind::Read,
        "Return the names of the public datasets, by name (`limit`, `offset`).",
    ),
    (
        "current_package_list_with_resources",
        Kind::Read,
        "Return public datasets with their resources, newest change first (`limit`, `offset`, `page`).",
    ),
    (
        "package_show",
        Kind::Read,
        "Return the dataset `id` (its id or name).",
    ),
    (
        "package_search",
        Kind::Read,
        "Search datasets: `q`, `fq`, `fq_list`, `sort`, `rows` (at most 1000), `start`, `facet.field`, `facet.limit`, `include_private`, `include_drafts`, `include_deleted`.",
    ),
    (
        "organization_list",
        Kind::Read,
        "Return the organizations' names, or with `all_fields` their dicts (`sort`, `limit`, `offset`).",
    ),
    (
        "organization_show",
        Kind::Read,
        "Return the organization `id` (its id or name), with `include_datasets` its datasets.",
    ),
    (
        "group_list",
        Kind::Read,
        "Return the groups (the EU data themes): names, or with `all_fields` their dicts.",
    ),
    (
        "group_show",
        Kind::Read,
        "Return the group `id` (an EU data theme, by name), with `include_datasets` its datasets.",
    ),
    (
        "tag_list",
        Kind::Read,
        "Return the tags of public datasets (`query`: those containing it; `all_fields`).",
    ),
    (
        "license_list",
        Kind::Read,
        "Return the licences (DCAT-AP.de licence list).",
    ),
    ("resource_show", Kind::Read, "Return the resource `id`."),
    (
        "recently_changed_packages_activity_list",
        Kind::Read,
        "Return the latest changes of public datasets (`limit`, `offset`).",
    ),
    (
        "datastore_search",
        Kind::Read,
        "Search a hosted table: `resource_id`, `filters`, `q`, `full_text`, `distinct`, `plain`, `fields`, `sort`, `limit` (at most 32000), `offset`, `include_total`, `records_format`.",
    ),
    (
        "datastore_info",
        Kind::Read,
        "Return the columns and row count of the hosted table `id`.",
    ),
    (
        "package_create",
        Kind::Write,
        "Create a dataset from a CKAN package dict.",
    ),
    (
        "package_update",
        Kind::Write,
        "Replace the dataset `id` with a CKAN package dict.",
    ),
    (
        "package_patch",
        Kind::Write,
        "Change the fields sent of the dataset `id`.",
    ),
    ("package_delete", Kind::Write, "Withdraw the dataset `id`."),
    (
        "resource_create",
        Kind::Write,
        "Add a URL resource to the dataset `package_id`.",
    ),
    (
        "resource_update",
        Kind::Write,
        "Replace the URL resource `id`.",
    ),
];

/// `GET /api/3`: the API version, as CKAN answers it (clients probe it; `/api` is the portal's page
/// about the APIs).
pub async fn api_version() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "version": 3 }))
}

/// `/api/3/action/{name}` and `/api/action/{name}`, any method.
pub async fn action(
    req: HttpRequest,
    name: web::Path<String>,
    payload: web::Payload,
    catalog: web::Data<Catalog>,
    search: web::Data<SearchEngine>,
) -> HttpResponse {
    let name = name.into_inner();
    let help = format!(
        "{}/api/3/action/help_show?name={name}",
        catalog.base_url().trim_end_matches('/')
    );
    let Some(&(_, kind, _)) = ACTIONS.iter().find(|(n, _, _)| *n == name) else {
        return bad_request(&format!("Action name not known: {name}"));
    };
    if kind == Kind::Write && req.method() != actix_web::http::Method::POST {
        return bad_request("Invalid request. Please use POST method for your request");
    }
    let mut payload = payload.into_inner();
    let limit = req.app_data::<BodyLimit>().map_or(1_048_576, |l| l.0);
    let body = match read_body(&mut payload, declared_length(&req), limit).await {
        Ok(body) => body,
        Err(error) => {
            return envelope(&help, Err(error.into()), None);
        }
    };
    let params = match Params::from_request(&req, &body) {
        Ok(params) => params,
        Err(error) => return envelope(&help, Err(error), None),
    };
    let actor = match ckan_actor(&req, &catalog).await {
        Ok(actor) => actor,
        Err(error) => return envelope(&help, Err(error), None),
    };
    // JSONP: only for a successful GET, and only with a plain JavaScript name (no script injection).
    let callback = (req.method() == actix_web::http::Method::GET)
        .then(|| params.text("callback").ok().flatten())
        .flatten()
        .filter(|c| {
            !c.is_empty()
                && c.len() <= 128
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '$' | '.'))
        });
    let ctx = Ctx {
        req: &req,
        catalog: &catalog,
        search: &search,
        actor,
        params,
    };
    let result = dispatch(&name, &ctx).await;
    envelope(&help, result, callback.as_deref())
}

async fn dispatch(name: &str, ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    match name {
        "status_show" => actions::status_show(ctx).await,
        "help_show" => help_show(ctx),
        "site_read" => Ok(Value::Bool(true)),
        "package_list" => actions::package_list(ctx).await,
        "current_package_list_with_resources" => actions::current_packages(ctx).await,
        "package_show" => actions::package_show(ctx).await,
        "package_search" => search::package_search(ctx).await,
        "organization_list" => actions::organization_list(ctx).await,
        "organization_show" => actions::organization_show(ctx).await,
        "group_list" => actions::group_list(ctx).await,
        "group_show" => actions::group_show(ctx).await,
        "tag_list" => actions::tag_list(ctx).await,
        "license_list" => Ok(actions::license_list()),
        "resource_show" => actions::resource_show(ctx).await,
        "recently_changed_packages_activity_list" => actions::recently_changed(ctx).await,
        "datastore_search" => datastore::datastore_search(ctx).await,
        "datastore_info" => datastore::datastore_info(ctx).await,
        "package_create" => write::package_create(ctx).await,
        "package_update" => write::package_update(ctx).await,
        "package_patch" => write::package_patch(ctx).await,
        "package_delete" => write::package_delete(ctx).await,
        "resource_create" => write::resource_create(ctx).await,
        "resource_update" => write::resource_update(ctx).await,
        other => Err(CkanError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

fn help_show(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let name = ctx
        .params
        .text("name")?
        .ok_or_else(|| CkanError::field("name", "Missing value"))?;
    ACTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, help)| Value::String((*help).to_owned()))
        .ok_or_else(|| CkanError::NotFound(format!("Action function not found: {name}")))
}

/// CKAN's answer: `{help, success, result}` or `{help, success: false, error}`, a bare string for a
/// bad request, and `callback(…);` for JSONP.
fn envelope(help: &str, result: Result<Value, CkanError>, callback: Option<&str>) -> HttpResponse {
    let (status, body) = match result {
        Ok(result) => (
            actix_web::http::StatusCode::OK,
            json!({"help": help, "success": true, "result": result}),
        ),
        Err(error @ CkanError::BadRequest(_)) => (error.status(), error.body()),
        Err(error) => (
            error.status(),
            json!({"help": help, "success": false, "error": error.body()}),
        ),
    };
    let text = body.to_string();
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-cache"));
    match callback {
        Some(callback) if status.is_success() => response
            .content_type("application/javascript;charset=utf-8")
            .body(format!("{callback}({text});")),
        _ => response
            .content_type("application/json;charset=utf-8")
            .body(text),
    }
}

fn bad_request(message: &str) -> HttpResponse {
    let error = CkanError::BadRequest(message.to_owned());
    HttpResponse::build(error.status())
        .content_type("application/json;charset=utf-8")
        .body(error.body().to_string())
}

/// The token holder: `Authorization: <token>` (with or without `Bearer`) or `X-CKAN-API-Key`.
async fn ckan_actor(req: &HttpRequest, catalog: &Catalog) -> Result<Option<Actor>, CkanError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .or_else(|| req.headers().get("x-ckan-api-key"));
    let Some(value) = value else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| CkanError::Authorization("the API token is not readable".to_owned()))?
        .trim();
    let secret = match value.split_once(' ') {
        Some((scheme, secret)) if scheme.eq_ignore_ascii_case("bearer") => secret.trim(),
        _ => value,
    };
    match auth::authenticate(catalog.db(), secret)
        .await
        .map_err(|e| CkanError::Internal(e.into()))?
    {
        Ok(actor) => Ok(Some(actor.via(crate::catalog::change::Channel::Ckan))),
        Err(TokenRefusal::Malformed | TokenRefusal::Unknown) => Err(CkanError::Authorization(
            "the API token is not known".to_owned(),
        )),
        Err(TokenRefusal::Revoked) => Err(CkanError::Authorization(
            "the API token has been revoked".to_owned(),
        )),
    }
}

/// Whether a request's body is JSON (for [`Params`]).
fn body_is_json(req: &HttpRequest) -> bool {
    matches!(req.mime_type(), Ok(Some(m)) if m.type_() == mime::APPLICATION && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON)))
}
