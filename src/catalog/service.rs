//! The catalogue's use cases. Every write commits the record and its `change_log` row in one SQL
//! transaction; on SQLite, writes are serialised in-process so that concurrent requests queue instead of
//! failing with `database is locked`.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use entities::{contact_point, data_table, dataset, dataset_theme, distribution, publisher};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, QueryFilter, SqlErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

use super::change::{self, Channel, EntityKind, Operation};
use super::dataset::{NewContactPoint, NewDataset, NewDistribution};
use super::document::{DatasetDocument, DistributionDocument};
use super::error::CatalogError;
use super::repo::{self, Visibility};
use super::values::{DatasetStatus, DcatDate, DistributionKind, DistributionStatus, Role};

/// Who is writing: the holder of a valid token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The token's id.
    pub token_id: Uuid,
    /// The token's role.
    pub role: Role,
    /// The token's publisher.
    pub publisher_id: Option<Uuid>,
    /// Through what it writes (recorded in `change_log`).
    pub channel: Channel,
}

impl Actor {
    /// The operator at the command line, who has the database itself and so every right.
    pub fn operator() -> Self {
        Self {
            token_id: Uuid::nil(),
            role: Role::Admin,
            publisher_id: None,
            channel: Channel::Cli,
        }
    }

    /// The same actor writing through `channel`.
    pub fn via(self, channel: Channel) -> Self {
        Self { channel, ..self }
    }

    /// Whether this actor may write datasets of `publisher_id`.
    pub fn may_write(&self, publisher_id: Uuid) -> bool {
        self.role == Role::Admin || self.publisher_id == Some(publisher_id)
    }

    /// What this actor may read.
    pub fn visibility(&self) -> Visibility {
        match (self.role, self.publisher_id) {
            (Role::Admin, _) => Visibility::All,
            (Role::Editor, Some(p)) => Visibility::Publisher(p),
            (Role::Editor, None) => Visibility::Public,
        }
    }
}

/// What `If-Match` asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`.
    Any,
    /// One or more strong entity tags, quotes included.
    Tags(Vec<String>),
}

impl Precondition {
    fn holds(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| t == current),
        }
    }
}

/// The strong ETag of a dataset revision.
pub fn etag(id: Uuid, revision: i32) -> String {
    format!("\"{}-{revision}\"", id.simple())
}

/// The catalogue: the database plus the settings its use cases need.
#[derive(Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    write_lock: Arc<Mutex<()>>,
    serialise_writes: bool,
    base_url: Arc<str>,
}

