use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000003_create_mechanism_step::MechanismStep;
use crate::m20261128_000004_create_doi::Doi;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Citation {
    Table,
    Id,
    MechanismStepId,
    DoiId,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Citation::Table)
                    .col(pk_auto(Citation::Id))
                    .col(integer(Citation::MechanismStepId))
                    .col(integer(Citation::DoiId))
                    .col(integer(Citation::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citation_mechanism_step")
                            .from(Citation::Table, Citation::MechanismStepId)
                            .to(MechanismStep::Table, MechanismStep::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citation_doi")
                            .from(Citation::Table, Citation::DoiId)
                            .to(Doi::Table, Doi::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // One position per step, and a step cites a DOI once.
        manager
            .create_index(crate::index(
                Citation::Table,
                &[Citation::MechanismStepId, Citation::Position],
                true,
            ))
            .await?;
        manager
            .create_index(crate::index(
                Citation::Table,
                &[Citation::MechanismStepId, Citation::DoiId],
                true,
            ))
            .await?;
        // DOI -> citing steps.
        manager
            .create_index(crate::index(Citation::Table, &[Citation::DoiId], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Citation::Table).to_owned())
            .await
    }
}
