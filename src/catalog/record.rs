//! Records as the projections read them: the catalogue's own record, a publisher, a dataset row held
//! for mapping. They carry no SQL types, so the RDF code and the portal never see the entities.

use chrono::{DateTime, FixedOffset};
use entities::{catalog, dataset, publisher};
use uuid::Uuid;

/// The catalogue's own record (title, description, publisher, dates).
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogRecord {
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// Homepage IRI.
    pub homepage: Option<String>,
    /// The catalogue's publisher.
    pub publisher_id: Uuid,
    /// Language IRIs.
    pub languages: Vec<String>,
    /// Spatial IRI.
    pub spatial: Option<String>,
    /// Licence IRI.
    pub license: Option<String>,
    /// `dct:issued`.
    pub issued: DateTime<FixedOffset>,
    /// `dct:modified`.
    pub modified: DateTime<FixedOffset>,
}

impl CatalogRecord {
    /// The record with `dct:modified` moved to `contents_modified` when that is later: the
    /// catalogue's `dct:modified` is the last change of its contents, not of its own record.
    pub fn with_contents_modified(
        mut self,
        contents_modified: Option<DateTime<FixedOffset>>,
    ) -> Self {
        if let Some(m) = contents_modified
            && m > self.modified
        {
            self.modified = m;
        }
        self
    }
}

impl From<&catalog::Model> for CatalogRecord {
    fn from(c: &catalog::Model) -> Self {
        Self {
            title_de: c.title_de.clone(),
            title_en: c.title_en.clone(),
            description_de: c.description_de.clone(),
            description_en: c.description_en.clone(),
            homepage: c.homepage.clone(),
            publisher_id: c.publisher_id,
            languages: serde_json::from_value(c.languages.clone()).unwrap_or_default(),
            spatial: c.spatial.clone(),
            license: c.license.clone(),
            issued: c.issued,
            modified: c.modified,
        }
    }
}

/// A publisher as the DCAT-AP documents show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublisherRecord {
    /// Id.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// German name.
    pub name_de: String,
    /// English name.
    pub name_en: Option<String>,
    /// Homepage IRI.
    pub homepage: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// `dct:type` IRI.
    pub type_iri: String,
    /// Last change.
    pub updated_at: DateTime<FixedOffset>,
}

impl From<&publisher::Model> for PublisherRecord {
    fn from(p: &publisher::Model) -> Self {
        Self {
            id: p.id,
            slug: p.slug.clone(),
            name_de: p.name_de.clone(),
            name_en: p.name_en.clone(),
            homepage: p.homepage.clone(),
            email: p.email.clone(),
            type_iri: p.type_iri.clone(),
            updated_at: p.updated_at,
        }
    }
}

impl From<&PublisherRecord> for PublisherRecord {
    fn from(p: &PublisherRecord) -> Self {
        p.clone()
    }
}

/// A dataset row read for mapping: opaque outside the catalogue, which turns it into a
/// [`DatasetDocument`](super::document::DatasetDocument) with
/// [`projection::documents`](super::repo::projection::documents).
#[derive(Clone, Debug)]
pub struct DatasetRecord(pub(crate) dataset::Model);

impl DatasetRecord {
    /// The dataset's id.
    pub fn id(&self) -> Uuid {
        self.0.id
    }

    /// Its revision.
    pub fn revision(&self) -> i32 {
        self.0.revision
    }

    /// Its publisher.
    pub fn publisher_id(&self) -> Uuid {
        self.0.publisher_id
    }

    /// Its URL slug.
    pub fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Its status.
    pub fn status(&self) -> super::values::DatasetStatus {
        super::values::DatasetStatus::from_db(&self.0.status)
    }

    /// Whether it is or was public (published once).
    pub fn was_public(&self) -> bool {
        super::repo::was_public(&self.0)
    }

    /// The record's last change.
    pub fn updated_at(&self) -> DateTime<FixedOffset> {
        self.0.updated_at
    }
}

impl From<dataset::Model> for DatasetRecord {
    fn from(m: dataset::Model) -> Self {
        Self(m)
    }
}

/// One entry of a catalogue listing page: the dataset (published, or withdrawn after publication in
/// a `modified_since` listing) and the facts the page states about it.
#[derive(Clone, Debug)]
pub struct ListedDataset {
    /// Id.
    pub id: Uuid,
    /// Its publisher.
    pub publisher_id: Uuid,
    /// Its status as stored (`published`, `withdrawn`).
    pub status: String,
    /// The row, for mapping.
    pub record: DatasetRecord,
}

impl From<dataset::Model> for ListedDataset {
    fn from(m: dataset::Model) -> Self {
        Self {
            id: m.id,
            publisher_id: m.publisher_id,
            status: m.status.clone(),
            record: DatasetRecord(m),
        }
    }
}

impl From<ListedDataset> for DatasetRecord {
    fn from(l: ListedDataset) -> Self {
        l.record
    }
}
