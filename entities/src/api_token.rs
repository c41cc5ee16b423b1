//! A bearer token for writes. Only the SHA-256 hash of the secret is stored.

use sea_orm::entity::prelude::*;

/// One token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    /// Identifier, used to revoke it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The publisher the token may write for; `None` only for admin tokens.
    pub publisher_id: Option<Uuid>,
    /// `editor` or `admin`.
    pub role: String,
    /// Lower-case hex SHA-256 of the secret.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Free-text label.
    pub label: Option<String>,
    /// When it was created.
    pub created_at: DateTimeWithTimeZone,
    /// When it was last used.
    pub last_used_at: Option<DateTimeWithTimeZone>,
    /// When it was revoked.
    pub revoked_at: Option<DateTimeWithTimeZone>,
    /// `issuer#subject` of the person the city's identity provider signed in (OpenID Connect);
    /// such a token has no usable secret.
    pub oidc_subject: Option<String>,
}

/// Relations of a token.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The publisher.
    #[sea_orm(
        belongs_to = "super::publisher::Entity",
        from = "Column::PublisherId",
        to = "super::publisher::Column::Id"
    )]
    Publisher,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::publisher::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publisher.def()
    }
}
