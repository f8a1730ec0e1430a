use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Claim {
    Table,
    Id,
    Slug,
    Statement,
    Population,
    Intervention,
    Comparator,
    Outcome,
    EffectDirection,
    Synthesis,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Claim::Table)
                    .col(pk_auto(Claim::Id))
                    .col(string_len(Claim::Slug, 100))
                    .col(text(Claim::Statement))
                    .col(text(Claim::Population))
                    .col(text(Claim::Intervention))
                    .col(text(Claim::Comparator))
                    .col(text(Claim::Outcome))
                    .col(string_len_null(Claim::EffectDirection, 48))
                    .col(text(Claim::Synthesis))
                    .col(timestamp_with_time_zone(Claim::CreatedAt))
                    .col(timestamp_with_time_zone(Claim::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::index(Claim::Table, &[Claim::Slug], true))
            .await?;
        manager
            .create_index(crate::index(Claim::Table, &[Claim::CreatedAt], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Claim::Table).to_owned())
            .await
    }
}
