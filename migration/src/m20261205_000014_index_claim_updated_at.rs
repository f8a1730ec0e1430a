//! Indexes `claim` by (`updated_at`, `id`), the order of `claims(orderBy: {field: UPDATED_AT})`
//! and of its cursors, so a page is an index range at any depth of the list.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Claim {
    Table,
    Id,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(crate::index(Claim::Table, &[Claim::UpdatedAt, Claim::Id], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_claim_updated_at_id")
                    .table(Claim::Table)
                    .to_owned(),
            )
            .await
    }
}
