use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_mechanism::Mechanism;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum MechanismStep {
    Table,
    Id,
    MechanismId,
    Position,
    Text,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MechanismStep::Table)
                    .col(pk_auto(MechanismStep::Id))
                    .col(integer(MechanismStep::MechanismId))
                    .col(integer(MechanismStep::Position))
                    .col(text(MechanismStep::Text))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mechanism_step_mechanism")
                            .from(MechanismStep::Table, MechanismStep::MechanismId)
                            .to(Mechanism::Table, Mechanism::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One position per mechanism; leads with mechanism_id for the per-mechanism look-up.
        manager
            .create_index(crate::index(
                MechanismStep::Table,
                &[MechanismStep::MechanismId, MechanismStep::Position],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MechanismStep::Table).to_owned())
            .await
    }
}
