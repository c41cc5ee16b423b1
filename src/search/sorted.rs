//! Each segment's documents in a numeric order, kept beside the index: a list without words in a
//! date order (the JSON list, the portal's newest datasets) reads its page from these instead of
//! ranking the matching documents, at any depth (a cursor is found by binary search).
//!
//! Segments never change once written (a deletion only marks a document), so an order is built once
//! per segment and kept while the segment is live: the default list's order by the reader's warmer
//! before a new searcher is used, any other the first time it is asked for. A segment's order holds
//! 4 bytes per document, deleted ones included (they are skipped when read).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::{BitSet, DocAddress, DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};

use super::collect::{Fruit, Key, Order};

/// The order the reader's warmer builds for every new segment: the JSON list's default (newest
/// first).
pub const WARMED: (&str, bool) = ("modified", true);

/// A segment's document ids in the order (sort key, id's high half, id's low half): the
/// collector's order for [`Order::Number`].
type SortedDocs = Arc<[DocId]>;

/// The orders of the live segments, by segment, field and direction.
#[derive(Default)]
pub struct SortedOrders {
    orders: Mutex<HashMap<(SegmentId, &'static str, bool), SortedDocs>>,
}

/// The sort key of `doc`: the collector's segment key for a numeric order.
struct Keys {
    number: tantivy::columnar::Column<u64>,
    hi: tantivy::columnar::Column<u64>,
    lo: tantivy::columnar::Column<u64>,
    desc: bool,
}

impl Keys {
    fn open(segment: &SegmentReader, field: &str, desc: bool) -> tantivy::Result<Self> {
        let fast = segment.fast_fields();
        Ok(Self {
            number: fast.u64(field)?,
            hi: fast.u64("id_hi")?,
            lo: fast.u64("id_lo")?,
            desc,
        })
    }

    fn of(&self, doc: DocId) -> (u64, u64, u64) {
        let v = self.number.first(doc).unwrap_or(0);
        (
            if self.desc { !v } else { v },
            self.hi.first(doc).unwrap_or(0),
            self.lo.first(doc).unwrap_or(0),
        )
    }
}

impl SortedOrders {
    /// `segment`'s documents in the order of `field` (`desc`: largest first), then the id; built
    /// and kept on first use.
    fn sorted(
        &self,
        segment: &SegmentReader,
        field: &'static str,
        desc: bool,
    ) -> tantivy::Result<SortedDocs> {
        let key = (segment.segment_id(), field, desc);
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let keys = Keys::open(segment, field, desc)?;
        let mut all: Vec<((u64, u64, u64), DocId)> = (0..segment.max_doc())
            .map(|doc| (keys.of(doc), doc))
            .collect();
        all.sort_unstable();
        let docs: SortedDocs = all.into_iter().map(|(_, doc)| doc).collect();
        self.lock().insert(key, docs.clone());
        Ok(docs)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(SegmentId, &'static str, bool), SortedDocs>> {
        // A panic while the map was held leaves it whole (inserts and removals only).
        self.orders.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first `k` documents in `order` after `after`, of those every segment's `members` admits
    /// (`None`: every live document), with `total` as the fruit's total. `None` when `order` is not
    /// numeric.
    pub fn page(
        &self,
        searcher: &Searcher,
        order: Order,
        after: Option<&Key>,
        k: usize,
        members: Option<&[BitSet]>,
        total: u64,
    ) -> tantivy::Result<Option<Fruit>> {
        let Order::Number { field, desc } = order else {
            return Ok(None);
        };
        let mut top: Vec<(Key, DocAddress)> = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let docs = self.sorted(segment, field, desc)?;
            let keys = Keys::open(segment, field, desc)?;
            // Where the order continues: after the cursor's key (numeric orders have no second
            // key), else at the start.
            let start = match after {
                Some(a) => {
                    let bound = (a.number, a.hi, a.lo);
                    docs.partition_point(|doc| keys.of(*doc) <= bound)
                }
                None => 0,
            };
            let alive = segment.alive_bitset();
            let member = members.and_then(|m| m.get(ord));
            let mut taken = 0;
            for doc in &docs[start..] {
                if taken == k {
                    break;
                }
                if alive.is_some_and(|a| a.is_deleted(*doc))
                    || member.is_some_and(|m| !m.contains(*doc))
                {
                    continue;
                }
                let (number, hi, lo) = keys.of(*doc);
                top.push((
                    Key {
                        number,
                        text: None,
                        text_desc: false,
                        second: 0,
                        hi,
                        lo,
                    },
                    DocAddress::new(ord as u32, *doc),
                ));
                taken += 1;
            }
        }
        top.sort_by(|a, b| a.0.cmp(&b.0));
        top.truncate(k);
        Ok(Some(Fruit {
            total,
            top,
            counts: Vec::new(),
        }))
    }

    /// Forgets the orders of segments no live searcher holds.
    fn keep_only(&self, live: &std::collections::HashSet<SegmentId>) {
        self.lock()
            .retain(|(segment, _, _), _| live.contains(segment));
    }

    /// Whether `segment`'s order by `field` is kept (tests).
    #[cfg(test)]
    pub fn is_kept(&self, segment: SegmentId, field: &'static str, desc: bool) -> bool {
        self.lock().contains_key(&(segment, field, desc))
    }
}

impl Warmer for SortedOrders {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let (field, desc) = WARMED;
        for segment in searcher.segment_readers() {
            self.sorted(segment, field, desc)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live_generations: &[&SearcherGeneration]) {
        let live = live_generations
            .iter()
            .flat_map(|g| g.segments().keys().copied())
            .collect();
        self.keep_only(&live);
    }
}

/// Which documents of each segment `query` matches (for a query that does not match every live
/// document).
pub fn members(
    searcher: &Searcher,
    query: &dyn tantivy::query::Query,
) -> tantivy::Result<Vec<BitSet>> {
    let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(
        searcher,
    ))?;
    searcher
        .segment_readers()
        .iter()
        .map(|segment| {
            let mut bits = BitSet::with_max_value(segment.max_doc());
            weight.for_each_no_score(segment, &mut |docs| {
                for doc in docs {
                    bits.insert(*doc);
                }
            })?;
            Ok(bits)
        })
        .collect()
}
