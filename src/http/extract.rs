//! Extractors: the bearer token, `If-Match`, and JSON bodies, each failing with the common error envelope.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::catalog::Catalog;
use crate::catalog::auth::{self, TokenRefusal};
use crate::catalog::service::{Actor, Precondition};
use crate::error::{ApiError, ErrorCode};

/// The holder of a valid bearer token; extracting it refuses the request with 401 otherwise.
pub struct Auth(pub Actor);

/// The holder of a valid bearer token, or nobody when no `Authorization` header was sent.
pub struct MaybeAuth(pub Option<Actor>);

async fn actor_from(req: HttpRequest) -> Result<Option<Actor>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || {
        ApiError::unauthorized(
            ErrorCode::MalformedToken,
            "the Authorization header must be `Bearer odcat_<64 hex digits>`",
        )
    };
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, secret) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(malformed());
    }
    let catalog = req
        .app_data::<web::Data<Catalog>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("catalog not configured")))?;
    match auth::authenticate(catalog.db(), secret.trim())
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
    {
        Ok(actor) => Ok(Some(actor)),
        Err(TokenRefusal::Malformed) => Err(malformed()),
        Err(TokenRefusal::Unknown) => Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "the bearer token is not known",
        )),
        Err(TokenRefusal::Revoked) => Err(ApiError::unauthorized(
            ErrorCode::RevokedToken,
            "the bearer token has been revoked",
        )),
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            actor_from(req).await?.map(Auth).ok_or_else(|| {
                ApiError::unauthorized(
                    ErrorCode::MissingToken,
                    "this request needs an `Authorization: Bearer <token>` header",
                )
            })
        })
    }
}

impl FromRequest for MaybeAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { actor_from(req).await.map(MaybeAuth) })
    }
}

/// The `If-Match` precondition every update needs (428 without it).
pub struct IfMatch(pub Precondition);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_if_match(req.headers().get(header::IF_MATCH)))
    }
}

/// An optional `If-Match`: `*` when the request has none.
pub fn optional_if_match(req: &HttpRequest) -> Result<Precondition, ApiError> {
    match req.headers().get(header::IF_MATCH) {
        None => Ok(Precondition::Any),
        value => parse_if_match(value).map(|IfMatch(p)| p),
    }
}

fn parse_if_match(value: Option<&header::HeaderValue>) -> Result<IfMatch, ApiError> {
    let Some(value) = value else {
        return Err(ApiError::new(
            ErrorCode::PreconditionRequired,
            "updates need an `If-Match` header with the ETag of the current dataset",
        ));
    };
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidHeader,
            "If-Match must be `*` or a list of quoted strong ETags",
        )
    };
    let value = value.to_str().map_err(|_| bad())?.trim();
    if value == "*" {
        return Ok(IfMatch(Precondition::Any));
    }
    let tags: Vec<String> = value.split(',').map(|t| t.trim().to_owned()).collect();
    if tags.is_empty()
        || tags
            .iter()
            .any(|t| t.len() < 2 || !t.starts_with('"') || !t.ends_with('"'))
    {
        return Err(bad());
    }
    // A tag read from a compressed answer carries the coding (see `conditional::encoded_tag`); it
    // names the same state of the resource.
    let tags = tags
        .iter()
        .map(|t| super::conditional::identity_tag(t))
        .collect();
    Ok(IfMatch(Precondition::Tags(tags)))
}

/// The largest JSON body accepted, in bytes (app data).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// A JSON body: 415 unless the content type is JSON, 413 over the [`BodyLimit`], 400 when it is not
/// JSON, 422 naming the path of the first field that does not fit `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(1_048_576, |l| l.0);
        let json = matches!(req.mime_type(), Ok(Some(m)) if is_json(&m));
        let declared = declared_length(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as `Content-Type: application/json`",
                ));
            }
            let body = read_body(&mut payload, declared, limit).await?;
            let malformed = |e: &serde_json::Error| {
                ApiError::new(
                    ErrorCode::MalformedJson,
                    format!("the body is not valid JSON: {e}"),
                )
            };
            let mut de = serde_json::Deserializer::from_slice(&body);
            let value = match serde_path_to_error::deserialize(&mut de) {
                Ok(value) => value,
                Err(err) if err.inner().is_data() => {
                    let path = err.path().to_string();
                    return Err(ApiError::Refused {
                        code: ErrorCode::InvalidDocument,
                        message: format!("{path}: {}", err.inner()),
                        field: Some(path),
                    });
                }
                Err(err) => return Err(malformed(err.inner())),
            };
            de.end().map_err(|e| malformed(&e))?;
            Ok(JsonBody(value))
        })
    }
}

/// The request's media type without parameters, in lower case (`text/csv; charset=utf-8` →
/// `text/csv`).
pub fn content_type_essence(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// The `Content-Length` a request declares.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Reads a whole request body of at most `limit` bytes: 413 beyond it (refused up front when the
/// declared length says so), 400 when the body breaks off.
pub async fn read_body(
    payload: &mut Payload,
    declared: Option<usize>,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body exceeds {limit} bytes"),
        )
    };
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| body_error(&e))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The answer to a body that could not be read: 408 when it did not arrive in time (see
/// [`super::hardening::body_deadline`]), 400 when it broke off.
pub fn body_error(e: &actix_web::error::PayloadError) -> ApiError {
    if let actix_web::error::PayloadError::Io(io) = e
        && io.kind() == std::io::ErrorKind::TimedOut
    {
        return ApiError::new(ErrorCode::RequestTimeout, io.to_string());
    }
    ApiError::new(ErrorCode::MalformedBody, e.to_string())
}

/// Whether the body's content type is JSON or JSON Merge Patch.
fn is_json(mime: &mime::Mime) -> bool {
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_star_and_quoted_tags() {
        let star = header::HeaderValue::from_static("*");
        assert!(matches!(
            parse_if_match(Some(&star)),
            Ok(IfMatch(Precondition::Any))
        ));
        let tags = header::HeaderValue::from_static("\"a-1\", \"a-2\"");
        assert!(
            matches!(parse_if_match(Some(&tags)), Ok(IfMatch(Precondition::Tags(t))) if t.len() == 2)
        );
    }

    #[test]
    fn if_match_refuses_missing_weak_and_unquoted_values() {
        let missing = parse_if_match(None).err().map(|e| e.code());
        assert_eq!(missing, Some("precondition_required"));
        for bad in ["W/\"a-1\"", "a-1", "\""] {
            let value = header::HeaderValue::from_static(bad);
            assert_eq!(
                parse_if_match(Some(&value)).err().map(|e| e.code()),
                Some("invalid_header"),
                "{bad}"
            );
        }
    }
}
