//! Where the store's reads run: on its own read connections when it has them (see
//! [`crate::store::reads`]), else through SeaORM; and the joined statements' texts, built once per
//! backend and shape.
//!
//! Every read of the store goes through [`run`]: the joined statements of claim pages, lists and
//! DOI walks by way of [`query_rows`], whose texts are cached; the other reads (list pages, counts,
//! batched look-ups) by way of [`select_rows`] and [`select_models`], which build their statement
//! per call, as SeaORM would, and decode its rows by position as the joined statements do.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use entity::claim;
use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryTrait, Select, Statement, Value,
};

use crate::store::Store;
use crate::store::reads::Started;
use crate::store::rows::{ReadAt, Row, decode};
use crate::store::trees::MechanismDepth;

/// Which joined statement, and how it is shaped: with the number of claims and the backend, that
/// fixes its SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Shape {
    Mechanisms(MechanismDepth, Keyed),
    Evidence {
        with_study: bool,
        with_doi: bool,
        keyed: Keyed,
    },
    StudiesCited(Keyed),
    ClaimPage {
        evidence: Option<(bool, bool)>,
        depth: Option<MechanismDepth>,
    },
    DoiWalk(crate::store::walks::DoiDepth),
}

/// How a joined statement names its claims: see [`ClaimKeys`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Keyed {
    Ids,
    Slug,
}

/// The claims a joined statement reads: by id, or the one claim with a slug, so that the statement
/// can run at the same time as the claim's own (see `prefetch::claim_by_slug_with_page`).
#[derive(Clone, Copy, Debug)]
pub enum ClaimKeys<'a> {
    Ids(&'a [i32]),
    Slug(&'a str),
}

impl ClaimKeys<'_> {
    pub(super) fn keyed(self) -> Keyed {
        match self {
            ClaimKeys::Ids(_) => Keyed::Ids,
            ClaimKeys::Slug(_) => Keyed::Slug,
        }
    }

    /// The statement's values.
    pub(super) fn values(self) -> Vec<Value> {
        match self {
            ClaimKeys::Ids(claims) => claims.iter().map(|&id| Value::from(id)).collect(),
            ClaimKeys::Slug(slug) => vec![Value::from(slug)],
        }
    }

    /// The condition on a claim id column: in the ids, or the id of the claim with the slug.
    pub(super) fn condition(self, column: impl ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
        match self {
            ClaimKeys::Ids(claims) => column.is_in(claims.iter().copied()),
            ClaimKeys::Slug(slug) => column.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(claim::Column::Id)
                    .from(claim::Entity)
                    .and_where(claim::Column::Slug.eq(slug))
                    .to_owned(),
            ),
        }
    }
}

/// The SQL text of each joined statement, built once per backend, shape and number of claims:
/// building it with sea-query cost a few percent of a page. Bounded: a few shapes, two backends,
/// and at most one page of claims (100) per list.
static SQL: LazyLock<Mutex<HashMap<SqlKey, Arc<str>>>> = LazyLock::new(Mutex::default);

/// A statement's backend (1 PostgreSQL, 2 SQLite), shape and number of claims.
type SqlKey = (u8, Shape, usize);

