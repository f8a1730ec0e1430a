//! Adds `version` to every editable table, for optimistic concurrency: an update names the
//! version it read and fails with CONFLICT when someone else changed the row since.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The editable tables; SQLite alters one column per statement.
const TABLES: [&str; 5] = ["claim", "mechanism", "mechanism_step", "study", "evidence"];

#[derive(DeriveIden, Clone, Copy)]
enum Column {
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(ColumnDef::new(Column::Version).integer().not_null().default(1))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Column::Version)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
