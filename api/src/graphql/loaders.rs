//! Per-request batching: every relation the schema exposes is read through [`Db`], a DataLoader
//! that turns the N look-ups of one query level into one SQL statement.
//!
//! A loader lives for one request only (see `http::graphql`): a shared one would batch and cache
//! across users. Each key type below is one relation; its name says what it loads.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Arc, LazyLock, Mutex};

use crate::reads::sqlite::sqlite_error;
use crate::reads::{Reads, Started};
use async_graphql::dataloader::Loader;
use entity::{citation, claim, contribution, doi, event, evidence, mechanism, mechanism_step, study, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
    RelationTrait, Select, Statement, TryGetable, Value,
};

/// The loader behind every relation; one per request.
pub struct Db {
    pub db: DatabaseConnection,
    /// Where a claim page's statements run, beside SeaORM's pool (see [`crate::reads`]).
    pub reads: Option<Arc<Reads>>,
}

impl Db {
    pub fn new(db: DatabaseConnection, reads: Option<Arc<Reads>>) -> Self {
        Db { db, reads }
    }
}

/// Errors are shared between the callers of one batch.
pub type LoadError = Arc<DbErr>;

/// Groups `(parent, child)` rows by parent, keeping row order and giving every requested parent an
/// entry (an empty list when it has no children), so "none" is a cached answer too.
fn group_by_parent<K, V>(keys: &[K], rows: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>>
where
    K: Eq + Hash + Clone,
{
    let mut grouped: HashMap<K, Vec<V>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for (parent, child) in rows {
        grouped.entry(parent).or_default().push(child);
    }
    grouped
}

/// Declares a key type that loads rows of one table by primary key.
macro_rules! by_id_loader {
    ($key:ident, $module:ident) => {
        #[doc = concat!("A `", stringify!($module), "` row by its primary key.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $key(pub i32);

        impl Loader<$key> for Db {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids = keys.iter().map(|k| k.0);
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(ids))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

by_id_loader!(ClaimById, claim);
by_id_loader!(MechanismById, mechanism);
by_id_loader!(MechanismStepById, mechanism_step);
by_id_loader!(DoiById, doi);
by_id_loader!(StudyById, study);
by_id_loader!(EvidenceById, evidence);
by_id_loader!(UserById, user);
by_id_loader!(ContributionById, contribution);
by_id_loader!(EventById, event);

/// A claim's mechanisms, by rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MechanismsByClaim(pub i32);

impl Loader<MechanismsByClaim> for Db {
    type Value = Vec<mechanism::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MechanismsByClaim],
    ) -> Result<HashMap<MechanismsByClaim, Self::Value>, Self::Error> {
        let rows = mechanism::Entity::find()
            .filter(mechanism::Column::ClaimId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(mechanism::Column::Rank)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter().map(|m| (MechanismsByClaim(m.claim_id), m)),
        ))
    }
}

/// A mechanism's steps, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MechanismStepsByMechanism(pub i32);

impl Loader<MechanismStepsByMechanism> for Db {
    type Value = Vec<mechanism_step::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MechanismStepsByMechanism],
    ) -> Result<HashMap<MechanismStepsByMechanism, Self::Value>, Self::Error> {
        let rows = mechanism_step::Entity::find()
            .filter(mechanism_step::Column::MechanismId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(mechanism_step::Column::MechanismId)
            .order_by_asc(mechanism_step::Column::Position)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter()
                .map(|s| (MechanismStepsByMechanism(s.mechanism_id), s)),
        ))
    }
}

/// The DOIs a step cites, in citation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DoisCitedByStep(pub i32);

impl Loader<DoisCitedByStep> for Db {
    type Value = Vec<doi::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[DoisCitedByStep],
    ) -> Result<HashMap<DoisCitedByStep, Self::Value>, Self::Error> {
        let rows = citation::Entity::find()
            .find_also_related(doi::Entity)
            .filter(citation::Column::MechanismStepId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(citation::Column::MechanismStepId)
            .order_by_asc(citation::Column::Position)
            .all(&self.db)
            .await?;
        let pairs = rows
            .into_iter()
            .filter_map(|(citation, doi)| Some((DoisCitedByStep(citation.mechanism_step_id), doi?)));
        Ok(group_by_parent(keys, pairs))
    }
}

/// The steps that cite a DOI, oldest step first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MechanismStepsCitingDoi(pub i32);

impl Loader<MechanismStepsCitingDoi> for Db {
    type Value = Vec<mechanism_step::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MechanismStepsCitingDoi],
    ) -> Result<HashMap<MechanismStepsCitingDoi, Self::Value>, Self::Error> {
        let rows = citation::Entity::find()
            .find_also_related(mechanism_step::Entity)
            .filter(citation::Column::DoiId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(citation::Column::DoiId)
            .order_by_asc(citation::Column::MechanismStepId)
            .all(&self.db)
            .await?;
        let pairs = rows
            .into_iter()
            .filter_map(|(citation, step)| Some((MechanismStepsCitingDoi(citation.doi_id), step?)));
        Ok(group_by_parent(keys, pairs))
    }
}

