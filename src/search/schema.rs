//! The index's fields and how a dataset row becomes a document.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analysis;
use crate::catalog::search_source::SearchRow;
use crate::catalog::vocab;

/// Bumped whenever the fields or the analysis change: an index of another version is rebuilt.
pub const VERSION: u32 = 4;

/// The fields, by role.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// Dataset id (text), for replacing a document.
    pub id: Field,
    /// Stored and sortable slug.
    pub slug: Field,
    /// German title (analysed, stored).
    pub title_de: Field,
    /// English title.
    pub title_en: Field,
    /// Keywords (German analysis).
    pub keywords_de: Field,
    /// Keywords (English analysis).
    pub keywords_en: Field,
    /// Publisher names.
    pub publisher_name: Field,
    /// German description.
    pub description_de: Field,
    /// English description.
    pub description_en: Field,
    /// Formats, licence names and codes, slug.
    pub extra: Field,
    /// Every word unstemmed (typo tolerance, prefixes, did-you-mean).
    pub words: Field,
    /// Keyword completions (folded keyword, exact).
    pub keyword_folded: Field,
    /// Facet: theme code.
    pub theme: Field,
    /// Facet: publisher id.
    pub publisher: Field,
    /// Facet: file-type code.
    pub format: Field,
    /// Facet: licence code.
    pub license: Field,
    /// Facet: keyword as written.
    pub keyword: Field,
    /// Status.
    pub status: Field,
    /// `1` when published or withdrawn after publication.
    pub public: Field,
    /// Sort: the record's last change (µs since the epoch, order-preserving).
    pub modified: Field,
    /// Sort and display: the data's last change.
    pub data_modified: Field,
    /// Sort: first publication (0 when unknown).
    pub issued: Field,
    /// Sort: German title key.
    pub title_sort_de: Field,
    /// Sort: English title key (the German title where there is no English one).
    pub title_sort_en: Field,
    /// The record's revision (stored, and a column for lean hits): the key of the dataset's cached
    /// JSON document.
    pub revision: Field,
    /// Tie-break: the id's high and low halves.
    pub id_hi: Field,
    /// See `id_hi`.
    pub id_lo: Field,
}

fn text(analyzer: &str, stored: bool, positions: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(if positions {
                IndexRecordOption::WithFreqsAndPositions
            } else {
                IndexRecordOption::WithFreqs
            }),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// The schema and its fields.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        slug: b.add_text_field("slug", STRING | STORED | FAST),
        title_de: b.add_text_field("title_de", text(analysis::GERMAN, true, true)),
        title_en: b.add_text_field("title_en", text(analysis::ENGLISH, true, true)),
        keywords_de: b.add_text_field("keywords_de", text(analysis::GERMAN, true, true)),
        keywords_en: b.add_text_field("keywords_en", text(analysis::ENGLISH, false, true)),
        publisher_name: b.add_text_field("publisher_name", text(analysis::GERMAN, false, true)),
        description_de: b.add_text_field("description_de", text(analysis::GERMAN, true, true)),
        description_en: b.add_text_field("description_en", text(analysis::ENGLISH, true, true)),
        extra: b.add_text_field("extra", text(analysis::PLAIN, false, true)),
        words: b.add_text_field("words", text(analysis::PLAIN, false, false)),
        keyword_folded: b.add_text_field("keyword_folded", STRING),
        theme: b.add_text_field("theme", STRING | FAST),
        publisher: b.add_text_field("publisher", STRING | FAST | STORED),
        format: b.add_text_field("format", STRING | FAST | STORED),
        license: b.add_text_field("license", STRING | FAST),
        keyword: b.add_text_field("keyword", STRING | FAST),
        status: b.add_text_field("status", STRING),
        public: b.add_text_field("public", STRING),
        modified: b.add_u64_field("modified", FAST),
        data_modified: b.add_u64_field("data_modified", FAST | STORED),
        issued: b.add_u64_field("issued", FAST),
        title_sort_de: b.add_text_field("title_sort_de", STRING | FAST),
        title_sort_en: b.add_text_field("title_sort_en", STRING | FAST),
        revision: b.add_u64_field("revision", FAST | STORED),
        id_hi: b.add_u64_field("id_hi", FAST | INDEXED),
        id_lo: b.add_u64_field("id_lo", FAST),
    };
    (b.build(), fields)
}

