//! Stable positions for the DCAT-AP catalogue pages, so that a harvester's paged crawl neither skips
//! nor repeats a dataset while others are created, changed, withdrawn or published again:
//! - `dataset.listing_position`: drawn once, when a dataset is first published (1, 2, 3, …), and kept
//!   for ever; page `n` of `/catalog` holds the published datasets of positions `(n-1)·size+1 ..= n·size`,
//!   so a withdrawn dataset leaves a gap instead of moving every later one;
//! - `dataset.change_seq`: the `change_log` sequence number of the dataset's last write; the
//!   `modified_since` pages hold positions of this sequence.
//!
//! `publication_settings` remembers a fingerprint of the settings that shape the published documents
//! (base URL, contributor id, page size, mapping version) and since when it holds, so that the
//! documents' `Last-Modified` moves when a setting changes their bodies.
//!
//! A dataset's publication before this migration is not recorded; existing datasets that were ever
//! public (`published_at` set) are numbered in the old catalogue order (`published_at`, then id).

use sea_orm_migration::{prelude::*, schema::*};

/// Adds, back-fills and indexes `dataset.listing_position` and `dataset.change_seq`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .add_column(big_integer_null(Dataset::ListingPosition))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .add_column(big_integer(Dataset::ChangeSeq).default(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE dataset SET listing_position = (\
               SELECT r.n FROM (\
                 SELECT id, ROW_NUMBER() OVER (ORDER BY published_at, id) AS n \
                 FROM dataset WHERE published_at IS NOT NULL\
               ) r WHERE r.id = dataset.id) \
             WHERE published_at IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE dataset SET change_seq = COALESCE((\
               SELECT MAX(c.seq) FROM change_log c \
               WHERE c.entity_kind = 'dataset' AND c.entity_id = dataset.id), 0)",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_listing_position")
                    .table(Dataset::Table)
                    .col(Dataset::ListingPosition)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_change_seq")
                    .table(Dataset::Table)
                    .col(Dataset::ChangeSeq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicationSettings::Table)
                    .col(integer(PublicationSettings::Id).primary_key())
                    .col(string(PublicationSettings::Fingerprint))
                    .col(timestamp_with_time_zone(PublicationSettings::ChangedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PublicationSettings::Table).to_owned())
            .await?;
        for index in ["idx_dataset_change_seq", "idx_dataset_listing_position"] {
            manager
                .drop_index(Index::drop().name(index).table(Dataset::Table).to_owned())
                .await?;
        }
        for column in [Dataset::ChangeSeq, Dataset::ListingPosition] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Dataset::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    ListingPosition,
    ChangeSeq,
}

#[derive(DeriveIden)]
enum PublicationSettings {
    Table,
    Id,
    Fingerprint,
    ChangedAt,
}
