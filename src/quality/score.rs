//! The score: a pure function of a dataset's document, the last checks of the URLs it names and its
//! DCAT-AP compliance. The weights come from [`WEIGHTS`]; how a metric is measured follows the MQA
//! methodology, interpreted where it is silent as documented on each measurement below.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::formats;
use super::metrics::{Band, Dimension, MAX_SCORE, Metric, Scope, WEIGHTS};
use crate::catalog::document::{DatasetDocument, DistributionDocument};
use crate::catalog::values::{DistributionKind, DistributionStatus};
use crate::catalog::vocab::Vocabulary;

/// The last check of one URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkState {
    /// The HTTP status code, when there was an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Whether it answered 2xx or 3xx.
    pub reachable: bool,
    /// Why not, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The last checks of URLs, by URL (a URL missing here has not been checked yet).
pub type Links = HashMap<String, LinkState>;

/// One SHACL violation of the dataset's description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Violation {
    /// The node it is about (an IRI or a blank node).
    pub focus: String,
    /// The property path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The SHACL constraint component (`MinCountConstraintComponent`).
    pub component: String,
    /// The shape's message, else a description of the constraint.
    pub message: String,
}

/// The result of the DCAT-AP check of the dataset's description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compliance {
    /// Checked; no violation means compliant.
    Checked(Vec<Violation>),
    /// Not checked (the reason is shown).
    Unchecked(String),
}

/// How one distribution fared on a distribution metric.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DistributionResult {
    /// The distribution.
    pub id: Uuid,
    /// Whether it passes.
    pub passed: bool,
    /// The HTTP status code its URL answered (the status-code metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why it fails, or how it passes without a request (a hosted table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One metric's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricResult {
    /// The metric (piveau's name).
    pub metric: Metric,
    /// Its dimension.
    pub dimension: Dimension,
    /// The points it is worth.
    pub max: u32,
    /// The points gained (a share of `max` for metrics over the share of distributions).
    pub points: f64,
    /// Whether every point was gained.
    pub passed: bool,
    /// Per distribution, for metrics measured on distributions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distributions: Vec<DistributionResult>,
    /// What failed, for the DCAT-AP check (its violations) or a metric that was not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The SHACL violations (`dcatApCompliance`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

impl MetricResult {
    /// Points not gained.
    pub fn lost(&self) -> f64 {
        (f64::from(self.max) - self.points).max(0.0)
    }
}

/// A dataset's assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assessment {
    /// The score: the sum of the points, rounded to a whole number.
    pub score: u32,
    /// The highest score (405).
    pub max: u32,
    /// The score's band.
    pub band: Band,
    /// Every metric, in the order of the weights table.
    pub metrics: Vec<MetricResult>,
}

impl Assessment {
    /// The points per dimension: (dimension, gained, max).
    pub fn dimensions(&self) -> Vec<(Dimension, f64, u32)> {
        Dimension::ALL
            .iter()
            .map(|d| {
                let of = self.metrics.iter().filter(|m| m.dimension == *d);
                (
                    *d,
                    of.clone().map(|m| m.points).sum(),
                    of.map(|m| m.max).sum(),
                )
            })
            .collect()
    }
}

/// Scores `doc` (as read from the record: published or not) with the URL checks in `links` and
/// the DCAT-AP check `compliance`.
pub fn assess(doc: &DatasetDocument, links: &Links, compliance: &Compliance) -> Assessment {
    let active: Vec<&DistributionDocument> = doc
        .distributions
        .iter()
        .filter(|d| d.status == DistributionStatus::Active)
        .collect();
    let metrics: Vec<MetricResult> = WEIGHTS
        .iter()
        .map(|w| {
            let mut result = MetricResult {
                metric: w.metric,
                dimension: w.dimension,
                max: w.points,
                points: 0.0,
                passed: false,
                distributions: Vec::new(),
                detail: None,
                violations: Vec::new(),
            };
            match w.scope {
                Scope::Dataset => {
                    if w.metric == Metric::DcatApCompliance {
                        match compliance {
                            Compliance::Checked(violations) => {
                                result.passed = violations.is_empty();
                                result.violations.clone_from(violations);
                            }
                            Compliance::Unchecked(reason) => result.detail = Some(reason.clone()),
                        }
                    } else {
                        result.passed = dataset_passes(w.metric, doc);
                    }
                }
                Scope::DatasetOrDistributions if dataset_passes(w.metric, doc) => {
                    result.passed = true;
                }
                Scope::BestDistribution
                | Scope::ShareOfDistributions
                | Scope::DatasetOrDistributions => {
                    result.distributions = active
                        .iter()
                        .filter_map(|d| distribution_result(w.metric, doc, d, links))
                        .collect();
                    let passing = result.distributions.iter().filter(|d| d.passed).count();
                    let total = result.distributions.len();
                    if total == 0 {
                        result.detail = Some("no active distribution".to_owned());
                    }
                    if w.scope == Scope::BestDistribution {
                        result.passed = passing > 0;
                    } else {
                        result.passed = total > 0 && passing == total;
                        if !result.passed && passing > 0 {
                            result.points = f64::from(w.points) * passing as f64 / total as f64;
                        }
                    }
                }
            }
            if result.passed {
                result.points = f64::from(w.points);
            }
            result
        })
        .collect();
    let sum: f64 = metrics.iter().map(|m| m.points).sum();
    let score = (sum.round() as u32).min(MAX_SCORE);
    Assessment {
        score,
        max: MAX_SCORE,
        band: Band::of(score),
        metrics,
    }
}

