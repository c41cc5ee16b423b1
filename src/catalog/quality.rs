//! The record of quality assessments and link checks: what the quality scorer and the link checker
//! ([`crate::quality`]) store and read. Saving an assessment that changed adds a `change_log` row of
//! kind `quality` in the same transaction, so the projection's DQV graph follows it.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use entities::{dataset, dataset_quality, distribution, feed_position, link_check, quality_loss};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Catalog;
use super::change::{self, EntityKind, Operation};
use super::document::DatasetDocument;
use super::error::CatalogError;
use super::repo;
use super::values::DatasetStatus;

/// A stored assessment.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredQuality {
    /// The dataset.
    pub dataset_id: Uuid,
    /// The dataset revision it was computed on.
    pub revision: i32,
    /// The score.
    pub score: i32,
    /// The per-metric results (JSON of the quality module's assessment).
    pub results: serde_json::Value,
    /// When it was computed.
    pub computed_at: DateTime<FixedOffset>,
}

impl StoredQuality {
    /// The measurements the results hold, as the projection publishes them (`None` when the stored
    /// JSON is not an assessment).
    pub fn measurements(&self) -> Option<Measurements> {
        serde_json::from_value(self.results.clone()).ok()
    }
}

/// A stored assessment read as measurements (the shape of the quality module's `Assessment`).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Measurements {
    /// The score.
    pub score: u32,
    /// Per metric.
    pub metrics: Vec<MetricMeasurement>,
}

/// One metric's measurement.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct MetricMeasurement {
    /// piveau's metric name.
    pub metric: String,
    /// Whether every point was gained.
    pub passed: bool,
    /// Per distribution, for metrics measured on distributions.
    #[serde(default)]
    pub distributions: Vec<DistributionMeasurement>,
}

/// One distribution's measurement.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct DistributionMeasurement {
    /// The distribution.
    pub id: Uuid,
    /// Whether it passes.
    pub passed: bool,
    /// The status code its URL answered.
    #[serde(default)]
    pub status_code: Option<u16>,
}

/// The last check of one URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRecord {
    /// The URL.
    pub url: String,
    /// The HTTP status code, when there was an answer.
    pub status_code: Option<u16>,
    /// Whether it answered 2xx or 3xx; `None` before the first check.
    pub reachable: Option<bool>,
    /// Why not.
    pub reason: Option<String>,
    /// When it was checked.
    pub checked_at: Option<DateTime<FixedOffset>>,
}

/// A URL due for a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueLink {
    /// The URL.
    pub url: String,
    /// Its host.
    pub host: String,
}

/// The catalogue's quality in figures: published datasets only.
#[derive(Clone, Debug, PartialEq)]
pub struct QualityFigures {
    /// Published datasets.
    pub datasets: u64,
    /// Of those, how many have an assessment.
    pub assessed: u64,
    /// Scores of the assessed ones.
    pub scores: Vec<i32>,
    /// Per metric: (name, points lost in all, datasets that lost points).
    pub losses: Vec<(String, f64, u64)>,
}

/// SHA-256 of a URL, its key in `link_check`.
fn url_key(url: &str) -> String {
    hex::encode(Sha256::digest(url.as_bytes()))
}

/// The server of `url`: its host in lower case, with the port when it is not the scheme's default
/// (the unit of the link checker's politeness), or the URL itself when it has no host.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_ascii_lowercase();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

impl Catalog {
    /// Dataset `id`'s document whatever its status, with its revision (`None` when it does not
    /// exist).
    pub async fn quality_subject(
        &self,
        id: Uuid,
    ) -> Result<Option<(DatasetDocument, DatasetStatus)>, CatalogError> {
        let Some(model) = dataset::Entity::find_by_id(id).one(self.db()).await? else {
            return Ok(None);
        };
        let status = DatasetStatus::from_db(&model.status);
        let doc = repo::load_documents(self.db(), vec![model], self.base_url())
            .await?
            .pop();
        Ok(doc.map(|d| (d, status)))
    }

