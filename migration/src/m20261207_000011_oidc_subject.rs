//! Issue 19: workspace sign-in with OpenID Connect. A person signed in by the city's identity
//! provider acts as a token of their own, found again by `oidc_subject` (the issuer and the
//! subject, `issuer#sub`) and the publisher the provider's claim names; revoking it ends their
//! sessions like any token's. Such a token has no usable secret.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `api_token.oidc_subject` and its index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiToken::Table)
                    .add_column(text_null(ApiToken::OidcSubject))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_token_oidc_subject")
                    .table(ApiToken::Table)
                    .col(ApiToken::OidcSubject)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_api_token_oidc_subject")
                    .table(ApiToken::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiToken::Table)
                    .drop_column(ApiToken::OidcSubject)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    OidcSubject,
}
