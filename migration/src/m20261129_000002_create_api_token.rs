use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000001_create_user::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ApiToken {
    Table,
    Id,
    UserId,
    Label,
    SecretHash,
    Prefix,
    CreatedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(pk_auto(ApiToken::Id))
                    .col(integer(ApiToken::UserId))
                    .col(string_len(ApiToken::Label, 100))
                    .col(string_len(ApiToken::SecretHash, 64))
                    .col(string_len(ApiToken::Prefix, 16))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_user")
                            .from(ApiToken::Table, ApiToken::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Every authenticated request looks its token up by hash.
        manager
            .create_index(crate::index(ApiToken::Table, &[ApiToken::SecretHash], true))
            .await?;
        manager
            .create_index(crate::index(ApiToken::Table, &[ApiToken::UserId], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiToken::Table).to_owned())
            .await
    }
}
