//! A one-time sign-in link of the workspace (`odcat token create --login`). Only the SHA-256 of the
//! code is stored.

use sea_orm::entity::prelude::*;

/// One link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_link")]
pub struct Model {
    /// Lower-case hex SHA-256 of the code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    /// The token it signs in with.
    pub token_id: Uuid,
    /// When it was created.
    pub created_at: DateTimeWithTimeZone,
    /// Until when it works.
    pub expires_at: DateTimeWithTimeZone,
    /// When it was used (it works once).
    pub used_at: Option<DateTimeWithTimeZone>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
