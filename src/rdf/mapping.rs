//! The DCAT-AP 3.0.1 / DCAT-AP.de 3.0 mapping: pure functions from the record to quads.
//!
//! Every resource gets a minted IRI (no blank nodes), so two projections of the same record are equal
//! as quad sets, not only isomorphic. Graphs:
//! - `{base}/catalog`: the `dcat:Catalog`;
//! - `{base}/organization/{slug}`: one `foaf:Agent` per publisher;
//! - `{base}/dataset/{id}`: one published dataset with its distributions, contact point, period of time,
//!   catalogue record, the `dcat:dataset`/`dcat:record` links from the catalogue, and the classes of
//!   the vocabulary IRIs it uses, and for each hosted table a VoID description of its graph of rows;
//! - `{base}/distribution/{id}/data`: the rows of a hosted table (see [`super::rows`]).

use crate::catalog::quality::StoredQuality;
use crate::catalog::record::{CatalogRecord, PublisherRecord};
use crate::catalog::values::DcatDate;
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term};
use uuid::Uuid;

use super::vocab::{
    adms, codes, dcat, dcatap, dcatde, dct, dqv, foaf, prov, pv, rdf, rdfs, skos, spdx, vcard,
    void, xsd,
};
use crate::catalog::document::{DatasetDocument, DistributionDocument, LangText};
use crate::catalog::values::DistributionStatus;

/// What the mapping needs besides the record.
#[derive(Clone, Debug)]
pub struct Mapping {
    base: String,
    contributor_id: Option<String>,
    row_cap: Option<u64>,
}

/// The `dcat:CatalogRecord` facts of a dataset: when odcat first listed it and last changed it.
#[derive(Clone, Copy, Debug)]
pub struct RecordDates {
    /// First publication in this catalogue.
    pub listed: DateTime<FixedOffset>,
    /// Last change of the record.
    pub changed: DateTime<FixedOffset>,
}

