//! Indexes for two lookups that scanned a whole table:
//! - a dataset's last `change_log` entry (`entity_kind`, `entity_id`, `seq`), read by every dataset
//!   write (the listing stamp) and by the workspace's edit page;
//! - the datasets whose distribution names a URL (`access_url`, `download_url`), read by the link
//!   checker for every URL it checks.
//!
//! The URL indexes are hash indexes on PostgreSQL: a B-tree entry there is limited to about 2.7 kB,
//! and a URL has no such limit. The lookups are equality only.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Adds `idx_change_log_entity`, `idx_distribution_access_url` and `idx_distribution_download_url`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const URL_INDEXES: [(&str, Distribution); 2] = [
    ("idx_distribution_access_url", Distribution::AccessUrl),
    ("idx_distribution_download_url", Distribution::DownloadUrl),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_change_log_entity")
                    .table(ChangeLog::Table)
                    .col(ChangeLog::EntityKind)
                    .col(ChangeLog::EntityId)
                    .col(ChangeLog::Seq)
                    .to_owned(),
            )
            .await?;
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for (name, column) in URL_INDEXES {
            let mut index = Index::create()
                .name(name)
                .table(Distribution::Table)
                .col(column)
                .to_owned();
            if postgres {
                index.index_type(IndexType::Hash);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in URL_INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Distribution::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_change_log_entity")
                    .table(ChangeLog::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ChangeLog {
    Table,
    EntityKind,
    EntityId,
    Seq,
}

#[derive(DeriveIden, Clone, Copy)]
enum Distribution {
    Table,
    AccessUrl,
    DownloadUrl,
}
