//! The publisher workspace (`/verwaltung`, `/manage`): server-rendered pages where city staff sign
//! in with their API token and publish, update and withdraw their publisher's datasets.
//!
//! - **Sessions**: signing in (a pasted token, or a one-time link from `odcat token create --login`)
//!   opens a session acting as that token; the browser holds only a random secret in an HTTP-only,
//!   `SameSite=Strict` cookie (`Secure` under https, added by the hardening middleware) whose
//!   `Max-Age` is the session's remaining lifetime. Revoking the token ends its sessions.
//! - **CSRF**: every state-changing form carries the session's form token, compared in constant time;
//!   a request whose `Origin` (or `Sec-Fetch-Site`) says it comes from another site is refused as
//!   well. The sign-in forms, before a session exists, use a double-submit cookie.
//! - **Caching**: every answer is `Cache-Control: no-store`, so no shared cache keeps a page.
//! - The record is read and written only through the catalogue ([`crate::catalog::workspace`] and
//!   the catalogue's use cases), as the API does; writes are recorded in `change_log` with the
//!   session's token and the channel `workspace`.

pub mod edit;
pub mod oidc;
pub mod pages;
pub mod tokens;
pub mod upload;

use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, web,
};
use askama::Template;

use super::i18n::{self, Lang};
use crate::catalog::Catalog;
use crate::catalog::values::Role;
use crate::catalog::workspace::{self, Session};
use crate::error::ApiError;

/// The session cookie.
pub const SESSION_COOKIE: &str = "odcat_session";
/// The sign-in forms' double-submit cookie (before a session exists).
pub const FORM_COOKIE: &str = "odcat_form";

/// The workspace's settings (app data).
#[derive(Clone, Copy, Debug)]
pub struct WorkspaceSettings {
    /// How long a session lasts at most.
    pub session_lifetime: chrono::Duration,
}

/// The two address spaces of the workspace: German under `/verwaltung`, English under `/manage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// `/verwaltung/…`.
    De,
    /// `/manage/…`.
    En,
}

/// A page or action of the workspace (its path segment differs by [`Area`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The list of datasets (the workspace's root).
    Home,
    /// Sign in with a token.
    SignIn,
    /// Sign out.
    SignOut,
    /// A one-time sign-in link (followed by the code).
    Link,
    /// The datasets' actions (followed by the id and the action).
    Datasets,
    /// Publish (or publish again).
    Publish,
    /// Withdraw.
    Withdraw,
    /// The token administration.
    Tokens,
    /// Revoke a token.
    Revoke,
    /// Change a token's label.
    Label,
}

impl Area {
    /// Both areas.
    pub const ALL: [Area; 2] = [Area::De, Area::En];

    /// The area of a request's path.
    pub fn of(req: &HttpRequest) -> Self {
        if req.path().starts_with("/manage") {
            Self::En
        } else {
            Self::De
        }
    }

    /// The area's root.
    pub fn root(self) -> &'static str {
        match self {
            Self::De => "/verwaltung",
            Self::En => "/manage",
        }
    }

    /// The path segment of `place`.
    pub fn segment(self, place: Place) -> &'static str {
        use Place::*;
        match (self, place) {
            (_, Home) => "",
            (Self::De, SignIn) => "anmelden",
            (Self::En, SignIn) => "sign-in",
            (Self::De, SignOut) => "abmelden",
            (Self::En, SignOut) => "sign-out",
            (_, Link) => "link",
            (Self::De, Datasets) => "datensaetze",
            (Self::En, Datasets) => "datasets",
            (Self::De, Publish) => "veroeffentlichen",
            (Self::En, Publish) => "publish",
            (Self::De, Withdraw) => "zurueckziehen",
            (Self::En, Withdraw) => "withdraw",
            (Self::De, Tokens) => "schluessel",
            (Self::En, Tokens) => "tokens",
            (Self::De, Revoke) => "widerrufen",
            (Self::En, Revoke) => "revoke",
            (Self::De, Label) => "bezeichnung",
            (Self::En, Label) => "label",
        }
    }

    /// The path of `place`.
    pub fn path(self, place: Place) -> String {
        match place {
            Place::Home => self.root().to_owned(),
            _ => format!("{}/{}", self.root(), self.segment(place)),
        }
    }

    /// The path of a dataset's action (`Publish`, `Withdraw`).
    pub fn dataset_action(self, id: uuid::Uuid, action: Place) -> String {
        format!(
            "{}/{}/{id}/{}",
            self.root(),
            self.segment(Place::Datasets),
            self.segment(action)
        )
    }

    /// The path of a token's action (`Revoke`, `Label`).
    pub fn token_action(self, id: uuid::Uuid, action: Place) -> String {
        format!(
            "{}/{}/{id}/{}",
            self.root(),
            self.segment(Place::Tokens),
            self.segment(action)
        )
    }

    fn lang(self) -> Lang {
        match self {
            Self::De => Lang::De,
            Self::En => Lang::En,
        }
    }
}