/// The study a DOI identifies, if its metadata is known. Every DOI asked for gets an answer, `None`
/// when no study has it, so a DOI without a study is a cached answer too and not a new look-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudyByDoi(pub i32);

impl Loader<StudyByDoi> for Db {
    type Value = Option<study::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[StudyByDoi]) -> Result<HashMap<StudyByDoi, Self::Value>, Self::Error> {
        let rows = study::Entity::find()
            .filter(study::Column::DoiId.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        let mut found: HashMap<StudyByDoi, Self::Value> = keys.iter().map(|&k| (k, None)).collect();
        for study in rows {
            if let Some(doi) = study.doi_id {
                found.insert(StudyByDoi(doi), Some(study));
            }
        }
        Ok(found)
    }
}

/// A claim's evidence rows, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceByClaim(pub i32);

impl Loader<EvidenceByClaim> for Db {
    type Value = Vec<evidence::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EvidenceByClaim],
    ) -> Result<HashMap<EvidenceByClaim, Self::Value>, Self::Error> {
        let rows = evidence::Entity::find()
            .filter(evidence::Column::ClaimId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(evidence::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter().map(|e| (EvidenceByClaim(e.claim_id), e)),
        ))
    }
}

/// A study's evidence rows (the claims it bears on), oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceByStudy(pub i32);

impl Loader<EvidenceByStudy> for Db {
    type Value = Vec<evidence::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EvidenceByStudy],
    ) -> Result<HashMap<EvidenceByStudy, Self::Value>, Self::Error> {
        let rows = evidence::Entity::find()
            .filter(evidence::Column::StudyId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(evidence::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter().map(|e| (EvidenceByStudy(e.study_id), e)),
        ))
    }
}

/// The ids of the distinct studies cited by a claim's mechanism steps (through their DOIs), ascending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudiesCitedByClaim(pub i32);

impl Loader<StudiesCitedByClaim> for Db {
    type Value = Vec<i32>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[StudiesCitedByClaim],
    ) -> Result<HashMap<StudiesCitedByClaim, Self::Value>, Self::Error> {
        let rows: Vec<(i32, i32)> = study::Entity::find()
            .select_only()
            .column(mechanism::Column::ClaimId)
            .column(study::Column::Id)
            .distinct()
            .join(JoinType::InnerJoin, study::Relation::Doi.def())
            .join(JoinType::InnerJoin, doi::Relation::Citation.def())
            .join(JoinType::InnerJoin, citation::Relation::MechanismStep.def())
            .join(JoinType::InnerJoin, mechanism_step::Relation::Mechanism.def())
            .filter(mechanism::Column::ClaimId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(study::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(group_by_parent(
            keys,
            rows.into_iter()
                .map(|(claim, study)| (StudiesCitedByClaim(claim), study)),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Joined statements for the prefetcher: several relations of a list of claims in one statement.
//
// Each statement below replaces a chain of the loaders above (mechanisms, then their steps, then
// the steps' citations, then the cited studies), which would cost one statement and one round trip
// per level. Every level is keyed by the claims, so the statements do not wait on one another, and
// their text depends only on how many claims are asked for: a single-claim page always sends the
// same few statements, which stay prepared on their connection.

/// Column-alias prefixes, one per table, so that one row can carry several tables' columns.
const MECHANISM: &str = "m_";
const STEP: &str = "ms_";
const DOI: &str = "d_";
const STUDY: &str = "s_";
const EVIDENCE: &str = "e_";
/// The evidence's study and DOI in a claim page's statement, whose mechanisms' studies and DOIs
/// have [`STUDY`] and [`DOI`].
const EVIDENCE_STUDY: &str = "es_";
const EVIDENCE_DOI: &str = "ed_";

/// Selects every column of `E`, each aliased `{prefix}{column}`, in `E::Column::iter()` order.
fn columns_of<E: EntityTrait, S: EntityTrait>(mut select: Select<S>, prefix: &str) -> Select<S> {
    for column in E::Column::iter() {
        select = select.column_as(column, format!("{prefix}{}", column.as_str()));
    }
    select
}

/// How many columns [`columns_of`] selects for `E`.
fn width<E: EntityTrait>() -> usize {
    E::Column::iter().count()
}

/// One row of a statement's answer, from SeaORM or from an inline SQLite read.
#[derive(Clone, Copy)]
enum Row<'a> {
    SeaOrm(&'a QueryResult),
    Sqlite(&'a rusqlite::Row<'a>),
}

impl Row<'_> {
    /// The value of column `at` (from 0).
    fn get<T: Column>(self, at: usize) -> Result<T, DbErr> {
        match self {
            Row::SeaOrm(row) => Ok(T::try_get_by_index(row, at)?),
            Row::Sqlite(row) => T::from_sqlite(row, at),
        }
    }
}

/// A column type the joined statements read, from either kind of [`Row`].
trait Column: TryGetable {
    fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr>;
}

/// Column types SQLite stores as themselves (integers, texts; booleans as 0 or 1; times as
/// RFC 3339 texts, as sqlx writes them).
macro_rules! plain_column {
    ($($t:ty),+) => {$(
        impl Column for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
                row.get(at).map_err(sqlite_error)
            }
        }
    )+};
}
plain_column!(i32, Option<i32>, String, Option<String>, bool);

/// Times, stored as RFC 3339 texts. rusqlite's own decoding goes through chrono's `strftime`-style
/// parser (about 2,500 instructions a time, a page reads several); chrono's RFC 3339 parser reads
/// the same texts directly. Anything it does not take (another layout, a Unix time) goes to
/// rusqlite's decoding, as before.
impl Column for chrono::DateTime<chrono::Utc> {
    fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
        if let Ok(rusqlite::types::ValueRef::Text(text)) = row.get_ref(at)
            && let Ok(text) = std::str::from_utf8(text)
            && let Ok(time) = chrono::DateTime::parse_from_rfc3339(text)
        {
            return Ok(time.with_timezone(&chrono::Utc));
        }
        row.get(at).map_err(sqlite_error)
    }
}

/// The text of an enumeration column, borrowed from the row (no allocation per value).
fn enum_name<'r>(row: &'r rusqlite::Row<'_>, at: usize) -> Result<Option<&'r str>, DbErr> {
    use rusqlite::types::ValueRef;
    match row.get_ref(at).map_err(sqlite_error)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(text) => std::str::from_utf8(text)
            .map(Some)
            .map_err(|e| crate::reads::read_error(format!("SQLite: column {at}: {e}"))),
        other => Err(crate::reads::read_error(format!(
            "SQLite: column {at} holds {}, not a name",
            other.data_type()
        ))),
    }
}

