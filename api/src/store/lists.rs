//! Pages of the lists the schema offers, read by keyset (a row past the page tells whether more
//! follow), their filters, their counts and their facets (one grouped count per facet, over the
//! whole filtered list); and the look-ups that are not batched.
//!
//! The page arguments arrive checked ([`Window`]: a direction, a size, the bounds decoded from
//! cursors); cursors themselves are the schema's business. Visibility arrives as the domain's
//! conditions ([`crate::domain::visibility::Viewer`]) and is applied here, in SQL, so a page, its
//! cursors and its count only ever meet rows the viewer may see.
//!
//! Each read runs where the joined statements run (see [`crate::store::statements::select_rows`]):
//! on the store's read connections when it has them, rows decoded by position.

use chrono::{DateTime, Utc};
use entity::values::{ContributionStatus, EffectDirection, Stance, StudyDesign, Support};
use entity::{claim, contribution, doi, event, evidence, mechanism, study, user};
use sea_orm::sea_query::{Alias, Expr, JoinType, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, ExprTrait, Iterable, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Value,
};

use crate::store::relations::also_related;
use crate::store::rows::ReadAt;
use crate::store::rows::decode;
use crate::store::search::{self, FullText};
use crate::store::statements::{
    Cost, count_rows, run_statement, select_models, select_models_costing, select_rows, select_rows_costing,
    select_statement_rows,
};
use crate::store::{Store, StoreError};

/// Which end of the list a page is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `first` (or the default): the first items after `after`.
    Forward,
    /// `last`: the last items before `before`.
    Backward,
}

/// A checked page request: how many items, from which end, between which keys.
#[derive(Clone, Debug)]
pub struct Window<K> {
    pub direction: Direction,
    pub limit: usize,
    pub after: Option<K>,
    pub before: Option<K>,
}

/// One page of rows in list order, and whether a row lay beyond it in its direction.
#[derive(Debug)]
pub struct Page<M> {
    pub rows: Vec<M>,
    pub more: bool,
    /// How to count the whole list (filters apply, bounds do not), when a client asks.
    pub count: Count,
}

/// A list to count: its table and its condition.
#[derive(Clone, Debug)]
pub enum Count {
    Claims(Condition),
    Studies(Condition),
    Events(Condition),
    Contributions(Condition),
}

/// A text compared folded (see [`entity::values::fold`]): equal to one text, containing another,
/// or both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextMatch {
    pub equals: Option<String>,
    pub contains: Option<String>,
}

/// Years from `from` to `to`, both included; an absent end is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct YearRange {
    pub from: Option<i32>,
    pub to: Option<i32>,
}

/// Narrows a list of claims; every filter given must hold. A list of values lets through what
/// has one of them (an empty list lets nothing through).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimFilter {
    /// Claims a search query finds (in their statement, PICO parts or synthesis).
    pub search: Option<ClaimSearch>,
    /// Statements containing this text, compared folded (see [`entity::values::fold`]).
    pub statement_contains: Option<String>,
    pub population: TextMatch,
    pub intervention: TextMatch,
    pub comparator: TextMatch,
    pub outcome: TextMatch,
    pub effect_direction: Option<Vec<EffectDirection>>,
    /// The support of the claim's rank-1 mechanism.
    pub top_mechanism_support: Option<Vec<Support>>,
    /// Whether the claim has supporting evidence (`Some(false)`: has none).
    pub has_supporting: Option<bool>,
    pub has_contradicting: Option<bool>,
    /// Claims with at least one evidence study of one of these designs and, when
    /// `evidence_year` is given too, in that range: the same study meets both.
    pub evidence_design: Option<Vec<StudyDesign>>,
    pub evidence_year: Option<YearRange>,
    /// Whether any of the claim's evidence studies is retracted.
    pub has_retracted_evidence: Option<bool>,
}

/// What a claim filter searches for: a query each engine reads, or one that can find nothing
/// (only common words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimSearch {
    Words(FullText),
    Nothing,
}

/// Narrows a list of studies; every filter given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StudyFilter {
    /// Titles containing this text, compared folded.
    pub title_contains: Option<String>,
    pub design: Option<StudyDesign>,
    pub designs: Option<Vec<StudyDesign>>,
    /// Studies published in this range (a study without a year is outside any range).
    pub year: Option<YearRange>,
    pub journal: TextMatch,
    pub retracted: Option<bool>,
}

