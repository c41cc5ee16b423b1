//! The publisher workspace's record: browser sessions opened with an API token, one-time sign-in
//! links, the token administration and the rows of "my datasets". Secrets (session cookies, link
//! codes) exist only in the browser or the printed link; only their SHA-256 is stored.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use entities::{
    api_token, dataset, dataset_quality, harvested_dataset, login_link, publisher,
    workspace_session,
};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::auth::{self, IssuedToken, TokenRefusal};
use super::change::{self, EntityKind, Operation};
use super::error::CatalogError;
use super::service::{Actor, Catalog};
use super::values::{DatasetStatus, Role};

/// How long a one-time sign-in link works.
pub const LOGIN_LINK_LIFETIME: Duration = Duration::minutes(15);

/// A signed-in browser.
#[derive(Clone, Debug)]
pub struct Session {
    /// The session's id (not its secret).
    pub id: Uuid,
    /// The form token every state-changing form of this session carries.
    pub csrf: String,
    /// Who acts: the session's token, writing through the workspace.
    pub actor: Actor,
    /// When the session ends at the latest.
    pub expires_at: DateTime<FixedOffset>,
    /// The token's label.
    pub token_label: Option<String>,
    /// The token's publisher (slug, German name, English name).
    pub publisher: Option<PublisherName>,
}

/// A publisher as the workspace names it.
#[derive(Clone, Debug)]
pub struct PublisherName {
    /// Id.
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// German name.
    pub name_de: String,
    /// English name.
    pub name_en: Option<String>,
}

impl From<publisher::Model> for PublisherName {
    fn from(p: publisher::Model) -> Self {
        Self {
            id: p.id,
            slug: p.slug,
            name_de: p.name_de,
            name_en: p.name_en,
        }
    }
}

/// A session just opened: the cookie's secret exists only here.
#[derive(Debug)]
pub struct OpenedSession {
    /// The secret to set as the session cookie.
    pub secret: String,
    /// The session.
    pub session: Session,
}

fn random_hex() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