impl Catalog {
    /// Wraps a migrated database. `base_url` has no trailing slash.
    pub fn new(db: DatabaseConnection, base_url: &str) -> Self {
        let serialise_writes = db.get_database_backend() == DbBackend::Sqlite;
        Self {
            db,
            write_lock: Arc::new(Mutex::new(())),
            serialise_writes,
            base_url: base_url.trim_end_matches('/').into(),
        }
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The record's position: the last `change_log` sequence number (0 before the first).
    pub async fn max_seq(&self) -> Result<i64, CatalogError> {
        Ok(repo::max_seq(&self.db).await?)
    }

    /// Up to `limit` `change_log` entries after position `after`, in sequence order, and the number
    /// of the last one read (entries of unknown kinds are read but not returned).
    pub async fn changes_after(
        &self,
        after: i64,
        limit: u64,
    ) -> Result<(Vec<crate::feed::Entry>, Option<i64>), CatalogError> {
        Ok(repo::changes_after(&self.db, after, limit).await?)
    }

    /// Starts a transaction for reads and checks that is rolled back (it takes no write lock).
    pub async fn begin_read(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db.begin().await
    }

    /// Starts a write transaction (queued behind other writers on SQLite).
    pub async fn begin_write(
        &self,
    ) -> Result<(Option<MutexGuard<'_, ()>>, DatabaseTransaction), DbErr> {
        let guard = if self.serialise_writes {
            Some(self.write_lock.lock().await)
        } else {
            None
        };
        // IMMEDIATE takes SQLite's write lock up front (waiting out the busy timeout), so a transaction
        // that reads first never fails to upgrade when another process wrote in between.
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: self
                    .serialise_writes
                    .then_some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok((guard, txn))
    }

    /// Stores a `dct:identifier` for every dataset written before identifiers were stored: its IRI
    /// under the configured base URL, as the exports showed it so far. Returns how many were assigned.
    /// Runs at start-up and after `odcat migrate`; afterwards the identifier never follows the base URL.
    pub async fn assign_identifiers(&self) -> Result<u64, CatalogError> {
        let ids = repo::datasets_without_identifier(&self.db).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let (_guard, txn) = self.begin_write().await?;
        for id in &ids {
            // A stored field changed, so it is a write like any other: new revision, outbox row.
            if repo::set_identifier(&txn, *id, &dataset_identifier(&self.base_url, *id)).await? {
                change::record(&txn, EntityKind::Dataset, *id, Operation::Update, None).await?;
                repo::stamp_listing(&txn, *id, false, false).await?;
            }
        }
        txn.commit().await?;
        tracing::info!(
            datasets = ids.len(),
            "stored the dct:identifier of existing datasets"
        );
        Ok(ids.len() as u64)
    }

    /// One dataset as the caller may see it.
    #[tracing::instrument(skip_all, fields(dataset.key = %key))]
    pub async fn get_dataset(
        &self,
        key: &str,
        visibility: Visibility,
    ) -> Result<DatasetDocument, CatalogError> {
        let model = visible(repo::find_dataset(&self.db, key).await?, visibility)
            .ok_or_else(|| CatalogError::DatasetNotFound(key.to_owned()))?;
        self.document(&self.db, model).await
    }

    async fn document(
        &self,
        db: &impl ConnectionTrait,
        model: dataset::Model,
    ) -> Result<DatasetDocument, CatalogError> {
        repo::load_documents(db, vec![model], &self.base_url)
            .await?
            .pop()
            .ok_or_else(|| CatalogError::Database(DbErr::RecordNotFound("dataset".into())))
    }

    /// Creates a dataset with its distributions.
    #[tracing::instrument(skip_all, fields(dataset.slug = %doc.slug))]
    pub async fn create_dataset(
        &self,
        actor: &Actor,
        doc: &DatasetDocument,
    ) -> Result<DatasetDocument, CatalogError> {
        let new = NewDataset::try_from(doc)?;
        let (_guard, txn) = self.begin_write().await?;
        let id = write_dataset(&txn, actor, None, new, &self.base_url).await?;
        let doc = self.reload(&txn, id).await?;
        txn.commit().await?;
        Ok(doc)
    }

    /// Creates several datasets in one transaction, each exactly as [`Catalog::create_dataset`]
    /// would (validation, `change_log` row, listing position), all or none: an import's or a
    /// harvest's batch. Returns their ids in order; nothing is read back. A refused document fails
    /// the batch with its error, prefixed with its index in the field name.
    pub async fn create_datasets(
        &self,
        actor: &Actor,
        docs: &[DatasetDocument],
    ) -> Result<Vec<Uuid>, CatalogError> {
        let mut news = Vec::with_capacity(docs.len());
        for (i, doc) in docs.iter().enumerate() {
            news.push(NewDataset::try_from(doc).map_err(|e| e.at_index(i))?);
        }
        let (_guard, txn) = self.begin_write().await?;
        let mut ids = Vec::with_capacity(news.len());
        for (i, new) in news.into_iter().enumerate() {
            ids.push(
                write_dataset(&txn, actor, None, new, &self.base_url)
                    .await
                    .map_err(|e| e.at_index(i))?,
            );
        }
        txn.commit().await?;
        Ok(ids)
    }

    /// Replaces a dataset (`PUT`): the document is the whole new state.
    #[tracing::instrument(skip_all, fields(dataset.key = %key))]
    pub async fn replace_dataset(
        &self,
        actor: &Actor,
        key: &str,
        precondition: &Precondition,
        doc: &DatasetDocument,
    ) -> Result<DatasetDocument, CatalogError> {
        let new = NewDataset::try_from(doc)?;
        self.update(actor, key, precondition, |_| Ok(new)).await
    }

    /// Applies a JSON Merge Patch (RFC 7396) to the dataset's document, then replaces it.
    #[tracing::instrument(skip_all, fields(dataset.key = %key))]
    pub async fn patch_dataset(
        &self,
        actor: &Actor,
        key: &str,
        precondition: &Precondition,
        patch: &serde_json::Value,
    ) -> Result<DatasetDocument, CatalogError> {
        if !patch.is_object() {
            return Err(CatalogError::invalid(
                "$",
                "a merge patch must be a JSON object",
            ));
        }
        self.update(actor, key, precondition, |current| {
            // Our own document not serialising is our fault; only the patched result is the client's.
            let mut value = serde_json::to_value(current).map_err(CatalogError::internal)?;
            merge_patch(&mut value, patch);
            let doc: DatasetDocument = serde_json::from_value(value)
                .map_err(|e| CatalogError::invalid("$", e.to_string()))?;
            NewDataset::try_from(&doc)
        })
        .await
    }

    /// Withdraws a dataset: it stays readable with status `withdrawn` and leaves the exports.
    pub async fn withdraw_dataset(
        &self,
        actor: &Actor,
        key: &str,
        precondition: &Precondition,
    ) -> Result<DatasetDocument, CatalogError> {
        // Only the status changes: the stored document is not checked again, so a record stored
        // before a rule it breaks was introduced can always be withdrawn.
        let (_guard, txn) = self.begin_write().await?;
        let current = writable_dataset(&txn, actor, key, precondition).await?;
        let id = withdraw_model(&txn, actor, &current).await?;
        let doc = self.reload(&txn, id).await?;
        txn.commit().await?;
        Ok(doc)
    }

    /// Adds a distribution to a dataset; returns the dataset and the new distribution's id.
    pub async fn add_distribution(
        &self,
        actor: &Actor,
        key: &str,
        doc: &DistributionDocument,
    ) -> Result<(DatasetDocument, Uuid), CatalogError> {
        let mut new_dist = NewDistribution::parse("$", doc)?;
        new_dist.id = None;
        // The ids before the write, read inside the write's transaction, tell which one is new.
        let mut known: Vec<Uuid> = Vec::new();
        let result = self
            .update(actor, key, &Precondition::Any, |current| {
                known = current.distributions.iter().filter_map(|d| d.id).collect();
                let mut new = NewDataset::try_from(current)?;
                // Checked here too: a dataset pushed past the limit would refuse every later
                // update, its withdrawal included.
                if new.distributions.len() >= super::dataset::DISTRIBUTIONS_MAX {
                    return Err(CatalogError::invalid(
                        "distributions",
                        format!(
                            "the dataset already has {} entries, the most it may have",
                            super::dataset::DISTRIBUTIONS_MAX
                        ),
                    ));
                }
                new.distributions.push(new_dist);
                Ok(new)
            })
            .await?;
        let id = result
            .distributions
            .iter()
            .filter_map(|d| d.id)
            .find(|id| !known.contains(id))
            .ok_or_else(|| CatalogError::Database(DbErr::RecordNotFound("distribution".into())))?;
        Ok((result, id))
    }

    /// Replaces one distribution of a dataset.
    pub async fn replace_distribution(
        &self,
        actor: &Actor,
        key: &str,
        id: Uuid,
        precondition: &Precondition,
        doc: &DistributionDocument,
    ) -> Result<DatasetDocument, CatalogError> {
        let mut new_dist = NewDistribution::parse("$", doc)?;
        new_dist.id = Some(id);
        self.update(actor, key, precondition, move |current| {
            let mut new = NewDataset::try_from(current)?;
            let slot = new
                .distributions
                .iter_mut()
                .find(|d| d.id == Some(id))
                .ok_or_else(|| CatalogError::DistributionNotFound {
                    dataset: key.to_owned(),
                    id: id.to_string(),
                })?;
            *slot = new_dist;
            Ok(new)
        })
        .await
    }

    /// Withdraws one distribution of a dataset.
    pub async fn withdraw_distribution(
        &self,
        actor: &Actor,
        key: &str,
        id: Uuid,
        precondition: &Precondition,
    ) -> Result<DatasetDocument, CatalogError> {
        self.update(actor, key, precondition, move |current| {
            let mut new = NewDataset::try_from(current)?;
            let slot = new
                .distributions
                .iter_mut()
                .find(|d| d.id == Some(id))
                .ok_or_else(|| CatalogError::DistributionNotFound {
                    dataset: key.to_owned(),
                    id: id.to_string(),
                })?;
            slot.status = DistributionStatus::Withdrawn;
            Ok(new)
        })
        .await
    }

    async fn update(
        &self,
        actor: &Actor,
        key: &str,
        precondition: &Precondition,
        change: impl FnOnce(&DatasetDocument) -> Result<NewDataset, CatalogError>,
    ) -> Result<DatasetDocument, CatalogError> {
        let (_guard, txn) = self.begin_write().await?;
        let current = writable_dataset(&txn, actor, key, precondition).await?;
        let doc = self.document(&txn, current.clone()).await?;
        let new = change(&doc)?;
        let id = write_dataset(&txn, actor, Some(current), new, &self.base_url).await?;
        let doc = self.reload(&txn, id).await?;
        txn.commit().await?;
        Ok(doc)
    }

    async fn reload(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
    ) -> Result<DatasetDocument, CatalogError> {
        let model = repo::find_dataset(txn, &id.to_string())
            .await?
            .ok_or_else(|| CatalogError::DatasetNotFound(id.to_string()))?;
        self.document(txn, model).await
    }
}

/// Sets a dataset's status to `withdrawn` inside `txn` (new revision, `change_log` row); the stored
/// document is not checked again, so a record stored before a rule it breaks was introduced can
/// always be withdrawn.
pub(crate) async fn withdraw_model(
    txn: &DatabaseTransaction,
    actor: &Actor,
    current: &dataset::Model,
) -> Result<Uuid, CatalogError> {
    let id = current.id;
    let now = now();
    let result = dataset::Entity::update_many()
        .col_expr(
            dataset::Column::Status,
            Expr::value(DatasetStatus::Withdrawn.as_str()),
        )
        .col_expr(dataset::Column::Revision, Expr::value(current.revision + 1))
        .col_expr(dataset::Column::Modified, Expr::value(now))
        .col_expr(dataset::Column::UpdatedAt, Expr::value(now))
        .filter(dataset::Column::Id.eq(id))
        .filter(dataset::Column::Revision.eq(current.revision))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(CatalogError::StaleRevision {
            slug: current.slug.clone(),
            current: "a newer revision".into(),
        });
    }
    change::record(
        txn,
        EntityKind::Dataset,
        id,
        Operation::Withdraw,
        Some(actor),
    )
    .await?;
    repo::stamp_listing(txn, id, false, false).await?;
    Ok(id)
}

