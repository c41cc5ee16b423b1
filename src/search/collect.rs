//! One pass over the matching documents: the exact total, the best `k` hits in the requested order
//! after an optional cursor (search-after), and the facet counts (each facet counted with the other
//! facets' selections applied, so choosing a second value of a facet widens the result).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The order of the hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Best score first; ties by the data's last change (newest first), then id.
    Relevance,
    /// By a `u64` fast field, then id.
    Number {
        /// The field.
        field: &'static str,
        /// Largest first.
        desc: bool,
    },
    /// By a string fast field, then id.
    Text {
        /// The field.
        field: &'static str,
        /// Last first.
        desc: bool,
    },
}

/// A hit's place in the order, comparable across segments (smaller comes first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The number (for text orders 0).
    pub number: u64,
    /// The text (text orders only).
    pub text: Option<String>,
    /// Whether `text` sorts descending.
    pub text_desc: bool,
    /// The second key (relevance: inverted modification time).
    pub second: u64,
    /// The id's high half.
    pub hi: u64,
    /// The id's low half.
    pub lo: u64,
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        let text = match (&self.text, &other.text) {
            (Some(a), Some(b)) if self.text_desc => b.cmp(a),
            (Some(a), Some(b)) => a.cmp(b),
            _ => Ordering::Equal,
        };
        text.then(self.number.cmp(&other.number))
            .then(self.second.cmp(&other.second))
            .then(self.hi.cmp(&other.hi))
            .then(self.lo.cmp(&other.lo))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One facet's field and selected values.
#[derive(Clone, Debug)]
pub struct FacetSpec {
    /// The fast field.
    pub field: &'static str,
    /// Selected values (any of them).
    pub selected: Vec<String>,
    /// Whether to count its values.
    pub count: bool,
}

/// The collector.
pub struct Collect {
    /// Order.
    pub order: Order,
    /// Hits to keep (offset + page size).
    pub k: usize,
    /// Only hits after this key.
    pub after: Option<Key>,
    /// Facets (filters and counts).
    pub facets: Vec<FacetSpec>,
    /// The data-modified field (relevance tie-break).
    pub tie_field: &'static str,
    /// Rank by relevance with pruning: the query's own weight skips the blocks of its posting lists
    /// that cannot reach the page (tantivy's block-max WAND for a union of terms), and this weight —
    /// the whole request without scoring — gives the exact total. Only for the relevance order
    /// without facet counts; facet filters are then the collector's.
    pub prune: Option<Box<dyn Weight>>,
}

/// The relative slack between two sums of the same term scores added in different orders (the
/// pruning pass adds them in the order of its posting lists, the union in the query's): far above
/// the rounding of a few dozen additions, far below any real difference of relevance.
const SUM_SLACK: f32 = 1e-4;

/// What one segment, or all, gave.
#[derive(Default)]
pub struct Fruit {
    /// Hits passing every filter.
    pub total: u64,
    /// The best `k`, in order.
    pub top: Vec<(Key, DocAddress)>,
    /// Counts per facet (in spec order), by value.
    pub counts: Vec<HashMap<String, u64>>,
}

/// Segment-local key: (primary, second, hi, lo), smaller first.
type SegKey = (u64, u64, u64, u64);

struct FacetColumn {
    column: Option<StrColumn>,
    selected: HashSet<u64>,
    active: bool,
    count: bool,
    tally: Vec<u32>,
}

/// The per-segment half of [`Collect`].
pub struct SegmentCollect {
    segment: SegmentOrdinal,
    order: Order,
    k: usize,
    after: Option<SegKey>,
    number: Option<Column<u64>>,
    text: Option<StrColumn>,
    tie: Option<Column<u64>>,
    hi: Column<u64>,
    lo: Column<u64>,
    facets: Vec<FacetColumn>,
    /// Whether any facet filters or counts.
    facet_work: bool,
    heap: BinaryHeap<(SegKey, DocId)>,
    total: u64,
    ords: Vec<Vec<u64>>,
}

