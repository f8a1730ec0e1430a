//! `doi`: a normalised DOI (see [`crate::values::Doi`]), one row per DOI however it was spelled.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "doi")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Lower-case, without any `doi:` or resolver prefix; unique.
    #[sea_orm(unique)]
    pub value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::citation::Entity")]
    Citation,
    #[sea_orm(has_many = "super::study::Entity")]
    Study,
}

impl Related<super::citation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Citation.def()
    }
}

impl Related<super::study::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Study.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
