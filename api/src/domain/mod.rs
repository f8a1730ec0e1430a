//! Rules and queries over the entities, with no GraphQL in sight, so they can be tested and reused
//! (by the CLI, the seed loader and the GraphQL mutations) on their own.
//!
//! - [`accounts`]: users and their hashed API tokens.
//! - [`caller`]: who sent a request, as a writer and as a reader.
//! - [`evidence_needs`]: the gold-standard evidence ladder computed from a claim's PICO.
//! - [`search`]: the search query syntax, highlighting and spelling correction.
//! - [`seed`]: loading validated seed files into the database, idempotently, in one transaction.
//! - [`visibility`]: who may see which contributions, events and users, as SQL conditions the reads
//!   apply.
//! - [`write`](mod@write): the one write path: every change, its checks (the list caps among them),
//!   versions, events and review, and the gate writes from the API pass to take turns.

pub mod accounts;
pub mod caller;
pub mod evidence_needs;
pub mod search;
pub mod seed;
pub mod visibility;
pub mod write;
