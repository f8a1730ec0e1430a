//! `claim`: one claim page's root row.

use sea_orm::entity::prelude::*;

use crate::values::EffectDirection;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claim")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The stable, URL-safe handle front ends route by; unique.
    #[sea_orm(unique)]
    pub slug: String,
    pub statement: String,
    /// `statement` folded by [`crate::values::fold`] (case and accents dropped), which
    /// `statementContains` searches; every writer of `statement` writes it in the same statement.
    pub statement_folded: String,
    pub population: String,
    pub intervention: String,
    pub comparator: String,
    pub outcome: String,
    /// Which way the evidence points, where curators know it.
    pub effect_direction: Option<EffectDirection>,
    /// The plain-language synthesis paragraph shown under "Mechanism".
    pub synthesis: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every applied change; an update must name the version it was based on.
    pub version: i32,
    /// The PICO parts folded by [`crate::values::fold`], which the `claims` filters on PICO
    /// compare with; every writer of a PICO part writes its folded form in the same statement.
    pub population_folded: String,
    pub intervention_folded: String,
    pub comparator_folded: String,
    pub outcome_folded: String,
    /// How many evidence rows the claim has: kept by the write path in the transaction that adds
    /// or removes one, so the list sorted by it reads an index (`evidence_count`, `id`).
    pub evidence_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::mechanism::Entity")]
    Mechanism,
    #[sea_orm(has_many = "super::evidence::Entity")]
    Evidence,
}

impl Related<super::mechanism::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mechanism.def()
    }
}

impl Related<super::evidence::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Evidence.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
