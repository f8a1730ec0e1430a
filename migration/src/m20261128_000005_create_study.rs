use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000004_create_doi::Doi;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Study {
    Table,
    Id,
    DoiId,
    Title,
    Journal,
    Year,
    Design,
    Authors,
    SampleSize,
    Retracted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Study::Table)
                    .col(pk_auto(Study::Id))
                    .col(integer_null(Study::DoiId))
                    .col(text(Study::Title))
                    .col(text_null(Study::Journal))
                    .col(integer_null(Study::Year))
                    .col(string_len(Study::Design, 48))
                    .col(text_null(Study::Authors))
                    .col(integer_null(Study::SampleSize))
                    .col(boolean(Study::Retracted).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_study_doi")
                            .from(Study::Table, Study::DoiId)
                            .to(Doi::Table, Doi::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one study per DOI (NULLs are distinct on both databases).
        manager
            .create_index(crate::index(Study::Table, &[Study::DoiId], true))
            .await?;
        manager
            .create_index(crate::index(Study::Table, &[Study::Title], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Study::Table).to_owned())
            .await
    }
}
