//! `dataset.published_at`: when a dataset was first published. It never changes afterwards, so the
//! DCAT-AP catalogue pages (ordered by it, then by id) keep their order while datasets are edited.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds and back-fills `dataset.published_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .add_column(timestamp_with_time_zone_null(Dataset::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(Dataset::Table)
                    .value(
                        Dataset::PublishedAt,
                        Func::coalesce([Expr::col(Dataset::Issued), Expr::col(Dataset::CreatedAt)]),
                    )
                    .and_where(Expr::col(Dataset::Status).ne("draft"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_catalog_order")
                    .table(Dataset::Table)
                    .col(Dataset::Status)
                    .col(Dataset::PublishedAt)
                    .col(Dataset::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_dataset_catalog_order")
                    .table(Dataset::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .drop_column(Dataset::PublishedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    Id,
    Issued,
    Status,
    CreatedAt,
    PublishedAt,
}
