//! Full-text search over the graph, as rules with no database or GraphQL in them: the query syntax
//! ([`query`]), the marking of matches in results ([`highlight`]) and spelling correction
//! ([`spelling`]). The index itself is the database's (SQLite FTS5, PostgreSQL `tsvector`; see the
//! migration `m20261205_000001_create_search_index`), read by [`crate::store::search`].

pub mod highlight;
pub mod query;
pub mod spelling;
