//! Full-text search and suggestions, each in the database's own engine: SQLite FTS5 ranked by
//! BM25, PostgreSQL `tsvector` ranked by `ts_rank_cd`, over the `search_entry` index that triggers
//! keep in step with the graph (migration `m20261205_000001_create_search_index`).
//!
//! Results are ordered by score (higher first), then by kind and row id, and paged by keyset on
//! those three, so a page never repeats or skips a result while the index does not change. A
//! score is the engine's own and compares only within one database.

use sea_orm::sea_query::{Alias, Expr, JoinType, Query, SelectStatement};
use sea_orm::{DbBackend, DbErr, ExprTrait, Statement, Value};

use crate::store::lists::{Direction, Window};
use crate::store::statements::{Cost, run_statement};
use crate::store::{Store, StoreError};

/// The weight of each of an entry's four texts (`a` strongest), as each engine takes them: BM25
/// column weights on SQLite, `ts_rank_cd`'s `{D, C, B, A}` on PostgreSQL.
const SQLITE_WEIGHTS: &str = "10.0, 4.0, 2.0, 1.0";
const POSTGRES_WEIGHTS: &str = "'{0.1, 0.2, 0.4, 1.0}'::float4[]";

/// The most indexed words a spelling correction compares one word with.
const VOCABULARY_CANDIDATES: u64 = 5_000;

// Every LIMIT here is written into the statement's text, not bound: SQLite reads a bound LIMIT's
// value while planning, so each new binding of it expires the prepared statement, and every run
// would parse and plan it again (`sqlite3ExprIsInteger` in `computeLimitRegisters`, 3.51). Limits
// are page sizes, so the statement cache holds a few texts per statement.

/// What a search result is; its code is the index's `kind` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Claim,
    Mechanism,
    Step,
    Study,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Claim, Kind::Mechanism, Kind::Step, Kind::Study];

    /// The `kind` the index stores.
    pub fn code(self) -> i32 {
        match self {
            Kind::Claim => 1,
            Kind::Mechanism => 2,
            Kind::Step => 3,
            Kind::Study => 4,
        }
    }

    pub fn from_code(code: i32) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// A query as each engine reads it (the domain's parser writes both, every word quoted so none is
/// syntax): FTS5's query text, and `tsquery` texts for `to_tsquery`, one over all of an entry's
/// texts and one over its two strongest (a claim's statement and PICO parts, a study's title),
/// which suggestions search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullText {
    pub fts5: String,
    pub tsquery: String,
    pub tsquery_strongest: String,
}

/// Narrows a search.
#[derive(Clone, Debug)]
pub struct SearchScope {
    /// The kinds of node wanted; never empty.
    pub kinds: Vec<Kind>,
    /// Only the nodes of one claim's page (the claim, its mechanisms and steps).
    pub claim_id: Option<i32>,
}

/// One result: which node, the claim whose page shows it (none for a study), and its score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub node_id: i32,
    pub claim_id: Option<i32>,
    pub score: f64,
}

/// A result's place in the order: what a cursor holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HitKey {
    pub score: f64,
    pub kind: i32,
    pub node_id: i32,
}

impl Hit {
    pub fn key(&self) -> HitKey {
        HitKey {
            score: self.score,
            kind: self.kind.code(),
            node_id: self.node_id,
        }
    }
}

/// The ids of the claims `text` finds (the first [`MAX_RANKED`] in the index's order, as
/// [`claims_ranked`] ranks them), as a subquery for `claims(filter: {search})`.
pub(super) fn claims_matching(backend: DbBackend, text: &FullText) -> SelectStatement {
    let mut select = Query::select();
    select
        .column(Alias::new("node_id"))
        .from_subquery(claims_ranked(backend, text), Alias::new("ranked"));
    select
}

