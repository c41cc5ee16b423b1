//! A dataset that came from a harvest source: its identity there and the hash of its last mapped
//! record.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "harvested_dataset")]
pub struct Model {
    /// The dataset.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset_id: Uuid,
    /// The source.
    pub source_id: Uuid,
    /// The dataset's IRI at the source, else its `dct:identifier`, else its CKAN id (unique per
    /// source).
    pub identity: String,
    /// Where it came from: its IRI or its page at the source.
    pub origin: Option<String>,
    /// SHA-256 of the mapped record last written.
    pub hash: String,
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
    /// The source.
    #[sea_orm(
        belongs_to = "super::harvest_source::Entity",
        from = "Column::SourceId",
        to = "super::harvest_source::Column::Id",
        on_delete = "Cascade"
    )]
    HarvestSource,
}

impl Related<super::dataset::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Dataset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
