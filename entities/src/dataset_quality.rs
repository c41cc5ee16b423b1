//! A dataset's last quality assessment (data.europa.eu MQA metrics).

use sea_orm::entity::prelude::*;

/// One row per assessed dataset.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "dataset_quality")]
pub struct Model {
    /// The dataset.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset_id: Uuid,
    /// The dataset revision the assessment was computed on.
    pub revision: i32,
    /// The score (0 to 405).
    pub score: i32,
    /// The per-metric results.
    pub results: Json,
    /// SHA-256 of `results`: an unchanged assessment is not written again.
    pub hash: String,
    /// When it was computed.
    pub computed_at: DateTimeWithTimeZone,
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