/// The first ordinal whose text sorts after `value` (which the column does not hold).
fn first_after(column: &StrColumn, value: &str) -> std::io::Result<u64> {
    let (mut low, mut high) = (0u64, column.num_terms() as u64);
    let mut text = String::new();
    while low < high {
        let middle = low + (high - low) / 2;
        text.clear();
        column.ord_to_str(middle, &mut text)?;
        if text.as_str() < value {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Ok(low)
}

fn score_key(score: Score) -> u64 {
    // Scores are not negative: their bits order like the numbers.
    u64::MAX - u64::from(score.max(0.0).to_bits())
}

impl Collector for Collect {
    type Fruit = Fruit;
    type Child = SegmentCollect;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCollect> {
        let fast = reader.fast_fields();
        let (number, text) = match self.order {
            Order::Relevance => (None, None),
            Order::Number { field, .. } => (Some(fast.u64(field)?), None),
            Order::Text { field, .. } => (None, fast.str(field)?),
        };
        let tie = match self.order {
            Order::Relevance => Some(fast.u64(self.tie_field)?),
            _ => None,
        };
        let mut facets = Vec::with_capacity(self.facets.len());
        for spec in &self.facets {
            let column = fast.str(spec.field)?;
            let mut selected = HashSet::new();
            if let Some(column) = &column {
                for value in &spec.selected {
                    if let Some(ord) = column.dictionary().term_ord(value)? {
                        selected.insert(ord);
                    }
                }
            }
            let tally = if spec.count {
                vec![0; column.as_ref().map_or(0, |c| c.num_terms())]
            } else {
                Vec::new()
            };
            facets.push(FacetColumn {
                column,
                selected,
                active: !spec.selected.is_empty(),
                count: spec.count,
                tally,
            });
        }
        let after = match &self.after {
            None => None,
            Some(key) => Some(match (self.order, &key.text, &text) {
                (Order::Text { desc, .. }, Some(value), Some(column)) => {
                    let bound = match column.dictionary().term_ord(value)? {
                        Some(o) => 2 * o + 1,
                        None => 2 * first_after(column, value)?,
                    };
                    (
                        if desc { !bound } else { bound },
                        key.second,
                        key.hi,
                        key.lo,
                    )
                }
                // A text order on a segment without the column: every document sorts last.
                (Order::Text { .. }, _, None) => (u64::MAX - 1, 0, 0, 0),
                _ => (key.number, key.second, key.hi, key.lo),
            }),
        };
        Ok(SegmentCollect {
            segment,
            order: self.order,
            k: self.k,
            after,
            number,
            text,
            tie,
            hi: fast.u64("id_hi")?,
            lo: fast.u64("id_lo")?,
            ords: vec![Vec::new(); facets.len()],
            facet_work: facets.iter().any(|f| f.active || f.count),
            facets,
            heap: BinaryHeap::new(),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.order == Order::Relevance
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Fruit> {
        let mut child = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        match &self.prune {
            Some(count)
                if self.order == Order::Relevance
                    && self.k > 0
                    && !child.facets.iter().any(|f| f.count) =>
            {
                child.collect_pruned(weight, &**count, reader)?;
            }
            // As tantivy's own default.
            _ if self.requires_scoring() => weight.for_each(reader, &mut |doc, score| {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    child.collect(doc, score);
                }
            })?,
            _ => weight.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        child.collect(doc, 0.0);
                    }
                }
            })?,
        }
        Ok(child.harvest())
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut merged = Fruit {
            counts: vec![HashMap::new(); self.facets.len()],
            ..Fruit::default()
        };
        for fruit in fruits {
            merged.total += fruit.total;
            merged.top.extend(fruit.top);
            for (into, from) in merged.counts.iter_mut().zip(fruit.counts) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        merged.top.sort_by(|a, b| a.0.cmp(&b.0));
        merged.top.truncate(self.k);
        Ok(merged)
    }
}

impl SegmentCollect {
    /// Whether `doc` holds a selected value of every filtering facet (counts nothing).
    fn passes(&mut self, doc: DocId) -> bool {
        self.facets.iter().all(|facet| {
            !facet.active
                || facet.column.as_ref().is_some_and(|column| {
                    column.term_ords(doc).any(|o| facet.selected.contains(&o))
                })
        })
    }

    /// The best `k` by relevance without scoring every match. A first pass lets `weight` skip what
    /// cannot reach the page and keeps every document whose score comes within [`SUM_SLACK`] of the
    /// `k`-th best; a second pass scores those few with the query's own scorer, so each hit has
    /// exactly the score a full pass gives it (the order, ties and cursors are the same), and the
    /// usual keys decide. The total is `count`'s, which matches what the query and its filters do.
    fn collect_pruned(
        &mut self,
        weight: &dyn Weight,
        count: &dyn Weight,
        reader: &SegmentReader,
    ) -> tantivy::Result<()> {
        let total = u64::from(count.count(reader)?);
        if total == 0 {
            return Ok(());
        }
        let alive = reader.alive_bitset();
        // After a cursor: documents scoring clearly above its hit come before it and take no place;
        // those within the slack of its score may come before or after it (the keys decide later),
        // so they are kept but do not raise the threshold. Every document below the band comes after it.
        let band = self.after.map(|after| {
            let score = Score::from_bits((u64::MAX - after.0) as u32);
            (score - score * SUM_SLACK, score + score * SUM_SLACK)
        });
        let k = self.k;
        // The k best first-pass scores (as bits: scores are not negative, so bits order like them).
        let mut best: BinaryHeap<std::cmp::Reverse<u32>> = BinaryHeap::with_capacity(k + 1);
        let mut candidates: Vec<(DocId, Score)> = Vec::new();
        let mut threshold = Score::MIN;
        // Candidates below the threshold are dropped now and then (ties may keep many).
        let mut limit = 4 * k + 64;
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            #[cfg(test)]
            super::PRUNING_DELIVERED.with(|n| n.set(n.get() + 1));
            if alive.is_some_and(|a| a.is_deleted(doc)) || !self.passes(doc) {
                return threshold;
            }
            if let Some((low, high)) = band
                && score >= low
            {
                if score <= high {
                    candidates.push((doc, score));
                }
                return threshold;
            }
            candidates.push((doc, score));
            best.push(std::cmp::Reverse(score.max(0.0).to_bits()));
            if best.len() > k {
                best.pop();
            }
            if best.len() == k
                && let Some(std::cmp::Reverse(bits)) = best.peek()
            {
                let kth = Score::from_bits(*bits);
                if kth > 0.0 {
                    threshold = kth - kth * SUM_SLACK;
                }
                if candidates.len() > limit {
                    candidates.retain(|(_, s)| *s > threshold);
                    limit = limit.max(2 * candidates.len());
                }
            }
            threshold
        })?;
        candidates.retain(|(_, s)| *s > threshold);
        candidates.sort_unstable_by_key(|(doc, _)| *doc);
        let mut scorer = weight.scorer(reader, 1.0)?;
        for (doc, _) in candidates {
            if scorer.doc() < doc {
                scorer.seek(doc);
            }
            if scorer.doc() == doc {
                let score = scorer.score();
                self.rank(doc, score);
            }
        }
        self.total = total;
        Ok(())
    }

    /// Places a matching document among the best `k`.
    fn rank(&mut self, doc: DocId, score: Score) {
        let (primary, second) = match self.order {
            Order::Relevance => (
                score_key(score),
                !self.tie.as_ref().and_then(|c| c.first(doc)).unwrap_or(0),
            ),
            Order::Number { desc, .. } => {
                let v = self.number.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                (if desc { !v } else { v }, 0)
            }
            Order::Text { desc, .. } => {
                let v = self
                    .text
                    .as_ref()
                    .and_then(|c| c.term_ords(doc).next())
                    .map_or(u64::MAX - 1, |o| 2 * o + 1);
                (if desc { !v } else { v }, 0)
            }
        };
        // Most documents are decided by the first two keys alone: before the cursor, or behind the
        // worst of a full heap. Only ties read the id's two columns.
        if let Some(after) = self.after
            && (primary, second) < (after.0, after.1)
        {
            return;
        }
        if self.heap.len() >= self.k
            && let Some(top) = self.heap.peek()
            && (primary, second) > (top.0.0, top.0.1)
        {
            return;
        }
        let key = (
            primary,
            second,
            self.hi.first(doc).unwrap_or(0),
            self.lo.first(doc).unwrap_or(0),
        );
        if let Some(after) = self.after
            && key <= after
        {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push((key, doc));
        } else if let Some(top) = self.heap.peek()
            && key < top.0
        {
            self.heap.pop();
            self.heap.push((key, doc));
        }
    }
}