/// What a list of claims is sorted by; ties are broken by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimSort {
    CreatedAt,
    UpdatedAt,
    Slug,
    EvidenceCount,
    /// How well the claim matches the filter's search, best first when ascending (rank order).
    Relevance,
}

/// Each value of an enumeration with how many items have it, every value in declaration order
/// (a value no item has counts 0), so a facet always lists the same values in the same order.
pub type Facet<T> = Vec<(T, u64)>;

/// A claim's place in a sorted list: its sort value and its id.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimSeek {
    pub value: SortValue,
    pub id: i32,
}

/// A sort value, of the type of the column sorted by.
#[derive(Clone, Debug, PartialEq)]
pub enum SortValue {
    Time(DateTime<Utc>),
    Text(String),
    Int(i32),
    /// A search score (higher is better).
    Score(f64),
}

impl From<SortValue> for Value {
    fn from(value: SortValue) -> Value {
        match value {
            SortValue::Time(time) => Value::from(time),
            SortValue::Text(text) => Value::from(text),
            SortValue::Int(number) => Value::from(number),
            SortValue::Score(score) => Value::from(score),
        }
    }
}

/// A substring match of `text` in `folded`, a column that holds its text folded by
/// [`entity::values::fold`]: the needle is folded by the same rule, in Rust, so SQLite and
/// PostgreSQL give the same answers. `%`, `_` and `\` in the text are matched literally.
fn contains(folded: impl ColumnTrait, text: &str) -> Condition {
    let escaped = entity::values::fold(text)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = LikeExpr::new(format!("%{escaped}%")).escape('\\');
    Condition::all().add(Expr::col(folded).like(pattern))
}

impl TextMatch {
    /// The condition on `folded`, a column of folded texts.
    fn condition(&self, folded: impl ColumnTrait + Copy) -> Condition {
        let mut condition = Condition::all();
        if let Some(text) = &self.equals {
            condition = condition.add(Expr::col(folded).eq(entity::values::fold(text)));
        }
        if let Some(text) = &self.contains {
            condition = condition.add(contains(folded, text));
        }
        condition
    }
}

impl YearRange {
    /// The condition on `year`, a column of years: a null year is in no range.
    fn condition(&self, year: impl ColumnTrait + Copy) -> Condition {
        let mut condition = Condition::all().add(Expr::col(year).is_not_null());
        if let Some(from) = self.from {
            condition = condition.add(Expr::col(year).gte(from));
        }
        if let Some(to) = self.to {
            condition = condition.add(Expr::col(year).lte(to));
        }
        condition
    }
}

/// `EXISTS` (or, `present` false, `NOT EXISTS`) `subquery`.
fn exists(subquery: SelectStatement, present: bool) -> Condition {
    let exists = Expr::exists(subquery);
    Condition::all().add(if present { exists } else { exists.not() })
}

/// The evidence rows of the claim the outer statement reads (`claim`.`id`), joined to their
/// studies, narrowed by `condition`.
fn evidence_of_claim(condition: Condition) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(evidence::Entity)
        .inner_join(
            study::Entity,
            Expr::col((study::Entity, study::Column::Id))
                .equals((evidence::Entity, evidence::Column::StudyId)),
        )
        .and_where(
            Expr::col((evidence::Entity, evidence::Column::ClaimId))
                .equals((claim::Entity, claim::Column::Id)),
        )
        .cond_where(condition)
        .to_owned()
}

impl ClaimFilter {
    /// What a page of claims through this filter may cost: any filter may read every claim.
    fn cost(&self) -> Cost {
        if *self == ClaimFilter::default() {
            Cost::Indexed
        } else {
            Cost::MayScan
        }
    }

