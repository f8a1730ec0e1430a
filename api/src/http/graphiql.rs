//! GraphiQL, served from assets compiled into the binary: the page requests nothing from any other
//! host, so it works offline. The files and their licences are in `api/assets/graphiql/`.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One bundled file: its name under `/graphiql/`, its media type and its bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $media_type:literal) => {
        Asset {
            name: $name,
            media_type: $media_type,
            bytes: include_bytes!(concat!("../../assets/graphiql/", $name)),
        }
    };
}

static ASSETS: &[Asset] = &[
    asset!("start.js", "text/javascript; charset=utf-8"),
    asset!("operations.js", "text/javascript; charset=utf-8"),
    asset!("examples.json", "application/json"),
    asset!("page.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.css", "text/css; charset=utf-8"),
    asset!("react.production.min.js", "text/javascript; charset=utf-8"),
    asset!("react-dom.production.min.js", "text/javascript; charset=utf-8"),
    asset!("LICENSE-graphiql", "text/plain; charset=utf-8"),
    asset!("LICENSE-react", "text/plain; charset=utf-8"),
    asset!("LICENSE-react-dom", "text/plain; charset=utf-8"),
];

static PAGE: &[u8] = include_bytes!("../../assets/graphiql/index.html");

/// The GraphiQL page, opening with the ClaimPage query for the seed claim.
pub async fn page() -> Response {
    // Scripts and styles from this origin only; GraphiQL's CSS inlines its fonts and icons as data: URLs.
    const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                          font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        PAGE,
    )
        .into_response()
}

/// A bundled asset, or 404.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.media_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such GraphiQL asset").into_response(),
    }
}
