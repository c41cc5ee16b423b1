//! The catalogue's listings: which datasets a `/catalog` page holds. Pages are ranges of stable slots,
//! never offsets, so a crawl stays exact while the catalogue changes: the full listing pages over
//! `dataset.listing_position` (drawn once, at first publication), a `modified_since` listing over the
//! `change_log` number of each dataset's last write (the SQL is the catalogue's, in
//! [`crate::catalog::repo::listing`]). Also the facts every page states (totals, last slot, the last
//! change of the catalogue's contents), remembered per position of the change feed, and the epoch
//! of the publication settings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, FixedOffset, Utc};
use uuid::Uuid;

use crate::catalog::record::{CatalogRecord, PublisherRecord};
pub(crate) use crate::catalog::repo::listing::{Listing, ListingFacts};
use crate::catalog::{Db, repo};

/// Page size of `/catalog`, from `ODCAT_CATALOG_PAGE_SIZE` (shared by the DCAT-AP endpoints and the
/// portal's URLs that answer the catalogue for an RDF `Accept`).
#[derive(Clone, Copy, Debug)]
pub struct CatalogPageSize(pub u64);

/// Facts of the catalogue's listings (totals and last slots, the last change of its contents),
/// remembered for one position of the change feed: counting 100k rows costs a few milliseconds,
/// reading the record's position a fraction of one. The feed moves the position (the RDF
/// projector's consumer calls [`advance`](Self::advance) with every batch it applies), which drops
/// everything remembered. A request that finds the record ahead of the feed (a write committed
/// and not handed over yet) counts from SQL without remembering, so every page states the totals
/// of the record it lists.
#[derive(Clone, Debug, Default)]
pub struct ListingTotals {
    inner: Arc<Mutex<TotalsAt>>,
}

#[derive(Debug, Default)]
struct TotalsAt {
    seq: i64,
    listings: HashMap<Listing, ListingFacts>,
    starts: HashMap<DateTime<Utc>, i64>,
    contents_modified: Option<Option<DateTime<FixedOffset>>>,
    catalog: Option<Option<CatalogRecord>>,
    publishers: HashMap<Uuid, PublisherRecord>,
}

impl ListingTotals {
    /// Listings remembered at most (`modified_since` values vary per harvester).
    const CAPACITY: usize = 1024;

    /// The feed position the remembered facts belong to.
    pub fn position(&self) -> i64 {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .seq
    }

    /// The feed has handed over every entry up to `seq`: forgets what belongs to an older position.
    pub fn advance(&self, seq: i64) {
        let mut at = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if seq != at.seq {
            *at = TotalsAt {
                seq,
                ..TotalsAt::default()
            };
        }
    }

    /// Runs `f` on what is remembered when the record is at the feed's position `seq`.
    fn at<T>(&self, seq: i64, f: impl FnOnce(&mut TotalsAt) -> T) -> Option<T> {
        let mut at = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (seq == at.seq).then(|| f(&mut at))
    }

    /// The record's position, read before anything a page states is counted or read: a write that
    /// lands in between makes what is read newer than the position, and the feed's next batch drops
    /// it. A page reads it once and passes it to the methods below.
    pub async fn record_position(db: &Db) -> anyhow::Result<i64> {
        Ok(repo::max_seq(db).await?)
    }

    /// The facts of `listing`, with the record at `seq` ([`Self::record_position`]).
    pub(crate) async fn facts(
        &self,
        db: &Db,
        seq: i64,
        listing: Listing,
    ) -> anyhow::Result<ListingFacts> {
        if let Some(Some(facts)) = self.at(seq, |at| at.listings.get(&listing).copied()) {
            return Ok(facts);
        }
        let facts = repo::listing::listing_facts(db, listing).await?;
        self.at(seq, |at| {
            if at.listings.len() >= Self::CAPACITY {
                at.listings.clear();
            }
            at.listings.insert(listing, facts);
        });
        Ok(facts)
    }

    /// The first `change_log` entry of a `modified_since` listing (see
    /// [`repo::listing::first_change_since`]).
    pub(crate) async fn start(
        &self,
        db: &Db,
        seq: i64,
        since: DateTime<Utc>,
    ) -> anyhow::Result<i64> {
        if let Some(Some(from)) = self.at(seq, |at| at.starts.get(&since).copied()) {
            return Ok(from);
        }
        let from = repo::listing::first_change_since(db, since).await?;
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
        db: &Db,
        seq: i64,
    ) -> anyhow::Result<Option<DateTime<FixedOffset>>> {
        if let Some(Some(known)) = self.at(seq, |at| at.contents_modified) {
            return Ok(known);
        }
        let modified = contents_modified(db).await?;
        self.at(seq, |at| at.contents_modified = Some(modified));
        Ok(modified)
    }