/// The dataset `key` inside a write transaction, when `actor` may write it and `precondition` holds.
pub async fn writable_dataset(
    txn: &DatabaseTransaction,
    actor: &Actor,
    key: &str,
    precondition: &Precondition,
) -> Result<dataset::Model, CatalogError> {
    let current = repo::find_dataset(txn, key).await?;
    // A dataset the actor may not even see is reported as missing, not as forbidden.
    let current = visible(current, actor.visibility())
        .ok_or_else(|| CatalogError::DatasetNotFound(key.to_owned()))?;
    if !actor.may_write(current.publisher_id) {
        return Err(CatalogError::Forbidden(format!(
            "your token may not write dataset `{}` of another publisher",
            current.slug
        )));
    }
    super::harvest::refuse_harvested(txn, &current).await?;
    let tag = etag(current.id, current.revision);
    if !precondition.holds(&tag) {
        return Err(CatalogError::StaleRevision {
            slug: current.slug,
            current: tag,
        });
    }
    Ok(current)
}

fn visible(model: Option<dataset::Model>, visibility: Visibility) -> Option<dataset::Model> {
    model.filter(|m| {
        repo::was_public(m)
            || match visibility {
                Visibility::All => true,
                Visibility::Publisher(p) => m.publisher_id == p,
                Visibility::Public => false,
            }
    })
}