/// The claims `text` finds, the first [`MAX_RANKED`] in the index's order, with their scores
/// (the same as `search` gives them), as a subquery of `node_id` and `score`.
pub(super) fn claims_ranked(backend: DbBackend, text: &FullText) -> SelectStatement {
    let mut candidates = Query::select();
    let mut select = Query::select();
    match backend {
        DbBackend::Postgres => {
            // sea-query numbers a custom expression's own `$1` after the statement's other values.
            candidates
                .columns([Alias::new("node_id"), Alias::new("document")])
                .from(Alias::new("search_entry"))
                .and_where(Expr::col(Alias::new("kind")).eq(Kind::Claim.code()))
                .and_where(Expr::cust_with_values(
                    "document @@ to_tsquery('english'::regconfig, $1)",
                    [text.tsquery.clone()],
                ))
                .limit(MAX_RANKED as u64);
            select
                .column(Alias::new("node_id"))
                .expr_as(
                    Expr::cust_with_values(
                        format!(
                            "ts_rank_cd({POSTGRES_WEIGHTS}, document, to_tsquery('english'::regconfig, $1), 1)::float8"
                        ),
                        [text.tsquery.clone()],
                    ),
                    Alias::new("score"),
                )
                .from_subquery(candidates, Alias::new("candidates"));
        }
        _ => {
            candidates
                .expr_as(Expr::cust("rowid"), Alias::new("id"))
                .expr_as(
                    Expr::cust(format!("-bm25(search_fts, {SQLITE_WEIGHTS})")),
                    Alias::new("score"),
                )
                .from(Alias::new("search_fts"))
                .and_where(Expr::cust_with_values("search_fts MATCH ?", [text.fts5.clone()]))
                .and_where(Expr::cust(format!("kind = {}", Kind::Claim.code())))
                .limit(MAX_RANKED as u64);
            // CROSS JOIN keeps the capped matches the outer loop (sea-query writes no ON for it:
            // the join's condition is in WHERE).
            select
                .expr_as(Expr::cust("e.node_id"), Alias::new("node_id"))
                .expr_as(Expr::cust("m.score"), Alias::new("score"))
                .from_subquery(candidates, Alias::new("m"))
                .join_as(
                    JoinType::CrossJoin,
                    Alias::new("search_entry"),
                    Alias::new("e"),
                    Expr::cust("TRUE"),
                )
                .and_where(Expr::cust("e.id = m.id"));
        }
    }
    select
}

/// Numbered (`$1`) or plain (`?`) placeholders, with their values.
struct Binds {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Binds {
    fn new(backend: DbBackend) -> Self {
        Binds {
            backend,
            values: Vec::new(),
        }
    }

    fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
}

/// The most matches one search ranks (or a claim filter takes): the first the index yields. A
/// query that matches more (a single common word over a large graph) is ranked among these,
/// so that no search costs more than ranking this many entries; `SearchConnection.truncated`
/// says when it happened.
pub const MAX_RANKED: usize = 10_000;

/// The matching entries of `query` in `scope`, at most `cap` of them in the index's order, as a
/// statement whose columns are `kind`, `node_id`, `claim_id` and, when `scored`, `score`. The
/// kinds and the claim are filtered while the matches are read, so the cap counts wanted
/// entries only.
fn matches(binds: &mut Binds, query: &FullText, scope: &SearchScope, scored: bool, cap: usize) -> String {
    let mut filters = String::new();
    let postgres = binds.backend == DbBackend::Postgres;
    let text = binds.push(if postgres {
        query.tsquery.clone()
    } else {
        query.fts5.clone()
    });
    if scope.kinds.len() < Kind::ALL.len() {
        let codes: Vec<String> = scope.kinds.iter().map(|kind| kind.code().to_string()).collect();
        filters.push_str(&format!(" AND kind IN ({})", codes.join(", ")));
    }
    if let Some(claim) = scope.claim_id {
        let claim = binds.push(claim);
        filters.push_str(&format!(" AND claim_id = {claim}"));
    }
    if postgres {
        let score = if scored {
            format!(", ts_rank_cd({POSTGRES_WEIGHTS}, c.document, q, 1)::float8 AS score")
        } else {
            String::new()
        };
        format!(
            "SELECT c.kind::int4 AS kind, c.node_id, c.claim_id{score} \
             FROM to_tsquery('english'::regconfig, {text}) AS q, LATERAL \
               (SELECT kind, node_id, claim_id, document FROM search_entry \
                WHERE document @@ q{filters} LIMIT {cap}) AS c"
        )
    } else {
        let (score, outer) = if scored {
            (
                format!(", -bm25(search_fts, {SQLITE_WEIGHTS}) AS score"),
                ", m.score AS score",
            )
        } else {
            (String::new(), "")
        };
        // The matches are read capped, then each looked up once in search_entry (CROSS JOIN keeps
        // that order).
        format!(
            "SELECT e.kind AS kind, e.node_id AS node_id, e.claim_id AS claim_id{outer} \
             FROM (SELECT rowid AS id{score} FROM search_fts \
                   WHERE search_fts MATCH {text}{filters} LIMIT {cap}) AS m \
             CROSS JOIN search_entry e ON e.id = m.id"
        )
    }
}

/// The condition "comes after `key`" (`later`) or "comes before" in the order score descending,
/// kind, node id. Each placeholder binds a value of its own (SQLite's `?` are positional).
fn beyond(binds: &mut Binds, key: HitKey, later: bool) -> String {
    let (worse, after) = if later { ("<", ">") } else { (">", "<") };
    let score_beyond = binds.push(key.score);
    let score_tied = binds.push(key.score);
    let kind_beyond = binds.push(key.kind);
    let kind_tied = binds.push(key.kind);
    let node = binds.push(key.node_id);
    format!(
        "(score {worse} {score_beyond} OR (score = {score_tied} AND \
         (kind {after} {kind_beyond} OR (kind = {kind_tied} AND node_id {after} {node}))))"
    )
}

impl Store {
    /// A page of `query`'s results in `scope`; a row past the page says whether more follow.
    pub async fn search_page(
        &self,
        query: &FullText,
        scope: &SearchScope,
        window: &Window<HitKey>,
    ) -> Result<(Vec<Hit>, bool), StoreError> {
        let mut binds = Binds::new(self.backend());
        let inner = matches(&mut binds, query, scope, true, MAX_RANKED);
        let mut bounds = Vec::new();
        if let Some(after) = window.after {
            bounds.push(beyond(&mut binds, after, true));
        }
        if let Some(before) = window.before {
            bounds.push(beyond(&mut binds, before, false));
        }
        let forward = window.direction == Direction::Forward;
        let order = if forward {
            "score DESC, kind, node_id"
        } else {
            "score, kind DESC, node_id DESC"
        };
        let filter = if bounds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", bounds.join(" AND "))
        };
        let limit = window.limit + 1;
        let sql = format!(
            "SELECT kind, node_id, claim_id, score FROM ({inner}) hits{filter} ORDER BY {order} LIMIT {limit}"
        );
        let statement = Statement::from_sql_and_values(self.backend(), sql, binds.values);
        let mut hits = run_statement(self, statement, Cost::MayScan, |row| {
            let code: i32 = row.get(0)?;
            Ok(Hit {
                kind: Kind::from_code(code).ok_or_else(|| DbErr::Type(format!("no search kind {code}")))?,
                node_id: row.get(1)?,
                claim_id: row.get(2)?,
                score: row.get(3)?,
            })
        })
        .await?;
        let more = hits.len() > window.limit;
        hits.truncate(window.limit);
        if !forward {
            hits.reverse();
        }
        Ok((hits, more))
    }