impl SegmentCollector for SegmentCollect {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let mut misses = 0;
        let mut missed = usize::MAX;
        // Facets that neither filter nor count cost nothing (the JSON list without filters).
        let facets = if self.facet_work {
            self.facets.len()
        } else {
            0
        };
        for (i, facet) in self.facets.iter().enumerate().take(facets) {
            let ords = &mut self.ords[i];
            ords.clear();
            if let Some(column) = &facet.column
                && (facet.active || facet.count)
            {
                ords.extend(column.term_ords(doc));
            }
            if facet.active && !ords.iter().any(|o| facet.selected.contains(o)) {
                misses += 1;
                missed = i;
            }
        }
        for (i, facet) in self.facets.iter_mut().enumerate().take(facets) {
            if facet.count && (misses == 0 || (misses == 1 && missed == i)) {
                for o in &self.ords[i] {
                    if let Some(n) = facet.tally.get_mut(*o as usize) {
                        *n += 1;
                    }
                }
            }
        }
        if misses > 0 {
            return;
        }
        self.total += 1;
        if self.k == 0 {
            return;
        }
        self.rank(doc, score);
    }

    fn harvest(self) -> Fruit {
        let text_desc = matches!(self.order, Order::Text { desc: true, .. });
        let mut top: Vec<(Key, DocAddress)> = self
            .heap
            .into_sorted_vec()
            .into_iter()
            .map(|((primary, second, hi, lo), doc)| {
                let text = self.text.as_ref().map(|column| {
                    let ord = if text_desc { !primary } else { primary };
                    let mut value = String::new();
                    if ord % 2 == 1 {
                        let _ = column.ord_to_str(ord / 2, &mut value);
                    }
                    value
                });
                (
                    Key {
                        number: if text.is_some() { 0 } else { primary },
                        text,
                        text_desc,
                        second,
                        hi,
                        lo,
                    },
                    DocAddress::new(self.segment, doc),
                )
            })
            .collect();
        top.sort_by(|a, b| a.0.cmp(&b.0));
        let counts = self
            .facets
            .iter()
            .map(|facet| {
                let mut out = HashMap::new();
                if let Some(column) = &facet.column {
                    for (ord, n) in facet.tally.iter().enumerate() {
                        if *n > 0 {
                            let mut value = String::new();
                            if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                                out.insert(value, u64::from(*n));
                            }
                        }
                    }
                }
                out
            })
            .collect();
        Fruit {
            total: self.total,
            top,
            counts,
        }
    }
}
