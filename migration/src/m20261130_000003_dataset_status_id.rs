//! An index on `dataset (status, id)`: the projector's rebuild and the catalogue dump walk the
//! published datasets in id order in batches (`status = 'published' AND id > last ORDER BY id`).
//! Without it SQLite answers each batch from the `(status, modified)` index and sorts every
//! published row again, so a full walk grew with the square of the catalogue.

use sea_orm_migration::prelude::*;

/// Creates `idx_dataset_status_id`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_status_id")
                    .table(Dataset::Table)
                    .col(Dataset::Status)
                    .col(Dataset::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_dataset_status_id")
                    .table(Dataset::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    Id,
    Status,
}
