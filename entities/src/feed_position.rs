//! The position of a change-feed consumer whose state lives in SQL.

use sea_orm::entity::prelude::*;

/// One row per consumer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_position")]
pub struct Model {
    /// The consumer's name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub consumer: String,
    /// The last `change_log` sequence number it reflects.
    pub seq: i64,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
