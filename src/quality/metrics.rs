//! The metrics of data.europa.eu's Metadata Quality Assessment (MQA) and their weights: the one table
//! the score is computed from. Names are piveau's DQV metric names (`https://piveau.eu/ns/voc#…`);
//! the points are `pv:trueScore` of piveau's metric vocabulary, 405 in all.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The piveau vocabulary the metric names live in.
pub const PV: &str = "https://piveau.eu/ns/voc#";

/// The highest score.
pub const MAX_SCORE: u32 = 405;

/// A dimension of the methodology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Can the dataset be found (keywords, themes, place, time)?
    Findability,
    /// Can its data be reached?
    Accessibility,
    /// Is it in formats others can process?
    Interoperability,
    /// May it be reused, and by whom (licence, rights, contact)?
    Reusability,
    /// Does it say what it is (size, dates, rights)?
    Contextuality,
}

impl Dimension {
    /// Every dimension in the methodology's order.
    pub const ALL: [Self; 5] = [
        Self::Findability,
        Self::Accessibility,
        Self::Interoperability,
        Self::Reusability,
        Self::Contextuality,
    ];

    /// The name in JSON and IRIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Findability => "findability",
            Self::Accessibility => "accessibility",
            Self::Interoperability => "interoperability",
            Self::Reusability => "reusability",
            Self::Contextuality => "contextuality",
        }
    }

    /// German and English labels.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Self::Findability => ("Auffindbarkeit", "Findability"),
            Self::Accessibility => ("Zugänglichkeit", "Accessibility"),
            Self::Interoperability => ("Interoperabilität", "Interoperability"),
            Self::Reusability => ("Wiederverwendbarkeit", "Reusability"),
            Self::Contextuality => ("Kontext", "Contextuality"),
        }
    }
}

/// What a metric is measured on and how a dataset with several distributions scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The dataset: all or nothing.
    Dataset,
    /// Each distribution; the best one counts (the methodology's interoperability metrics).
    BestDistribution,
    /// Each distribution; the points are shared by the share of distributions that pass.
    ShareOfDistributions,
    /// The dataset states it (all points), else the share of its distributions that do.
    DatasetOrDistributions,
}

/// One metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Metric {
    /// `dcat:keyword` on the dataset.
    KeywordAvailability,
    /// `dcat:theme` on the dataset.
    CategoryAvailability,
    /// `dct:spatial` on the dataset.
    SpatialAvailability,
    /// `dct:temporal` on the dataset.
    TemporalAvailability,
    /// `dcat:accessURL` answers HTTP 2xx or 3xx.
    AccessUrlStatusCode,
    /// `dcat:downloadURL` is given.
    DownloadUrlAvailability,
    /// `dcat:downloadURL` answers HTTP 2xx or 3xx.
    DownloadUrlStatusCode,
    /// `dct:format` is given.
    FormatAvailability,
    /// `dcat:mediaType` is given.
    MediaTypeAvailability,
    /// Format and media type come from the EU file-type and IANA vocabularies.
    FormatMediaTypeVocabularyAlignment,
    /// The format is non-proprietary (data.europa.eu's list).
    FormatMediaTypeNonProprietary,
    /// The format is machine-readable (data.europa.eu's list).
    FormatMediaTypeMachineInterpretable,
    /// The dataset's description conforms to DCAT-AP (SHACL, no violation).
    DcatApCompliance,
    /// `dct:license` is given.
    LicenceAvailability,
    /// The licence is one of a known vocabulary.
    KnownLicence,
    /// `dct:accessRights` is given.
    AccessRightsAvailability,
    /// `dct:accessRights` is from the EU access-right vocabulary.
    AccessRightsVocabularyAlignment,
    /// `dcat:contactPoint` is given.
    ContactPointAvailability,
    /// `dct:publisher` is given.
    PublisherAvailability,
    /// `dct:rights` on the distribution.
    RightsAvailability,
    /// `dcat:byteSize` on the distribution.
    ByteSizeAvailability,
    /// `dct:issued`.
    DateIssuedAvailability,
    /// `dct:modified`.
    DateModifiedAvailability,
}

/// A metric's row of the weights table.
#[derive(Clone, Copy, Debug)]
pub struct Weight {
    /// The metric.
    pub metric: Metric,
    /// Its dimension.
    pub dimension: Dimension,
    /// What it is measured on.
    pub scope: Scope,
    /// The points it is worth.
    pub points: u32,
}

const fn w(metric: Metric, dimension: Dimension, scope: Scope, points: u32) -> Weight {
    Weight {
        metric,
        dimension,
        scope,
        points,
    }
}

