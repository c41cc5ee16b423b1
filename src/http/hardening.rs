//! Middleware that protects every answer and connection: security headers, `Secure` cookies under
//! an https base URL, and a read deadline for request bodies.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use futures_util::StreamExt;
use tokio::time::Instant;

/// The Content-Security-Policy of HTML pages: only the portal's own styles, images and script (the
/// search box's suggestions; the JSON-LD block is data, not script), no plug-ins, no framing.
pub const HTML_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The Content-Security-Policy of every other answer (JSON, RDF, CSV): nothing may load or frame it.
pub const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// What the hardening middleware needs to know (app data).
#[derive(Clone, Copy, Debug)]
pub struct Hardening {
    /// Whether the public base URL is https (cookies then get `Secure`).
    pub https: bool,
    /// A request body must have arrived within this time, plus one second per `min_rate` bytes.
    pub body_timeout: Duration,
    /// Bytes per second that extend the body deadline by one second.
    pub body_min_rate: u64,
}

/// Adds `X-Content-Type-Options`, `Referrer-Policy`, `X-Frame-Options` and a Content-Security-Policy
/// (with `frame-ancestors 'none'`) to every answer, and `Secure` to every cookie under an https base
/// URL.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let https = req
        .app_data::<web::Data<Hardening>>()
        .is_some_and(|h| h.https);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            if html { HTML_CSP } else { DATA_CSP },
        ),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https {
        let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).cloned().collect();
        if !cookies.is_empty() {
            headers.remove(header::SET_COOKIE);
            for cookie in cookies {
                headers.append(header::SET_COOKIE, secure_cookie(cookie));
            }
        }
    }
    Ok(res)
}

fn secure_cookie(cookie: HeaderValue) -> HeaderValue {
    let Ok(text) = cookie.to_str() else {
        return cookie;
    };
    let secure = text
        .split(';')
        .any(|attr| attr.trim().eq_ignore_ascii_case("secure"));
    if secure {
        return cookie;
    }
    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
}

/// Puts a read deadline on the request body: it must have arrived within
/// [`Hardening::body_timeout`], extended by one second per [`Hardening::body_min_rate`] bytes
/// received (like Apache's `mod_reqtimeout`), so a client that trickles a byte every few seconds
/// cannot hold a connection and a worker for ever. A late body ends with a `TimedOut` read error;
/// the extractors answer it with 408.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(limits) = req.app_data::<web::Data<Hardening>>().map(|h| **h.clone()) {
        let payload = req.take_payload();
        req.set_payload(deadline_payload(payload, limits));
    }
    next.call(req).await
}

struct Reading {
    payload: Payload,
    started: Instant,
    received: u64,
    done: bool,
    limits: Hardening,
}

fn deadline_payload(payload: Payload, limits: Hardening) -> Payload {
    let state = Reading {
        payload,
        started: Instant::now(),
        received: 0,
        done: false,
        limits,
    };
    let stream = futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let extra = s.received / s.limits.body_min_rate.max(1);
        let deadline = s.started + s.limits.body_timeout + Duration::from_secs(extra);
        match tokio::time::timeout_at(deadline, s.payload.next()).await {
            Ok(Some(Ok(chunk))) => {
                s.received += chunk.len() as u64;
                Some((Ok(chunk), s))
            }
            Ok(Some(Err(e))) => {
                s.done = true;
                Some((Err(e), s))
            }
            Ok(None) => None,
            Err(_) => {
                s.done = true;
                let error = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body did not arrive in time",
                );
                Some((Err(actix_web::error::PayloadError::Io(error)), s))
            }
        }
    });
    // Fused: a reader may poll again after the end (actix-multipart does), which an unfused
    // `unfold` answers with a panic.
    let boxed: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>>>,
    > = Box::pin(futures_util::StreamExt::fuse(stream));
    Payload::from(boxed)
}
