use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_claim::Claim;
use crate::m20261128_000005_create_study::Study;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Evidence {
    Table,
    Id,
    ClaimId,
    StudyId,
    Stance,
    Note,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Evidence::Table)
                    .col(pk_auto(Evidence::Id))
                    .col(integer(Evidence::ClaimId))
                    .col(integer(Evidence::StudyId))
                    .col(string_len(Evidence::Stance, 48))
                    .col(text_null(Evidence::Note))
                    .col(timestamp_with_time_zone(Evidence::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evidence_claim")
                            .from(Evidence::Table, Evidence::ClaimId)
                            .to(Claim::Table, Claim::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evidence_study")
                            .from(Evidence::Table, Evidence::StudyId)
                            .to(Study::Table, Study::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // One evidence row per claim and study; leads with claim_id for the claim page.
        manager
            .create_index(crate::index(
                Evidence::Table,
                &[Evidence::ClaimId, Evidence::StudyId],
                true,
            ))
            .await?;
        // Study -> the claims it supports or contradicts.
        manager
            .create_index(crate::index(Evidence::Table, &[Evidence::StudyId], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Evidence::Table).to_owned())
            .await
    }
}
