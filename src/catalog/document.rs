//! The JSON document of a dataset with its distributions: what `GET` returns and what `POST`, `PUT`
//! and the fixtures send. Read-only fields (ids, revision, modification times, table metadata) are
//! accepted on input and ignored, so a client can send back what it read.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::values::{DatasetStatus, DcatDate, DistributionKind, DistributionStatus};

/// A text in German (required) and English (optional).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LangText {
    /// German text.
    pub de: String,
    /// English text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// Keywords per language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Keywords {
    /// German keywords.
    #[serde(default)]
    pub de: Vec<String>,
    /// English keywords.
    #[serde(default)]
    pub en: Vec<String>,
}

/// Temporal coverage (`dct:PeriodOfTime`); either end may be open.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Temporal {
    /// First day covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// Last day covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
}

/// A contact point (`vcard:Organization`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPointDocument {
    /// Name of the office or team.
    pub name: String,
    /// Public mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Contact web page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
}

/// A checksum of the distribution's file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecksumDocument {
    /// An SPDX checksum algorithm: `sha256`, `sha512`, `sha3_256`, `blake2b256`, `md5`, … (case, `-`
    /// and `_` do not matter; stored by its SPDX name).
    pub algorithm: String,
    /// Hexadecimal digest.
    pub value: String,
}

/// One column of a hosted table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ColumnDocument {
    /// The header as the publisher wrote it.
    pub name: String,
    /// `text`, `integer`, `decimal`, `boolean`, `date` or `datetime`.
    #[serde(rename = "type")]
    pub column_type: String,
}

/// Read-only description of a hosted table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DataTableDocument {
    /// The columns in file order.
    pub columns: Vec<ColumnDocument>,
    /// Number of rows stored.
    pub row_count: i64,
    /// When the rows last changed.
    pub updated_at: DateTime<FixedOffset>,
}

/// A distribution (`dcat:Distribution`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistributionDocument {
    /// Identifier; on input it picks the existing distribution to update, absent means new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Title.
    pub title: LangText,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LangText>,
    /// EU file-type IRI, e.g. `http://publications.europa.eu/resource/authority/file-type/CSV`.
    pub format: String,
    /// IANA media-type IRI, e.g. `https://www.iana.org/assignments/media-types/text/csv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Where the data can be accessed; set by odcat for hosted tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_url: Option<String>,
    /// Direct download; set by odcat for hosted tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_size: Option<u64>,
    /// Checksum of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<ChecksumDocument>,
    /// DCAT-AP.de licence IRI; defaults to the dataset's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// First publication: a date (`2024-01-01`, `xsd:date`) or a date-time with offset
    /// (`2024-01-01T10:00:00+02:00`, `xsd:dateTime`), kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "2024-01-01", pattern = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$")]
    pub issued: Option<DcatDate>,
    /// Last change (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<FixedOffset>>,
    /// `dcatap:availability`: EU planned-availability IRI (`…/planned-availability/STABLE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<String>,
    /// `dct:rights`: a statement of the rights over the distribution beyond its licence (for
    /// example who holds them, or terms of use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<LangText>,
    /// `hosted_table` or `external_link` (default).
    #[serde(default)]
    pub kind: DistributionKind,
    /// `active` (default) or `withdrawn`.
    #[serde(default)]
    pub status: DistributionStatus,
    /// Hosted-table metadata (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_table: Option<DataTableDocument>,
}

impl DistributionDocument {
    /// A distribution of `kind` with nothing stated yet (active, no id), to be filled in.
    pub fn blank(kind: DistributionKind) -> Self {
        Self {
            id: None,
            title: LangText::default(),
            description: None,
            format: String::new(),
            media_type: None,
            access_url: None,
            download_url: None,
            byte_size: None,
            checksum: None,
            license: None,
            issued: None,
            modified: None,
            availability: None,
            rights: None,
            kind,
            status: DistributionStatus::Active,
            data_table: None,
        }
    }
}

/// A dataset (`dcat:Dataset`) with its distributions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetDocument {
    /// Identifier (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// URL slug.
    pub slug: String,
    /// Publisher slug; defaults to the token's publisher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// `draft` (default for new datasets), `published` or `withdrawn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DatasetStatus>,
    /// Title.
    pub title: LangText,
    /// Description; a draft may leave it empty, publishing requires it.
    #[serde(default)]
    pub description: LangText,
    /// Keywords.
    #[serde(default)]
    pub keywords: Keywords,
    /// EU data-theme IRIs.
    #[serde(default)]
    pub themes: Vec<String>,
    /// EU language IRIs; defaults to German.
    #[serde(default)]
    pub languages: Vec<String>,
    /// DCAT-AP.de licence IRI; a draft may leave it empty, publishing requires it.
    #[serde(default)]
    pub license: String,
    /// `dcatde:licenseAttributionByText`: the attribution the licence asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_attribution: Option<String>,
    /// EU access-right IRI; defaults to `PUBLIC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_rights: Option<String>,
    /// EU frequency IRI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accrual_periodicity: Option<String>,
    /// DCAT-AP.de politicalGeocoding IRI, e.g. `…/municipalityKey/05124000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spatial: Option<String>,
    /// DCAT-AP.de politicalGeocoding level IRI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geocoding_level: Option<String>,
    /// Temporal coverage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<Temporal>,
    /// `dct:identifier`: assigned once at creation (the dataset's IRI at that time) and kept for ever,
    /// whatever the base URL becomes; a publisher may set its own. Sending it back unchanged keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// First publication; set on first publish when absent. A date (`2024-01-01`, `xsd:date`) or a
    /// date-time with offset (`2024-01-01T10:00:00+02:00`, `xsd:dateTime`), kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "2024-01-01", pattern = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$")]
    pub issued: Option<DcatDate>,
    /// When the data last changed (`dct:modified`), as the publisher states it: a date or a date-time
    /// with offset, kept as written. When the publisher never set it, the record's last change is
    /// shown (and sending that value back does not fix it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "2024-06-30", pattern = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$")]
    pub modified: Option<DcatDate>,
    /// When the record last changed (read-only; `dct:modified` of the `dcat:CatalogRecord`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_modified: Option<DateTime<FixedOffset>>,
    /// When the record was created (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_created: Option<DateTime<FixedOffset>>,
    /// `dcatap:availability`: EU planned-availability IRI (`…/planned-availability/STABLE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<String>,
    /// Landing page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing_page: Option<String>,
    /// IRIs of standards or schemas the data conforms to.
    #[serde(default)]
    pub conforms_to: Vec<String>,
    /// Version info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `dcatde:contributorID` IRI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributor_id: Option<String>,
    /// Contact point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_point: Option<ContactPointDocument>,
    /// Distributions in order.
    #[serde(default)]
    pub distributions: Vec<DistributionDocument>,
    /// Revision, incremented on every write (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i32>,
    /// Where a harvested dataset came from (read-only: a harvested dataset is changed at its
    /// source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harvest: Option<super::harvest::HarvestProvenance>,
}

/// A publisher (`foaf:Agent`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublisherDocument {
    /// Identifier (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// URL slug.
    pub slug: String,
    /// Name.
    pub name: LangText,
    /// Homepage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Public mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// ADMS publisher-type IRI.
    #[serde(rename = "type")]
    pub type_iri: String,
    /// Number of published datasets (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_count: Option<u64>,
}
