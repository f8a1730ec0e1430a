//! Batched look-ups: one statement for all the keys of one query level. The request loader
//! (`graphql::loaders`) groups what these return by key; each function here says in what order
//! its rows come, and that order is what a list in the schema shows.
//!
//! They run where the joined statements run, on the store's read connections when it has them,
//! and their rows are decoded by position (see [`crate::store::statements::select_rows`]).

use entity::{citation, claim, contribution, doi, event, evidence, mechanism, mechanism_step, study, user};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait};

use crate::store::rows::{ReadAt, Row, decode, decode_joined, width};
use crate::store::statements::{select_models, select_rows};
use crate::store::{Store, StoreError};

/// A table whose rows the store reads by primary key (and decodes by position: [`ReadAt`]).
pub trait ById: EntityTrait<Model: ReadAt> {
    /// The primary key column.
    const ID: Self::Column;
}

macro_rules! by_id {
    ($($module:ident),+ $(,)?) => {$(
        impl ById for $module::Entity {
            const ID: Self::Column = $module::Column::Id;
        }
    )+};
}

by_id!(
    claim,
    mechanism,
    mechanism_step,
    doi,
    study,
    evidence,
    user,
    contribution,
    event
);

impl Store {
    /// The rows of `E` with these ids, in no particular order; ids that name nothing are absent.
    pub async fn by_ids<E: ById>(
        &self,
        ids: impl IntoIterator<Item = i32>,
    ) -> Result<Vec<E::Model>, StoreError> {
        select_models(self, E::find().filter(E::ID.is_in(ids))).await
    }

    /// The mechanisms of these claims, by claim and rank.
    pub async fn mechanisms_of_claims(&self, claims: &[i32]) -> Result<Vec<mechanism::Model>, StoreError> {
        let select = mechanism::Entity::find()
            .filter(mechanism::Column::ClaimId.is_in(claims.iter().copied()))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(mechanism::Column::Rank);
        select_models(self, select).await
    }

    /// The steps of these mechanisms, by mechanism and position.
    pub async fn steps_of_mechanisms(
        &self,
        mechanisms: &[i32],
    ) -> Result<Vec<mechanism_step::Model>, StoreError> {
        let select = mechanism_step::Entity::find()
            .filter(mechanism_step::Column::MechanismId.is_in(mechanisms.iter().copied()))
            .order_by_asc(mechanism_step::Column::MechanismId)
            .order_by_asc(mechanism_step::Column::Position);
        select_models(self, select).await
    }

    /// The DOIs these steps cite, as `(step id, DOI)`, by step and citation position.
    pub async fn dois_cited_by_steps(&self, steps: &[i32]) -> Result<Vec<(i32, doi::Model)>, StoreError> {
        let select = citation::Entity::find()
            .find_also_related(doi::Entity)
            .filter(citation::Column::MechanismStepId.is_in(steps.iter().copied()))
            .order_by_asc(citation::Column::MechanismStepId)
            .order_by_asc(citation::Column::Position);
        let rows = select_rows(self, &select, also_related::<citation::Entity, doi::Entity>).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(citation, doi)| Some((citation.mechanism_step_id, doi?)))
            .collect())
    }

    /// The steps that cite these DOIs, as `(DOI id, step)`, by DOI and step id (oldest first).
    pub async fn steps_citing_dois(
        &self,
        dois: &[i32],
    ) -> Result<Vec<(i32, mechanism_step::Model)>, StoreError> {
        let select = citation::Entity::find()
            .find_also_related(mechanism_step::Entity)
            .filter(citation::Column::DoiId.is_in(dois.iter().copied()))
            .order_by_asc(citation::Column::DoiId)
            .order_by_asc(citation::Column::MechanismStepId);
        let rows = select_rows(
            self,
            &select,
            also_related::<citation::Entity, mechanism_step::Entity>,
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(citation, step)| Some((citation.doi_id, step?)))
            .collect())
    }

    /// The studies these DOIs identify (at most one each), in no particular order.
    pub async fn studies_of_dois(&self, dois: &[i32]) -> Result<Vec<study::Model>, StoreError> {
        let select = study::Entity::find().filter(study::Column::DoiId.is_in(dois.iter().copied()));
        select_models(self, select).await
    }

    /// The evidence rows of these claims, by id (oldest first).
    pub async fn evidence_of_claims(&self, claims: &[i32]) -> Result<Vec<evidence::Model>, StoreError> {
        let select = evidence::Entity::find()
            .filter(evidence::Column::ClaimId.is_in(claims.iter().copied()))
            .order_by_asc(evidence::Column::Id);
        select_models(self, select).await
    }

    /// The evidence rows of these studies (the claims each bears on), by id (oldest first).
    pub async fn evidence_of_studies(&self, studies: &[i32]) -> Result<Vec<evidence::Model>, StoreError> {
        let select = evidence::Entity::find()
            .filter(evidence::Column::StudyId.is_in(studies.iter().copied()))
            .order_by_asc(evidence::Column::Id);
        select_models(self, select).await
    }

    /// The distinct studies cited by these claims' mechanism steps (through their DOIs), as
    /// `(claim id, study id)`, by claim and study id.
    pub async fn study_ids_cited_by_claims(&self, claims: &[i32]) -> Result<Vec<(i32, i32)>, StoreError> {
        let select = study::Entity::find()
            .select_only()
            .column(mechanism::Column::ClaimId)
            .column(study::Column::Id)
            .distinct()
            .join(JoinType::InnerJoin, study::Relation::Doi.def())
            .join(JoinType::InnerJoin, doi::Relation::Citation.def())
            .join(JoinType::InnerJoin, citation::Relation::MechanismStep.def())
            .join(JoinType::InnerJoin, mechanism_step::Relation::Mechanism.def())
            .filter(mechanism::Column::ClaimId.is_in(claims.iter().copied()))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(study::Column::Id);
        select_rows(self, &select, |row| Ok((row.get(0)?, row.get(1)?))).await
    }
}

/// A row of SeaORM's `find_also_related`: the first table's columns (aliased `A_`), then the
/// related table's (`B_`), `None` when the LEFT JOIN found no row.
pub(super) fn also_related<A, B>(row: Row<'_>) -> Result<(A::Model, Option<B::Model>), StoreError>
where
    A: EntityTrait<Model: ReadAt>,
    B: EntityTrait<Model: ReadAt>,
{
    let a = decode(row, 0, "A_")?;
    let b = decode_joined(row, width::<A>(), "B_")?;
    Ok((a, b))
}
