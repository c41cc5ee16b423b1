//! The record's side of harvesting: sources, jobs with their reports, and the datasets that came
//! from a source under their identity there. A harvested dataset is written like any other (the
//! same validation, a `change_log` row and a new revision) but only when its mapped record changed:
//! the hash of the last record written is kept beside its identity.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Utc};
use entities::{dataset, harvest_job, harvest_source, harvested_dataset, publisher};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dataset::NewDataset;
use super::document::DatasetDocument;
use super::error::CatalogError;
use super::repo;
use super::service::{Actor, Catalog, withdraw_model, write_dataset};
use super::values::{DatasetStatus, Slug};

/// How long a running job's lease on its source lasts without a heartbeat. A job renews it with
/// every page; a job whose process died loses it after this long and is then reported
/// `interrupted`.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(120);

/// Most per-dataset errors kept in a job's report (the count of failures is always exact).
const MAX_REPORTED_ERRORS: usize = 1000;

/// What a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A DCAT-AP catalogue in RDF (Turtle, RDF/XML, JSON-LD, N-Triples), paged with Hydra or a
    /// single dump file (gzip allowed).
    Dcat,
    /// A CKAN site's Action API (`package_search`).
    Ckan,
    /// A DKAN site: `current_package_list_with_resources`, else its `data.json` (DCAT-US).
    Dkan,
}

impl SourceKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dcat => "dcat",
            Self::Ckan => "ckan",
            Self::Dkan => "dkan",
        }
    }

    /// From the stored name (an unknown one reads as `dcat`).
    pub fn from_db(value: &str) -> Self {
        match value {
            "ckan" => Self::Ckan,
            "dkan" => Self::Dkan,
            _ => Self::Dcat,
        }
    }
}

/// A source as an admin creates or replaces it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    /// `dcat`, `ckan` or `dkan`.
    pub kind: SourceKind,
    /// The catalogue's first page or dump (`dcat`), or the site's root (`ckan`, `dkan`).
    pub url: String,
    /// Slug of the publisher the datasets are published under.
    pub publisher: String,
    /// A name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A CKAN `fq` (Solr filter) restricting what is harvested (`ckan` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fq: Option<String>,
    /// Whether private, loopback and link-local addresses may be fetched.
    #[serde(default)]
    pub allow_private: bool,
    /// Minutes between scheduled runs; without it, `ODCAT_HARVEST_INTERVAL` (if set) applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub interval_minutes: Option<i32>,
    /// The largest share (percent) of the source's datasets one run withdraws without
    /// `allow_mass_delete` (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub max_withdraw_percent: Option<i32>,
}

/// A source as it is stored.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SourceDocument {
    /// Identifier.
    pub id: Uuid,
    /// `dcat`, `ckan` or `dkan`.
    pub kind: SourceKind,
    /// The URL harvested.
    pub url: String,
    /// Slug of the publisher.
    pub publisher: String,
    /// A name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The CKAN `fq`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fq: Option<String>,
    /// Whether private addresses may be fetched.
    pub allow_private: bool,
    /// Minutes between scheduled runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_minutes: Option<i32>,
    /// The largest share (percent) one run withdraws without `allow_mass_delete`.
    pub max_withdraw_percent: i32,
    /// Datasets harvested from it (any status).
    pub datasets: u64,
    /// Whether a job is running.
    pub running: bool,
    /// The last job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_job: Option<JobDocument>,
    /// Created.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed.
    pub updated_at: DateTime<FixedOffset>,
}

/// How a job ended (or that it runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Running.
    Running,
    /// The whole source was read; vanished datasets were withdrawn (within the share).
    Complete,
    /// The run stopped before the end of the source (`stop` says why): nothing was withdrawn.
    Incomplete,
    /// The run failed (the record could not be written): nothing was withdrawn.
    Failed,
    /// The process running the job stopped (its lease expired): nothing was withdrawn.
    Interrupted,
}

impl JobStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Complete => "complete",
            Self::Incomplete => "incomplete",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }

    /// From the stored name.
    pub fn from_db(value: &str) -> Self {
        match value {
            "running" => Self::Running,
            "complete" => Self::Complete,
            "incomplete" => Self::Incomplete,
            "interrupted" => Self::Interrupted,
            _ => Self::Failed,
        }
    }
}

/// A dataset of the source that could not be harvested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatasetError {
    /// Its identity at the source, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Its title, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The field at fault (odcat's JSON path, or the source's field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl DatasetError {
    /// The error with every NUL a source sent shown as U+FFFD: PostgreSQL stores no NUL in text or
    /// JSON, and the report must be stored whatever the source sent.
    fn storable(self) -> Self {
        let clean = |s: String| {
            if s.contains('\0') {
                s.replace('\0', "\u{FFFD}")
            } else {
                s
            }
        };
        Self {
            identity: self.identity.map(clean),
            title: self.title.map(clean),
            field: self.field.map(clean),
            message: clean(self.message),
        }
    }
}

