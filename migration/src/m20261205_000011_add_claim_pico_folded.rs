//! Adds `claim.population_folded`, `intervention_folded`, `comparator_folded` and
//! `outcome_folded`: the PICO parts folded by `entity::values::fold`, which the `claims` filters
//! on PICO compare with (`equals` and `contains`) the same way on SQLite and PostgreSQL. Existing
//! rows are filled in (see [`crate::backfill_folded`]).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Claim {
    Table,
    PopulationFolded,
    InterventionFolded,
    ComparatorFolded,
    OutcomeFolded,
}

/// Each folded column and the column it folds.
const COLUMNS: [(Claim, &str, &str); 4] = [
    (Claim::PopulationFolded, "population", "population_folded"),
    (Claim::InterventionFolded, "intervention", "intervention_folded"),
    (Claim::ComparatorFolded, "comparator", "comparator_folded"),
    (Claim::OutcomeFolded, "outcome", "outcome_folded"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        for (column, source, target) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Claim::Table)
                        .add_column(ColumnDef::new(column).text().not_null().default(""))
                        .to_owned(),
                )
                .await?;
            crate::backfill_folded(manager, "claim", source, target).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, _, _) in COLUMNS.into_iter().rev() {
            manager
                .alter_table(Table::alter().table(Claim::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
