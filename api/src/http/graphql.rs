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
//! So this handler reads the request itself and leaves execution to async-graphql: it negotiates the
//! response media type, takes POST bodies only as JSON within `--max-body-bytes`, refuses batches
//! and mutations sent by GET, and answers every refusal as a GraphQL error with an
//! `extensions.code`. Around that it keeps each client's rate-limit account (see
//! [`choose_rate_key`] and `crate::rate_limit`) and finds documents that requests name by hash
//! (automatic persisted queries and trusted documents, see `super::documents`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use async_graphql::futures_util::StreamExt;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Extensions, ServerError, Variables};
use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use super::AppState;
use super::documents::DocumentHash;
use super::metrics::Outcome;
use crate::domain::accounts;
use crate::error::ErrorCode;
use crate::graphql::compiled::CompiledPage;
use crate::graphql::completion;
use crate::graphql::document_cache::{Preparation, ValidationRecord, missing_variable};
use crate::graphql::inputs::InputError;
use crate::graphql::loaders::Db;
use crate::graphql::nesting::{self, Place, TooDeep};
use crate::graphql::{Caller, request_loader};
use crate::rate_limit::{RateCharge, RateKey, RateSnapshot, cost_of_complexity};

/// The client's TCP address, when the server runs with `ConnectInfo` (the binary does; requests
/// sent to the router in-process have none).
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

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

/// Who signs the request: anonymous without `Authorization`, the token's owner with a valid
/// `Bearer` token, and a refusal for anything else: a malformed header, or a token that is unknown
/// or revoked (never silently anonymous, so a client learns at once that its token is bad).
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(Caller::Anonymous);
    };
    // Which one to believe would be a guess, and proxies disagree on it.
    if values.next().is_some() {
        return Err(Refusal::SeveralAuthorizations);
    }
    let token = bearer_token(value).ok_or(Refusal::Unauthenticated(
        "The Authorization header must be `Bearer <token>`.",
    ))?;
    match accounts::authenticate(&state.db, token).await {
        Ok(Some(user)) => Ok(Caller::User(user)),
        Ok(None) => Err(Refusal::Unauthenticated(
            "The API token is unknown or revoked: create a new one with `claimgraph token create`.",
        )),
        Err(err) => {
            tracing::error!(error.cause = %err, "token look-up failed");
            Err(Refusal::AuthenticationUnavailable)
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value. The scheme's name is case-insensitive
/// (<https://www.rfc-editor.org/rfc/rfc9110#section-11.1>), and spaces may stand around the token.
fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let (scheme, token) = value.to_str().ok()?.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Refuses a request before execution, and counts it in `/metrics` and the request's log line.
fn refuse_counted(state: &AppState, refusal: Refusal, media: MediaType) -> Response {
    let code = refusal.code();
    state
        .metrics
        .record(None, Outcome::Refused, &[code], std::time::Duration::ZERO);
    tracing::Span::current().record("graphql.error_codes", code);
    refuse(refusal, media)
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

/// A request the rate limiter or authentication turned away, with the meter its refusal settles.
struct Turned {
    refusal: Refusal,
    meter: Option<RateMeter>,
}

impl Turned {
    fn respond(self, state: &AppState, media: MediaType) -> Response {
        let response = refuse_counted(state, self.refusal, media);
        match self.meter {
            Some(meter) => meter.settle(response),
            None => response,
        }
    }
}

/// Authenticates the request, then admits it against its client's budget: the token's user's when
/// the token is valid, its address's otherwise. A bad token is refused and charged to the address,
/// so guessing tokens costs budget like any other request.
async fn admit(state: &AppState, peer: Peer, headers: &HeaderMap) -> Result<(Caller, RateMeter), Turned> {
    let caller = match authenticate(state, headers).await {
        Ok(caller) => caller,
        Err(refusal) => {
            let key = choose_rate_key(state, peer, headers, &Caller::Anonymous);
            return Err(match RateMeter::admit(state, key) {
                Ok(meter) => Turned {
                    refusal,
                    meter: Some(meter),
                },
                Err(limited) => Turned {
                    refusal: limited,
                    meter: None,
                },
            });
        }
    };
    match RateMeter::admit(state, choose_rate_key(state, peer, headers, &caller)) {
        Ok(meter) => Ok((caller, meter)),
        Err(refusal) => Err(Turned { refusal, meter: None }),
    }
}

/// Whose rate-limit budget a request spends. This is the one place that decides.
///
/// A request with a valid token spends its user's budget, wherever it comes from. Any other is its
/// address: the last `X-Forwarded-For` entry when `--trust-forwarded-for` says a proxy in front
/// appends it, else the TCP peer. A request with neither (only requests sent to the router
/// in-process, as the tests do) spends the one shared `RateKey::Unknown` budget.
fn choose_rate_key(state: &AppState, peer: Peer, headers: &HeaderMap, caller: &Caller) -> RateKey {
    if state.rate_limiter.is_none() {
        return RateKey::Unknown;
    }
    if let Caller::User(user) = caller {
        return RateKey::User(user.id);
    }
    if state.options.trust_forwarded_for
        && let Some(address) = forwarded_for(headers)
    {
        return RateKey::address(address);
    }
    match peer {
        Some(Extension(ConnectInfo(address))) => RateKey::address(address.ip()),
        None => RateKey::Unknown,
    }
}

/// The last address in the last `X-Forwarded-For` header: the one the proxy in front of the server
/// appended. Entries before it were sent by the client and prove nothing.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get_all("x-forwarded-for").iter().next_back()?;
    let last = value.to_str().ok()?.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|address| address.ip()))
}