/// A dataset a job withdrew (or would have, beyond the share).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WithdrawnDataset {
    /// The dataset.
    pub id: Uuid,
    /// Its slug.
    pub slug: String,
    /// Its identity at the source.
    pub identity: String,
}

/// What a job counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobCounts {
    /// Pages read.
    pub pages: i32,
    /// Datasets created.
    pub created: i32,
    /// Datasets updated (or published again after a withdrawal).
    pub updated: i32,
    /// Datasets unchanged (nothing written).
    pub unchanged: i32,
    /// Datasets withdrawn because they vanished from the source.
    pub withdrawn: i32,
    /// Datasets that could not be harvested.
    pub failed: i32,
}

/// A job's report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobReport {
    /// The datasets that could not be harvested (at most 1000; `failed` counts them all).
    #[serde(default)]
    pub errors: Vec<DatasetError>,
    /// Values left out because they are in no vocabulary odcat knows and have no mapping to one
    /// (at most 1000; the datasets were harvested without them).
    #[serde(default)]
    pub warnings: Vec<DatasetError>,
    /// The datasets withdrawn.
    #[serde(default)]
    pub withdrawn_datasets: Vec<WithdrawnDataset>,
    /// What else happened: mappings applied, withdrawals held back, duplicates skipped.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl JobReport {
    /// Records a dataset's error (the first 1000).
    pub fn error(&mut self, error: DatasetError) {
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(error.storable());
        }
    }

    /// Records a value left out (the first 1000).
    pub fn warn(&mut self, warning: DatasetError) {
        if self.warnings.len() < MAX_REPORTED_ERRORS {
            self.warnings.push(warning.storable());
        }
    }
}

/// A job.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobDocument {
    /// Identifier.
    pub id: Uuid,
    /// The source.
    pub source: Uuid,
    /// Status.
    pub status: JobStatus,
    /// Why the run did not read the whole source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    /// Whether the run could withdraw more than the source's share.
    pub allow_mass_delete: bool,
    /// Started.
    pub started_at: DateTime<FixedOffset>,
    /// Last sign of life.
    pub heartbeat_at: DateTime<FixedOffset>,
    /// Finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// The counts.
    #[serde(flatten)]
    pub counts: JobCounts,
    /// The report.
    #[serde(flatten)]
    pub report: JobReport,
}

/// Where a harvested dataset came from (read-only in its document).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HarvestProvenance {
    /// The harvest source.
    pub source: Uuid,
    /// The source's URL.
    pub source_url: String,
    /// The dataset's identity at the source.
    pub identity: String,
    /// The dataset's IRI or page at the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// One dataset read from a source, mapped.
#[derive(Clone, Debug)]
pub struct HarvestItem {
    /// Its identity at the source.
    pub identity: String,
    /// Its IRI or page at the source.
    pub origin: Option<String>,
    /// Its document (publisher set to the source's; slug a suggestion).
    pub document: DatasetDocument,
}

/// What became of one item.
#[derive(Clone, Debug)]
pub enum ItemOutcome {
    /// A new dataset.
    Created(Uuid),
    /// Written again (changed, or back after a withdrawal).
    Updated(Uuid),
    /// Nothing written.
    Unchanged(Uuid),
    /// Refused; `existing` is the dataset it would have updated.
    Failed {
        /// The dataset of the same identity, if any.
        existing: Option<Uuid>,
        /// Why.
        error: DatasetError,
    },
}

