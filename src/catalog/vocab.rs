//! Controlled vocabularies that dataset metadata must use, with their IRI namespaces.
//!
//! The code lists are copied from the official files in `shared/conformance`: EU Publications Office
//! authority tables (data-theme 2024-12-11, frequency/access-right 2026-06-17, file-type 2026-03-18) and the
//! GovData licence list (2020-07-15), language 2026-06-17, planned-availability 2021-12-08, the GovData
//! contributor list (2025-10-21), and the IANA media types as listed by Debian's `media-types` 10.0.0
//! (`/etc/mime.types`, without the unregistered `x-` subtypes). Values outside them are refused on
//! write, because GovData's validator rejects them too.

/// EU data-theme namespace.
pub const DATA_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
/// EU frequency namespace.
pub const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
/// EU access-right namespace.
pub const ACCESS_RIGHT: &str = "http://publications.europa.eu/resource/authority/access-right/";
/// EU file-type namespace.
pub const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
/// EU language namespace.
pub const LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
/// DCAT-AP.de licence namespace.
pub const LICENSE: &str = "http://dcat-ap.de/def/licenses/";
/// DCAT-AP.de political-geocoding namespace (`dct:spatial` IRIs).
pub const POLITICAL_GEOCODING: &str = "http://dcat-ap.de/def/politicalGeocoding/";
/// DCAT-AP.de political-geocoding level namespace.
pub const GEOCODING_LEVEL: &str = "http://dcat-ap.de/def/politicalGeocoding/Level/";
/// DCAT-AP.de contributor namespace.
pub const CONTRIBUTOR: &str = "http://dcat-ap.de/def/contributors/";
/// IANA media-type namespace (DCAT-AP's recommended IRIs for `dcat:mediaType`).
pub const MEDIA_TYPE: &str = "https://www.iana.org/assignments/media-types/";
/// ADMS publisher-type namespace.
pub const PUBLISHER_TYPE: &str = "http://purl.org/adms/publishertype/";
/// EU planned-availability namespace (`dcatap:availability`).
pub const PLANNED_AVAILABILITY: &str =
    "http://publications.europa.eu/resource/authority/planned-availability/";
/// GeoNames namespace (DCAT-AP 3 expects `https` for `dct:spatial`).
pub const GEONAMES: &str = "https://sws.geonames.org/";
/// EU authority tables that name places for `dct:spatial`: countries, places, continents, atu.
pub const EU_PLACE_TABLES: [&str; 4] = [
    "http://publications.europa.eu/resource/authority/country/",
    "http://publications.europa.eu/resource/authority/place/",
    "http://publications.europa.eu/resource/authority/continent/",
    "http://publications.europa.eu/resource/authority/atu/",
];

const DATA_THEMES: &str = include_str!("vocab/data-theme.txt");
const FREQUENCIES: &str = include_str!("vocab/frequency.txt");
const ACCESS_RIGHTS: &str = include_str!("vocab/access-right.txt");
const FILE_TYPES: &str = include_str!("vocab/file-type.txt");
const LICENSES: &str = include_str!("vocab/licenses.tsv");
const LANGUAGES: &str = include_str!("vocab/language.txt");
const CONTRIBUTORS: &str = include_str!("vocab/contributors.txt");
const MEDIA_TYPES: &str = include_str!("vocab/media-types.txt");
/// EU planned-availability codes with their German and English labels.
const PLANNED_AVAILABILITIES: [(&str, &str, &str); 4] = [
    ("AVAILABLE", "verfügbar", "available"),
    ("EXPERIMENTAL", "experimentell", "experimental"),
    ("STABLE", "stabil", "stable"),
    ("TEMPORARY", "vorübergehend", "temporary"),
];
const GEOCODING_LEVELS: [&str; 6] = [
    "international",
    "european",
    "federal",
    "state",
    "administrativeDistrict",
    "municipality",
];
const PUBLISHER_TYPES: [&str; 10] = [
    "Academia-ScientificOrganisation",
    "Company",
    "IndustryConsortium",
    "LocalAuthority",
    "NationalAuthority",
    "NonGovernmentalOrganisation",
    "NonProfitOrganisation",
    "PrivateIndividual(s)",
    "RegionalAuthority",
    "StandardisationBody",
];
/// Kinds of DCAT-AP.de political-geocoding keys and the digits each key has.
const GEOCODING_KEYS: [(&str, usize); 5] = [
    ("stateKey", 2),
    ("governmentDistrictKey", 3),
    ("districtKey", 5),
    ("municipalityAssociationKey", 9),
    ("municipalityKey", 8),
];