/// One request's rate-limit account; empty when rate limits are off.
struct RateMeter(Option<Arc<RateCharge>>);

impl RateMeter {
    /// Lets a request in unless its client has no point left: that is refused at once, before the
    /// body is read.
    fn admit(state: &AppState, key: RateKey) -> Result<RateMeter, Refusal> {
        let Some(limiter) = &state.rate_limiter else {
            return Ok(RateMeter(None));
        };
        let snapshot = limiter.peek(key);
        if snapshot.remaining() == 0 {
            return Err(Refusal::RateLimited {
                snapshot,
                priced: None,
            });
        }
        Ok(RateMeter(Some(Arc::new(RateCharge::new(limiter.clone(), key)))))
    }

    /// The request's charge, for the schema to spend the document's cost from.
    fn charge(&self) -> Option<Arc<RateCharge>> {
        self.0.clone()
    }

    /// The refusal of a request priced over its client's budget.
    fn over_budget(&self) -> Option<Refusal> {
        let settlement = self.0.as_ref()?.settlement()?;
        let left = settlement.over_budget?;
        Some(Refusal::RateLimited {
            snapshot: settlement.snapshot,
            priced: Some((settlement.cost, left)),
        })
    }

    /// Charges the minimum when nothing charged the request (it was refused before its cost was
    /// known), and says in the headers where its client stands, unless the answer is one a shared
    /// cache may keep and hand to other clients: those headers are this client's alone.
    fn settle(self, mut response: Response) -> Response {
        if let Some(charge) = self.0 {
            let settlement = charge.settle();
            if !is_public(&response) {
                insert_rate_limit_headers(response.headers_mut(), &settlement.snapshot);
            }
        }
        response
    }
}

/// Whether a shared cache may keep the answer (`Cache-Control: public`).
fn is_public(response: &Response) -> bool {
    response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|d| d.trim().eq_ignore_ascii_case("public")))
}

/// `x-ratelimit-limit`, `-remaining`, `-used` and `-reset` (the end of the window, in seconds since
/// the Unix epoch), as GitHub sends them.
fn insert_rate_limit_headers(headers: &mut HeaderMap, snapshot: &RateSnapshot) {
    for (name, value) in [
        ("x-ratelimit-limit", snapshot.limit),
        ("x-ratelimit-remaining", snapshot.remaining()),
        ("x-ratelimit-used", snapshot.used),
        ("x-ratelimit-reset", snapshot.reset_epoch_seconds()),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
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

/// A response of `body`, JSON in `media`.
fn json_response(status: StatusCode, body: Vec<u8>, media: MediaType) -> Response {
    let mut http = (status, body).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    http
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

/// How long shared caches and browsers may reuse a successful GET answer that cannot depend on the
/// caller: a minute of staleness is the price of a cache hit; an `ETag` makes revalidation cheap.
const GET_CACHE_CONTROL: &str = "public, max-age=60";

/// An answer that depends on the caller: no cache may store it, not even the browser's, so there is
/// nothing to revalidate and it carries no `ETag` (which would fingerprint one client's data).
const PRIVATE_CACHE_CONTROL: &str = "private, no-store";

/// Adds `Cache-Control` and an `ETag` to a successful GET answer, and answers `304 Not Modified`
/// when the client's `If-None-Match` already names that ETag.
async fn validated(response: Response, request_headers: &HeaderMap) -> Response {
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, internal_error_body()).into_response();
    };
    let etag = format!("\"{:016x}\"", fnv1a(&bytes));
    let Ok(etag_value) = HeaderValue::from_str(&etag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::ETAG, etag_value);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(GET_CACHE_CONTROL));
    // A cached anonymous answer must not be served to a signed-in request, whose answer may differ.
    parts
        .headers
        .insert(header::VARY, HeaderValue::from_static("accept, authorization"));
    let matches = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// FNV-1a, 64 bits: a hash that is the same in every process and version, so replicas behind one
/// load balancer give one answer the same ETag.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
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

/// The two media types a GraphQL response can be sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: the status code tells a request error (400, no `data`)
    /// from an executed request (200).
    GraphqlResponse,
    /// `application/json`, for clients from before the spec: 200 for every GraphQL result.
    Json,
}

impl MediaType {
    const GRAPHQL_RESPONSE: &'static str = "application/graphql-response+json";
    const JSON: &'static str = "application/json";

