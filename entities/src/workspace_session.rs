//! A browser session of the publisher workspace. Only the SHA-256 of the cookie's secret is stored.

use sea_orm::entity::prelude::*;

/// One session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workspace_session")]
pub struct Model {
    /// Identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-case hex SHA-256 of the cookie's secret.
    #[sea_orm(unique)]
    pub secret_hash: String,
    /// The API token it was opened with; it acts as that token.
    pub token_id: Uuid,
    /// The session's form token (CSRF), sent in every form.
    pub csrf: String,
    /// When it was opened.
    pub created_at: DateTimeWithTimeZone,
    /// When it ends at the latest.
    pub expires_at: DateTimeWithTimeZone,
    /// When it was signed out.
    pub ended_at: Option<DateTimeWithTimeZone>,
}

/// Relations of a session.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The token.
    #[sea_orm(
        belongs_to = "super::api_token::Entity",
        from = "Column::TokenId",
        to = "super::api_token::Column::Id"
    )]
    ApiToken,
}

impl Related<super::api_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiToken.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
