//! `evidence`: a study's stance on a claim; one row per claim and study.

use sea_orm::entity::prelude::*;

use crate::values::Stance;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub claim_id: i32,
    pub study_id: i32,
    pub stance: Stance,
    /// A curator's short note on why the study takes this stance.
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
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
    #[sea_orm(
        belongs_to = "super::study::Entity",
        from = "Column::StudyId",
        to = "super::study::Column::Id",
        on_delete = "Restrict"
    )]
    Study,
}

impl Related<super::claim::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Claim.def()
    }
}

impl Related<super::study::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Study.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
