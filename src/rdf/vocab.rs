//! The RDF terms odcat emits, one constant per term, grouped by vocabulary.

#![allow(missing_docs)]

use oxigraph::model::NamedNodeRef;

const fn iri(value: &'static str) -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(value)
}

/// Prefixes written by Turtle and RDF/XML serialisers.
pub const PREFIXES: &[(&str, &str)] = &[
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("dcatap", "http://data.europa.eu/r5r/"),
    ("dcatde", "http://dcat-ap.de/def/dcatde/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("hydra", "http://www.w3.org/ns/hydra/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("void", "http://rdfs.org/ns/void#"),
    ("csvw", "http://www.w3.org/ns/csvw#"),
    ("sd", "http://www.w3.org/ns/sparql-service-description#"),
];

pub mod rdf {
    use super::*;
    pub const TYPE: NamedNodeRef<'static> = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");
    pub const VALUE: NamedNodeRef<'static> =
        iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#value");
    pub const PROPERTY: NamedNodeRef<'static> =
        iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#Property");
}

pub mod rdfs {
    use super::*;
    pub const LABEL: NamedNodeRef<'static> = iri("http://www.w3.org/2000/01/rdf-schema#label");
    pub const COMMENT: NamedNodeRef<'static> = iri("http://www.w3.org/2000/01/rdf-schema#comment");
    pub const RANGE: NamedNodeRef<'static> = iri("http://www.w3.org/2000/01/rdf-schema#range");
    pub const IS_DEFINED_BY: NamedNodeRef<'static> =
        iri("http://www.w3.org/2000/01/rdf-schema#isDefinedBy");
}

/// VoID, for the description of each hosted table's graph of rows.
pub mod void {
    use super::*;
    pub const DATASET: NamedNodeRef<'static> = iri("http://rdfs.org/ns/void#Dataset");
    pub const ENTITIES: NamedNodeRef<'static> = iri("http://rdfs.org/ns/void#entities");
    pub const SPARQL_ENDPOINT: NamedNodeRef<'static> =
        iri("http://rdfs.org/ns/void#sparqlEndpoint");
    pub const PROPERTY: NamedNodeRef<'static> = iri("http://rdfs.org/ns/void#property");
}

/// CSV on the Web, for table rows.
pub mod csvw {
    use super::*;
    pub const ROW: NamedNodeRef<'static> = iri("http://www.w3.org/ns/csvw#Row");
    pub const ROWNUM: NamedNodeRef<'static> = iri("http://www.w3.org/ns/csvw#rownum");
}

/// SPARQL 1.1 Service Description.
pub mod sd {
    use super::*;
    pub const SERVICE: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#Service");
    pub const ENDPOINT: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#endpoint");
    pub const SUPPORTED_LANGUAGE: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#supportedLanguage");
    pub const SPARQL11_QUERY: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#SPARQL11Query");
    pub const RESULT_FORMAT: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#resultFormat");
    pub const FEATURE: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#feature");
    pub const UNION_DEFAULT_GRAPH: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#UnionDefaultGraph");
    pub const DEFAULT_DATASET: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#defaultDataset");
    pub const DATASET: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#Dataset");
    pub const DEFAULT_GRAPH: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#defaultGraph");
    pub const GRAPH: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/sparql-service-description#Graph");
}

pub mod xsd {
    use super::*;
    pub const BOOLEAN: NamedNodeRef<'static> = iri("http://www.w3.org/2001/XMLSchema#boolean");
    pub const DECIMAL: NamedNodeRef<'static> = iri("http://www.w3.org/2001/XMLSchema#decimal");
    pub const STRING: NamedNodeRef<'static> = iri("http://www.w3.org/2001/XMLSchema#string");
    pub const DATE: NamedNodeRef<'static> = iri("http://www.w3.org/2001/XMLSchema#date");
    pub const DATE_TIME: NamedNodeRef<'static> = iri("http://www.w3.org/2001/XMLSchema#dateTime");
    pub const INTEGER: NamedNodeRef<'static> = iri("http://www.w3.org/2001/XMLSchema#integer");
    pub const NON_NEGATIVE_INTEGER: NamedNodeRef<'static> =
        iri("http://www.w3.org/2001/XMLSchema#nonNegativeInteger");
    pub const HEX_BINARY: NamedNodeRef<'static> = iri("http://www.w3.org/2001/XMLSchema#hexBinary");
}

pub mod dcat {
    use super::*;
    pub const CATALOG: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#Catalog");
    pub const CATALOG_RECORD: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dcat#CatalogRecord");
    pub const DATASET: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#Dataset");
    pub const DISTRIBUTION: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#Distribution");
    pub const RESOURCE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#Resource");
    pub const ACCESS_URL: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#accessURL");
    pub const BYTE_SIZE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#byteSize");
    pub const CONTACT_POINT: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#contactPoint");
    pub const DATASET_PROP: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#dataset");
    pub const DISTRIBUTION_PROP: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dcat#distribution");
    pub const DOWNLOAD_URL: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#downloadURL");
    pub const END_DATE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#endDate");
    pub const KEYWORD: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#keyword");
    pub const LANDING_PAGE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#landingPage");
    pub const MEDIA_TYPE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#mediaType");
    pub const RECORD: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#record");
    pub const START_DATE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#startDate");
    pub const THEME: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#theme");
    pub const THEME_TAXONOMY: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dcat#themeTaxonomy");
    pub const VERSION: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#version");
    pub const DATA_SERVICE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#DataService");
    pub const SERVICE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#service");
    pub const ENDPOINT_URL: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dcat#endpointURL");
    pub const ENDPOINT_DESCRIPTION: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dcat#endpointDescription");
    pub const SERVES_DATASET: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dcat#servesDataset");
}

pub mod dct {
    use super::*;
    pub const ACCESS_RIGHTS: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/accessRights");
    pub const ACCRUAL_PERIODICITY: NamedNodeRef<'static> =
        iri("http://purl.org/dc/terms/accrualPeriodicity");
    pub const CONFORMS_TO: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/conformsTo");
    pub const DESCRIPTION: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/description");
    pub const FORMAT: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/format");
    pub const IDENTIFIER: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/identifier");
    pub const ISSUED: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/issued");
    pub const LANGUAGE: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/language");
    pub const LICENSE: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/license");
    pub const MODIFIED: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/modified");
    pub const PUBLISHER: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/publisher");
    pub const RIGHTS: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/rights");
    pub const SPATIAL: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/spatial");
    pub const TEMPORAL: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/temporal");
    pub const SOURCE: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/source");
    pub const TITLE: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/title");
    pub const TYPE: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/type");
    pub const FREQUENCY: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/Frequency");
    pub const LICENSE_DOCUMENT: NamedNodeRef<'static> =
        iri("http://purl.org/dc/terms/LicenseDocument");
    pub const LINGUISTIC_SYSTEM: NamedNodeRef<'static> =
        iri("http://purl.org/dc/terms/LinguisticSystem");
    pub const LOCATION: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/Location");
    pub const MEDIA_TYPE: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/MediaType");
    pub const MEDIA_TYPE_OR_EXTENT: NamedNodeRef<'static> =
        iri("http://purl.org/dc/terms/MediaTypeOrExtent");
    pub const PERIOD_OF_TIME: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/PeriodOfTime");
    pub const RIGHTS_STATEMENT: NamedNodeRef<'static> =
        iri("http://purl.org/dc/terms/RightsStatement");
    pub const STANDARD: NamedNodeRef<'static> = iri("http://purl.org/dc/terms/Standard");
}

pub mod dcatde {
    use super::*;
    pub const CONTRIBUTOR_ID: NamedNodeRef<'static> =
        iri("http://dcat-ap.de/def/dcatde/contributorID");
    pub const LICENSE_ATTRIBUTION_BY_TEXT: NamedNodeRef<'static> =
        iri("http://dcat-ap.de/def/dcatde/licenseAttributionByText");
    pub const POLITICAL_GEOCODING_LEVEL_URI: NamedNodeRef<'static> =
        iri("http://dcat-ap.de/def/dcatde/politicalGeocodingLevelURI");
}

pub mod foaf {
    use super::*;
    pub const AGENT: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/Agent");
    pub const DOCUMENT: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/Document");
    pub const ORGANIZATION: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/Organization");
    pub const HOMEPAGE: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/homepage");
    pub const MBOX: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/mbox");
    pub const NAME: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/name");
    pub const PAGE: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/page");
    pub const PRIMARY_TOPIC: NamedNodeRef<'static> = iri("http://xmlns.com/foaf/0.1/primaryTopic");
}

pub mod vcard {
    use super::*;
    pub const KIND: NamedNodeRef<'static> = iri("http://www.w3.org/2006/vcard/ns#Kind");
    pub const ORGANIZATION: NamedNodeRef<'static> =
        iri("http://www.w3.org/2006/vcard/ns#Organization");
    pub const FN: NamedNodeRef<'static> = iri("http://www.w3.org/2006/vcard/ns#fn");
    pub const HAS_EMAIL: NamedNodeRef<'static> = iri("http://www.w3.org/2006/vcard/ns#hasEmail");
    pub const HAS_TELEPHONE: NamedNodeRef<'static> =
        iri("http://www.w3.org/2006/vcard/ns#hasTelephone");
    pub const HAS_URL: NamedNodeRef<'static> = iri("http://www.w3.org/2006/vcard/ns#hasURL");
}

pub mod dcatap {
    use super::*;
    pub const AVAILABILITY: NamedNodeRef<'static> = iri("http://data.europa.eu/r5r/availability");
}

pub mod dqv {
    use super::*;
    pub const QUALITY_MEASUREMENT: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dqv#QualityMeasurement");
    pub const HAS_QUALITY_MEASUREMENT: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dqv#hasQualityMeasurement");
    pub const COMPUTED_ON: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dqv#computedOn");
    pub const IS_MEASUREMENT_OF: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/dqv#isMeasurementOf");
    pub const VALUE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/dqv#value");
}

/// piveau's MQA metrics vocabulary (`https://piveau.eu/ns/voc#`).
pub mod pv {
    use super::*;
    pub const NS: &str = "https://piveau.eu/ns/voc#";
    pub const SCORING: NamedNodeRef<'static> = iri("https://piveau.eu/ns/voc#scoring");
}

pub mod prov {
    use super::*;
    pub const GENERATED_AT_TIME: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/prov#generatedAtTime");
    pub const WAS_DERIVED_FROM: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/prov#wasDerivedFrom");
}

pub mod adms {
    use super::*;
    pub const STATUS: NamedNodeRef<'static> = iri("http://www.w3.org/ns/adms#status");
}

pub mod skos {
    use super::*;
    pub const CONCEPT: NamedNodeRef<'static> = iri("http://www.w3.org/2004/02/skos/core#Concept");
    pub const PREF_LABEL: NamedNodeRef<'static> =
        iri("http://www.w3.org/2004/02/skos/core#prefLabel");
    pub const CONCEPT_SCHEME: NamedNodeRef<'static> =
        iri("http://www.w3.org/2004/02/skos/core#ConceptScheme");
}

pub mod spdx {
    use super::*;
    pub const CHECKSUM_CLASS: NamedNodeRef<'static> = iri("http://spdx.org/rdf/terms#Checksum");
    pub const CHECKSUM_ALGORITHM: NamedNodeRef<'static> =
        iri("http://spdx.org/rdf/terms#ChecksumAlgorithm");
    pub const CHECKSUM: NamedNodeRef<'static> = iri("http://spdx.org/rdf/terms#checksum");
    pub const ALGORITHM: NamedNodeRef<'static> = iri("http://spdx.org/rdf/terms#algorithm");
    pub const CHECKSUM_VALUE: NamedNodeRef<'static> =
        iri("http://spdx.org/rdf/terms#checksumValue");
}

pub mod hydra {
    use super::*;
    pub const PAGED_COLLECTION: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/hydra/core#PagedCollection");
    pub const PARTIAL_COLLECTION_VIEW: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/hydra/core#PartialCollectionView");
    pub const TOTAL_ITEMS: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/hydra/core#totalItems");
    pub const ITEMS_PER_PAGE: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/hydra/core#itemsPerPage");
    pub const FIRST_PAGE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#firstPage");
    pub const LAST_PAGE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#lastPage");
    pub const NEXT_PAGE: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#nextPage");
    pub const PREVIOUS_PAGE: NamedNodeRef<'static> =
        iri("http://www.w3.org/ns/hydra/core#previousPage");
    pub const FIRST: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#first");
    pub const LAST: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#last");
    pub const NEXT: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#next");
    pub const PREVIOUS: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#previous");
    pub const VIEW: NamedNodeRef<'static> = iri("http://www.w3.org/ns/hydra/core#view");
}

/// EU Vocabularies and DCAT-AP.de code-list IRIs used as fixed values.
pub mod codes {
    use super::*;
    pub const DATA_THEME_SCHEME: NamedNodeRef<'static> =
        iri("http://publications.europa.eu/resource/authority/data-theme");
    pub const STATUS_COMPLETED: NamedNodeRef<'static> =
        iri("http://publications.europa.eu/resource/authority/distribution-status/COMPLETED");
    pub const ACCESS_RIGHT_PUBLIC: NamedNodeRef<'static> =
        iri("http://publications.europa.eu/resource/authority/access-right/PUBLIC");
    pub const SPARQL_PROTOCOL: NamedNodeRef<'static> =
        iri("https://www.w3.org/TR/sparql11-protocol/");
}
