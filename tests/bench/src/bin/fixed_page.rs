//! The benchmark's HTTP ceiling (`tests/bench/run`): a server that answers every `POST /graphql` with
//! the same bytes, a real ClaimPage response saved by the benchmark, on the same stack as claimgraph
//! (tokio, hyper, axum) but with no GraphQL, no database and no middleware. Whatever claimgraph
//! serves slower than this is time spent in claimgraph, not in HTTP or the load generator.
//!
//! Usage: `fixed_page LISTEN_ADDR BODY_FILE` (e.g. `fixed_page 127.0.0.1:18083 page.json`).

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(path)) = (args.next(), args.next()) else {
        return Err("usage: fixed_page LISTEN_ADDR BODY_FILE".into());
    };
    let listen: SocketAddr = listen.parse()?;
    let page = Bytes::from(std::fs::read(&path).map_err(|e| format!("reading {path}: {e}"))?);
    let app = Router::new()
        .route(
            "/graphql",
            // The request body is read, as claimgraph reads it, and then ignored.
            post(move |_request: Bytes| {
                let page = page.clone();
                async move { ([(CONTENT_TYPE, "application/graphql-response+json")], page) }
            }),
        )
        .route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