/// One controlled vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vocabulary {
    /// EU data themes.
    DataTheme,
    /// EU frequencies.
    Frequency,
    /// EU access rights.
    AccessRight,
    /// EU file types.
    FileType,
    /// EU languages (any three-letter code of the authority table).
    Language,
    /// DCAT-AP.de licences.
    License,
    /// DCAT-AP.de political geocoding (`municipalityKey/05124000`, `regionalKey/051240000000`, ...).
    PoliticalGeocoding,
    /// DCAT-AP.de political-geocoding levels.
    GeocodingLevel,
    /// DCAT-AP.de contributor IDs.
    Contributor,
    /// IANA media types.
    MediaType,
    /// ADMS publisher types.
    PublisherType,
    /// EU planned availability.
    PlannedAvailability,
    /// Places for `dct:spatial`: DCAT-AP.de political geocoding, EU country/place/continent/atu
    /// authority tables, GeoNames.
    Spatial,
}

impl Vocabulary {
    /// The namespace every member IRI starts with.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::DataTheme => DATA_THEME,
            Self::Frequency => FREQUENCY,
            Self::AccessRight => ACCESS_RIGHT,
            Self::FileType => FILE_TYPE,
            Self::Language => LANGUAGE,
            Self::License => LICENSE,
            Self::PoliticalGeocoding => POLITICAL_GEOCODING,
            Self::GeocodingLevel => GEOCODING_LEVEL,
            Self::Contributor => CONTRIBUTOR,
            Self::MediaType => MEDIA_TYPE,
            Self::PublisherType => PUBLISHER_TYPE,
            Self::PlannedAvailability => PLANNED_AVAILABILITY,
            Self::Spatial => POLITICAL_GEOCODING,
        }
    }

    /// A human name for error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::DataTheme => "EU data theme",
            Self::Frequency => "EU frequency",
            Self::AccessRight => "EU access right",
            Self::FileType => "EU file type",
            Self::Language => "EU language",
            Self::License => "DCAT-AP.de licence",
            Self::PoliticalGeocoding => "DCAT-AP.de political geocoding",
            Self::GeocodingLevel => "DCAT-AP.de political geocoding level",
            Self::Contributor => "DCAT-AP.de contributor",
            Self::MediaType => "IANA media type",
            Self::PublisherType => "ADMS publisher type",
            Self::PlannedAvailability => "EU planned availability",
            Self::Spatial => {
                "place (DCAT-AP.de political geocoding, EU country/place/continent or GeoNames)"
            }
        }
    }

    /// Whether `iri` is a member of this vocabulary.
    pub fn contains(self, iri: &str) -> bool {
        if self == Self::Spatial {
            return Self::PoliticalGeocoding.contains(iri) || is_place(iri);
        }
        let Some(code) = iri.strip_prefix(self.namespace()) else {
            return false;
        };
        match self {
            Self::DataTheme => lines(DATA_THEMES).any(|c| c == code),
            Self::Frequency => lines(FREQUENCIES).any(|c| c == code),
            Self::AccessRight => lines(ACCESS_RIGHTS).any(|c| c == code),
            Self::FileType => lines(FILE_TYPES).any(|c| c == code),
            Self::License => license_label(iri).is_some(),
            Self::Language => lines(LANGUAGES).any(|c| c == code),
            Self::GeocodingLevel => GEOCODING_LEVELS.contains(&code),
            Self::PublisherType => PUBLISHER_TYPES.contains(&code),
            Self::Contributor => lines(CONTRIBUTORS).any(|c| c == code),
            // Media types compare case-insensitively (RFC 6838 section 4.2).
            Self::MediaType => lines(MEDIA_TYPES).any(|c| c.eq_ignore_ascii_case(code)),
            Self::PoliticalGeocoding => is_geocoding_key(code),
            Self::PlannedAvailability => PLANNED_AVAILABILITIES.iter().any(|(c, _, _)| *c == code),
            Self::Spatial => false,
        }
    }
}