impl Mapping {
    /// `base` is the public base URL without a trailing slash; `contributor_id` the configured
    /// `dcatde:contributorID` for datasets that name none.
    pub fn new(base: &str, contributor_id: Option<String>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            contributor_id: contributor_id.filter(|c| !c.trim().is_empty()),
            row_cap: None,
        }
    }

    /// Hosted tables with more rows than `cap` are not projected row by row (`None`: no cap).
    pub fn with_row_cap(mut self, cap: Option<u64>) -> Self {
        self.row_cap = cap;
        self
    }

    /// The row cap.
    pub fn row_cap(&self) -> Option<u64> {
        self.row_cap
    }

    /// Whether a hosted table of `rows` rows is projected row by row.
    pub fn projects_rows(&self, rows: i64) -> bool {
        self.row_cap
            .is_none_or(|cap| u64::try_from(rows).is_ok_and(|rows| rows <= cap))
    }

    /// IRI (and graph name) of the rows of a hosted table.
    pub fn data_graph_iri(&self, distribution: Uuid) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/distribution/{distribution}/data", self.base))
    }

    /// The version a projection made with this mapping records with its position: the code's
    /// [`MAPPING`](super::store::MAPPING) and every setting that changes the quads (the contributor ID,
    /// the row cap). A store recorded under another version is rebuilt at start-up.
    pub fn version(&self) -> String {
        let mut version = super::store::MAPPING.to_owned();
        if let Some(contributor) = &self.contributor_id {
            version.push_str(" contributor=");
            version.push_str(contributor);
        }
        if let Some(cap) = self.row_cap {
            version.push_str(" row-cap=");
            version.push_str(&cap.to_string());
        }
        version
    }

    /// The public base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// IRI (and graph name) of the catalogue.
    pub fn catalog_iri(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/catalog", self.base))
    }

    /// IRI (and graph name) of a dataset.
    pub fn dataset_iri(&self, id: Uuid) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/dataset/{id}", self.base))
    }

    /// IRI of a distribution.
    pub fn distribution_iri(&self, id: Uuid) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/distribution/{id}", self.base))
    }

    /// IRI of the SPARQL endpoint, described as a `dcat:DataService` of the catalogue.
    pub fn sparql_iri(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/sparql", self.base))
    }

    /// IRI (and graph name) of a publisher.
    pub fn publisher_iri(&self, slug: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/organization/{slug}", self.base))
    }

    /// The catalogue graph (of the catalogue's record, or a stored row of it).
    pub fn catalog_quads(&self, c: impl Into<CatalogRecord>, publisher_slug: &str) -> Vec<Quad> {
        let c: CatalogRecord = c.into();
        let me = self.catalog_iri();
        let mut g = Graph::new(me.clone());
        g.iri(&me, rdf::TYPE, dcat::CATALOG);
        g.lang_text(&me, dct::TITLE, &c.title_de, c.title_en.as_deref());
        g.lang_text(
            &me,
            dct::DESCRIPTION,
            &c.description_de,
            c.description_en.as_deref(),
        );
        g.iri(
            &me,
            dct::PUBLISHER,
            self.publisher_iri(publisher_slug).as_ref(),
        );
        for language in &c.languages {
            g.typed_iri(&me, dct::LANGUAGE, language, dct::LINGUISTIC_SYSTEM);
        }
        if let Some(homepage) = &c.homepage {
            g.typed_iri(&me, foaf::HOMEPAGE, homepage, foaf::DOCUMENT);
        }
        if let Some(spatial) = &c.spatial {
            g.typed_iri(&me, dct::SPATIAL, spatial, dct::LOCATION);
        }
        if let Some(license) = &c.license {
            g.typed_iri(&me, dct::LICENSE, license, dct::LICENSE_DOCUMENT);
        }
        g.date_time(&me, dct::ISSUED, c.issued);
        g.date_time(&me, dct::MODIFIED, c.modified);
        g.iri(&me, dcat::THEME_TAXONOMY, codes::DATA_THEME_SCHEME);
        g.iri(
            &codes::DATA_THEME_SCHEME.into_owned(),
            rdf::TYPE,
            skos::CONCEPT_SCHEME,
        );
        g.lang(
            &codes::DATA_THEME_SCHEME.into_owned(),
            dct::TITLE,
            "Data theme",
            "en",
        );
        self.sparql_service(&mut g, &me, publisher_slug);
        g.quads
    }

    /// The SPARQL endpoint as a `dcat:DataService` of the catalogue (DCAT-AP 3 §dcat:DataService:
    /// mandatory `dcat:endpointURL` and `dct:title`; DCAT-AP.de also `dct:publisher`). Each dataset's
    /// graph adds `dcat:servesDataset`, because every published dataset can be queried there.
    fn sparql_service(&self, g: &mut Graph, catalog: &NamedNode, publisher_slug: &str) {
        let me = self.sparql_iri();
        g.iri(catalog, dcat::SERVICE, me.as_ref());
        g.iri(&me, rdf::TYPE, dcat::DATA_SERVICE);
        g.lang_text(
            &me,
            dct::TITLE,
            "SPARQL-Endpunkt des Katalogs",
            Some("SPARQL endpoint of the catalogue"),
        );
        g.lang_text(
            &me,
            dct::DESCRIPTION,
            "Abfragen über die Metadaten aller veröffentlichten Datensätze und die Zeilen der \
             gehosteten Tabellen (SPARQL 1.1 Protocol, nur lesend).",
            Some(
                "Queries over the metadata of every published dataset and the rows of the hosted \
                 tables (SPARQL 1.1 Protocol, read-only).",
            ),
        );
        g.iri(&me, dcat::ENDPOINT_URL, me.as_ref());
        // The endpoint answers a plain GET with its SPARQL 1.1 Service Description.
        g.iri(&me, dcat::ENDPOINT_DESCRIPTION, me.as_ref());
        g.typed_iri(
            &me,
            dct::CONFORMS_TO,
            codes::SPARQL_PROTOCOL.as_str(),
            dct::STANDARD,
        );
        g.iri(
            &me,
            dct::PUBLISHER,
            self.publisher_iri(publisher_slug).as_ref(),
        );
        g.typed_iri(
            &me,
            dct::ACCESS_RIGHTS,
            codes::ACCESS_RIGHT_PUBLIC.as_str(),
            dct::RIGHTS_STATEMENT,
        );
    }

    /// A publisher's graph (of its record, or a stored row of it).
    pub fn publisher_quads(&self, p: impl Into<PublisherRecord>) -> Vec<Quad> {
        let p: PublisherRecord = p.into();
        let me = self.publisher_iri(&p.slug);
        let mut g = Graph::new(me.clone());
        g.iri(&me, rdf::TYPE, foaf::AGENT);
        g.iri(&me, rdf::TYPE, foaf::ORGANIZATION);
        g.lang_text(&me, foaf::NAME, &p.name_de, p.name_en.as_deref());
        if let Some(node) = g.typed_iri(&me, dct::TYPE, &p.type_iri, skos::CONCEPT) {
            let label = words(p.type_iri.rsplit('/').next().unwrap_or_default());
            g.lang(&node, skos::PREF_LABEL, &label, "en");
        }
        if let Some(homepage) = &p.homepage {
            g.typed_iri(&me, foaf::HOMEPAGE, homepage, foaf::DOCUMENT);
        }
        if let Some(email) = &p.email {
            g.iri_str(&me, foaf::MBOX, &format!("mailto:{email}"));
        }
        g.quads
    }

    /// A published dataset's graph. `doc` must be a stored document (with id and publisher).
    pub fn dataset_quads(&self, doc: &DatasetDocument, record: RecordDates) -> Vec<Quad> {
        let Some(id) = doc.id else {
            return Vec::new();
        };
        let me = self.dataset_iri(id);
        let mut g = Graph::new(me.clone());
        let catalog = self.catalog_iri();
        g.iri(&catalog, dcat::DATASET_PROP, me.as_ref());

        let record_iri = NamedNode::new_unchecked(format!("{}#record", me.as_str()));
        g.iri(&catalog, dcat::RECORD, record_iri.as_ref());
        g.iri(&record_iri, rdf::TYPE, dcat::CATALOG_RECORD);
        g.iri(&record_iri, foaf::PRIMARY_TOPIC, me.as_ref());
        g.date_time(&record_iri, dct::ISSUED, record.listed);
        g.date_time(&record_iri, dct::MODIFIED, record.changed);

        g.iri(&me, rdf::TYPE, dcat::DATASET);
        // DCAT-AP.de checks that `foaf:primaryTopic` names a `dcat:Resource`, without inference.
        g.iri(&me, rdf::TYPE, dcat::RESOURCE);
        // Stored at creation and kept, so it does not follow the base URL.
        g.string(
            &me,
            dct::IDENTIFIER,
            doc.identifier.as_deref().unwrap_or(me.as_str()),
        );
        g.iri(&self.sparql_iri(), dcat::SERVES_DATASET, me.as_ref());
        g.lang_text(&me, dct::TITLE, &doc.title.de, doc.title.en.as_deref());
        g.lang_text(
            &me,
            dct::DESCRIPTION,
            &doc.description.de,
            doc.description.en.as_deref(),
        );
        if let Some(publisher) = &doc.publisher {
            g.iri(&me, dct::PUBLISHER, self.publisher_iri(publisher).as_ref());
        }
        for keyword in &doc.keywords.de {
            g.lang(&me, dcat::KEYWORD, keyword, "de");
        }
        for keyword in &doc.keywords.en {
            g.lang(&me, dcat::KEYWORD, keyword, "en");
        }
        for theme in &doc.themes {
            if let Some(node) = g.typed_iri(&me, dcat::THEME, theme, skos::CONCEPT) {
                let code = theme.rsplit('/').next().unwrap_or_default();
                let (de, en) = crate::catalog::vocab::theme_labels(code);
                g.lang_text(&node, skos::PREF_LABEL, de, Some(en));
            }
        }
        for language in &doc.languages {
            g.typed_iri(&me, dct::LANGUAGE, language, dct::LINGUISTIC_SYSTEM);
        }
        if let Some(rights) = &doc.access_rights {
            g.typed_iri(&me, dct::ACCESS_RIGHTS, rights, dct::RIGHTS_STATEMENT);
        }
        if let Some(frequency) = &doc.accrual_periodicity {
            g.typed_iri(&me, dct::ACCRUAL_PERIODICITY, frequency, dct::FREQUENCY);
        }
        if let Some(spatial) = &doc.spatial {
            g.typed_iri(&me, dct::SPATIAL, spatial, dct::LOCATION);
        }
        if let Some(level) = &doc.geocoding_level {
            g.iri_str(&me, dcatde::POLITICAL_GEOCODING_LEVEL_URI, level);
        }
        if let Some(temporal) = &doc.temporal
            && (temporal.start.is_some() || temporal.end.is_some())
        {
            let period = NamedNode::new_unchecked(format!("{}#temporal", me.as_str()));
            g.iri(&me, dct::TEMPORAL, period.as_ref());
            g.iri(&period, rdf::TYPE, dct::PERIOD_OF_TIME);
            if let Some(start) = temporal.start {
                g.date(&period, dcat::START_DATE, start);
            }
            if let Some(end) = temporal.end {
                g.date(&period, dcat::END_DATE, end);
            }
        }
        if let Some(issued) = doc.issued {
            g.dcat_date(&me, dct::ISSUED, issued);
        }
        if let Some(modified) = doc.modified {
            g.dcat_date(&me, dct::MODIFIED, modified);
        }
        if let Some(availability) = &doc.availability {
            g.availability(&me, availability);
        }
        if let Some(page) = &doc.landing_page {
            g.typed_iri(&me, dcat::LANDING_PAGE, page, foaf::DOCUMENT);
        }
        // A harvested dataset names the dataset it was derived from (its IRI or page at the
        // source); its `dct:identifier` stays the source's, for GovData's duplicate detection.
        if let Some(origin) = doc.harvest.as_ref().and_then(|h| h.origin.as_deref())
            && (origin.starts_with("http://") || origin.starts_with("https://"))
        {
            g.iri_str(&me, prov::WAS_DERIVED_FROM, origin);
        }
        for standard in &doc.conforms_to {
            g.typed_iri(&me, dct::CONFORMS_TO, standard, dct::STANDARD);
        }
        if let Some(version) = &doc.version {
            g.string(&me, dcat::VERSION, version);
        }
        if let Some(contributor) = doc.contributor_id.as_ref().or(self.contributor_id.as_ref()) {
            g.iri_str(&me, dcatde::CONTRIBUTOR_ID, contributor);
        }
        if let Some(contact) = &doc.contact_point {
            let node = NamedNode::new_unchecked(format!("{}#contact", me.as_str()));
            g.iri(&me, dcat::CONTACT_POINT, node.as_ref());
            g.iri(&node, rdf::TYPE, vcard::KIND);
            g.iri(&node, rdf::TYPE, vcard::ORGANIZATION);
            g.string(&node, vcard::FN, &contact.name);
            if let Some(email) = &contact.email {
                g.iri_str(&node, vcard::HAS_EMAIL, &format!("mailto:{email}"));
            }
            if let Some(url) = &contact.url {
                g.iri_str(&node, vcard::HAS_URL, url);
            }
            if let Some(phone) = &contact.telephone {
                g.iri_str(&node, vcard::HAS_TELEPHONE, &tel_iri(phone));
            }
        }
        for distribution in doc
            .distributions
            .iter()
            .filter(|d| d.status == DistributionStatus::Active)
        {
            self.distribution(&mut g, &me, doc, distribution);
        }
        g.quads
    }

    fn distribution(
        &self,
        g: &mut Graph,
        dataset: &NamedNode,
        doc: &DatasetDocument,
        d: &DistributionDocument,
    ) {
        let Some(id) = d.id else {
            return;
        };
        let me = self.distribution_iri(id);
        g.iri(dataset, dcat::DISTRIBUTION_PROP, me.as_ref());
        g.iri(&me, rdf::TYPE, dcat::DISTRIBUTION);
        g.lang_text(&me, dct::TITLE, &d.title.de, d.title.en.as_deref());
        if let Some(LangText { de, en }) = &d.description {
            g.lang_text(&me, dct::DESCRIPTION, de, en.as_deref());
        }
        if let Some(url) = &d.access_url {
            g.iri_str(&me, dcat::ACCESS_URL, url);
        }
        if let Some(url) = &d.download_url {
            g.iri_str(&me, dcat::DOWNLOAD_URL, url);
        }
        g.typed_iri(&me, dct::FORMAT, &d.format, dct::MEDIA_TYPE_OR_EXTENT);
        if let Some(media_type) = &d.media_type {
            g.typed_iri(&me, dcat::MEDIA_TYPE, media_type, dct::MEDIA_TYPE);
        }
        let license = d.license.as_deref().unwrap_or(&doc.license);
        if !license.is_empty() {
            g.typed_iri(&me, dct::LICENSE, license, dct::LICENSE_DOCUMENT);
        }
        if let Some(attribution) = &doc.license_attribution {
            g.string(&me, dcatde::LICENSE_ATTRIBUTION_BY_TEXT, attribution);
        }
        if let Some(LangText { de, en }) = &d.rights {
            let node = NamedNode::new_unchecked(format!("{}#rights", me.as_str()));
            g.iri(&me, dct::RIGHTS, node.as_ref());
            g.iri(&node, rdf::TYPE, dct::RIGHTS_STATEMENT);
            g.lang_text(&node, rdfs::LABEL, de, en.as_deref());
        }
        if let Some(size) = d.byte_size {
            g.typed(
                &me,
                dcat::BYTE_SIZE,
                &size.to_string(),
                xsd::NON_NEGATIVE_INTEGER,
            );
        }
        if let Some(checksum) = &d.checksum {
            let node = NamedNode::new_unchecked(format!("{}#checksum", me.as_str()));
            g.iri(&me, spdx::CHECKSUM, node.as_ref());
            g.iri(&node, rdf::TYPE, spdx::CHECKSUM_CLASS);
            g.typed_iri(
                &node,
                spdx::ALGORITHM,
                // DCAT-AP 3.0.1 expects the algorithm IRIs with `https`.
                &format!(
                    "https://spdx.org/rdf/terms#checksumAlgorithm_{}",
                    checksum.algorithm
                ),
                spdx::CHECKSUM_ALGORITHM,
            );
            g.typed(
                &node,
                spdx::CHECKSUM_VALUE,
                &checksum.value,
                xsd::HEX_BINARY,
            );
        }
        if let Some(issued) = d.issued {
            g.dcat_date(&me, dct::ISSUED, issued);
        }
        if let Some(modified) = d.modified {
            g.date_time(&me, dct::MODIFIED, modified);
        }
        if let Some(availability) = &d.availability {
            g.availability(&me, availability);
        }
        // DCAT-AP 3 range of adms:status is skos:Concept (checked by the SEMIC "Ranges" shapes).
        g.iri(&me, adms::STATUS, codes::STATUS_COMPLETED);
        let status = codes::STATUS_COMPLETED.into_owned();
        g.iri(&status, rdf::TYPE, skos::CONCEPT);
        g.lang_text(
            &status,
            skos::PREF_LABEL,
            "abgeschlossen",
            Some("completed"),
        );
        if let Some(table) = &d.data_table {
            self.rows_description(g, &me, id, table.row_count);
            if let Some(csv) = &d.download_url {
                table_descriptions(g, &me, csv);
            }
        }
    }

    /// The VoID description of a hosted table's graph of rows: where the rows came from, how many rows
    /// the graph holds, and (over the row cap) that the rows are not in it.
    fn rows_description(&self, g: &mut Graph, distribution: &NamedNode, id: Uuid, rows: i64) {
        let data = self.data_graph_iri(id);
        g.iri(&data, rdf::TYPE, void::DATASET);
        g.iri(&data, dct::SOURCE, distribution.as_ref());
        let endpoint = NamedNode::new_unchecked(format!("{}/sparql", self.base));
        g.iri(&data, void::SPARQL_ENDPOINT, endpoint.as_ref());
        let projected = self.projects_rows(rows);
        let entities = if projected { rows.max(0) } else { 0 };
        g.typed(&data, void::ENTITIES, &entities.to_string(), xsd::INTEGER);
        if !projected {
            let cap = self.row_cap.unwrap_or_default();
            g.lang_text(
                &data,
                rdfs::COMMENT,
                &format!(
                    "Die {rows} Zeilen dieser Tabelle sind nicht als RDF abfragbar: Der SPARQL-Endpunkt \
                     dieses Servers projiziert Tabellen bis {cap} Zeilen. Die Daten stehen als CSV und \
                     JSON zum Download bereit."
                ),
                Some(&format!(
                    "The {rows} rows of this table are not available as RDF: this server's SPARQL \
                     endpoint projects tables of up to {cap} rows. The data can be downloaded as CSV \
                     and JSON."
                )),
            );
        }
    }
}

