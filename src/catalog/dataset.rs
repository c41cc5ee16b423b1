//! Validated input of a dataset write: [`NewDataset`] is built from a [`DatasetDocument`] and names the
//! offending field in every refusal.

use chrono::NaiveDate;
use uuid::Uuid;

use super::document::{DatasetDocument, DistributionDocument, Keywords, LangText};
use super::error::CatalogError;
use super::values::{
    DatasetStatus, DcatDate, DistributionKind, DistributionStatus, Slug, checksum, email, http_iri,
    optional_text, telephone, text, vocabulary_iri,
};
use super::vocab::{self, Vocabulary};

const TITLE_MAX: usize = 500;
const DESCRIPTION_MAX: usize = 20_000;
const KEYWORD_MAX: usize = 100;
const KEYWORDS_MAX: usize = 100;
pub(crate) const DISTRIBUTIONS_MAX: usize = 200;

/// A dataset ready to be written.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDataset {
    /// URL slug.
    pub slug: Slug,
    /// Publisher slug, when the input names one.
    pub publisher: Option<Slug>,
    /// Requested status; `None` keeps the current one (draft for new datasets).
    pub status: Option<DatasetStatus>,
    /// Title.
    pub title: Text2,
    /// Description.
    pub description: Text2,
    /// Keywords, trimmed and without duplicates.
    pub keywords: Keywords,
    /// EU data-theme IRIs.
    pub themes: Vec<String>,
    /// EU language IRIs.
    pub languages: Vec<String>,
    /// DCAT-AP.de licence IRI.
    pub license: String,
    /// Attribution text.
    pub license_attribution: Option<String>,
    /// EU access-right IRI.
    pub access_rights: String,
    /// EU frequency IRI.
    pub accrual_periodicity: Option<String>,
    /// Political geocoding IRI.
    pub spatial: Option<String>,
    /// Political geocoding level IRI.
    pub geocoding_level: Option<String>,
    /// Temporal coverage start.
    pub temporal_start: Option<NaiveDate>,
    /// Temporal coverage end.
    pub temporal_end: Option<NaiveDate>,
    /// `dct:identifier` the publisher sent; `None` keeps the stored one (or assigns one on creation).
    pub identifier: Option<String>,
    /// First publication.
    pub issued: Option<DcatDate>,
    /// When the data last changed, as the publisher states it.
    pub modified: Option<DcatDate>,
    /// EU planned-availability IRI.
    pub availability: Option<String>,
    /// Landing page.
    pub landing_page: Option<String>,
    /// Conformance IRIs.
    pub conforms_to: Vec<String>,
    /// Version info.
    pub version: Option<String>,
    /// Contributor IRI.
    pub contributor_id: Option<String>,
    /// Contact point.
    pub contact_point: Option<NewContactPoint>,
    /// Distributions in order.
    pub distributions: Vec<NewDistribution>,
}

/// A German text with an optional English one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text2 {
    /// German.
    pub de: String,
    /// English.
    pub en: Option<String>,
}

/// A validated contact point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewContactPoint {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// Telephone.
    pub telephone: Option<String>,
}

/// A validated distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDistribution {
    /// Existing distribution to update; `None` creates one.
    pub id: Option<Uuid>,
    /// Title.
    pub title: Text2,
    /// Description.
    pub description: Option<Text2>,
    /// EU file-type IRI.
    pub format: String,
    /// IANA media-type IRI.
    pub media_type: Option<String>,
    /// Access URL (required for external links).
    pub access_url: Option<String>,
    /// Download URL.
    pub download_url: Option<String>,
    /// Size in bytes.
    pub byte_size: Option<i64>,
    /// Checksum algorithm and digest.
    pub checksum: Option<(String, String)>,
    /// Licence IRI.
    pub license: Option<String>,
    /// First publication.
    pub issued: Option<DcatDate>,
    /// EU planned-availability IRI.
    pub availability: Option<String>,
    /// `dct:rights` statement.
    pub rights: Option<Text2>,
    /// Kind.
    pub kind: DistributionKind,
    /// Status.
    pub status: DistributionStatus,
}

