//! claimgraph's integration suite: one binary, a module per feature, each test on a database of its
//! own (see the `tests` crate's harness). SQLite by default; PostgreSQL with `TEST_DATABASE_URL`.

mod claim_page;
mod compiled;
mod conformance;
mod connections;
mod contributions;
mod errors;
mod explain;
mod from_doi;
mod generate;
mod http;
mod inline_reads;
mod limits;
mod migrations;
mod nodes;
mod pagination;
mod persisted_queries;
mod production;
mod rate_limits;
mod readiness;
mod schema;
mod seeding;
mod statements;
mod trusted_documents;
mod validation_reuse;
