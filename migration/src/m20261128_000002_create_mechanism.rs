use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_claim::Claim;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Mechanism {
    Table,
    Id,
    ClaimId,
    Rank,
    Support,
    Label,
    Summary,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Mechanism::Table)
                    .col(pk_auto(Mechanism::Id))
                    .col(integer(Mechanism::ClaimId))
                    .col(integer(Mechanism::Rank))
                    .col(string_len(Mechanism::Support, 48))
                    .col(string_len_null(Mechanism::Label, 200))
                    .col(text(Mechanism::Summary))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mechanism_claim")
                            .from(Mechanism::Table, Mechanism::ClaimId)
                            .to(Claim::Table, Claim::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Leads with claim_id, so it also serves "the mechanisms of these claims, by rank".
        manager
            .create_index(crate::index(
                Mechanism::Table,
                &[Mechanism::ClaimId, Mechanism::Rank],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Mechanism::Table).to_owned())
            .await
    }
}
