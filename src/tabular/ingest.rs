//! Loading a CSV file into a hosted table: the file is spooled to disk (its size, SHA-256 and
//! encoding taken on the way), analysed in a first pass on a blocking thread (delimiter, header,
//! types over the whole file), then read again on a blocking thread that hands typed rows in batches
//! to the SQL load, which swaps the new table in atomically. Memory stays flat in the file's size.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::read::{Analysis, ReadError, analyse, read_rows};
use super::sniff::{Encoding, EncodingScanner};

use crate::catalog::repo::tables::{self, WritableTable};
use crate::catalog::service::{Actor, Catalog, Precondition};
use crate::catalog::table::{self, ColumnSpec, ColumnType, FileFacts};
use crate::catalog::{CatalogError, Db, Txn};
use crate::tabular::schema::TableSchema;

/// Called with the number of rows read so far (for progress bars).
pub type Progress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// Where uploads are spooled and how large they may be (app data).
#[derive(Clone, Debug)]
pub struct Uploads {
    /// Spool directory.
    pub dir: PathBuf,
    /// Largest upload in bytes.
    pub max_bytes: u64,
}

/// Rows handed to the SQL load at a time.
const BATCH: usize = 2000;

/// A file spooled to disk, with what was learnt while writing it.
#[derive(Debug)]
pub struct Spooled {
    file: tempfile::NamedTempFile,
    /// Size and checksum.
    pub facts: FileFacts,
    /// The encoding.
    pub encoding: Encoding,
}

impl Spooled {
    /// The spooled file.
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

/// Writes a file chunk by chunk into a temporary file in `dir`, taking its size, checksum and
/// encoding on the way. The file is locked while it exists, so that [`remove_unheld_spools`] knows
/// it belongs to a running upload or import.
pub struct Spooler {
    file: tempfile::NamedTempFile,
    scanner: EncodingScanner,
    hasher: Sha256,
    bytes: u64,
}

impl Spooler {
    /// A new spool file in `dir` (created when missing).
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let file = tempfile::NamedTempFile::new_in(dir)?;
        file.as_file().try_lock().map_err(std::io::Error::from)?;
        Ok(Self {
            file,
            scanner: EncodingScanner::default(),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.file.write_all(chunk)?;
        self.scanner.feed(chunk);
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.bytes
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// Ends the file; refuses one that is not text in one encoding.
    pub fn finish(mut self) -> Result<Spooled, ReadError> {
        self.file.flush().map_err(ReadError::Io)?;
        let encoding = self.scanner.finish()?;
        Ok(Spooled {
            file: self.file,
            facts: FileFacts {
                bytes: self.bytes,
                sha256: hex::encode(self.hasher.finalize()),
            },
            encoding,
        })
    }
}

/// Spools an in-memory file (fixtures, tests).
pub fn spool_bytes(dir: &Path, bytes: &[u8]) -> Result<Spooled, CatalogError> {
    let mut spooler = Spooler::new(dir).map_err(io_error)?;
    spooler.write(bytes).map_err(io_error)?;
    spooler.finish().map_err(read_error)
}

/// A spool file that cannot be written (disk full, unwritable directory) is the server's failure,
/// not the client's: a 500, logged with its cause.
fn io_error(error: std::io::Error) -> CatalogError {
    CatalogError::internal(anyhow::Error::new(error).context("failed to store the upload"))
}

/// A worker thread of a load that failed (panicked or was cancelled): the server's failure.
fn worker_failed(what: &'static str, error: tokio::task::JoinError) -> CatalogError {
    CatalogError::internal(anyhow::Error::new(error).context(what))
}

/// A read error as the domain's error, naming the line (and column) in the field; a spool file
/// the server cannot read back is the server's failure.
pub fn read_error(error: ReadError) -> CatalogError {
    match error {
        ReadError::Io(_) => CatalogError::internal(error),
        _ => CatalogError::invalid("file", error.to_string()),
    }
}

/// What a load did.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadReport {
    /// The analysis: encoding, delimiter, columns with their types, rows.
    pub analysis: Analysis,
}

/// The first pass over `spooled`, on a blocking thread: with `schema` in place of inference when
/// given. Run it before the write transaction, so a bad file never holds the write lock.
pub async fn analyse_spooled(
    spooled: &Spooled,
    schema: Option<Vec<(String, ColumnType)>>,
) -> Result<Analysis, CatalogError> {
    let path = spooled.path().to_path_buf();
    let encoding = spooled.encoding;
    tokio::task::spawn_blocking(move || analyse(&path, encoding, schema.as_deref()))
        .await
        .map_err(|e| worker_failed("the reader failed", e))?
        .map_err(read_error)
}

/// Analyses `spooled` and replaces the rows of hosted-table distribution `distribution_id` within
/// `txn` (fixtures and generators; the API analyses before it opens the transaction).
pub async fn load(
    txn: &Txn,
    distribution_id: Uuid,
    spooled: &Spooled,
    schema: Option<Vec<(String, ColumnType)>>,
) -> Result<LoadReport, CatalogError> {
    let analysis = analyse_spooled(spooled, schema).await?;
    let (report, _claim) = load_analysed(
        txn,
        &Actor::operator(),
        None,
        distribution_id,
        spooled,
        analysis,
        None,
    )
    .await?;
    Ok(report)
}

fn column_specs(analysis: &Analysis) -> Vec<ColumnSpec> {
    analysis
        .columns
        .iter()
        .map(|(name, inferred)| ColumnSpec {
            name: name.clone(),
            column_type: inferred.column_type,
            scale: inferred.scale,
        })
        .collect()
}

/// The second pass's reader, on a blocking thread: typed rows of `spooled` in batches.
fn spawn_reader(
    spooled: &Spooled,
    analysis: &Analysis,
    progress: Option<Progress>,
) -> (table::RowBatches, tokio::task::JoinHandle<()>) {
    let path: PathBuf = spooled.path().to_path_buf();
    let (tx, rx) = mpsc::channel(2);
    let analysis = analysis.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(BATCH);
        let mut read = 0_u64;
        let outcome = read_rows::<ReadError>(&path, &analysis, |_, cells| {
            batch.push(cells);
            read += 1;
            if batch.len() == BATCH {
                if let Some(progress) = &progress {
                    progress(read);
                }
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                // A closed channel means the load stopped; the error it stopped with is its own.
                let _ = tx.blocking_send(Ok(full));
            }
            Ok(())
        });
        if let Some(progress) = &progress {
            progress(read);
        }
        let last = match outcome {
            Ok(()) => Ok(batch),
            Err(error) => Err(read_error(error)),
        };
        let _ = tx.blocking_send(last);
    });
    (rx, reader)
}

