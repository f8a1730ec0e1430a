//! The web layer: routes, the GraphQL handler, GraphiQL, health, and the layers around them.

mod graphiql;

use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::ErrorCode;
use crate::graphql::{ClaimgraphSchema, build_schema, request_loader};

/// The largest request body accepted; a claim page query is a few KiB.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler shares: the schema and the database pool.
#[derive(Clone)]
pub struct AppState {
    pub schema: ClaimgraphSchema,
    pub db: DatabaseConnection,
}

impl AppState {
    pub fn new(db: DatabaseConnection) -> Self {
        AppState {
            schema: build_schema(),
            db,
        }
    }
}

/// The whole HTTP app.
pub fn build_app(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route("/graphiql", get(graphiql::page))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/health", get(health))
        .route("/", get(|| async { Redirect::temporary("/graphiql") }))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
}

/// Runs one GraphQL request (GET or POST) with a fresh per-request loader.
async fn graphql(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    let request = request.into_inner().data(request_loader(state.db.clone()));
    let mut response = state.schema.execute(request).await;
    for error in &mut response.errors {
        classify(error);
    }
    response.into()
}

/// Gives every error an `extensions.code`. Our resolvers set theirs; what is left comes from
/// async-graphql before execution: a document that does not parse, or one that fails validation
/// (unknown fields, wrong argument or variable types).
fn classify(error: &mut async_graphql::ServerError) {
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

/// Liveness: the process answers.
async fn health() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}
