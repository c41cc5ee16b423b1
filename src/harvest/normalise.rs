//! Harvested values made fit for odcat's record before validation: values of other catalogues'
//! vocabularies are mapped where an official or unambiguous mapping exists (DCAT-AP.de licence
//! codes and licence URLs, media types and file names to EU file types, `http://` IANA IRIs,
//! DCAT-AP.de and SPDX checksum algorithm IRIs, ISO 639-1 language codes); an optional value with
//! no mapping is left out and reported as a warning, so one odd value does not cost the whole
//! dataset. What DCAT-AP.de requires (title, description, licence) is never invented: a dataset
//! without it is refused by validation and reported.

use crate::catalog::document::{DatasetDocument, DistributionDocument};
use crate::catalog::harvest::DatasetError;
use crate::catalog::values::http_iri;
use crate::catalog::vocab::{self, Vocabulary};

use super::ckan::file_type;

/// Warnings about one dataset.
pub struct Warnings<'a> {
    identity: &'a str,
    title: &'a str,
    /// What was mapped or left out.
    pub list: Vec<DatasetError>,
}

impl<'a> Warnings<'a> {
    /// Warnings about the dataset `identity`.
    pub fn new(identity: &'a str, title: &'a str) -> Self {
        Self {
            identity,
            title,
            list: Vec::new(),
        }
    }

    fn push(&mut self, field: &str, message: String) {
        self.list.push(DatasetError {
            identity: Some(self.identity.to_owned()),
            title: Some(self.title.to_owned()).filter(|t| !t.is_empty()),
            field: Some(field.to_owned()),
            message,
        });
    }
}

/// The EU file type of a format given as an EU IRI, a media type, a name or a media-type IRI.
fn file_type_of(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if Vocabulary::FileType.contains(value) {
        return Some(value.to_owned());
    }
    let code = value
        .strip_prefix(vocab::FILE_TYPE)
        .or_else(|| value.strip_prefix(vocab::MEDIA_TYPE))
        .or_else(|| value.strip_prefix("http://www.iana.org/assignments/media-types/"))
        .unwrap_or(value);
    file_type(code).ok()
}

/// A media-type IRI in odcat's spelling (`https://www.iana.org/assignments/media-types/…`).
fn media_type_of(value: &str) -> Option<String> {
    let value = value.trim();
    let code = value
        .strip_prefix(vocab::MEDIA_TYPE)
        .or_else(|| value.strip_prefix("http://www.iana.org/assignments/media-types/"))
        .unwrap_or(value);
    let iri = format!("{}{}", vocab::MEDIA_TYPE, code.to_ascii_lowercase());
    Vocabulary::MediaType.contains(&iri).then_some(iri)
}

/// An SPDX checksum algorithm name of a DCAT-AP.de or SPDX algorithm IRI.
fn checksum_algorithm(value: &str) -> Option<String> {
    let value = value.trim();
    let name = if let Some(rest) = value.strip_prefix("http://dcat-ap.de/def/hashAlgorithms/") {
        rest.replace('/', "")
    } else if let Some(rest) = value.strip_prefix("http://spdx.org/rdf/terms#checksumAlgorithm_") {
        rest.to_owned()
    } else {
        value.to_owned()
    };
    let name = name.to_ascii_lowercase().replace('-', "");
    crate::catalog::values::CHECKSUM_ALGORITHMS
        .iter()
        .any(|(a, _)| *a == name)
        .then_some(name)
}

/// A language IRI of an EU IRI or an ISO 639-1 code (`de`, `en-US`).
pub(crate) fn language_of(value: &str) -> Option<String> {
    let value = value.trim();
    if Vocabulary::Language.contains(value) {
        return Some(value.to_owned());
    }
    let code = match value
        .split(['-', '_'])
        .next()?
        .to_ascii_lowercase()
        .as_str()
    {
        "de" => "DEU",
        "en" => "ENG",
        "fr" => "FRA",
        "nl" => "NLD",
        "es" => "SPA",
        "it" => "ITA",
        "pl" => "POL",
        "tr" => "TUR",
        "ca" => "CAT",
        "sv" => "SWE",
        "da" => "DAN",
        _ => return None,
    };
    Some(format!("{}{code}", vocab::LANGUAGE))
}

/// Keeps an optional IRI of `vocabulary` (after `map`), else leaves it out with a warning.
fn keep(
    value: &mut Option<String>,
    field: &str,
    vocabulary: Vocabulary,
    map: impl Fn(&str) -> Option<String>,
    warnings: &mut Warnings<'_>,
) {
    let Some(v) = value.take() else { return };
    if v.trim().is_empty() {
        return;
    }
    if vocabulary.contains(v.trim()) {
        *value = Some(v.trim().to_owned());
    } else if let Some(mapped) = map(&v) {
        *value = Some(mapped);
    } else {
        warnings.push(
            field,
            format!(
                "`{v}` is no {} and has no mapping to one: left out",
                vocabulary.name()
            ),
        );
    }
}