/// The second pass: replaces the rows of hosted-table distribution `distribution_id` within `txn`
/// with the rows of `spooled` as `analysis` found them (`bulk`: see [`table::replace_table`]). Hold
/// the claim it returns until `txn` is committed.
pub async fn load_analysed(
    txn: &Txn,
    actor: &Actor,
    bulk: Option<&Db>,
    distribution_id: Uuid,
    spooled: &Spooled,
    analysis: Analysis,
    progress: Option<Progress>,
) -> Result<(LoadReport, Option<table::LoadClaim>), CatalogError> {
    let columns = column_specs(&analysis);
    let (mut rx, reader) = spawn_reader(spooled, &analysis, progress);
    let mut claim = None;
    let loaded = table::replace_table(
        txn,
        actor,
        bulk,
        distribution_id,
        &columns,
        &mut rx,
        &spooled.facts,
        &mut claim,
    )
    .await;
    drop(rx);
    reader
        .await
        .map_err(|e| worker_failed("the reader failed", e))?;
    loaded?;
    Ok((LoadReport { analysis }, claim))
}

/// Which column types an upload is read with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaChoice {
    /// The schema declared for the distribution, if any; otherwise types are inferred.
    Stored,
    /// This schema, declared for the distribution from now on if the load succeeds.
    Declare(TableSchema),
}

/// The Table Schema declared for distribution `id`, if any.
pub async fn stored_schema(db: &Db, id: Uuid) -> Result<Option<TableSchema>, CatalogError> {
    tables::declared_schema(db, id)
        .await?
        .as_ref()
        .map(TableSchema::from_json)
        .transpose()
}

