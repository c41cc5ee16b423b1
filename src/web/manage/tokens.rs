//! The token administration (administrators only): create a token for a publisher (its secret shown
//! once), list, label and revoke tokens. Revoking a token ends the workspace sessions opened with it.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::pages::{forbidden, message, not_found};
use super::{Area, Frame, Place, Signed, form_allowed, language, render, see_other};
use crate::catalog::values::Role;
use crate::catalog::workspace::{self, PublisherName, Session, TokenRow};
use crate::catalog::{Catalog, CatalogError};
use crate::error::ApiError;
use crate::web::Portal;
use crate::web::i18n::Lang;

/// One token in the list.
pub struct TokenView {
    id: String,
    label: String,
    role: &'static str,
    publisher: String,
    created: String,
    last_used: String,
    revoked: Option<String>,
    label_action: String,
    revoke_href: String,
}

/// A field's error (GOV.UK pattern: summary at the top, message at the field).
pub struct FieldError {
    /// The field's `id`.
    pub field: &'static str,
    /// The message.
    pub message: String,
}

/// `/verwaltung/schluessel`.
#[derive(Template)]
#[template(path = "manage/tokens.html", config = "src/web/askama.toml")]
pub struct TokensPage {
    f: Frame,
    tokens: Vec<TokenView>,
    /// (slug, name, selected).
    publishers: Vec<(String, String, bool)>,
    action: String,
    role_admin: bool,
    label: String,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

impl TokensPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The creation form and the label form.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    /// The session's form token.
    pub csrf: Option<String>,
    /// Publisher slug (empty: none, for an administrator token).
    pub publisher: Option<String>,
    /// `editor` or `admin`.
    pub role: Option<String>,
    /// Label.
    pub label: Option<String>,
}

/// Query of the page.
#[derive(Debug, Default, Deserialize)]
pub struct TokensQuery {
    /// What was just done (`revoked`, `labelled`).
    pub done: Option<String>,
}

fn only_admins(req: &HttpRequest, session: &Session) -> Result<HttpResponse, ApiError> {
    message(
        req,
        session,
        StatusCode::FORBIDDEN,
        ("Nicht erlaubt", "Not allowed"),
        (
            "Nur mit einem Schlüssel der Administration lassen sich Schlüssel verwalten. Wenden Sie sich für einen neuen Schlüssel oder einen Widerruf an die Administration Ihres Katalogs.",
            "Only an administrator's token may manage tokens. Ask your catalogue's administration for a new token or to revoke one.",
        ),
    )
}

/// The refusal of an administrator's form: without its form token, from another site, or from a
/// session that is not an administrator's; `None` when the form may change something.
fn refuse_admin_form(
    req: &HttpRequest,
    base: &str,
    session: &Session,
    form: &TokenForm,
) -> Option<Result<HttpResponse, ApiError>> {
    if !form_allowed(req, base, session, form.csrf.as_deref().unwrap_or_default()) {
        return Some(forbidden(req, session));
    }
    if session.actor.role != Role::Admin {
        return Some(only_admins(req, session));
    }
    None
}

fn publisher_name(p: &PublisherName, english: bool) -> String {
    match (&p.name_en, english) {
        (Some(en), true) if !en.trim().is_empty() => en.clone(),
        _ => p.name_de.clone(),
    }
}

fn token_view(t: &TokenRow, area: Area, lang: Lang) -> TokenView {
    let english = lang == Lang::En;
    let never = if english { "never" } else { "nie" };
    TokenView {
        id: t.id.to_string(),
        label: t.label.clone().unwrap_or_default(),
        role: match (t.role, english) {
            (Role::Admin, false) => "Administration",
            (Role::Admin, true) => "Administrator",
            (Role::Editor, false) => "Redaktion",
            (Role::Editor, true) => "Editor",
        },
        publisher: t
            .publisher
            .as_ref()
            .map(|p| publisher_name(p, english))
            .unwrap_or_else(|| if english { "all" } else { "alle" }.to_owned()),
        created: crate::web::date_text(&t.created_at, lang),
        last_used: t
            .last_used_at
            .as_ref()
            .map_or_else(|| never.to_owned(), |d| crate::web::date_text(d, lang)),
        revoked: t
            .revoked_at
            .as_ref()
            .map(|d| crate::web::date_text(d, lang)),
        label_action: area.token_action(t.id, Place::Label),
        revoke_href: area.token_action(t.id, Place::Revoke),
    }
}