/// Links a hosted table's distribution to the CSVW and Frictionless descriptions of its CSV download
/// (served next to it), as documents about the distribution (`foaf:page`), each saying which standard it
/// follows.
fn table_descriptions(g: &mut Graph, distribution: &NamedNode, csv_url: &str) {
    let Some(folder) = csv_url.strip_suffix("data.csv") else {
        return;
    };
    let documents = [
        (
            format!("{csv_url}-metadata.json"),
            "CSVW-Metadaten der CSV-Datei",
            "CSVW metadata of the CSV file",
            "http://www.w3.org/TR/tabular-metadata/",
        ),
        (
            format!("{folder}datapackage.json"),
            "Frictionless Data Package der CSV-Datei",
            "Frictionless Data Package of the CSV file",
            "https://specs.frictionlessdata.io/tabular-data-package/",
        ),
    ];
    for (url, de, en, standard) in documents {
        let page = NamedNode::new_unchecked(url);
        g.iri(distribution, foaf::PAGE, page.as_ref());
        g.iri(&page, rdf::TYPE, foaf::DOCUMENT);
        g.lang_text(&page, dct::TITLE, de, Some(en));
        g.typed_iri(&page, dct::CONFORMS_TO, standard, dct::STANDARD);
    }
}

/// Orders quads for reading: within each run of quads of one graph (the mapping writes a graph's
/// quads together), grouped by subject (in IRI order), `rdf:type` first, otherwise in the order the
/// mapping wrote them. The sort is stable and compares borrowed strings only; sorting graph by graph
/// keeps it cheap for a page of many datasets.
pub fn presentation_order(quads: &mut [Quad]) {
    fn subject(q: &Quad) -> &str {
        match &q.subject {
            NamedOrBlankNode::NamedNode(n) => n.as_str(),
            NamedOrBlankNode::BlankNode(b) => b.as_str(),
        }
    }
    for graph in quads.chunk_by_mut(|a, b| a.graph_name == b.graph_name) {
        graph.sort_by(|a, b| {
            subject(a)
                .cmp(subject(b))
                .then_with(|| (a.predicate != rdf::TYPE).cmp(&(b.predicate != rdf::TYPE)))
        });
    }
}

