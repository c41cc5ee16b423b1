//! Issue 17: harvesting.
//!
//! - `harvest_source`: a remote catalogue (kind `dcat`, `ckan` or `dkan`, its URL, an optional CKAN
//!   `fq`), the publisher its datasets are published under, whether an admin allowed private or
//!   loopback addresses, an optional schedule, the share of its datasets one run may withdraw, and
//!   `lock_until`: the lease of the job running it (claimed with a conditional update, so two
//!   replicas never run one source at once, and a crashed job's lease simply expires).
//! - `harvest_job`: one run with its status, heartbeat, counts and report (per-dataset errors and
//!   the datasets withdrawn).
//! - `harvested_dataset`: which datasets came from which source, under which identity there (unique
//!   per source), where they came from (`origin`, an IRI or URL) and the hash of their last mapped
//!   record (an unchanged dataset is not written again). Deleting a source deletes its rows here:
//!   its datasets stay and become local.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the three tables and their indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HarvestSource::Table)
                    .col(pk_uuid(HarvestSource::Id))
                    .col(text(HarvestSource::Kind))
                    .col(text(HarvestSource::Url))
                    .col(uuid(HarvestSource::PublisherId))
                    .col(text_null(HarvestSource::Title))
                    .col(text_null(HarvestSource::Fq))
                    .col(boolean(HarvestSource::AllowPrivate).default(false))
                    .col(integer_null(HarvestSource::IntervalMinutes))
                    .col(integer(HarvestSource::MaxWithdrawPercent).default(10))
                    .col(timestamp_with_time_zone_null(HarvestSource::LockUntil))
                    .col(timestamp_with_time_zone(HarvestSource::CreatedAt))
                    .col(timestamp_with_time_zone(HarvestSource::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HarvestSource::Table, HarvestSource::PublisherId)
                            .to(Publisher::Table, Publisher::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HarvestJob::Table)
                    .col(pk_uuid(HarvestJob::Id))
                    .col(uuid(HarvestJob::SourceId))
                    .col(text(HarvestJob::Status))
                    .col(text_null(HarvestJob::Stop))
                    .col(boolean(HarvestJob::AllowMassDelete).default(false))
                    .col(timestamp_with_time_zone(HarvestJob::StartedAt))
                    .col(timestamp_with_time_zone(HarvestJob::HeartbeatAt))
                    .col(timestamp_with_time_zone_null(HarvestJob::FinishedAt))
                    .col(integer(HarvestJob::Pages).default(0))
                    .col(integer(HarvestJob::Created).default(0))
                    .col(integer(HarvestJob::Updated).default(0))
                    .col(integer(HarvestJob::Unchanged).default(0))
                    .col(integer(HarvestJob::Withdrawn).default(0))
                    .col(integer(HarvestJob::Failed).default(0))
                    .col(json_binary(HarvestJob::Report))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HarvestJob::Table, HarvestJob::SourceId)
                            .to(HarvestSource::Table, HarvestSource::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_harvest_job_source_started")
                    .table(HarvestJob::Table)
                    .col(HarvestJob::SourceId)
                    .col(HarvestJob::StartedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HarvestedDataset::Table)
                    .col(pk_uuid(HarvestedDataset::DatasetId))
                    .col(uuid(HarvestedDataset::SourceId))
                    .col(text(HarvestedDataset::Identity))
                    .col(text_null(HarvestedDataset::Origin))
                    .col(text(HarvestedDataset::Hash))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HarvestedDataset::Table, HarvestedDataset::DatasetId)
                            .to(Dataset::Table, Dataset::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HarvestedDataset::Table, HarvestedDataset::SourceId)
                            .to(HarvestSource::Table, HarvestSource::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_harvested_dataset_identity")
                    .table(HarvestedDataset::Table)
                    .col(HarvestedDataset::SourceId)
                    .col(HarvestedDataset::Identity)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HarvestedDataset::Table.into_iden(),
            HarvestJob::Table.into_iden(),
            HarvestSource::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum HarvestSource {
    Table,
    Id,
    Kind,
    Url,
    PublisherId,
    Title,
    Fq,
    AllowPrivate,
    IntervalMinutes,
    MaxWithdrawPercent,
    LockUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HarvestJob {
    Table,
    Id,
    SourceId,
    Status,
    Stop,
    AllowMassDelete,
    StartedAt,
    HeartbeatAt,
    FinishedAt,
    Pages,
    Created,
    Updated,
    Unchanged,
    Withdrawn,
    Failed,
    Report,
}

#[derive(DeriveIden)]
enum HarvestedDataset {
    Table,
    DatasetId,
    SourceId,
    Identity,
    Origin,
    Hash,
}

#[derive(DeriveIden)]
enum Publisher {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    Id,
}
