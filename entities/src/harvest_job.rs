//! One run of a harvest source, with its report.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "harvest_job")]
pub struct Model {
    /// Identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The source.
    pub source_id: Uuid,
    /// `running`, `complete`, `incomplete`, `failed` or `interrupted`.
    pub status: String,
    /// Why the run did not read the whole source (an incomplete run withdraws nothing).
    pub stop: Option<String>,
    /// Whether the run may withdraw more than the source's share.
    pub allow_mass_delete: bool,
    /// Started.
    pub started_at: DateTimeWithTimeZone,
    /// Last sign of life of the running job.
    pub heartbeat_at: DateTimeWithTimeZone,
    /// Finished.
    pub finished_at: Option<DateTimeWithTimeZone>,
    /// Pages read.
    pub pages: i32,
    /// Datasets created.
    pub created: i32,
    /// Datasets updated.
    pub updated: i32,
    /// Datasets unchanged.
    pub unchanged: i32,
    /// Datasets withdrawn.
    pub withdrawn: i32,
    /// Datasets that could not be mapped or written.
    pub failed: i32,
    /// Per-dataset errors, the datasets withdrawn, and notes.
    pub report: Json,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The source.
    #[sea_orm(
        belongs_to = "super::harvest_source::Entity",
        from = "Column::SourceId",
        to = "super::harvest_source::Column::Id",
        on_delete = "Cascade"
    )]
    HarvestSource,
}

impl Related<super::harvest_source::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::HarvestSource.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
