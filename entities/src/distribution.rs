//! A distribution (`dcat:Distribution`): a hosted table or an external link.

use sea_orm::entity::prelude::*;

/// One distribution row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "distribution")]
pub struct Model {
    /// Stable identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The dataset.
    pub dataset_id: Uuid,
    /// Order within the dataset.
    pub position: i32,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: Option<String>,
    /// English description.
    pub description_en: Option<String>,
    /// EU file-type IRI.
    pub format: String,
    /// IANA media-type IRI.
    pub media_type: Option<String>,
    /// `dcat:accessURL`.
    pub access_url: String,
    /// `dcat:downloadURL`.
    pub download_url: Option<String>,
    /// `dcat:byteSize`.
    pub byte_size: Option<i64>,
    /// `spdx:algorithm` local name, e.g. `sha256`.
    pub checksum_algorithm: Option<String>,
    /// `spdx:checksumValue` (lower-case hex).
    pub checksum_value: Option<String>,
    /// DCAT-AP.de licence IRI.
    pub license: Option<String>,
    /// First publication.
    pub issued: Option<DateTimeWithTimeZone>,
    /// Last change.
    pub modified: DateTimeWithTimeZone,
    /// `hosted_table` or `external_link`.
    pub kind: String,
    /// `active` or `withdrawn`.
    pub status: String,
    /// The Frictionless Table Schema declared for a hosted table (`{"fields": [{"name", "type"}]}`);
    /// uploads are read with it instead of inferring types.
    pub table_schema: Option<Json>,
    /// When the row was created.
    pub created_at: DateTimeWithTimeZone,
    /// When the row last changed.
    pub updated_at: DateTimeWithTimeZone,
    /// Lexical form of `issued` as written (`2024-01-01` or with its offset).
    pub issued_text: Option<String>,
    /// `dcatap:availability` IRI.
    pub availability: Option<String>,
    /// `dct:rights`: the rights statement, in German.
    pub rights_de: Option<String>,
    /// `dct:rights` in English.
    pub rights_en: Option<String>,
}

/// Relations of a distribution.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The dataset.
    #[sea_orm(
        belongs_to = "super::dataset::Entity",
        from = "Column::DatasetId",
        to = "super::dataset::Column::Id"
    )]
    Dataset,
    /// The hosted table, for `hosted_table` distributions.
    #[sea_orm(has_one = "super::data_table::Entity")]
    DataTable,
}

impl Related<super::dataset::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Dataset.def()
    }
}

impl Related<super::data_table::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DataTable.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
