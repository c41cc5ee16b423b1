//! The one catalogue (`dcat:Catalog`) this instance publishes; its row has id 1.

use sea_orm::entity::prelude::*;

/// The catalogue row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// Homepage IRI.
    pub homepage: Option<String>,
    /// The publishing organisation.
    pub publisher_id: Uuid,
    /// EU language IRIs as a JSON array.
    pub languages: Json,
    /// Spatial coverage IRI.
    pub spatial: Option<String>,
    /// Licence IRI of the catalogue metadata.
    pub license: Option<String>,
    /// First publication.
    pub issued: DateTimeWithTimeZone,
    /// Last change.
    pub modified: DateTimeWithTimeZone,
}

/// Relations of the catalogue.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The catalogue's publisher.
    #[sea_orm(
        belongs_to = "super::publisher::Entity",
        from = "Column::PublisherId",
        to = "super::publisher::Column::Id"
    )]
    Publisher,
}

impl ActiveModelBehavior for ActiveModel {}
