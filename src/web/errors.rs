//! Error pages for people: when a browser (an `Accept` that prefers `text/html` over JSON) meets an
//! error on a portal URL or an unknown URL, it gets an HTML page in its language that says what went
//! wrong and names the offending parameter, with the same status. Programs keep the JSON problem body
//! of [`ApiError`]; the `/api/…` interfaces always answer JSON.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::{self, Lang, Negotiated};
use super::index::Snapshot;
use super::{Chrome, Portal, html};
use crate::error::ApiError;

/// What the error page says beyond its status.
#[derive(Default)]
pub struct Detail {
    /// A sentence naming the offending parameter and value.
    pub parameter: Option<String>,
    /// What a withdrawn dataset was.
    pub withdrawn: Option<Withdrawn>,
}

/// A withdrawn dataset as its `410` page describes it.
pub struct Withdrawn {
    /// Title.
    pub title: String,
    /// The title's language.
    pub title_lang: Lang,
    /// Publisher name.
    pub publisher: String,
    /// Its language.
    pub publisher_lang: Lang,
    /// When it was withdrawn, as the page writes dates.
    pub date: String,
    /// The same, ISO 8601.
    pub date_iso: String,
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html", config = "src/web/askama.toml")]
pub struct ErrorPage {
    c: Chrome,
    status: u16,
    message: &'static str,
    detail: Detail,
    query: String,
}

/// The heading and the sentence for `status` in `lang`.
fn words(status: StatusCode, lang: Lang) -> (&'static str, &'static str) {
    let t = lang.texts();
    match status {
        StatusCode::NOT_FOUND => (t.not_found_title, t.not_found_text),
        StatusCode::GONE => (t.gone_title, t.gone_text),
        StatusCode::BAD_REQUEST => (t.bad_request_title, t.bad_request_text),
        StatusCode::SERVICE_UNAVAILABLE => (t.unavailable_title, t.unavailable_text),
        s if s.is_server_error() => (t.server_error_title, t.server_error_text),
        _ => (t.refused_title, t.refused_text),
    }
}

/// The sentence naming a refused query parameter and the value the request gave it.
pub fn parameter_sentence(req: &HttpRequest, field: &str, lang: Lang) -> String {
    let value = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == field)
        .map(|(_, v)| shown_value(&v));
    let q_hint_de = format!(
        " Suchbegriffe dürfen höchstens {} Zeichen lang sein.",
        crate::search::MAX_QUERY_CHARS
    );
    let q_hint_en = format!(
        " Search terms may be at most {} characters long.",
        crate::search::MAX_QUERY_CHARS
    );
    let hint = match (field, lang) {
        ("q", Lang::De) => q_hint_de.as_str(),
        ("q", Lang::En) => q_hint_en.as_str(),
        ("page", Lang::De) => " Seitenzahlen beginnen bei 1.",
        ("page", Lang::En) => " Page numbers start at 1.",
        ("sort", Lang::De) => " Möglich sind relevance, modified und title.",
        ("sort", Lang::En) => " Possible values are relevance, modified and title.",
        _ => "",
    };
    match (value, lang) {
        (Some(v), Lang::De) => {
            format!("Der Parameter „{field}“ hat einen ungültigen Wert: „{v}“.{hint}")
        }
        (Some(v), Lang::En) => {
            format!("The parameter “{field}” has an invalid value: “{v}”.{hint}")
        }
        (None, Lang::De) => format!("Die Angabe „{field}“ ist ungültig.{hint}"),
        (None, Lang::En) => format!("The value of “{field}” is invalid.{hint}"),
    }
}

/// A refused value as the error page repeats it: control characters replaced, and a long value cut
/// to its first 60 characters (the page must not echo an 18 000-character query back).
fn shown_value(value: &str) -> String {
    const SHOWN: usize = 60;
    let mut shown: String = value
        .chars()
        .take(SHOWN)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if value.chars().count() > SHOWN {
        shown.push('…');
    }
    shown
}