async fn tokens_page(
    req: &HttpRequest,
    session: &Session,
    catalog: &Catalog,
    form: &TokenForm,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> Result<TokensPage, ApiError> {
    let lang = language(req).lang;
    let english = lang == Lang::En;
    let area = Area::of(req);
    let tokens = workspace::tokens(catalog.db(), None)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let chosen = form.publisher.as_deref().unwrap_or_default();
    let publishers = workspace::publishers(catalog.db())
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
        .iter()
        .map(|p| (p.slug.clone(), publisher_name(p, english), p.slug == chosen))
        .collect();
    Ok(TokensPage {
        f: Frame::new(
            req,
            lang,
            Some(session),
            "tokens",
            if english {
                "Access tokens"
            } else {
                "Zugangsschlüssel"
            },
        ),
        tokens: tokens.iter().map(|t| token_view(t, area, lang)).collect(),
        publishers,
        action: area.path(Place::Tokens),
        role_admin: form.role.as_deref() == Some("admin"),
        label: form.label.clone().unwrap_or_default(),
        errors,
        notice,
    })
}

/// `GET /verwaltung/schluessel`.
pub async fn list(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    query: web::Query<TokensQuery>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if session.actor.role != Role::Admin {
        return only_admins(&req, &session);
    }
    let english = language(&req).lang == Lang::En;
    let notice = match query.done.as_deref() {
        Some("revoked") => Some(if english {
            "The token is revoked: it no longer works, and its workspace sessions have ended."
        } else {
            "Der Schlüssel ist widerrufen: Er gilt nicht mehr, und seine Sitzungen in der Verwaltung sind beendet."
        }),
        Some("labelled") => Some(if english {
            "The label is saved."
        } else {
            "Die Bezeichnung ist gespeichert."
        }),
        _ => None,
    }
    .map(str::to_owned);
    let page = tokens_page(
        &req,
        &session,
        &catalog,
        &TokenForm::default(),
        Vec::new(),
        notice,
    )
    .await?;
    render(StatusCode::OK, language(&req), started, &page)
}

/// The page that shows a new token's secret, once.
#[derive(Template)]
#[template(path = "manage/token_created.html", config = "src/web/askama.toml")]
pub struct CreatedPage {
    f: Frame,
    secret: String,
    id: String,
    publisher: String,
    back: String,
}

/// `POST /verwaltung/schluessel`: creates a token and shows its secret once.
pub async fn create(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if let Some(refusal) = refuse_admin_form(&req, &portal.base, &session, &form) {
        return refusal;
    }
    let negotiated = language(&req);
    let english = negotiated.lang == Lang::En;
    let role = if form.role.as_deref() == Some("admin") {
        Role::Admin
    } else {
        Role::Editor
    };
    let publisher = form
        .publisher
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let mut errors = Vec::new();
    if role == Role::Editor && publisher.is_none() {
        errors.push(FieldError {
            field: "publisher",
            message: if english {
                "Choose the publisher whose datasets the token may change."
            } else {
                "Wählen Sie den Datenbereitsteller, dessen Datensätze der Schlüssel ändern darf."
            }
            .to_owned(),
        });
    }
    if errors.is_empty() {
        match catalog
            .issue_token(&session.actor, publisher, role, form.label.as_deref())
            .await
        {
            Ok(token) => {
                let page = CreatedPage {
                    f: Frame::new(
                        &req,
                        negotiated.lang,
                        Some(&session),
                        "tokens",
                        if english {
                            "Token created"
                        } else {
                            "Schlüssel erstellt"
                        },
                    ),
                    secret: token.secret,
                    id: token.id.to_string(),
                    publisher: publisher.unwrap_or("–").to_owned(),
                    back: Area::of(&req).path(Place::Tokens),
                };
                return render(StatusCode::CREATED, negotiated, started, &page);
            }
            Err(CatalogError::Invalid { field, message }) => errors.push(FieldError {
                field: if field == "label" {
                    "label"
                } else {
                    "publisher"
                },
                message,
            }),
            Err(CatalogError::PublisherNotFound(slug)) => errors.push(FieldError {
                field: "publisher",
                message: if english {
                    format!("There is no publisher `{slug}`.")
                } else {
                    format!("Einen Datenbereitsteller `{slug}` gibt es nicht.")
                },
            }),
            Err(other) => return Err(other.into()),
        }
    }
    let page = tokens_page(&req, &session, &catalog, &form, errors, None).await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, negotiated, started, &page)
}