fn lang_text(field: &str, value: &LangText, max: usize) -> Result<Text2, CatalogError> {
    Ok(Text2 {
        de: text(&format!("{field}.de"), &value.de, max)?,
        en: optional_text(&format!("{field}.en"), value.en.as_deref(), max)?,
    })
}

fn optional_iri(field: &str, value: Option<&str>) -> Result<Option<String>, CatalogError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => http_iri(field, v).map(Some),
    }
}

fn optional_vocabulary(
    field: &str,
    value: Option<&str>,
    vocabulary: Vocabulary,
) -> Result<Option<String>, CatalogError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => vocabulary_iri(field, v, vocabulary).map(Some),
    }
}

fn iri_list(
    field: &str,
    values: &[String],
    vocabulary: Option<Vocabulary>,
) -> Result<Vec<String>, CatalogError> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let iri = match vocabulary {
            Some(v) => vocabulary_iri(&field, value.trim(), v)?,
            None => http_iri(&field, value)?,
        };
        if !out.contains(&iri) {
            out.push(iri);
        }
    }
    Ok(out)
}

fn keyword_list(field: &str, values: &[String]) -> Result<Vec<String>, CatalogError> {
    if values.len() > KEYWORDS_MAX {
        return Err(CatalogError::invalid(
            field,
            format!("has more than {KEYWORDS_MAX} keywords"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let keyword = text(&format!("{field}[{i}]"), value, KEYWORD_MAX)?;
        if !out.contains(&keyword) {
            out.push(keyword);
        }
    }
    Ok(out)
}

impl TryFrom<&DatasetDocument> for NewDataset {
    type Error = CatalogError;

    fn try_from(doc: &DatasetDocument) -> Result<Self, Self::Error> {
        let temporal = doc.temporal.clone().unwrap_or_default();
        if let (Some(start), Some(end)) = (temporal.start, temporal.end)
            && start > end
        {
            return Err(CatalogError::invalid(
                "temporal.end",
                format!("{end} is before the start {start}"),
            ));
        }
        if doc.distributions.len() > DISTRIBUTIONS_MAX {
            return Err(CatalogError::invalid(
                "distributions",
                format!("has more than {DISTRIBUTIONS_MAX} entries"),
            ));
        }
        let mut languages = iri_list("languages", &doc.languages, Some(Vocabulary::Language))?;
        if languages.is_empty() {
            languages.push(format!("{}DEU", vocab::LANGUAGE));
        }
        let distributions = doc
            .distributions
            .iter()
            .enumerate()
            .map(|(i, d)| NewDistribution::parse(&format!("distributions[{i}]"), d))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ids = distributions
            .iter()
            .filter_map(|d| d.id)
            .collect::<Vec<_>>();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(CatalogError::invalid(
                "distributions",
                format!("distribution id `{}` appears twice", pair[0]),
            ));
        }
        Ok(Self {
            slug: Slug::parse("slug", doc.slug.trim())?,
            publisher: doc
                .publisher
                .as_deref()
                .map(|p| Slug::parse("publisher", p.trim()))
                .transpose()?,
            status: doc.status,
            title: lang_text("title", &doc.title, TITLE_MAX)?,
            description: Text2 {
                de: optional_text("description.de", Some(&doc.description.de), DESCRIPTION_MAX)?
                    .unwrap_or_default(),
                en: optional_text(
                    "description.en",
                    doc.description.en.as_deref(),
                    DESCRIPTION_MAX,
                )?,
            },
            keywords: Keywords {
                de: keyword_list("keywords.de", &doc.keywords.de)?,
                en: keyword_list("keywords.en", &doc.keywords.en)?,
            },
            themes: iri_list("themes", &doc.themes, Some(Vocabulary::DataTheme))?,
            languages,
            license: match doc.license.trim() {
                "" => String::new(),
                license => vocabulary_iri("license", license, Vocabulary::License)?,
            },
            license_attribution: optional_text(
                "license_attribution",
                doc.license_attribution.as_deref(),
                TITLE_MAX,
            )?,
            access_rights: optional_vocabulary(
                "access_rights",
                doc.access_rights.as_deref(),
                Vocabulary::AccessRight,
            )?
            .unwrap_or_else(|| format!("{}PUBLIC", vocab::ACCESS_RIGHT)),
            accrual_periodicity: optional_vocabulary(
                "accrual_periodicity",
                doc.accrual_periodicity.as_deref(),
                Vocabulary::Frequency,
            )?,
            spatial: optional_vocabulary("spatial", doc.spatial.as_deref(), Vocabulary::Spatial)?,
            geocoding_level: optional_vocabulary(
                "geocoding_level",
                doc.geocoding_level.as_deref(),
                Vocabulary::GeocodingLevel,
            )?,
            temporal_start: temporal.start,
            temporal_end: temporal.end,
            identifier: optional_text("identifier", doc.identifier.as_deref(), TITLE_MAX)?,
            issued: doc.issued,
            modified: doc.modified,
            availability: optional_vocabulary(
                "availability",
                doc.availability.as_deref(),
                Vocabulary::PlannedAvailability,
            )?,
            landing_page: optional_iri("landing_page", doc.landing_page.as_deref())?,
            conforms_to: iri_list("conforms_to", &doc.conforms_to, None)?,
            version: optional_text("version", doc.version.as_deref(), KEYWORD_MAX)?,
            contributor_id: optional_vocabulary(
                "contributor_id",
                doc.contributor_id.as_deref(),
                Vocabulary::Contributor,
            )?,
            contact_point: doc
                .contact_point
                .as_ref()
                .map(NewContactPoint::parse)
                .transpose()?,
            distributions,
        })
    }
}

impl NewContactPoint {
    /// Validates a contact point: DCAT-AP.de needs at least one of e-mail, web page and telephone,
    /// each a valid `mailto:`, `http(s):` or `tel:` IRI.
    fn parse(c: &super::document::ContactPointDocument) -> Result<Self, CatalogError> {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        let contact = Self {
            name: text("contact_point.name", &c.name, TITLE_MAX)?,
            email: (!blank(&c.email))
                .then(|| {
                    email(
                        "contact_point.email",
                        c.email.as_deref().unwrap_or_default(),
                    )
                })
                .transpose()?,
            url: optional_iri("contact_point.url", c.url.as_deref())?,
            telephone: (!blank(&c.telephone))
                .then(|| {
                    telephone(
                        "contact_point.telephone",
                        c.telephone.as_deref().unwrap_or_default(),
                    )
                })
                .transpose()?,
        };
        if contact.email.is_none() && contact.url.is_none() && contact.telephone.is_none() {
            return Err(CatalogError::invalid(
                "contact_point",
                "needs an email, a url or a telephone (DCAT-AP.de: vcard:hasEmail, vcard:hasURL or \
                 vcard:hasTelephone)",
            ));
        }
        Ok(contact)
    }
}

impl NewDataset {
    /// The DCAT-AP 3 / DCAT-AP.de mandatory properties this dataset lacks, as JSON paths; publishing
    /// requires the list to be empty. (The publisher is always set, and the title is required even
    /// for drafts.)
    pub fn missing_for_publication(&self) -> Vec<String> {
        let mut missing = Vec::new();
        if self.description.de.is_empty() {
            // dct:description of dcat:Dataset.
            missing.push("description.de".to_owned());
        }
        let active = || {
            self.distributions
                .iter()
                .enumerate()
                .filter(|(_, d)| d.status == DistributionStatus::Active)
        };
        if self.license.is_empty() {
            // DCAT-AP.de: dct:license on every dcat:Distribution; the dataset's licence is the
            // default, so it is required (GovData also requires it on the dataset).
            missing.push("license".to_owned());
        }
        for (i, d) in active() {
            if d.kind == DistributionKind::ExternalLink && d.access_url.is_none() {
                // dcat:accessURL of dcat:Distribution.
                missing.push(format!("distributions[{i}].access_url"));
            }
        }
        missing
    }
}

impl NewDistribution {
    /// Validates one distribution; `field` prefixes the names in errors.
    pub fn parse(field: &str, doc: &DistributionDocument) -> Result<Self, CatalogError> {
        let access_url = optional_iri(&format!("{field}.access_url"), doc.access_url.as_deref())?;
        let byte_size = doc
            .byte_size
            .map(|b| {
                i64::try_from(b).map_err(|_| {
                    CatalogError::invalid(format!("{field}.byte_size"), "is too large")
                })
            })
            .transpose()?;
        Ok(Self {
            id: doc.id,
            title: lang_text(&format!("{field}.title"), &doc.title, TITLE_MAX)?,
            description: doc
                .description
                .as_ref()
                .map(|d| lang_text(&format!("{field}.description"), d, DESCRIPTION_MAX))
                .transpose()?,
            format: vocabulary_iri(
                &format!("{field}.format"),
                doc.format.trim(),
                Vocabulary::FileType,
            )?,
            media_type: optional_vocabulary(
                &format!("{field}.media_type"),
                doc.media_type.as_deref(),
                Vocabulary::MediaType,
            )?,
            access_url,
            download_url: optional_iri(
                &format!("{field}.download_url"),
                doc.download_url.as_deref(),
            )?,
            byte_size,
            checksum: doc
                .checksum
                .as_ref()
                .map(|c| checksum(&format!("{field}.checksum"), &c.algorithm, &c.value))
                .transpose()?,
            license: optional_vocabulary(
                &format!("{field}.license"),
                doc.license.as_deref(),
                Vocabulary::License,
            )?,
            issued: doc.issued,
            availability: optional_vocabulary(
                &format!("{field}.availability"),
                doc.availability.as_deref(),
                Vocabulary::PlannedAvailability,
            )?,
            rights: doc
                .rights
                .as_ref()
                .map(|r| lang_text(&format!("{field}.rights"), r, DESCRIPTION_MAX))
                .transpose()?,
            kind: doc.kind,
            status: doc.status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DatasetDocument {
        serde_json::from_value(serde_json::json!({
            "slug": "test-daten",
            "title": {"de": "Testdaten"},
            "description": {"de": "Beschreibung"},
            "license": "http://dcat-ap.de/def/licenses/cc-by/4.0",
            "themes": ["http://publications.europa.eu/resource/authority/data-theme/GOVE"],
            "distributions": [{
                "title": {"de": "CSV"},
                "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
                "access_url": "https://example.org/a.csv"
            }]
        }))
        .unwrap()
    }

    #[test]
    fn a_minimal_document_gets_defaults() {
        let new = NewDataset::try_from(&doc()).unwrap();
        assert_eq!(new.languages, vec![format!("{}DEU", vocab::LANGUAGE)]);
        assert!(new.access_rights.ends_with("/PUBLIC"));
        assert_eq!(new.distributions.len(), 1);
    }

    #[test]
    fn drafts_may_lack_what_publishing_requires() {
        let complete = NewDataset::try_from(&doc()).unwrap();
        assert!(complete.missing_for_publication().is_empty());
        let mut d = doc();
        d.description.de = String::new();
        d.license = String::new();
        d.distributions[0].access_url = None;
        let draft = NewDataset::try_from(&d).unwrap();
        assert_eq!(
            draft.missing_for_publication(),
            ["description.de", "license", "distributions[0].access_url"]
        );
    }

    #[test]
    fn each_refusal_names_its_field() {
        type Change = Box<dyn Fn(&mut DatasetDocument)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "license",
                Box::new(|d| d.license = "http://dcat-ap.de/def/licenses/cc-by/4_0".into()),
            ),
            ("themes[0]", Box::new(|d| d.themes = vec!["ENVI".into()])),
            ("title.de", Box::new(|d| d.title.de = " ".into())),
            ("slug", Box::new(|d| d.slug = "Test Daten".into())),
            (
                "temporal.end",
                Box::new(|d| {
                    d.temporal = Some(crate::catalog::document::Temporal {
                        start: NaiveDate::from_ymd_opt(2024, 2, 1),
                        end: NaiveDate::from_ymd_opt(2024, 1, 1),
                    })
                }),
            ),
            (
                "distributions[0].format",
                Box::new(|d| d.distributions[0].format = "CSV".into()),
            ),
        ];
        for (field, change) in cases {
            let mut d = doc();
            change(&mut d);
            match NewDataset::try_from(&d) {
                Err(CatalogError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected a refusal, got {other:?}"),
            }
        }
    }
}
