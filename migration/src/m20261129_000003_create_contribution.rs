use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_claim::Claim;
use crate::m20261129_000001_create_user::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Contribution {
    Table,
    Id,
    AuthorId,
    Action,
    ClaimId,
    SubjectType,
    SubjectId,
    Change,
    Before,
    After,
    Status,
    Reason,
    ReviewerId,
    CreatedAt,
    ReviewedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contribution::Table)
                    .col(pk_auto(Contribution::Id))
                    .col(integer(Contribution::AuthorId))
                    .col(string_len(Contribution::Action, 48))
                    .col(integer_null(Contribution::ClaimId))
                    .col(string_len_null(Contribution::SubjectType, 48))
                    .col(integer_null(Contribution::SubjectId))
                    .col(text(Contribution::Change))
                    .col(text_null(Contribution::Before))
                    .col(text(Contribution::After))
                    .col(string_len(Contribution::Status, 16))
                    .col(text_null(Contribution::Reason))
                    .col(integer_null(Contribution::ReviewerId))
                    .col(timestamp_with_time_zone(Contribution::CreatedAt))
                    .col(timestamp_with_time_zone_null(Contribution::ReviewedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contribution_author")
                            .from(Contribution::Table, Contribution::AuthorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contribution_reviewer")
                            .from(Contribution::Table, Contribution::ReviewerId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contribution_claim")
                            .from(Contribution::Table, Contribution::ClaimId)
                            .to(Claim::Table, Claim::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The moderators' queue: pending first-come, first-served.
        manager
            .create_index(crate::index(
                Contribution::Table,
                &[Contribution::Status, Contribution::Id],
                false,
            ))
            .await?;
        manager
            .create_index(crate::index(
                Contribution::Table,
                &[Contribution::AuthorId],
                false,
            ))
            .await?;
        manager
            .create_index(crate::index(
                Contribution::Table,
                &[Contribution::ReviewerId],
                false,
            ))
            .await?;
        manager
            .create_index(crate::index(Contribution::Table, &[Contribution::ClaimId], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contribution::Table).to_owned())
            .await
    }
}
