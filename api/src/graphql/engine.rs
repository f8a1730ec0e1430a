//! The engine: everything between a GraphQL request whose document is known and its answer, behind
//! one [`Engine::execute`]. It owns the schema (and its twin for documents validated before), the
//! document cache, the schema's types, and the connections a request's loader reads through.
//!
//! A request goes: the text's nesting measured before anything parses it ([`super::nesting`]), the
//! document parsed once and kept ([`super::document_cache`]), a GET's operation checked to be a
//! query, the variables coerced ([`super::inputs`]); then either a compiled query, answered for the
//! caller's viewer ([`super::compiled`]), or the executor with a fresh loader; then every error given its code and
//! the answer's nulls placed as the spec says ([`super::completion`]). The engine answers with an
//! [`Outcome`] in its own terms; `http/` turns it into a status, headers and a body.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ServerError, Variables};

use super::compiled::CompiledQuery;
use super::document_cache::{DocumentCache, Preparation, ValidationRecord, missing_variable};
use super::inputs::{InputError, InputTypes};
use super::nesting::{self, TooDeep};
use super::{
    Caller, ClaimgraphSchema, SchemaOptions, build_prevalidated_schema, build_schema_with, completion,
    request_loader,
};
use crate::domain::visibility::Viewer;
use crate::domain::write::gate::WriteGate;
use crate::error::ErrorCode;
use crate::rate_limit::{RateCharge, RateSnapshot, cost_of_complexity};
use crate::store::Store;
use crate::store::reads::StatementObserver;

/// The schema and everything a request needs to run on it.
pub struct Engine {
    schema: ClaimgraphSchema,
    /// The same schema for requests whose validation is known (see [`build_prevalidated_schema`]).
    prevalidated: ClaimgraphSchema,
    /// Parsed documents, so that a repeated query is not parsed (or validated) again.
    documents: DocumentCache,
    /// The schema's types, which variables are coerced against and field errors placed by.
    types: InputTypes,
    /// Where every request's reads go (see [`crate::store`]).
    store: Store,
    /// The longest a request may run; past it the answer is [`Outcome::TimedOut`].
    timeout: Duration,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What a request brings besides its document: who is calling and how it arrived.
#[derive(Debug)]
pub struct Context<'a> {
    pub caller: Caller,
    /// A GET: only queries may run.
    pub queries_only: bool,
    /// The rate-limit account the document's cost is charged to; `None` when rate limits are off.
    pub charge: Option<Arc<RateCharge>>,
    /// Named in an internal error, so the client can report it and an operator find its cause.
    pub request_id: Option<&'a str>,
}

/// How a request ended.
#[derive(Debug)]
pub struct Execution {
    /// The operation's name, when the request gives one or the document has one named operation.
    pub operation: Option<String>,
    /// Whether the document parsed (only such a text is worth keeping under a hash).
    pub parsed: bool,
    pub outcome: Outcome,
}

/// The answer, in the engine's terms.
#[derive(Debug)]
pub enum Outcome {
    /// Refused before anything ran.
    Refused(Refused),
    /// The document costs more than the caller's budget has left; nothing ran.
    OverBudget {
        snapshot: RateSnapshot,
        cost: u64,
        left: u64,
    },
    /// Answered from a compiled query: the whole response body, `{"data": …}`, and whether it
    /// may be public (else it is the caller's alone).
    Compiled { body: Vec<u8>, public: bool },
    /// Answered by the executor: every error has its code, and `data` its nulls in place.
    Executed(async_graphql::Response),
    /// Stopped at the request timeout.
    TimedOut(Duration),
}

/// Why a request was refused before execution.
#[derive(Debug)]
pub enum Refused {
    /// The text or a JSON value nests deeper than the parser may read.
    TooDeep(TooDeep),
    /// A GET whose operation is not a query.
    NotAQuery(OperationType),
    /// A required variable the request does not send: its name with `$`, and its type.
    MissingVariable(String, String),
    /// A variable that does not fit its type, a NUL in a text.
    Input(InputError),
}

impl Engine {
    /// The engine over `store` with the schema built from `options`.
    pub fn new(store: Store, options: SchemaOptions, timeout: Duration) -> Self {
        let writes = Arc::new(WriteGate::for_database(store.connection()));
        Engine {
            documents: DocumentCache::new(options.limits.max_query_bytes, options.compiled_pages),
            prevalidated: build_prevalidated_schema(&options, writes.clone()),
            schema: build_schema_with(options, writes),
            types: InputTypes::of_schema(),
            store,
            timeout,
        }
    }

    /// The same engine, calling `observer` with each statement its store's read connections run:
    /// for tests that count statements.
    pub fn observe_statements(&mut self, observer: StatementObserver) {
        self.store = self.store.clone().observed(observer);
    }

