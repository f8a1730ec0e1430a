//! Rules and queries over the entities, with no GraphQL in sight, so they can be tested and reused
//! (by the CLI, the seed loader, and later the write path) on their own.
//!
//! - [`evidence_needs`]: the gold-standard evidence ladder computed from a claim's PICO.
//! - [`generate`]: a deterministic synthetic graph of N claims, bulk-written, for benchmarks.
//! - [`seed`]: loading validated seed files into the database, idempotently, in one transaction.

pub mod evidence_needs;
pub mod generate;
pub mod seed;