    fn condition(&self, backend: DbBackend) -> Condition {
        let mut condition = Condition::all();
        match &self.search {
            Some(ClaimSearch::Words(text)) => {
                condition = condition.add(
                    Expr::col((claim::Entity, claim::Column::Id))
                        .in_subquery(search::claims_matching(backend, text)),
                );
            }
            Some(ClaimSearch::Nothing) => condition = condition.add(Expr::val(1).eq(0)),
            None => {}
        }
        if let Some(text) = &self.statement_contains {
            condition = condition.add(contains(claim::Column::StatementFolded, text));
        }
        condition = condition
            .add(self.population.condition(claim::Column::PopulationFolded))
            .add(self.intervention.condition(claim::Column::InterventionFolded))
            .add(self.comparator.condition(claim::Column::ComparatorFolded))
            .add(self.outcome.condition(claim::Column::OutcomeFolded));
        if let Some(directions) = &self.effect_direction {
            condition = condition.add(claim::Column::EffectDirection.is_in(directions.iter().copied()));
        }
        if let Some(supports) = &self.top_mechanism_support {
            let top = Query::select()
                .expr(Expr::val(1))
                .from(mechanism::Entity)
                .and_where(
                    Expr::col((mechanism::Entity, mechanism::Column::ClaimId))
                        .equals((claim::Entity, claim::Column::Id)),
                )
                .and_where(mechanism::Column::Rank.eq(1))
                .and_where(mechanism::Column::Support.is_in(supports.iter().copied()))
                .to_owned();
            condition = condition.add(exists(top, true));
        }
        for (stance, present) in [
            (Stance::Supporting, self.has_supporting),
            (Stance::Contradicting, self.has_contradicting),
        ] {
            if let Some(present) = present {
                let rows = evidence_of_claim(Condition::all().add(evidence::Column::Stance.eq(stance)));
                condition = condition.add(exists(rows, present));
            }
        }
        if self.evidence_design.is_some() || self.evidence_year.is_some() {
            let mut studies = Condition::all();
            if let Some(designs) = &self.evidence_design {
                studies = studies.add(study::Column::Design.is_in(designs.iter().copied()));
            }
            if let Some(years) = &self.evidence_year {
                studies = studies.add(years.condition(study::Column::Year));
            }
            condition = condition.add(exists(evidence_of_claim(studies), true));
        }
        if let Some(present) = self.has_retracted_evidence {
            let rows = evidence_of_claim(Condition::all().add(study::Column::Retracted.eq(true)));
            condition = condition.add(exists(rows, present));
        }
        condition
    }

    /// The condition that `claim_id`, a column of claim ids, names a claim this filter lets
    /// through: none for no filter (every claim), else a subquery of their ids.
    fn restricts(&self, claim_id: impl ColumnTrait, backend: DbBackend) -> Condition {
        if *self == ClaimFilter::default() {
            return Condition::all();
        }
        let ids = claim::Entity::find()
            .select_only()
            .column(claim::Column::Id)
            .filter(self.condition(backend))
            .into_query();
        Condition::all().add(claim_id.in_subquery(ids))
    }
}

impl StudyFilter {
    /// What a page of studies through this filter may cost: a filter other than a design may
    /// read every study.
    fn cost(&self) -> Cost {
        let by_design = StudyFilter {
            design: self.design,
            ..StudyFilter::default()
        };
        if *self == by_design {
            Cost::Indexed
        } else {
            Cost::MayScan
        }
    }

    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(text) = &self.title_contains {
            condition = condition.add(contains(study::Column::TitleFolded, text));
        }
        if let Some(design) = self.design {
            condition = condition.add(study::Column::Design.eq(design));
        }
        if let Some(designs) = &self.designs {
            condition = condition.add(study::Column::Design.is_in(designs.iter().copied()));
        }
        if let Some(years) = &self.year {
            condition = condition.add(years.condition(study::Column::Year));
        }
        condition = condition.add(self.journal.condition(study::Column::JournalFolded));
        if let Some(retracted) = self.retracted {
            condition = condition.add(study::Column::Retracted.eq(retracted));
        }
        condition
    }
}

/// The evidence rows of the claims `filter` lets through (every row for no filter), selecting
/// their claims' ids.
fn evidence_of_claims(filter: &ClaimFilter, backend: DbBackend) -> Select<evidence::Entity> {
    let select = evidence::Entity::find()
        .select_only()
        .column(evidence::Column::ClaimId);
    select.filter(filter.restricts(evidence::Column::ClaimId, backend))
}