/// Opens a session for the token `token` (already checked), ending at `now + lifetime`.
async fn open(
    db: &impl ConnectionTrait,
    token: api_token::Model,
    lifetime: Duration,
) -> Result<OpenedSession, DbErr> {
    let secret = random_hex();
    let id = Uuid::new_v4();
    let csrf = random_hex();
    let created = now();
    let expires_at = created + lifetime;
    workspace_session::Entity::insert(workspace_session::ActiveModel {
        id: Set(id),
        secret_hash: Set(hash(&secret)),
        token_id: Set(token.id),
        csrf: Set(csrf.clone()),
        created_at: Set(created),
        expires_at: Set(expires_at),
        ended_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    let session = session_of(db, id, csrf, expires_at, token).await?;
    Ok(OpenedSession { secret, session })
}

async fn session_of(
    db: &impl ConnectionTrait,
    id: Uuid,
    csrf: String,
    expires_at: DateTime<FixedOffset>,
    token: api_token::Model,
) -> Result<Session, DbErr> {
    let publisher = match token.publisher_id {
        Some(p) => publisher::Entity::find_by_id(p)
            .one(db)
            .await?
            .map(PublisherName::from),
        None => None,
    };
    Ok(Session {
        id,
        csrf,
        actor: Actor {
            token_id: token.id,
            role: Role::from_db(&token.role),
            publisher_id: token.publisher_id,
            channel: change::Channel::Workspace,
        },
        expires_at,
        token_label: token.label,
        publisher,
    })
}

/// Signs in with a pasted API token: a session acting as that token, or why the token was refused.
pub async fn sign_in(
    db: &impl ConnectionTrait,
    secret: &str,
    lifetime: Duration,
) -> Result<Result<OpenedSession, TokenRefusal>, DbErr> {
    let actor = match auth::authenticate(db, secret.trim()).await? {
        Ok(actor) => actor,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(token) = api_token::Entity::find_by_id(actor.token_id)
        .one(db)
        .await?
    else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    open(db, token, lifetime).await.map(Ok)
}

/// Signs in a person whom the city's identity provider vouched for (OpenID Connect): `subject` is
/// `issuer#sub`, `label` how the token list names them (their e-mail address or name). They act as
/// a token of their own for `publisher` with `role`, created at their first sign-in (recorded in
/// `change_log`) and found again later. `Ok(None)` when that token was revoked: an administrator
/// shut them out, and signing in again must not undo it.
pub async fn sign_in_oidc(
    catalog: &Catalog,
    subject: &str,
    label: &str,
    publisher: Option<&str>,
    role: Role,
    lifetime: Duration,
) -> Result<Option<OpenedSession>, CatalogError> {
    let publisher_id = match publisher {
        Some(slug) => Some(
            super::repo::find_publisher(catalog.db(), slug)
                .await?
                .ok_or_else(|| CatalogError::PublisherNotFound(slug.to_owned()))?
                .id,
        ),
        None => None,
    };
    let (_guard, txn) = catalog.begin_write().await?;
    let mut query = api_token::Entity::find()
        .filter(api_token::Column::OidcSubject.eq(subject))
        .filter(api_token::Column::Role.eq(role.as_str()));
    query = match publisher_id {
        Some(p) => query.filter(api_token::Column::PublisherId.eq(p)),
        None => query.filter(api_token::Column::PublisherId.is_null()),
    };
    let token = match query.one(&txn).await? {
        Some(token) if token.revoked_at.is_some() => return Ok(None),
        Some(token) => token,
        None => {
            let label = check_label(Some(&format!("OIDC: {label}")))?;
            let id = Uuid::new_v4();
            // A secret nobody knows: this token signs in only through the identity provider.
            let token = api_token::Model {
                id,
                publisher_id,
                role: role.as_str().to_owned(),
                token_hash: hash(&random_hex()),
                label,
                created_at: now(),
                last_used_at: None,
                revoked_at: None,
                oidc_subject: Some(subject.to_owned()),
            };
            api_token::Entity::insert(api_token::ActiveModel {
                id: Set(token.id),
                publisher_id: Set(token.publisher_id),
                role: Set(token.role.clone()),
                token_hash: Set(token.token_hash.clone()),
                label: Set(token.label.clone()),
                created_at: Set(token.created_at),
                last_used_at: Set(None),
                revoked_at: Set(None),
                oidc_subject: Set(token.oidc_subject.clone()),
            })
            .exec_without_returning(&txn)
            .await?;
            change::record(&txn, EntityKind::Token, id, Operation::Create, None).await?;
            token
        }
    };
    api_token::Entity::update(api_token::ActiveModel {
        id: Set(token.id),
        last_used_at: Set(Some(now())),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let opened = open(&txn, token, lifetime).await?;
    txn.commit().await?;
    Ok(Some(opened))
}

/// Creates a one-time sign-in link code for token `token_id`, valid for [`LOGIN_LINK_LIFETIME`].
pub async fn create_login_link(
    db: &impl ConnectionTrait,
    token_id: Uuid,
) -> Result<String, CatalogError> {
    let token = api_token::Entity::find_by_id(token_id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::TokenNotFound(token_id.to_string()))?;
    if token.revoked_at.is_some() {
        return Err(CatalogError::invalid("token", "the token has been revoked"));
    }
    let code = random_hex();
    let created = now();
    login_link::Entity::insert(login_link::ActiveModel {
        code_hash: Set(hash(&code)),
        token_id: Set(token_id),
        created_at: Set(created),
        expires_at: Set(created + LOGIN_LINK_LIFETIME),
        used_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(code)
}

/// Signs in with a one-time link's code: `None` when the code is unknown, used, expired, or its
/// token revoked. The code is spent by one conditional update, so two requests cannot both use it.
pub async fn sign_in_with_link(
    db: &impl ConnectionTrait,
    code: &str,
    lifetime: Duration,
) -> Result<Option<OpenedSession>, DbErr> {
    let code = code.trim();
    if code.len() != 64 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let code_hash = hash(&code.to_ascii_lowercase());
    let at = now();
    let spent = login_link::Entity::update_many()
        .col_expr(login_link::Column::UsedAt, Expr::value(at))
        .filter(login_link::Column::CodeHash.eq(code_hash.clone()))
        .filter(login_link::Column::UsedAt.is_null())
        .filter(login_link::Column::ExpiresAt.gt(at))
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Ok(None);
    }
    let Some(link) = login_link::Entity::find_by_id(code_hash).one(db).await? else {
        return Ok(None);
    };
    let Some(token) = api_token::Entity::find_by_id(link.token_id).one(db).await? else {
        return Ok(None);
    };
    if token.revoked_at.is_some() {
        return Ok(None);
    }
    open(db, token, lifetime).await.map(Some)
}

/// The live session whose cookie secret is `secret`: not signed out, not expired, and its token
/// not revoked.
pub async fn current(db: &impl ConnectionTrait, secret: &str) -> Result<Option<Session>, DbErr> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some((session, Some(token))) = workspace_session::Entity::find()
        .filter(workspace_session::Column::SecretHash.eq(hash(secret)))
        .find_also_related(api_token::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.ended_at.is_some() || session.expires_at <= now() || token.revoked_at.is_some() {
        return Ok(None);
    }
    session_of(db, session.id, session.csrf, session.expires_at, token)
        .await
        .map(Some)
}

/// Ends a session (signing out twice is harmless).
pub async fn sign_out(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    workspace_session::Entity::update_many()
        .col_expr(workspace_session::Column::EndedAt, Expr::value(now()))
        .filter(workspace_session::Column::Id.eq(id))
        .filter(workspace_session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A token as the token administration lists it (never its secret or hash).
#[derive(Clone, Debug)]
pub struct TokenRow {
    /// Id.
    pub id: Uuid,
    /// Role.
    pub role: Role,
    /// Publisher.
    pub publisher: Option<PublisherName>,
    /// Label.
    pub label: Option<String>,
    /// Created.
    pub created_at: DateTime<FixedOffset>,
    /// Last used.
    pub last_used_at: Option<DateTime<FixedOffset>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<FixedOffset>>,
}

/// Every token, newest first (admins see all; `publisher` narrows to one publisher's).
pub async fn tokens(
    db: &impl ConnectionTrait,
    publisher_id: Option<Uuid>,
) -> Result<Vec<TokenRow>, DbErr> {
    let mut query = api_token::Entity::find()
        .find_also_related(publisher::Entity)
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_asc(api_token::Column::Id);
    if let Some(p) = publisher_id {
        query = query.filter(api_token::Column::PublisherId.eq(p));
    }
    Ok(query
        .all(db)
        .await?
        .into_iter()
        .map(|(t, p)| TokenRow {
            id: t.id,
            role: Role::from_db(&t.role),
            publisher: p.map(PublisherName::from),
            label: t.label,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Every publisher by German name (for choices in the workspace's forms).
pub async fn publishers(db: &impl ConnectionTrait) -> Result<Vec<PublisherName>, DbErr> {
    Ok(publisher::Entity::find()
        .order_by_asc(publisher::Column::NameDe)
        .all(db)
        .await?
        .into_iter()
        .map(PublisherName::from)
        .collect())
}

fn check_label(label: Option<&str>) -> Result<Option<String>, CatalogError> {
    let Some(label) = label.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    if label.chars().count() > 200 {
        return Err(CatalogError::invalid(
            "label",
            "a label has at most 200 characters",
        ));
    }
    if label.chars().any(char::is_control) {
        return Err(CatalogError::invalid(
            "label",
            "a label must not contain control characters",
        ));
    }
    Ok(Some(label.to_owned()))
}

impl Catalog {
    /// Creates a token as `by` (an administrator, or the operator at the command line), recorded in
    /// `change_log` (kind `token`) with the acting token.
    pub async fn issue_token(
        &self,
        by: &Actor,
        publisher: Option<&str>,
        role: Role,
        label: Option<&str>,
    ) -> Result<IssuedToken, CatalogError> {
        if by.role != Role::Admin {
            return Err(CatalogError::Forbidden(
                "only an administrator token may create tokens".into(),
            ));
        }
        let label = check_label(label)?;
        let (_guard, txn) = self.begin_write().await?;
        let token = auth::create_token(&txn, publisher, role, label.as_deref()).await?;
        change::record(
            &txn,
            EntityKind::Token,
            token.id,
            Operation::Create,
            Some(by),
        )
        .await?;
        txn.commit().await?;
        Ok(token)
    }

    /// Changes a token's label as `by` (an administrator).
    pub async fn relabel_token(
        &self,
        by: &Actor,
        id: Uuid,
        label: Option<&str>,
    ) -> Result<(), CatalogError> {
        if by.role != Role::Admin {
            return Err(CatalogError::Forbidden(
                "only an administrator token may change tokens".into(),
            ));
        }
        let label = check_label(label)?;
        let (_guard, txn) = self.begin_write().await?;
        api_token::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::TokenNotFound(id.to_string()))?;
        api_token::Entity::update(api_token::ActiveModel {
            id: Set(id),
            label: Set(label),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        change::record(&txn, EntityKind::Token, id, Operation::Update, Some(by)).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Revokes a token as `by` (an administrator): it stops working at once, and so do the workspace
    /// sessions opened with it.
    pub async fn revoke_token(&self, by: &Actor, id: Uuid) -> Result<(), CatalogError> {
        if by.role != Role::Admin {
            return Err(CatalogError::Forbidden(
                "only an administrator token may revoke tokens".into(),
            ));
        }
        let (_guard, txn) = self.begin_write().await?;
        auth::revoke_token(&txn, id).await?;
        workspace_session::Entity::update_many()
            .col_expr(workspace_session::Column::EndedAt, Expr::value(now()))
            .filter(workspace_session::Column::TokenId.eq(id))
            .filter(workspace_session::Column::EndedAt.is_null())
            .exec(&txn)
            .await?;
        change::record(&txn, EntityKind::Token, id, Operation::Withdraw, Some(by)).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// What a new dataset's form starts with: the installation's place (the catalogue record's
/// `dct:spatial`) with its geocoding level, and the publisher's mailbox as the contact.
#[derive(Clone, Debug, Default)]
pub struct FormDefaults {
    /// Political geocoding IRI.
    pub spatial: Option<String>,
    /// Its level's IRI.
    pub geocoding_level: Option<String>,
    /// The publisher's e-mail address.
    pub email: Option<String>,
}

/// The [`FormDefaults`] for a dataset of `publisher_id`.
pub async fn form_defaults(
    db: &impl ConnectionTrait,
    publisher_id: Option<Uuid>,
) -> Result<FormDefaults, DbErr> {
    let spatial = entities::catalog::Entity::find()
        .one(db)
        .await?
        .and_then(|c| c.spatial);
    let level = spatial.as_deref().and_then(|s| {
        let kind = s
            .strip_prefix(super::vocab::POLITICAL_GEOCODING)?
            .split('/')
            .next()?;
        let level = match kind {
            "municipalityKey" | "regionalKey" | "municipalityAssociationKey" => "municipality",
            "districtKey" => "administrativeDistrict",
            "stateKey" => "state",
            _ => return None,
        };
        Some(format!("{}{level}", super::vocab::GEOCODING_LEVEL))
    });
    let email = match publisher_id {
        Some(p) => publisher::Entity::find_by_id(p)
            .one(db)
            .await?
            .and_then(|p| p.email),
        None => None,
    };
    Ok(FormDefaults {
        spatial,
        geocoding_level: level,
        email,
    })
}

/// The last change of a dataset: when, through what and with which token's label.
#[derive(Clone, Debug)]
pub struct LastChange {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// `api`, `ckan`, `workspace`, `cli`, `harvest`.
    pub channel: Option<String>,
    /// The acting token's label.
    pub token_label: Option<String>,
}

/// The last `change_log` entry of dataset `id`.
pub async fn last_change(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<LastChange>, DbErr> {
    let Some(row) = super::repo::dataset_changes(id)
        .order_by_desc(entities::change_log::Column::Seq)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let token_label = match row.actor_token_id {
        Some(t) => api_token::Entity::find_by_id(t)
            .one(db)
            .await?
            .and_then(|t| t.label),
        None => None,
    };
    Ok(Some(LastChange {
        at: row.created_at,
        channel: row.channel,
        token_label,
    }))
}

/// One line of "my datasets".
#[derive(Clone, Debug)]
pub struct DatasetRow {
    /// Id.
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// Status.
    pub status: DatasetStatus,
    /// Revision (the form's optimistic lock).
    pub revision: i32,
    /// The record's last change.
    pub updated_at: DateTime<FixedOffset>,
    /// Whether it is harvested (its source is its record).
    pub harvested: bool,
    /// The quality score of the current revision's assessment, when one is stored.
    pub score: Option<i32>,
    /// Publisher id.
    pub publisher_id: Uuid,
}

/// The rows of datasets `ids`, in the order given (ids that do not exist are left out).
pub async fn dataset_rows(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<DatasetRow>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let models = dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let harvested: std::collections::HashSet<Uuid> = harvested_dataset::Entity::find()
        .filter(harvested_dataset::Column::DatasetId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.dataset_id)
        .collect();
    let scores: std::collections::HashMap<Uuid, (i32, i32)> = dataset_quality::Entity::find()
        .filter(dataset_quality::Column::DatasetId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.dataset_id, (q.revision, q.score)))
        .collect();
    let mut by_id: std::collections::HashMap<Uuid, DatasetRow> = models
        .into_iter()
        .map(|m| {
            let score = scores
                .get(&m.id)
                .filter(|(revision, _)| *revision == m.revision)
                .map(|(_, s)| *s);
            (
                m.id,
                DatasetRow {
                    id: m.id,
                    harvested: harvested.contains(&m.id),
                    score,
                    slug: m.slug,
                    title_de: m.title_de,
                    title_en: m.title_en,
                    status: DatasetStatus::from_db(&m.status),
                    revision: m.revision,
                    updated_at: m.updated_at,
                    publisher_id: m.publisher_id,
                },
            )
        })
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            check_label(Some("  Amt 402 ")).unwrap().as_deref(),
            Some("Amt 402")
        );
        assert_eq!(check_label(Some("   ")).unwrap(), None);
        assert!(check_label(Some("a\u{7}b")).is_err());
        assert!(check_label(Some(&"x".repeat(201))).is_err());
    }

    #[test]
    fn secrets_are_64_hex_digits_and_hashed() {
        let s = random_hex();
        assert_eq!(s.len(), 64);
        assert_ne!(s, random_hex());
        assert_ne!(hash(&s), s);
    }
}
