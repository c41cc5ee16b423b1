//! Issue 19: the publisher workspace.
//!
//! - `workspace_session`: a browser session of the workspace, opened with an API token. Only the
//!   SHA-256 of the cookie's secret is stored; the session ends at `expires_at`, when it is signed
//!   out (`ended_at`) or when its token is revoked. `csrf` is the session's form token.
//! - `login_link`: a one-time sign-in link printed by `odcat token create --login`: the SHA-256 of
//!   its code, the token it signs in with, until when it works and when it was used.
//! - `change_log.actor_token_id` / `change_log.channel`: which token made a change and through what
//!   (`api`, `ckan`, `workspace`, `cli`, `harvest`); empty for the system's own entries.

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
                    .table(WorkspaceSession::Table)
                    .col(pk_uuid(WorkspaceSession::Id))
                    .col(text_uniq(WorkspaceSession::SecretHash))
                    .col(uuid(WorkspaceSession::TokenId))
                    .col(text(WorkspaceSession::Csrf))
                    .col(timestamp_with_time_zone(WorkspaceSession::CreatedAt))
                    .col(timestamp_with_time_zone(WorkspaceSession::ExpiresAt))
                    .col(timestamp_with_time_zone_null(WorkspaceSession::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkspaceSession::Table, WorkspaceSession::TokenId)
                            .to(ApiToken::Table, ApiToken::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_workspace_session_token")
                    .table(WorkspaceSession::Table)
                    .col(WorkspaceSession::TokenId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginLink::Table)
                    .col(text(LoginLink::CodeHash).primary_key())
                    .col(uuid(LoginLink::TokenId))
                    .col(timestamp_with_time_zone(LoginLink::CreatedAt))
                    .col(timestamp_with_time_zone(LoginLink::ExpiresAt))
                    .col(timestamp_with_time_zone_null(LoginLink::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LoginLink::Table, LoginLink::TokenId)
                            .to(ApiToken::Table, ApiToken::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(ChangeLog::Table)
                    .add_column(uuid_null(ChangeLog::ActorTokenId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ChangeLog::Table)
                    .add_column(string_len_null(ChangeLog::Channel, 16))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ChangeLog::Channel, ChangeLog::ActorTokenId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ChangeLog::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            LoginLink::Table.into_iden(),
            WorkspaceSession::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum WorkspaceSession {
    Table,
    Id,
    SecretHash,
    TokenId,
    Csrf,
    CreatedAt,
    ExpiresAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum LoginLink {
    Table,
    CodeHash,
    TokenId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ChangeLog {
    Table,
    ActorTokenId,
    Channel,
}
