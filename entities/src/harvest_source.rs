//! A remote catalogue harvested into odcat.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "harvest_source")]
pub struct Model {
    /// Identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `dcat`, `ckan` or `dkan`.
    pub kind: String,
    /// The URL harvested from.
    pub url: String,
    /// The publisher its datasets are published under.
    pub publisher_id: Uuid,
    /// A name for people.
    pub title: Option<String>,
    /// A CKAN `fq` restricting what is harvested.
    pub fq: Option<String>,
    /// Whether private and loopback addresses may be fetched (an admin's choice).
    pub allow_private: bool,
    /// Minutes between scheduled runs (`None`: the server's default, if any).
    pub interval_minutes: Option<i32>,
    /// The largest share (percent) of the source's datasets one run withdraws without
    /// `allow_mass_delete`.
    pub max_withdraw_percent: i32,
    /// The running job's lease.
    pub lock_until: Option<DateTimeWithTimeZone>,
    /// Created.
    pub created_at: DateTimeWithTimeZone,
    /// Last changed.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The publisher.
    #[sea_orm(
        belongs_to = "super::publisher::Entity",
        from = "Column::PublisherId",
        to = "super::publisher::Column::Id"
    )]
    Publisher,
}

impl Related<super::publisher::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publisher.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