    /// How many results `query` has in `scope`, counted up to [`MAX_RANKED`] (the most a search
    /// ranks, and so pages through), and whether it has more.
    pub async fn search_count(
        &self,
        query: &FullText,
        scope: &SearchScope,
    ) -> Result<(u64, bool), StoreError> {
        let mut binds = Binds::new(self.backend());
        let inner = matches(&mut binds, query, scope, false, MAX_RANKED + 1);
        let sql = format!("SELECT COUNT(*) FROM ({inner}) hits");
        let statement = Statement::from_sql_and_values(self.backend(), sql, binds.values);
        let counts = run_statement(self, statement, Cost::MayScan, |row| row.get::<i64>(0)).await?;
        let count = counts.first().copied().unwrap_or(0);
        let count = u64::try_from(count).map_err(|_| DbErr::Type(format!("a count of {count} results")))?;
        Ok((std::cmp::min(count, MAX_RANKED as u64), count > MAX_RANKED as u64))
    }

    /// The indexed words (lower-cased, as written) that start with `first` and are `min` to `max`
    /// characters long: the candidates a misspelt word is compared with.
    pub async fn search_vocabulary(
        &self,
        first: char,
        min: usize,
        max: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut binds = Binds::new(self.backend());
        let next = char::from_u32(first as u32 + 1).unwrap_or(char::MAX);
        let (from, to) = (binds.push(first.to_string()), binds.push(next.to_string()));
        let (min, max) = (binds.push(min as i64), binds.push(max as i64));
        let sql = match self.backend() {
            DbBackend::Postgres => format!(
                "SELECT word FROM search_word WHERE word >= {from} AND word < {to} \
                 AND length(word) BETWEEN {min} AND {max} ORDER BY word LIMIT {VOCABULARY_CANDIDATES}"
            ),
            _ => format!(
                "SELECT term FROM search_vocab WHERE term >= {from} AND term < {to} \
                 AND length(term) BETWEEN {min} AND {max} ORDER BY term LIMIT {VOCABULARY_CANDIDATES}"
            ),
        };
        let statement = Statement::from_sql_and_values(self.backend(), sql, binds.values);
        run_statement(self, statement, Cost::MayScan, |row| row.get::<String>(0)).await
    }

