//! `/metrics`: Prometheus (OpenMetrics) text for monitoring: each harvest source's datasets and its
//! last job's status, time and counts, and the record's change-feed position. No source URL
//! appears (a private source's address stays private); sources are named by id and kind.

use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::catalog::Catalog;
use crate::catalog::harvest::JobStatus;
use crate::error::ApiError;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    source: String,
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    source: String,
    kind: String,
    outcome: String,
}

/// `GET /metrics`.
pub async fn metrics(catalog: web::Data<Catalog>) -> Result<HttpResponse, ApiError> {
    let sources = catalog.harvest_sources().await?;
    let seq = catalog.max_seq().await?;
    let mut registry = Registry::with_prefix("odcat");
    let change_seq = Gauge::<i64>::default();
    change_seq.set(seq);
    registry.register(
        "change_log_position",
        "The last change_log sequence number of the record",
        change_seq,
    );
    let datasets = Family::<SourceLabels, Gauge>::default();
    let running = Family::<SourceLabels, Gauge>::default();
    let status = Family::<StatusLabels, Gauge>::default();
    let finished = Family::<SourceLabels, Gauge<f64, AtomicU64>>::default();
    let counts = Family::<OutcomeLabels, Gauge>::default();
    let pages = Family::<SourceLabels, Gauge>::default();
    for s in &sources {
        let labels = SourceLabels {
            source: s.id.to_string(),
            kind: s.kind.as_str().to_owned(),
        };
        datasets
            .get_or_create(&labels)
            .set(i64::try_from(s.datasets).unwrap_or(i64::MAX));
        running.get_or_create(&labels).set(i64::from(s.running));
        let Some(job) = &s.last_job else { continue };
        for st in [
            JobStatus::Running,
            JobStatus::Complete,
            JobStatus::Incomplete,
            JobStatus::Failed,
            JobStatus::Interrupted,
        ] {
            status
                .get_or_create(&StatusLabels {
                    source: labels.source.clone(),
                    kind: labels.kind.clone(),
                    status: st.as_str().to_owned(),
                })
                .set(i64::from(job.status == st));
        }
        if let Some(at) = job.finished_at {
            finished
                .get_or_create(&labels)
                .set(at.timestamp_millis() as f64 / 1000.0);
        }
        pages
            .get_or_create(&labels)
            .set(i64::from(job.counts.pages));
        let c = &job.counts;
        for (outcome, n) in [
            ("created", c.created),
            ("updated", c.updated),
            ("unchanged", c.unchanged),
            ("withdrawn", c.withdrawn),
            ("failed", c.failed),
        ] {
            counts
                .get_or_create(&OutcomeLabels {
                    source: labels.source.clone(),
                    kind: labels.kind.clone(),
                    outcome: outcome.to_owned(),
                })
                .set(i64::from(n));
        }
    }
    registry.register(
        "harvest_source_datasets",
        "Datasets harvested from the source (any status)",
        datasets,
    );
    registry.register(
        "harvest_source_running",
        "Whether a job of the source is running",
        running,
    );
    registry.register(
        "harvest_last_job_status",
        "The status of the source's last job (1 for its status, 0 for the others)",
        status,
    );
    registry.register(
        "harvest_last_job_finished_timestamp_seconds",
        "When the source's last job finished",
        finished,
    );
    registry.register(
        "harvest_last_job_pages",
        "Pages the source's last job read",
        pages,
    );
    registry.register(
        "harvest_last_job_datasets",
        "Datasets of the source's last job by outcome",
        counts,
    );
    let mut body = String::new();
    encode(&mut body, &registry).map_err(crate::catalog::CatalogError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
