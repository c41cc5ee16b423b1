//! What the search index and the portal read from the record: dataset rows to index, publishers, the
//! catalogue record, and the datasets of a result page in the engine's order.

use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use super::Catalog;
use super::document::DatasetDocument;
use super::error::CatalogError;
use super::repo::{self, search};

/// One dataset as the search index holds it.
#[derive(Clone, Debug)]
pub struct SearchRow {
    /// Identifier.
    pub id: Uuid,
    /// The record's revision (its document and graph change with it).
    pub revision: i32,
    /// URL slug.
    pub slug: String,
    /// The publisher's id.
    pub publisher_id: Uuid,
    /// The publisher's slug.
    pub publisher_slug: String,
    /// The publisher's German name.
    pub publisher_name_de: String,
    /// The publisher's English name.
    pub publisher_name_en: Option<String>,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// German keywords.
    pub keywords_de: Vec<String>,
    /// English keywords.
    pub keywords_en: Vec<String>,
    /// EU data-theme codes (`GOVE`).
    pub themes: Vec<String>,
    /// EU file-type codes (`CSV`) of the active distributions, without repeats.
    pub formats: Vec<String>,
    /// DCAT-AP.de licence IRI.
    pub license: String,
    /// `draft`, `published` or `withdrawn`.
    pub status: String,
    /// Published, or withdrawn after its publication.
    pub was_public: bool,
    /// First publication.
    pub issued: Option<DateTime<FixedOffset>>,
    /// The record's last change.
    pub modified: DateTime<FixedOffset>,
    /// When the data last changed as the publisher states it, else the record's last change.
    pub data_modified: DateTime<FixedOffset>,
}

/// One publisher as the portal shows it.
#[derive(Clone, Debug)]
pub struct PublisherInfo {
    /// Identifier.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// German name.
    pub name_de: String,
    /// English name.
    pub name_en: Option<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// Public mailbox.
    pub email: Option<String>,
}

/// The catalogue record, for the site's name and the home page.
#[derive(Clone, Debug, Default)]
pub struct CatalogInfo {
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// The publishing body's id.
    pub publisher: Uuid,
}

impl Catalog {
    /// Up to `limit` datasets of any status with an id after `after`, in id order, as index rows.
    pub async fn search_rows_after(
        &self,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<SearchRow>, CatalogError> {
        Ok(search::rows_after(self.db(), after, limit).await?)
    }

    /// The index rows of the datasets `ids` that exist.
    pub async fn search_rows(&self, ids: &[Uuid]) -> Result<Vec<SearchRow>, CatalogError> {
        Ok(search::rows_of_ids(self.db(), ids).await?)
    }

    /// The ids of publisher `id`'s datasets.
    pub async fn dataset_ids_of_publisher(&self, id: Uuid) -> Result<Vec<Uuid>, CatalogError> {
        Ok(search::dataset_ids_of_publisher(self.db(), id).await?)
    }

    /// The documents of the datasets `ids`, in that order (a dataset removed meanwhile is left
    /// out): the page of a search, loaded with batched queries.
    pub async fn documents_in_order(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<DatasetDocument>, CatalogError> {
        let models = search::models_in_order(self.db(), ids).await?;
        Ok(repo::load_documents(self.db(), models, self.base_url()).await?)
    }

    /// The ids of the publishers named by slug or id, in order; `None` for an unknown one.
    pub async fn publisher_ids(&self, keys: &[String]) -> Result<Vec<Option<Uuid>>, CatalogError> {
        Ok(search::publisher_ids(self.db(), keys).await?)
    }

    /// The dataset distribution `id` belongs to, when it exists.
    pub async fn dataset_of_distribution(&self, id: Uuid) -> Result<Option<Uuid>, CatalogError> {
        Ok(repo::publishing::datasets_of_distributions(self.db(), [id])
            .await?
            .pop())
    }

    /// Every publisher.
    pub async fn publisher_infos(&self) -> Result<Vec<PublisherInfo>, CatalogError> {
        Ok(search::publishers(self.db()).await?)
    }

    /// The catalogue record, when it exists.
    pub async fn catalog_info(&self) -> Result<Option<CatalogInfo>, CatalogError> {
        Ok(search::catalog_info(self.db()).await?)
    }
}
