//! Reading a GraphQL-over-HTTP request: a POST's JSON body (declared JSON, within the size limit,
//! one object, nested no deeper than the parser may read) and a GET's URL parameters, each checked
//! for the JSON type the spec gives it
//! (<https://graphql.github.io/graphql-over-http/draft/#sec-Request-Parameters>).

use async_graphql::futures_util::StreamExt;
use async_graphql::{Extensions, Variables};
use axum::body::Body;
use axum::extract::Query;
use axum::http::{HeaderMap, Uri, header};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use super::documents::DocumentHash;
use super::negotiation::MediaType;
use super::refusal::Refusal;
use crate::graphql::nesting::{self};

/// A POST's parameters: declared JSON, within the size limit, one JSON object.
pub(super) async fn read_post(
    headers: &HeaderMap,
    body: Body,
    max_bytes: usize,
) -> Result<Parameters, Refusal> {
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
pub(super) fn is_json(headers: &HeaderMap) -> bool {
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
pub(super) async fn read_body(headers: &HeaderMap, body: Body, max_bytes: usize) -> Result<Vec<u8>, Refusal> {
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
pub(super) struct UrlParameters {
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
pub(super) fn read_get(uri: &Uri) -> Result<Parameters, Refusal> {
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

pub(super) const VARIABLES_NOT_AN_OBJECT: &str =
    "The variables parameter must be a JSON object mapping each variable's name to its value, or null.";

pub(super) const EXTENSIONS_NOT_AN_OBJECT: &str = "The extensions parameter must be a JSON object, or null.";

pub(super) const DOCUMENT_ID_INVALID: &str =
    "The documentId parameter must name a document by its SHA-256: sha256:<64 hexadecimal digits>.";

pub(super) const PERSISTED_QUERY_INVALID: &str = "extensions.persistedQuery must be an object \
    {\"version\": 1, \"sha256Hash\": \"<the query's SHA-256 as 64 hexadecimal digits>\"}.";

pub(super) const PERSISTED_QUERY_VERSION: &str = "Only version 1 of extensions.persistedQuery is supported.";

pub(super) const TWO_DOCUMENT_IDS: &str =
    "documentId and extensions.persistedQuery.sha256Hash name different documents: send one.";

/// A request's parameters, each of the JSON type the spec gives it, before its document is found.
pub(super) struct Parameters {
    /// The document's text, once known (its own, or found by its hash).
    pub(super) query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Variables>,
    extensions: Extensions,
    /// The document named by hash: `documentId`, or `extensions.persistedQuery.sha256Hash`.
    pub(super) document_id: Option<DocumentHash>,
}

impl Parameters {
    /// Checks each parameter's JSON type
    /// (<https://graphql.github.io/graphql-over-http/draft/#sec-Request-Parameters>); `null` counts
    /// as absent, and parameters the spec does not name are ignored.
    pub(super) fn from_json(mut parameters: Map<String, Json>) -> Result<Parameters, Refusal> {
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
    pub(super) fn into_request(self) -> Option<async_graphql::Request> {
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
pub(super) fn persisted_query_hash(persisted_query: Json) -> Result<DocumentHash, Refusal> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
}
