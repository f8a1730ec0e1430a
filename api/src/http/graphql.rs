//! `/graphql`: GraphQL over HTTP as the spec draft states it
//! (<https://graphql.github.io/graphql-over-http/draft/>), judged by the npm `graphql-http` audit in
//! `tests/audit`.
//!
//! async-graphql-axum's stock service answers in one media type whatever the client accepts, runs
//! bodies of any content type (a form or `text/plain` POST needs no CORS preflight, so any web page
//! could run operations with a visitor's cookies), runs mutations sent by GET and accepts batches of
//! any length. Its `GraphQLRequest` extractor does not fit either: a rejection is built without the
//! request, so it cannot answer in the negotiated media type, its text is Rust debug output, and on
//! GET it reads `operation_name` instead of `operationName`.
//!
//! So the handlers here read the request themselves and leave execution to async-graphql. Each step
//! has its own file beside this one: [`super::negotiation`] picks the response media type,
//! [`super::admission`] decides who is calling and whose rate-limit budget they spend,
//! [`super::request`] reads the body or URL, [`super::refusal`] answers what is refused before any
//! GraphQL runs, and [`super::response`] writes the answer (with its cache headers for a public
//! GET). This file runs the steps in order, finds documents that requests name by hash (automatic
//! persisted queries and trusted documents, see `super::documents`), and executes.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ServerError, Variables};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;

use super::AppState;
use super::admission::{Peer, RateMeter, admit, choose_rate_key};
use super::documents::DocumentHash;
use super::metrics::Outcome;
use super::negotiation::{MediaType, negotiate};
use super::refusal::{Refusal, error_response, refuse, refuse_counted};
use super::request::{Parameters, read_get, read_post};
use super::response::{
    PRIVATE_CACHE_CONTROL, RESPONSE_BUFFER_BYTES, is_request_error, json_response, respond, validated,
};
use crate::error::ErrorCode;
use crate::graphql::compiled::CompiledPage;
use crate::graphql::completion;
use crate::graphql::document_cache::{Preparation, ValidationRecord, missing_variable};
use crate::graphql::inputs::InputError;
use crate::graphql::loaders::Db;
use crate::graphql::nesting;
use crate::graphql::{Caller, request_loader};
use crate::rate_limit::cost_of_complexity;

/// `POST /graphql`: a JSON body `{"query", "operationName", "variables", "extensions"}`, with
/// `documentId` (or `extensions.persistedQuery`) naming a persisted document instead of `query`.
pub(super) async fn post(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let media = negotiate(&headers);
    let (caller, meter) = match admit(&state, peer, &headers).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused.respond(&state, media.unwrap_or(MediaType::Json)),
    };
    let response = match media {
        None => refuse_counted(&state, Refusal::NotAcceptable, MediaType::Json),
        Some(media) => match read_post(&headers, body, state.options.max_body_bytes).await {
            Ok(parameters) => run(&state, parameters, media, &headers, &meter, false, caller).await,
            Err(refusal) => refuse_counted(&state, refusal, media),
        },
    };
    meter.settle(response)
}

/// `GET /graphql?query=...&operationName=...&variables=...&extensions=...`: queries only.
/// `documentId` or `extensions` with a `persistedQuery` may name the document instead of `query`.
pub(super) async fn get(State(state): State<AppState>, peer: Peer, headers: HeaderMap, uri: Uri) -> Response {
    let media = negotiate(&headers);
    let (caller, meter) = match admit(&state, peer, &headers).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused.respond(&state, media.unwrap_or(MediaType::Json)),
    };
    let response = match media {
        None => refuse_counted(&state, Refusal::NotAcceptable, MediaType::Json),
        Some(media) => match read_get(&uri) {
            Ok(parameters) => run(&state, parameters, media, &headers, &meter, true, caller).await,
            Err(refusal) => refuse_counted(&state, refusal, media),
        },
    };
    meter.settle(response)
}

