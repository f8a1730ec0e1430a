//! Adds `study.journal_folded`: the journal folded by `entity::values::fold` (null where the
//! journal is), which the `studies` filter on journals compares with (`equals` and `contains`).
//! Existing rows are filled in (see [`crate::backfill_folded`]).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Study {
    Table,
    JournalFolded,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Study::Table)
                    .add_column(ColumnDef::new(Study::JournalFolded).text().null())
                    .to_owned(),
            )
            .await?;
        crate::backfill_folded(manager, "study", "journal", "journal_folded").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Study::Table)
                    .drop_column(Study::JournalFolded)
                    .to_owned(),
            )
            .await
    }
}
