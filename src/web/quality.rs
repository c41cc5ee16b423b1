//! `/qualitaet`: the catalogue's metadata quality (data.europa.eu MQA) for citizens and staff: the
//! figures, the datasets per band as a chart with its table, and the ten fixes that would gain the
//! catalogue most points.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::chart::{Bar, Chart, number_text};
use super::i18n::{self, Lang};
use super::{Chrome, Portal, html};
use crate::error::ApiError;
use crate::quality::Scorer;
use crate::quality::report::CatalogQuality;

/// `/qualitaet`.
#[derive(Template)]
#[template(path = "quality.html", config = "src/web/askama.toml")]
pub struct QualityPage {
    c: Chrome,
    english: bool,
    datasets: String,
    assessed: String,
    mean: String,
    median: String,
    chart: Chart,
    /// (criterion, fix, datasets, points per dataset).
    fixes: Vec<(String, String, String, String)>,
}

/// The bands as a bar chart (its table is the chart's text alternative).
fn bands_chart(overview: &CatalogQuality, lang: Lang) -> Chart {
    let english = lang == Lang::En;
    let max = overview
        .bands
        .iter()
        .map(|b| b.datasets)
        .max()
        .unwrap_or(0)
        .max(1);
    let bars = overview
        .bands
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let name = if english { &b.label.en } else { &b.label.de };
            let label = format!("{name} ({}–{})", b.min, b.max);
            Bar {
                short_label: label.clone(),
                label,
                value_text: number_text(b.datasets as f64, lang),
                y: u32::try_from(i).unwrap_or(0) * 28,
                width: ((b.datasets as f64 / max as f64) * 310.0).round().max(1.0) as u32,
            }
        })
        .collect::<Vec<_>>();
    Chart {
        id: "bands".to_owned(),
        title: if english {
            "Datasets per MQA rating".to_owned()
        } else {
            "Datensätze je MQA-Bewertung".to_owned()
        },
        category: if english {
            "Rating (points)"
        } else {
            "Bewertung (Punkte)"
        }
        .to_owned(),
        measure: if english { "Datasets" } else { "Datensätze" }.to_owned(),
        width: 640,
        height: u32::try_from(bars.len()).unwrap_or(0) * 28 + 4,
        label_width: 230,
        bars,
    }
}

/// `GET /qualitaet`.
pub async fn overview(
    req: HttpRequest,
    portal: web::Data<Portal>,
    scorer: web::Data<Scorer>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = i18n::negotiate(&req);
    let lang = negotiated.lang;
    let snapshot = portal.index.snapshot().await?;
    let t = lang.texts();
    let c = Chrome::new(&req, lang, &portal, &snapshot, "quality", t.quality_heading);
    let overview = scorer.overview().await?;
    let english = lang == Lang::En;
    let fixes = overview
        .fixes
        .iter()
        .map(|f| {
            let (label, fix) = if english {
                (&f.label.en, &f.fix.en)
            } else {
                (&f.label.de, &f.fix.de)
            };
            (
                label.clone(),
                fix.clone(),
                number_text(f.datasets as f64, lang),
                number_text(f.points_per_dataset, lang),
            )
        })
        .collect();
    let page = QualityPage {
        english,
        datasets: number_text(overview.datasets as f64, lang),
        assessed: number_text(overview.assessed as f64, lang),
        mean: number_text(overview.mean, lang),
        median: number_text(f64::from(overview.median), lang),
        chart: bands_chart(&overview, lang),
        fixes,
        c,
    };
    html(StatusCode::OK, negotiated, started, &page)
}