/// Any other method.
pub(super) async fn other_method(State(state): State<AppState>, peer: Peer, headers: HeaderMap) -> Response {
    let media = negotiate(&headers).unwrap_or(MediaType::Json);
    match RateMeter::admit(
        &state,
        choose_rate_key(&state, peer, &headers, &Caller::Anonymous),
    ) {
        Ok(meter) => meter.settle(refuse(Refusal::MethodNotAllowed, media)),
        Err(refusal) => refuse_counted(&state, refusal, media),
    }
}

/// Finds the request's document (its own text, a persisted query or a trusted document), and
/// runs it. A GET runs queries only.
async fn run(
    state: &AppState,
    mut parameters: Parameters,
    media: MediaType,
    headers: &HeaderMap,
    meter: &RateMeter,
    get: bool,
    caller: Caller,
) -> Response {
    let register = match find_document(state, &mut parameters) {
        Ok(register) => register,
        Err(refusal) => return refuse_counted(state, refusal, media),
    };
    let Some(mut request) = parameters.into_request() else {
        return refuse_counted(state, Refusal::MissingQuery, media);
    };
    // Before anything parses the document: the parser recurses once per level.
    if let Err(deep) = nesting::check_document(&request.query) {
        return refuse_counted(state, Refusal::TooDeep(deep), media);
    }
    let preparation = state.documents.prepare(&mut request);
    // A document too long or broken to parse is left to the limits and execution to refuse.
    if get
        && preparation.is_parsed()
        && let Some(operation @ (OperationType::Mutation | OperationType::Subscription)) =
            operation_type(&mut request)
    {
        return refuse_counted(state, Refusal::NotAQuery(operation), media);
    }
    if preparation.is_parsed()
        && let Some((name, ty)) = missing_variable(&mut request)
    {
        return refuse_counted(state, Refusal::MissingVariable(name, ty), media);
    }
    if preparation.is_parsed()
        && let Err(error) = check_inputs(state, &mut request)
    {
        return refuse_counted(state, Refusal::Input(error), media);
    }
    // Only a document that parses is kept: the cache holds candidates for execution, not junk.
    if let Some(hash) = register
        && let Some(cache) = &state.persisted_queries
        && request.parsed_query().is_ok()
    {
        cache.insert(hash, Arc::from(request.query.as_str()));
    }
    // Only anonymous answers are public: a signed-in caller's may hold what only they can see.
    let cacheable = (get && matches!(caller, Caller::Anonymous)).then_some(headers);
    execute(
        state,
        request.data(caller),
        preparation,
        media,
        request_id(headers),
        cacheable,
        meter,
    )
    .await
}

/// Coerces the request's variables and checks its literals (see [`crate::graphql::inputs`]).
fn check_inputs(state: &AppState, request: &mut async_graphql::Request) -> Result<(), InputError> {
    if request.parsed_query().is_err() {
        return Ok(());
    }
    // Taken out for the check (the parse, kept in the request, is borrowed from it), then put back.
    let variables = std::mem::take(&mut request.variables);
    let text = std::mem::take(&mut request.query);
    let operation = request.operation_name.clone();
    let checked = match request.parsed_query() {
        Ok(document) => state
            .inputs
            .check(document, operation.as_deref(), &variables, &text),
        Err(_) => Ok(()),
    };
    request.variables = variables;
    request.query = text;
    checked
}

