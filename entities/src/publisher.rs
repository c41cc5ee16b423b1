//! A publishing organisation (`foaf:Agent`).

use sea_orm::entity::prelude::*;

/// One publisher row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publisher")]
pub struct Model {
    /// Stable identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// URL slug, unique.
    #[sea_orm(unique)]
    pub slug: String,
    /// German name (`foaf:name@de`).
    pub name_de: String,
    /// English name (`foaf:name@en`).
    pub name_en: Option<String>,
    /// Homepage IRI.
    pub homepage: Option<String>,
    /// Public contact mailbox.
    pub email: Option<String>,
    /// ADMS publisher-type IRI.
    pub type_iri: String,
    /// When the row was created.
    pub created_at: DateTimeWithTimeZone,
    /// When the row last changed.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations of a publisher.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The publisher's datasets.
    #[sea_orm(has_many = "super::dataset::Entity")]
    Dataset,
}

impl Related<super::dataset::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Dataset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