/// The canonical hash of a mapped record: its document without the slug (which the harvest
/// assigns) and the distribution ids (which matching assigns), as JSON with the fields in their
/// declared order.
pub fn record_hash(doc: &DatasetDocument) -> String {
    let mut doc = doc.clone();
    doc.slug.clear();
    doc.id = None;
    doc.revision = None;
    doc.record_created = None;
    doc.record_modified = None;
    doc.harvest = None;
    for d in &mut doc.distributions {
        d.id = None;
        d.modified = None;
        d.data_table = None;
    }
    let bytes = serde_json::to_vec(&doc).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

fn validate_source(input: &SourceInput) -> Result<(), CatalogError> {
    let url = url::Url::parse(input.url.trim())
        .map_err(|e| CatalogError::invalid("url", format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CatalogError::invalid(
            "url",
            "must be an http or https URL with a host",
        ));
    }
    if input.fq.is_some() && input.kind != SourceKind::Ckan {
        return Err(CatalogError::invalid(
            "fq",
            "applies to CKAN sources only (kind `ckan`)",
        ));
    }
    if let Some(fq) = &input.fq
        && (fq.len() > 2000 || fq.contains('\0'))
    {
        return Err(CatalogError::invalid(
            "fq",
            "must be at most 2000 characters without NUL",
        ));
    }
    if let Some(title) = &input.title
        && (title.chars().count() > 500 || title.contains('\0'))
    {
        return Err(CatalogError::invalid(
            "title",
            "must be at most 500 characters without NUL",
        ));
    }
    if input.interval_minutes.is_some_and(|m| m < 1) {
        return Err(CatalogError::invalid(
            "interval_minutes",
            "must be at least 1",
        ));
    }
    if input
        .max_withdraw_percent
        .is_some_and(|p| !(0..=100).contains(&p))
    {
        return Err(CatalogError::invalid(
            "max_withdraw_percent",
            "must be between 0 and 100",
        ));
    }
    Ok(())
}

fn job_document(job: harvest_job::Model) -> JobDocument {
    JobDocument {
        id: job.id,
        source: job.source_id,
        status: JobStatus::from_db(&job.status),
        stop: job.stop,
        allow_mass_delete: job.allow_mass_delete,
        started_at: job.started_at,
        heartbeat_at: job.heartbeat_at,
        finished_at: job.finished_at,
        counts: JobCounts {
            pages: job.pages,
            created: job.created,
            updated: job.updated,
            unchanged: job.unchanged,
            withdrawn: job.withdrawn,
            failed: job.failed,
        },
        report: serde_json::from_value(job.report).unwrap_or_default(),
    }
}

/// The harvest provenance of `ids`, for their documents.
pub async fn provenance_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, HarvestProvenance>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = harvested_dataset::Entity::find()
        .filter(harvested_dataset::Column::DatasetId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let source_ids: HashSet<Uuid> = rows.iter().map(|r| r.source_id).collect();
    let urls: HashMap<Uuid, String> = harvest_source::Entity::find()
        .filter(harvest_source::Column::Id.is_in(source_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.url))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.dataset_id,
                HarvestProvenance {
                    source: r.source_id,
                    source_url: urls.get(&r.source_id).cloned().unwrap_or_default(),
                    identity: r.identity,
                    origin: r.origin,
                },
            )
        })
        .collect())
}

/// Refuses a local write to a harvested dataset (409 `harvested`, naming its source).
pub async fn refuse_harvested(
    db: &impl ConnectionTrait,
    current: &dataset::Model,
) -> Result<(), CatalogError> {
    if let Some(p) = provenance_of(db, &[current.id]).await?.remove(&current.id) {
        return Err(CatalogError::Harvested {
            slug: current.slug.clone(),
            source_url: p.source_url,
        });
    }
    Ok(())
}

impl Catalog {
    async fn source_model(&self, id: &str) -> Result<harvest_source::Model, CatalogError> {
        let parsed =
            Uuid::parse_str(id).map_err(|_| CatalogError::HarvestSourceNotFound(id.to_owned()))?;
        harvest_source::Entity::find_by_id(parsed)
            .one(self.db())
            .await?
            .ok_or_else(|| CatalogError::HarvestSourceNotFound(id.to_owned()))
    }

    async fn source_document(
        &self,
        source: harvest_source::Model,
    ) -> Result<SourceDocument, CatalogError> {
        let publisher = publisher::Entity::find_by_id(source.publisher_id)
            .one(self.db())
            .await?
            .map(|p| p.slug)
            .unwrap_or_default();
        let datasets = harvested_dataset::Entity::find()
            .filter(harvested_dataset::Column::SourceId.eq(source.id))
            .count(self.db())
            .await?;
        let last_job = harvest_job::Entity::find()
            .filter(harvest_job::Column::SourceId.eq(source.id))
            .order_by_desc(harvest_job::Column::StartedAt)
            .one(self.db())
            .await?
            .map(job_document);
        Ok(SourceDocument {
            id: source.id,
            kind: SourceKind::from_db(&source.kind),
            url: source.url,
            publisher,
            title: source.title,
            fq: source.fq,
            allow_private: source.allow_private,
            interval_minutes: source.interval_minutes,
            max_withdraw_percent: source.max_withdraw_percent,
            datasets,
            running: source.lock_until.is_some_and(|l| l > now()),
            last_job,
            created_at: source.created_at,
            updated_at: source.updated_at,
        })
    }

    /// One source.
    pub async fn harvest_source(&self, id: &str) -> Result<SourceDocument, CatalogError> {
        let source = self.source_model(id).await?;
        self.source_document(source).await
    }