    /// Up to `limit` ids of datasets (any status) after `after` whose stored assessment is missing or
    /// of another revision, in id order.
    pub async fn stale_quality(
        &self,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Uuid>, CatalogError> {
        use sea_orm::sea_query::{Expr, ExprTrait};
        let mut query = dataset::Entity::find()
            .select_only()
            .column(dataset::Column::Id)
            .join(
                sea_orm::JoinType::LeftJoin,
                dataset_quality::Relation::Dataset.def().rev(),
            )
            .filter(
                Condition::any()
                    .add(dataset_quality::Column::DatasetId.is_null())
                    .add(ExprTrait::ne(
                        Expr::col((dataset_quality::Entity, dataset_quality::Column::Revision)),
                        Expr::col((dataset::Entity, dataset::Column::Revision)),
                    )),
            )
            .order_by_asc(dataset::Column::Id)
            .limit(limit);
        if let Some(after) = after {
            query = query.filter(dataset::Column::Id.gt(after));
        }
        Ok(query.into_tuple::<Uuid>().all(self.db()).await?)
    }

    /// Up to `limit` ids of every dataset after `after`, in id order (a full re-assessment).
    pub async fn dataset_ids_after(
        &self,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Uuid>, CatalogError> {
        let mut query = dataset::Entity::find()
            .select_only()
            .column(dataset::Column::Id)
            .order_by_asc(dataset::Column::Id)
            .limit(limit);
        if let Some(after) = after {
            query = query.filter(dataset::Column::Id.gt(after));
        }
        Ok(query.into_tuple::<Uuid>().all(self.db()).await?)
    }

    /// Stores dataset `id`'s assessment unless the stored one has the same results and revision;
    /// returns whether it wrote. `losses` names the metrics that lost points and how many.
    pub async fn save_quality(
        &self,
        id: Uuid,
        revision: i32,
        score: i32,
        results: serde_json::Value,
        losses: Vec<(String, f64)>,
    ) -> Result<bool, CatalogError> {
        let hash = hex::encode(Sha256::digest(results.to_string().as_bytes()));
        let stored = dataset_quality::Entity::find_by_id(id)
            .one(self.db())
            .await?;
        if stored
            .as_ref()
            .is_some_and(|s| s.hash == hash && s.revision == revision)
        {
            return Ok(false);
        }
        let (_queued, txn) = self.begin_write().await?;
        // The dataset may have been deleted meanwhile (a failed harvest's rollback, a test).
        if dataset::Entity::find_by_id(id).one(&txn).await?.is_none() {
            return Ok(false);
        }
        dataset_quality::Entity::insert(dataset_quality::ActiveModel {
            dataset_id: Set(id),
            revision: Set(revision),
            score: Set(score),
            results: Set(results),
            hash: Set(hash),
            computed_at: Set(Utc::now().fixed_offset()),
        })
        .on_conflict(
            OnConflict::column(dataset_quality::Column::DatasetId)
                .update_columns([
                    dataset_quality::Column::Revision,
                    dataset_quality::Column::Score,
                    dataset_quality::Column::Results,
                    dataset_quality::Column::Hash,
                    dataset_quality::Column::ComputedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        quality_loss::Entity::delete_many()
            .filter(quality_loss::Column::DatasetId.eq(id))
            .exec(&txn)
            .await?;
        let rows: Vec<quality_loss::ActiveModel> = losses
            .into_iter()
            .filter(|(_, lost)| *lost > 0.0)
            .map(|(metric, lost)| quality_loss::ActiveModel {
                dataset_id: Set(id),
                metric: Set(metric),
                lost: Set(lost),
            })
            .collect();
        if !rows.is_empty() {
            quality_loss::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
        change::record(&txn, EntityKind::Quality, id, Operation::Update, None).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Dataset `id`'s stored assessment.
    pub async fn quality_of(&self, id: Uuid) -> Result<Option<StoredQuality>, CatalogError> {
        Ok(dataset_quality::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(stored))
    }

    /// The stored assessments of the published datasets among `ids`.
    pub async fn published_quality(
        &self,
        ids: Vec<Uuid>,
    ) -> Result<Vec<StoredQuality>, CatalogError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let published: Vec<Uuid> = dataset::Entity::find()
            .select_only()
            .column(dataset::Column::Id)
            .filter(dataset::Column::Id.is_in(ids))
            .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
            .into_tuple()
            .all(self.db())
            .await?;
        if published.is_empty() {
            return Ok(Vec::new());
        }
        Ok(dataset_quality::Entity::find()
            .filter(dataset_quality::Column::DatasetId.is_in(published))
            .all(self.db())
            .await?
            .into_iter()
            .map(stored)
            .collect())
    }

    /// Up to `limit` stored assessments of published datasets after `after`, in id order (the
    /// projection's rebuild).
    pub async fn published_quality_after(
        &self,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<StoredQuality>, CatalogError> {
        let mut query = dataset_quality::Entity::find()
            .inner_join(dataset::Entity)
            .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
            .order_by_asc(dataset_quality::Column::DatasetId)
            .limit(limit);
        if let Some(after) = after {
            query = query.filter(dataset_quality::Column::DatasetId.gt(after));
        }
        Ok(query
            .all(self.db())
            .await?
            .into_iter()
            .map(stored)
            .collect())
    }

    /// The figures of the catalogue's quality overview (published datasets).
    pub async fn quality_figures(&self) -> Result<QualityFigures, CatalogError> {
        let published = || dataset::Column::Status.eq(DatasetStatus::Published.as_str());
        let datasets = dataset::Entity::find()
            .filter(published())
            .select_only()
            .column_as(dataset::Column::Id.count(), "n")
            .into_tuple::<i64>()
            .one(self.db())
            .await?
            .unwrap_or(0);
        let scores: Vec<i32> = dataset_quality::Entity::find()
            .inner_join(dataset::Entity)
            .filter(published())
            .select_only()
            .column(dataset_quality::Column::Score)
            .into_tuple()
            .all(self.db())
            .await?;
        let losses: Vec<(String, f64, i64)> = quality_loss::Entity::find()
            .inner_join(dataset::Entity)
            .filter(published())
            .select_only()
            .column(quality_loss::Column::Metric)
            .column_as(quality_loss::Column::Lost.sum(), "lost")
            .column_as(quality_loss::Column::DatasetId.count(), "n")
            .group_by(quality_loss::Column::Metric)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(QualityFigures {
            datasets: u64::try_from(datasets).unwrap_or(0),
            assessed: scores.len() as u64,
            scores,
            losses: losses
                .into_iter()
                .map(|(m, lost, n)| (m, lost, u64::try_from(n).unwrap_or(0)))
                .collect(),
        })
    }

    /// The last checks of `urls` (URLs never recorded are missing from the answer).
    pub async fn link_records(
        &self,
        urls: &[String],
    ) -> Result<HashMap<String, LinkRecord>, CatalogError> {
        if urls.is_empty() {
            return Ok(HashMap::new());
        }
        let keys: Vec<String> = urls.iter().map(|u| url_key(u)).collect();
        Ok(link_check::Entity::find()
            .filter(link_check::Column::UrlHash.is_in(keys))
            .all(self.db())
            .await?
            .into_iter()
            .map(|l| {
                (
                    l.url.clone(),
                    LinkRecord {
                        url: l.url,
                        status_code: l.status_code.and_then(|c| u16::try_from(c).ok()),
                        reachable: l.reachable,
                        reason: l.reason,
                        checked_at: l.checked_at,
                    },
                )
            })
            .collect())
    }

    /// Records `urls` for checking: a URL not known yet is due at once. Returns whether one was
    /// new.
    pub async fn watch_links(&self, urls: &[String]) -> Result<bool, CatalogError> {
        if urls.is_empty() {
            return Ok(false);
        }
        let now = Utc::now().fixed_offset();
        let rows: Vec<link_check::ActiveModel> = urls
            .iter()
            .map(|url| link_check::ActiveModel {
                url_hash: Set(url_key(url)),
                url: Set(url.clone()),
                host: Set(host_of(url)),
                status_code: Set(None),
                reachable: Set(None),
                reason: Set(None),
                checked_at: Set(None),
                next_check_at: Set(now),
            })
            .collect();
        link_check::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(link_check::Column::UrlHash)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await
            .map(|inserted| inserted > 0)
            .map_err(CatalogError::from)
    }

    /// Up to `limit` URLs due for a check at `now`, the longest-waiting first, leaving out the
    /// hosts in `except` (their checks are running).
    pub async fn due_links(
        &self,
        now: DateTime<FixedOffset>,
        limit: u64,
        except: &[String],
    ) -> Result<Vec<DueLink>, CatalogError> {
        Ok(link_check::Entity::find()
            .filter(link_check::Column::NextCheckAt.lte(now))
            .filter(link_check::Column::Host.is_not_in(except.iter().cloned()))
            .order_by_asc(link_check::Column::NextCheckAt)
            .limit(limit)
            .all(self.db())
            .await?
            .into_iter()
            .map(|l| DueLink {
                url: l.url,
                host: l.host,
            })
            .collect())
    }

    /// Moves the next check of `urls` to `until` (their checks have started; a crash lets them fall
    /// due again then).
    pub async fn lease_links(
        &self,
        urls: &[String],
        until: DateTime<FixedOffset>,
    ) -> Result<(), CatalogError> {
        if urls.is_empty() {
            return Ok(());
        }
        link_check::Entity::update_many()
            .col_expr(
                link_check::Column::NextCheckAt,
                sea_orm::sea_query::Expr::value(until),
            )
            .filter(link_check::Column::UrlHash.is_in(urls.iter().map(|u| url_key(u))))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Records the check of `url`, due again at `next`; returns whether its reachability or status
    /// code changed.
    pub async fn record_link_check(
        &self,
        url: &str,
        status_code: Option<u16>,
        reachable: bool,
        reason: Option<String>,
        next: DateTime<FixedOffset>,
    ) -> Result<bool, CatalogError> {
        let key = url_key(url);
        let old = link_check::Entity::find_by_id(key.clone())
            .one(self.db())
            .await?;
        let changed = old.as_ref().is_none_or(|o| {
            o.reachable != Some(reachable)
                || o.status_code != status_code.map(i32::from)
                || o.reason != reason
        });
        link_check::Entity::insert(link_check::ActiveModel {
            url_hash: Set(key),
            url: Set(url.to_owned()),
            host: Set(host_of(url)),
            status_code: Set(status_code.map(i32::from)),
            reachable: Set(Some(reachable)),
            reason: Set(reason),
            checked_at: Set(Some(Utc::now().fixed_offset())),
            next_check_at: Set(next),
        })
        .on_conflict(
            OnConflict::column(link_check::Column::UrlHash)
                .update_columns([
                    link_check::Column::StatusCode,
                    link_check::Column::Reachable,
                    link_check::Column::Reason,
                    link_check::Column::CheckedAt,
                    link_check::Column::NextCheckAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(changed)
    }

    /// Forgets the checks of `url` (no distribution names it any more).
    pub async fn forget_link(&self, url: &str) -> Result<(), CatalogError> {
        link_check::Entity::delete_by_id(url_key(url))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Datasets with a distribution whose access or download URL is `url`.
    pub async fn datasets_naming(&self, url: &str) -> Result<Vec<Uuid>, CatalogError> {
        let mut ids: Vec<Uuid> = naming(url)
            .select_only()
            .column(distribution::Column::DatasetId)
            .into_tuple()
            .all(self.db())
            .await?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// The recorded position of feed consumer `name` (`None` before its first record).
    pub async fn feed_position(&self, name: &str) -> Result<Option<i64>, CatalogError> {
        Ok(feed_position::Entity::find_by_id(name.to_owned())
            .one(self.db())
            .await?
            .map(|p| p.seq))
    }

    /// Records feed consumer `name`'s position.
    pub async fn set_feed_position(&self, name: &str, seq: i64) -> Result<(), CatalogError> {
        feed_position::Entity::insert(feed_position::ActiveModel {
            consumer: Set(name.to_owned()),
            seq: Set(seq),
        })
        .on_conflict(
            OnConflict::column(feed_position::Column::Consumer)
                .update_column(feed_position::Column::Seq)
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }
}

fn stored(q: dataset_quality::Model) -> StoredQuality {
    StoredQuality {
        dataset_id: q.dataset_id,
        revision: q.revision,
        score: q.score,
        results: q.results,
        computed_at: q.computed_at,
    }
}

impl Catalog {
    /// Publisher `slug` as the DCAT-AP documents show it.
    pub async fn publisher_record(
        &self,
        slug: &str,
    ) -> Result<Option<super::record::PublisherRecord>, CatalogError> {
        Ok(repo::find_publisher(self.db(), slug)
            .await?
            .as_ref()
            .map(super::record::PublisherRecord::from))
    }
}

/// The distributions whose access or download URL is `url` (the indexes
/// `idx_distribution_access_url` and `idx_distribution_download_url` serve this lookup).
pub(super) fn naming(url: &str) -> sea_orm::Select<distribution::Entity> {
    distribution::Entity::find().filter(
        Condition::any()
            .add(distribution::Column::AccessUrl.eq(url))
            .add(distribution::Column::DownloadUrl.eq(url)),
    )
}
