//! GraphQL responses over HTTP: the body written as `serde_json` would write it (with `data`
//! through `graphql::json`), the status the media type asks for, and for a public GET answer its
//! `Cache-Control`, `ETag` and `304 Not Modified`.

use async_graphql::ServerError;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::negotiation::MediaType;
use super::refusal::internal_error_body;
use crate::graphql::engine::is_request_error;

/// The response body: `data` is left out when the request failed before execution, as the
/// GraphQL spec asks (<https://spec.graphql.org/October2021/#sec-Data>).
#[derive(Serialize)]
pub(super) struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(super) errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub(super) extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl ResponseBody<'_> {
    /// Appends the body as JSON, byte for byte as `serde_json` writes it; `data`, the bulk of a
    /// page, through [`super::json`].
    pub(super) fn write_to(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
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
pub(super) const RESPONSE_BUFFER_BYTES: usize = 16 * 1024;

/// A GraphQL response in `media`.
///
/// A request error (the document does not parse or validate, or the variables do not fit) leaves
/// no `data` and no error with a path: under `application/graphql-response+json` that is a 400, under
/// `application/json` a 200
/// (<https://graphql.github.io/graphql-over-http/draft/#sec-Response>).
pub(super) fn respond(response: async_graphql::Response, media: MediaType) -> Response {
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

/// A response of `body`, JSON in `media`.
pub(super) fn json_response(status: StatusCode, body: Vec<u8>, media: MediaType) -> Response {
    let mut http = (status, body).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    http
}

/// How long shared caches and browsers may reuse a successful GET answer that cannot depend on the
/// caller: a minute of staleness is the price of a cache hit; an `ETag` makes revalidation cheap.
pub(super) const GET_CACHE_CONTROL: &str = "public, max-age=60";

/// An answer that depends on the caller: no cache may store it, not even the browser's, so there is
/// nothing to revalidate and it carries no `ETag` (which would fingerprint one client's data).
pub(super) const PRIVATE_CACHE_CONTROL: &str = "private, no-store";

/// Adds `Cache-Control` and an `ETag` to a successful GET answer, and answers `304 Not Modified`
/// when the client's `If-None-Match` already names that ETag.
pub(super) async fn validated(response: Response, request_headers: &HeaderMap) -> Response {
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
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
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
}
