//! What the portal's dataset page reads from the record.

use chrono::{DateTime, FixedOffset};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::catalog::CatalogError;
use crate::catalog::document::DatasetDocument;
use crate::catalog::values::DatasetStatus;

/// A dataset that was public and has been withdrawn: what its page still says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawnDataset {
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// Its publisher.
    pub publisher_id: Uuid,
    /// The record's last change (the withdrawal, unless it was edited afterwards).
    pub updated_at: DateTime<FixedOffset>,
}

/// A dataset as the portal shows it.
#[derive(Clone, Debug)]
pub enum PortalDataset {
    /// Published: its document.
    Published(Box<DatasetDocument>),
    /// Withdrawn after it was public.
    Withdrawn(WithdrawnDataset),
    /// No such dataset, or one that never was public (a draft, also one withdrawn as a draft).
    Missing,
}

/// Dataset `key` (id or slug) as the portal shows it.
pub async fn portal_dataset(
    db: &impl ConnectionTrait,
    key: &str,
    base_url: &str,
) -> Result<PortalDataset, CatalogError> {
    let Some(model) = super::find_dataset(db, key).await? else {
        return Ok(PortalDataset::Missing);
    };
    if model.status == DatasetStatus::Published.as_str() {
        let doc = super::load_documents(db, vec![model], base_url)
            .await?
            .pop()
            .ok_or_else(|| CatalogError::internal(anyhow::anyhow!("the dataset vanished")))?;
        return Ok(PortalDataset::Published(Box::new(doc)));
    }
    if model.status == DatasetStatus::Withdrawn.as_str() && super::was_public(&model) {
        return Ok(PortalDataset::Withdrawn(WithdrawnDataset {
            title_de: model.title_de,
            title_en: model.title_en,
            publisher_id: model.publisher_id,
            updated_at: model.updated_at,
        }));
    }
    Ok(PortalDataset::Missing)
}
