//! Metadata of a hosted table: its columns, row count and the typed SQL table holding the rows.

use sea_orm::entity::prelude::*;

/// One hosted table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_table")]
pub struct Model {
    /// Stable identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The distribution it belongs to.
    #[sea_orm(unique)]
    pub distribution_id: Uuid,
    /// Name of the physical SQL table.
    #[sea_orm(unique)]
    pub table_name: String,
    /// Column schema: JSON array of `{name, column, type}`.
    pub columns: Json,
    /// Number of rows.
    pub row_count: i64,
    /// When the table was first loaded.
    pub created_at: DateTimeWithTimeZone,
    /// When the rows last changed.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations of a hosted table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The distribution.
    #[sea_orm(
        belongs_to = "super::distribution::Entity",
        from = "Column::DistributionId",
        to = "super::distribution::Column::Id"
    )]
    Distribution,
}

impl Related<super::distribution::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Distribution.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
