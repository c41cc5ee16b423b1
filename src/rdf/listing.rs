//! The catalogue's listings: which datasets a `/catalog` page holds. Pages are ranges of stable slots,
//! never offsets, so a crawl stays exact while the catalogue changes: the full listing pages over
//! `dataset.listing_position` (drawn once, at first publication), a `modified_since` listing over the
//! `change_log` number of each dataset's last write. Also the facts every page states (totals, last
//! slot, the last change of the catalogue's contents), remembered per position of the record, and
//! the epoch of the publication settings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, FixedOffset, Utc};
use entities::{change_log, dataset, publisher};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::projector::max_seq;
use crate::catalog::repo;
use crate::catalog::values::DatasetStatus;

/// What a listing holds, for the Hydra description of its pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ListingFacts {
    /// The number of entries (published datasets, plus withdrawn ones in a `modified_since` listing).
    pub(crate) total: u64,
    /// The last slot in use (0: none).
    last_slot: i64,
}

/// Which slots a listing pages over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Every published dataset, by listing position (slots from 1).
    All,
    /// Every dataset that is or was public and changed at or after the `change_log` entry `from`,
    /// by the number of its last change (slots from `from`).
    Since { from: i64 },
}

impl Listing {
    pub(crate) fn first_slot(self) -> i64 {
        match self {
            Self::All => 1,
            Self::Since { from } => from,
        }
    }

    pub(crate) fn last_page(self, facts: ListingFacts, per_page: u64) -> u64 {
        let used = facts.last_slot - self.first_slot() + 1;
        u64::try_from(used)
            .unwrap_or(0)
            .div_ceil(per_page.max(1))
            .max(1)
    }
}

/// Facts of the catalogue's listings (totals and last slots, the last change of its contents),
/// remembered for one position of the record: counting 100k rows costs a few milliseconds, reading
/// the record's position a fraction of one. Any write moves the position (it adds a `change_log`
/// entry in its own transaction), which drops everything remembered.
#[derive(Clone, Debug, Default)]
pub struct ListingTotals {
    inner: Arc<Mutex<TotalsAt>>,
}

#[derive(Debug, Default)]
struct TotalsAt {
    seq: i64,
    listings: HashMap<Option<i64>, ListingFacts>,
    starts: HashMap<DateTime<Utc>, i64>,
    contents_modified: Option<Option<DateTime<FixedOffset>>>,
}

impl ListingTotals {
    /// Listings remembered at most (`modified_since` values vary per harvester).
    const CAPACITY: usize = 1024;

    /// Runs `f` on what is remembered for `seq` (dropping what belongs to an older position).
    fn at<T>(&self, seq: i64, f: impl FnOnce(&mut TotalsAt) -> T) -> Option<T> {
        let mut at = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if seq > at.seq {
            *at = TotalsAt {
                seq,
                ..TotalsAt::default()
            };
        }
        (seq == at.seq).then(|| f(&mut at))
    }

    pub(crate) async fn facts(
        &self,
        db: &DatabaseConnection,
        listing: Listing,
    ) -> anyhow::Result<ListingFacts> {
        // The position is read before counting: a write that lands in between makes the count
        // newer than the position it is remembered for, and the next request sees a new position.
        let seq = max_seq(db).await?;
        let key = match listing {
            Listing::All => None,
            Listing::Since { from } => Some(from),
        };
        if let Some(Some(facts)) = self.at(seq, |at| at.listings.get(&key).copied()) {
            return Ok(facts);
        }
        let facts = listing_facts(db, listing).await?;
        self.at(seq, |at| {
            if at.listings.len() >= Self::CAPACITY {
                at.listings.clear();
            }
            at.listings.insert(key, facts);
        });
        Ok(facts)
    }

