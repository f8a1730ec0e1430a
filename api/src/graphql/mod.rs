//! The GraphQL schema and the engine that runs it.
//!
//! Resolvers only speak the schema: they decode arguments, ask the per-request DataLoader over the
//! [`crate::store::Store`] for rows (`context`, `loaders`), and wrap rows in the types of `types`
//! (one per file); no SQL is written here. Every relation goes through a loader, so a page costs
//! the same number of SQL statements for 1 claim as for 50. Mutations turn their input into a
//! `domain::write` change and hand it over. A claim page query seen before skips the resolvers
//! altogether: `compiled` answers it from the same statements' rows (see `document_cache` for
//! when). The modules form no cycle (tests/suite/layers.rs): `engine` above `document_cache`,
//! above `compiled`, above the roots (`query`, `mutation`), above `types`, above `connection`,
//! `context` and `loaders`.

pub mod compiled;
pub mod completion;
pub mod connection;
pub mod context;
pub mod document_cache;
pub mod engine;
pub mod enums;
pub mod ids;
pub mod inputs;
pub mod json;
pub mod limits;
pub(crate) mod list_args;
pub mod loaders;
mod mutation;
pub mod nesting;
pub mod operation;
mod prefetch;
mod query;
pub mod rate_limit;
pub mod search;
mod types;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};

use std::sync::Arc;

pub use crate::domain::caller::Caller;
use crate::domain::write::gate::WriteGate;
pub use context::{RequestLoader, request_loader};
pub use mutation::Mutation;
pub use query::Query;
pub use types::{Claim, Doi, Evidence, Mechanism, MechanismStep, Node, Study};

/// The executable schema.
pub type ClaimgraphSchema = Schema<Query, Mutation, EmptySubscription>;

/// How the schema is built: its limits and the switches a production deployment may turn.
#[derive(Clone, Debug)]
pub struct SchemaOptions {
    pub limits: limits::Limits,
    /// Whether `__schema` and `__type` answer. On by default: this is a public API, and GraphiQL
    /// and code generators need it.
    pub introspection: bool,
    /// Whether validation errors suggest field names ("did you mean ...?").
    pub suggestions: bool,
    /// Whether queries validated before are answered from their rows without the executor, where
    /// [`compiled`] plans them. On by default; off runs every request on the executor.
    pub compiled_pages: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        SchemaOptions {
            limits: limits::Limits::default(),
            introspection: true,
            suggestions: true,
            compiled_pages: true,
        }
    }
}

/// Builds the schema with the default options (and a gate of its own, as for printing the SDL).
pub fn build_schema() -> ClaimgraphSchema {
    build_schema_with(SchemaOptions::default(), Arc::default())
}

/// Builds the schema, whose writes pass `writes` (shared with the prevalidated schema of the same
/// app). Request-scoped data (the loader) is added per request, never here: a loader in the
/// schema's data would batch and cache across users.
pub fn build_schema_with(options: SchemaOptions, writes: Arc<WriteGate>) -> ClaimgraphSchema {
    let builder = Schema::build(Query, Mutation::default(), EmptySubscription)
        // First, so it wraps the limits: only a document within them is charged its cost.
        .extension(rate_limit::ChargeRateLimit)
        .extension(limits::QueryLimits(std::sync::Arc::new(options.limits.clone())))
        // Directives repeated on one field; the document-wide count is in `limits`.
        .limit_directives(10)
        .data(writes);
    with_switches(builder, &options).finish()
}

/// Builds the schema that runs requests already validated: the same types and switches as
/// [`build_schema_with`], without the validation rules (`ValidationMode::Fast` keeps only the walk
/// that prices the query) and without extensions, so that each field resolves directly rather than
/// through the extension chain. Only the handler uses it, for a request that
/// [`document_cache::DocumentCache::prepare`] found validated and that it has charged itself.
pub fn build_prevalidated_schema(options: &SchemaOptions, writes: Arc<WriteGate>) -> ClaimgraphSchema {
    let builder = Schema::build(Query, Mutation::default(), EmptySubscription)
        .validation_mode(async_graphql::ValidationMode::Fast)
        .limit_directives(10)
        .data(writes);
    with_switches(builder, options).finish()
}

/// Applies the switches both schemas share.
fn with_switches(
    mut builder: SchemaBuilder<Query, Mutation, EmptySubscription>,
    options: &SchemaOptions,
) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    if !options.suggestions {
        builder = builder.disable_suggestions();
    }
    builder
}
