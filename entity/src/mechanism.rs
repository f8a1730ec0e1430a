//! `mechanism`: a ranked explanation of a claim.

use sea_orm::entity::prelude::*;

use crate::values::Support;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mechanism")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub claim_id: i32,
    /// 1 is the most probable; unique within a claim.
    pub rank: i32,
    pub support: Support,
    /// An optional short name ("eccentric overload").
    pub label: Option<String>,
    /// The plain-language paragraph that introduces the mechanism.
    pub summary: String,
    /// Bumped by every applied change; an update must name the version it was based on.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::claim::Entity",
        from = "Column::ClaimId",
        to = "super::claim::Column::Id",
        on_delete = "Cascade"
    )]
    Claim,
    #[sea_orm(has_many = "super::mechanism_step::Entity")]
    MechanismStep,
}

impl Related<super::claim::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Claim.def()
    }
}

impl Related<super::mechanism_step::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MechanismStep.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
