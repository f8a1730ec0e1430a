//! Adds `study.title_folded`: the title folded by `entity::values::fold`, which
//! `titleContains` searches the same way on SQLite and PostgreSQL. Existing rows are filled in
//! (see [`crate::backfill_folded`]).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Study {
    Table,
    TitleFolded,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Study::Table)
                    .add_column(ColumnDef::new(Study::TitleFolded).text().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        crate::backfill_folded(manager, "study", "title", "title_folded").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Study::Table)
                    .drop_column(Study::TitleFolded)
                    .to_owned(),
            )
            .await
    }
}