/// The language of a workspace page: `?lang=` or the language cookie when set, else the area's.
pub fn language(req: &HttpRequest) -> i18n::Negotiated {
    let chosen = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, _)| k == "lang")
        || req.cookie(i18n::COOKIE).is_some();
    if chosen {
        i18n::negotiate(req)
    } else {
        i18n::Negotiated {
            lang: Area::of(req).lang(),
            from_parameter: false,
        }
    }
}

/// What every workspace page's frame prints.
pub struct Frame {
    /// The page's language.
    pub lang: Lang,
    /// Whether it is English.
    pub english: bool,
    /// The page title.
    pub title: String,
    /// The stylesheet.
    pub css: &'static str,
    /// The area (for links).
    pub area: Area,
    /// The navigation entry to mark.
    pub section: &'static str,
    /// The signed-in session's summary, when signed in.
    pub who: Option<Who>,
    /// The same page in the other language.
    pub switch_href: String,
    /// Links of the frame.
    pub home_href: String,
    /// The token administration.
    pub tokens_href: String,
    /// Sign out.
    pub sign_out_href: String,
}

/// Who is signed in, as the frame shows it.
pub struct Who {
    /// The publisher's name, or "all publishers" for an administrator without one.
    pub name: String,
    /// Whether the token is an administrator's.
    pub admin: bool,
    /// The session's form token.
    pub csrf: String,
}

impl Frame {
    /// The frame of a page titled `title` for `session` (when signed in).
    pub fn new(
        req: &HttpRequest,
        lang: Lang,
        session: Option<&Session>,
        section: &'static str,
        title: impl Into<String>,
    ) -> Self {
        let area = Area::of(req);
        let english = lang == Lang::En;
        let other = lang.other();
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            if k != "lang" {
                pairs.append_pair(&k, &v);
            }
        }
        pairs.append_pair("lang", other.code());
        // The answer to a form may stand at an address that only takes the form: its switch leads
        // to the workspace's start.
        let here = if req.method() == actix_web::http::Method::GET {
            req.path().to_owned()
        } else {
            area.path(Place::Home)
        };
        let switch_href = format!("{here}?{}", pairs.finish());
        Self {
            lang,
            english,
            title: title.into(),
            css: super::CSS_HREF.as_str(),
            area,
            section,
            who: session.map(|s| Who {
                name: publisher_label(s, english),
                admin: s.actor.role == Role::Admin,
                csrf: s.csrf.clone(),
            }),
            switch_href,
            home_href: area.path(Place::Home),
            tokens_href: area.path(Place::Tokens),
            sign_out_href: area.path(Place::SignOut),
        }
    }
}

/// The session's publisher in the page's language ("Alle Datenbereitsteller" for an administrator
/// without one).
pub fn publisher_label(session: &Session, english: bool) -> String {
    match &session.publisher {
        Some(p) => match (&p.name_en, english) {
            (Some(en), true) if !en.trim().is_empty() => en.clone(),
            _ => p.name_de.clone(),
        },
        None if english => "All publishers (administrator)".to_owned(),
        None => "Alle Datenbereitsteller (Administration)".to_owned(),
    }
}

/// Renders a workspace page: HTML, never stored by any cache, in `lang`.
pub fn render(
    status: StatusCode,
    lang: i18n::Negotiated,
    started: Instant,
    page: &impl Template,
) -> Result<HttpResponse, ApiError> {
    let body = page
        .render()
        .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e)))?;
    let mut answer = HttpResponseBuilder::new(status);
    no_store(&mut answer);
    answer
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, lang.lang.code()))
        .insert_header((
            "Server-Timing",
            format!("render;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0),
        ));
    if lang.from_parameter {
        answer.cookie(
            Cookie::build(i18n::COOKIE, lang.lang.code())
                .path("/")
                .max_age(actix_web::cookie::time::Duration::days(365))
                .same_site(SameSite::Lax)
                .http_only(true)
                .finish(),
        );
    }
    Ok(answer.body(body))
}

/// Marks an answer as never to be stored by any cache.
pub fn no_store(answer: &mut HttpResponseBuilder) {
    answer
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, HeaderValue::from_static("Cookie")));
}

/// A `303 See Other` to `location` (after a form), never cached.
pub fn see_other(location: &str) -> HttpResponse {
    let mut answer = HttpResponse::SeeOther();
    no_store(&mut answer);
    answer
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// The session cookie holding `secret` for `max_age` (an empty secret and zero age remove it).
pub fn session_cookie(secret: &str, max_age: chrono::Duration) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, secret.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(
            max_age.num_seconds().max(0),
        ))
        .finish()
}

/// A signed-in request: the live session of its cookie, found by [`require_session`].
pub struct Signed(pub Session);

/// Why a request has no session: it is sent to sign in.
#[derive(Debug)]
pub struct SignInFirst {
    location: String,
}

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign in first: {}", self.location)
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        see_other(&self.location)
    }
}

