//! claimgraph: scientific evidence as a linked graph (claims, mechanisms, steps, DOIs, studies and
//! evidence), served over GraphQL.
//!
//! The binary (`main.rs`) is a thin shell over this library, so tests build exactly the app it
//! serves. Arrows point down this list, never up:
//!
//! - [`config`]: the one typed configuration, from flags and `CLAIMGRAPH_*` variables.
//! - [`http`]: routes (`/graphql`, `/graphiql`, `/health`), the GraphQL handler and its layers, one
//!   file per step of a request (negotiation, admission, request reading, refusals, responses), the
//!   documents requests can name by hash (persisted queries, trusted documents), and the server
//!   loop that bounds slow and idle connections and their number (`http::serve`).
//! - [`graphql`]: the schema: one type per file, the query and mutation roots, per-request loaders,
//!   global IDs, Relay connections, and who the caller is; the claim page queries compiled to be
//!   answered from their rows without the executor, and responses written as JSON.
//! - [`domain`]: rules over the entities with no GraphQL in them: the evidence ladder, seed loading,
//!   accounts and tokens, and the one write path (checks, versions, events, review).
//! - [`error`]: the error type and its single mapping to GraphQL `extensions.code`.
//! - [`rate_limit`]: each client's budget of query-cost points per window, kept in memory; the
//!   handler chooses the client, the schema charges the cost.
//! - [`store`]: every SQL statement the server reads with and every row decoder: batched look-ups,
//!   joined statements for whole pages, list pages by keyset, and the connections a claim page's
//!   statements run on beside SeaORM's pool.
//! - [`db`]: connecting and migrating.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod rate_limit;
pub mod store;

pub use graphql::build_schema;
pub use http::{AppState, build_app};