    /// Requests that ran on an earlier request's validation, for `/metrics`.
    pub fn validations_reused(&self) -> u64 {
        self.documents.validations_reused()
    }

    /// The longest a request may run.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs one request, its document's text in `request.query`.
    pub async fn execute(&self, mut request: async_graphql::Request, context: Context<'_>) -> Execution {
        let operation = request.operation_name.clone();
        let refused = |outcome: Refused, parsed| Execution {
            operation: operation.clone(),
            parsed,
            outcome: Outcome::Refused(outcome),
        };
        // Before anything parses the document: the parser recurses once per level.
        if let Err(deep) = nesting::check_document(&request.query) {
            return refused(Refused::TooDeep(deep), false);
        }
        let preparation = self.documents.prepare(&mut request);
        let parsed = preparation.is_parsed();
        // A document too long or broken to parse is left to the limits and execution to refuse.
        if parsed {
            if context.queries_only
                && let Some(operation @ (OperationType::Mutation | OperationType::Subscription)) =
                    operation_type(&mut request)
            {
                return refused(Refused::NotAQuery(operation), parsed);
            }
            if let Some((name, ty)) = missing_variable(&mut request) {
                return refused(Refused::MissingVariable(name, ty), parsed);
            }
            if let Err(error) = self.check_inputs(&mut request) {
                return refused(Refused::Input(error), parsed);
            }
        }
        let operation = operation.or_else(|| {
            if parsed {
                sole_operation_name(&mut request)
            } else {
                None
            }
        });
        let viewer = context.caller.viewer();
        let outcome = self
            .run(
                request.data(context.caller),
                preparation,
                &viewer,
                context.charge,
                context.request_id,
            )
            .await;
        Execution {
            operation,
            parsed,
            outcome,
        }
    }

    /// Coerces the request's variables and checks its literals (see [`super::inputs`]).
    fn check_inputs(&self, request: &mut async_graphql::Request) -> Result<(), InputError> {
        if request.parsed_query().is_err() {
            return Ok(());
        }
        // Taken out for the check (the parse, kept in the request, is borrowed from it), then back.
        let variables = std::mem::take(&mut request.variables);
        let text = std::mem::take(&mut request.query);
        let operation = request.operation_name.clone();
        let checked = match request.parsed_query() {
            Ok(document) => self
                .types
                .check(document, operation.as_deref(), &variables, &text),
            Err(_) => Ok(()),
        };
        request.variables = variables;
        request.query = text;
        checked
    }

    /// Answers from the compiled page or the executor. A document parsed for this request is kept
    /// for the next ones if it ran.
    async fn run(
        &self,
        request: async_graphql::Request,
        preparation: Preparation,
        viewer: &Viewer,
        charge: Option<Arc<RateCharge>>,
        request_id: Option<&str>,
    ) -> Outcome {
        let mut request = request;
        if let Preparation::Validated { complexity, compiled } = &preparation {
            // Priced before: charged here as validation would have charged it, and refused alike.
            if let Some(charge) = &charge {
                charge.charge_document(cost_of_complexity(*complexity));
            }
            if let Some(over) = over_budget(charge.as_deref()) {
                return over;
            }
            if let Some(page) = compiled
                && let Some(outcome) = self.answer_compiled(page, viewer, &request.variables).await
            {
                return outcome;
            }
        }
        // A loader in the schema's data would batch and cache across users: one per request.
        request = request.data(request_loader(self.store.clone()));
        if let Some(charge) = &charge {
            request = request.data(charge.clone());
        }
        let record = preparation
            .keeps_validation()
            .then(|| Arc::new(ValidationRecord::default()));
        if let Some(record) = &record {
            request = request.data(record.clone());
        }
        let schema = match preparation {
            Preparation::Validated { .. } => &self.prevalidated,
            _ => &self.schema,
        };
        // Kept to place the response's nulls (see `complete`): execution takes the request, parse
        // and all.
        let text = request.query.clone();
        let operation_name = request.operation_name.clone();
        let Ok(mut response) = tokio::time::timeout(self.timeout, schema.execute(request)).await else {
            // Dropping the execution cancels it; PostgreSQL's statement timeout bounds the database.
            return Outcome::TimedOut(self.timeout);
        };
        // Priced over the client's budget during validation: nothing ran.
        if let Some(over) = over_budget(charge.as_deref()) {
            return over;
        }
        let passed = record.and_then(|record| record.verdict());
        let request_error = is_request_error(&response);
        match preparation {
            Preparation::Parsed {
                fresh: Some(fresh),
                key,
            } if !request_error => self.documents.keep(fresh, key.zip(passed)),
            Preparation::Reused { key: Some(key) } => {
                if let Some(verdict) = passed {
                    self.documents.keep_validation(key, verdict);
                }
            }
            _ => {}
        }
        for error in &mut response.errors {
            classify(error);
            if let Some(id) = request_id {
                mark_internal(error, id);
            }
        }
        self.complete(&text, operation_name.as_deref(), &mut response);
        Outcome::Executed(response)
    }

