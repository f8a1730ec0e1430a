//! The web layer: routes, the GraphQL handler, GraphiQL, health, and the layers around them; the
//! documents a request can name by hash (`documents`); the server loop that accepts and times
//! connections (`serve`).

mod admission;
pub mod documents;
mod graphiql;
mod graphql;
pub mod metrics;
mod negotiation;
mod refusal;
mod request;
mod response;
pub mod serve;
mod state;

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, HttpOptions};

/// The header that carries a request's id, set on arrival when the client sent none, and returned.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The whole HTTP app.
pub fn build_app(state: AppState) -> Router {
    let graphiql_routes = if state.options.graphiql {
        Router::new()
            .route("/graphiql", get(graphiql::page))
            .route("/graphiql/{file}", get(graphiql::asset))
            .route("/", get(|| async { Redirect::temporary("/graphiql") }))
    } else {
        Router::new()
    };
    let routes = Router::new()
        // The one route that reads a body: the handler enforces the size limit itself, so that an
        // oversized body is refused as a JSON GraphQL error like every other refusal there.
        .route(
            "/graphql",
            get(graphql::get)
                .post(graphql::post)
                .fallback(graphql::other_method),
        )
        .merge(graphiql_routes)
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::metrics));
    let options = state.options.clone();
    with_layers(routes.with_state(state), &options)
}

/// The request headers a browser page on another origin may send. Beyond the body's type, the
/// accepted answer and the token: the W3C Trace Context and Baggage headers
/// (<https://www.w3.org/TR/trace-context/>, <https://www.w3.org/TR/baggage/>) and Sentry's, which
/// tracing SDKs add to every call, Apollo Client's identification and CSRF-prevention headers, and
/// the request id we answer with. A header missing here makes the browser block the whole request.
const ALLOWED_REQUEST_HEADERS: [&str; 12] = [
    "content-type",
    "accept",
    "authorization",
    "traceparent",
    "tracestate",
    "baggage",
    "sentry-trace",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    REQUEST_ID_HEADER,
];

/// The layers every route is served through: panics caught, one log line per request, CORS, the
/// default security headers and the request id.
fn with_layers(routes: Router, options: &HttpOptions) -> Router {
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(ALLOWED_REQUEST_HEADERS.map(HeaderName::from_static))
        // Browser clients may read the request id and where they stand against the rate limit.
        .expose_headers(
            [
                REQUEST_ID_HEADER,
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-used",
                "x-ratelimit-reset",
                "retry-after",
            ]
            .map(HeaderName::from_static),
        )
        .max_age(Duration::from_secs(3600))
        .allow_origin(match &options.cors_origins {
            Some(origins) => AllowOrigin::list(origins.clone()),
            None => AllowOrigin::any(),
        });
    routes
        // Inside the trace layer, so the panic is logged in the request's span, with its id.
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    // The path only: a GET query's text and variables stay out of the logs.
                    let id = request
                        .headers()
                        .get(REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %id,
                        // Filled in by the GraphQL handler, so the one line per request says them.
                        graphql.operation = tracing::field::Empty,
                        graphql.error_codes = tracing::field::Empty,
                    )
                })
                .on_request(())
                .on_response(
                    |response: &axum::http::Response<axum::body::Body>,
                     latency: Duration,
                     _span: &tracing::Span| {
                        let duration_ms = latency.as_secs_f64() * 1000.0;
                        tracing::info!(
                            status = response.status().as_u16(),
                            duration_ms,
                            "request finished"
                        );
                    },
                ),
        )
        .layer(cors)
        // Defaults for every response; the GraphiQL page sets its own policy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
            REQUEST_ID_HEADER,
        )))
        .layer(SetRequestIdLayer::new(
            HeaderName::from_static(REQUEST_ID_HEADER),
            MakeRequestUuid,
        ))
        .layer(axum::middleware::map_request(drop_unsafe_request_id))
}

/// A panic while serving one request answers that request with a 500 `INTERNAL_SERVER_ERROR`, its
/// cause logged; every other request goes on untouched. No handler should panic: this is the net
/// under them.
fn answer_panic(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let cause = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("a panic with no message");
    tracing::error!(
        error.code = "INTERNAL_SERVER_ERROR",
        error.cause = cause,
        "request handler panicked"
    );
    let body = serde_json::json!({
        "errors": [{
            "message": crate::error::INTERNAL_MESSAGE,
            "extensions": { "code": crate::error::ErrorCode::InternalServerError.as_str() }
        }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// Keeps a client's own `x-request-id` only when it is a short token (letters, digits, `.`, `_`,
/// `-`, at most 64), so the id can correlate logs without carrying anything into them; any other
/// value is dropped and the request gets a new UUID.
async fn drop_unsafe_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let safe = |value: &HeaderValue| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 64
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if request
        .headers()
        .get(REQUEST_ID_HEADER)
        .is_some_and(|value| !safe(value))
    {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    request
}

/// Readiness: the database answers within `HttpOptions::ready_timeout`; 503 while it does not, so
/// a load balancer stops sending traffic. On SQLite "does not answer" means no pooled connection
/// came free in time, or the connection failed: the file cannot vanish under an open connection.
async fn ready(State(state): State<AppState>) -> Response {
    if state.probe.answers(&state.db).await {
        Json(serde_json::json!({ "status": "ready" })).into_response()
    } else {
        tracing::warn!(
            timeout_ms = state.options.ready_timeout.as_millis() as u64,
            "readiness check failed: the database did not answer in time"
        );
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable" })),
        )
            .into_response()
    }
}

/// Liveness: the process answers.
async fn health() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panic_answers_its_own_request_with_500_and_the_next_is_served() {
        let routes = Router::new()
            .route(
                "/boom",
                get(|| async {
                    let parsed: Result<u8, _> = "not a number".parse::<u8>();
                    #[expect(clippy::expect_used, reason = "the panic under test")]
                    let number = parsed.expect("a handler bug");
                    number.to_string()
                }),
            )
            .route("/health", get(health));
        let app = with_layers(routes, &HttpOptions::default());
        let request = |path: &str| Request::get(path).body(Body::empty()).expect("a request");
        let response = app.clone().oneshot(request("/boom")).await.expect("an answer");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().contains_key(REQUEST_ID_HEADER));
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR");
        assert_eq!(body["errors"][0]["message"], crate::error::INTERNAL_MESSAGE);
        let response = app.oneshot(request("/health")).await.expect("an answer");
        assert_eq!(response.status(), StatusCode::OK);
    }
}