/// How many distinct claims each value has, from `pairs`, a select of (`claim_id`, `value`):
/// `SELECT value, COUNT(*) FROM (SELECT DISTINCT ...) GROUP BY value`. PostgreSQL sorts each
/// group for a `COUNT(DISTINCT ...)`; a `DISTINCT` under the grouping may hash instead (the design
/// facet took half as long at 20,000 claims).
async fn claims_per_value<T>(
    store: &Store,
    pairs: Select<evidence::Entity>,
) -> Result<Vec<(T, i64)>, StoreError>
where
    T: crate::store::rows::Column,
{
    let query = Query::select()
        .column("value")
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(pairs.distinct().into_query(), "pairs")
        .group_by_col("value")
        .to_owned();
    select_statement_rows(store, &query, Cost::MayScan, |row| Ok((row.get(0)?, row.get(1)?))).await
}

/// Every value of `T` with its count among `rows` (value, count), in declaration order.
fn every_value<T: Iterable + PartialEq>(rows: &[(T, i64)]) -> Facet<T> {
    T::iter()
        .map(|value| {
            let count = rows
                .iter()
                .filter(|(row, _)| *row == value)
                .map(|(_, count)| u64::try_from(*count).unwrap_or(0))
                .sum();
            (value, count)
        })
        .collect()
}

/// Rows strictly after (`forward`) or before `key` in ascending (`column`, id) order.
///
/// The first term (`column >= value`, or `<=`) says nothing the second does not, but it is the one
/// a database can start an index scan at: without it PostgreSQL reads the sort index from its
/// first row and filters every row before the cursor out (the benchmark's 20-claim list spent 3×
/// the statement's database time on a page in the middle of 10,000 claims).
fn beyond<C: ColumnTrait>(column: C, id: C, key: ClaimSeek, forward: bool) -> Condition {
    let value = Value::from(key.value);
    let (from, past, past_id) = if forward {
        (
            Expr::col(column).gte(value.clone()),
            Expr::col(column).gt(value.clone()),
            Expr::col(id).gt(key.id),
        )
    } else {
        (
            Expr::col(column).lte(value.clone()),
            Expr::col(column).lt(value.clone()),
            Expr::col(id).lt(key.id),
        )
    };
    Condition::all().add(from).add(
        Condition::any()
            .add(past)
            .add(Condition::all().add(Expr::col(column).eq(value)).add(past_id)),
    )
}

/// Reads one page of `select` in ascending id order (descending when paging backwards), one row
/// past the page to learn whether more follow; returns the page in ascending order.
async fn keyset_by_id<E>(
    store: &Store,
    select: Select<E>,
    id: E::Column,
    window: &Window<i32>,
    cost: Cost,
) -> Result<(Vec<E::Model>, bool), StoreError>
where
    E: EntityTrait,
    E::Model: ReadAt,
{
    let select = in_window(select, id, window);
    let rows = select_models_costing(store, select, cost).await?;
    Ok(trim(rows, window.limit, window.direction == Direction::Forward))
}

/// The events `visible` lets through, of one claim when `claim` is given.
fn events_condition(visible: Condition, claim: Option<i32>) -> Condition {
    // `visible` may be an OR of its own: it is one term of an AND, never extended.
    let mut condition = Condition::all().add(visible);
    if let Some(claim) = claim {
        condition = condition.add(event::Column::ClaimId.eq(claim));
    }
    condition
}

/// `select` narrowed to `window` by its `id` column: bounded by the cursors, ordered from the
/// window's end, one row past the page.
fn in_window<S>(mut select: S, id: impl ColumnTrait, window: &Window<i32>) -> S
where
    S: QueryFilter + QueryOrder + QuerySelect,
{
    if let Some(after) = window.after {
        select = select.filter(id.gt(after));
    }
    if let Some(before) = window.before {
        select = select.filter(id.lt(before));
    }
    let order = match window.direction {
        Direction::Forward => Order::Asc,
        Direction::Backward => Order::Desc,
    };
    select.order_by(id, order).limit(window.limit as u64 + 1)
}

/// The rows of a grouped count: each group's value and its count.
async fn grouped<T, E>(store: &Store, select: &Select<E>) -> Result<Vec<(T, i64)>, StoreError>
where
    T: crate::store::rows::Column,
    E: EntityTrait,
{
    select_rows_costing(store, select, Cost::MayScan, |row| Ok((row.get(0)?, row.get(1)?))).await
}

/// Cuts the row read past the page (reporting it) and puts a backward page in list order.
fn trim<M>(mut rows: Vec<M>, limit: usize, forward: bool) -> (Vec<M>, bool) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    if !forward {
        rows.reverse();
    }
    (rows, more)
}