/// Enumerations, stored as their names.
macro_rules! enum_column {
    ($($t:ty),+) => {$(
        impl Column for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
                Option::<$t>::from_sqlite(row, at)?.ok_or_else(|| {
                    crate::reads::read_error(format!("SQLite: column {at} is NULL"))
                })
            }
        }
        impl Column for Option<$t> {
            fn from_sqlite(row: &rusqlite::Row<'_>, at: usize) -> Result<Self, DbErr> {
                enum_name(row, at)?
                    .map(|name| name.parse::<$t>().map_err(|e| DbErr::Type(e.to_string())))
                    .transpose()
            }
        }
    )+};
}
enum_column!(
    entity::values::Support,
    entity::values::StudyDesign,
    entity::values::Stance,
    entity::values::EffectDirection
);

/// Reads a row's columns by position, from a starting column on.
struct Cursor<'a> {
    row: Row<'a>,
    at: usize,
}

impl Cursor<'_> {
    fn next<T: Column>(&mut self) -> Result<T, DbErr> {
        let index = self.at;
        self.at += 1;
        self.row.get(index)
    }
}

/// A model read by position from the columns [`columns_of`] selected for its table.
///
/// By position, not by name: a name costs a `format!` of prefix and column and a hash look-up, per
/// column and row, which was a tenth of the server's work on a page. Debug builds (every test)
/// also decode each SeaORM row by name and check that both agree, so a field order that no longer
/// matches the entity's columns fails the suite; `reads_beside_the_pool_decode_what_seaorm_decodes`
/// checks the reads beside the pool (`crate::reads`) against SeaORM's.
trait ReadAt: FromQueryResult + PartialEq + std::fmt::Debug {
    fn read_at(row: &mut Cursor<'_>) -> Result<Self, DbErr>;
}

/// Implements [`ReadAt`] for an entity's model; the fields are listed in the entity's column order.
macro_rules! read_at {
    ($module:ident { $($field:ident),+ $(,)? }) => {
        impl ReadAt for $module::Model {
            fn read_at(row: &mut Cursor<'_>) -> Result<Self, DbErr> {
                Ok($module::Model { $($field: row.next()?),+ })
            }
        }
    };
}

read_at!(claim {
    id,
    slug,
    statement,
    statement_folded,
    population,
    intervention,
    comparator,
    outcome,
    effect_direction,
    synthesis,
    created_at,
    updated_at,
    version
});
read_at!(mechanism {
    id,
    claim_id,
    rank,
    support,
    label,
    summary,
    version
});
read_at!(mechanism_step {
    id,
    mechanism_id,
    position,
    text,
    version
});
read_at!(doi { id, value });
read_at!(study {
    id,
    doi_id,
    title,
    title_folded,
    journal,
    year,
    design,
    authors,
    sample_size,
    retracted,
    version
});
read_at!(evidence {
    id,
    claim_id,
    study_id,
    stance,
    note,
    created_at,
    version
});

/// Decodes the model whose columns start at `at` (aliased with `prefix`).
fn decode<M: ReadAt>(row: Row<'_>, at: usize, prefix: &str) -> Result<M, DbErr> {
    let model = M::read_at(&mut Cursor { row, at })?;
    if let Row::SeaOrm(row) = row {
        debug_assert_eq!(
            Some(&model),
            M::from_query_result(row, prefix).ok().as_ref(),
            "{prefix} columns read by position differ from the same columns read by name"
        );
    }
    Ok(model)
}

/// Decodes a LEFT JOINed model whose columns start at `at`: `None` when the join found no row (its
/// `id`, the first column, is NULL). A value that does not decode is an error, not a `None`.
fn decode_joined<M: ReadAt>(row: Row<'_>, at: usize, prefix: &str) -> Result<Option<M>, DbErr> {
    match row.get::<Option<i32>>(at)? {
        Some(_) => decode(row, at, prefix).map(Some),
        None => Ok(None),
    }
}

/// Which joined statement, and how it is shaped: with the number of claims and the backend, that
/// fixes its SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Shape {
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
}