/// An instant as an order-preserving `u64` (microseconds, shifted past the sign).
pub fn instant_key(instant: &chrono::DateTime<chrono::FixedOffset>) -> u64 {
    (instant.timestamp_micros() as u64) ^ (1 << 63)
}

/// The instant of [`instant_key`].
pub fn instant_of(key: u64) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::from_timestamp_micros((key ^ (1 << 63)) as i64).map(|t| t.fixed_offset())
}

/// A title's sort key: without case, umlauts with their base letter (as German dictionaries sort),
/// then the title itself to break ties.
pub fn title_key(title: &str) -> String {
    let mut key: String = title
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'ß' => 's',
            c => c,
        })
        .collect();
    key.push('\u{1}');
    key.push_str(title);
    key
}

/// The code of `iri` in `namespace` (the IRI itself when it is elsewhere).
pub fn code(iri: &str, namespace: &str) -> String {
    iri.strip_prefix(namespace).unwrap_or(iri).to_owned()
}

/// The document of `row`.
pub fn document(f: &Fields, row: &SearchRow) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, row.id.to_string());
    doc.add_text(f.slug, &row.slug);
    let (hi, lo) = row.id.as_u64_pair();
    doc.add_u64(f.id_hi, hi);
    doc.add_u64(f.id_lo, lo);
    doc.add_u64(f.revision, u64::try_from(row.revision).unwrap_or(0));
    doc.add_text(f.title_de, &row.title_de);
    let mut words = vec![row.title_de.as_str(), row.description_de.as_str()];
    if let Some(en) = &row.title_en {
        doc.add_text(f.title_en, en);
        words.push(en);
    }
    doc.add_text(f.description_de, &row.description_de);
    if let Some(en) = &row.description_en {
        doc.add_text(f.description_en, en);
        words.push(en);
    }
    for k in &row.keywords_de {
        doc.add_text(f.keywords_de, k);
        doc.add_text(f.keyword, k);
        doc.add_text(f.keyword_folded, analysis::words(k).join(" "));
        words.push(k);
    }
    for k in &row.keywords_en {
        doc.add_text(f.keywords_en, k);
        doc.add_text(f.keyword_folded, analysis::words(k).join(" "));
        words.push(k);
    }
    doc.add_text(f.publisher_name, &row.publisher_name_de);
    words.push(&row.publisher_name_de);
    if let Some(en) = &row.publisher_name_en {
        doc.add_text(f.publisher_name, en);
        words.push(en);
    }
    doc.add_text(f.publisher, row.publisher_id.to_string());
    for t in &row.themes {
        doc.add_text(f.theme, t);
    }
    let mut extra = vec![row.slug.clone()];
    for format in &row.formats {
        doc.add_text(f.format, format);
        extra.push(format.clone());
    }
    let license = code(&row.license, vocab::LICENSE);
    doc.add_text(f.license, &license);
    extra.push(license);
    if let Some(label) = vocab::license_label(&row.license) {
        extra.push(label.to_owned());
    }
    let extra = extra.join("\n");
    doc.add_text(f.extra, &extra);
    words.push(&extra);
    doc.add_text(f.words, words.join("\n"));
    doc.add_text(f.status, &row.status);
    doc.add_text(f.public, if row.was_public { "1" } else { "0" });
    doc.add_u64(f.modified, instant_key(&row.modified));
    doc.add_u64(f.data_modified, instant_key(&row.data_modified));
    doc.add_u64(f.issued, row.issued.as_ref().map_or(0, instant_key));
    doc.add_text(f.title_sort_de, title_key(&row.title_de));
    let en = row
        .title_en
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(&row.title_de);
    doc.add_text(f.title_sort_en, title_key(en));
    doc
}