impl Store {
    /// A page of the claims `filter` lets through, sorted by `sort` (`ascending` or not) and id.
    pub async fn claims_page(
        &self,
        filter: &ClaimFilter,
        sort: ClaimSort,
        ascending: bool,
        window: &Window<ClaimSeek>,
    ) -> Result<Page<claim::Model>, StoreError> {
        let column = match sort {
            ClaimSort::CreatedAt => claim::Column::CreatedAt,
            ClaimSort::UpdatedAt => claim::Column::UpdatedAt,
            ClaimSort::Slug => claim::Column::Slug,
            ClaimSort::EvidenceCount => claim::Column::EvidenceCount,
            ClaimSort::Relevance => {
                return Ok(self.claims_page_by_relevance(filter, ascending, window).await?.0);
            }
        };
        let condition = filter.condition(self.backend());
        // In ascending terms: `after` bounds from below, `before` from above; DESC swaps them.
        let mut select = claim::Entity::find().filter(condition.clone());
        if let Some(after) = window.after.clone() {
            select = select.filter(beyond(column, claim::Column::Id, after, ascending));
        }
        if let Some(before) = window.before.clone() {
            select = select.filter(beyond(column, claim::Column::Id, before, !ascending));
        }
        let forward = window.direction == Direction::Forward;
        let order = if ascending == forward {
            Order::Asc
        } else {
            Order::Desc
        };
        let select = select
            .order_by(column, order.clone())
            .order_by(claim::Column::Id, order)
            .limit(window.limit as u64 + 1);
        let rows = select_models_costing(self, select, filter.cost()).await?;
        let (rows, more) = trim(rows, window.limit, forward);
        Ok(Page {
            rows,
            more,
            count: Count::Claims(condition),
        })
    }

    /// A page of the claims `filter` lets through, in the order of their search score (best first
    /// when `ascending`: rank order), ties by id, with each claim's score; empty when the filter
    /// searches for nothing. One statement: the claims joined to their ranked matches.
    pub async fn claims_page_by_relevance(
        &self,
        filter: &ClaimFilter,
        ascending: bool,
        window: &Window<ClaimSeek>,
    ) -> Result<(Page<claim::Model>, Vec<f64>), StoreError> {
        let backend = self.backend();
        let others = ClaimFilter {
            search: None,
            ..filter.clone()
        };
        let count = Count::Claims(filter.condition(backend));
        let Some(ClaimSearch::Words(text)) = &filter.search else {
            let page = Page {
                rows: Vec::new(),
                more: false,
                count,
            };
            return Ok((page, Vec::new()));
        };
        let hits = Alias::new("hits");
        let score = Expr::col((hits.clone(), Alias::new("score")));
        let id = Expr::col((claim::Entity, claim::Column::Id));
        let mut select = Query::select();
        for column in claim::Column::iter() {
            select.column((claim::Entity, column));
        }
        select
            .expr(score.clone())
            .from(claim::Entity)
            .join_subquery(
                JoinType::InnerJoin,
                search::claims_ranked(backend, text),
                hits.clone(),
                Expr::col((hits.clone(), Alias::new("node_id"))).equals((claim::Entity, claim::Column::Id)),
            )
            .cond_where(others.condition(backend));
        // In rank order (score descending, id ascending): `after` bounds from below.
        for (key, later) in [(&window.after, ascending), (&window.before, !ascending)] {
            let Some(key) = key else { continue };
            let SortValue::Score(value) = key.value else {
                return Err(sea_orm::DbErr::Custom(
                    "a relevance cursor without a score".to_owned(),
                ));
            };
            let beyond = if later {
                Condition::any().add(score.clone().lt(value)).add(
                    Condition::all()
                        .add(score.clone().eq(value))
                        .add(id.clone().gt(key.id)),
                )
            } else {
                Condition::any().add(score.clone().gt(value)).add(
                    Condition::all()
                        .add(score.clone().eq(value))
                        .add(id.clone().lt(key.id)),
                )
            };
            select.cond_where(beyond);
        }
        let forward = window.direction == Direction::Forward;
        let (by_score, by_id) = if ascending == forward {
            (Order::Desc, Order::Asc)
        } else {
            (Order::Asc, Order::Desc)
        };
        select
            .order_by_expr(score.clone(), by_score)
            .order_by((claim::Entity, claim::Column::Id), by_id)
            .limit(window.limit as u64 + 1);
        let width = crate::store::rows::width::<claim::Entity>();
        let statement = backend.build(&select);
        let rows = run_statement(self, statement, Cost::MayScan, |row| {
            let claim: claim::Model = decode(row, 0, "")?;
            Ok((claim, row.get::<f64>(width)?))
        })
        .await?;
        let (rows, more) = trim(rows, window.limit, forward);
        let (rows, scores) = rows.into_iter().unzip();
        Ok((Page { rows, more, count }, scores))
    }