/// `POST /verwaltung/schluessel/{id}/bezeichnung`: changes a token's label.
pub async fn relabel(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    id: web::Path<String>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if let Some(refusal) = refuse_admin_form(&req, &portal.base, &session, &form) {
        return refusal;
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&req, &session);
    };
    match catalog
        .relabel_token(&session.actor, id, form.label.as_deref())
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "{}?done=labelled",
            Area::of(&req).path(Place::Tokens)
        ))),
        Err(CatalogError::TokenNotFound(_)) => not_found(&req, &session),
        Err(CatalogError::Invalid { message, .. }) => {
            let errors = vec![FieldError {
                field: "label",
                message,
            }];
            let page = tokens_page(
                &req,
                &session,
                &catalog,
                &TokenForm::default(),
                errors,
                None,
            )
            .await?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                language(&req),
                started,
                &page,
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// The confirmation of a revocation.
#[derive(Template)]
#[template(path = "manage/revoke.html", config = "src/web/askama.toml")]
pub struct RevokePage {
    f: Frame,
    token: TokenView,
    action: String,
    back: String,
}

async fn token_row(catalog: &Catalog, id: &str) -> Result<Option<TokenRow>, ApiError> {
    let Ok(id) = Uuid::parse_str(id) else {
        return Ok(None);
    };
    Ok(workspace::tokens(catalog.db(), None)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
        .into_iter()
        .find(|t| t.id == id))
}

/// `GET /verwaltung/schluessel/{id}/widerrufen`: asks to confirm.
pub async fn confirm_revoke(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if session.actor.role != Role::Admin {
        return only_admins(&req, &session);
    }
    let Some(token) = token_row(&catalog, &id).await? else {
        return not_found(&req, &session);
    };
    let negotiated = language(&req);
    let english = negotiated.lang == Lang::En;
    let area = Area::of(&req);
    let page = RevokePage {
        f: Frame::new(
            &req,
            negotiated.lang,
            Some(&session),
            "tokens",
            if english {
                "Revoke token"
            } else {
                "Schlüssel widerrufen"
            },
        ),
        action: area.token_action(token.id, Place::Revoke),
        token: token_view(&token, area, negotiated.lang),
        back: area.path(Place::Tokens),
    };
    render(StatusCode::OK, negotiated, started, &page)
}

/// `POST /verwaltung/schluessel/{id}/widerrufen`: revokes the token and ends its sessions.
pub async fn revoke(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    id: web::Path<String>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refusal) = refuse_admin_form(&req, &portal.base, &session, &form) {
        return refusal;
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&req, &session);
    };
    match catalog.revoke_token(&session.actor, id).await {
        Ok(()) => {
            let area = Area::of(&req);
            // Revoking one's own token ends one's own session too.
            if id == session.actor.token_id {
                return Ok(see_other(&area.path(Place::SignIn)));
            }
            Ok(see_other(&format!(
                "{}?done=revoked",
                area.path(Place::Tokens)
            )))
        }
        Err(CatalogError::TokenNotFound(_)) => not_found(&req, &session),
        Err(other) => Err(other.into()),
    }
}
