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
//! So the handlers here read the request themselves and hand it to the engine
//! ([`crate::graphql::engine`]), which answers in its own terms. Each step has its own file beside
//! this one: [`super::negotiation`] picks the response media type, [`super::admission`] decides who
//! is calling and whose rate-limit budget they spend, [`super::request`] reads the body or URL,
//! [`super::refusal`] answers what is refused, and [`super::response`] writes the answer (with its
//! cache headers for a public GET). This file runs the steps in order and finds documents that
//! requests name by hash (automatic persisted queries and trusted documents, see
//! `super::documents`).

use std::sync::Arc;
use std::time::Instant;

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
use super::response::{PRIVATE_CACHE_CONTROL, json_response, respond, validated};
use crate::domain::caller::Caller;
use crate::error::ErrorCode;
use crate::graphql::engine::{Context, Outcome as EngineOutcome};

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

/// Finds the request's document (its own text, a persisted query or a trusted document), has the
/// engine run it, and answers in `media`. A GET runs queries only.
async fn run(
    state: &AppState,
    mut parameters: Parameters,
    media: MediaType,
    headers: &HeaderMap,
    meter: &RateMeter,
    get: bool,
    caller: Caller,
) -> Response {
    let started = Instant::now();
    let register = match find_document(state, &mut parameters) {
        Ok(register) => register,
        Err(refusal) => return refuse_counted(state, refusal, media),
    };
    let Some(request) = parameters.into_request() else {
        return refuse_counted(state, Refusal::MissingQuery, media);
    };
    // Only anonymous answers are public: a signed-in caller's may hold what only they can see.
    let cacheable = (get && matches!(caller, Caller::Anonymous)).then_some(headers);
    let text = register.map(|_| request.query.clone());
    let request_id = request_id(headers);
    let context = Context {
        caller,
        queries_only: get,
        charge: meter.charge(),
        request_id: request_id.as_deref(),
    };
    let execution = state.engine.execute(request, context).await;
    let operation = execution.operation.as_deref();
    if let Some(name) = operation {
        tracing::Span::current().record("graphql.operation", name);
    }
    // Only a document that parses is kept: the cache holds candidates for execution, not junk.
    if let Some(hash) = register
        && let Some(cache) = &state.persisted_queries
        && let Some(text) = text
        && execution.parsed
        && !matches!(execution.outcome, EngineOutcome::Refused(_))
    {
        cache.insert(hash, Arc::from(text.as_str()));
    }
    match execution.outcome {
        EngineOutcome::Refused(refused) => refuse_counted(state, Refusal::from(refused), media),
        EngineOutcome::OverBudget { snapshot, cost, left } => refuse_counted(
            state,
            Refusal::RateLimited {
                snapshot,
                priced: Some((cost, left)),
            },
            media,
        ),
        EngineOutcome::TimedOut(timeout) => timed_out(state, timeout, operation, started, media),
        EngineOutcome::Compiled { body, public } => {
            state.metrics.record_compiled_page();
            state
                .metrics
                .record(operation, Outcome::Ok, &[], started.elapsed());
            let mut http = json_response(StatusCode::OK, body, media);
            match cacheable {
                _ if !public => {
                    http.headers_mut().insert(
                        header::CACHE_CONTROL,
                        HeaderValue::from_static(PRIVATE_CACHE_CONTROL),
                    );
                    http
                }
                Some(request_headers) => validated(http, request_headers).await,
                None => http,
            }
        }
        EngineOutcome::Executed(response) => {
            answer(state, response, media, cacheable, operation, started).await
        }
    }
}

/// The answer to an executed request: counted in `/metrics` and the request's log line, and
/// cacheable only when it is a public anonymous GET answer without errors.
async fn answer(
    state: &AppState,
    response: async_graphql::Response,
    media: MediaType,
    cacheable: Option<&HeaderMap>,
    operation: Option<&str>,
    started: Instant,
) -> Response {
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
        .record(operation, outcome, &codes, started.elapsed());
    if !codes.is_empty() {
        tracing::Span::current().record("graphql.error_codes", codes.join(",").as_str());
    }
    // An answer that selects anything about the caller (a field or type marked
    // `cache_control(private)`) is theirs alone, however it was asked for.
    let public = response.cache_control.public;
    let cacheable = cacheable.filter(|_| public && response.errors.is_empty());
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

/// The answer to a request stopped at the request timeout (503 with `TIMEOUT`).
fn timed_out(
    state: &AppState,
    timeout: std::time::Duration,
    operation: Option<&str>,
    started: Instant,
    media: MediaType,
) -> Response {
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

/// The request id the `SetRequestId` layer gave this request (also sent back as `x-request-id`).
fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(super::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