/// RFC 7396 JSON Merge Patch.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let Some(patch) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    if let Some(map) = target.as_object_mut() {
        for (key, value) in patch {
            if value.is_null() {
                map.remove(key);
            } else {
                merge_patch(
                    map.entry(key.clone()).or_insert(serde_json::Value::Null),
                    value,
                );
            }
        }
    }
}

/// The `dct:identifier` a dataset gets at creation: its IRI under the base URL of that time.
pub fn dataset_identifier(base_url: &str, id: Uuid) -> String {
    format!("{}/dataset/{id}", base_url.trim_end_matches('/'))
}

fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn map_unique(err: DbErr, slug: &str) -> CatalogError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => CatalogError::SlugTaken(slug.to_owned()),
        _ => CatalogError::Database(err),
    }
}

/// Writes the whole state of one dataset inside `txn` and logs the change. `current` is `None` for a
/// new dataset.
pub(crate) async fn write_dataset(
    txn: &DatabaseTransaction,
    actor: &Actor,
    current: Option<dataset::Model>,
    new: NewDataset,
    base_url: &str,
) -> Result<Uuid, CatalogError> {
    let publisher_id = match &new.publisher {
        Some(slug) => {
            repo::find_publisher(txn, slug.as_str())
                .await?
                .ok_or_else(|| {
                    CatalogError::invalid("publisher", format!("publisher `{slug}` does not exist"))
                })?
                .id
        }
        None => match (&current, actor.publisher_id) {
            (Some(c), _) => c.publisher_id,
            (None, Some(p)) => p,
            (None, None) => {
                return Err(CatalogError::invalid(
                    "publisher",
                    "is required for tokens without a publisher",
                ));
            }
        },
    };
    if !actor.may_write(publisher_id) {
        return Err(CatalogError::Forbidden(
            "your token may only write datasets of its own publisher".into(),
        ));
    }
    if let Some(other) = repo::find_dataset(txn, new.slug.as_str()).await?
        && current.as_ref().is_none_or(|c| c.id != other.id)
    {
        return Err(CatalogError::SlugTaken(new.slug.to_string()));
    }
    let now = now();
    let status = new
        .status
        .or_else(|| current.as_ref().map(|c| DatasetStatus::from_db(&c.status)))
        .unwrap_or(DatasetStatus::Draft);
    if status == DatasetStatus::Published {
        let missing = new.missing_for_publication();
        if !missing.is_empty() {
            return Err(CatalogError::Incomplete(missing));
        }
    }
    let issued = new
        .issued
        .or_else(|| {
            current
                .as_ref()
                .and_then(|c| repo::stored_date(c.issued_text.as_deref(), c.issued))
        })
        .or_else(|| (status == DatasetStatus::Published).then(|| DcatDate::stamp(now)));
    // `modified` is the publisher's statement of when the data changed. A document read back shows
    // the record's change time while the publisher never set one; sending that value back (PUT of
    // what GET returned, PATCH, withdraw) must not turn it into a statement.
    let data_modified = match (&current, new.modified) {
        (Some(c), Some(m))
            if c.data_modified.is_none() && m.instant().timestamp() == c.modified.timestamp() =>
        {
            None
        }
        (_, Some(m)) => Some(m.lexical()),
        (Some(c), None) => c.data_modified.clone(),
        (None, None) => None,
    };
    let id = current.as_ref().map_or_else(Uuid::new_v4, |c| c.id);
    // dct:identifier: assigned once, at creation, from the IRI the dataset has then; kept for ever.
    let identifier = new
        .identifier
        .clone()
        .or_else(|| current.as_ref().and_then(|c| c.identifier.clone()))
        .unwrap_or_else(|| dataset_identifier(base_url, id));
    let model = dataset::ActiveModel {
        id: Set(id),
        slug: Set(new.slug.to_string()),
        publisher_id: Set(publisher_id),
        title_de: Set(new.title.de.clone()),
        title_en: Set(new.title.en.clone()),
        description_de: Set(new.description.de.clone()),
        description_en: Set(new.description.en.clone()),
        keywords: Set(json(&new.keywords)),
        themes: Set(json(&new.themes)),
        languages: Set(json(&new.languages)),
        license: Set(new.license.clone()),
        license_attribution: Set(new.license_attribution.clone()),
        access_rights: Set(new.access_rights.clone()),
        accrual_periodicity: Set(new.accrual_periodicity.clone()),
        spatial: Set(new.spatial.clone()),
        geocoding_level: Set(new.geocoding_level.clone()),
        temporal_start: Set(new.temporal_start),
        temporal_end: Set(new.temporal_end),
        issued: Set(issued.map(|i| i.instant())),
        issued_text: Set(issued.map(|i| i.lexical())),
        modified: Set(now),
        data_modified: Set(data_modified),
        identifier: Set(Some(identifier)),
        availability: Set(new.availability.clone()),
        landing_page: Set(new.landing_page.clone()),
        conforms_to: Set(json(&new.conforms_to)),
        version: Set(new.version.clone()),
        contributor_id: Set(new.contributor_id.clone()),
        status: Set(status.as_str().to_owned()),
        revision: Set(current.as_ref().map_or(1, |c| c.revision + 1)),
        published_at: Set(current
            .as_ref()
            .and_then(|c| c.published_at)
            // Only a publication makes a dataset public: a draft withdrawn before it stays private.
            .or_else(|| (status == DatasetStatus::Published).then_some(now))),
        created_at: Set(current.as_ref().map_or(now, |c| c.created_at)),
        updated_at: Set(now),
    };
    let operation = match &current {
        None => {
            dataset::Entity::insert(model)
                .exec_without_returning(txn)
                .await
                .map_err(|e| map_unique(e, new.slug.as_str()))?;
            Operation::Create
        }
        Some(c) => {
            let result = dataset::Entity::update_many()
                .set(model)
                .filter(dataset::Column::Id.eq(c.id))
                .filter(dataset::Column::Revision.eq(c.revision))
                .exec(txn)
                .await
                .map_err(|e| map_unique(e, new.slug.as_str()))?;
            if result.rows_affected != 1 {
                return Err(CatalogError::StaleRevision {
                    slug: c.slug.clone(),
                    current: "a newer revision".into(),
                });
            }
            if status == DatasetStatus::Withdrawn {
                Operation::Withdraw
            } else {
                Operation::Update
            }
        }
    };
    // A new dataset has no themes, contact point, distributions or listing position to look up.
    let fresh = current.is_none();
    write_themes(txn, id, &new.themes, fresh).await?;
    write_contact_point(txn, id, new.contact_point.as_ref(), fresh).await?;
    write_distributions(txn, id, &new, now, fresh).await?;
    change::record(txn, EntityKind::Dataset, id, operation, Some(actor)).await?;
    repo::stamp_listing(txn, id, status == DatasetStatus::Published, fresh).await?;
    Ok(id)
}

