use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Doi {
    Table,
    Id,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Doi::Table)
                    .col(pk_auto(Doi::Id))
                    // Stored normalised (lower-case), so this unique index makes two spellings one row.
                    .col(string_len(Doi::Value, 300))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::index(Doi::Table, &[Doi::Value], true))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Doi::Table).to_owned())
            .await
    }
}