    /// Answers from the compiled query; `None` when the executor should answer: the page's
    /// rows do not hold the answer (a branch not read whole, an argument that does not fit), or the
    /// database failed (the executor then reports it with its errors).
    async fn answer_compiled(
        &self,
        page: &CompiledQuery,
        viewer: &Viewer,
        variables: &Variables,
    ) -> Option<Outcome> {
        /// The buffer a compiled page's body starts at: a claim page is about 15 KB.
        const BODY_BYTES: usize = 16 * 1024;
        let mut body = Vec::with_capacity(BODY_BYTES);
        body.extend_from_slice(b"{\"data\":");
        match tokio::time::timeout(
            self.timeout,
            page.answer(&self.store, viewer, variables, &mut body),
        )
        .await
        {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => return None,
            Ok(Err(err)) => {
                tracing::debug!(error.cause = ?err, "a compiled page left to the executor");
                return None;
            }
            Err(_) => return Some(Outcome::TimedOut(self.timeout)),
        }
        body.push(b'}');
        Some(Outcome::Compiled {
            body,
            public: page.is_public(),
        })
    }

    /// Makes an executed response's `data` what the GraphQL spec says it is, where async-graphql's
    /// differs (see [`completion`]): only a response with a field error, an empty root, or several
    /// root fields (written in the order they finished) can differ, so only those parse again.
    fn complete(&self, text: &str, operation_name: Option<&str>, response: &mut async_graphql::Response) {
        let may_differ = match &response.data {
            async_graphql::Value::Object(root) => root.len() > 1 || !response.errors.is_empty(),
            async_graphql::Value::Null => !is_request_error(response),
            _ => false,
        };
        if !may_differ {
            return;
        }
        if let Ok(document) = async_graphql::parser::parse_query(text) {
            completion::complete(self.types.registry(), &document, operation_name, response);
        }
    }
}

/// The refusal of a request priced over its client's budget, once its charge says so.
fn over_budget(charge: Option<&RateCharge>) -> Option<Outcome> {
    let settlement = charge?.settlement()?;
    let left = settlement.over_budget?;
    Some(Outcome::OverBudget {
        snapshot: settlement.snapshot,
        cost: settlement.cost,
        left,
    })
}

/// Whether a response failed before execution: no `data`, and only errors without a path (the
/// document did not parse or validate, or the variables did not fit it).
pub fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The name of the document's only operation, when it has exactly one and it is named. The parse
/// is kept in the request, so execution does not parse again.
fn sole_operation_name(request: &mut async_graphql::Request) -> Option<String> {
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.to_string())
        }
        _ => None,
    }
}

/// An internal error names the request id, so a client can report it and an operator find the one
/// log line with its cause (logged inside the request's span, which carries the same id).
fn mark_internal(error: &mut ServerError, request_id: &str) {
    let Some(extensions) = error.extensions.as_mut() else {
        return;
    };
    let internal = ErrorCode::InternalServerError.as_str();
    if extensions
        .get("code")
        .is_some_and(|code| *code == async_graphql::Value::from(internal))
    {
        extensions.set("requestId", request_id);
    }
}

/// Gives every error an `extensions.code`. Our resolvers set theirs; what is left comes from
/// async-graphql before execution: a document that does not parse, or one that fails validation
/// (unknown fields, wrong argument types).
fn classify(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_some() {
        return;
    }
    let code = if !error.path.is_empty() {
        // A resolver error that bypassed `ApiError`: never show its text, but log it (in the
        // request's span, so with its id) as `ApiError` logs an internal cause.
        tracing::error!(
            error.code = ErrorCode::InternalServerError.as_str(),
            error.cause = %error.message,
            graphql.path = ?error.path,
            "request failed"
        );
        error.message = crate::error::INTERNAL_MESSAGE.to_owned();
        ErrorCode::InternalServerError
    } else if error.message.trim_start().starts_with("-->") {
        ErrorCode::GraphqlParseFailed
    } else {
        ErrorCode::GraphqlValidationFailed
    };
    extensions.set("code", code.as_str());
}

/// The type of the operation `request` would run, parsing its document once (execution reuses the
/// parse); `None` when the document does not parse or names no single operation.
fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    super::operation::chosen_operation(document, name.as_deref()).map(|operation| operation.ty)
}
