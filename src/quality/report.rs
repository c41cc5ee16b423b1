//! What the API and the portal show of an assessment: the score with its band, every metric with
//! its points and, where points were lost, the fix in German and English with the points it gains;
//! and the catalogue's overview.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::metrics::{Band, Dimension, MAX_SCORE, Metric};
use super::score::{Assessment, DistributionResult, Violation};
use crate::catalog::quality::QualityFigures;
use crate::catalog::values::DatasetStatus;

/// A text in German and English.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Texts {
    /// German.
    pub de: String,
    /// English.
    pub en: String,
}

impl Texts {
    fn of((de, en): (&str, &str)) -> Self {
        Self {
            de: de.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// What to do to gain a metric's missing points.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Fix {
    /// The metric.
    pub metric: Metric,
    /// Points gained, rounded to a whole number where a share of distributions is missing.
    pub points: f64,
    /// The fix with its points ("…: +20").
    pub text: Texts,
}

/// One metric as shown.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct MetricReport {
    /// The metric (piveau's name).
    pub metric: Metric,
    /// Its IRI.
    pub iri: String,
    /// Its dimension.
    pub dimension: Dimension,
    /// What it asks.
    pub label: Texts,
    /// Points gained.
    pub points: f64,
    /// Points it is worth.
    pub max: u32,
    /// Whether every point was gained.
    pub passed: bool,
    /// Per distribution, for distribution metrics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub distributions: Vec<DistributionResult>,
    /// The DCAT-AP violations (`dcatApCompliance`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// Why it was not measured, or that there is no distribution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fix, when points were lost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// A dimension's points.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DimensionReport {
    /// The dimension.
    pub dimension: Dimension,
    /// Its name.
    pub label: Texts,
    /// Points gained.
    pub points: f64,
    /// Points it is worth.
    pub max: u32,
}

/// What publishing a draft still needs.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Publication {
    /// The dataset's status.
    pub status: DatasetStatus,
    /// Whether it may be published as it is.
    pub ready: bool,
    /// The fields publishing requires that are missing (JSON paths, as the API's errors name them).
    pub missing: Vec<String>,
}

/// A dataset's quality, as `GET /api/v1/datasets/{id}/quality` answers it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct QualityReport {
    /// The dataset.
    pub dataset: Uuid,
    /// The revision assessed.
    pub revision: i32,
    /// When it was assessed.
    pub computed_at: DateTime<FixedOffset>,
    /// The score (0 to 405).
    pub score: u32,
    /// 405.
    pub max: u32,
    /// The band.
    pub band: Band,
    /// The band's name.
    pub band_label: Texts,
    /// Points per dimension.
    pub dimensions: Vec<DimensionReport>,
    /// Every metric.
    pub metrics: Vec<MetricReport>,
    /// The fixes, most points first.
    pub fixes: Vec<Fix>,
    /// What publishing needs (for a draft).
    pub publication: Publication,
}

/// Rounds points to a tenth, as they are shown.
fn tenth(points: f64) -> f64 {
    (points * 10.0).round() / 10.0
}

/// The fix for `metric` worth `points`.
pub fn fix(metric: Metric, points: f64) -> Fix {
    let (de, en) = metric.fix();
    let shown = points.round();
    Fix {
        metric,
        points: tenth(points),
        text: Texts {
            de: format!("{de}: +{shown}"),
            en: format!("{en}: +{shown}"),
        },
    }
}