/// The weights table (data.europa.eu MQA methodology; piveau `pv:trueScore`).
pub static WEIGHTS: [Weight; 23] = {
    use Dimension::*;
    use Metric::*;
    use Scope::*;
    [
        w(KeywordAvailability, Findability, Dataset, 30),
        w(CategoryAvailability, Findability, Dataset, 30),
        w(SpatialAvailability, Findability, Dataset, 20),
        w(TemporalAvailability, Findability, Dataset, 20),
        w(AccessUrlStatusCode, Accessibility, ShareOfDistributions, 50),
        w(
            DownloadUrlAvailability,
            Accessibility,
            ShareOfDistributions,
            20,
        ),
        w(
            DownloadUrlStatusCode,
            Accessibility,
            ShareOfDistributions,
            30,
        ),
        w(FormatAvailability, Interoperability, BestDistribution, 20),
        w(
            MediaTypeAvailability,
            Interoperability,
            BestDistribution,
            10,
        ),
        w(
            FormatMediaTypeVocabularyAlignment,
            Interoperability,
            BestDistribution,
            10,
        ),
        w(
            FormatMediaTypeNonProprietary,
            Interoperability,
            BestDistribution,
            20,
        ),
        w(
            FormatMediaTypeMachineInterpretable,
            Interoperability,
            BestDistribution,
            20,
        ),
        w(DcatApCompliance, Interoperability, Dataset, 30),
        w(LicenceAvailability, Reusability, ShareOfDistributions, 20),
        w(KnownLicence, Reusability, ShareOfDistributions, 10),
        w(AccessRightsAvailability, Reusability, Dataset, 10),
        w(AccessRightsVocabularyAlignment, Reusability, Dataset, 5),
        w(ContactPointAvailability, Reusability, Dataset, 20),
        w(PublisherAvailability, Reusability, Dataset, 10),
        w(RightsAvailability, Contextuality, ShareOfDistributions, 5),
        w(ByteSizeAvailability, Contextuality, ShareOfDistributions, 5),
        w(
            DateIssuedAvailability,
            Contextuality,
            DatasetOrDistributions,
            5,
        ),
        w(
            DateModifiedAvailability,
            Contextuality,
            DatasetOrDistributions,
            5,
        ),
    ]
};

