//! `mechanism_step`: one link of a mechanism's causal chain.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mechanism_step")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub mechanism_id: i32,
    /// 1-based; unique within a mechanism.
    pub position: i32,
    pub text: String,
    /// Bumped by every applied change; an update must name the version it was based on.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::mechanism::Entity",
        from = "Column::MechanismId",
        to = "super::mechanism::Column::Id",
        on_delete = "Cascade"
    )]
    Mechanism,
    #[sea_orm(has_many = "super::citation::Entity")]
    Citation,
}

impl Related<super::mechanism::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mechanism.def()
    }
}

impl Related<super::citation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Citation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
