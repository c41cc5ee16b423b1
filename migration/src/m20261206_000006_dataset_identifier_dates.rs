//! Issue 14 §2: what DCAT output needs to keep as the publisher wrote it.
//!
//! - `dataset.identifier`: the `dct:identifier`, assigned once and kept whatever the base URL becomes.
//!   Rows that exist before this migration get it at the next start (`Catalog::assign_identifiers`),
//!   because only the running service knows the configured base URL.
//! - `dataset.issued_text`, `distribution.issued_text`: the lexical form of `issued` (a date stays a
//!   date, a date-time keeps its offset; PostgreSQL's `timestamptz` keeps neither). `issued` stays the
//!   instant, for sorting.
//! - `dataset.data_modified`: when the data last changed as the publisher states it (lexical form),
//!   distinct from `dataset.modified`, the record's change time.
//! - `dataset.availability`, `distribution.availability`: `dcatap:availability` IRIs.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the columns above, all nullable text.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        for column in [
            Dataset::Identifier,
            Dataset::IssuedText,
            Dataset::DataModified,
            Dataset::Availability,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Dataset::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        for column in [Distribution::IssuedText, Distribution::Availability] {
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
        for column in [
            Dataset::Identifier,
            Dataset::IssuedText,
            Dataset::DataModified,
            Dataset::Availability,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Dataset::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [Distribution::IssuedText, Distribution::Availability] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Distribution::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Dataset {
    Table,
    Identifier,
    IssuedText,
    DataModified,
    Availability,
}

#[derive(DeriveIden, Clone, Copy)]
enum Distribution {
    Table,
    IssuedText,
    Availability,
}
