//! `citation`: a step cites a DOI, in order within the step.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub mechanism_step_id: i32,
    pub doi_id: i32,
    /// 1-based; unique within a step.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::mechanism_step::Entity",
        from = "Column::MechanismStepId",
        to = "super::mechanism_step::Column::Id",
        on_delete = "Cascade"
    )]
    MechanismStep,
    #[sea_orm(
        belongs_to = "super::doi::Entity",
        from = "Column::DoiId",
        to = "super::doi::Column::Id",
        on_delete = "Restrict"
    )]
    Doi,
}

impl Related<super::mechanism_step::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MechanismStep.def()
    }
}

impl Related<super::doi::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Doi.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
