//! Requests refused before any GraphQL runs: why, with which status and `extensions.code`, and the
//! GraphQL error response that says so in the negotiated media type.

use async_graphql::ServerError;
use async_graphql::parser::types::OperationType;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::admission::insert_rate_limit_headers;
use super::documents::DocumentHash;
use super::metrics::Outcome;
use super::negotiation::MediaType;
use super::response::ResponseBody;
use crate::error::ErrorCode;
use crate::graphql::engine::Refused;
use crate::graphql::inputs::InputError;
use crate::graphql::nesting::{Place, TooDeep};
use crate::rate_limit::RateSnapshot;

/// Why a request was refused before any GraphQL ran.
#[derive(Debug)]
pub(super) enum Refusal {
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
    pub(super) fn status(&self, media: MediaType) -> StatusCode {
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
    pub(super) fn code(&self) -> &'static str {
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

    pub(super) fn message(&self) -> String {
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
    pub(super) fn error(&self) -> ServerError {
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
    pub(super) fn allow(&self) -> Option<&'static str> {
        match self {
            Refusal::NotAQuery(_) => Some("POST"),
            Refusal::MethodNotAllowed => Some("GET, POST"),
            _ => None,
        }
    }
}

/// A byte count as people read it: whole MiB when it is a whole number of them.
pub(super) fn bytes_text(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// A refusal as a GraphQL response with no `data`.
pub(super) fn refuse(refusal: Refusal, media: MediaType) -> Response {
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
pub(super) fn error_response(status: StatusCode, code: &str, message: &str, media: MediaType) -> Response {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error_body_response(status, &error, media)
}

/// `error` as a GraphQL response with no `data`.
pub(super) fn error_body_response(status: StatusCode, error: &ServerError, media: MediaType) -> Response {
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
pub(super) fn internal_error_body() -> String {
    serde_json::json!({
        "errors": [{
            "message": crate::error::INTERNAL_MESSAGE,
            "extensions": { "code": ErrorCode::InternalServerError.as_str() }
        }]
    })
    .to_string()
}

/// Refuses a request before execution, and counts it in `/metrics` and the request's log line.
pub(super) fn refuse_counted(state: &AppState, refusal: Refusal, media: MediaType) -> Response {
    let code = refusal.code();
    state
        .metrics
        .record(None, Outcome::Refused, &[code], std::time::Duration::ZERO);
    tracing::Span::current().record("graphql.error_codes", code);
    refuse(refusal, media)
}

impl From<Refused> for Refusal {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::TooDeep(deep) => Refusal::TooDeep(deep),
            Refused::NotAQuery(operation) => Refusal::NotAQuery(operation),
            Refused::MissingVariable(name, ty) => Refusal::MissingVariable(name, ty),
            Refused::Input(error) => Refusal::Input(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::VARIABLES_NOT_AN_OBJECT;

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
}
