//! Conditional GET: ETag and Last-Modified on every read, 304 when the client's copy is current.
//!
//! A compressed answer is another representation of the resource, so it gets its own strong tag:
//! [`encoding_validators`] (outside the compression middleware) appends the coding to the tag
//! (`"…-gzip"`, as Apache does) and adds `Vary: Accept-Encoding` to every answer with a tag; the
//! comparisons here strip the coding again, so `If-None-Match` and `If-Match` work with either tag.

use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Answers `body` as JSON with validators, or 304 when `If-None-Match` / `If-Modified-Since` say the
/// client already has it. Without an explicit `etag`, a weak one is derived from the body.
pub fn json_with_validators<T: Serialize>(
    req: &HttpRequest,
    body: &T,
    etag: Option<String>,
    last_modified: Option<DateTime<FixedOffset>>,
) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Unexpected(e.into()))?;
    let etag = etag.unwrap_or_else(|| {
        let digest = Sha256::digest(&bytes);
        format!("W/\"{}\"", hex::encode(&digest[..16]))
    });
    Ok(bytes_with_validators(
        req,
        bytes,
        "application/json",
        etag,
        last_modified,
    ))
}

/// Answers `body` as `content_type` with an `ETag` and `Last-Modified`, or 304 when the client's
/// copy is current.
pub fn bytes_with_validators(
    req: &HttpRequest,
    bytes: Vec<u8>,
    content_type: &str,
    etag: String,
    last_modified: Option<DateTime<FixedOffset>>,
) -> HttpResponse {
    let validators = Validators::new(req, etag, last_modified);
    match validators.not_modified() {
        Some(response) => response,
        None => validators.ok().content_type(content_type).body(bytes),
    }
}

/// The validators of one answer, and whether the client's copy is still current.
pub struct Validators {
    etag: String,
    last_modified: Option<HttpDate>,
    current: bool,
}

impl Validators {
    /// Checks `If-None-Match` / `If-Modified-Since` of `req` against `etag` and `last_modified`.
    pub fn new(
        req: &HttpRequest,
        etag: String,
        last_modified: Option<DateTime<FixedOffset>>,
    ) -> Self {
        // HTTP dates have whole seconds; truncate so that `If-Modified-Since` of the same value
        // matches.
        let last_modified = last_modified.map(|t| {
            let secs = u64::try_from(t.timestamp()).unwrap_or(0);
            HttpDate::from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        });
        let current = not_modified(req, &etag, last_modified);
        Self {
            etag,
            last_modified,
            current,
        }
    }

    /// The 304 answer, when the client's copy is current.
    pub fn not_modified(&self) -> Option<HttpResponse> {
        if !self.current {
            return None;
        }
        let mut response = HttpResponse::NotModified();
        response.insert_header((header::ETAG, self.etag.clone()));
        if let Some(lm) = self.last_modified {
            response.insert_header((header::LAST_MODIFIED, lm));
        }
        Some(response.finish())
    }

    /// A 200 answer carrying `ETag`, `Last-Modified` and `Cache-Control: no-cache`.
    pub fn ok(&self) -> actix_web::HttpResponseBuilder {
        let mut response = HttpResponse::Ok();
        response
            .insert_header((header::ETAG, self.etag.clone()))
            .insert_header((header::CACHE_CONTROL, "no-cache"));
        if let Some(lm) = self.last_modified {
            response.insert_header((header::LAST_MODIFIED, lm));
        }
        response
    }
}

fn not_modified(req: &HttpRequest, etag: &str, last_modified: Option<HttpDate>) -> bool {
    let weak = |t: &str| identity_tag(t.trim().trim_start_matches("W/"));
    if let Some(value) = req.headers().get(header::IF_NONE_MATCH) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        return value.trim() == "*" || value.split(',').any(|t| weak(t) == weak(etag));
    }
    if let (Some(since), Some(lm)) = (req.headers().get(header::IF_MODIFIED_SINCE), last_modified)
        && let Some(since) = since.to_str().ok().and_then(|s| s.parse::<HttpDate>().ok())
    {
        return std::time::SystemTime::from(lm) <= std::time::SystemTime::from(since);
    }
    false
}

/// The content coding a tag suffix names (the codings the compression middleware produces).
const CODINGS: [&str; 1] = ["gzip"];

/// The tag of the identity representation: `"x-gzip"` → `"x"`; other tags unchanged.
pub fn identity_tag(tag: &str) -> String {
    let tag = tag.trim();
    for coding in CODINGS {
        if let Some(stem) = tag.strip_suffix(&format!("-{coding}\""))
            && stem.starts_with('"')
        {
            return format!("{stem}\"");
        }
    }
    tag.to_owned()
}

/// The tag of the representation in `coding`: `"x"` → `"x-gzip"` (`W/"x"` → `W/"x-gzip"`).
pub fn encoded_tag(tag: &str, coding: &str) -> String {
    match tag.strip_suffix('"') {
        Some(stem) if tag.len() >= 2 => format!("{stem}-{coding}\""),
        _ => tag.to_owned(),
    }
}

/// The coding the compression middleware picks for `req` (`None`: identity).
fn negotiated_coding(req: &actix_web::dev::ServiceRequest) -> Option<&'static str> {
    use actix_web::http::header::{AcceptEncoding, ContentEncoding, Encoding, Header};
    let accept = AcceptEncoding::parse(req).ok()?;
    let supported = [
        Encoding::Known(ContentEncoding::Gzip),
        Encoding::Known(ContentEncoding::Identity),
    ];
    match accept.negotiate(supported.iter()) {
        Some(Encoding::Known(ContentEncoding::Gzip)) => Some("gzip"),
        _ => None,
    }
}

/// Gives every compressed answer (and every 304 to a client that would get one) its own strong tag,
/// and every answer with a tag `Vary: Accept-Encoding`. Wrap it outside `middleware::Compress`.
pub async fn encoding_validators(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let wanted = negotiated_coding(&req);
    let mut res = next.call(req).await?;
    let not_modified = res.status() == actix_web::http::StatusCode::NOT_MODIFIED;
    let headers = res.headers_mut();
    let Some(tag) = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return Ok(res);
    };
    let sent = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let coding = match sent.as_deref() {
        Some("identity") => None,
        Some(coding) => CODINGS.iter().find(|c| **c == coding).copied(),
        None if not_modified => wanted,
        None => None,
    };
    if let Some(coding) = coding
        && let Ok(value) = header::HeaderValue::from_str(&encoded_tag(&tag, coding))
    {
        headers.insert(header::ETAG, value);
    }
    let varies = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|n| n.trim().eq_ignore_ascii_case("accept-encoding") || n.trim() == "*")
        });
    if !varies {
        headers.append(
            header::VARY,
            header::HeaderValue::from_static("Accept-Encoding"),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_tags_name_the_identity_tag() {
        assert_eq!(encoded_tag("\"abc\"", "gzip"), "\"abc-gzip\"");
        assert_eq!(encoded_tag("W/\"abc\"", "gzip"), "W/\"abc-gzip\"");
        assert_eq!(identity_tag("\"abc-gzip\""), "\"abc\"");
        assert_eq!(identity_tag(" \"abc\" "), "\"abc\"");
        assert_eq!(identity_tag("\"-gzip\""), "\"\"");
    }
}
