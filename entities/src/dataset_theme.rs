//! Index of a dataset's EU data themes, for the `theme` filter.

use sea_orm::entity::prelude::*;

/// One (dataset, theme) pair.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dataset_theme")]
pub struct Model {
    /// The dataset.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset_id: Uuid,
    /// EU data-theme IRI.
    #[sea_orm(primary_key, auto_increment = false)]
    pub theme: String,
}

/// Relations of a theme row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The dataset.
    #[sea_orm(
        belongs_to = "super::dataset::Entity",
        from = "Column::DatasetId",
        to = "super::dataset::Column::Id"
    )]
    Dataset,
}

impl Related<super::dataset::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Dataset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