impl Metric {
    /// The metric's row of [`WEIGHTS`].
    pub fn weight(self) -> &'static Weight {
        WEIGHTS
            .iter()
            .find(|w| w.metric == self)
            .unwrap_or(&WEIGHTS[0])
    }

    /// piveau's name (`keywordAvailability`), the local name of its IRI.
    pub fn name(self) -> &'static str {
        match self {
            Self::KeywordAvailability => "keywordAvailability",
            Self::CategoryAvailability => "categoryAvailability",
            Self::SpatialAvailability => "spatialAvailability",
            Self::TemporalAvailability => "temporalAvailability",
            Self::AccessUrlStatusCode => "accessUrlStatusCode",
            Self::DownloadUrlAvailability => "downloadUrlAvailability",
            Self::DownloadUrlStatusCode => "downloadUrlStatusCode",
            Self::FormatAvailability => "formatAvailability",
            Self::MediaTypeAvailability => "mediaTypeAvailability",
            Self::FormatMediaTypeVocabularyAlignment => "formatMediaTypeVocabularyAlignment",
            Self::FormatMediaTypeNonProprietary => "formatMediaTypeNonProprietary",
            Self::FormatMediaTypeMachineInterpretable => "formatMediaTypeMachineInterpretable",
            Self::DcatApCompliance => "dcatApCompliance",
            Self::LicenceAvailability => "licenceAvailability",
            Self::KnownLicence => "knownLicence",
            Self::AccessRightsAvailability => "accessRightsAvailability",
            Self::AccessRightsVocabularyAlignment => "accessRightsVocabularyAlignment",
            Self::ContactPointAvailability => "contactPointAvailability",
            Self::PublisherAvailability => "publisherAvailability",
            Self::RightsAvailability => "rightsAvailability",
            Self::ByteSizeAvailability => "byteSizeAvailability",
            Self::DateIssuedAvailability => "dateIssuedAvailability",
            Self::DateModifiedAvailability => "dateModifiedAvailability",
        }
    }

    /// The metric named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        WEIGHTS.iter().map(|w| w.metric).find(|m| m.name() == name)
    }

    /// Its IRI in piveau's vocabulary.
    pub fn iri(self) -> String {
        format!("{PV}{}", self.name())
    }

    /// What the metric asks, in German and English.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Self::KeywordAvailability => ("Schlagwörter", "Keywords"),
            Self::CategoryAvailability => ("Kategorien (Themen)", "Categories (themes)"),
            Self::SpatialAvailability => ("Räumlicher Bezug", "Spatial coverage"),
            Self::TemporalAvailability => ("Zeitlicher Bezug", "Temporal coverage"),
            Self::AccessUrlStatusCode => ("Zugangs-URL erreichbar", "Access URL reachable"),
            Self::DownloadUrlAvailability => ("Download-URL angegeben", "Download URL given"),
            Self::DownloadUrlStatusCode => ("Download-URL erreichbar", "Download URL reachable"),
            Self::FormatAvailability => ("Format angegeben", "Format given"),
            Self::MediaTypeAvailability => ("Medientyp angegeben", "Media type given"),
            Self::FormatMediaTypeVocabularyAlignment => (
                "Format und Medientyp aus dem Vokabular",
                "Format and media type from the vocabulary",
            ),
            Self::FormatMediaTypeNonProprietary => ("Offenes Format", "Non-proprietary format"),
            Self::FormatMediaTypeMachineInterpretable => {
                ("Maschinenlesbares Format", "Machine-readable format")
            }
            Self::DcatApCompliance => ("DCAT-AP-konform", "DCAT-AP compliant"),
            Self::LicenceAvailability => ("Lizenz angegeben", "Licence given"),
            Self::KnownLicence => ("Bekannte Lizenz", "Known licence"),
            Self::AccessRightsAvailability => ("Zugriffsrechte angegeben", "Access rights given"),
            Self::AccessRightsVocabularyAlignment => (
                "Zugriffsrechte aus dem Vokabular",
                "Access rights from the vocabulary",
            ),
            Self::ContactPointAvailability => ("Kontaktstelle", "Contact point"),
            Self::PublisherAvailability => ("Veröffentlichende Stelle", "Publisher"),
            Self::RightsAvailability => ("Rechteangabe", "Rights statement"),
            Self::ByteSizeAvailability => ("Dateigröße", "File size"),
            Self::DateIssuedAvailability => ("Veröffentlichungsdatum", "Date of issue"),
            Self::DateModifiedAvailability => ("Änderungsdatum", "Modification date"),
        }
    }

    /// What to do to gain the metric's points, in German and English (the points are added by the
    /// caller).
    pub fn fix(self) -> (&'static str, &'static str) {
        match self {
            Self::KeywordAvailability => (
                "Mindestens ein Schlagwort angeben (Feld „keywords“)",
                "Add at least one keyword (field `keywords`)",
            ),
            Self::CategoryAvailability => (
                "Mindestens ein Thema aus dem EU-Vokabular „data-theme“ angeben (Feld „themes“)",
                "Add at least one theme from the EU data-theme vocabulary (field `themes`)",
            ),
            Self::SpatialAvailability => (
                "Den räumlichen Bezug angeben, z. B. den Gemeindeschlüssel (Feld „spatial“)",
                "State the spatial coverage, e.g. the municipality key (field `spatial`)",
            ),
            Self::TemporalAvailability => (
                "Den Zeitraum angeben, den die Daten abdecken (Feld „temporal“)",
                "State the period the data covers (field `temporal`)",
            ),
            Self::AccessUrlStatusCode => (
                "Jede Zugangs-URL muss erreichbar sein (HTTP 2xx/3xx); tote Links ersetzen",
                "Every access URL must answer (HTTP 2xx/3xx); replace dead links",
            ),
            Self::DownloadUrlAvailability => (
                "Jeder Distribution eine direkte Download-URL geben (Feld „download_url“)",
                "Give every distribution a direct download URL (field `download_url`)",
            ),
            Self::DownloadUrlStatusCode => (
                "Jede Download-URL muss erreichbar sein (HTTP 2xx/3xx); tote Links ersetzen",
                "Every download URL must answer (HTTP 2xx/3xx); replace dead links",
            ),
            Self::FormatAvailability => (
                "Das Format jeder Distribution angeben (Feld „format“)",
                "State each distribution's format (field `format`)",
            ),
            Self::MediaTypeAvailability => (
                "Den IANA-Medientyp angeben, z. B. text/csv (Feld „media_type“)",
                "State the IANA media type, e.g. text/csv (field `media_type`)",
            ),
            Self::FormatMediaTypeVocabularyAlignment => (
                "Format aus dem EU-Vokabular „file-type“ und Medientyp aus der IANA-Liste wählen",
                "Choose the format from the EU file-type vocabulary and the media type from IANA's list",
            ),
            Self::FormatMediaTypeNonProprietary => (
                "Die Daten (auch) in einem offenen Format anbieten, z. B. CSV oder JSON",
                "Offer the data (also) in a non-proprietary format such as CSV or JSON",
            ),
            Self::FormatMediaTypeMachineInterpretable => (
                "Die Daten (auch) maschinenlesbar anbieten, z. B. CSV statt PDF",
                "Offer the data (also) in a machine-readable format, e.g. CSV instead of PDF",
            ),
            Self::DcatApCompliance => (
                "Die DCAT-AP-Verstöße beheben, die die Prüfung nennt",
                "Fix the DCAT-AP violations the check names",
            ),
            Self::LicenceAvailability => (
                "Ein Lizenz-IRI aus der GovData-Liste angeben (Feld „license“)",
                "Give a licence IRI from GovData's list (field `license`)",
            ),
            Self::KnownLicence => (
                "Eine Lizenz aus der GovData-Liste wählen",
                "Choose a licence from GovData's list",
            ),
            Self::AccessRightsAvailability => (
                "Die Zugriffsrechte angeben, z. B. PUBLIC (Feld „access_rights“)",
                "State the access rights, e.g. PUBLIC (field `access_rights`)",
            ),
            Self::AccessRightsVocabularyAlignment => (
                "Zugriffsrechte aus dem EU-Vokabular „access-right“ wählen",
                "Choose the access rights from the EU access-right vocabulary",
            ),
            Self::ContactPointAvailability => (
                "Eine Kontaktstelle mit E-Mail, Webseite oder Telefon angeben (Feld „contact_point“)",
                "Add a contact point with an e-mail, web page or telephone (field `contact_point`)",
            ),
            Self::PublisherAvailability => (
                "Die veröffentlichende Stelle angeben (Feld „publisher“)",
                "State the publisher (field `publisher`)",
            ),
            Self::RightsAvailability => (
                "Jeder Distribution eine Rechteangabe geben (Feld „rights“)",
                "Give every distribution a rights statement (field `rights`)",
            ),
            Self::ByteSizeAvailability => (
                "Die Dateigröße jeder Distribution angeben (Feld „byte_size“)",
                "State each distribution's file size (field `byte_size`)",
            ),
            Self::DateIssuedAvailability => (
                "Das Veröffentlichungsdatum angeben (Feld „issued“)",
                "State the date of issue (field `issued`)",
            ),
            Self::DateModifiedAvailability => (
                "Das Datum der letzten Änderung angeben (Feld „modified“)",
                "State the date of the last change (field `modified`)",
            ),
        }
    }
}