/// The sign-in page of `area` that returns to `next` afterwards.
pub fn sign_in_location(area: Area, next: Option<&str>) -> String {
    let path = area.path(Place::SignIn);
    match next {
        Some(next) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            format!("{path}?{query}")
        }
        None => path,
    }
}

/// Where to go after signing in: `next` when it is a workspace page, else the workspace's root.
pub fn safe_next(area: Area, next: Option<&str>) -> String {
    next.filter(|n| {
        (n.starts_with("/verwaltung") || n.starts_with("/manage"))
            && !n.contains("//")
            && !n.contains('\\')
            && n.chars().all(|c| !c.is_control())
    })
    .map_or_else(|| area.path(Place::Home), str::to_owned)
}

impl FromRequest for Signed {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    /// The session [`require_session`] found; without one (a route outside the workspace's scope),
    /// the request is sent to sign in.
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(match req.extensions().get::<Session>() {
            Some(session) => Ok(Signed(session.clone())),
            None => Err(SignInFirst {
                location: sign_in_location(Area::of(req), None),
            }
            .into()),
        })
    }
}

/// Whether `path` is open without a session: the sign-in pages.
fn open_without_session(area: Area, path: &str) -> bool {
    path == area.path(Place::SignIn)
        || path.starts_with(&format!("{}/", area.path(Place::Link)))
        || path == "/verwaltung/oidc"
        || path == "/verwaltung/oidc/start"
}

/// The workspace's gate (middleware of its scope): a request without a live session is answered
/// with a redirect to the sign-in page that returns to the page asked for (after a form: to the
/// list); with one, the session is handed to the handler ([`Signed`]).
pub async fn require_session(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let area = Area::of(req.request());
    if open_without_session(area, req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    if let Some(session) = session_of(req.request()).await? {
        req.extensions_mut().insert(session);
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let next_page =
        (req.method() == actix_web::http::Method::GET).then(|| match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        });
    let answer = see_other(&sign_in_location(area, next_page.as_deref()));
    Ok(req.into_response(answer).map_into_right_body())
}

/// The live session of the request's cookie, if any.
pub async fn session_of(req: &HttpRequest) -> Result<Option<Session>, ApiError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let catalog = req
        .app_data::<web::Data<Catalog>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("catalog not configured")))?;
    workspace::current(catalog.db(), cookie.value())
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))
}

/// Whether two secrets are equal, in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the request comes from this site: its `Origin`, when sent, is the public base URL's or
/// the request's own (`Host`), and `Sec-Fetch-Site`, when sent, is not `cross-site`.
fn same_site(req: &HttpRequest, base: &str) -> bool {
    if let Some(site) = req.headers().get("sec-fetch-site")
        && site.as_bytes() == b"cross-site"
    {
        return false;
    }
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    {
        None => true,
        Some(origin) => {
            let base_origin = url::Url::parse(base)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default();
            let info = req.connection_info();
            origin == base_origin || origin == format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// Whether a form of `session` may change anything: its form token matches and it was sent from
/// this site.
pub fn form_allowed(req: &HttpRequest, base: &str, session: &Session, sent: &str) -> bool {
    same_site(req, base) && same_secret(&session.csrf, sent)
}

/// Whether a sign-in form (before a session) may be used: its form token equals the double-submit
/// cookie and it was sent from this site.
pub fn sign_in_form_allowed(req: &HttpRequest, base: &str, sent: &str) -> bool {
    let Some(cookie) = req.cookie(FORM_COOKIE) else {
        return false;
    };
    same_site(req, base) && cookie.value().len() == 64 && same_secret(cookie.value(), sent)
}

/// The double-submit token of the sign-in forms: the cookie's when the browser has one, else a new
/// one (and the cookie to set).
pub fn form_token(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(FORM_COOKIE)
        && c.value().len() == 64
        && c.value().bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (c.value().to_owned(), None);
    }
    let mut bytes = [0_u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let token = hex::encode(bytes);
    let cookie = Cookie::build(FORM_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn only_workspace_pages_are_returned_to() {
        assert_eq!(
            safe_next(Area::De, Some("/verwaltung?q=x")),
            "/verwaltung?q=x"
        );
        assert_eq!(
            safe_next(Area::En, Some("/manage/tokens")),
            "/manage/tokens"
        );
        assert_eq!(
            safe_next(Area::De, Some("https://evil.example/")),
            "/verwaltung"
        );
        assert_eq!(
            safe_next(Area::De, Some("//evil.example/verwaltung")),
            "/verwaltung"
        );
        assert_eq!(
            safe_next(Area::De, Some("/verwaltung//evil")),
            "/verwaltung"
        );
        assert_eq!(safe_next(Area::En, None), "/manage");
    }

    #[test]
    fn both_areas_name_every_place() {
        for area in Area::ALL {
            assert!(area.path(Place::SignIn).starts_with(area.root()));
        }
        assert_eq!(Area::De.path(Place::Tokens), "/verwaltung/schluessel");
        assert_eq!(Area::En.path(Place::Tokens), "/manage/tokens");
    }
}
