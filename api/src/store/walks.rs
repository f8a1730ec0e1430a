//! A DOI walk as one statement: the DOI, the study it identifies, and the steps that cite it with
//! their mechanisms and those mechanisms' claims, as deep as asked. Through the batched look-ups
//! this walk costs one statement per level (the DOI, its study, its citing steps, their
//! mechanisms, their claims), each waiting for the one before; here it is one round trip.

use entity::{citation, claim, doi, mechanism, mechanism_step, study};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Value,
};

use crate::store::Store;
use crate::store::rows::{CLAIM, DOI, MECHANISM, STEP, STUDY, columns_of, decode, decode_joined, width};
use crate::store::statements::{Shape, query_rows};

/// How far a DOI walk reaches, and whether it reads the DOI's study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DoiDepth {
    pub study: bool,
    pub citing: Option<Citing>,
}

/// How far below the citing steps a DOI walk reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Citing {
    Steps,
    Mechanisms,
    Claims,
}

/// What a DOI walk read.
#[derive(Debug)]
pub struct DoiWalk {
    pub doi: doi::Model,
    /// The study the DOI identifies (`None` when it has none), when the walk read it.
    pub study: Option<Option<study::Model>>,
    /// The citing steps, oldest first, when the walk read them; each with its mechanism and that
    /// mechanism's claim as far as the walk reached.
    pub citing: Option<Vec<CitingStep>>,
}

/// A step that cites the DOI, with what the walk read above it.
#[derive(Debug)]
pub struct CitingStep {
    pub step: mechanism_step::Model,
    pub mechanism: Option<mechanism::Model>,
    pub claim: Option<claim::Model>,
}

impl Store {
    /// The DOI whose normalised value is `value`, and as much around it as `depth` asks, as one
    /// statement of LEFT JOINs: one row per citing step (ordered by step id, as the look-up of a
    /// DOI's citing steps orders them), or one row when nothing cites it.
    pub async fn doi_walk(&self, value: &str, depth: DoiDepth) -> Result<Option<DoiWalk>, DbErr> {
        let study_at = width::<doi::Entity>();
        let step_at = study_at + if depth.study { width::<study::Entity>() } else { 0 };
        let mechanism_at = step_at + width::<mechanism_step::Entity>();
        let claim_at = mechanism_at + width::<mechanism::Entity>();
        let build = || {
            let mut select = columns_of::<doi::Entity, _>(doi::Entity::find().select_only(), DOI);
            if depth.study {
                select = columns_of::<study::Entity, _>(select, STUDY)
                    .join(JoinType::LeftJoin, doi::Relation::Study.def());
            }
            if let Some(citing) = depth.citing {
                select = columns_of::<mechanism_step::Entity, _>(select, STEP)
                    .join(JoinType::LeftJoin, doi::Relation::Citation.def())
                    .join(JoinType::LeftJoin, citation::Relation::MechanismStep.def());
                if citing >= Citing::Mechanisms {
                    select = columns_of::<mechanism::Entity, _>(select, MECHANISM)
                        .join(JoinType::LeftJoin, mechanism_step::Relation::Mechanism.def());
                }
                if citing >= Citing::Claims {
                    select = columns_of::<claim::Entity, _>(select, CLAIM)
                        .join(JoinType::LeftJoin, mechanism::Relation::Claim.def());
                }
                select = select.order_by_asc(citation::Column::MechanismStepId);
            }
            select.filter(doi::Column::Value.eq(value))
        };
        let mut walk: Option<DoiWalk> = None;
        query_rows(
            self,
            Shape::DoiWalk(depth),
            vec![Value::from(value)],
            build,
            |row| {
                let walk = match &mut walk {
                    Some(walk) => walk,
                    None => walk.insert(DoiWalk {
                        doi: decode(row, 0, DOI)?,
                        study: match depth.study {
                            true => Some(decode_joined(row, study_at, STUDY)?),
                            false => None,
                        },
                        citing: depth.citing.map(|_| Vec::new()),
                    }),
                };
                let (Some(citing), Some(reach)) = (&mut walk.citing, depth.citing) else {
                    return Ok(());
                };
                let Some(step) = decode_joined(row, step_at, STEP)? else {
                    return Ok(());
                };
                citing.push(CitingStep {
                    step,
                    mechanism: match reach >= Citing::Mechanisms {
                        true => decode_joined(row, mechanism_at, MECHANISM)?,
                        false => None,
                    },
                    claim: match reach >= Citing::Claims {
                        true => decode_joined(row, claim_at, CLAIM)?,
                        false => None,
                    },
                });
                Ok(())
            },
        )
        .await?;
        Ok(walk)
    }
}
