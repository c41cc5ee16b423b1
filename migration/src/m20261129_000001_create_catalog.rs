//! The initial record: catalogue, publishers, datasets with contact points and themes, distributions,
//! hosted-table metadata, API tokens and the `change_log` outbox.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the initial record.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Publisher::Table)
                    .col(pk_uuid(Publisher::Id))
                    .col(string_uniq(Publisher::Slug))
                    .col(text(Publisher::NameDe))
                    .col(text_null(Publisher::NameEn))
                    .col(text_null(Publisher::Homepage))
                    .col(text_null(Publisher::Email))
                    .col(text(Publisher::TypeIri))
                    .col(timestamp_with_time_zone(Publisher::CreatedAt))
                    .col(timestamp_with_time_zone(Publisher::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Catalog::Table)
                    .col(integer(Catalog::Id).primary_key())
                    .col(text(Catalog::TitleDe))
                    .col(text_null(Catalog::TitleEn))
                    .col(text(Catalog::DescriptionDe))
                    .col(text_null(Catalog::DescriptionEn))
                    .col(text_null(Catalog::Homepage))
                    .col(uuid(Catalog::PublisherId))
                    .col(json_binary(Catalog::Languages))
                    .col(text_null(Catalog::Spatial))
                    .col(text_null(Catalog::License))
                    .col(timestamp_with_time_zone(Catalog::Issued))
                    .col(timestamp_with_time_zone(Catalog::Modified))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Catalog::Table, Catalog::PublisherId)
                            .to(Publisher::Table, Publisher::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Dataset::Table)
                    .col(pk_uuid(Dataset::Id))
                    .col(string_uniq(Dataset::Slug))
                    .col(uuid(Dataset::PublisherId))
                    .col(text(Dataset::TitleDe))
                    .col(text_null(Dataset::TitleEn))
                    .col(text(Dataset::DescriptionDe))
                    .col(text_null(Dataset::DescriptionEn))
                    .col(json_binary(Dataset::Keywords))
                    .col(json_binary(Dataset::Themes))
                    .col(json_binary(Dataset::Languages))
                    .col(text(Dataset::License))
                    .col(text_null(Dataset::LicenseAttribution))
                    .col(text(Dataset::AccessRights))
                    .col(text_null(Dataset::AccrualPeriodicity))
                    .col(text_null(Dataset::Spatial))
                    .col(text_null(Dataset::GeocodingLevel))
                    .col(date_null(Dataset::TemporalStart))
                    .col(date_null(Dataset::TemporalEnd))
                    .col(timestamp_with_time_zone_null(Dataset::Issued))
                    .col(timestamp_with_time_zone(Dataset::Modified))
                    .col(text_null(Dataset::LandingPage))
                    .col(json_binary(Dataset::ConformsTo))
                    .col(text_null(Dataset::Version))
                    .col(text_null(Dataset::ContributorId))
                    .col(string(Dataset::Status))
                    .col(integer(Dataset::Revision))
                    .col(text(Dataset::SearchText))
                    .col(timestamp_with_time_zone(Dataset::CreatedAt))
                    .col(timestamp_with_time_zone(Dataset::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Dataset::Table, Dataset::PublisherId)
                            .to(Publisher::Table, Publisher::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_status_modified")
                    .table(Dataset::Table)
                    .col(Dataset::Status)
                    .col(Dataset::Modified)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_publisher")
                    .table(Dataset::Table)
                    .col(Dataset::PublisherId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DatasetTheme::Table)
                    .col(uuid(DatasetTheme::DatasetId))
                    .col(string(DatasetTheme::Theme))
                    .primary_key(
                        Index::create()
                            .col(DatasetTheme::DatasetId)
                            .col(DatasetTheme::Theme),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DatasetTheme::Table, DatasetTheme::DatasetId)
                            .to(Dataset::Table, Dataset::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_theme_theme")
                    .table(DatasetTheme::Table)
                    .col(DatasetTheme::Theme)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContactPoint::Table)
                    .col(pk_uuid(ContactPoint::Id))
                    .col(uuid_uniq(ContactPoint::DatasetId))
                    .col(text(ContactPoint::Name))
                    .col(text_null(ContactPoint::Email))
                    .col(text_null(ContactPoint::Url))
                    .col(text_null(ContactPoint::Telephone))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContactPoint::Table, ContactPoint::DatasetId)
                            .to(Dataset::Table, Dataset::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Distribution::Table)
                    .col(pk_uuid(Distribution::Id))
                    .col(uuid(Distribution::DatasetId))
                    .col(integer(Distribution::Position))
                    .col(text(Distribution::TitleDe))
                    .col(text_null(Distribution::TitleEn))
                    .col(text_null(Distribution::DescriptionDe))
                    .col(text_null(Distribution::DescriptionEn))
                    .col(text(Distribution::Format))
                    .col(text_null(Distribution::MediaType))
                    .col(text(Distribution::AccessUrl))
                    .col(text_null(Distribution::DownloadUrl))
                    .col(big_integer_null(Distribution::ByteSize))
                    .col(string_null(Distribution::ChecksumAlgorithm))
                    .col(text_null(Distribution::ChecksumValue))
                    .col(text_null(Distribution::License))
                    .col(timestamp_with_time_zone_null(Distribution::Issued))
                    .col(timestamp_with_time_zone(Distribution::Modified))
                    .col(string(Distribution::Kind))
                    .col(string(Distribution::Status))
                    .col(timestamp_with_time_zone(Distribution::CreatedAt))
                    .col(timestamp_with_time_zone(Distribution::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Distribution::Table, Distribution::DatasetId)
                            .to(Dataset::Table, Dataset::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_distribution_dataset")
                    .table(Distribution::Table)
                    .col(Distribution::DatasetId)
                    .col(Distribution::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_distribution_format")
                    .table(Distribution::Table)
                    .col(Distribution::Format)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DataTable::Table)
                    .col(pk_uuid(DataTable::Id))
                    .col(uuid_uniq(DataTable::DistributionId))
                    .col(string_uniq(DataTable::TableName))
                    .col(json_binary(DataTable::Columns))
                    .col(big_integer(DataTable::RowCount))
                    .col(timestamp_with_time_zone(DataTable::CreatedAt))
                    .col(timestamp_with_time_zone(DataTable::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DataTable::Table, DataTable::DistributionId)
                            .to(Distribution::Table, Distribution::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(pk_uuid(ApiToken::Id))
                    .col(uuid_null(ApiToken::PublisherId))
                    .col(string(ApiToken::Role))
                    .col(string_uniq(ApiToken::TokenHash))
                    .col(text_null(ApiToken::Label))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiToken::Table, ApiToken::PublisherId)
                            .to(Publisher::Table, Publisher::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChangeLog::Table)
                    .col(big_pk_auto(ChangeLog::Seq))
                    .col(string(ChangeLog::EntityKind))
                    .col(uuid(ChangeLog::EntityId))
                    .col(string(ChangeLog::Operation))
                    .col(timestamp_with_time_zone(ChangeLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChangeLog::Table.into_iden(),
            ApiToken::Table.into_iden(),
            DataTable::Table.into_iden(),
            Distribution::Table.into_iden(),
            ContactPoint::Table.into_iden(),
            DatasetTheme::Table.into_iden(),
            Dataset::Table.into_iden(),
            Catalog::Table.into_iden(),
            Publisher::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Publisher {
    Table,
    Id,
    Slug,
    NameDe,
    NameEn,
    Homepage,
    Email,
    TypeIri,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Catalog {
    Table,
    Id,
    TitleDe,
    TitleEn,
    DescriptionDe,
    DescriptionEn,
    Homepage,
    PublisherId,
    Languages,
    Spatial,
    License,
    Issued,
    Modified,
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    Id,
    Slug,
    PublisherId,
    TitleDe,
    TitleEn,
    DescriptionDe,
    DescriptionEn,
    Keywords,
    Themes,
    Languages,
    License,
    LicenseAttribution,
    AccessRights,
    AccrualPeriodicity,
    Spatial,
    GeocodingLevel,
    TemporalStart,
    TemporalEnd,
    Issued,
    Modified,
    LandingPage,
    ConformsTo,
    Version,
    ContributorId,
    Status,
    Revision,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DatasetTheme {
    Table,
    DatasetId,
    Theme,
}

#[derive(DeriveIden)]
enum ContactPoint {
    Table,
    Id,
    DatasetId,
    Name,
    Email,
    Url,
    Telephone,
}

#[derive(DeriveIden)]
enum Distribution {
    Table,
    Id,
    DatasetId,
    Position,
    TitleDe,
    TitleEn,
    DescriptionDe,
    DescriptionEn,
    Format,
    MediaType,
    AccessUrl,
    DownloadUrl,
    ByteSize,
    ChecksumAlgorithm,
    ChecksumValue,
    License,
    Issued,
    Modified,
    Kind,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DataTable {
    Table,
    Id,
    DistributionId,
    TableName,
    Columns,
    RowCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    PublisherId,
    Role,
    TokenHash,
    Label,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ChangeLog {
    Table,
    Seq,
    EntityKind,
    EntityId,
    Operation,
    CreatedAt,
}