    /// The first `change_log` entry of a `modified_since` listing (see [`first_change_since`]).
    pub(crate) async fn start(
        &self,
        db: &DatabaseConnection,
        since: DateTime<Utc>,
    ) -> anyhow::Result<i64> {
        let seq = max_seq(db).await?;
        if let Some(Some(from)) = self.at(seq, |at| at.starts.get(&since).copied()) {
            return Ok(from);
        }
        let from = first_change_since(db, since).await?;
        self.at(seq, |at| {
            if at.starts.len() >= Self::CAPACITY {
                at.starts.clear();
            }
            at.starts.insert(since, from);
        });
        Ok(from)
    }

    /// The last change of the catalogue's contents: the catalogue record, its publishers, and every
    /// dataset that is or was public (a withdrawal is a change).
    pub async fn contents_modified(
        &self,
        db: &DatabaseConnection,
    ) -> anyhow::Result<Option<DateTime<FixedOffset>>> {
        let seq = max_seq(db).await?;
        if let Some(Some(known)) = self.at(seq, |at| at.contents_modified) {
            return Ok(known);
        }
        let modified = contents_modified(db).await?;
        self.at(seq, |at| at.contents_modified = Some(modified));
        Ok(modified)
    }
}

/// The last change of the catalogue's contents, read from SQL (see
/// [`ListingTotals::contents_modified`]).
pub async fn contents_modified(
    db: &DatabaseConnection,
) -> Result<Option<DateTime<FixedOffset>>, sea_orm::DbErr> {
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

fn published() -> sea_orm::Select<dataset::Entity> {
    dataset::Entity::find().filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
}

/// The entries of a listing: published datasets by listing position, or (`modified_since`) the
/// datasets that are or were public by the number of their last change.
fn listed(listing: Listing) -> sea_orm::Select<dataset::Entity> {
    match listing {
        Listing::All => published().filter(sea_orm::sea_query::ExprTrait::is_not_null(
            repo::listing_position(),
        )),
        Listing::Since { from } => dataset::Entity::find()
            .filter(repo::was_public_condition())
            .filter(sea_orm::sea_query::ExprTrait::gte(repo::change_seq(), from)),
    }
}

fn slot_of(listing: Listing) -> sea_orm::sea_query::Expr {
    match listing {
        Listing::All => repo::listing_position(),
        Listing::Since { .. } => repo::change_seq(),
    }
}

async fn listing_facts(db: &DatabaseConnection, listing: Listing) -> anyhow::Result<ListingFacts> {
    let (total, last) = tokio::try_join!(
        listed(listing).count(db),
        listed(listing)
            .select_only()
            .expr_as(sea_orm::sea_query::ExprTrait::max(slot_of(listing)), "last")
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
async fn first_change_since(db: &DatabaseConnection, since: DateTime<Utc>) -> anyhow::Result<i64> {
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
        None => Ok(max_seq(db).await? + 1),
    }
}

/// Since when the settings that shape the published documents (base URL, contributor id, page
/// size, row cap, mapping and software version) hold. The documents' `Last-Modified` is never
/// earlier, so a client that cached a document under other settings does not get a stale 304 for
/// `If-Modified-Since` (the strong ETag, a digest of the body, already differs).
#[derive(Clone, Copy, Debug)]
pub struct PublicationEpoch(pub DateTime<FixedOffset>);

impl PublicationEpoch {
    /// Reads the epoch of `fingerprint` from the record, starting a new one (now) when the stored
    /// fingerprint differs. (HTTP dates have whole seconds: within the second of a change only the
    /// ETag tells the bodies apart, as for any change.)
    pub async fn load(db: &DatabaseConnection, fingerprint: &str) -> anyhow::Result<Self> {
        use sea_orm::ConnectionTrait;
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        let table = Alias::new("publication_settings");
        let this_row = || ExprTrait::eq(Expr::col(Alias::new("id")), 1);
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
                return Ok(Self(row.try_get("", "changed_at")?));
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
                    .values([1.into(), fingerprint.into(), changed_at.into()])?,
            )
            .await?;
        }
        Ok(Self(changed_at))
    }
}
