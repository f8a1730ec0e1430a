//! `/ready` answers within a second whatever the database does, and `/metrics` says whether the
//! database answers. On SQLite "down" is a pool with no connection to give (the file cannot go
//! away under an open connection); on PostgreSQL, also a server that stops answering, simulated by
//! a proxy inside the test (the machine's PostgreSQL keeps running).

use std::time::Duration;

use api::db::PoolSettings;
use api::{AppState, build_app};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tests::{DATABASE_ENV, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, sleep};
use tower::ServiceExt;

/// The bound the issue sets on `/ready`.
const BOUND: Duration = Duration::from_secs(1);

/// GETs `uri`; its status, body and how long it took.
async fn get(router: &Router, uri: &str) -> (StatusCode, String, Duration) {
    let started = Instant::now();
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("a request"))
        .await
        .expect("the router is infallible");
    let status = response.status();
    let body = response.into_body().collect().await.expect("a body").to_bytes();
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        started.elapsed(),
    )
}

/// The value of gauge `name` on `/metrics`.
async fn gauge(router: &Router, name: &str) -> String {
    let (_, text, elapsed) = get(router, "/metrics").await;
    assert!(elapsed < BOUND, "/metrics took {elapsed:?}");
    let prefix = format!("{name} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .to_owned()
}

#[tokio::test]
async fn ready_answers_503_within_a_second_while_no_pooled_connection_comes_free_and_200_after() {
    let app = TestApp::seeded().await;
    let (status, _, _) = get(&app.router, "/ready").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(gauge(&app.router, "claimgraph_db_up").await, "1");

    let held = app.hold_every_connection().await;
    let (status, body, elapsed) = get(&app.router, "/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(elapsed < BOUND, "/ready took {elapsed:?}");
    assert_eq!(gauge(&app.router, "claimgraph_db_up").await, "0");

    drop(held);
    let (status, body, _) = get(&app.router, "/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(gauge(&app.router, "claimgraph_db_up").await, "1");
}

#[tokio::test]
async fn ready_answers_503_within_a_second_while_postgresql_drops_every_connection_and_200_after() {
    outage_on_postgresql(Mode::Drop).await;
}

#[tokio::test]
async fn ready_answers_503_within_a_second_while_postgresql_stalls_and_200_after() {
    // The case: connections stay open and idle in the pool, and nothing answers on them.
    outage_on_postgresql(Mode::Stall).await;
}

/// `/ready` and `claimgraph_db_up` through an outage of kind `outage`, on PostgreSQL only.
async fn outage_on_postgresql(outage: Mode) {
    let Some(url) = std::env::var(DATABASE_ENV).ok().filter(|url| !url.is_empty()) else {
        println!("note: the outage checks run on PostgreSQL only (set TEST_DATABASE_URL); skipped on SQLite");
        return;
    };
    let (before, rest) = url.split_once('@').expect("a URL with user@host");
    let (upstream, database) = rest.split_once('/').expect("a URL with a database");
    let proxy = Proxy::start(upstream.to_owned()).await;
    let proxied = format!("{before}@{}/{database}", proxy.address);
    // The pool waits 5 s for a connection, as in production.
    let db = api::db::connect_with(&proxied, PoolSettings::default())
        .await
        .expect("connecting through the proxy");
    let router = build_app(AppState::new(db));
    let (status, _, _) = get(&router, "/ready").await;
    assert_eq!(status, StatusCode::OK);

    proxy.set(outage);
    for _ in 0..3 {
        let (status, body, elapsed) = get(&router, "/ready").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(elapsed < BOUND, "/ready took {elapsed:?} during the outage");
    }
    assert_eq!(gauge(&router, "claimgraph_db_up").await, "0");

    proxy.set(Mode::Forward);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _, elapsed) = get(&router, "/ready").await;
        assert!(elapsed < BOUND, "/ready took {elapsed:?} after the outage");
        if status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/ready still 503 long after the outage"
        );
        sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(gauge(&router, "claimgraph_db_up").await, "1");
}

/// What the proxy does with the bytes it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Carries them both ways.
    Forward,
    /// Drops every connection it carries, as a restarted database host would.
    Drop,
    /// Carries nothing more on open connections and leaves them open, as a network partition
    /// would; the bytes flow again once it forwards again.
    Stall,
}

/// A TCP proxy to PostgreSQL that can drop or stall: in either outage it accepts new connections
/// and never answers them, as a database host that vanished from the network would look.
struct Proxy {
    address: std::net::SocketAddr,
    mode: watch::Sender<Mode>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("its address");
        let (mode, watching) = watch::channel(Mode::Forward);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut watching = watching.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if *watching.borrow_and_update() != Mode::Forward {
                        // Held unanswered until the outage ends, then dropped.
                        let _ = watching.wait_for(|mode| *mode == Mode::Forward).await;
                        return;
                    }
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (client_reads, client_writes) = client.into_split();
                    let (server_reads, server_writes) = server.into_split();
                    tokio::join!(
                        carry(client_reads, server_writes, watching.clone()),
                        carry(server_reads, client_writes, watching),
                    );
                });
            }
        });
        Proxy { address, mode, task }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

/// Copies `from` to `to` while the mode lets it: held while stalled, ended when dropped.
async fn carry(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
) {
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let read = tokio::select! {
            read = from.read(&mut buffer) => read,
            _ = mode.wait_for(|mode| *mode == Mode::Drop) => return,
        };
        let Ok(n @ 1..) = read else {
            return;
        };
        match mode.wait_for(|mode| *mode != Mode::Stall).await {
            Ok(mode) if *mode == Mode::Forward => {}
            _ => return,
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