    /// Up to `limit` claims whose statement, then studies whose title, starts with `folded` (a
    /// prefix folded by [`entity::values::fold`]), each in the order of its folded text: index
    /// ranges, no scan.
    pub async fn suggest_by_start(&self, folded: &str, limit: usize) -> Result<Vec<(Kind, i32)>, StoreError> {
        let mut found = Vec::new();
        for (kind, table, column) in [
            (Kind::Claim, "claim", "statement_folded"),
            (Kind::Study, "study", "title_folded"),
        ] {
            let wanted = limit - found.len();
            if wanted == 0 {
                break;
            }
            let mut binds = Binds::new(self.backend());
            let from = binds.push(folded.to_owned());
            let to = binds.push(format!("{folded}{}", char::MAX));
            let limit = wanted;
            let collate = match self.backend() {
                DbBackend::Postgres => " COLLATE \"C\"",
                _ => "",
            };
            let sql = format!(
                "SELECT id FROM {table} WHERE {column}{collate} >= {from} AND {column}{collate} < {to} \
                 ORDER BY {column}{collate}, id LIMIT {limit}"
            );
            let statement = Statement::from_sql_and_values(self.backend(), sql, binds.values);
            let ids = run_statement(self, statement, Cost::Indexed, |row| row.get::<i32>(0)).await?;
            found.extend(ids.into_iter().map(|id| (kind, id)));
        }
        Ok(found)
    }

    /// Up to `limit` claims and studies with a word in their statement, PICO or title that
    /// `query` matches, in index order (unranked: this is for a search box, on every keystroke).
    pub async fn suggest_by_word(
        &self,
        query: &FullText,
        limit: usize,
    ) -> Result<Vec<(Kind, i32)>, StoreError> {
        let mut binds = Binds::new(self.backend());
        let sql = match self.backend() {
            DbBackend::Postgres => {
                let text = binds.push(query.tsquery_strongest.clone());
                format!(
                    "SELECT e.kind::int4, e.node_id FROM search_entry e \
                     WHERE e.document @@ to_tsquery('english'::regconfig, {text}) AND e.kind IN (1, 4) \
                     ORDER BY e.kind, e.node_id LIMIT {limit}"
                )
            }
            _ => {
                let text = binds.push(format!("{{a b}} : ({})", query.fts5));
                format!(
                    "SELECT e.kind, e.node_id FROM search_fts CROSS JOIN search_entry e ON e.id = search_fts.rowid \
                     WHERE search_fts MATCH {text} AND search_fts.kind IN (1, 4) LIMIT {limit}"
                )
            }
        };
        let statement = Statement::from_sql_and_values(self.backend(), sql, binds.values);
        run_statement(self, statement, Cost::MayScan, |row| {
            let code: i32 = row.get(0)?;
            let kind = Kind::from_code(code).ok_or_else(|| DbErr::Type(format!("no search kind {code}")))?;
            Ok((kind, row.get::<i32>(1)?))
        })
        .await
    }
}

/// Refills the search index from the graph's tables, in one transaction: what `claimgraph
/// search-index rebuild` runs, telling `report` how many entries of each kind it wrote (claims,
/// mechanisms, steps, studies) as it goes. Idempotent; returns how many entries the index holds.
pub async fn rebuild(
    db: &sea_orm::DatabaseConnection,
    mut report: impl FnMut(&str, u64),
) -> Result<u64, StoreError> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    txn.execute_unprepared("DELETE FROM search_entry").await?;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("DELETE FROM search_word").await?;
    }
    let mut entries = 0;
    for (kind, name) in [
        (Kind::Claim, "claims"),
        (Kind::Mechanism, "mechanisms"),
        (Kind::Step, "steps"),
        (Kind::Study, "studies"),
    ] {
        let inserted = txn
            .execute_unprepared(&format!(
                "INSERT INTO search_entry (kind, node_id, claim_id, a, b, c, d) \
                 SELECT kind, node_id, claim_id, a, b, c, d FROM search_source WHERE kind = {}",
                kind.code()
            ))
            .await?
            .rows_affected();
        report(name, inserted);
        entries += inserted;
    }
    if backend == DbBackend::Sqlite {
        txn.execute_unprepared("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            .await?;
        txn.execute_unprepared("INSERT INTO search_words (search_words) VALUES ('optimize')")
            .await?;
    }
    txn.commit().await?;
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ranked_subquery_numbers_its_postgresql_values_in_order() {
        let text = FullText {
            fts5: "\"x\"".into(),
            tsquery: "'x'".into(),
            tsquery_strongest: "'x':AB".into(),
        };
        let ranked = DbBackend::Postgres.build(&claims_ranked(DbBackend::Postgres, &text));
        assert_eq!(
            ranked.values.map(|v| v.0.len()),
            Some(4),
            "rank, kind, match, limit"
        );
        let (rank, kind, matched) = (
            ranked.sql.find("regconfig, $1"),
            ranked.sql.find("= $2"),
            ranked.sql.find("regconfig, $3"),
        );
        assert!(rank < kind && kind < matched && rank.is_some(), "{}", ranked.sql);
        let sqlite = DbBackend::Sqlite.build(&claims_matching(DbBackend::Sqlite, &text));
        assert_eq!(sqlite.sql.matches('?').count(), 2, "{}", sqlite.sql);
    }
}
