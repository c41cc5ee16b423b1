//! One pass over the matching documents: the exact total, the best `k` hits in the requested order
//! after an optional cursor (search-after), and the facet counts (each facet counted with the other
//! facets' selections applied, so choosing a second value of a facet widens the result).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
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
}

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
        let primary = match self.order {
            Order::Relevance => score_key(score),
            Order::Number { desc, .. } => {
                let v = self.number.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                if desc { !v } else { v }
            }
            Order::Text { desc, .. } => {
                let v = self
                    .text
                    .as_ref()
                    .and_then(|c| c.term_ords(doc).next())
                    .map_or(u64::MAX - 1, |o| 2 * o + 1);
                if desc { !v } else { v }
            }
        };
        // Most documents are decided by the first key alone: before the cursor, or behind the worst
        // of a full heap. Only ties read the second key's column, and only ties of both the id's.
        if let Some(after) = self.after
            && primary < after.0
        {
            return;
        }
        if self.heap.len() >= self.k
            && let Some(top) = self.heap.peek()
            && primary > top.0.0
        {
            return;
        }
        let second = match self.order {
            Order::Relevance => !self.tie.as_ref().and_then(|c| c.first(doc)).unwrap_or(0),
            _ => 0,
        };
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
