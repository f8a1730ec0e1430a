use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_claim::Claim;
use crate::m20261129_000001_create_user::User;
use crate::m20261129_000003_create_contribution::Contribution;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Event {
    Table,
    Id,
    ActorId,
    Action,
    SubjectType,
    SubjectId,
    ClaimId,
    ContributionId,
    Before,
    After,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Event::Table)
                    .col(pk_auto(Event::Id))
                    .col(integer_null(Event::ActorId))
                    .col(string_len(Event::Action, 48))
                    .col(string_len(Event::SubjectType, 48))
                    .col(integer(Event::SubjectId))
                    .col(integer_null(Event::ClaimId))
                    .col(integer_null(Event::ContributionId))
                    .col(text_null(Event::Before))
                    .col(text_null(Event::After))
                    .col(timestamp_with_time_zone(Event::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_actor")
                            .from(Event::Table, Event::ActorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_claim")
                            .from(Event::Table, Event::ClaimId)
                            .to(Claim::Table, Claim::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_contribution")
                            .from(Event::Table, Event::ContributionId)
                            .to(Contribution::Table, Contribution::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // Claim.history, in order.
        manager
            .create_index(crate::index(Event::Table, &[Event::ClaimId, Event::Id], false))
            .await?;
        // A node's own history.
        manager
            .create_index(crate::index(
                Event::Table,
                &[Event::SubjectType, Event::SubjectId],
                false,
            ))
            .await?;
        manager
            .create_index(crate::index(Event::Table, &[Event::ActorId], false))
            .await?;
        manager
            .create_index(crate::index(Event::Table, &[Event::ContributionId], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Event::Table).to_owned())
            .await
    }
}
