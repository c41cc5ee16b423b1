//! Issue 15: `dataset.search_text` goes. It held lower-cased titles, descriptions and keywords for the
//! JSON API's `LIKE '%…%'` search; the search engine (`src/search`, tantivy) answers every search now,
//! and nothing reads the column.

use sea_orm_migration::{prelude::*, schema::*};

/// Drops `dataset.search_text`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .drop_column(Dataset::SearchText)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The column comes back empty: the search engine, not SQL, holds what it searched.
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .add_column(text(Dataset::SearchText).default(""))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    SearchText,
}
