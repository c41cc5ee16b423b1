//! A dataset (`dcat:Dataset`) with its DCAT-AP.de metadata.

use sea_orm::entity::prelude::*;

/// One dataset row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dataset")]
pub struct Model {
    /// Stable identifier; never changes once published.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// URL slug, unique.
    #[sea_orm(unique)]
    pub slug: String,
    /// The publisher.
    pub publisher_id: Uuid,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// Keywords per language: `{"de": [...], "en": [...]}`.
    pub keywords: Json,
    /// EU data-theme IRIs (JSON array); mirrored in `dataset_theme` for filtering.
    pub themes: Json,
    /// EU language IRIs (JSON array).
    pub languages: Json,
    /// DCAT-AP.de licence IRI.
    pub license: String,
    /// `dcatde:licenseAttributionByText`.
    pub license_attribution: Option<String>,
    /// EU access-right IRI.
    pub access_rights: String,
    /// EU frequency IRI.
    pub accrual_periodicity: Option<String>,
    /// DCAT-AP.de politicalGeocoding IRI.
    pub spatial: Option<String>,
    /// DCAT-AP.de politicalGeocoding level IRI.
    pub geocoding_level: Option<String>,
    /// Start of the temporal coverage.
    pub temporal_start: Option<Date>,
    /// End of the temporal coverage.
    pub temporal_end: Option<Date>,
    /// First publication.
    pub issued: Option<DateTimeWithTimeZone>,
    /// Last change of the dataset or its distributions.
    pub modified: DateTimeWithTimeZone,
    /// Landing page IRI.
    pub landing_page: Option<String>,
    /// Standards the dataset conforms to (JSON array of IRIs).
    pub conforms_to: Json,
    /// Version info.
    pub version: Option<String>,
    /// `dcatde:contributorID` IRI, where the publisher sets one.
    pub contributor_id: Option<String>,
    /// `draft`, `published` or `withdrawn`.
    pub status: String,
    /// Incremented on every write; the ETag derives from it.
    pub revision: i32,
    /// When the dataset was first published; never changes afterwards (catalogue page order).
    pub published_at: Option<DateTimeWithTimeZone>,
    /// When the row was created.
    pub created_at: DateTimeWithTimeZone,
    /// When the row last changed.
    pub updated_at: DateTimeWithTimeZone,
    /// `dct:identifier`, assigned once at creation and kept (NULL only before the first start after
    /// the migration that added it).
    pub identifier: Option<String>,
    /// Lexical form of `issued` as written (`2024-01-01` or with its offset).
    pub issued_text: Option<String>,
    /// When the data last changed, as the publisher states it (lexical form); `modified` is the
    /// record's change time.
    pub data_modified: Option<String>,
    /// `dcatap:availability` IRI.
    pub availability: Option<String>,
}

/// Relations of a dataset.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The publisher.
    #[sea_orm(
        belongs_to = "super::publisher::Entity",
        from = "Column::PublisherId",
        to = "super::publisher::Column::Id"
    )]
    Publisher,
    /// The distributions.
    #[sea_orm(has_many = "super::distribution::Entity")]
    Distribution,
    /// The theme index rows.
    #[sea_orm(has_many = "super::dataset_theme::Entity")]
    DatasetTheme,
    /// The contact point.
    #[sea_orm(has_one = "super::contact_point::Entity")]
    ContactPoint,
}

impl Related<super::publisher::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publisher.def()
    }
}

impl Related<super::distribution::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Distribution.def()
    }
}

impl Related<super::dataset_theme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DatasetTheme.def()
    }
}

impl Related<super::contact_point::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ContactPoint.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
