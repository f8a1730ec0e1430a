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
//! response media type, takes POST bodies only as JSON of at most [`MAX_BODY_BYTES`], refuses
//! batches and mutations sent by GET, and answers every refusal as a GraphQL error with an
//! `extensions.code`.

use async_graphql::futures_util::StreamExt;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Extensions, ServerError, Variables};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use std::time::Instant;

use super::AppState;
use super::metrics::Outcome;
use crate::domain::accounts;
use crate::error::ErrorCode;
use crate::graphql::{Caller, request_loader};

/// The largest request body accepted, in MiB; a claim page query is a few KiB.
const MAX_BODY_MIB: usize = 1;
const MAX_BODY_BYTES: usize = MAX_BODY_MIB * 1024 * 1024;

/// `POST /graphql`: a JSON body `{"query", "operationName", "variables", "extensions"}`.
pub(super) async fn post(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let Some(media) = negotiate(&headers) else {
        return refuse_counted(&state, Refusal::NotAcceptable, MediaType::Json);
    };
    let caller = match authenticate(&state, &headers).await {
        Ok(caller) => caller,
        Err(refusal) => return refuse_counted(&state, refusal, media),
    };
    match read_post(&headers, body).await {
        Ok(request) => execute(&state, request.data(caller), media, request_id(&headers), None).await,
        Err(refusal) => refuse_counted(&state, refusal, media),
    }
}

/// `GET /graphql?query=...&operationName=...&variables=...`: queries only.
pub(super) async fn get(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(media) = negotiate(&headers) else {
        return refuse_counted(&state, Refusal::NotAcceptable, MediaType::Json);
    };
    let caller = match authenticate(&state, &headers).await {
        Ok(caller) => caller,
        Err(refusal) => return refuse_counted(&state, refusal, media),
    };
    // Only anonymous answers are public: a signed-in caller's may hold what only they can see.
    let cacheable = matches!(caller, Caller::Anonymous).then_some(&headers);
    match read_get(&uri) {
        Ok(request) => {
            execute(
                &state,
                request.data(caller),
                media,
                request_id(&headers),
                cacheable,
            )
            .await
        }
        Err(refusal) => refuse_counted(&state, refusal, media),
    }
}

/// Who signs the request: anonymous without `Authorization`, the token's owner with a valid
/// `Bearer` token, and a refusal for anything else: a malformed header, or a token that is unknown
/// or revoked (never silently anonymous, so a client learns at once that its token is bad).
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Refusal::Unauthenticated(
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

/// Refuses a request before execution, and counts it in `/metrics`.
fn refuse_counted(state: &AppState, refusal: Refusal, media: MediaType) -> Response {
    state.metrics.record(
        None,
        Outcome::Refused,
        &[refusal.code()],
        std::time::Duration::ZERO,
    );
    refuse(refusal, media)
}

/// Any other method.
pub(super) async fn other_method(headers: HeaderMap) -> Response {
    refuse(
        Refusal::MethodNotAllowed,
        negotiate(&headers).unwrap_or(MediaType::Json),
    )
}

/// Runs one request with a fresh loader and answers in `media`.
async fn execute(
    state: &AppState,
    request: async_graphql::Request,
    media: MediaType,
    request_id: Option<String>,
    get: Option<&HeaderMap>,
) -> Response {
    let started = Instant::now();
    let mut request = request;
    let operation = request
        .operation_name
        .clone()
        .or_else(|| sole_operation_name(&mut request));
    if let Some(name) = &operation {
        tracing::Span::current().record("graphql.operation", name.as_str());
    }
    // A loader in the schema's data would batch and cache across users: one per request.
    let request = request.data(request_loader(state.db.clone()));
    let timeout = state.options.request_timeout;
    let Ok(mut response) = tokio::time::timeout(timeout, state.schema.execute(request)).await else {
        // Dropping the execution cancels it; PostgreSQL's statement timeout bounds the database side.
        tracing::warn!(timeout_ms = timeout.as_millis() as u64, "request timed out");
        state.metrics.record(
            operation.as_deref(),
            Outcome::Timeout,
            &[ErrorCode::Timeout.as_str()],
            started.elapsed(),
        );
        tracing::Span::current().record("graphql.error_codes", ErrorCode::Timeout.as_str());
        let message = format!(
            "The request ran longer than {} ms and was stopped.",
            timeout.as_millis()
        );
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Timeout.as_str(),
            &message,
            media,
        );
    };
    for error in &mut response.errors {
        classify(error);
        if let Some(id) = &request_id {
            mark_internal(error, id);
        }
    }
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
    let cacheable = get.filter(|_| response.errors.is_empty());
    let mut http = respond(response, media);
    if let Some(request_headers) = cacheable {
        http = validated(http, request_headers).await;
    }
    http
}

