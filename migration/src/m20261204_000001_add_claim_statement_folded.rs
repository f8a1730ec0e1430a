//! Adds `claim.statement_folded`: the statement folded by `entity::values::fold`, which
//! `statementContains` searches the same way on SQLite and PostgreSQL. Existing rows are filled in
//! (see [`crate::backfill_folded`]).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Claim {
    Table,
    StatementFolded,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Claim::Table)
                    .add_column(
                        ColumnDef::new(Claim::StatementFolded)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        crate::backfill_folded(manager, "claim", "statement", "statement_folded").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Claim::Table)
                    .drop_column(Claim::StatementFolded)
                    .to_owned(),
            )
            .await
    }
}
