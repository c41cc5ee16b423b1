//! Conditional GET: ETag and Last-Modified on every read, 304 when the client's copy is current.

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
    let weak = |t: &str| t.trim().trim_start_matches("W/").to_owned();
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