fn lines(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// The German label of a DCAT-AP.de licence IRI, if the IRI is in GovData's list.
pub fn license_label(iri: &str) -> Option<&'static str> {
    let id = iri.strip_prefix(LICENSE)?;
    LICENSES
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .find(|(code, _)| *code == id)
        .map(|(_, label)| label.trim())
}

/// The EU data-theme codes (`GOVE`, …), in the authority table's order.
pub fn data_theme_codes() -> impl Iterator<Item = &'static str> {
    lines(DATA_THEMES)
}

/// The EU frequency codes (`DAILY`, …), in the authority table's order.
pub fn frequency_codes() -> impl Iterator<Item = &'static str> {
    lines(FREQUENCIES)
}

/// The EU access-right codes (`PUBLIC`, …).
pub fn access_right_codes() -> impl Iterator<Item = &'static str> {
    lines(ACCESS_RIGHTS)
}

/// The EU file-type codes (`CSV`, …).
pub fn file_type_codes() -> impl Iterator<Item = &'static str> {
    lines(FILE_TYPES)
}

/// The DCAT-AP.de political-geocoding levels (`municipality`, …), widest first.
pub fn geocoding_levels() -> impl Iterator<Item = &'static str> {
    GEOCODING_LEVELS.into_iter()
}

/// The EU planned-availability codes with their German and English labels.
pub fn availabilities() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    PLANNED_AVAILABILITIES.into_iter()
}

/// What a DCAT-AP.de licence lets people do, in a short German and English sentence (for the
/// workspace's choice); `None` for the rare ones.
pub fn license_explanation(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "dl-zero-de/2.0" | "cc-zero" | "odcpddl" | "ccpdm/1.0" | "officialWork" => (
            "frei nutzbar, ohne Bedingungen",
            "free to use, no conditions",
        ),
        "dl-by-de/2.0" | "dl-by-de/1.0" | "cc-by/4.0" | "cc-by" | "cc-by-de/3.0" | "odby" => (
            "frei nutzbar, wenn die Quelle genannt wird",
            "free to use if the source is named",
        ),
        "cc-by-sa/4.0" | "cc-by-sa" | "cc-by-sa-de/3.0" | "odbl" => (
            "frei nutzbar mit Quellenangabe; Bearbeitungen unter derselben Lizenz",
            "free to use with attribution; changes under the same licence",
        ),
        "cc-by-nc/4.0" | "cc-by-nc" | "cc-by-nc-de/3.0" | "dl-by-nc-de/1.0" => (
            "nur nicht-kommerziell nutzbar (keine offenen Daten)",
            "non-commercial use only (not open data)",
        ),
        "cc-by-nd/4.0" | "cc-by-nd" | "cc-by-nd/3.0" => (
            "nur unverändert nutzbar (keine offenen Daten)",
            "use unchanged only (not open data)",
        ),
        _ => return None,
    })
}

/// GovData's licences: each DCAT-AP.de licence code (`cc-by/4.0`) with its German label.
pub fn licenses() -> impl Iterator<Item = (&'static str, &'static str)> {
    LICENSES
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(code, label)| (code.trim(), label.trim()))
}

/// German and English labels of the EU data themes (from the EU Vocabularies authority table).
pub fn theme_labels(code: &str) -> (&str, &str) {
    match code {
        "AGRI" => (
            "Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel",
            "Agriculture, fisheries, forestry and food",
        ),
        "ECON" => ("Wirtschaft und Finanzen", "Economy and finance"),
        "EDUC" => ("Bildung, Kultur und Sport", "Education, culture and sport"),
        "ENER" => ("Energie", "Energy"),
        "ENVI" => ("Umwelt", "Environment"),
        "GOVE" => (
            "Regierung und öffentlicher Sektor",
            "Government and public sector",
        ),
        "HEAL" => ("Gesundheit", "Health"),
        "INTR" => ("Internationale Themen", "International issues"),
        "JUST" => (
            "Justiz, Rechtssystem und öffentliche Sicherheit",
            "Justice, legal system and public safety",
        ),
        "REGI" => ("Regionen und Städte", "Regions and cities"),
        "SOCI" => ("Bevölkerung und Gesellschaft", "Population and society"),
        "TECH" => ("Wissenschaft und Technologie", "Science and technology"),
        "TRAN" => ("Verkehr", "Transport"),
        "OP_DATPRO" => ("Vorläufige Daten", "Provisional data"),
        other => (other, other),
    }
}