    /// A page of the studies `filter` lets through, by id.
    pub async fn studies_page(
        &self,
        filter: &StudyFilter,
        window: &Window<i32>,
    ) -> Result<Page<study::Model>, StoreError> {
        let condition = filter.condition();
        let select = study::Entity::find().filter(condition.clone());
        let (rows, more) = keyset_by_id(self, select, study::Column::Id, window, filter.cost()).await?;
        Ok(Page {
            rows,
            more,
            count: Count::Studies(condition),
        })
    }

    /// A page of the events `visible` lets through (the viewer's, see
    /// [`crate::domain::visibility::Viewer::events`]), of one claim when `claim` is given, by id.
    pub async fn events_page(
        &self,
        visible: Condition,
        claim: Option<i32>,
        window: &Window<i32>,
    ) -> Result<Page<event::Model>, StoreError> {
        let condition = events_condition(visible, claim);
        let select = event::Entity::find().filter(condition.clone());
        let (rows, more) = keyset_by_id(self, select, event::Column::Id, window, Cost::Indexed).await?;
        Ok(Page {
            rows,
            more,
            count: Count::Events(condition),
        })
    }

    /// A page of events as [`Store::events_page`] reads it, each with its actor (`None` for the
    /// seed loader's events), in the same statement.
    pub async fn events_page_with_actors(
        &self,
        visible: Condition,
        claim: Option<i32>,
        window: &Window<i32>,
    ) -> Result<Page<(event::Model, Option<user::Model>)>, StoreError> {
        let condition = events_condition(visible, claim);
        let select = event::Entity::find()
            .find_also_related(user::Entity)
            .filter(condition.clone());
        let select = in_window(select, event::Column::Id, window);
        let rows = select_rows(self, &select, also_related::<event::Entity, user::Entity>).await?;
        let (rows, more) = trim(rows, window.limit, window.direction == Direction::Forward);
        Ok(Page {
            rows,
            more,
            count: Count::Events(condition),
        })
    }

    /// A page of the contributions `visible` lets through (the viewer's, see
    /// [`crate::domain::visibility::Viewer::contributions`]), in `status` when given, by id.
    pub async fn contributions_page(
        &self,
        visible: Condition,
        status: Option<ContributionStatus>,
        window: &Window<i32>,
    ) -> Result<Page<contribution::Model>, StoreError> {
        let mut condition = Condition::all().add(visible);
        if let Some(status) = status {
            condition = condition.add(contribution::Column::Status.eq(status.name()));
        }
        let select = contribution::Entity::find().filter(condition.clone());
        let (rows, more) =
            keyset_by_id(self, select, contribution::Column::Id, window, Cost::Indexed).await?;
        Ok(Page {
            rows,
            more,
            count: Count::Contributions(condition),
        })
    }

    /// How many rows the list holds.
    pub async fn count(&self, count: &Count) -> Result<u64, StoreError> {
        match count {
            Count::Claims(filter) => count_rows(self, claim::Entity::find().filter(filter.clone())).await,
            Count::Studies(filter) => count_rows(self, study::Entity::find().filter(filter.clone())).await,
            Count::Events(filter) => count_rows(self, event::Entity::find().filter(filter.clone())).await,
            Count::Contributions(filter) => {
                count_rows(self, contribution::Entity::find().filter(filter.clone())).await
            }
        }
    }

    /// How many claims `filter` lets through have at least one evidence study of each design, in
    /// one grouped statement over the whole filtered list.
    pub async fn claim_design_facet(&self, filter: &ClaimFilter) -> Result<Facet<StudyDesign>, StoreError> {
        let pairs = evidence_of_claims(filter, self.backend())
            .inner_join(study::Entity)
            .expr_as(Expr::col((study::Entity, study::Column::Design)), "value");
        Ok(every_value(&claims_per_value(self, pairs).await?))
    }