/// The band of a score: excellent 351–405, good 221–350, sufficient 121–220, bad 0–120.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// 351 to 405 points.
    Excellent,
    /// 221 to 350 points.
    Good,
    /// 121 to 220 points.
    Sufficient,
    /// 0 to 120 points.
    Bad,
}

impl Band {
    /// Every band, best first.
    pub const ALL: [Self; 4] = [Self::Excellent, Self::Good, Self::Sufficient, Self::Bad];

    /// The band of `score`.
    pub fn of(score: u32) -> Self {
        match score {
            351.. => Self::Excellent,
            221.. => Self::Good,
            121.. => Self::Sufficient,
            _ => Self::Bad,
        }
    }

    /// The lowest score of the band.
    pub fn floor(self) -> u32 {
        match self {
            Self::Excellent => 351,
            Self::Good => 221,
            Self::Sufficient => 121,
            Self::Bad => 0,
        }
    }

    /// The name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
            Self::Sufficient => "sufficient",
            Self::Bad => "bad",
        }
    }

    /// German and English labels (data.europa.eu's names).
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Self::Excellent => ("Ausgezeichnet", "Excellent"),
            Self::Good => ("Gut", "Good"),
            Self::Sufficient => ("Ausreichend", "Sufficient"),
            Self::Bad => ("Mangelhaft", "Bad"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weights_add_up_to_405_and_each_metric_has_one_row() {
        assert_eq!(WEIGHTS.iter().map(|w| w.points).sum::<u32>(), MAX_SCORE);
        for w in &WEIGHTS {
            assert_eq!(WEIGHTS.iter().filter(|o| o.metric == w.metric).count(), 1);
            assert_eq!(Metric::parse(w.metric.name()), Some(w.metric));
            assert!(std::ptr::eq(w.metric.weight(), w));
        }
        let per = |d: Dimension| -> u32 {
            WEIGHTS
                .iter()
                .filter(|w| w.dimension == d)
                .map(|w| w.points)
                .sum()
        };
        assert_eq!(
            Dimension::ALL.map(per),
            [100, 100, 110, 75, 20],
            "the methodology's maxima per dimension"
        );
    }

    #[test]
    fn bands_follow_the_methodology() {
        assert_eq!(Band::of(405), Band::Excellent);
        assert_eq!(Band::of(351), Band::Excellent);
        assert_eq!(Band::of(350), Band::Good);
        assert_eq!(Band::of(221), Band::Good);
        assert_eq!(Band::of(220), Band::Sufficient);
        assert_eq!(Band::of(121), Band::Sufficient);
        assert_eq!(Band::of(120), Band::Bad);
        assert_eq!(Band::of(0), Band::Bad);
    }
}