/// Keeps the members of an IRI list that are (or map to) `vocabulary`'s, warning about the rest.
fn keep_list(
    values: &mut Vec<String>,
    field: &str,
    vocabulary: Vocabulary,
    map: impl Fn(&str) -> Option<String>,
    warnings: &mut Warnings<'_>,
) {
    let mut kept = Vec::with_capacity(values.len());
    for v in values.drain(..) {
        // CKAN keeps several in one value: `en,es,ca`.
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let mapped = if vocabulary.contains(part) {
                Some(part.to_owned())
            } else {
                map(part)
            };
            match mapped {
                Some(m) if !kept.contains(&m) => kept.push(m),
                Some(_) => {}
                None => warnings.push(
                    field,
                    format!(
                        "`{part}` is no {} and has no mapping to one: left out",
                        vocabulary.name()
                    ),
                ),
            }
        }
    }
    *values = kept;
}

fn keep_iri(value: &mut Option<String>, field: &str, warnings: &mut Warnings<'_>) {
    if let Some(v) = value.take() {
        match http_iri(field, &v) {
            Ok(iri) => *value = Some(iri),
            Err(_) => warnings.push(
                field,
                format!("`{v}` is not an absolute http(s) URL: left out"),
            ),
        }
    }
}

fn distribution(
    d: &mut DistributionDocument,
    i: usize,
    dataset_title: &str,
    warnings: &mut Warnings<'_>,
) {
    let field = |name: &str| format!("distributions[{i}].{name}");
    keep_iri(&mut d.access_url, &field("access_url"), warnings);
    keep_iri(&mut d.download_url, &field("download_url"), warnings);
    if d.access_url.is_none() {
        d.access_url = d.download_url.clone();
    }
    let media = d.media_type.clone();
    keep(
        &mut d.media_type,
        &field("media_type"),
        Vocabulary::MediaType,
        media_type_of,
        warnings,
    );
    if !Vocabulary::FileType.contains(&d.format) {
        // The format as given, else the media type, else the file name's extension.
        let from_url = |u: &Option<String>| {
            u.as_deref()
                .and_then(|u| u.rsplit('/').next())
                .and_then(|name| name.rsplit_once('.'))
                .and_then(|(_, ext)| file_type_of(ext))
        };
        let found = file_type_of(&d.format)
            .or_else(|| media.as_deref().and_then(file_type_of))
            .or_else(|| from_url(&d.download_url))
            .or_else(|| from_url(&d.access_url));
        match found {
            Some(f) => d.format = f,
            None => {
                // odcat records a format for every distribution; an unknown one is recorded as
                // what it is to a client: an octet stream.
                let octet = format!("{}OCTET", vocab::FILE_TYPE);
                warnings.push(
                    &field("format"),
                    if d.format.is_empty() {
                        "no format given (nor a media type or file extension): recorded as OCTET"
                            .to_owned()
                    } else {
                        format!(
                            "`{}` is no EU file type and has no mapping to one: recorded as OCTET",
                            d.format
                        )
                    },
                );
                d.format = octet;
            }
        }
    }
    if let Some(license) = &d.license
        && !Vocabulary::License.contains(license)
    {
        match vocab::license_from_source(license) {
            Some(mapped) => d.license = Some(mapped),
            None => {
                warnings.push(
                    &field("license"),
                    format!(
                        "`{license}` is no DCAT-AP.de licence and has no mapping to one: left out (the dataset's licence applies)"
                    ),
                );
                d.license = None;
            }
        }
    }
    if let Some(checksum) = &mut d.checksum {
        match checksum_algorithm(&checksum.algorithm) {
            Some(name)
                if crate::catalog::values::checksum(&field("checksum"), &name, &checksum.value)
                    .is_err() =>
            {
                warnings.push(
                    &field("checksum"),
                    format!(
                        "`{}` is no {name} digest: the checksum is left out",
                        checksum.value
                    ),
                );
                d.checksum = None;
            }
            Some(name) => checksum.algorithm = name,
            None => {
                warnings.push(
                    &field("checksum"),
                    format!(
                        "`{}` is no SPDX checksum algorithm: the checksum is left out",
                        checksum.algorithm
                    ),
                );
                d.checksum = None;
            }
        }
    }
    keep(
        &mut d.availability,
        &field("availability"),
        Vocabulary::PlannedAvailability,
        |_| None,
        warnings,
    );
    if d.title.de.trim().is_empty() {
        // DCAT-AP has no required distribution title; odcat shows one: the file's name, else
        // the dataset's title.
        d.title.de = d
            .download_url
            .as_deref()
            .or(d.access_url.as_deref())
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
            .filter(|n| !n.is_empty() && !n.contains("://"))
            .map(str::to_owned)
            .unwrap_or_else(|| dataset_title.to_owned());
    }
}