/// Settles which document a request runs and leaves its text in `parameters.query`. Returns the
/// hash to keep the text under when it is a new automatic persisted query.
///
/// In trusted documents mode only the manifest's documents run, named by their hash; a request's
/// own text is refused, and so is an attempt to register one. Otherwise a hash alone is looked up
/// among the automatic persisted queries, and a hash with a text is checked and registered
/// (<https://www.apollographql.com/docs/apollo-server/performance/apq>).
fn find_document(state: &AppState, parameters: &mut Parameters) -> Result<Option<DocumentHash>, Refusal> {
    // Hashed only when a hash was sent to compare it with: most requests name no document.
    let sent = || parameters.query.as_deref().map(DocumentHash::of);
    if let Some(trusted) = &state.options.trusted_documents {
        let Some(id) = parameters.document_id else {
            return Err(Refusal::TrustedDocumentRequired);
        };
        return match (trusted.get(&id), sent()) {
            // The sent text, when any, hashes to the trusted one, so it is the same text.
            (Some(text), None) => {
                parameters.query = Some(text.to_string());
                Ok(None)
            }
            (Some(_), Some(actual)) if actual == id => Ok(None),
            (Some(_), Some(actual)) => Err(Refusal::HashMismatch { sent: id, actual }),
            (None, None) => Err(Refusal::UnknownTrustedDocument(id)),
            (None, Some(_)) => Err(Refusal::TrustedDocumentRequired),
        };
    }
    let Some(id) = parameters.document_id else {
        return match parameters.query {
            Some(_) => Ok(None),
            None => Err(Refusal::MissingQuery),
        };
    };
    match sent() {
        Some(actual) if actual != id => Err(Refusal::HashMismatch { sent: id, actual }),
        Some(_) => Ok(state.persisted_queries.is_some().then_some(id)),
        None => {
            let Some(cache) = &state.persisted_queries else {
                return Err(Refusal::PersistedQueriesOff);
            };
            let text = cache.get(&id).ok_or(Refusal::PersistedQueryNotFound)?;
            parameters.query = Some(text.to_string());
            Ok(None)
        }
    }
}

/// Runs one request with a fresh loader and answers in `media`. A document parsed for this request
/// is kept for the next ones if it runs.
async fn execute(
    state: &AppState,
    request: async_graphql::Request,
    preparation: Preparation,
    media: MediaType,
    request_id: Option<String>,
    get: Option<&HeaderMap>,
    meter: &RateMeter,
) -> Response {
    let started = Instant::now();
    let mut request = request;
    let mut operation = request.operation_name.clone();
    if operation.is_none() && preparation.is_parsed() {
        operation = sole_operation_name(&mut request);
    }
    if let Some(name) = &operation {
        tracing::Span::current().record("graphql.operation", name.as_str());
    }
    let timeout = state.options.request_timeout;
    if let Preparation::Validated { complexity, compiled } = &preparation {
        // Priced before: charged here as validation would have charged it, and refused alike.
        if let Some(charge) = &meter.0 {
            charge.charge_document(cost_of_complexity(*complexity));
        }
        if let Some(refusal) = meter.over_budget() {
            return refuse_counted(state, refusal, media);
        }
        if let Some(page) = compiled
            && let Some(http) = answer_compiled(
                state,
                page,
                &request.variables,
                media,
                get,
                operation.as_deref(),
                started,
            )
            .await
        {
            return http;
        }
    }
    // A loader in the schema's data would batch and cache across users: one per request.
    let mut request = request.data(request_loader(state.db.clone(), state.reads.clone()));
    if let Some(charge) = meter.charge() {
        request = request.data(charge);
    }
    let record = preparation
        .keeps_validation()
        .then(|| Arc::new(ValidationRecord::default()));
    if let Some(record) = &record {
        request = request.data(record.clone());
    }
    let schema = match preparation {
        Preparation::Validated { .. } => &state.prevalidated,
        _ => &state.schema,
    };
    // Kept to mend the response's nulls and order (see `complete_response`): execution takes the
    // request, parse and all.
    let text = request.query.clone();
    let operation_name = request.operation_name.clone();
    let Ok(mut response) = tokio::time::timeout(timeout, schema.execute(request)).await else {
        return timed_out(state, operation.as_deref(), started, media);
    };
    // Priced over the client's budget during validation: nothing ran.
    if let Some(refusal) = meter.over_budget() {
        return refuse_counted(state, refusal, media);
    }
    let passed = record.and_then(|record| record.verdict());
    match preparation {
        Preparation::Parsed {
            fresh: Some(fresh),
            key,
        } if !is_request_error(&response) => state.documents.keep(fresh, key.zip(passed)),
        Preparation::Reused { key: Some(key) } => {
            if let Some(verdict) = passed {
                state.documents.keep_validation(key, verdict);
            }
        }
        _ => {}
    }
    for error in &mut response.errors {
        classify(error);
        if let Some(id) = &request_id {
            mark_internal(error, id);
        }
    }
    complete_response(state, &text, operation_name.as_deref(), &mut response);
    let codes: Vec<&str> = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("code"))
        .filter_map(|code| match code {
            async_graphql::Value::String(code) => Some(code.as_str()),
            _ => None,
        })
        .collect();
    let outcome = if codes.is_empty() && response.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    state
        .metrics
        .record(operation.as_deref(), outcome, &codes, started.elapsed());
    if !codes.is_empty() {
        tracing::Span::current().record("graphql.error_codes", codes.join(",").as_str());
    }
    // An answer that selects anything about the caller (a field or type marked
    // `cache_control(private)`) is theirs alone, however it was asked for.
    let public = response.cache_control.public;
    let cacheable = get.filter(|_| public && response.errors.is_empty());
    let mut http = respond(response, media);
    if !public {
        http.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PRIVATE_CACHE_CONTROL),
        );
    } else if let Some(request_headers) = cacheable {
        http = validated(http, request_headers).await;
    }
    http
}