    fn essence(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => Self::GRAPHQL_RESPONSE,
            MediaType::Json => Self::JSON,
        }
    }

    // As the spec's reference implementation sends them: JSON is always UTF-8, and says so.
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`, or `None` when it allows neither.
///
/// No `Accept`, `*/*` and `application/*` get `application/json`: the spec leaves that choice to the
/// server (<https://graphql.github.io/graphql-over-http/draft/#sec-Accept>), and clients written
/// before it, like the `graphql-http` audit, expect JSON. `application/graphql-response+json` is
/// chosen when the client names it with a quality at least that of `application/json`.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let ranges: Vec<(&str, f32)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(media_range)
        .collect();
    if ranges.is_empty() {
        return Some(MediaType::Json);
    }
    let graphql_response = quality(&ranges, MediaType::GraphqlResponse);
    let json = quality(&ranges, MediaType::Json);
    match (graphql_response, json) {
        (Some((q, true)), json) if q > 0.0 && q >= json.map_or(0.0, |(q, _)| q) => {
            Some(MediaType::GraphqlResponse)
        }
        (_, Some((q, _))) if q > 0.0 => Some(MediaType::Json),
        (Some((q, _)), _) if q > 0.0 => Some(MediaType::GraphqlResponse),
        _ => None,
    }
}

/// One `Accept` entry as its media range and quality; a quality that does not parse drops the
/// entry.
fn media_range(entry: &str) -> Option<(&str, f32)> {
    let mut parts = entry.split(';');
    let range = parts.next()?.trim();
    if range.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for parameter in parts {
        if let Some((name, value)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            q = value
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))?;
        }
    }
    Some((range, q))
}

/// The quality `ranges` give `media` from the most specific range that matches it, and whether
/// that range names it exactly (not through a wildcard).
fn quality(ranges: &[(&str, f32)], media: MediaType) -> Option<(f32, bool)> {
    let specificity = |range: &str| {
        if range.eq_ignore_ascii_case(media.essence()) {
            Some(3)
        } else if range.eq_ignore_ascii_case("application/*") {
            Some(2)
        } else if range == "*/*" {
            Some(1)
        } else {
            None
        }
    };
    ranges
        .iter()
        .filter_map(|&(range, q)| Some((specificity(range)?, q)))
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(specificity, q)| (q, specificity == 3))
}