/// Within the write transaction: declares the schema an upload was read with, or checks that the
/// declared schema it was read with is still the one declared. (The load that follows records the
/// change.)
async fn settle_schema(
    txn: &Txn,
    table: &WritableTable,
    schema: &SchemaChoice,
    declared: &Option<TableSchema>,
) -> Result<(), CatalogError> {
    if let SchemaChoice::Declare(given) = schema {
        tables::write_schema(txn, table.distribution_id, Some(given.to_json())).await?;
        return Ok(());
    }
    let current = table
        .declared
        .as_ref()
        .map(TableSchema::from_json)
        .transpose()?;
    if &current != declared {
        return Err(CatalogError::invalid(
            "table_schema",
            "the table schema changed during the upload; send the file again",
        ));
    }
    Ok(())
}

/// Declares (or with `None` removes) the Table Schema of hosted-table distribution `id` of dataset
/// `key`, as `actor`. Later uploads are read with it; the rows already loaded stay as they are.
pub async fn set_schema(
    catalog: &Catalog,
    actor: &Actor,
    key: &str,
    id: Uuid,
    precondition: &Precondition,
    schema: Option<&TableSchema>,
) -> Result<(), CatalogError> {
    let (_guard, txn) = catalog.begin_write().await?;
    let table = tables::writable_table(&txn, actor, key, precondition, id).await?;
    tables::write_schema(&txn, id, schema.map(TableSchema::to_json)).await?;
    tables::record_schema_change(&txn, actor, &table).await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces the rows of distribution `id` of dataset `key` with the spooled file, as `actor`: the
/// file is analysed first (a bad file never takes the write lock), then loaded in one write
/// transaction that checks the actor's right to write the dataset and `precondition`. The column
/// types come from `schema` (a declared schema is checked cell by cell) or are inferred.
#[tracing::instrument(skip_all, fields(dataset.key = %key, distribution.id = %id))]
#[allow(clippy::too_many_arguments)]
pub async fn replace_data(
    catalog: &Catalog,
    actor: &Actor,
    key: &str,
    id: Uuid,
    precondition: &Precondition,
    spooled: &Spooled,
    schema: SchemaChoice,
    progress: Option<Progress>,
) -> Result<LoadReport, CatalogError> {
    let declared = match &schema {
        SchemaChoice::Declare(given) => Some(given.clone()),
        SchemaChoice::Stored => stored_schema(catalog.db(), id).await?,
    };
    let analysis = analyse_spooled(spooled, declared.clone().map(|s| s.fields)).await?;
    if let Some(progress) = &progress {
        progress(0);
    }
    if let Some(file) = crate::db::sqlite_file(catalog.db()).await? {
        // SQLite: fill a new table on a connection of its own first (after checking the rights, so
        // a refused caller writes nothing), then swap it in within a short write transaction.
        let check = catalog.begin_read().await?;
        tables::writable_table(&check, actor, key, precondition, id).await?;
        check.rollback().await?;
        let (rx, reader) = spawn_reader(spooled, &analysis, progress);
        let columns = column_specs(&analysis);
        let filled = table::fill_sqlite_table(file, columns.clone(), rx).await;
        reader
            .await
            .map_err(|e| worker_failed("the reader failed", e))?;
        let (table_name, rows, claim) = filled?;
        let swapped: Result<(), CatalogError> = async {
            let (_guard, txn) = catalog.begin_write().await?;
            let target = tables::writable_table(&txn, actor, key, precondition, id).await?;
            settle_schema(&txn, &target, &schema, &declared).await?;
            table::swap_in(
                &txn,
                actor,
                id,
                target.dataset_id,
                &table_name,
                &columns,
                rows,
                &spooled.facts,
            )
            .await?;
            txn.commit().await?;
            Ok(())
        }
        .await;
        match swapped {
            Ok(()) => drop(claim),
            Err(error) => {
                table::drop_when_free(catalog.db().clone(), table_name, Some(claim));
                return Err(error);
            }
        }
        tracing::info!(
            table.rows = analysis.rows,
            table.bytes = spooled.facts.bytes,
            "replaced the rows of a hosted table"
        );
        return Ok(LoadReport { analysis });
    }
    let (_guard, txn) = catalog.begin_write().await?;
    let target = tables::writable_table(&txn, actor, key, precondition, id).await?;
    settle_schema(&txn, &target, &schema, &declared).await?;
    let (report, claim) = load_analysed(
        &txn,
        actor,
        Some(catalog.db()),
        id,
        spooled,
        analysis,
        progress,
    )
    .await?;
    txn.commit().await?;
    drop(claim);
    tracing::info!(
        table.rows = report.analysis.rows,
        table.bytes = spooled.facts.bytes,
        "replaced the rows of a hosted table"
    );
    Ok(report)
}

/// Removes the spool files in `dir` that no upload or import holds (whatever their age): what a
/// crash or a kill cut off. A running one keeps its file locked. Returns how many went.
pub fn remove_unheld_spools(dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        if !entry.metadata()?.is_file() {
            continue;
        }
        let file = std::fs::File::open(entry.path())?;
        match file.try_lock() {
            Ok(()) => {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
    Ok(removed)
}

/// Why an upload could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// Over the configured size limit.
    #[error("the file exceeds the limit of {0} bytes")]
    TooLarge(u64),
    /// The client's body broke off.
    #[error("the upload broke off: {0}")]
    Broken(String),
    /// The file is not readable text, or could not be stored.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Spools a streamed upload of at most `limit` bytes into `dir`; the disk writes run on a blocking
/// thread. Nothing of a failed upload remains.
pub async fn spool_stream<E: std::fmt::Display>(
    mut body: impl futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    dir: PathBuf,
    limit: u64,
) -> Result<Spooled, SpoolError> {
    use futures_util::StreamExt;
    let (tx, mut rx) = mpsc::channel::<bytes::Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || {
        let mut spooler = Spooler::new(&dir)?;
        while let Some(chunk) = rx.blocking_recv() {
            spooler.write(&chunk)?;
        }
        Ok::<_, std::io::Error>(spooler)
    });
    let mut total = 0_u64;
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => {
                total += chunk.len() as u64;
                if total > limit {
                    failure = Some(SpoolError::TooLarge(limit));
                    break;
                }
                if tx.send(chunk).await.is_err() {
                    break; // the writer failed; its error follows
                }
            }
            Err(error) => {
                failure = Some(SpoolError::Broken(error.to_string()));
                break;
            }
        }
    }
    drop(tx);
    let spooler = writer
        .await
        .map_err(|e| worker_failed("the spooler failed", e))?
        .map_err(io_error)?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    Ok(spooler.finish().map_err(read_error)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spool_the_server_cannot_write_or_read_is_its_own_fault() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_dir = dir.path().join("file");
        std::fs::write(&not_a_dir, b"x").unwrap();
        let stored = spool_bytes(&not_a_dir, b"a;b\n1;2\n").err();
        assert!(
            matches!(stored, Some(CatalogError::Internal(_))),
            "{stored:?}"
        );
        let unread = read_error(ReadError::Io(std::io::Error::other("EIO")));
        assert!(matches!(unread, CatalogError::Internal(_)), "{unread:?}");
        let bad = read_error(ReadError::Csv {
            line: 2,
            message: "broken".into(),
        });
        assert!(matches!(bad, CatalogError::Invalid { .. }), "{bad:?}");
    }

    #[test]
    fn spool_files_no_upload_holds_are_removed_whatever_their_age() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            remove_unheld_spools(&dir.path().join("missing")).unwrap(),
            0
        );
        // Left by a killed upload a moment ago: no one holds it.
        let left = dir.path().join(".tmpLEFT");
        std::fs::write(&left, b"a,b\n").unwrap();
        let running = Spooler::new(dir.path()).unwrap();
        let removed = remove_unheld_spools(dir.path()).unwrap();
        assert_eq!(removed, 1);
        assert!(!left.exists());
        assert!(
            running.file.path().exists(),
            "a running upload keeps its file"
        );
        let path = running.file.path().to_path_buf();
        let spooled = running.finish().unwrap();
        assert_eq!(remove_unheld_spools(dir.path()).unwrap(), 0);
        assert!(spooled.path().exists(), "a spooled file being loaded stays");
        drop(spooled);
        assert!(!path.exists());
    }
}
