//! `distribution.table_schema`: the Frictionless Table Schema a publisher declared for a hosted table.
//! When present, uploads are read with its column names and types instead of inferring them.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `distribution.table_schema` (JSON, nullable).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Distribution::Table)
                    .add_column(json_null(Distribution::TableSchema))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Distribution::Table)
                    .drop_column(Distribution::TableSchema)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Distribution {
    Table,
    TableSchema,
}
