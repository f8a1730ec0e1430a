//! Adds `claim.evidence_count`: how many evidence rows the claim has, kept by the write path in
//! the transaction that adds or removes one, so that `claims(orderBy: {field: EVIDENCE_COUNT})`
//! reads an index (`evidence_count`, `id`) instead of counting every claim's evidence per page.
//! Existing rows are counted in one statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Claim {
    Table,
    Id,
    EvidenceCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Claim::Table)
                    .add_column(
                        ColumnDef::new(Claim::EvidenceCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE \"claim\" SET \"evidence_count\" = \
                 (SELECT COUNT(*) FROM \"evidence\" WHERE \"evidence\".\"claim_id\" = \"claim\".\"id\")",
            )
            .await?;
        manager
            .create_index(crate::index(
                Claim::Table,
                &[Claim::EvidenceCount, Claim::Id],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_claim_evidence_count_id")
                    .table(Claim::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Claim::Table)
                    .drop_column(Claim::EvidenceCount)
                    .to_owned(),
            )
            .await
    }
}