/// Maps what can be mapped and leaves out optional values that cannot (with a warning each).
pub fn normalise(doc: &mut DatasetDocument, warnings: &mut Warnings<'_>) {
    if !doc.license.is_empty()
        && !Vocabulary::License.contains(&doc.license)
        && let Some(mapped) = vocab::license_from_source(&doc.license)
    {
        doc.license = mapped;
    }
    // A dataset without a licence of its own takes the one all its distributions share.
    if doc.license.is_empty() {
        let licences: Vec<String> = doc
            .distributions
            .iter()
            .filter_map(|d| d.license.as_deref())
            .filter_map(|l| {
                if Vocabulary::License.contains(l) {
                    Some(l.to_owned())
                } else {
                    vocab::license_from_source(l)
                }
            })
            .collect();
        if licences.len() == doc.distributions.len()
            && let Some(first) = licences.first()
            && licences.iter().all(|l| l == first)
        {
            doc.license = first.clone();
        }
    }
    keep_list(
        &mut doc.themes,
        "themes",
        Vocabulary::DataTheme,
        |_| None,
        warnings,
    );
    keep_list(
        &mut doc.languages,
        "languages",
        Vocabulary::Language,
        language_of,
        warnings,
    );
    keep(
        &mut doc.access_rights,
        "access_rights",
        Vocabulary::AccessRight,
        |_| None,
        warnings,
    );
    keep(
        &mut doc.accrual_periodicity,
        "accrual_periodicity",
        Vocabulary::Frequency,
        |_| None,
        warnings,
    );
    keep(
        &mut doc.spatial,
        "spatial",
        Vocabulary::Spatial,
        |_| None,
        warnings,
    );
    keep(
        &mut doc.geocoding_level,
        "geocoding_level",
        Vocabulary::GeocodingLevel,
        |_| None,
        warnings,
    );
    keep(
        &mut doc.contributor_id,
        "contributor_id",
        Vocabulary::Contributor,
        |_| None,
        warnings,
    );
    keep(
        &mut doc.availability,
        "availability",
        Vocabulary::PlannedAvailability,
        |_| None,
        warnings,
    );
    keep_iri(&mut doc.landing_page, "landing_page", warnings);
    let mut conforms = Vec::with_capacity(doc.conforms_to.len());
    for c in doc.conforms_to.drain(..) {
        match http_iri("conforms_to", &c) {
            Ok(iri) => conforms.push(iri),
            Err(_) => warnings.push(
                "conforms_to",
                format!("`{c}` is not an absolute http(s) URL: left out"),
            ),
        }
    }
    doc.conforms_to = conforms;
    if let Some(contact) = &mut doc.contact_point {
        if let Some(email) = &contact.email
            && crate::catalog::values::email("contact_point.email", email).is_err()
        {
            warnings.push(
                "contact_point.email",
                format!("`{email}` is not an e-mail address: left out"),
            );
            contact.email = None;
        }
        keep_iri(&mut contact.url, "contact_point.url", warnings);
    }
    let title = doc.title.de.clone();
    for (i, d) in doc.distributions.iter_mut().enumerate() {
        distribution(d, i, &title, warnings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_catalogues_values_are_mapped_or_left_out_with_a_warning() {
        assert_eq!(
            file_type_of("http://publications.europa.eu/resource/authority/file-type/TEXT/PLAIN")
                .as_deref(),
            Some("http://publications.europa.eu/resource/authority/file-type/TXT")
        );
        assert!(
            file_type_of("APPLICATION/RDF+XML")
                .unwrap()
                .ends_with("/RDF_XML")
        );
        assert!(file_type_of("csv").unwrap().ends_with("/CSV"));
        assert_eq!(
            media_type_of("http://www.iana.org/assignments/media-types/text/csv").as_deref(),
            Some("https://www.iana.org/assignments/media-types/text/csv")
        );
        assert_eq!(
            checksum_algorithm("http://dcat-ap.de/def/hashAlgorithms/sha/256").as_deref(),
            Some("sha256")
        );
        assert_eq!(
            checksum_algorithm("http://dcat-ap.de/def/hashAlgorithms/md/5").as_deref(),
            Some("md5")
        );
        assert_eq!(
            checksum_algorithm("http://spdx.org/rdf/terms#checksumAlgorithm_sha1").as_deref(),
            Some("sha1")
        );
        let mut doc: DatasetDocument = serde_json::from_value(serde_json::json!({
            "slug": "x", "title": {"de": "T"}, "license": "cc-by",
            "languages": ["en,es,ca"], "contributor_id": "http://dcat-ap.de/def/contributors/gibtsnicht",
            "distributions": [{"title": {"de": ""}, "format": "", "media_type": "http://www.iana.org/assignments/media-types/text/csv",
                               "download_url": "https://x.example/daten/b.csv"}]
        }))
        .unwrap();
        let mut warnings = Warnings::new("id", "T");
        normalise(&mut doc, &mut warnings);
        assert_eq!(doc.license, "http://dcat-ap.de/def/licenses/cc-by");
        assert_eq!(doc.languages.len(), 3);
        assert_eq!(doc.contributor_id, None);
        assert_eq!(warnings.list.len(), 1);
        assert_eq!(warnings.list[0].field.as_deref(), Some("contributor_id"));
        let d = &doc.distributions[0];
        assert!(d.format.ends_with("/CSV"));
        assert_eq!(d.title.de, "b.csv");
        assert_eq!(
            d.access_url.as_deref(),
            Some("https://x.example/daten/b.csv")
        );
    }
}