/// Renders the error page for `status`.
pub fn page(
    req: &HttpRequest,
    base: &str,
    snapshot: &Snapshot,
    negotiated: Negotiated,
    started: Instant,
    status: StatusCode,
    detail: Detail,
) -> Result<HttpResponse, ApiError> {
    let lang = negotiated.lang;
    let (title, message) = words(status, lang);
    let page = ErrorPage {
        c: Chrome::at(req, lang, base, snapshot, "", title),
        status: status.as_u16(),
        message,
        detail,
        query: String::new(),
    };
    let mut response = html(status, negotiated, started, &page)?;
    // An error page is not the resource: keep it out of search engines.
    response.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex"),
    );
    Ok(response)
}

/// Whether an error for `req` should be a page: the client prefers HTML to JSON (ties go to JSON,
/// so `*/*` and no `Accept` keep the problem body) and the URL is not one of the JSON interfaces.
pub fn wants_page(req: &HttpRequest) -> bool {
    let path = req.path();
    if path.starts_with("/api/") {
        return false;
    }
    super::wants_html(
        req,
        &["application/json", "application/problem+json"],
        false,
    ) == Some(true)
}

/// Middleware for portal resources: turns a JSON problem answer into the error page for browsers.
pub fn html_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(to_page)
}

fn to_page<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html || !wants_page(res.request()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let field = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .and_then(|e| match e {
            ApiError::Refused { field, .. } => field.clone(),
            _ => None,
        });
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Future(Box::pin(async move {
        let started = Instant::now();
        let negotiated = i18n::negotiate(&req);
        let portal = req.app_data::<web::Data<Portal>>().cloned();
        // The frame needs the catalogue's name; an error page must not fail when the index does.
        let snapshot = match &portal {
            Some(p) => p.index.snapshot().await.ok(),
            None => None,
        };
        let fallback = Snapshot::default();
        let snapshot = snapshot.as_deref().unwrap_or(&fallback);
        let base = portal.as_ref().map_or("", |p| p.base.as_str());
        let detail = Detail {
            parameter: field.map(|f| parameter_sentence(&req, &f, negotiated.lang)),
            withdrawn: None,
        };
        let mut response = page(&req, base, snapshot, negotiated, started, status, detail)?;
        if let Some(value) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        Ok(ServiceResponse::new(req, response).map_into_right_body::<B>())
    })))
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};

    use super::*;
    use crate::error::ErrorCode;

    async fn refuse(status: u16) -> Result<HttpResponse, ApiError> {
        let code = ErrorCode::ALL
            .iter()
            .find(|c| c.status().as_u16() == status)
            .copied()
            .unwrap_or(ErrorCode::InvalidParameter);
        Err(ApiError::new(code, "refused"))
    }

    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    #[actix_web::test]
    async fn browsers_get_pages_in_their_language_and_programs_json() {
        let app = test::init_service(
            App::new()
                .service(
                    web::resource("/busy")
                        .wrap(html_errors())
                        .to(|| refuse(503)),
                )
                .service(
                    web::resource("/api/v1/busy")
                        .wrap(html_errors())
                        .to(|| refuse(503)),
                ),
        )
        .await;
        let page = test::TestRequest::get()
            .uri("/busy?lang=en")
            .insert_header((header::ACCEPT, BROWSER))
            .to_request();
        let res = test::call_service(&app, page).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
        assert!(body.contains("<html lang=\"en\">"), "{body}");
        assert!(body.contains("Temporarily unavailable"), "{body}");
        let german = test::TestRequest::get()
            .uri("/busy")
            .insert_header((header::ACCEPT, BROWSER))
            .to_request();
        let body = test::read_body(test::call_service(&app, german).await).await;
        assert!(String::from_utf8_lossy(&body).contains("Vorübergehend nicht verfügbar"));
        for (uri, accept) in [
            ("/busy", "*/*"),
            ("/busy", "application/json"),
            ("/api/v1/busy", BROWSER),
        ] {
            let req = test::TestRequest::get()
                .uri(uri)
                .insert_header((header::ACCEPT, accept))
                .to_request();
            let res = test::call_service(&app, req).await;
            assert_eq!(
                res.status(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{uri} {accept}"
            );
            assert_eq!(
                res.headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok()),
                Some("application/json"),
                "{uri} {accept}"
            );
        }
    }
}