/// Why a request was refused before any GraphQL ran.
#[derive(Debug)]
enum Refusal {
    /// `Accept` allows neither response media type.
    NotAcceptable,
    /// A method other than GET and POST.
    MethodNotAllowed,
    /// A POST whose body is not declared as UTF-8 JSON. Refused so that a cross-site form or
    /// `text/plain` POST, which browsers send without a CORS preflight, cannot run anything.
    NotJson,
    /// A POST body over `--max-body-bytes` (the limit, in bytes).
    BodyTooLarge(usize),
    /// The body stopped before its end.
    UnreadableBody,
    /// A POST with no body.
    EmptyBody,
    /// A body that is not JSON.
    MalformedJson { line: usize, column: usize },
    /// A JSON array of requests: batching is off.
    Batch,
    /// JSON, but not an object.
    NotAnObject,
    /// A URL query string that is not `name=value` pairs, or names a parameter twice.
    MalformedUrlParameters,
    /// No `query`, and no document named by hash either.
    MissingQuery,
    /// A parameter of the wrong JSON type; the message says which and what it must be.
    InvalidParameter(&'static str),
    /// A GET whose operation is not a query.
    NotAQuery(OperationType),
    /// A variable the operation requires (its name with `$`, and its type) that the request does
    /// not send.
    MissingVariable(String, String),
    /// A malformed `Authorization` header, or an unknown or revoked token.
    Unauthenticated(&'static str),
    /// More than one `Authorization` header.
    SeveralAuthorizations,
    /// The token could not be checked: the database failed (the cause is logged).
    AuthenticationUnavailable,
    /// The client's budget cannot cover the request; `priced` is the document's cost and the points
    /// that were left, when the document was priced.
    RateLimited {
        snapshot: RateSnapshot,
        priced: Option<(u64, u64)>,
    },
    /// A hash alone, naming no automatic persisted query the server holds.
    PersistedQueryNotFound,
    /// A hash alone, and automatic persisted queries are off.
    PersistedQueriesOff,
    /// A hash with a query text that does not hash to it.
    HashMismatch {
        sent: DocumentHash,
        actual: DocumentHash,
    },
    /// Trusted documents mode: a document of the request's own, or no document id.
    TrustedDocumentRequired,
    /// Trusted documents mode: an id that is not in the manifest.
    UnknownTrustedDocument(DocumentHash),
    /// The document or a JSON parameter nests deeper than the parser may safely read.
    TooDeep(TooDeep),
    /// A variable's value does not fit its type, a text holds a NUL, or a directive on
    /// `__typename` is invalid.
    Input(InputError),
}

impl Refusal {
    fn status(&self, media: MediaType) -> StatusCode {
        match self {
            Refusal::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Refusal::MethodNotAllowed | Refusal::NotAQuery(_) => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Refusal::AuthenticationUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            // A policy refusal of a well-formed request, which no retry of the same request fixes.
            Refusal::TrustedDocumentRequired => StatusCode::FORBIDDEN,
            // A request error in GraphQL-over-HTTP's sense: it names no document the server can run.
            // That is 400 under application/graphql-response+json and 200 under application/json,
            // which clients written before the spec (Apollo's persisted query link among them) read
            // the error code from.
            Refusal::PersistedQueryNotFound
            | Refusal::PersistedQueriesOff
            | Refusal::UnknownTrustedDocument(_)
            | Refusal::MissingVariable(..)
            | Refusal::TooDeep(_)
            | Refusal::Input(_) => match media {
                MediaType::GraphqlResponse => StatusCode::BAD_REQUEST,
                MediaType::Json => StatusCode::OK,
            },
            Refusal::UnreadableBody
            | Refusal::EmptyBody
            | Refusal::MalformedJson { .. }
            | Refusal::Batch
            | Refusal::NotAnObject
            | Refusal::MalformedUrlParameters
            | Refusal::MissingQuery
            | Refusal::InvalidParameter(_)
            | Refusal::HashMismatch { .. }
            | Refusal::SeveralAuthorizations => StatusCode::BAD_REQUEST,
        }
    }

    /// The `extensions.code`: the HTTP status's name for the protocol's refusals, our error codes
    /// for the rest.
    fn code(&self) -> &'static str {
        match self {
            Refusal::NotAcceptable => "NOT_ACCEPTABLE",
            Refusal::MethodNotAllowed | Refusal::NotAQuery(_) => "METHOD_NOT_ALLOWED",
            Refusal::NotJson => "UNSUPPORTED_MEDIA_TYPE",
            Refusal::BodyTooLarge(_) => "PAYLOAD_TOO_LARGE",
            Refusal::RateLimited { .. } => ErrorCode::RateLimited.as_str(),
            Refusal::PersistedQueryNotFound | Refusal::UnknownTrustedDocument(_) => {
                ErrorCode::PersistedQueryNotFound.as_str()
            }
            Refusal::PersistedQueriesOff => ErrorCode::PersistedQueryNotSupported.as_str(),
            Refusal::TrustedDocumentRequired => ErrorCode::TrustedDocumentRequired.as_str(),
            Refusal::Unauthenticated(_) => ErrorCode::Unauthenticated.as_str(),
            Refusal::MissingVariable(..) => ErrorCode::GraphqlValidationFailed.as_str(),
            Refusal::TooDeep(_) => ErrorCode::QueryTooComplex.as_str(),
            Refusal::Input(error) => error.code.as_str(),
            Refusal::AuthenticationUnavailable => ErrorCode::InternalServerError.as_str(),
            Refusal::UnreadableBody
            | Refusal::EmptyBody
            | Refusal::MalformedJson { .. }
            | Refusal::Batch
            | Refusal::NotAnObject
            | Refusal::MalformedUrlParameters
            | Refusal::MissingQuery
            | Refusal::InvalidParameter(_)
            | Refusal::HashMismatch { .. }
            | Refusal::SeveralAuthorizations => "BAD_REQUEST",
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::NotAcceptable => "The Accept header allows neither application/graphql-response+json \
                nor application/json, the two media types this endpoint answers in."
                .to_owned(),
            Refusal::MethodNotAllowed => "/graphql answers GET (queries only) and POST.".to_owned(),
            Refusal::NotJson => "A POST to /graphql must send its body as JSON, with the header \
                Content-Type: application/json."
                .to_owned(),
            Refusal::BodyTooLarge(max) => {
                format!(
                    "The request body is larger than {}, the most this endpoint reads.",
                    bytes_text(*max)
                )
            }
            Refusal::UnreadableBody => "The request body could not be read to its end.".to_owned(),
            Refusal::EmptyBody => "The request body is empty: send a JSON object such as \
                {\"query\": \"{ __typename }\"}."
                .to_owned(),
            Refusal::MalformedJson { line, column } => {
                format!("The request body is not valid JSON: it goes wrong at line {line}, column {column}.")
            }
            Refusal::Batch => "Batched requests (a JSON array of operations) are not supported: send one \
                operation per request."
                .to_owned(),
            Refusal::NotAnObject => "The request body must be a JSON object such as \
                {\"query\": \"{ __typename }\"}."
                .to_owned(),
            Refusal::MalformedUrlParameters => "The URL's parameters could not be read: give each of query, \
                operationName, variables, extensions and documentId at most once, URL-encoded."
                .to_owned(),
            Refusal::MissingQuery => "The request has no query: send the GraphQL document as a string in \
                the query parameter."
                .to_owned(),
            Refusal::InvalidParameter(message) => (*message).to_owned(),
            Refusal::NotAQuery(operation) => {
                format!("Only queries may be sent by GET: send this {operation} by POST.")
            }
            Refusal::MissingVariable(name, ty) => {
                format!("Variable \"{name}\" of required type \"{ty}\" was not provided.")
            }
            Refusal::Unauthenticated(message) => (*message).to_owned(),
            Refusal::SeveralAuthorizations => {
                "The request has more than one Authorization header: send one, \
                `Bearer <token>`."
                    .to_owned()
            }
            Refusal::AuthenticationUnavailable => crate::error::INTERNAL_MESSAGE.to_owned(),
            Refusal::RateLimited { snapshot, priced } => snapshot.refusal_message(*priced),
            // Apollo's protocol spells these two messages so, and older clients match on them.
            Refusal::PersistedQueryNotFound => "PersistedQueryNotFound".to_owned(),
            Refusal::PersistedQueriesOff => "PersistedQueryNotSupported".to_owned(),
            Refusal::HashMismatch { sent, actual } => format!(
                "The query's SHA-256 is {actual}, not {sent}, the hash sent with it: send the hash of \
                 the query's exact text."
            ),
            Refusal::TrustedDocumentRequired => "This server runs only its trusted documents: name one \
                by its hash in documentId (or extensions.persistedQuery.sha256Hash) instead of sending \
                a query."
                .to_owned(),
            Refusal::UnknownTrustedDocument(id) => format!(
                "No trusted document has the id {id}: this server runs only the documents in its manifest."
            ),
            Refusal::TooDeep(deep) => deep.message(),
            Refusal::Input(error) => error.message.clone(),
        }
    }

    /// The refusal as the one error of its response: message and code, and for a limit, the limit's
    /// name and value and where the request went past it.
    fn error(&self) -> ServerError {
        let mut error = ServerError::new(self.message(), None);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", self.code());
        if let Refusal::Input(input) = self {
            if let Some(field) = &input.field {
                extensions.set("field", field.as_str());
            }
            error.locations.extend(input.pos);
        }
        if let Refusal::TooDeep(deep) = self {
            extensions.set("limit", deep.limit);
            extensions.set("max", deep.max as u64);
            match &deep.at {
                Place::Document { line, column } => error.locations.push(async_graphql::Pos {
                    line: *line,
                    column: *column,
                }),
                Place::Json { parameter, key } => {
                    let field = match key {
                        Some(key) if *parameter == "variables" => format!("${key}"),
                        Some(key) => format!("{parameter}.{key}"),
                        None => (*parameter).to_owned(),
                    };
                    extensions.set("field", field);
                }
            }
        }
        error
    }

    /// The methods to name in `Allow` for a 405.
    fn allow(&self) -> Option<&'static str> {
        match self {
            Refusal::NotAQuery(_) => Some("POST"),
            Refusal::MethodNotAllowed => Some("GET, POST"),
            _ => None,
        }
    }
}

