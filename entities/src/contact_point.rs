//! A dataset's contact point (`vcard:Kind`). Its e-mail is personal data: never log it.

use sea_orm::entity::prelude::*;

/// One contact point, at most one per dataset.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_point")]
pub struct Model {
    /// Stable identifier (minted IRI in RDF).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The dataset.
    #[sea_orm(unique)]
    pub dataset_id: Uuid,
    /// `vcard:fn`.
    pub name: String,
    /// `vcard:hasEmail`.
    pub email: Option<String>,
    /// `vcard:hasURL`.
    pub url: Option<String>,
    /// `vcard:hasTelephone`.
    pub telephone: Option<String>,
}

/// Relations of a contact point.
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
