//! Errors of the catalogue domain. `crate::error` maps each variant to one HTTP status.

use sea_orm::DbErr;

/// Everything a catalogue use case can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A field of the input is missing, malformed or outside its vocabulary.
    #[error("{field}: {message}")]
    Invalid {
        /// JSON path of the field, e.g. `distributions[0].format`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// No dataset has this id or slug (or the caller may not see it).
    #[error("dataset `{0}` does not exist")]
    DatasetNotFound(String),
    /// The dataset has no distribution with this id.
    #[error("distribution `{id}` does not exist in dataset `{dataset}`")]
    DistributionNotFound {
        /// The dataset's id or slug as given.
        dataset: String,
        /// The distribution id as given.
        id: String,
    },
    /// No publisher has this slug or id.
    #[error("publisher `{0}` does not exist")]
    PublisherNotFound(String),
    /// Another dataset or publisher already uses this slug.
    #[error("slug `{0}` is already taken")]
    SlugTaken(String),
    /// The token's publisher may not write this dataset.
    #[error("{0}")]
    Forbidden(String),
    /// The caller's `If-Match` does not name the current revision.
    #[error("dataset `{slug}` has changed: current ETag is {current}")]
    StaleRevision {
        /// The dataset's slug.
        slug: String,
        /// The current ETag.
        current: String,
    },
    /// Publishing needs DCAT-AP mandatory properties that the dataset lacks (JSON paths).
    #[error("cannot publish: DCAT-AP requires {}", .0.join(", "))]
    Incomplete(Vec<String>),
    /// No token has this id.
    #[error("token `{0}` does not exist")]
    TokenNotFound(String),
    /// The dataset is harvested: its source is its record, local writes are refused.
    #[error("dataset `{slug}` is harvested from {source_url}: change it at its source")]
    Harvested {
        /// The dataset's slug.
        slug: String,
        /// The harvest source's URL.
        source_url: String,
    },
    /// No harvest source has this id.
    #[error("harvest source `{0}` does not exist")]
    HarvestSourceNotFound(String),
    /// No harvest job has this id.
    #[error("harvest job `{0}` does not exist")]
    HarvestJobNotFound(String),
    /// A job of this harvest source is running.
    #[error("a job of harvest source `{0}` is running; wait for it to finish")]
    HarvestRunning(String),
    /// The database failed.
    #[error("database error")]
    Database(#[from] DbErr),
    /// The server failed otherwise (disk, a worker thread): never the client's fault, so it is
    /// answered as 500 and logged with its cause.
    #[error("internal failure")]
    Internal(#[source] anyhow::Error),
}

impl CatalogError {
    /// Shorthand for [`CatalogError::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The error of the `index`-th document of a batch: field paths get the index in front
    /// (`[3].title.de`); other errors stay as they are.
    pub fn at_index(self, index: usize) -> Self {
        match self {
            Self::Invalid { field, message } => Self::Invalid {
                field: format!("[{index}].{field}"),
                message,
            },
            Self::Incomplete(paths) => Self::Incomplete(
                paths
                    .into_iter()
                    .map(|p| format!("[{index}].{p}"))
                    .collect(),
            ),
            other => other,
        }
    }

    /// A [`CatalogError::Database`] failure that a driver reported as text (the SQLite connections
    /// of uploads and downloads).
    pub fn database(message: impl Into<String>) -> Self {
        Self::Database(DbErr::Custom(message.into()))
    }

    /// Shorthand for [`CatalogError::Internal`]: a server-side failure such as an I/O error.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }
}