impl QualityReport {
    /// The report of `assessment`, computed on `revision` at `computed_at`.
    pub fn new(
        dataset: Uuid,
        revision: i32,
        computed_at: DateTime<FixedOffset>,
        assessment: &Assessment,
        publication: Publication,
    ) -> Self {
        let metrics: Vec<MetricReport> = assessment
            .metrics
            .iter()
            .map(|m| MetricReport {
                metric: m.metric,
                iri: m.metric.iri(),
                dimension: m.dimension,
                label: Texts::of(m.metric.labels()),
                points: tenth(m.points),
                max: m.max,
                passed: m.passed,
                distributions: m.distributions.clone(),
                violations: m.violations.clone(),
                detail: m.detail.clone(),
                fix: (m.lost() > 0.0).then(|| fix(m.metric, m.lost())),
            })
            .collect();
        let mut fixes: Vec<Fix> = metrics.iter().filter_map(|m| m.fix.clone()).collect();
        fixes.sort_by(|a, b| b.points.total_cmp(&a.points));
        Self {
            dataset,
            revision,
            computed_at,
            score: assessment.score,
            max: MAX_SCORE,
            band: assessment.band,
            band_label: Texts::of(assessment.band.labels()),
            dimensions: assessment
                .dimensions()
                .into_iter()
                .map(|(dimension, points, max)| DimensionReport {
                    dimension,
                    label: Texts::of(dimension.labels()),
                    points: tenth(points),
                    max,
                })
                .collect(),
            metrics,
            fixes,
            publication,
        }
    }
}

/// One band's share of the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct BandCount {
    /// The band.
    pub band: Band,
    /// Its name.
    pub label: Texts,
    /// Lowest score in the band.
    pub min: u32,
    /// Highest score in the band.
    pub max: u32,
    /// Datasets in it.
    pub datasets: u64,
}

/// A fix across the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CatalogFix {
    /// The metric.
    pub metric: Metric,
    /// What it asks.
    pub label: Texts,
    /// What to do.
    pub fix: Texts,
    /// Points the catalogue gains when every dataset that lost points on it is fixed.
    pub points: f64,
    /// Datasets that lost points on it.
    pub datasets: u64,
    /// Points gained per dataset fixed, on average.
    pub points_per_dataset: f64,
}

/// The catalogue's quality, as `GET /api/v1/quality` answers it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CatalogQuality {
    /// Published datasets.
    pub datasets: u64,
    /// Of those, assessed.
    pub assessed: u64,
    /// Mean score of the assessed ones (0 when none).
    pub mean: f64,
    /// Median score (0 when none).
    pub median: u32,
    /// 405.
    pub max: u32,
    /// Datasets per band, best first.
    pub bands: Vec<BandCount>,
    /// The ten fixes that gain the catalogue most points, most first.
    pub fixes: Vec<CatalogFix>,
}

impl CatalogQuality {
    /// The overview of `figures`.
    pub fn new(figures: &QualityFigures) -> Self {
        let mut scores: Vec<u32> = figures
            .scores
            .iter()
            .map(|s| u32::try_from(*s).unwrap_or(0))
            .collect();
        scores.sort_unstable();
        let mean = if scores.is_empty() {
            0.0
        } else {
            tenth(scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64)
        };
        let bands = Band::ALL
            .iter()
            .map(|band| {
                let max = match band {
                    Band::Excellent => MAX_SCORE,
                    Band::Good => Band::Excellent.floor() - 1,
                    Band::Sufficient => Band::Good.floor() - 1,
                    Band::Bad => Band::Sufficient.floor() - 1,
                };
                BandCount {
                    band: *band,
                    label: Texts::of(band.labels()),
                    min: band.floor(),
                    max,
                    datasets: scores.iter().filter(|s| Band::of(**s) == *band).count() as u64,
                }
            })
            .collect();
        let mut fixes: Vec<CatalogFix> = figures
            .losses
            .iter()
            .filter_map(|(name, points, datasets)| {
                let metric = Metric::parse(name)?;
                Some(CatalogFix {
                    metric,
                    label: Texts::of(metric.labels()),
                    fix: Texts::of(metric.fix()),
                    points: tenth(*points),
                    datasets: *datasets,
                    points_per_dataset: tenth(*points / (*datasets).max(1) as f64),
                })
            })
            .collect();
        fixes.sort_by(|a, b| {
            b.points
                .total_cmp(&a.points)
                .then(a.metric.name().cmp(b.metric.name()))
        });
        fixes.truncate(10);
        Self {
            datasets: figures.datasets,
            assessed: figures.assessed,
            mean,
            median: scores.get(scores.len() / 2).copied().unwrap_or(0),
            max: MAX_SCORE,
            bands,
            fixes,
        }
    }
}