/// Whether the dataset itself meets a dataset metric.
fn dataset_passes(metric: Metric, doc: &DatasetDocument) -> bool {
    match metric {
        Metric::KeywordAvailability => doc
            .keywords
            .de
            .iter()
            .chain(&doc.keywords.en)
            .any(|k| !k.trim().is_empty()),
        Metric::CategoryAvailability => !doc.themes.is_empty(),
        Metric::SpatialAvailability => doc.spatial.is_some(),
        Metric::TemporalAvailability => doc
            .temporal
            .as_ref()
            .is_some_and(|t| t.start.is_some() || t.end.is_some()),
        Metric::AccessRightsAvailability => doc.access_rights.is_some(),
        Metric::AccessRightsVocabularyAlignment => doc
            .access_rights
            .as_deref()
            .is_some_and(|a| Vocabulary::AccessRight.contains(a)),
        Metric::ContactPointAvailability => doc.contact_point.is_some(),
        Metric::PublisherAvailability => doc.publisher.as_deref().is_some_and(|p| !p.is_empty()),
        Metric::DateIssuedAvailability => doc.issued.is_some(),
        Metric::DateModifiedAvailability => doc.modified.is_some(),
        _ => false,
    }
}

/// How distribution `d` fares on a distribution metric (`None`: the metric does not apply).
fn distribution_result(
    metric: Metric,
    doc: &DatasetDocument,
    d: &DistributionDocument,
    links: &Links,
) -> Option<DistributionResult> {
    let id = d.id?;
    let mut result = DistributionResult {
        id,
        passed: false,
        status_code: None,
        note: None,
    };
    let hosted = d.kind == DistributionKind::HostedTable;
    let mut reachable = |url: Option<&str>, what: &str| match url {
        // odcat serves a hosted table itself: reachable without a request.
        _ if hosted => {
            result.passed = true;
            result.note = Some("hosted by odcat".to_owned());
        }
        None => result.note = Some(format!("no {what}")),
        Some(url) => match links.get(url) {
            None => result.note = Some("not checked yet".to_owned()),
            Some(state) => {
                result.passed = state.reachable;
                result.status_code = state.status_code;
                result.note = state.reason.clone();
            }
        },
    };
    match metric {
        Metric::AccessUrlStatusCode => reachable(d.access_url.as_deref(), "access URL"),
        Metric::DownloadUrlStatusCode => reachable(d.download_url.as_deref(), "download URL"),
        Metric::DownloadUrlAvailability => result.passed = d.download_url.is_some(),
        Metric::FormatAvailability => result.passed = !d.format.is_empty(),
        Metric::MediaTypeAvailability => result.passed = d.media_type.is_some(),
        Metric::FormatMediaTypeVocabularyAlignment => {
            result.passed = Vocabulary::FileType.contains(&d.format)
                && d.media_type
                    .as_deref()
                    .is_none_or(|m| Vocabulary::MediaType.contains(m));
        }
        Metric::FormatMediaTypeNonProprietary => {
            result.passed = formats::non_proprietary(&d.format)
        }
        Metric::FormatMediaTypeMachineInterpretable => {
            result.passed = formats::machine_readable(&d.format);
        }
        Metric::LicenceAvailability => result.passed = !licence(doc, d).is_empty(),
        Metric::KnownLicence => result.passed = Vocabulary::License.contains(licence(doc, d)),
        Metric::RightsAvailability => result.passed = d.rights.is_some(),
        Metric::ByteSizeAvailability => result.passed = d.byte_size.is_some(),
        Metric::DateIssuedAvailability => result.passed = d.issued.is_some(),
        Metric::DateModifiedAvailability => result.passed = d.modified.is_some(),
        _ => return None,
    }
    Some(result)
}

/// A distribution's licence: its own, else the dataset's (as published).
fn licence<'a>(doc: &'a DatasetDocument, d: &'a DistributionDocument) -> &'a str {
    d.license.as_deref().unwrap_or(&doc.license)
}
