//! claimgraph's integration suite: one binary, a module per feature, each test on a database of its
//! own (see the `tests` crate's harness). SQLite by default; PostgreSQL with `TEST_DATABASE_URL`.

mod browsing;
mod caching;
mod claim_page;
mod compiled;
mod conformance;
mod connections;
mod contributions;
mod errors;
mod explain;
mod field_errors;
mod from_doi;
mod generate;
mod graphiql_examples;
mod http;
mod inline_reads;
mod inputs;
mod layers;
mod limits;
mod list_inputs;
mod migrations;
mod nesting;
mod nodes;
mod pagination;
mod persisted_queries;
mod plans;
mod privacy;
mod production;
mod rate_limits;
mod readiness;
mod schema;
mod seeding;
mod statements;
mod trusted_documents;
mod unicode_filters;
mod validation_reuse;