    /// Every source, oldest first.
    pub async fn harvest_sources(&self) -> Result<Vec<SourceDocument>, CatalogError> {
        let sources = harvest_source::Entity::find()
            .order_by_asc(harvest_source::Column::CreatedAt)
            .order_by_asc(harvest_source::Column::Id)
            .all(self.db())
            .await?;
        let mut out = Vec::with_capacity(sources.len());
        for source in sources {
            out.push(self.source_document(source).await?);
        }
        Ok(out)
    }

    async fn publisher_id(&self, slug: &str) -> Result<Uuid, CatalogError> {
        Ok(repo::find_publisher(self.db(), slug)
            .await?
            .ok_or_else(|| {
                CatalogError::invalid("publisher", format!("publisher `{slug}` does not exist"))
            })?
            .id)
    }

    /// Creates a source.
    pub async fn create_harvest_source(
        &self,
        input: &SourceInput,
    ) -> Result<SourceDocument, CatalogError> {
        validate_source(input)?;
        let publisher_id = self.publisher_id(&input.publisher).await?;
        let now = now();
        let model = harvest_source::ActiveModel {
            id: Set(Uuid::new_v4()),
            kind: Set(input.kind.as_str().to_owned()),
            url: Set(input.url.trim().to_owned()),
            publisher_id: Set(publisher_id),
            title: Set(input.title.clone()),
            fq: Set(input.fq.clone()),
            allow_private: Set(input.allow_private),
            interval_minutes: Set(input.interval_minutes),
            max_withdraw_percent: Set(input.max_withdraw_percent.unwrap_or(10)),
            lock_until: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let source = harvest_source::Entity::insert(model)
            .exec_with_returning(self.db())
            .await?;
        self.source_document(source).await
    }

    /// Replaces a source's settings (its datasets and jobs stay).
    pub async fn update_harvest_source(
        &self,
        id: &str,
        input: &SourceInput,
    ) -> Result<SourceDocument, CatalogError> {
        validate_source(input)?;
        let current = self.source_model(id).await?;
        let publisher_id = self.publisher_id(&input.publisher).await?;
        let model = harvest_source::ActiveModel {
            id: Set(current.id),
            kind: Set(input.kind.as_str().to_owned()),
            url: Set(input.url.trim().to_owned()),
            publisher_id: Set(publisher_id),
            title: Set(input.title.clone()),
            fq: Set(input.fq.clone()),
            allow_private: Set(input.allow_private),
            interval_minutes: Set(input.interval_minutes),
            max_withdraw_percent: Set(input.max_withdraw_percent.unwrap_or(10)),
            updated_at: Set(now()),
            ..Default::default()
        };
        let source = harvest_source::Entity::update(model)
            .exec(self.db())
            .await?;
        self.source_document(source).await
    }

    /// Deletes a source and its jobs; its datasets stay, as local datasets (refused while a job
    /// runs).
    pub async fn delete_harvest_source(&self, id: &str) -> Result<(), CatalogError> {
        let current = self.source_model(id).await?;
        if current.lock_until.is_some_and(|l| l > now()) {
            return Err(CatalogError::HarvestRunning(id.to_owned()));
        }
        let (_guard, txn) = self.begin_write().await?;
        // Its datasets lose their provenance: a change of their record like any other (a new
        // revision and a change_log row), so every projection drops `prov:wasDerivedFrom`.
        let datasets: Vec<(Uuid, i32, String)> = harvested_dataset::Entity::find()
            .select_only()
            .column(harvested_dataset::Column::DatasetId)
            .column(dataset::Column::Revision)
            .column(dataset::Column::Status)
            .inner_join(dataset::Entity)
            .filter(harvested_dataset::Column::SourceId.eq(current.id))
            .into_tuple()
            .all(&txn)
            .await?;
        harvested_dataset::Entity::delete_many()
            .filter(harvested_dataset::Column::SourceId.eq(current.id))
            .exec(&txn)
            .await?;
        let now = now();
        for (id, revision, status) in datasets {
            dataset::Entity::update_many()
                .col_expr(dataset::Column::Revision, Expr::value(revision + 1))
                .col_expr(dataset::Column::Modified, Expr::value(now))
                .col_expr(dataset::Column::UpdatedAt, Expr::value(now))
                .filter(dataset::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            super::change::record(
                &txn,
                super::change::EntityKind::Dataset,
                id,
                super::change::Operation::Update,
                None,
            )
            .await?;
            repo::stamp_listing(&txn, id, status == DatasetStatus::Published.as_str(), false)
                .await?;
        }
        harvest_job::Entity::delete_many()
            .filter(harvest_job::Column::SourceId.eq(current.id))
            .exec(&txn)
            .await?;
        harvest_source::Entity::delete_by_id(current.id)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// One job.
    pub async fn harvest_job(&self, id: &str) -> Result<JobDocument, CatalogError> {
        let parsed =
            Uuid::parse_str(id).map_err(|_| CatalogError::HarvestJobNotFound(id.to_owned()))?;
        harvest_job::Entity::find_by_id(parsed)
            .one(self.db())
            .await?
            .map(job_document)
            .ok_or_else(|| CatalogError::HarvestJobNotFound(id.to_owned()))
    }

    /// A source's jobs, newest first (at most `limit`).
    pub async fn harvest_jobs(
        &self,
        source: &str,
        limit: u64,
    ) -> Result<Vec<JobDocument>, CatalogError> {
        let source = self.source_model(source).await?;
        Ok(harvest_job::Entity::find()
            .filter(harvest_job::Column::SourceId.eq(source.id))
            .order_by_desc(harvest_job::Column::StartedAt)
            .limit(limit)
            .all(self.db())
            .await?
            .into_iter()
            .map(job_document)
            .collect())
    }

    /// The jobs whose process stopped (their source's lease expired) are marked `interrupted`.
    /// Returns how many.
    pub async fn interrupt_stale_harvest_jobs(&self) -> Result<u64, CatalogError> {
        let stale = now() - ChronoDuration::from_std(LEASE).unwrap_or_default();
        let result = harvest_job::Entity::update_many()
            .col_expr(
                harvest_job::Column::Status,
                Expr::value(JobStatus::Interrupted.as_str()),
            )
            .col_expr(
                harvest_job::Column::Stop,
                Expr::value("the process running the job stopped"),
            )
            .col_expr(harvest_job::Column::FinishedAt, Expr::value(now()))
            .filter(harvest_job::Column::Status.eq(JobStatus::Running.as_str()))
            .filter(harvest_job::Column::HeartbeatAt.lt(stale))
            .exec(self.db())
            .await?;
        Ok(result.rows_affected)
    }

    /// Starts a job of `source`: claims the source's lease (refused while another job holds it)
    /// and records the job as running.
    pub async fn start_harvest_job(
        &self,
        source: &str,
        allow_mass_delete: bool,
    ) -> Result<(SourceDocument, JobDocument), CatalogError> {
        let model = self.source_model(source).await?;
        self.interrupt_stale_harvest_jobs().await?;
        let now = now();
        let lease = now + ChronoDuration::from_std(LEASE).unwrap_or_default();
        let (_guard, txn) = self.begin_write().await?;
        let claimed = harvest_source::Entity::update_many()
            .col_expr(harvest_source::Column::LockUntil, Expr::value(lease))
            .filter(harvest_source::Column::Id.eq(model.id))
            .filter(
                sea_orm::Condition::any()
                    .add(harvest_source::Column::LockUntil.is_null())
                    .add(harvest_source::Column::LockUntil.lt(now)),
            )
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(CatalogError::HarvestRunning(model.id.to_string()));
        }
        let job = harvest_job::ActiveModel {
            id: Set(Uuid::new_v4()),
            source_id: Set(model.id),
            status: Set(JobStatus::Running.as_str().to_owned()),
            stop: Set(None),
            allow_mass_delete: Set(allow_mass_delete),
            started_at: Set(now),
            heartbeat_at: Set(now),
            finished_at: Set(None),
            pages: Set(0),
            created: Set(0),
            updated: Set(0),
            unchanged: Set(0),
            withdrawn: Set(0),
            failed: Set(0),
            report: Set(serde_json::json!({})),
        };
        let job = harvest_job::Entity::insert(job)
            .exec_with_returning(&txn)
            .await?;
        txn.commit().await?;
        let source = self.source_document(model).await?;
        Ok((source, job_document(job)))
    }

    /// Records a running job's progress and renews its lease.
    pub async fn harvest_heartbeat(
        &self,
        job: &JobDocument,
        counts: &JobCounts,
    ) -> Result<(), CatalogError> {
        let now = now();
        let lease = now + ChronoDuration::from_std(LEASE).unwrap_or_default();
        harvest_source::Entity::update_many()
            .col_expr(harvest_source::Column::LockUntil, Expr::value(lease))
            .filter(harvest_source::Column::Id.eq(job.source))
            .exec(self.db())
            .await?;
        harvest_job::Entity::update_many()
            .col_expr(harvest_job::Column::HeartbeatAt, Expr::value(now))
            .col_expr(harvest_job::Column::Pages, Expr::value(counts.pages))
            .col_expr(harvest_job::Column::Created, Expr::value(counts.created))
            .col_expr(harvest_job::Column::Updated, Expr::value(counts.updated))
            .col_expr(
                harvest_job::Column::Unchanged,
                Expr::value(counts.unchanged),
            )
            .col_expr(harvest_job::Column::Failed, Expr::value(counts.failed))
            .filter(harvest_job::Column::Id.eq(job.id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Finishes a job with its status, counts and report, and releases the source's lease.
    pub async fn finish_harvest_job(
        &self,
        job: &JobDocument,
        status: JobStatus,
        stop: Option<String>,
        counts: &JobCounts,
        report: &JobReport,
    ) -> Result<JobDocument, CatalogError> {
        let now = now();
        let (_guard, txn) = self.begin_write().await?;
        harvest_job::Entity::update(harvest_job::ActiveModel {
            id: Set(job.id),
            status: Set(status.as_str().to_owned()),
            stop: Set(stop),
            heartbeat_at: Set(now),
            finished_at: Set(Some(now)),
            pages: Set(counts.pages),
            created: Set(counts.created),
            updated: Set(counts.updated),
            unchanged: Set(counts.unchanged),
            withdrawn: Set(counts.withdrawn),
            failed: Set(counts.failed),
            report: Set(serde_json::to_value(report).map_err(CatalogError::internal)?),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        harvest_source::Entity::update_many()
            .col_expr(
                harvest_source::Column::LockUntil,
                Expr::value(Option::<DateTime<FixedOffset>>::None),
            )
            .filter(harvest_source::Column::Id.eq(job.source))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.harvest_job(&job.id.to_string()).await
    }

    /// The sources due for a scheduled run: an interval (their own, else `default_minutes`), no
    /// running job, and no job started within the interval.
    pub async fn harvest_sources_due(
        &self,
        default_minutes: Option<u32>,
    ) -> Result<Vec<Uuid>, CatalogError> {
        let now = now();
        let mut due = Vec::new();
        for source in harvest_source::Entity::find().all(self.db()).await? {
            let Some(minutes) = source
                .interval_minutes
                .map(i64::from)
                .or(default_minutes.map(i64::from))
            else {
                continue;
            };
            if source.lock_until.is_some_and(|l| l > now) {
                continue;
            }
            let last = harvest_job::Entity::find()
                .filter(harvest_job::Column::SourceId.eq(source.id))
                .order_by_desc(harvest_job::Column::StartedAt)
                .one(self.db())
                .await?;
            if last.is_none_or(|j| j.started_at + ChronoDuration::minutes(minutes) <= now) {
                due.push(source.id);
            }
        }
        Ok(due)
    }

    /// The harvested datasets of `source` that are not withdrawn.
    pub async fn harvest_active_count(&self, source: Uuid) -> Result<u64, CatalogError> {
        Ok(harvested_dataset::Entity::find()
            .inner_join(dataset::Entity)
            .filter(harvested_dataset::Column::SourceId.eq(source))
            .filter(dataset::Column::Status.ne(DatasetStatus::Withdrawn.as_str()))
            .count(self.db())
            .await?)
    }

    /// Writes one page of a source's datasets in one transaction, each under a savepoint: a
    /// dataset whose mapped record is unchanged is not written; one that is refused is reported
    /// and the others are written.
    pub async fn harvest_page(
        &self,
        source: Uuid,
        publisher: &str,
        items: Vec<HarvestItem>,
    ) -> Result<Vec<ItemOutcome>, CatalogError> {
        let identities: Vec<String> = items.iter().map(|i| i.identity.clone()).collect();
        let (_guard, txn) = self.begin_write().await?;
        let existing: HashMap<String, harvested_dataset::Model> = harvested_dataset::Entity::find()
            .filter(harvested_dataset::Column::SourceId.eq(source))
            .filter(harvested_dataset::Column::Identity.is_in(identities))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| (r.identity.clone(), r))
            .collect();
        let mut outcomes = Vec::with_capacity(items.len());
        for mut item in items {
            item.document.publisher = Some(publisher.to_owned());
            item.document.status = Some(DatasetStatus::Published);
            let hash = record_hash(&item.document);
            let known = existing.get(&item.identity);
            let savepoint = txn.begin().await?;
            let result = self
                .harvest_one(&savepoint, source, &item, known, &hash)
                .await;
            match result {
                Ok(outcome) => {
                    savepoint.commit().await?;
                    outcomes.push(outcome);
                }
                Err(CatalogError::Database(e)) if !is_constraint(&e) => return Err(e.into()),
                Err(error) => {
                    savepoint.rollback().await?;
                    let (field, message) = match error {
                        CatalogError::Invalid { field, message } => (Some(field), message),
                        CatalogError::Incomplete(missing) => (
                            Some(missing.join(", ")),
                            format!("DCAT-AP requires {} for publication", missing.join(", ")),
                        ),
                        other => (None, other.to_string()),
                    };
                    let title = Some(item.document.title.de.clone()).filter(|t| !t.is_empty());
                    outcomes.push(ItemOutcome::Failed {
                        existing: known.map(|k| k.dataset_id),
                        error: DatasetError {
                            identity: Some(item.identity.clone()),
                            title,
                            field,
                            message,
                        },
                    });
                }
            }
        }
        txn.commit().await?;
        Ok(outcomes)
    }

    async fn harvest_one(
        &self,
        txn: &DatabaseTransaction,
        source: Uuid,
        item: &HarvestItem,
        known: Option<&harvested_dataset::Model>,
        hash: &str,
    ) -> Result<ItemOutcome, CatalogError> {
        let actor = Actor::operator().via(super::change::Channel::Harvest);
        let current = match known {
            Some(k) => repo::find_dataset(txn, &k.dataset_id.to_string()).await?,
            None => None,
        };
        let Some(current) = current else {
            // New: a free slug from the suggestion.
            let mut doc = item.document.clone();
            // A UUID-shaped suggestion (the last segment of many IRIs) would read as a dataset id
            // in URLs: the title's words instead.
            if Uuid::parse_str(&doc.slug).is_ok() {
                doc.slug = crate::rdf::parse::slug_of(None, &doc.title.de);
            }
            doc.slug = free_slug(txn, &doc.slug).await?;
            for d in &mut doc.distributions {
                d.id = None;
            }
            let new = NewDataset::try_from(&doc)?;
            let id = write_dataset(txn, &actor, None, new, self.base_url()).await?;
            harvested_dataset::Entity::insert(harvested_dataset::ActiveModel {
                dataset_id: Set(id),
                source_id: Set(source),
                identity: Set(item.identity.clone()),
                origin: Set(item.origin.clone()),
                hash: Set(hash.to_owned()),
            })
            .exec_without_returning(txn)
            .await?;
            return Ok(ItemOutcome::Created(id));
        };
        let withdrawn = current.status == DatasetStatus::Withdrawn.as_str();
        if known.is_some_and(|k| k.hash == hash) && !withdrawn {
            return Ok(ItemOutcome::Unchanged(current.id));
        }
        let stored = repo::load_documents(txn, vec![current.clone()], self.base_url())
            .await?
            .pop()
            .ok_or_else(|| CatalogError::DatasetNotFound(current.id.to_string()))?;
        let mut doc = item.document.clone();
        doc.slug = current.slug.clone();
        match_distributions(&mut doc, &stored);
        let new = NewDataset::try_from(&doc)?;
        let id = write_dataset(txn, &actor, Some(current), new, self.base_url()).await?;
        harvested_dataset::Entity::update(harvested_dataset::ActiveModel {
            dataset_id: Set(id),
            origin: Set(item.origin.clone()),
            hash: Set(hash.to_owned()),
            ..Default::default()
        })
        .exec(txn)
        .await?;
        Ok(ItemOutcome::Updated(id))
    }

    /// The datasets of `source` with these identities.
    pub async fn harvested_ids(
        &self,
        source: Uuid,
        identities: &[String],
    ) -> Result<Vec<Uuid>, CatalogError> {
        Ok(harvested_dataset::Entity::find()
            .select_only()
            .column(harvested_dataset::Column::DatasetId)
            .filter(harvested_dataset::Column::SourceId.eq(source))
            .filter(harvested_dataset::Column::Identity.is_in(identities.iter().cloned()))
            .into_tuple()
            .all(self.db())
            .await?)
    }

    /// The harvested datasets of `source`, not withdrawn, that are not in `seen`: those that
    /// vanished from it. Reads only the ids of the source's datasets (16 bytes each), then the
    /// slugs and identities of the vanished ones.
    pub async fn harvest_vanished(
        &self,
        source: Uuid,
        seen: &HashSet<Uuid>,
    ) -> Result<Vec<WithdrawnDataset>, CatalogError> {
        let ids: Vec<Uuid> = harvested_dataset::Entity::find()
            .select_only()
            .column(harvested_dataset::Column::DatasetId)
            .inner_join(dataset::Entity)
            .filter(harvested_dataset::Column::SourceId.eq(source))
            .filter(dataset::Column::Status.ne(DatasetStatus::Withdrawn.as_str()))
            .into_tuple()
            .all(self.db())
            .await?;
        let vanished: Vec<Uuid> = ids.into_iter().filter(|id| !seen.contains(id)).collect();
        let mut out = Vec::with_capacity(vanished.len());
        for chunk in vanished.chunks(500) {
            let rows: Vec<(Uuid, String, String)> = harvested_dataset::Entity::find()
                .select_only()
                .column(harvested_dataset::Column::DatasetId)
                .column(dataset::Column::Slug)
                .column(harvested_dataset::Column::Identity)
                .inner_join(dataset::Entity)
                .filter(harvested_dataset::Column::DatasetId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(self.db())
                .await?;
            out.extend(
                rows.into_iter()
                    .map(|(id, slug, identity)| WithdrawnDataset { id, slug, identity }),
            );
        }
        out.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(out)
    }

    /// Withdraws harvested datasets that vanished from their source (reversible: a dataset that
    /// comes back is published again by the next run).
    pub async fn harvest_withdraw(
        &self,
        datasets: &[WithdrawnDataset],
    ) -> Result<(), CatalogError> {
        for chunk in datasets.chunks(100) {
            let (_guard, txn) = self.begin_write().await?;
            for d in chunk {
                if let Some(current) = repo::find_dataset(&txn, &d.id.to_string()).await?
                    && current.status != DatasetStatus::Withdrawn.as_str()
                {
                    withdraw_model(
                        &txn,
                        &Actor::operator().via(super::change::Channel::Harvest),
                        &current,
                    )
                    .await?;
                }
            }
            txn.commit().await?;
        }
        Ok(())
    }
}

fn is_constraint(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            | Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// `slug`, else `slug-2`, `slug-3`, … whichever no dataset uses.
async fn free_slug(txn: &DatabaseTransaction, suggestion: &str) -> Result<String, CatalogError> {
    let base = Slug::parse("slug", suggestion)?.to_string();
    let taken = |slug: String| async move {
        dataset::Entity::find()
            .filter(dataset::Column::Slug.eq(slug))
            .count(txn)
            .await
            .map(|n| n > 0)
    };
    if !taken(base.clone()).await? {
        return Ok(base);
    }
    let stem: String = base.chars().take(90).collect();
    let stem = stem.trim_end_matches('-');
    for n in 2..1000 {
        let candidate = format!("{stem}-{n}");
        if !taken(candidate.clone()).await? {
            return Ok(candidate);
        }
    }
    Err(CatalogError::SlugTaken(base))
}

/// Gives each incoming distribution the id of the stored one with the same download or access URL
/// (each stored one matched once), so that ids stay across runs.
fn match_distributions(doc: &mut DatasetDocument, stored: &DatasetDocument) {
    let mut free: Vec<&super::document::DistributionDocument> = stored
        .distributions
        .iter()
        .filter(|d| d.id.is_some())
        .collect();
    for d in &mut doc.distributions {
        d.id = None;
        let key = |x: &super::document::DistributionDocument| {
            (x.download_url.clone(), x.access_url.clone())
        };
        let position = free.iter().position(|s| key(s) == key(d)).or_else(|| {
            free.iter().position(|s| {
                d.download_url.is_some() && s.download_url == d.download_url
                    || d.access_url.is_some() && s.access_url == d.access_url
            })
        });
        if let Some(p) = position {
            d.id = free.remove(p).id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::document::DistributionDocument;

    fn dist(download: &str) -> DistributionDocument {
        serde_json::from_value(serde_json::json!({
            "title": {"de": "x"},
            "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
            "access_url": download,
            "download_url": download,
        }))
        .unwrap()
    }

    fn dataset(slug: &str, distributions: Vec<DistributionDocument>) -> DatasetDocument {
        let mut doc: DatasetDocument =
            serde_json::from_value(serde_json::json!({"slug": slug, "title": {"de": "T"}}))
                .unwrap();
        doc.distributions = distributions;
        doc
    }

    #[test]
    fn distributions_keep_their_ids_by_url_and_the_hash_ignores_assigned_fields() {
        let mut stored = dataset("a", vec![dist("https://x/1"), dist("https://x/2")]);
        let ids = [Uuid::new_v4(), Uuid::new_v4()];
        stored.distributions[0].id = Some(ids[0]);
        stored.distributions[1].id = Some(ids[1]);
        let mut incoming = dataset(
            "b",
            vec![
                dist("https://x/2"),
                dist("https://x/3"),
                dist("https://x/1"),
            ],
        );
        let before = record_hash(&incoming);
        match_distributions(&mut incoming, &stored);
        let got: Vec<Option<Uuid>> = incoming.distributions.iter().map(|d| d.id).collect();
        assert_eq!(got, [Some(ids[1]), None, Some(ids[0])]);
        assert_eq!(record_hash(&incoming), before, "slug and ids do not count");
        incoming.title.de = "changed".into();
        assert_ne!(record_hash(&incoming), before);
    }
}