/// How long shared caches and browsers may reuse a successful GET answer: public data only here,
/// so a minute of staleness is the price of a cache hit; an `ETag` makes revalidation cheap.
const GET_CACHE_CONTROL: &str = "public, max-age=60";

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
    parts
        .headers
        .insert(header::VARY, HeaderValue::from_static("accept"));
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
        // A resolver error that bypassed `ApiError`: never show its text.
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
    /// A POST body over [`MAX_BODY_BYTES`].
    BodyTooLarge,
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
    /// No `query`, or a `query` that is not a string.
    MissingQuery,
    /// A parameter of the wrong JSON type; the message says which and what it must be.
    InvalidParameter(&'static str),
    /// A GET whose operation is not a query.
    NotAQuery(OperationType),
    /// A malformed `Authorization` header, or an unknown or revoked token.
    Unauthenticated(&'static str),
    /// The token could not be checked: the database failed (the cause is logged).
    AuthenticationUnavailable,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Refusal::MethodNotAllowed | Refusal::NotAQuery(_) => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Refusal::AuthenticationUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::UnreadableBody
            | Refusal::EmptyBody
            | Refusal::MalformedJson { .. }
            | Refusal::Batch
            | Refusal::NotAnObject
            | Refusal::MalformedUrlParameters
            | Refusal::MissingQuery
            | Refusal::InvalidParameter(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The `extensions.code`: the HTTP status's name.
    fn code(&self) -> &'static str {
        match self.status() {
            StatusCode::NOT_ACCEPTABLE => "NOT_ACCEPTABLE",
            StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
            StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthenticated.as_str(),
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::InternalServerError.as_str(),
            _ => "BAD_REQUEST",
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
            Refusal::BodyTooLarge => {
                format!("The request body is larger than {MAX_BODY_MIB} MiB, the most this endpoint reads.")
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
                operationName, variables and extensions at most once, URL-encoded."
                .to_owned(),
            Refusal::MissingQuery => "The request has no query: send the GraphQL document as a string in \
                the query parameter."
                .to_owned(),
            Refusal::InvalidParameter(message) => (*message).to_owned(),
            Refusal::NotAQuery(operation) => {
                format!("Only queries may be sent by GET: send this {operation} by POST.")
            }
            Refusal::Unauthenticated(message) => (*message).to_owned(),
            Refusal::AuthenticationUnavailable => crate::error::INTERNAL_MESSAGE.to_owned(),
        }
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

/// A refusal as a GraphQL response with no `data`.
fn refuse(refusal: Refusal, media: MediaType) -> Response {
    let mut response = error_response(refusal.status(), refusal.code(), &refusal.message(), media);
    if let Some(allow) = refusal.allow() {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
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
    let body = ResponseBody {
        data: None,
        errors: std::slice::from_ref(&error),
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

/// A GraphQL response in `media`.
///
/// A request error (the document does not parse or validate, or the variables do not fit) leaves
/// no `data` and no error with a path: under `application/graphql-response+json` that is a 400, under
/// `application/json` a 200
/// (<https://graphql.github.io/graphql-over-http/draft/#sec-Response>).
fn respond(response: async_graphql::Response, media: MediaType) -> Response {
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let body = ResponseBody {
        data: (!request_error).then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    let body = match serde_json::to_string(&body) {
        Ok(body) => body,
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
    let mut http = (status, body).into_response();
    let headers = http.headers_mut();
    headers.insert(header::CONTENT_TYPE, media.content_type());
    if response.is_ok()
        && let Some(cache_control) = response.cache_control.value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(response.http_headers);
    http
}

/// A POST's request: declared JSON, within the size limit, one JSON object.
async fn read_post(headers: &HeaderMap, body: Body) -> Result<async_graphql::Request, Refusal> {
    if !is_json(headers) {
        return Err(Refusal::NotJson);
    }
    let bytes = read_body(headers, body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::EmptyBody);
    }
    let json: Json = serde_json::from_slice(&bytes).map_err(|err| Refusal::MalformedJson {
        line: err.line(),
        column: err.column(),
    })?;
    match json {
        Json::Object(parameters) => request_from_parameters(parameters),
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

/// Reads the whole body, refusing it as soon as it is known to be over [`MAX_BODY_BYTES`]: from
/// `Content-Length` before reading anything, otherwise while reading.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Refusal> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(Refusal::BodyTooLarge);
    }
    let mut bytes = Vec::new();
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| Refusal::UnreadableBody)?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Refusal::BodyTooLarge);
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
}

/// A GET's request, if its operation is a query
/// (<https://graphql.github.io/graphql-over-http/draft/#sec-GET>).
fn read_get(uri: &Uri) -> Result<async_graphql::Request, Refusal> {
    let Query(url) =
        Query::<UrlParameters>::try_from_uri(uri).map_err(|_| Refusal::MalformedUrlParameters)?;
    let mut parameters = Map::new();
    if let Some(query) = url.query {
        parameters.insert("query".to_owned(), Json::String(query));
    }
    if let Some(name) = url.operation_name {
        parameters.insert("operationName".to_owned(), Json::String(name));
    }
    for (name, text, refusal) in [
        ("variables", url.variables, VARIABLES_NOT_AN_OBJECT),
        ("extensions", url.extensions, EXTENSIONS_NOT_AN_OBJECT),
    ] {
        if let Some(text) = text {
            let value = serde_json::from_str(&text).map_err(|_| Refusal::InvalidParameter(refusal))?;
            parameters.insert(name.to_owned(), value);
        }
    }
    let mut request = request_from_parameters(parameters)?;
    match operation_type(&mut request) {
        Some(operation @ (OperationType::Mutation | OperationType::Subscription)) => {
            Err(Refusal::NotAQuery(operation))
        }
        // A query, or a document whose operation execution will report as missing or unparsable.
        Some(OperationType::Query) | None => Ok(request),
    }
}

const VARIABLES_NOT_AN_OBJECT: &str =
    "The variables parameter must be a JSON object mapping each variable's name to its value, or null.";
const EXTENSIONS_NOT_AN_OBJECT: &str = "The extensions parameter must be a JSON object, or null.";

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

/// Checks each parameter's JSON type (<https://graphql.github.io/graphql-over-http/draft/#sec-Request-Parameters>);
/// `null` counts as absent, and parameters the spec does not name are ignored.
fn request_from_parameters(mut parameters: Map<String, Json>) -> Result<async_graphql::Request, Refusal> {
    let query = match parameters.remove("query") {
        Some(Json::String(query)) => query,
        None | Some(Json::Null) => return Err(Refusal::MissingQuery),
        Some(_) => {
            return Err(Refusal::InvalidParameter(
                "The query parameter must be a string holding a GraphQL document.",
            ));
        }
    };
    let mut request = async_graphql::Request::new(query);
    match parameters.remove("operationName") {
        None | Some(Json::Null) => {}
        Some(Json::String(name)) => request = request.operation_name(name),
        Some(_) => {
            return Err(Refusal::InvalidParameter(
                "The operationName parameter must be a string naming an operation in the document, or null.",
            ));
        }
    }
    match parameters.remove("variables") {
        None | Some(Json::Null) => {}
        Some(variables @ Json::Object(_)) => request = request.variables(Variables::from_json(variables)),
        Some(_) => return Err(Refusal::InvalidParameter(VARIABLES_NOT_AN_OBJECT)),
    }
    match parameters.remove("extensions") {
        None | Some(Json::Null) => {}
        Some(extensions @ Json::Object(_)) => {
            request.extensions = serde_json::from_value::<Extensions>(extensions)
                .map_err(|_| Refusal::InvalidParameter(EXTENSIONS_NOT_AN_OBJECT))?;
        }
        Some(_) => return Err(Refusal::InvalidParameter(EXTENSIONS_NOT_AN_OBJECT)),
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for refusal in [
            Refusal::NotAcceptable,
            Refusal::MethodNotAllowed,
            Refusal::NotJson,
            Refusal::BodyTooLarge,
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
        ] {
            let message = refusal.message();
            assert!(message.ends_with('.'), "{refusal:?}: {message}");
            assert!(refusal.status().is_client_error(), "{refusal:?}");
            assert!(!refusal.code().is_empty());
        }
    }
}
