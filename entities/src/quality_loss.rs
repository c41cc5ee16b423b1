//! Points a dataset lost on one quality metric (rows only where points were lost).

use sea_orm::entity::prelude::*;

/// One (dataset, metric) pair.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "quality_loss")]
pub struct Model {
    /// The dataset.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset_id: Uuid,
    /// The metric's name (`keywordAvailability`, ...).
    #[sea_orm(primary_key, auto_increment = false)]
    pub metric: String,
    /// Points lost.
    pub lost: f64,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The dataset.
    #[sea_orm(
        belongs_to = "super::dataset::Entity",
        from = "Column::DatasetId",
        to = "super::dataset::Column::Id",
        on_delete = "Cascade"
    )]
    Dataset,
}

impl Related<super::dataset::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Dataset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