    /// The catalogue record (absent before it is created), with the record at `seq`.
    pub async fn catalog_record(&self, db: &Db, seq: i64) -> anyhow::Result<Option<CatalogRecord>> {
        if let Some(Some(known)) = self.at(seq, |at| at.catalog.clone()) {
            return Ok(known);
        }
        let record = repo::publishing::catalog_record(db).await?;
        self.at(seq, |at| at.catalog = Some(record.clone()));
        Ok(record)
    }

    /// The publishers `ids` (unknown ones left out) in slug order, with the record at `seq`.
    pub async fn publishers(
        &self,
        db: &Db,
        seq: i64,
        ids: Vec<Uuid>,
    ) -> anyhow::Result<Vec<PublisherRecord>> {
        let known = self
            .at(seq, |at| {
                ids.iter()
                    .map(|id| at.publishers.get(id).cloned())
                    .collect::<Option<Vec<_>>>()
            })
            .flatten();
        if let Some(mut known) = known {
            // The order the query gives (the page's quads follow it).
            known.sort_by(|a, b| a.slug.cmp(&b.slug));
            known.dedup_by_key(|p| p.id);
            return Ok(known);
        }
        let read = repo::publishing::publishers_by_id(db, ids).await?;
        self.at(seq, |at| {
            if at.publishers.len() >= Self::CAPACITY {
                at.publishers.clear();
            }
            for p in &read {
                at.publishers.insert(p.id, p.clone());
            }
        });
        Ok(read)
    }
}

/// The last change of the catalogue's contents, read from SQL (see
/// [`ListingTotals::contents_modified`]).
pub async fn contents_modified(db: &Db) -> anyhow::Result<Option<DateTime<FixedOffset>>> {
    Ok(repo::listing::contents_modified(db).await?)
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
    pub async fn load(db: &Db, fingerprint: &str) -> anyhow::Result<Self> {
        Ok(Self(
            repo::listing::publication_epoch(db, fingerprint).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_position_drops_what_is_remembered() {
        let totals = ListingTotals::default();
        totals.advance(5);
        let facts = ListingFacts {
            total: 3,
            last_slot: 3,
        };
        totals.at(5, |at| at.listings.insert(Listing::All, facts));
        // A request that finds the record ahead of the feed does not see (or fill) the memory.
        assert_eq!(totals.at(6, |at| at.listings.len()), None);
        assert_eq!(
            totals.at(5, |at| at.listings.get(&Listing::All).copied()),
            Some(Some(facts))
        );
        totals.advance(6);
        assert_eq!(totals.position(), 6);
        assert_eq!(totals.at(6, |at| at.listings.len()), Some(0));
    }

    #[tokio::test]
    async fn publishers_and_the_catalogue_record_are_remembered_per_position() -> anyhow::Result<()>
    {
        let db = crate::db::connect_memory().await?;
        let catalog = crate::catalog::Catalog::new(db, "http://example.org");
        crate::catalog::fixtures::load(&catalog).await?;
        let db = catalog.db();
        let seq = ListingTotals::record_position(db).await?;
        let totals = ListingTotals::default();
        totals.advance(seq);
        let all = repo::publishing::all_publishers(db).await?;
        assert!(all.len() >= 2);
        // Asked in reverse, answered in slug order, from SQL and then from memory alike.
        let ids: Vec<Uuid> = all.iter().rev().map(|p| p.id).collect();
        let first = totals.publishers(db, seq, ids.clone()).await?;
        assert_eq!(first, all);
        assert_eq!(totals.at(seq, |at| at.publishers.len()), Some(all.len()));
        assert_eq!(totals.publishers(db, seq, ids.clone()).await?, all);
        let record = totals.catalog_record(db, seq).await?;
        assert!(record.is_some());
        assert_eq!(totals.catalog_record(db, seq).await?, record);
        // Another position: read from SQL, not remembered; the feed's next position forgets.
        assert_eq!(totals.publishers(db, seq + 1, ids).await?, all);
        totals.advance(seq + 1);
        assert_eq!(totals.at(seq + 1, |at| at.publishers.len()), Some(0));
        assert_eq!(totals.at(seq + 1, |at| at.catalog.is_none()), Some(true));
        Ok(())
    }
}
