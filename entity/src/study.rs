//! `study`: a study's bibliographic facts and design.

use sea_orm::entity::prelude::*;

use crate::values::StudyDesign;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "study")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The study's DOI, when it has one; at most one study per DOI.
    #[sea_orm(unique)]
    pub doi_id: Option<i32>,
    pub title: String,
    /// `title` folded by [`crate::values::fold`] (case and accents dropped), which
    /// `titleContains` searches; every writer of `title` writes it in the same statement.
    pub title_folded: String,
    pub journal: Option<String>,
    pub year: Option<i32>,
    pub design: StudyDesign,
    /// Authors as printed ("Surname, I.; Surname, I."), when known.
    pub authors: Option<String>,
    pub sample_size: Option<i32>,
    /// A retracted study stays in the graph, flagged, so links to it do not break.
    pub retracted: bool,
    /// Bumped by every applied change; an update must name the version it was based on.
    pub version: i32,
    /// `journal` folded by [`crate::values::fold`] (null where `journal` is), which the `studies`
    /// filter on journals compares with; every writer of `journal` writes it in the same statement.
    pub journal_folded: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::doi::Entity",
        from = "Column::DoiId",
        to = "super::doi::Column::Id",
        on_delete = "Restrict"
    )]
    Doi,
    #[sea_orm(has_many = "super::evidence::Entity")]
    Evidence,
}

impl Related<super::doi::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Doi.def()
    }
}

impl Related<super::evidence::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Evidence.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
