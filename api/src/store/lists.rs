//! Pages of the lists the schema offers, read by keyset (a row past the page tells whether more
//! follow), their filters and their counts; and the look-ups that are not batched.
//!
//! The page arguments arrive checked ([`Window`]: a direction, a size, the bounds decoded from
//! cursors); cursors themselves are the schema's business. Visibility arrives as the domain's
//! conditions ([`crate::domain::visibility::Viewer`]) and is applied here, in SQL, so a page, its
//! cursors and its count only ever meet rows the viewer may see.
//!
//! Each read runs where the joined statements run (see [`crate::store::statements::select_rows`]):
//! on the store's read connections when it has them, rows decoded by position.

use chrono::{DateTime, Utc};
use entity::values::{ContributionStatus, StudyDesign};
use entity::{claim, contribution, doi, event, study, user};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, ExprTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
    Value,
};

use crate::store::relations::also_related;
use crate::store::rows::ReadAt;
use crate::store::statements::{Cost, count_rows, select_models, select_models_costing, select_rows};
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

/// Narrows a list of claims.
#[derive(Clone, Debug, Default)]
pub struct ClaimFilter {
    /// Statements containing this text, compared folded (see [`entity::values::fold`]).
    pub statement_contains: Option<String>,
}

/// Narrows a list of studies.
#[derive(Clone, Debug, Default)]
pub struct StudyFilter {
    /// Titles containing this text, compared folded.
    pub title_contains: Option<String>,
    pub design: Option<StudyDesign>,
}

/// What a list of claims is sorted by; ties are broken by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimSort {
    CreatedAt,
    Slug,
}

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
}

impl From<SortValue> for Value {
    fn from(value: SortValue) -> Value {
        match value {
            SortValue::Time(time) => Value::from(time),
            SortValue::Text(text) => Value::from(text),
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

impl ClaimFilter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(text) = &self.statement_contains {
            condition = condition.add(contains(claim::Column::StatementFolded, text));
        }
        condition
    }
}

impl StudyFilter {
    /// What a page of studies through this filter may cost: a text filter may read every study.
    fn cost(&self) -> Cost {
        match self.title_contains {
            Some(_) => Cost::MayScan,
            None => Cost::Indexed,
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
        condition
    }
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
            ClaimSort::Slug => claim::Column::Slug,
        };
        let condition = filter.condition();
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
        let cost = match filter.statement_contains {
            Some(_) => Cost::MayScan,
            None => Cost::Indexed,
        };
        let rows = select_models_costing(self, select, cost).await?;
        let (rows, more) = trim(rows, window.limit, forward);
        Ok(Page {
            rows,
            more,
            count: Count::Claims(condition),
        })
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