/// A byte count as people read it: whole MiB when it is a whole number of them.
fn bytes_text(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// A refusal as a GraphQL response with no `data`.
fn refuse(refusal: Refusal, media: MediaType) -> Response {
    let mut response = error_body_response(refusal.status(media), &refusal.error(), media);
    let headers = response.headers_mut();
    if let Some(allow) = refusal.allow() {
        headers.insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    if let Refusal::RateLimited { snapshot, .. } = &refusal {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(snapshot.retry_after_seconds()),
        );
        insert_rate_limit_headers(headers, snapshot);
    }
    if let Refusal::Unauthenticated(_) = refusal {
        // RFC 6750: name the scheme the client should use.
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// One error as a GraphQL response with no `data`.
fn error_response(status: StatusCode, code: &str, message: &str, media: MediaType) -> Response {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error_body_response(status, &error, media)
}

/// `error` as a GraphQL response with no `data`.
fn error_body_response(status: StatusCode, error: &ServerError, media: MediaType) -> Response {
    let body = ResponseBody {
        data: None,
        errors: std::slice::from_ref(error),
        extensions: &Default::default(),
    };
    // Strings only: serialising cannot fail, but a failure would still answer JSON.
    let body = serde_json::to_string(&body).unwrap_or_else(|_| internal_error_body());
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// The body of an internal error, built without any fallible step.
fn internal_error_body() -> String {
    serde_json::json!({
        "errors": [{
            "message": crate::error::INTERNAL_MESSAGE,
            "extensions": { "code": ErrorCode::InternalServerError.as_str() }
        }]
    })
    .to_string()
}

/// The response body: `data` is left out when the request failed before execution, as the
/// GraphQL spec asks (<https://spec.graphql.org/October2021/#sec-Data>).
#[derive(Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl ResponseBody<'_> {
    /// Appends the body as JSON, byte for byte as `serde_json` writes it; `data`, the bulk of a
    /// page, through [`super::json`].
    fn write_to(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut separator = b'{';
        let mut key = |out: &mut Vec<u8>, name: &[u8]| {
            out.push(separator);
            out.extend_from_slice(name);
            separator = b',';
        };
        if let Some(data) = self.data {
            key(out, b"\"data\":");
            crate::graphql::json::write_value(out, data);
        }
        if !self.errors.is_empty() {
            key(out, b"\"errors\":");
            serde_json::to_writer(&mut *out, self.errors)?;
        }
        if !self.extensions.is_empty() {
            key(out, b"\"extensions\":");
            serde_json::to_writer(&mut *out, self.extensions)?;
        }
        if separator == b'{' {
            out.push(separator);
        }
        out.push(b'}');
        Ok(())
    }
}

/// The buffer a response body is serialised into starts at this size.
const RESPONSE_BUFFER_BYTES: usize = 16 * 1024;

/// A GraphQL response in `media`.
///
/// A request error (the document does not parse or validate, or the variables do not fit) leaves
/// no `data` and no error with a path: under `application/graphql-response+json` that is a 400, under
/// `application/json` a 200
/// (<https://graphql.github.io/graphql-over-http/draft/#sec-Response>).
fn respond(response: async_graphql::Response, media: MediaType) -> Response {
    let request_error = is_request_error(&response);
    let body = ResponseBody {
        data: (!request_error).then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    // Written into a buffer the size of a typical page (a claim page is about 15 KB), not grown
    // from nothing a dozen times.
    let mut buffer = Vec::with_capacity(RESPONSE_BUFFER_BYTES);
    let body = match body.write_to(&mut buffer) {
        Ok(()) => buffer,
        Err(err) => {
            // Unreachable with our types (every map key is a string), but never a panic.
            tracing::error!(error.cause = %err, "could not serialise a GraphQL response");
            let mut http = (StatusCode::INTERNAL_SERVER_ERROR, internal_error_body()).into_response();
            http.headers_mut()
                .insert(header::CONTENT_TYPE, media.content_type());
            return http;
        }
    };
    let status = if request_error && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut http = json_response(status, body, media);
    let headers = http.headers_mut();
    if response.is_ok()
        && let Some(cache_control) = response.cache_control.value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(response.http_headers);
    http
}

/// Whether a response failed before execution: no `data`, and only errors without a path (the
/// document did not parse or validate, or the variables did not fit it).
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// A POST's parameters: declared JSON, within the size limit, one JSON object.
async fn read_post(headers: &HeaderMap, body: Body, max_bytes: usize) -> Result<Parameters, Refusal> {
    if !is_json(headers) {
        return Err(Refusal::NotJson);
    }
    let bytes = read_body(headers, body, max_bytes).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::EmptyBody);
    }
    // Before serde_json and everything after it reads the values recursively.
    nesting::check_json(&bytes, "body", 2).map_err(Refusal::TooDeep)?;
    let json: Json = serde_json::from_slice(&bytes).map_err(|err| Refusal::MalformedJson {
        line: err.line(),
        column: err.column(),
    })?;
    match json {
        Json::Object(parameters) => Parameters::from_json(parameters),
        Json::Array(_) => Err(Refusal::Batch),
        _ => Err(Refusal::NotAnObject),
    }
}

/// Whether the body is declared as JSON: `application/json`, with no charset or UTF-8
/// (<https://graphql.github.io/graphql-over-http/draft/#sec-POST>).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.split(';');
    let essence_is_json = parts
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(MediaType::JSON));
    essence_is_json
        && parts.all(|parameter| match parameter.split_once('=') {
            Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => {
                charset.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// Reads the whole body, refusing it as soon as it is known to be over `max_bytes`: from
/// `Content-Length` before reading anything, otherwise while reading.
async fn read_body(headers: &HeaderMap, body: Body, max_bytes: usize) -> Result<Vec<u8>, Refusal> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_bytes as u64) {
        return Err(Refusal::BodyTooLarge(max_bytes));
    }
    let mut bytes = Vec::new();
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| Refusal::UnreadableBody)?;
        if bytes.len() + chunk.len() > max_bytes {
            return Err(Refusal::BodyTooLarge(max_bytes));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The URL parameters of a GET; `variables` and `extensions` are JSON text.
#[derive(Deserialize)]
struct UrlParameters {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    #[serde(rename = "documentId")]
    document_id: Option<String>,
}

/// A GET's parameters (<https://graphql.github.io/graphql-over-http/draft/#sec-GET>). Whether its
/// operation is a query is known once its document is found.
fn read_get(uri: &Uri) -> Result<Parameters, Refusal> {
    let Query(url) =
        Query::<UrlParameters>::try_from_uri(uri).map_err(|_| Refusal::MalformedUrlParameters)?;
    let mut parameters = Map::new();
    for (name, text) in [
        ("query", url.query),
        ("operationName", url.operation_name),
        ("documentId", url.document_id),
    ] {
        if let Some(text) = text {
            parameters.insert(name.to_owned(), Json::String(text));
        }
    }
    for (name, text, refusal) in [
        ("variables", url.variables, VARIABLES_NOT_AN_OBJECT),
        ("extensions", url.extensions, EXTENSIONS_NOT_AN_OBJECT),
    ] {
        if let Some(text) = text {
            nesting::check_json(text.as_bytes(), name, 1).map_err(Refusal::TooDeep)?;
            let value = serde_json::from_str(&text).map_err(|_| Refusal::InvalidParameter(refusal))?;
            parameters.insert(name.to_owned(), value);
        }
    }
    Parameters::from_json(parameters)
}

const VARIABLES_NOT_AN_OBJECT: &str =
    "The variables parameter must be a JSON object mapping each variable's name to its value, or null.";
const EXTENSIONS_NOT_AN_OBJECT: &str = "The extensions parameter must be a JSON object, or null.";
const DOCUMENT_ID_INVALID: &str =
    "The documentId parameter must name a document by its SHA-256: sha256:<64 hexadecimal digits>.";
const PERSISTED_QUERY_INVALID: &str = "extensions.persistedQuery must be an object \
    {\"version\": 1, \"sha256Hash\": \"<the query's SHA-256 as 64 hexadecimal digits>\"}.";
const PERSISTED_QUERY_VERSION: &str = "Only version 1 of extensions.persistedQuery is supported.";
const TWO_DOCUMENT_IDS: &str =
    "documentId and extensions.persistedQuery.sha256Hash name different documents: send one.";

/// A request's parameters, each of the JSON type the spec gives it, before its document is found.
struct Parameters {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Variables>,
    extensions: Extensions,
    /// The document named by hash: `documentId`, or `extensions.persistedQuery.sha256Hash`.
    document_id: Option<DocumentHash>,
}

impl Parameters {
    /// Checks each parameter's JSON type
    /// (<https://graphql.github.io/graphql-over-http/draft/#sec-Request-Parameters>); `null` counts
    /// as absent, and parameters the spec does not name are ignored.
    fn from_json(mut parameters: Map<String, Json>) -> Result<Parameters, Refusal> {
        let query = match parameters.remove("query") {
            Some(Json::String(query)) => Some(query),
            None | Some(Json::Null) => None,
            Some(_) => {
                return Err(Refusal::InvalidParameter(
                    "The query parameter must be a string holding a GraphQL document.",
                ));
            }
        };
        let operation_name = match parameters.remove("operationName") {
            None | Some(Json::Null) => None,
            Some(Json::String(name)) => Some(name),
            Some(_) => {
                return Err(Refusal::InvalidParameter(
                    "The operationName parameter must be a string naming an operation in the document, or null.",
                ));
            }
        };
        let variables = match parameters.remove("variables") {
            None | Some(Json::Null) => None,
            Some(variables @ Json::Object(_)) => Some(Variables::from_json(variables)),
            Some(_) => return Err(Refusal::InvalidParameter(VARIABLES_NOT_AN_OBJECT)),
        };
        let document_id = match parameters.remove("documentId") {
            None | Some(Json::Null) => None,
            Some(Json::String(id)) => {
                Some(DocumentHash::parse(&id).ok_or(Refusal::InvalidParameter(DOCUMENT_ID_INVALID))?)
            }
            Some(_) => return Err(Refusal::InvalidParameter(DOCUMENT_ID_INVALID)),
        };
        let (extensions, persisted_query) = match parameters.remove("extensions") {
            None | Some(Json::Null) => (Extensions::default(), None),
            Some(Json::Object(mut extensions)) => {
                let persisted_query = match extensions.remove("persistedQuery") {
                    None | Some(Json::Null) => None,
                    Some(persisted_query) => Some(persisted_query_hash(persisted_query)?),
                };
                let extensions = serde_json::from_value::<Extensions>(Json::Object(extensions))
                    .map_err(|_| Refusal::InvalidParameter(EXTENSIONS_NOT_AN_OBJECT))?;
                (extensions, persisted_query)
            }
            Some(_) => return Err(Refusal::InvalidParameter(EXTENSIONS_NOT_AN_OBJECT)),
        };
        let document_id = match (document_id, persisted_query) {
            (Some(a), Some(b)) if a != b => return Err(Refusal::InvalidParameter(TWO_DOCUMENT_IDS)),
            (a, b) => a.or(b),
        };
        Ok(Parameters {
            query,
            operation_name,
            variables,
            extensions,
            document_id,
        })
    }

    /// The request to execute; `None` when there is still no query text.
    fn into_request(self) -> Option<async_graphql::Request> {
        let mut request = async_graphql::Request::new(self.query?);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables {
            request = request.variables(variables);
        }
        request.extensions = self.extensions;
        Some(request)
    }
}

/// The hash in `extensions.persistedQuery`: `{"version": 1, "sha256Hash": "<64 hex digits>"}`.
fn persisted_query_hash(persisted_query: Json) -> Result<DocumentHash, Refusal> {
    let Json::Object(persisted_query) = persisted_query else {
        return Err(Refusal::InvalidParameter(PERSISTED_QUERY_INVALID));
    };
    if persisted_query.get("version").and_then(Json::as_u64) != Some(1) {
        return Err(Refusal::InvalidParameter(PERSISTED_QUERY_VERSION));
    }
    persisted_query
        .get("sha256Hash")
        .and_then(Json::as_str)
        .and_then(DocumentHash::parse)
        .ok_or(Refusal::InvalidParameter(PERSISTED_QUERY_INVALID))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_body_is_written_byte_for_byte_as_serde_json_writes_it() {
        let data = async_graphql::Value::from_json(serde_json::json!({
            "claim": { "slug": "rest-pause", "statement": "A \"quoted\"\nclaim", "count": 3 }
        }))
        .expect("a value");
        let mut error = ServerError::new("Claim not found", None);
        error.path = vec![async_graphql::PathSegment::Field("claim".into())];
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", "NOT_FOUND");
        let mut extensions = std::collections::BTreeMap::new();
        extensions.insert("cost".to_owned(), async_graphql::Value::from(12));
        let none = std::collections::BTreeMap::new();
        for data in [None, Some(&data)] {
            for errors in [&[][..], std::slice::from_ref(&error)] {
                for extensions in [&none, &extensions] {
                    let body = ResponseBody {
                        data,
                        errors,
                        extensions,
                    };
                    let mut ours = Vec::new();
                    body.write_to(&mut ours).expect("writing");
                    let theirs = serde_json::to_vec(&body).expect("serialising");
                    assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
                }
            }
        }
    }

    fn accepting(accept: &str) -> Option<MediaType> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn no_accept_header_means_application_json() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(accepting(""), Some(MediaType::Json));
    }

    #[test]
    fn wildcards_mean_application_json() {
        assert_eq!(accepting("*/*"), Some(MediaType::Json));
        assert_eq!(accepting("application/*"), Some(MediaType::Json));
        assert_eq!(
            accepting("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Some(MediaType::Json)
        );
    }

    #[test]
    fn graphql_response_json_wins_when_named_with_at_least_the_quality_of_json() {
        assert_eq!(
            accepting("application/graphql-response+json, application/json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accepting("application/json, application/graphql-response+json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accepting("application/graphql-response+json;q=0.5, application/json"),
            Some(MediaType::Json)
        );
        assert_eq!(
            accepting("application/graphql-response+json; charset=utf-8, */*;q=0.1"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accepting("Application/GraphQL-Response+JSON"),
            Some(MediaType::GraphqlResponse)
        );
    }

    #[test]
    fn a_zero_quality_excludes_a_type() {
        assert_eq!(
            accepting("*/*, application/json;q=0"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(accepting("application/json;q=0"), None);
    }

    #[test]
    fn an_accept_naming_neither_type_is_not_acceptable() {
        assert_eq!(accepting("text/html"), None);
        assert_eq!(accepting("application/xml, text/*"), None);
    }

    fn content_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_utf8_json_bodies_are_json() {
        assert!(is_json(&content_type("application/json")));
        assert!(is_json(&content_type("application/json; charset=utf-8")));
        assert!(is_json(&content_type("Application/JSON;charset=\"UTF-8\"")));
        assert!(!is_json(&content_type("application/json; charset=latin1")));
        assert!(!is_json(&content_type("text/plain")));
        assert!(!is_json(&content_type("application/x-www-form-urlencoded")));
        assert!(!is_json(&content_type("multipart/form-data; boundary=x")));
        assert!(!is_json(&content_type("application/jsonp")));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn every_refusal_has_a_sentence_and_a_code() {
        let hash = DocumentHash::of("{ __typename }");
        let snapshot = RateSnapshot {
            limit: 10,
            used: 10,
            reset_at: std::time::SystemTime::now(),
            resets_in: std::time::Duration::from_secs(5),
        };
        for refusal in [
            Refusal::NotAcceptable,
            Refusal::MethodNotAllowed,
            Refusal::NotJson,
            Refusal::BodyTooLarge(1024 * 1024),
            Refusal::UnreadableBody,
            Refusal::EmptyBody,
            Refusal::MalformedJson { line: 1, column: 2 },
            Refusal::Batch,
            Refusal::NotAnObject,
            Refusal::MalformedUrlParameters,
            Refusal::MissingQuery,
            Refusal::InvalidParameter(VARIABLES_NOT_AN_OBJECT),
            Refusal::NotAQuery(OperationType::Mutation),
            Refusal::Unauthenticated("The API token is unknown or revoked."),
            Refusal::SeveralAuthorizations,
            Refusal::RateLimited {
                snapshot,
                priced: Some((3, 2)),
            },
            Refusal::HashMismatch {
                sent: hash,
                actual: DocumentHash::of("{ other }"),
            },
            Refusal::TrustedDocumentRequired,
        ] {
            let message = refusal.message();
            assert!(message.ends_with('.'), "{refusal:?}: {message}");
            for media in [MediaType::Json, MediaType::GraphqlResponse] {
                assert!(refusal.status(media).is_client_error(), "{refusal:?}");
            }
            assert!(!refusal.code().is_empty());
        }
    }

    #[test]
    fn a_document_the_server_cannot_find_is_a_request_error() {
        for refusal in [
            Refusal::PersistedQueryNotFound,
            Refusal::PersistedQueriesOff,
            Refusal::UnknownTrustedDocument(DocumentHash::of("{ __typename }")),
        ] {
            assert_eq!(
                refusal.status(MediaType::GraphqlResponse),
                StatusCode::BAD_REQUEST
            );
            assert_eq!(refusal.status(MediaType::Json), StatusCode::OK);
            assert!(refusal.code().starts_with("PERSISTED_QUERY_NOT_"), "{refusal:?}");
        }
    }

    #[test]
    fn body_limits_read_in_mib_when_whole() {
        assert_eq!(bytes_text(1024 * 1024), "1 MiB");
        assert_eq!(bytes_text(3 * 1024 * 1024), "3 MiB");
        assert_eq!(bytes_text(1000), "1000 bytes");
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        let token = |value: &str| bearer_token(&HeaderValue::from_str(value).unwrap()).map(str::to_owned);
        for value in [
            "Bearer cg_x",
            "bearer cg_x",
            "BEARER cg_x",
            "BeArEr   cg_x  ",
            " Bearer cg_x",
        ] {
            assert_eq!(token(value).as_deref(), Some("cg_x"), "{value:?}");
        }
        for value in ["Bearer", "Bearer ", "Basic cg_x", "Bearercg_x", "Token cg_x", ""] {
            assert_eq!(token(value), None, "{value:?}");
        }
    }

    fn forwarded(values: &[&str]) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        forwarded_for(&headers)
    }

    #[test]
    fn the_forwarded_address_is_the_last_one_the_proxy_appended() {
        assert_eq!(forwarded(&["203.0.113.9"]), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(
            forwarded(&["10.0.0.1, 198.51.100.7"]),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            forwarded(&["10.0.0.1", "2001:db8::1"]),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            forwarded(&["[2001:db8::2]:4711"]),
            Some("2001:db8::2".parse().unwrap())
        );
        assert_eq!(forwarded(&["198.51.100.7, unknown"]), None);
        assert_eq!(forwarded(&[]), None);
    }
}
