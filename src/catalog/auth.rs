//! API tokens: the secret is shown once, only its SHA-256 hash is stored, and a token can be revoked.

use chrono::{Duration, Utc};
use entities::api_token;
use rand::RngCore;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::change::Channel;
use super::error::CatalogError;
use super::repo;
use super::service::Actor;
use super::values::Role;

/// Every secret starts with this prefix, so leaked tokens are easy to find by secret scanners.
pub const TOKEN_PREFIX: &str = "odcat_";
const SECRET_HEX_LEN: usize = 64;

/// A freshly created token: the secret exists only in this value.
#[derive(Debug)]
pub struct IssuedToken {
    /// The id, used to revoke it.
    pub id: Uuid,
    /// The secret to send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Why a presented token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not of the `odcat_<64 hex>` shape.
    Malformed,
    /// No token has this secret.
    Unknown,
    /// The token was revoked.
    Revoked,
}

/// Whether `secret` has the shape of an odcat token.
pub fn is_well_formed(secret: &str) -> bool {
    secret.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == SECRET_HEX_LEN
            && hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a token for the publisher with slug `publisher` (required for editors, optional for admins).
pub async fn create_token(
    db: &impl ConnectionTrait,
    publisher: Option<&str>,
    role: Role,
    label: Option<&str>,
) -> Result<IssuedToken, CatalogError> {
    let publisher_id = match publisher {
        Some(slug) => Some(
            repo::find_publisher(db, slug)
                .await?
                .ok_or_else(|| CatalogError::PublisherNotFound(slug.to_owned()))?
                .id,
        ),
        None if role == Role::Admin => None,
        None => {
            return Err(CatalogError::invalid(
                "publisher",
                "an editor token needs a publisher",
            ));
        }
    };
    let mut bytes = [0_u8; SECRET_HEX_LEN / 2];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let id = Uuid::new_v4();
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(id),
        publisher_id: Set(publisher_id),
        role: Set(role.as_str().to_owned()),
        token_hash: Set(hash(&secret)),
        label: Set(label.map(str::to_owned)),
        created_at: Set(Utc::now().fixed_offset()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        oidc_subject: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(IssuedToken { id, secret })
}

/// Revokes a token; revoking twice is harmless.
pub async fn revoke_token(db: &impl ConnectionTrait, id: Uuid) -> Result<(), CatalogError> {
    let token = api_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::TokenNotFound(id.to_string()))?;
    if token.revoked_at.is_none() {
        api_token::Entity::update(api_token::ActiveModel {
            id: Set(id),
            revoked_at: Set(Some(Utc::now().fixed_offset())),
            ..Default::default()
        })
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Checks a presented secret and returns who it belongs to.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<Result<Actor, TokenRefusal>, DbErr> {
    if !is_well_formed(secret) {
        return Ok(Err(TokenRefusal::Malformed));
    }
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(secret)))
        .one(db)
        .await?
    else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if token.revoked_at.is_some() {
        return Ok(Err(TokenRefusal::Revoked));
    }
    let now = Utc::now().fixed_offset();
    // Record use at most once a minute, so reads with a token do not turn into writes.
    if token
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        let touched = api_token::Entity::update(api_token::ActiveModel {
            id: Set(token.id),
            last_used_at: Set(Some(now)),
            ..Default::default()
        })
        .exec(db)
        .await;
        if let Err(err) = touched {
            tracing::warn!(token.id = %token.id, error = %err, "could not record token use");
        }
    }
    Ok(Ok(Actor {
        token_id: token.id,
        role: Role::from_db(&token.role),
        publisher_id: token.publisher_id,
        channel: Channel::Api,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_prefixed_lower_hex_secrets_are_well_formed() {
        let good = format!("{TOKEN_PREFIX}{}", "ab12".repeat(16));
        assert!(is_well_formed(&good));
        assert!(!is_well_formed(&good.to_uppercase()));
        assert!(!is_well_formed(&good[..good.len() - 1]));
        assert!(!is_well_formed(&format!("x{good}")));
        assert!(!is_well_formed(""));
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(hash("abc").len(), 64);
        assert_ne!(hash("abc"), hash("abd"));
    }
}