/// Runs the statement `build` makes, whose only values are `values`, handing each row to `each`; its
/// SQL text is built once per backend, `shape` and number of values. It runs on the request's
/// [`Reads`] when it has them (see [`crate::store::reads`]), else through SeaORM.
pub(super) async fn query_rows<E: EntityTrait>(
    store: &Store,
    shape: Shape,
    values: Vec<Value>,
    build: impl FnOnce() -> Select<E>,
    each: impl FnMut(Row<'_>) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let count = values.len();
    let build = |backend| {
        let statement = build().build(backend);
        debug_assert_eq!(
            statement.values.as_ref().map(|v| v.0.len()),
            Some(count),
            "a joined statement binds its keys and nothing else"
        );
        statement.sql
    };
    query_sql_rows(store, shape, values, build, each).await
}

/// [`query_rows`] for a statement whose text `build` writes for a backend.
pub(super) async fn query_sql_rows(
    store: &Store,
    shape: Shape,
    values: Vec<Value>,
    build: impl FnOnce(DbBackend) -> String,
    each: impl FnMut(Row<'_>) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let backend = store.backend();
    let key = (
        match backend {
            DbBackend::Postgres => 1,
            DbBackend::Sqlite => 2,
            _ => 0,
        },
        shape,
        values.len(),
    );
    let cached = SQL.lock().ok().and_then(|sql| sql.get(&key).cloned());
    let sql = match cached {
        Some(sql) => sql,
        None => {
            let sql: Arc<str> = build(backend).into();
            if let Ok(mut cache) = SQL.lock() {
                cache.insert(key, sql.clone());
            }
            sql
        }
    };
    run(store, sql, values, Cost::Indexed, each).await
}

/// Runs `sql` with `values`, handing each row to `each` in order: on the store's read connections
/// when it has them, else through SeaORM's pool. Only for reads outside a transaction: the read
/// connections refuse writes, and do not see a transaction's uncommitted rows.
async fn run(
    store: &Store,
    sql: Arc<str>,
    values: Vec<Value>,
    cost: Cost,
    mut each: impl FnMut(Row<'_>) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let rows = match store.reads().map(|reads| reads.start(&sql, &values)) {
        Some(Started::Sqlite(reads)) => {
            let mut query = || reads.query(&sql, &values, |row| each(Row::Sqlite(row)));
            // A statement that may read a whole table (a count, a text filter) would hold this
            // runtime thread for as long: its other tasks move to another thread meanwhile.
            let multi_thread = tokio::runtime::Handle::try_current()
                .is_ok_and(|runtime| runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            return match cost {
                Cost::MayScan if multi_thread => tokio::task::block_in_place(query),
                _ => query(),
            };
        }
        Some(Started::Postgres(reads)) => reads.query(sql, values).await?,
        None => {
            store
                .db
                .query_all_raw(Statement::from_sql_and_values(store.backend(), &*sql, values))
                .await?
        }
    };
    rows.iter().try_for_each(|row| each(Row::SeaOrm(row)))
}

/// Runs `query`, built now for the store's backend, as [`run`] runs a statement, and reads each
/// row with `read`, in order. For a statement whose text varies from call to call (a page's bounds
/// and filters, a look-up's number of ids); the joined statements use [`query_rows`].
pub(super) async fn select_rows<T>(
    store: &Store,
    query: &impl QueryTrait,
    read: impl FnMut(Row<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    select_rows_costing(store, query, Cost::Indexed, read).await
}

/// [`select_rows`] for a statement of sea-query's own (one SeaORM's `Select` cannot say, as a
/// select from a subquery), which costs `cost`.
pub(super) async fn select_statement_rows<T>(
    store: &Store,
    query: &SelectStatement,
    cost: Cost,
    read: impl FnMut(Row<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    run_statement(store, store.backend().build(query), cost, read).await
}

/// [`select_rows`] for a statement that costs `cost`.
pub(super) async fn select_rows_costing<T>(
    store: &Store,
    query: &impl QueryTrait,
    cost: Cost,
    read: impl FnMut(Row<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    run_statement(store, query.build(store.backend()), cost, read).await
}

/// What a statement may cost the thread that runs it inline (SQLite's reads beside the pool).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Cost {
    /// A look-up by key or an index range: microseconds.
    Indexed,
    /// It may read a whole table (a count, a text filter): run where the runtime's other tasks
    /// need not wait for it.
    MayScan,
}

/// [`select_rows`] for a statement SeaORM's query builder made (or the store wrote).
pub(super) async fn run_statement<T>(
    store: &Store,
    statement: Statement,
    cost: Cost,
    mut read: impl FnMut(Row<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    let values = statement.values.map(|values| values.0).unwrap_or_default();
    let mut rows = Vec::new();
    run(store, statement.sql.into(), values, cost, |row| {
        rows.push(read(row)?);
        Ok(())
    })
    .await?;
    Ok(rows)
}

/// The models `select` (every column of its table, in the entity's order) reads, as SeaORM's
/// `select.all(db)` would give them.
pub(super) async fn select_models<E>(store: &Store, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: ReadAt,
{
    select_models_costing(store, select, Cost::Indexed).await
}

/// [`select_models`] for a statement that costs `cost`.
pub(super) async fn select_models_costing<E>(
    store: &Store,
    select: Select<E>,
    cost: Cost,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: ReadAt,
{
    let statement = select.build(store.backend());
    run_statement(store, statement, cost, |row| decode(row, 0, "")).await
}

/// How many rows `select` reads, counted as SeaORM's `PaginatorTrait::count` counts them (the
/// same statement: `select` without order or limit, as a subquery of a `COUNT(*)`).
pub(super) async fn count_rows<E: EntityTrait>(store: &Store, select: Select<E>) -> Result<u64, DbErr> {
    let query = SelectStatement::new()
        .expr(Expr::cust("COUNT(*) AS num_items"))
        .from_subquery(
            select
                .into_query()
                .reset_limit()
                .reset_offset()
                .clear_order_by()
                .to_owned(),
            "sub_query",
        )
        .to_owned();
    let counts = run_statement(store, store.backend().build(&query), Cost::MayScan, |row| {
        row.get::<i64>(0)
    })
    .await?;
    let count = counts.first().copied().unwrap_or(0);
    u64::try_from(count).map_err(|_| DbErr::Type(format!("a count of {count} rows")))
}
