//! The entities under their conventional names.

pub use crate::api_token::Entity as ApiToken;
pub use crate::catalog::Entity as Catalog;
pub use crate::change_log::Entity as ChangeLog;
pub use crate::contact_point::Entity as ContactPoint;
pub use crate::data_table::Entity as DataTable;
pub use crate::dataset::Entity as Dataset;
pub use crate::dataset_theme::Entity as DatasetTheme;
pub use crate::distribution::Entity as Distribution;
pub use crate::harvest_job::Entity as HarvestJob;
pub use crate::harvest_source::Entity as HarvestSource;
pub use crate::harvested_dataset::Entity as HarvestedDataset;
pub use crate::publisher::Entity as Publisher;
