//! The SQL of the catalogue's listings (which datasets a `/catalog` page holds, the facts every page
//! states) and of the publication settings' epoch. The listings' rules live in
//! [`crate::rdf::listing`], which remembers these facts per position of the change feed.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use entities::{change_log, dataset, publisher};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::catalog::record::ListedDataset;
use crate::catalog::values::DatasetStatus;

/// What a listing holds, for the Hydra description of its pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListingFacts {
    /// The number of entries (published datasets, plus withdrawn ones in a `modified_since` listing).
    pub total: u64,
    /// The last slot in use (0: none).
    pub last_slot: i64,
}

/// Which slots a listing pages over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listing {
    /// Every published dataset, by listing position (slots from 1).
    All,
    /// Every dataset that is or was public and changed at or after the `change_log` entry `from`,
    /// by the number of its last change (slots from `from`).
    Since {
        /// The first `change_log` entry of the listing.
        from: i64,
    },
}

impl Listing {
    /// The listing's first slot.
    pub fn first_slot(self) -> i64 {
        match self {
            Self::All => 1,
            Self::Since { from } => from,
        }
    }

    /// The number of the last page of `per_page` slots (at least 1).
    pub fn last_page(self, facts: ListingFacts, per_page: u64) -> u64 {
        let used = facts.last_slot - self.first_slot() + 1;
        Ord::max(
            u64::try_from(used)
                .unwrap_or(0)
                .div_ceil(Ord::max(per_page, 1)),
            1,
        )
    }
}

fn published() -> sea_orm::Select<dataset::Entity> {
    dataset::Entity::find().filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
}

/// The entries of a listing: published datasets by listing position, or (`modified_since`) the
/// datasets that are or were public by the number of their last change.
fn listed(listing: Listing) -> sea_orm::Select<dataset::Entity> {
    match listing {
        Listing::All => published().filter(super::listing_position().is_not_null()),
        Listing::Since { from } => dataset::Entity::find()
            .filter(super::was_public_condition())
            .filter(super::change_seq().gte(from)),
    }
}

fn slot_of(listing: Listing) -> Expr {
    match listing {
        Listing::All => super::listing_position(),
        Listing::Since { .. } => super::change_seq(),
    }
}

/// Counts a listing's entries and finds its last slot.
pub async fn listing_facts(
    db: &impl ConnectionTrait,
    listing: Listing,
) -> Result<ListingFacts, DbErr> {
    let (total, last) = tokio::try_join!(
        listed(listing).count(db),
        listed(listing)
            .select_only()
            .expr_as(slot_of(listing).max(), "last")
            .into_tuple::<Option<i64>>()
            .one(db),
    )?;
    Ok(ListingFacts {
        total,
        last_slot: last.flatten().unwrap_or(0),
    })
}

/// The first `change_log` entry at or after `since` (one past the last when there is none): the
/// start of a `modified_since` listing. The log only grows, so this stays put during a crawl.
pub async fn first_change_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let first = change_log::Entity::find()
        .select_only()
        .column_as(change_log::Column::Seq.min(), "seq")
        .filter(change_log::Column::CreatedAt.gte(since.fixed_offset()))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    match first {
        Some(first) => Ok(first),
        None => Ok(super::max_seq(db).await? + 1),
    }
}

/// The last change of the catalogue's contents, read from SQL: the catalogue record, its
/// publishers, and every dataset that is or was public (a withdrawal is a change).
pub async fn contents_modified(
    db: &impl ConnectionTrait,
) -> Result<Option<DateTime<FixedOffset>>, DbErr> {
    let (catalog, publishers, datasets) = tokio::try_join!(
        entities::catalog::Entity::find()
            .select_only()
            .column_as(entities::catalog::Column::Modified.max(), "m")
            .into_tuple::<Option<DateTime<FixedOffset>>>()
            .one(db),
        publisher::Entity::find()
            .select_only()
            .column_as(publisher::Column::UpdatedAt.max(), "m")
            .into_tuple::<Option<DateTime<FixedOffset>>>()
            .one(db),
        dataset::Entity::find()
            .select_only()
            .column_as(dataset::Column::UpdatedAt.max(), "m")
            .filter(dataset::Column::PublishedAt.is_not_null())
            .into_tuple::<Option<DateTime<FixedOffset>>>()
            .one(db),
    )?;
    Ok([catalog, publishers, datasets]
        .into_iter()
        .flatten()
        .flatten()
        .max())
}

/// The datasets whose slot lies in `lo..hi`, in listing order. The page's ids are found first (the
/// index on the slot covers the range), then their rows are read by id.
pub async fn page_items(
    db: &impl ConnectionTrait,
    listing: Listing,
    (lo, hi): (i64, i64),
) -> Result<Vec<ListedDataset>, DbErr> {
    let ids: Vec<Uuid> = listed(listing)
        .filter(slot_of(listing).gte(lo))
        .filter(slot_of(listing).lt(hi))
        .select_only()
        .column(dataset::Column::Id)
        .order_by(slot_of(listing), sea_orm::Order::Asc)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: HashMap<Uuid, dataset::Model> = dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    // A dataset deleted between the two reads is left out.
    Ok(ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(ListedDataset::from)
        .collect())
}

/// Since when the publication settings identified by `fingerprint` hold: the stored time when the
/// stored fingerprint is the same, else now (stored with the new fingerprint).
pub async fn publication_epoch(
    db: &impl ConnectionTrait,
    fingerprint: &str,
) -> Result<DateTime<FixedOffset>, DbErr> {
    let table = Alias::new("publication_settings");
    let this_row = || Expr::col(Alias::new("id")).eq(1);
    let row = db
        .query_one(
            Query::select()
                .columns([Alias::new("fingerprint"), Alias::new("changed_at")])
                .from(table.clone())
                .and_where(this_row()),
        )
        .await?;
    if let Some(row) = &row {
        let stored: String = row.try_get("", "fingerprint")?;
        if stored == fingerprint {
            return row.try_get("", "changed_at");
        }
    }
    let changed_at = Utc::now().fixed_offset();
    if row.is_some() {
        db.execute(
            Query::update()
                .table(table)
                .values([
                    (Alias::new("fingerprint"), fingerprint.into()),
                    (Alias::new("changed_at"), changed_at.into()),
                ])
                .and_where(this_row()),
        )
        .await?;
    } else {
        db.execute(
            Query::insert()
                .into_table(table)
                .columns([
                    Alias::new("id"),
                    Alias::new("fingerprint"),
                    Alias::new("changed_at"),
                ])
                .values([1.into(), fingerprint.into(), changed_at.into()])
                .map_err(|e| DbErr::Custom(e.to_string()))?,
        )
        .await?;
    }
    Ok(changed_at)
}