/// `LocalAuthority` → `Local Authority` (labels of ADMS publisher types).
fn words(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A `tel:` IRI (RFC 3966) from a written telephone number: spaces and slashes become hyphens.
fn tel_iri(phone: &str) -> String {
    let parts: Vec<String> = phone
        .split(|c: char| c.is_whitespace() || c == '/')
        .map(|part| {
            part.chars()
                .filter(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.'))
                .collect::<String>()
        })
        .filter(|part| !part.is_empty())
        .collect();
    format!("tel:{}", parts.join("-"))
}

/// Text that every RDF format can carry, RDF/XML included (XML 1.0 has no form for most control
/// characters, and its parsers turn a CR into LF): line breaks as LF, other control characters and
/// noncharacters removed. Writes refuse such characters, so this only changes records stored before
/// that check.
fn xml_safe(value: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n'))
            || (0xFDD0..=0xFDEF).contains(&u32::from(c))
            || u32::from(c) & 0xFFFE == 0xFFFE
    };
    if !value.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(value);
    }
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    std::borrow::Cow::Owned(normalised.chars().filter(|c| !unsafe_char(*c)).collect())
}

/// Percent-encodes (UTF-8) the characters an IRI cannot hold: spaces, controls, `"<>\\^`{|}`.
fn percent_encode_iri(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.trim().chars() {
        if c.is_whitespace() || c.is_control() || "\"<>\\^`{|}".contains(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Mapping {
    /// IRI (and graph name) of a dataset's quality measurements.
    pub fn quality_graph_iri(&self, dataset: Uuid) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/dataset/{dataset}/quality", self.base))
    }

    /// A dataset's stored quality assessment as W3C DQV, in its own graph: one
    /// `dqv:QualityMeasurement` per metric, computed on the dataset (dataset metrics) or on each
    /// distribution (distribution metrics), `dqv:isMeasurementOf` piveau's metric, `dqv:value` a
    /// boolean (passed), or for the status-code metrics the status code a URL answered (`false`
    /// when it gave none); and the score as `pv:scoring`. Every measurement hangs off the dataset by
    /// `dqv:hasQualityMeasurement`.
    pub fn quality_quads(&self, quality: &StoredQuality) -> Vec<Quad> {
        let Some(measurements) = quality.measurements() else {
            return Vec::new();
        };
        let dataset = self.dataset_iri(quality.dataset_id);
        let graph_iri = self.quality_graph_iri(quality.dataset_id);
        let mut g = Graph::new(graph_iri.clone());
        let mut measure = |fragment: &str, on: &NamedNode, metric: NamedNode, value: Literal| {
            let me = NamedNode::new_unchecked(format!("{}#{fragment}", graph_iri.as_str()));
            g.iri(&dataset, dqv::HAS_QUALITY_MEASUREMENT, me.as_ref());
            g.iri(&me, rdf::TYPE, dqv::QUALITY_MEASUREMENT);
            g.iri(&me, dqv::COMPUTED_ON, on.as_ref());
            g.push(&me, dqv::IS_MEASUREMENT_OF, metric);
            g.push(&me, dqv::VALUE, value);
            g.date_time(&me, prov::GENERATED_AT_TIME, quality.computed_at);
        };
        measure(
            "scoring",
            &dataset,
            pv::SCORING.into_owned(),
            Literal::from(i64::from(measurements.score)),
        );
        for m in &measurements.metrics {
            let metric = NamedNode::new_unchecked(format!("{}{}", pv::NS, m.metric));
            if m.distributions.is_empty() {
                measure(&m.metric, &dataset, metric, Literal::from(m.passed));
                continue;
            }
            let status_metric = m.metric.ends_with("StatusCode");
            for d in &m.distributions {
                let value = match d.status_code {
                    Some(code) if status_metric => Literal::from(i64::from(code)),
                    _ => Literal::from(d.passed),
                };
                measure(
                    &format!("{}-{}", m.metric, d.id),
                    &self.distribution_iri(d.id),
                    metric.clone(),
                    value,
                );
            }
        }
        g.quads
    }
}

/// Collects the quads of one named graph.
struct Graph {
    name: GraphName,
    quads: Vec<Quad>,
}

impl Graph {
    fn new(name: NamedNode) -> Self {
        Self {
            name: name.into(),
            quads: Vec::with_capacity(64),
        }
    }

    fn push(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: impl Into<Term>) {
        self.quads.push(Quad::new(
            NamedOrBlankNode::from(s.clone()),
            p.into_owned(),
            o,
            self.name.clone(),
        ));
    }

    fn iri(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: NamedNodeRef<'_>) {
        self.push(s, p, o.into_owned());
    }

    /// An IRI object from stored text. Values are validated on write; a record from before that check
    /// (or edited by hand) with characters an IRI cannot hold gets them percent-encoded, with a
    /// warning, rather than losing the statement; text that still is no IRI is skipped with a warning.
    fn iri_str(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: &str) -> Option<NamedNode> {
        let node = NamedNode::new(o).or_else(|err| {
            let encoded = percent_encode_iri(o);
            NamedNode::new(encoded).inspect(|_| {
                tracing::warn!(subject = s.as_str(), predicate = p.as_str(), error = %err,
                    "percent-encoded a stored value that is not an IRI");
            })
        });
        match node {
            Ok(node) => {
                self.push(s, p, node.clone());
                Some(node)
            }
            Err(err) => {
                tracing::warn!(subject = s.as_str(), predicate = p.as_str(), error = %err,
                    "skipped a stored value that is not an IRI");
                None
            }
        }
    }

    /// An IRI object plus its class (`o a class`), as the DCAT-AP range checks expect.
    fn typed_iri(
        &mut self,
        s: &NamedNode,
        p: NamedNodeRef<'_>,
        o: &str,
        class: NamedNodeRef<'_>,
    ) -> Option<NamedNode> {
        let node = self.iri_str(s, p, o)?;
        self.iri(&node, rdf::TYPE, class);
        Some(node)
    }

    fn string(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: &str) {
        if !value.trim().is_empty() {
            self.push(s, p, Literal::new_simple_literal(xml_safe(value)));
        }
    }

    fn lang(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: &str, language: &str) {
        if value.trim().is_empty() {
            return;
        }
        if let Ok(literal) = Literal::new_language_tagged_literal(xml_safe(value), language) {
            self.push(s, p, literal);
        }
    }

    fn lang_text(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, de: &str, en: Option<&str>) {
        self.lang(s, p, de, "de");
        if let Some(en) = en {
            self.lang(s, p, en, "en");
        }
    }

    fn typed(
        &mut self,
        s: &NamedNode,
        p: NamedNodeRef<'_>,
        value: &str,
        datatype: NamedNodeRef<'_>,
    ) {
        self.push(s, p, Literal::new_typed_literal(value, datatype));
    }

    fn date_time(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: DateTime<FixedOffset>) {
        // In UTC, so that the same instant reads the same from SQLite (which keeps the offset) and
        // PostgreSQL (which answers in UTC).
        let text = value
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        self.typed(s, p, &text, xsd::DATE_TIME);
    }

    /// A date as `xsd:date`, a date-time as `xsd:dateTime` with the offset the publisher wrote.
    fn dcat_date(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: DcatDate) {
        match value.as_date() {
            Some(day) => self.date(s, p, day),
            None => self.typed(s, p, &value.lexical(), xsd::DATE_TIME),
        }
    }

    /// `dcatap:availability` with the concept's class and labels (range `skos:Concept`).
    fn availability(&mut self, s: &NamedNode, iri: &str) {
        if let Some(node) = self.typed_iri(s, dcatap::AVAILABILITY, iri, skos::CONCEPT)
            && let Some((de, en)) = crate::catalog::vocab::availability_labels(iri)
        {
            self.lang_text(&node, skos::PREF_LABEL, de, Some(en));
        }
    }

    fn date(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: NaiveDate) {
        self.typed(s, p, &value.format("%Y-%m-%d").to_string(), xsd::DATE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telephone_numbers_become_tel_iris() {
        assert_eq!(tel_iri("+49 202 563-0"), "tel:+49-202-563-0");
        assert_eq!(tel_iri("0202 / 563 12 34"), "tel:0202-563-12-34");
    }

    #[test]
    fn stored_values_from_before_the_checks_still_give_valid_rdf() {
        assert_eq!(xml_safe("A\u{b}B\r\nC\rD\u{ffff}"), "AB\nC\nD");
        assert!(matches!(
            xml_safe("Straße\tok\n"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            percent_encode_iri("https://example.org/a b\"{x}"),
            "https://example.org/a%20b%22%7Bx%7D"
        );
        let mut g = Graph::new(NamedNode::new_unchecked("http://g"));
        let s = NamedNode::new_unchecked("http://s");
        assert!(
            g.iri_str(&s, dcat::ACCESS_URL, "https://example.org/a b")
                .is_some()
        );
        assert_eq!(g.quads.len(), 1, "not dropped");
    }

    #[test]
    fn publisher_type_labels_come_from_the_iri() {
        assert_eq!(words("LocalAuthority"), "Local Authority");
        assert_eq!(
            crate::catalog::vocab::theme_labels("GOVE").1,
            "Government and public sector"
        );
    }
}