/// How a joined statement names its claims: see [`ClaimKeys`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Keyed {
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
    fn keyed(self) -> Keyed {
        match self {
            ClaimKeys::Ids(_) => Keyed::Ids,
            ClaimKeys::Slug(_) => Keyed::Slug,
        }
    }

    /// The statement's values.
    fn values(self) -> Vec<Value> {
        match self {
            ClaimKeys::Ids(claims) => claims.iter().map(|&id| Value::from(id)).collect(),
            ClaimKeys::Slug(slug) => vec![Value::from(slug)],
        }
    }

    /// The condition on a claim id column: in the ids, or the id of the claim with the slug.
    fn condition(self, column: impl ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
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
/// [`Reads`] when it has them (see [`crate::reads`]), else through SeaORM.
async fn query_rows<E: EntityTrait>(
    db: &Db,
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
    query_sql_rows(db, shape, values, build, each).await
}

/// [`query_rows`] for a statement whose text `build` writes for a backend.
async fn query_sql_rows(
    db: &Db,
    shape: Shape,
    values: Vec<Value>,
    build: impl FnOnce(DbBackend) -> String,
    mut each: impl FnMut(Row<'_>) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let backend = db.db.get_database_backend();
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
    let rows = match db.reads.as_deref().map(|reads| reads.start(&sql, &values)) {
        Some(Started::Sqlite(reads)) => return reads.query(&sql, &values, |row| each(Row::Sqlite(row))),
        Some(Started::Postgres(reads)) => reads.query(sql, values).await?,
        None => {
            db.db
                .query_all_raw(Statement::from_sql_and_values(backend, &*sql, values))
                .await?
        }
    };
    rows.iter().try_for_each(|row| each(Row::SeaOrm(row)))
}

/// How far below the mechanisms one [`load_mechanism_trees`] statement reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MechanismDepth {
    Mechanisms,
    Steps,
    /// Steps and the DOIs they cite.
    Citations,
    /// Steps, the DOIs they cite and the studies those DOIs identify.
    Studies,
}

/// A mechanism with its steps, each with the DOIs it cites in order (as deep as the statement went).
#[derive(Debug)]
pub struct MechanismTree {
    pub mechanism: mechanism::Model,
    pub steps: Vec<(mechanism_step::Model, Vec<doi::Model>)>,
}

/// What [`load_mechanism_trees`] read: the mechanisms in page order, and at
/// [`MechanismDepth::Studies`] the study of every cited DOI (`None` for a DOI without one).
#[derive(Debug, Default)]
pub struct MechanismTrees {
    pub mechanisms: Vec<MechanismTree>,
    pub studies_by_doi: BTreeMap<i32, Option<study::Model>>,
}

/// Where the columns of a mechanisms row start: the mechanism's at `at`, then (as deep as the
/// statement reaches) its step's, the cited DOI's and that DOI's study's.
#[derive(Clone, Copy)]
struct TreeColumns {
    depth: MechanismDepth,
    mechanism: usize,
    step: usize,
    doi: usize,
    study: usize,
}

impl TreeColumns {
    fn at(at: usize, depth: MechanismDepth) -> TreeColumns {
        let step = at + width::<mechanism::Entity>();
        let doi = step + width::<mechanism_step::Entity>();
        let study = doi + width::<doi::Entity>();
        TreeColumns {
            depth,
            mechanism: at,
            step,
            doi,
            study,
        }
    }

    /// How many columns [`TreeColumns::select`] adds.
    fn width(self) -> usize {
        use MechanismDepth::{Citations, Steps, Studies};
        match self.depth {
            MechanismDepth::Mechanisms => self.step,
            Steps => self.doi,
            Citations => self.study,
            Studies => self.study + width::<study::Entity>(),
        }
        .saturating_sub(self.mechanism)
    }

    /// The names [`TreeColumns::select`] gives its columns, in order.
    fn names(self) -> Vec<String> {
        fn of<E: EntityTrait>(prefix: &str, names: &mut Vec<String>) {
            names.extend(E::Column::iter().map(|c| format!("{prefix}{}", c.as_str())));
        }
        let mut names = Vec::new();
        of::<mechanism::Entity>(MECHANISM, &mut names);
        if self.depth >= MechanismDepth::Steps {
            of::<mechanism_step::Entity>(STEP, &mut names);
        }
        if self.depth >= MechanismDepth::Citations {
            of::<doi::Entity>(DOI, &mut names);
        }
        if self.depth >= MechanismDepth::Studies {
            of::<study::Entity>(STUDY, &mut names);
        }
        names
    }

    /// Adds the columns, and the LEFT JOINs they come from, to a statement on mechanisms.
    fn select(self, mut select: Select<mechanism::Entity>) -> Select<mechanism::Entity> {
        use MechanismDepth::{Citations, Steps, Studies};
        let depth = self.depth;
        select = columns_of::<mechanism::Entity, _>(select, MECHANISM);
        if depth >= Steps {
            select = columns_of::<mechanism_step::Entity, _>(select, STEP)
                .join(JoinType::LeftJoin, mechanism::Relation::MechanismStep.def());
        }
        if depth >= Citations {
            select = columns_of::<doi::Entity, _>(select, DOI)
                .join(JoinType::LeftJoin, mechanism_step::Relation::Citation.def())
                .join(JoinType::LeftJoin, citation::Relation::Doi.def());
        }
        if depth >= Studies {
            select = columns_of::<study::Entity, _>(select, STUDY)
                .join(JoinType::LeftJoin, doi::Relation::Study.def());
        }
        select
    }

    /// Adds one row, read in page order (a mechanism's rows are consecutive, and so are a step's),
    /// to `trees`. A mechanism comes back on as many rows as it has citations, and a study on every
    /// row that cites its DOI: each is decoded once, at its first row.
    fn read(self, trees: &mut MechanismTrees, row: Row<'_>) -> Result<(), DbErr> {
        use MechanismDepth::{Citations, Steps, Studies};
        let depth = self.depth;
        let mechanism_id: i32 = row.get(self.mechanism)?;
        if trees
            .mechanisms
            .last()
            .is_none_or(|m| m.mechanism.id != mechanism_id)
        {
            trees.mechanisms.push(MechanismTree {
                mechanism: decode(row, self.mechanism, MECHANISM)?,
                steps: Vec::new(),
            });
        }
        let Some(tree) = trees.mechanisms.last_mut() else {
            return Ok(());
        };
        if depth < Steps {
            return Ok(());
        }
        let Some(step_id) = row.get::<Option<i32>>(self.step)? else {
            return Ok(());
        };
        if tree.steps.last().is_none_or(|(s, _)| s.id != step_id) {
            tree.steps.push((decode(row, self.step, STEP)?, Vec::new()));
        }
        if depth < Citations {
            return Ok(());
        }
        let Some(doi) = decode_joined::<doi::Model>(row, self.doi, DOI)? else {
            return Ok(());
        };
        if depth >= Studies && !trees.studies_by_doi.contains_key(&doi.id) {
            trees
                .studies_by_doi
                .insert(doi.id, decode_joined(row, self.study, STUDY)?);
        }
        if let Some((_, dois)) = tree.steps.last_mut() {
            dois.push(doi);
        }
        Ok(())
    }
}

/// The mechanisms of `claims` down to `depth`, as one statement of LEFT JOINs, in page order:
/// by claim, mechanism rank, step position and citation position.
pub async fn load_mechanism_trees(
    db: &Db,
    claims: ClaimKeys<'_>,
    depth: MechanismDepth,
) -> Result<MechanismTrees, DbErr> {
    let columns = TreeColumns::at(0, depth);
    let build = || {
        let mut select = columns
            .select(mechanism::Entity::find().select_only())
            .filter(claims.condition(mechanism::Column::ClaimId))
            .order_by_asc(mechanism::Column::ClaimId)
            .order_by_asc(mechanism::Column::Rank);
        if depth >= MechanismDepth::Steps {
            select = select.order_by_asc(mechanism_step::Column::Position);
        }
        if depth >= MechanismDepth::Citations {
            select = select.order_by_asc(citation::Column::Position);
        }
        select
    };
    let mut trees = MechanismTrees::default();
    let shape = Shape::Mechanisms(depth, claims.keyed());
    query_rows(db, shape, claims.values(), build, |row| {
        columns.read(&mut trees, row)
    })
    .await?;
    Ok(trees)
}

/// One row of [`load_evidence_trees`]: an evidence row, with its study and the study's DOI when asked
/// for (the DOI is `None` for a study without one).
#[derive(Debug)]
pub struct EvidenceTreeRow {
    pub evidence: evidence::Model,
    pub study: Option<study::Model>,
    pub doi: Option<doi::Model>,
}

/// Where the columns of an evidence row start: the evidence's at `evidence`, then, when the
/// statement reads them, its study's and the study's DOI's, each with the prefix of its aliases.
#[derive(Clone, Copy)]
struct EvidenceColumns {
    evidence: usize,
    study: Option<(usize, &'static str)>,
    doi: Option<(usize, &'static str)>,
}

impl EvidenceColumns {
    /// From `at`: the evidence, its study when `with_study`, the study's DOI when also `with_doi`,
    /// aliased with `prefixes` (study, DOI).
    fn at(at: usize, with_study: bool, with_doi: bool, prefixes: (&'static str, &'static str)) -> Self {
        let study_at = at + width::<evidence::Entity>();
        let doi_at = study_at + width::<study::Entity>();
        EvidenceColumns {
            evidence: at,
            study: with_study.then_some((study_at, prefixes.0)),
            doi: (with_study && with_doi).then_some((doi_at, prefixes.1)),
        }
    }

    /// Where the next table's columns would start.
    fn end(self) -> usize {
        match (self.study, self.doi) {
            (_, Some((at, _))) => at + width::<doi::Entity>(),
            (Some((at, _)), None) => at + width::<study::Entity>(),
            (None, None) => self.evidence + width::<evidence::Entity>(),
        }
    }

    /// Adds the study's and the DOI's columns, when read, and their joins (the study's with `join`:
    /// INNER from evidence, LEFT when the evidence itself is LEFT JOINed) to a statement that
    /// already selects the evidence's.
    fn select_below<E: EntityTrait>(self, mut select: Select<E>, join: JoinType) -> Select<E> {
        if let Some((_, prefix)) = self.study {
            select =
                columns_of::<study::Entity, _>(select, prefix).join(join, evidence::Relation::Study.def());
        }
        if let Some((_, prefix)) = self.doi {
            select = columns_of::<doi::Entity, _>(select, prefix)
                .join(JoinType::LeftJoin, study::Relation::Doi.def());
        }
        select
    }

    /// The evidence row in `row`: `None` when a LEFT JOIN found no evidence. Its study is there
    /// whenever the evidence is (a foreign key); its DOI may not be.
    fn read(self, row: Row<'_>) -> Result<Option<EvidenceTreeRow>, DbErr> {
        let Some(evidence) = decode_joined(row, self.evidence, EVIDENCE)? else {
            return Ok(None);
        };
        Ok(Some(EvidenceTreeRow {
            evidence,
            study: self
                .study
                .map(|(at, prefix)| decode(row, at, prefix))
                .transpose()?,
            doi: match self.doi {
                Some((at, prefix)) => decode_joined(row, at, prefix)?,
                None => None,
            },
        }))
    }
}

/// The evidence rows of `claims`, oldest first per claim, with their studies (`with_study`) and the
/// studies' DOIs (`with_doi`), as one statement.
pub async fn load_evidence_trees(
    db: &Db,
    claims: ClaimKeys<'_>,
    with_study: bool,
    with_doi: bool,
) -> Result<Vec<EvidenceTreeRow>, DbErr> {
    let with_doi = with_study && with_doi;
    let shape = Shape::Evidence {
        with_study,
        with_doi,
        keyed: claims.keyed(),
    };
    let columns = EvidenceColumns::at(0, with_study, with_doi, (STUDY, DOI));
    let build = || {
        let select = columns_of::<evidence::Entity, _>(evidence::Entity::find().select_only(), EVIDENCE);
        columns
            .select_below(select, JoinType::InnerJoin)
            .filter(claims.condition(evidence::Column::ClaimId))
            .order_by_asc(evidence::Column::ClaimId)
            .order_by_asc(evidence::Column::Id)
    };
    let mut rows = Vec::new();
    query_rows(db, shape, claims.values(), build, |row| {
        rows.extend(columns.read(row)?);
        Ok(())
    })
    .await?;
    Ok(rows)
}

/// What [`claim_page_by_slug`] read: the claim, and each branch it was asked for, whole.
#[derive(Debug)]
pub struct ClaimPage {
    pub claim: claim::Model,
    /// As [`load_evidence_trees`] reads them, when asked for.
    pub evidence: Option<Vec<EvidenceTreeRow>>,
    /// As [`load_mechanism_trees`] reads them, when asked for.
    pub mechanisms: Option<MechanismTrees>,
}

/// The claim with `slug`, with its evidence (`evidence`: with studies, with their DOIs) and its
/// mechanisms down to `depth` when asked for, as ONE statement: a claim page is one round trip,
/// one statement for the database to run, and one snapshot, so that an empty branch is known to
/// be the claim's own.
///
/// The statement is a UNION ALL of two SELECTs with the same columns: the claim LEFT JOINed to its
/// evidence (`k` = 0, the mechanisms' columns NULL), and its mechanisms as [`load_mechanism_trees`]
/// reads them (`k` = 1, the claim's and evidence's columns NULL, keyed by the same slug). Its rows
/// come in page order: the claim's, by evidence id, then the mechanisms', by rank, step position
/// and citation position.
pub async fn claim_page_by_slug(
    db: &Db,
    slug: &str,
    evidence: Option<(bool, bool)>,
    depth: Option<MechanismDepth>,
) -> Result<Option<ClaimPage>, DbErr> {
    use sea_orm::sea_query::Expr;
    let evidence = evidence.map(|(with_study, with_doi)| (with_study, with_study && with_doi));
    let shape = Shape::ClaimPage { evidence, depth };
    // Column 0 is `k`; the claim's columns follow, then the evidence's, then the mechanisms'.
    let evidence_at = 1 + width::<claim::Entity>();
    let (with_study, with_doi) = evidence.unwrap_or_default();
    let evidence_columns =
        EvidenceColumns::at(evidence_at, with_study, with_doi, (EVIDENCE_STUDY, EVIDENCE_DOI));
    let claim_end = match evidence {
        Some(_) => evidence_columns.end(),
        None => evidence_at,
    };
    let tree = depth.map(|depth| TreeColumns::at(claim_end, depth));
    // The citation's position closes a mechanisms row, for the order.
    let cites = depth.is_some_and(|d| d >= MechanismDepth::Citations);
    let tree_end = claim_end + tree.map_or(0, |t| t.width()) + usize::from(cites);
    let build = |backend: DbBackend| {
        let mut claims = claim::Entity::find().select_only().expr_as(Expr::cust("0"), "k");
        claims = columns_of::<claim::Entity, _>(claims, "");
        if evidence.is_some() {
            claims = columns_of::<evidence::Entity, _>(claims, EVIDENCE)
                .join(JoinType::LeftJoin, claim::Relation::Evidence.def());
            // Every evidence row has its study (a foreign key): LEFT only for a claim without any.
            claims = evidence_columns.select_below(claims, JoinType::LeftJoin);
        }
        // The mechanisms' columns, NULL here, under their names (the UNION takes this SELECT's).
        for name in tree.map(TreeColumns::names).unwrap_or_default() {
            claims = claims.expr_as(Expr::cust("NULL"), name);
        }
        if cites {
            claims = claims.expr_as(Expr::cust("NULL"), "c_position");
        }
        let claims = claims.filter(claim::Column::Slug.eq(slug)).build(backend).sql;
        let Some(tree) = tree else {
            return match evidence {
                Some(_) => format!("{claims} ORDER BY {}", evidence_at + 1),
                None => claims,
            };
        };
        let mut mechanisms = mechanism::Entity::find().select_only().expr(Expr::cust("1"));
        for _ in 1..claim_end {
            mechanisms = mechanisms.expr(Expr::cust("NULL"));
        }
        mechanisms = tree.select(mechanisms);
        if cites {
            mechanisms = mechanisms.column(citation::Column::Position);
        }
        let mechanisms = mechanisms
            .filter(ClaimKeys::Slug(slug).condition(mechanism::Column::ClaimId))
            .build(backend)
            .sql;
        // Positions (from 1): `k`, the evidence id, then the mechanism's rank, the step's position
        // and the citation's position.
        let mut order = vec![1];
        if evidence.is_some() {
            order.push(evidence_at + 1);
        }
        order.push(tree.mechanism + 3);
        if tree.depth >= MechanismDepth::Steps {
            order.push(tree.step + 3);
        }
        if cites {
            order.push(tree_end);
        }
        let order: Vec<String> = order.iter().map(ToString::to_string).collect();
        format!("{claims} UNION ALL {mechanisms} ORDER BY {}", order.join(", "))
    };
    // PostgreSQL numbers its parameters, and both SELECTs name `$1`; SQLite's are positional.
    let backend = db.db.get_database_backend();
    let values = match (tree.is_some(), backend) {
        (true, DbBackend::Postgres) | (false, _) => vec![Value::from(slug)],
        (true, _) => vec![Value::from(slug), Value::from(slug)],
    };
    let mut page: Option<ClaimPage> = None;
    let mut trees = MechanismTrees::default();
    query_sql_rows(db, shape, values, build, |row| {
        if row.get::<i32>(0)? == 1 {
            return match tree {
                Some(tree) => tree.read(&mut trees, row),
                None => Ok(()),
            };
        }
        let page = match &mut page {
            Some(page) => page,
            None => page.insert(ClaimPage {
                claim: decode(row, 1, "")?,
                evidence: evidence.map(|_| Vec::new()),
                mechanisms: None,
            }),
        };
        if let Some(rows) = &mut page.evidence {
            rows.extend(evidence_columns.read(row)?);
        }
        Ok(())
    })
    .await?;
    Ok(page.map(|page| ClaimPage {
        mechanisms: depth.map(|_| trees),
        ..page
    }))
}

/// The distinct studies cited by each claim's mechanism steps (through their DOIs), as
/// `(claim id, study)` by claim and study id, in one statement: what [`StudiesCitedByClaim`] and
/// [`StudyById`] would load in two.
pub async fn load_studies_cited_by_claims(
    db: &Db,
    claims: ClaimKeys<'_>,
) -> Result<Vec<(i32, study::Model)>, DbErr> {
    let build = || {
        columns_of::<study::Entity, _>(
            study::Entity::find()
                .select_only()
                .column_as(mechanism::Column::ClaimId, "claim_id"),
            STUDY,
        )
        .distinct()
        .join(JoinType::InnerJoin, study::Relation::Doi.def())
        .join(JoinType::InnerJoin, doi::Relation::Citation.def())
        .join(JoinType::InnerJoin, citation::Relation::MechanismStep.def())
        .join(JoinType::InnerJoin, mechanism_step::Relation::Mechanism.def())
        .filter(claims.condition(mechanism::Column::ClaimId))
        .order_by_asc(mechanism::Column::ClaimId)
        .order_by_asc(study::Column::Id)
    };
    let mut rows = Vec::new();
    query_rows(
        db,
        Shape::StudiesCited(claims.keyed()),
        claims.values(),
        build,
        |row| {
            rows.push((row.get::<i32>(0)?, decode(row, 1, STUDY)?));
            Ok(())
        },
    )
    .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use entity::values::Stance;

    use super::Column;

    /// Decodes `sql`'s one column of one row with `read`.
    fn decode<T>(sql: &str, read: impl Fn(&rusqlite::Row<'_>) -> T) -> T {
        let connection = rusqlite::Connection::open_in_memory().expect("an in-memory database");
        connection
            .query_row(sql, [], |row| Ok(read(row)))
            .expect("one row")
    }

    #[test]
    fn a_time_reads_as_rusqlite_reads_it_in_every_layout_sqlite_may_hold() {
        let texts = [
            "'2026-01-01T00:00:00+00:00'",
            "'2026-11-29T10:42:37.311832+00:00'",
            "'2026-11-29T10:42:37.123456789Z'",
            "'2026-11-29 10:42:37.5+00:00'",
            "'2026-11-29T12:42:37+02:00'",
            "'2026-11-29 10:42:37'",
            "'2026-11-29T10:42:37.25'",
            "1764412957",
        ];
        for text in texts {
            let sql = format!("SELECT {text}");
            let ours = decode(&sql, |row| DateTime::<Utc>::from_sqlite(row, 0).ok());
            let theirs = decode(&sql, |row| row.get::<_, DateTime<Utc>>(0).ok());
            assert!(ours.is_some(), "{text} reads as a time");
            assert_eq!(ours, theirs, "{text}");
        }
        for bad in ["'not a time'", "NULL", "X'00'"] {
            let sql = format!("SELECT {bad}");
            assert!(
                decode(&sql, |row| DateTime::<Utc>::from_sqlite(row, 0).is_err()),
                "{bad} is an error"
            );
        }
    }

    #[test]
    fn an_enumeration_reads_its_stored_name_and_refuses_anything_else() {
        let read = |sql: &str| decode(sql, |row| Stance::from_sqlite(row, 0));
        assert_eq!(read("SELECT 'CONTRADICTING'").ok(), Some(Stance::Contradicting));
        let optional = |sql: &str| decode(sql, |row| Option::<Stance>::from_sqlite(row, 0));
        assert_eq!(optional("SELECT NULL").ok(), Some(None));
        assert_eq!(
            optional("SELECT 'SUPPORTING'").ok(),
            Some(Some(Stance::Supporting))
        );
        for (bad, says) in [
            ("SELECT 'supporting'", "SUPPORTING"),
            ("SELECT NULL", "is NULL"),
            ("SELECT 3", "not a name"),
            ("SELECT X'ff'", "not a name"),
        ] {
            let error = read(bad).expect_err(bad).to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        assert!(optional("SELECT 'MAYBE'").is_err());
    }
}