/// German and English labels of an EU planned-availability IRI.
pub fn availability_labels(iri: &str) -> Option<(&'static str, &'static str)> {
    let code = iri.strip_prefix(PLANNED_AVAILABILITY)?;
    PLANNED_AVAILABILITIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, de, en)| (*de, *en))
}

/// An IRI of an EU place authority table (`country/DEU`, `place/DEU_WUP`, `continent/EUROPE`,
/// `atu/…`) or a GeoNames feature (`https://sws.geonames.org/2805753/`). The EU tables have no local
/// copy, so their codes are checked by shape: upper-case letters, digits and `_`, `-`.
fn is_place(iri: &str) -> bool {
    if let Some(rest) = iri.strip_prefix(GEONAMES) {
        let id = rest.strip_suffix('/').unwrap_or(rest);
        return !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit());
    }
    EU_PLACE_TABLES.iter().any(|table| {
        iri.strip_prefix(table).is_some_and(|code| {
            !code.is_empty()
                && code.len() <= 40
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
    })
}

/// `regionalKey/<12 digits>` or one of the fixed-width keys.
fn is_geocoding_key(code: &str) -> bool {
    let Some((kind, key)) = code.split_once('/') else {
        return false;
    };
    let digits = key.len();
    let numeric = key.bytes().all(|b| b.is_ascii_digit());
    numeric
        && (kind == "regionalKey" && digits == 12
            || GEOCODING_KEYS
                .iter()
                .any(|(k, d)| *k == kind && *d == digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_are_members() {
        let cases = [
            (
                Vocabulary::DataTheme,
                "http://publications.europa.eu/resource/authority/data-theme/GOVE",
            ),
            (
                Vocabulary::Frequency,
                "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
            ),
            (
                Vocabulary::FileType,
                "http://publications.europa.eu/resource/authority/file-type/CSV",
            ),
            (
                Vocabulary::License,
                "http://dcat-ap.de/def/licenses/cc-by/4.0",
            ),
            (
                Vocabulary::License,
                "http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
            ),
            (
                Vocabulary::PoliticalGeocoding,
                "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000",
            ),
            (
                Vocabulary::PoliticalGeocoding,
                "http://dcat-ap.de/def/politicalGeocoding/regionalKey/051240000000",
            ),
            (
                Vocabulary::GeocodingLevel,
                "http://dcat-ap.de/def/politicalGeocoding/Level/municipality",
            ),
            (
                Vocabulary::MediaType,
                "https://www.iana.org/assignments/media-types/text/csv",
            ),
            (
                Vocabulary::Language,
                "http://publications.europa.eu/resource/authority/language/DEU",
            ),
            (
                Vocabulary::Contributor,
                "http://dcat-ap.de/def/contributors/openNRW",
            ),
            (
                Vocabulary::MediaType,
                "https://www.iana.org/assignments/media-types/application/geo+json",
            ),
            (
                Vocabulary::PlannedAvailability,
                "http://publications.europa.eu/resource/authority/planned-availability/STABLE",
            ),
            (Vocabulary::Spatial, "https://sws.geonames.org/2805753/"),
            (
                Vocabulary::Spatial,
                "http://publications.europa.eu/resource/authority/country/DEU",
            ),
            (
                Vocabulary::Spatial,
                "http://publications.europa.eu/resource/authority/place/DEU_WUP",
            ),
            (
                Vocabulary::Spatial,
                "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000",
            ),
        ];
        for (vocabulary, iri) in cases {
            assert!(
                vocabulary.contains(iri),
                "{iri} should be a {}",
                vocabulary.name()
            );
        }
    }

    #[test]
    fn typos_and_foreign_namespaces_are_refused() {
        let cases = [
            (
                Vocabulary::DataTheme,
                "http://publications.europa.eu/resource/authority/data-theme/ENVV",
            ),
            (Vocabulary::DataTheme, "GOVE"),
            (
                Vocabulary::License,
                "http://dcat-ap.de/def/licenses/cc-by/4_0",
            ),
            (
                Vocabulary::License,
                "https://creativecommons.org/licenses/by/4.0/",
            ),
            (
                Vocabulary::PoliticalGeocoding,
                "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/0512400",
            ),
            (
                Vocabulary::MediaType,
                "https://www.iana.org/assignments/media-types/csv",
            ),
            (
                Vocabulary::Language,
                "http://publications.europa.eu/resource/authority/language/de",
            ),
            (
                Vocabulary::Language,
                "http://publications.europa.eu/resource/authority/language/XXX",
            ),
            (
                Vocabulary::Contributor,
                "http://dcat-ap.de/def/contributors/stadtWuppertalGibtEsNicht",
            ),
            (
                Vocabulary::MediaType,
                "https://www.iana.org/assignments/media-types/foo/bar",
            ),
            (
                Vocabulary::PlannedAvailability,
                "http://publications.europa.eu/resource/authority/planned-availability/SOON",
            ),
            (Vocabulary::Spatial, "http://sws.geonames.org/2805753/"),
            (Vocabulary::Spatial, "https://sws.geonames.org/abc/"),
            (
                Vocabulary::Spatial,
                "http://publications.europa.eu/resource/authority/country/deu",
            ),
        ];
        for (vocabulary, iri) in cases {
            assert!(
                !vocabulary.contains(iri),
                "{iri} should not be a {}",
                vocabulary.name()
            );
        }
    }

    #[test]
    fn licence_labels_come_from_the_govdata_list() {
        assert_eq!(
            license_label("http://dcat-ap.de/def/licenses/dl-by-de/2.0"),
            Some("Datenlizenz Deutschland Namensnennung 2.0")
        );
    }
}

/// The DCAT-AP.de licence IRI of a licence as other catalogues name it, where an official or
/// unambiguous mapping exists: a DCAT-AP.de IRI or code (GovData's older codes such as `cc-by`
/// included), a CKAN licence id (`odc-odbl`, `cc-zero`, …), an EU licence authority IRI
/// (`…/licence/CC_BY_4_0`), or the licence's own URL (Creative Commons, Datenlizenz Deutschland,
/// Open Data Commons). `None` when there is none.
pub fn license_from_source(value: &str) -> Option<String> {
    let value = value.trim();
    let known = |code: &str| {
        licenses()
            .any(|(c, _)| c == code)
            .then(|| format!("{LICENSE}{code}"))
    };
    if let Some(code) = value
        .strip_prefix(LICENSE)
        .or_else(|| value.strip_prefix("https://dcat-ap.de/def/licenses/"))
    {
        return known(code.trim_end_matches('/'));
    }
    if !value.contains("://") {
        let code = match value.to_ascii_lowercase().as_str() {
            "odc-odbl" | "odbl" => "odbl".to_owned(),
            "odc-by" => "odby".to_owned(),
            "odc-pddl" => "odcpddl".to_owned(),
            "cc0" | "cc-0" | "cc0-1.0" => "cc-zero".to_owned(),
            "cc-nc" => "cc-by-nc".to_owned(),
            "cc-by-4.0" => "cc-by/4.0".to_owned(),
            "cc-by-sa-4.0" => "cc-by-sa/4.0".to_owned(),
            "dl-de-by-2.0" | "dl-by-de-2.0" => "dl-by-de/2.0".to_owned(),
            "dl-de-zero-2.0" | "dl-zero-de-2.0" => "dl-zero-de/2.0".to_owned(),
            _ => value.to_owned(),
        };
        return known(&code);
    }
    let lower = value.to_ascii_lowercase();
    let path = lower
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.")
        .trim_end_matches('/');
    let code =
        if let Some(eu) = path.strip_prefix("publications.europa.eu/resource/authority/licence/") {
            match eu {
                "cc_by_3_0" | "cc_by_2_0" | "cc_by_2_5" => "cc-by",
                "cc_bysa_3_0" => "cc-by-sa",
                "cc_bync_3_0" => "cc-by-nc",
                "cc_bynd_3_0" => "cc-by-nd/3.0",
                "cc_by_4_0" => "cc-by/4.0",
                "cc_bysa_4_0" => "cc-by-sa/4.0",
                "cc_bynd_4_0" => "cc-by-nd/4.0",
                "cc_bync_4_0" => "cc-by-nc/4.0",
                "cc0" => "cc-zero",
                "dl_by_de_2_0" => "dl-by-de/2.0",
                "dl_zero_de_2_0" => "dl-zero-de/2.0",
                "odc_bl" => "odbl",
                "odc_by" => "odby",
                "odc_pddl" => "odcpddl",
                _ => return None,
            }
        } else if let Some(id) = path
            .strip_prefix("opendefinition.org/licenses/")
            .or_else(|| path.strip_prefix("opendefinition.org/licenses/"))
        {
            // The Open Definition's ids, which CKAN's licence ids are.
            return license_from_source(id.trim_end_matches('/'));
        } else if let Some(cc) = path.strip_prefix("creativecommons.org/") {
            let cc = cc
                .trim_end_matches("/legalcode")
                .trim_end_matches("/deed.de");
            // The unported versions before 4.0: GovData's unversioned codes.
            let unversioned = ["1.0", "2.0", "2.5", "3.0"]
                .iter()
                .find_map(|v| cc.strip_suffix(&format!("/{v}")))
                .and_then(|kind| match kind {
                    "licenses/by" => Some("cc-by"),
                    "licenses/by-sa" => Some("cc-by-sa"),
                    "licenses/by-nd" => Some("cc-by-nd"),
                    "licenses/by-nc" => Some("cc-by-nc"),
                    _ => None,
                });
            if let Some(code) = unversioned
                && cc != "licenses/by-nd/3.0"
            {
                return known(code);
            }
            match cc {
                "licenses/by/4.0" => "cc-by/4.0",
                "licenses/by-sa/4.0" => "cc-by-sa/4.0",
                "licenses/by-nd/4.0" => "cc-by-nd/4.0",
                "licenses/by-nc/4.0" => "cc-by-nc/4.0",
                "licenses/by/3.0/de" => "cc-by-de/3.0",
                "licenses/by-sa/3.0/de" => "cc-by-sa-de/3.0",
                "licenses/by-nc/3.0/de" => "cc-by-nc-de/3.0",
                "licenses/by-nd/3.0" => "cc-by-nd/3.0",
                "publicdomain/zero/1.0" => "cc-zero",
                "publicdomain/mark/1.0" => "ccpdm/1.0",
                _ => return None,
            }
        } else if let Some(dl) = path.strip_prefix("govdata.de/dl-de/") {
            match dl {
                "by-2-0" => "dl-by-de/2.0",
                "zero-2-0" => "dl-zero-de/2.0",
                "by-1-0" => "dl-by-de/1.0",
                "by-nc-1-0" => "dl-by-nc-de/1.0",
                _ => return None,
            }
        } else if let Some(odc) = path.strip_prefix("opendatacommons.org/licenses/") {
            match odc.split('/').next().unwrap_or("") {
                "odbl" => "odbl",
                "by" => "odby",
                "pddl" => "odcpddl",
                _ => return None,
            }
        } else {
            return None;
        };
    known(code)
}

#[cfg(test)]
mod license_tests {
    use super::*;

    #[test]
    fn licences_of_other_catalogues_map_to_dcat_ap_de() {
        let code = |v: &str| license_from_source(v).map(|i| i[LICENSE.len()..].to_owned());
        assert_eq!(code("cc-by").as_deref(), Some("cc-by"));
        assert_eq!(code("odc-odbl").as_deref(), Some("odbl"));
        assert_eq!(
            code("http://dcat-ap.de/def/licenses/dl-by-de/2.0").as_deref(),
            Some("dl-by-de/2.0")
        );
        assert_eq!(
            code("https://creativecommons.org/licenses/by/4.0/").as_deref(),
            Some("cc-by/4.0")
        );
        assert_eq!(
            code("https://www.govdata.de/dl-de/by-2-0").as_deref(),
            Some("dl-by-de/2.0")
        );
        assert_eq!(
            code("http://publications.europa.eu/resource/authority/licence/CC0").as_deref(),
            Some("cc-zero")
        );
        assert_eq!(
            code("https://opendatacommons.org/licenses/odbl/1-0/").as_deref(),
            Some("odbl")
        );
        assert_eq!(
            code("http://creativecommons.org/licenses/by-nc/3.0/").as_deref(),
            Some("cc-by-nc")
        );
        assert_eq!(
            code("http://www.opendefinition.org/licenses/cc-zero").as_deref(),
            Some("cc-zero")
        );
        assert_eq!(code("https://example.org/my-licence"), None);
        assert_eq!(code("proprietary"), None);
    }
}
