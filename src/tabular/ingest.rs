//! Loading a CSV file into a hosted table: the file is spooled to disk (its size, SHA-256 and
//! encoding taken on the way), analysed in a first pass on a blocking thread (delimiter, header,
//! types over the whole file), then read again on a blocking thread that hands typed rows in batches
//! to the SQL load, which swaps the new table in atomically. Memory stays flat in the file's size.

use std::io::Write;
use std::path::{Path, PathBuf};

use sea_orm::DatabaseTransaction;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::read::{Analysis, ReadError, analyse, read_rows};
use super::sniff::{Encoding, EncodingScanner};
use crate::catalog::CatalogError;
use crate::catalog::table::{self, ColumnSpec, ColumnType, FileFacts};

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
/// encoding on the way.
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
        Ok(Self {
            file: tempfile::NamedTempFile::new_in(dir)?,
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

fn io_error(error: std::io::Error) -> CatalogError {
    CatalogError::invalid("file", format!("failed to store the upload: {error}"))
}

/// A read error as the domain's error, naming the line (and column) in the field.
pub fn read_error(error: ReadError) -> CatalogError {
    CatalogError::invalid("file", error.to_string())
}

/// What a load did.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadReport {
    /// The analysis: encoding, delimiter, columns with their types, rows.
    pub analysis: Analysis,
}

/// Analyses `spooled` (with `schema` in place of inference when given) and replaces the rows of
/// hosted-table distribution `distribution_id` within `txn`.
pub async fn load(
    txn: &DatabaseTransaction,
    distribution_id: Uuid,
    spooled: &Spooled,
    schema: Option<Vec<(String, ColumnType)>>,
) -> Result<LoadReport, CatalogError> {
    let path: PathBuf = spooled.path().to_path_buf();
    let encoding = spooled.encoding;
    let analysis = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || analyse(&path, encoding, schema.as_deref()))
            .await
            .map_err(|e| CatalogError::invalid("file", format!("the reader failed: {e}")))?
            .map_err(read_error)?
    };
    let columns: Vec<ColumnSpec> = analysis
        .columns
        .iter()
        .map(|(name, inferred)| ColumnSpec {
            name: name.clone(),
            column_type: inferred.column_type,
        })
        .collect();
    let (tx, mut rx) = mpsc::channel(2);
    let reader = {
        let analysis = analysis.clone();
        tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let outcome = read_rows::<ReadError>(&path, &analysis, |_, cells| {
                batch.push(cells);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    // A closed channel means the load stopped; the error it stopped with is its own.
                    let _ = tx.blocking_send(Ok(full));
                }
                Ok(())
            });
            let last = match outcome {
                Ok(()) => Ok(batch),
                Err(error) => Err(read_error(error)),
            };
            let _ = tx.blocking_send(last);
        })
    };
    let loaded =
        table::replace_table(txn, distribution_id, &columns, &mut rx, &spooled.facts).await;
    drop(rx);
    reader
        .await
        .map_err(|e| CatalogError::invalid("file", format!("the reader failed: {e}")))?;
    loaded?;
    Ok(LoadReport { analysis })
}