/// Makes an executed response's `data` what the GraphQL spec says it is, where async-graphql's
/// differs (see [`completion`]): only a response with a field error, an empty root, or several root
/// fields (written in the order they finished) can differ, so only those parse the text again.
fn complete_response(
    state: &AppState,
    text: &str,
    operation_name: Option<&str>,
    response: &mut async_graphql::Response,
) {
    let may_differ = match &response.data {
        async_graphql::Value::Object(root) => root.len() > 1 || !response.errors.is_empty(),
        async_graphql::Value::Null => !is_request_error(response),
        _ => false,
    };
    if !may_differ {
        return;
    }
    if let Ok(document) = async_graphql::parser::parse_query(text) {
        completion::complete(state.inputs.registry(), &document, operation_name, response);
    }
}

/// Answers a request from its compiled claim page; `None` when the executor should answer it: the
/// page's rows do not hold the answer (a branch not read whole, an argument that does not fit), or
/// the database failed (the executor then reports it with its errors).
async fn answer_compiled(
    state: &AppState,
    page: &CompiledPage,
    variables: &Variables,
    media: MediaType,
    get: Option<&HeaderMap>,
    operation: Option<&str>,
    started: Instant,
) -> Option<Response> {
    let db = Db::new(state.db.clone(), state.reads.clone());
    let mut body = Vec::with_capacity(RESPONSE_BUFFER_BYTES);
    body.extend_from_slice(b"{\"data\":");
    let timeout = state.options.request_timeout;
    match tokio::time::timeout(timeout, page.answer(&db, variables, &mut body)).await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => return None,
        Ok(Err(err)) => {
            tracing::debug!(error.cause = ?err, "a compiled page left to the executor");
            return None;
        }
        Err(_) => return Some(timed_out(state, operation, started, media)),
    }
    body.push(b'}');
    state.metrics.record_compiled_page();
    state
        .metrics
        .record(operation, Outcome::Ok, &[], started.elapsed());
    let http = json_response(StatusCode::OK, body, media);
    Some(match get {
        Some(request_headers) => validated(http, request_headers).await,
        None => http,
    })
}

/// The answer to a request stopped at the request timeout (503 with `TIMEOUT`).
fn timed_out(state: &AppState, operation: Option<&str>, started: Instant, media: MediaType) -> Response {
    // Dropping the execution cancels it; PostgreSQL's statement timeout bounds the database side.
    let timeout = state.options.request_timeout;
    tracing::warn!(timeout_ms = timeout.as_millis() as u64, "request timed out");
    state.metrics.record(
        operation,
        Outcome::Timeout,
        &[ErrorCode::Timeout.as_str()],
        started.elapsed(),
    );
    tracing::Span::current().record("graphql.error_codes", ErrorCode::Timeout.as_str());
    let message = format!(
        "The request ran longer than {} ms and was stopped.",
        timeout.as_millis()
    );
    error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Timeout.as_str(),
        &message,
        media,
    )
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

/// The request id the `SetRequestId` layer gave this request (also sent back as `x-request-id`).
fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(super::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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
/// (unknown fields, wrong argument or variable types).
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
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name.as_str()).map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| operation.node.ty)
        }
        _ => None,
    }
}
