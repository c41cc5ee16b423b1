//! Issue 18: metadata quality.
//!
//! - `dataset_quality`: a dataset's last assessment (data.europa.eu MQA metrics): the revision it
//!   was computed on, the score, the per-metric results as JSON and their hash (an unchanged
//!   assessment is not written again, so replicas that compute the same result write nothing).
//! - `quality_loss`: one row per (dataset, metric) where points were lost, so the catalogue's
//!   overview (the fixes that gain most) is one `GROUP BY`, however many datasets.
//! - `link_check`: the last check of each distinct URL (keyed by the SHA-256 of the URL, since
//!   URLs may exceed an index's key size): status code, reachability, the reason when unreachable,
//!   when it was checked and when it is due again.
//! - `feed_position`: where a change-feed consumer whose state lives in SQL (the quality scorer) has
//!   got to.
//! - `distribution.rights_de` / `rights_en`: `dct:rights`, the rights statement of a distribution
//!   (an MQA contextuality metric), in German and English.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the tables and columns above.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DatasetQuality::Table)
                    .col(pk_uuid(DatasetQuality::DatasetId))
                    .col(integer(DatasetQuality::Revision))
                    .col(integer(DatasetQuality::Score))
                    .col(json_binary(DatasetQuality::Results))
                    .col(text(DatasetQuality::Hash))
                    .col(timestamp_with_time_zone(DatasetQuality::ComputedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DatasetQuality::Table, DatasetQuality::DatasetId)
                            .to(Dataset::Table, Dataset::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QualityLoss::Table)
                    .col(uuid(QualityLoss::DatasetId))
                    .col(text(QualityLoss::Metric))
                    .col(double(QualityLoss::Lost))
                    .primary_key(
                        Index::create()
                            .col(QualityLoss::DatasetId)
                            .col(QualityLoss::Metric),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(QualityLoss::Table, QualityLoss::DatasetId)
                            .to(Dataset::Table, Dataset::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LinkCheck::Table)
                    .col(text(LinkCheck::UrlHash).primary_key())
                    .col(text(LinkCheck::Url))
                    .col(text(LinkCheck::Host))
                    .col(integer_null(LinkCheck::StatusCode))
                    .col(boolean_null(LinkCheck::Reachable))
                    .col(text_null(LinkCheck::Reason))
                    .col(timestamp_with_time_zone_null(LinkCheck::CheckedAt))
                    .col(timestamp_with_time_zone(LinkCheck::NextCheckAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_link_check_due")
                    .table(LinkCheck::Table)
                    .col(LinkCheck::NextCheckAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FeedPosition::Table)
                    .col(text(FeedPosition::Consumer).primary_key())
                    .col(big_integer(FeedPosition::Seq))
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        for column in [Distribution::RightsDe, Distribution::RightsEn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Distribution::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Distribution::RightsDe, Distribution::RightsEn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Distribution::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            FeedPosition::Table.into_iden(),
            LinkCheck::Table.into_iden(),
            QualityLoss::Table.into_iden(),
            DatasetQuality::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DatasetQuality {
    Table,
    DatasetId,
    Revision,
    Score,
    Results,
    Hash,
    ComputedAt,
}

#[derive(DeriveIden)]
enum QualityLoss {
    Table,
    DatasetId,
    Metric,
    Lost,
}

#[derive(DeriveIden)]
enum LinkCheck {
    Table,
    UrlHash,
    Url,
    Host,
    StatusCode,
    Reachable,
    Reason,
    CheckedAt,
    NextCheckAt,
}

#[derive(DeriveIden)]
enum FeedPosition {
    Table,
    Consumer,
    Seq,
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Distribution {
    Table,
    RightsDe,
    RightsEn,
}