async fn write_themes(
    txn: &DatabaseTransaction,
    id: Uuid,
    themes: &[String],
    fresh: bool,
) -> Result<(), DbErr> {
    if !fresh {
        dataset_theme::Entity::delete_many()
            .filter(dataset_theme::Column::DatasetId.eq(id))
            .exec(txn)
            .await?;
    }
    if themes.is_empty() {
        return Ok(());
    }
    dataset_theme::Entity::insert_many(themes.iter().map(|t| dataset_theme::ActiveModel {
        dataset_id: Set(id),
        theme: Set(t.clone()),
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

async fn write_contact_point(
    txn: &DatabaseTransaction,
    id: Uuid,
    contact: Option<&NewContactPoint>,
    fresh: bool,
) -> Result<(), DbErr> {
    let existing = if fresh {
        None
    } else {
        contact_point::Entity::find()
            .filter(contact_point::Column::DatasetId.eq(id))
            .one(txn)
            .await?
    };
    match (existing, contact) {
        (None, None) => {}
        (Some(old), None) => {
            contact_point::Entity::delete_by_id(old.id)
                .exec(txn)
                .await?;
        }
        (existing, Some(c)) => {
            let model = contact_point::ActiveModel {
                id: Set(existing.as_ref().map_or_else(Uuid::new_v4, |e| e.id)),
                dataset_id: Set(id),
                name: Set(c.name.clone()),
                email: Set(c.email.clone()),
                url: Set(c.url.clone()),
                telephone: Set(c.telephone.clone()),
            };
            if existing.is_some() {
                contact_point::Entity::update(model).exec(txn).await?;
            } else {
                contact_point::Entity::insert(model)
                    .exec_without_returning(txn)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn write_distributions(
    txn: &DatabaseTransaction,
    dataset_id: Uuid,
    new: &NewDataset,
    now: DateTime<FixedOffset>,
    fresh: bool,
) -> Result<(), CatalogError> {
    let (existing, tables): (Vec<distribution::Model>, Vec<Uuid>) = if fresh {
        (Vec::new(), Vec::new())
    } else {
        let existing = distribution::Entity::find()
            .filter(distribution::Column::DatasetId.eq(dataset_id))
            .all(txn)
            .await?;
        let tables = data_table::Entity::find()
            .filter(
                data_table::Column::DistributionId
                    .is_in(existing.iter().map(|d| d.id).collect::<Vec<_>>()),
            )
            .all(txn)
            .await?
            .into_iter()
            .map(|t| t.distribution_id)
            .collect();
        (existing, tables)
    };
    let mut position = 0;
    let mut inserted = Vec::new();
    for (i, d) in new.distributions.iter().enumerate() {
        let old = match d.id {
            Some(id) => Some(existing.iter().find(|e| e.id == id).ok_or_else(|| {
                CatalogError::invalid(
                    format!("distributions[{i}].id"),
                    format!("distribution `{id}` does not belong to this dataset"),
                )
            })?),
            None => None,
        };
        if let Some(old) = old
            && tables.contains(&old.id)
            && d.kind != DistributionKind::HostedTable
        {
            return Err(CatalogError::invalid(
                format!("distributions[{i}].kind"),
                "a distribution with a hosted table stays hosted_table",
            ));
        }
        let id = old.map_or_else(Uuid::new_v4, |o| o.id);
        let issued = d
            .issued
            .or_else(|| old.and_then(|o| repo::stored_date(o.issued_text.as_deref(), o.issued)))
            .unwrap_or_else(|| DcatDate::stamp(now));
        let model = distribution::ActiveModel {
            id: Set(id),
            dataset_id: Set(dataset_id),
            position: Set(position),
            title_de: Set(d.title.de.clone()),
            title_en: Set(d.title.en.clone()),
            description_de: Set(d.description.as_ref().map(|t| t.de.clone())),
            description_en: Set(d.description.as_ref().and_then(|t| t.en.clone())),
            format: Set(d.format.clone()),
            media_type: Set(d.media_type.clone()),
            access_url: Set(d.access_url.clone().unwrap_or_default()),
            download_url: Set(d.download_url.clone()),
            byte_size: Set(d.byte_size),
            checksum_algorithm: Set(d.checksum.as_ref().map(|c| c.0.clone())),
            checksum_value: Set(d.checksum.as_ref().map(|c| c.1.clone())),
            license: Set(d.license.clone()),
            issued: Set(Some(issued.instant())),
            issued_text: Set(Some(issued.lexical())),
            availability: Set(d.availability.clone()),
            rights_de: Set(d.rights.as_ref().map(|t| t.de.clone())),
            rights_en: Set(d.rights.as_ref().and_then(|t| t.en.clone())),
            modified: Set(now),
            kind: Set(d.kind.as_str().to_owned()),
            status: Set(d.status.as_str().to_owned()),
            // A declared table schema is kept; it changes through its own endpoint only.
            table_schema: if old.is_some() {
                sea_orm::ActiveValue::NotSet
            } else {
                Set(None)
            },
            created_at: Set(old.map_or(now, |o| o.created_at)),
            updated_at: Set(now),
        };
        position += 1;
        if old.is_some() {
            distribution::Entity::update(model).exec(txn).await?;
        } else {
            inserted.push(model);
        }
    }
    // New distributions in one statement.
    if !inserted.is_empty() {
        distribution::Entity::insert_many(inserted)
            .exec_without_returning(txn)
            .await?;
    }
    // Distributions left out of a replacement are withdrawn, never deleted: their ids stay reserved.
    let kept: Vec<Uuid> = new.distributions.iter().filter_map(|d| d.id).collect();
    // They move behind the listed ones; only a newly withdrawn one counts as modified.
    for old in existing.iter().filter(|e| !kept.contains(&e.id)) {
        let mut model = distribution::ActiveModel {
            id: Set(old.id),
            position: Set(position),
            ..Default::default()
        };
        if old.status != DistributionStatus::Withdrawn.as_str() {
            model.status = Set(DistributionStatus::Withdrawn.as_str().to_owned());
            model.modified = Set(now);
            model.updated_at = Set(now);
        }
        distribution::Entity::update(model).exec(txn).await?;
        position += 1;
    }
    Ok(())
}

/// Creates a publisher (used by the fixtures and admin tooling).
pub async fn create_publisher(
    txn: &DatabaseTransaction,
    doc: &super::document::PublisherDocument,
) -> Result<Uuid, CatalogError> {
    use super::values::{Slug, email, http_iri, optional_text, text, vocabulary_iri};
    use super::vocab::Vocabulary;
    let slug = Slug::parse("slug", &doc.slug)?;
    let now = now();
    let id = Uuid::new_v4();
    let model = publisher::ActiveModel {
        id: Set(id),
        slug: Set(slug.to_string()),
        name_de: Set(text("name.de", &doc.name.de, 500)?),
        name_en: Set(optional_text("name.en", doc.name.en.as_deref(), 500)?),
        homepage: Set(doc
            .homepage
            .as_deref()
            .map(|h| http_iri("homepage", h))
            .transpose()?),
        email: Set(doc
            .email
            .as_deref()
            .map(|e| email("email", e))
            .transpose()?),
        type_iri: Set(vocabulary_iri(
            "type",
            &doc.type_iri,
            Vocabulary::PublisherType,
        )?),
        created_at: Set(now),
        updated_at: Set(now),
    };
    publisher::Entity::insert(model)
        .exec_without_returning(txn)
        .await
        .map_err(|e| map_unique(e, slug.as_str()))?;
    change::record(txn, EntityKind::Publisher, id, Operation::Create, None).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}, "l": [3]}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}, "l": [3]}));
    }

    #[test]
    fn preconditions_compare_strong_tags() {
        let id = Uuid::nil();
        let tag = etag(id, 3);
        assert!(Precondition::Any.holds(&tag));
        assert!(Precondition::Tags(vec![tag.clone()]).holds(&tag));
        assert!(!Precondition::Tags(vec![etag(id, 2)]).holds(&tag));
    }
}