    /// How many claims `filter` lets through have at least one evidence row of each stance, in one
    /// grouped statement.
    pub async fn claim_stance_facet(&self, filter: &ClaimFilter) -> Result<Facet<Stance>, StoreError> {
        let pairs = evidence_of_claims(filter, self.backend())
            .expr_as(Expr::col((evidence::Entity, evidence::Column::Stance)), "value");
        Ok(every_value(&claims_per_value(self, pairs).await?))
    }

    /// How many claims `filter` lets through have a rank-1 mechanism of each support, in one
    /// grouped statement (a claim without mechanisms is in none).
    pub async fn claim_support_facet(&self, filter: &ClaimFilter) -> Result<Facet<Support>, StoreError> {
        let select = mechanism::Entity::find()
            .select_only()
            .column(mechanism::Column::Support)
            .expr(Expr::col((mechanism::Entity, mechanism::Column::Id)).count())
            .filter(mechanism::Column::Rank.eq(1))
            .filter(filter.restricts(mechanism::Column::ClaimId, self.backend()))
            .group_by(mechanism::Column::Support);
        Ok(every_value(&grouped(self, &select).await?))
    }

    /// How many claims `filter` lets through have each effect direction, in one grouped statement
    /// (a claim whose direction is unknown is in none).
    pub async fn claim_effect_direction_facet(
        &self,
        filter: &ClaimFilter,
    ) -> Result<Facet<EffectDirection>, StoreError> {
        let select = claim::Entity::find()
            .select_only()
            .column(claim::Column::EffectDirection)
            .expr(Expr::col((claim::Entity, claim::Column::Id)).count())
            .filter(filter.condition(self.backend()))
            .filter(claim::Column::EffectDirection.is_not_null())
            .group_by(claim::Column::EffectDirection);
        Ok(every_value(&grouped(self, &select).await?))
    }

    /// How many studies `filter` lets through have each design, in one grouped statement.
    pub async fn study_design_facet(&self, filter: &StudyFilter) -> Result<Facet<StudyDesign>, StoreError> {
        let select = study::Entity::find()
            .select_only()
            .column(study::Column::Design)
            .expr(Expr::col((study::Entity, study::Column::Id)).count())
            .filter(filter.condition())
            .group_by(study::Column::Design);
        Ok(every_value(&grouped(self, &select).await?))
    }

    /// How many studies `filter` lets through were published in each year, earliest first (years
    /// no study has are left out; studies without a year are in none), in one grouped statement.
    pub async fn study_year_facet(&self, filter: &StudyFilter) -> Result<Vec<(i32, u64)>, StoreError> {
        let select = study::Entity::find()
            .select_only()
            .column(study::Column::Year)
            .expr(Expr::col((study::Entity, study::Column::Id)).count())
            .filter(filter.condition())
            .filter(study::Column::Year.is_not_null())
            .group_by(study::Column::Year)
            .order_by_asc(study::Column::Year);
        let rows: Vec<(i32, i64)> = grouped(self, &select).await?;
        Ok(rows
            .into_iter()
            .map(|(year, count)| (year, u64::try_from(count).unwrap_or(0)))
            .collect())
    }

    /// The DOI with this normalised value.
    pub async fn doi_by_value(&self, value: &str) -> Result<Option<doi::Model>, StoreError> {
        // `LIMIT 1`, as SeaORM's `one` reads it.
        let select = doi::Entity::find().filter(doi::Column::Value.eq(value)).limit(1);
        Ok(select_models(self, select).await?.into_iter().next())
    }

    /// Of these event ids, those `visible` lets through.
    pub async fn visible_event_ids(&self, ids: &[i32], visible: Condition) -> Result<Vec<i32>, StoreError> {
        let select = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .filter(event::Column::Id.is_in(ids.iter().copied()))
            .filter(visible);
        select_rows(self, &select, |row| row.get(0)).await
    }

    /// Of these user ids, those `visible` lets through.
    pub async fn visible_user_ids(&self, ids: &[i32], visible: Condition) -> Result<Vec<i32>, StoreError> {
        let select = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .filter(visible);
        select_rows(self, &select, |row| row.get(0)).await
    }
}
