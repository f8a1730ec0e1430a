//! The server loop (`api::http::serve`) over real TCP on port 0, with bounds of a few hundred
//! milliseconds: slow headers and bodies are cut, idle connections closed, the connection cap
//! holds, and shutdown answers every request it has received. Timing assertions are generous
//! bounds, not figures.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use api::http::serve::{self, ServeOptions, Stopped};
use tests::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};

/// A generous ceiling on anything that should happen at a bound of 300 ms.
const SOON: Duration = Duration::from_secs(3);

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n";

/// A server on a port of its own, stopped when `stop` is called or the test ends.
struct Server {
    address: SocketAddr,
    options: ServeOptions,
    stop: Option<oneshot::Sender<()>>,
    stopped: JoinHandle<Stopped>,
    _app: TestApp,
}

impl Server {
    async fn start(options: ServeOptions) -> Server {
        let app = TestApp::seeded().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("its address");
        let (stop, stop_requested) = oneshot::channel::<()>();
        let stopped = tokio::spawn(serve::run(
            listener,
            app.router.clone(),
            options.clone(),
            async move {
                let _ = stop_requested.await;
            },
        ));
        Server {
            address,
            options,
            stop: Some(stop),
            stopped,
            _app: app,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address).await.expect("connecting")
    }

    fn counter(&self, read: impl Fn(&serve::ConnectionCounters) -> &std::sync::atomic::AtomicU64) -> u64 {
        read(&self.options.counters).load(Ordering::Relaxed)
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Every bound at 300 ms, a cap of 64 connections.
fn short_bounds() -> ServeOptions {
    ServeOptions {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        response_write_timeout: Duration::from_millis(300),
        max_connections: 64,
        shutdown_deadline: Duration::from_secs(5),
        ..ServeOptions::default()
    }
}

/// An HTTP/1.1 answer as read off the socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The header block, lower-cased.
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    fn closes(&self) -> bool {
        self.headers.contains("\r\nconnection: close")
    }
}

/// Reads one answer (headers and a `Content-Length` body); `None` when the connection closes
/// first (or is reset), or nothing complete comes within [`SOON`].
async fn read_answer(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<Answer> {
    let mut buffer = Vec::new();
    let read = async {
        let mut chunk = [0_u8; 4096];
        loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let headers = String::from_utf8_lossy(&buffer[..end + 2]).to_lowercase();
                let length = headers
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buffer.len() >= end + 4 + length {
                    let status = headers.get(9..12)?.parse().ok()?;
                    let body = buffer[end + 4..end + 4 + length].to_vec();
                    return Some(Answer {
                        status,
                        headers,
                        body,
                    });
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
    };
    timeout(SOON, read).await.ok().flatten()
}

/// Waits for the server to close the connection (end of stream or reset), discarding anything it
/// sends; returns how long that took, or `None` if it stayed open past [`SOON`].
async fn closed_after(stream: &mut (impl AsyncReadExt + Unpin), since: Instant) -> Option<Duration> {
    let mut chunk = [0_u8; 1024];
    let wait = async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return since.elapsed(),
                Ok(_) => {}
            }
        }
    };
    timeout(SOON, wait).await.ok()
}

/// Sends `bytes` one at a time, `pause` apart, until they run out or the server closes.
fn trickle(mut writer: tokio::net::tcp::OwnedWriteHalf, bytes: Vec<u8>, pause: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        for byte in bytes {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            sleep(pause).await;
        }
    })
}

/// A POST of `{ __typename }` to /graphql: its head, and its body.
fn typename_post() -> (Vec<u8>, Vec<u8>) {
    let body = br#"{"query":"{ __typename }"}"#.to_vec();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Accept: application/graphql-response+json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    (head.into_bytes(), body)
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_after_the_header_timeout() {
    let server = Server::start(short_bounds()).await;
    let (mut reader, writer) = server.connect().await.into_split();
    let started = Instant::now();
    let mut slow = b"GET /health HTTP/1.1\r\nHost: test\r\nX-Slow: ".to_vec();
    slow.extend(std::iter::repeat_n(b'a', 200));
    let sender = trickle(writer, slow, Duration::from_millis(20));

    // A normal client is served meanwhile.
    let mut normal = server.connect().await;
    normal.write_all(HEALTH).await.expect("writing");
    assert_eq!(read_answer(&mut normal).await.map(|a| a.status), Some(200));

    let closed = closed_after(&mut reader, started).await;
    let closed = closed.expect("the slow connection is closed");
    assert!(
        closed >= Duration::from_millis(250),
        "cut at {closed:?}, before the header timeout"
    );
    assert_eq!(server.counter(|c| &c.header_timeouts), 1);
    sender.abort();
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = Server::start(short_bounds()).await;
    let started = Instant::now();
    let mut silent = server.connect().await;
    let closed = closed_after(&mut silent, started)
        .await
        .expect("the silent connection is closed");
    assert!(closed >= Duration::from_millis(250), "cut at {closed:?}");
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_answered_408_after_the_body_timeout_and_the_connection_closed() {
    let server = Server::start(ServeOptions {
        header_read_timeout: Duration::from_secs(5),
        ..short_bounds()
    })
    .await;
    let (mut reader, mut writer) = server.connect().await.into_split();
    let (head, body) = typename_post();
    writer.write_all(&head).await.expect("writing the head");
    let started = Instant::now();
    let sender = trickle(writer, body, Duration::from_millis(50));

    let answer = read_answer(&mut reader).await.expect("an answer");
    assert_eq!(answer.status, 408, "{answer:?}");
    assert!(answer.closes(), "{answer:?}");
    let text = String::from_utf8_lossy(&answer.body);
    assert!(text.contains("BODY_TIMEOUT"), "{text}");
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(
        closed_after(&mut reader, started).await.is_some(),
        "the connection closes"
    );
    assert_eq!(server.counter(|c| &c.body_timeouts), 1);
    sender.abort();
}

#[tokio::test]
async fn a_body_that_arrives_in_time_is_read_whole() {
    let server = Server::start(ServeOptions {
        body_read_timeout: Duration::from_secs(2),
        ..short_bounds()
    })
    .await;
    let (mut reader, mut writer) = server.connect().await.into_split();
    let (head, body) = typename_post();
    writer.write_all(&head).await.expect("writing the head");
    // About 0.5 s of trickling: slower than the 300 ms header bound, within the body's 2 s.
    let sender = trickle(writer, body, Duration::from_millis(20));
    let answer = read_answer(&mut reader).await.expect("an answer");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(String::from_utf8_lossy(&answer.body).contains("__typename"));
    sender.abort();
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout_and_not_before() {
    let server = Server::start(ServeOptions {
        header_read_timeout: Duration::from_secs(5),
        ..short_bounds()
    })
    .await;
    let mut stream = server.connect().await;
    stream.write_all(HEALTH).await.expect("writing");
    assert_eq!(read_answer(&mut stream).await.map(|a| a.status), Some(200));
    // A next request within the idle timeout is served on the same connection.
    sleep(Duration::from_millis(100)).await;
    stream.write_all(HEALTH).await.expect("writing");
    let answer = read_answer(&mut stream).await.expect("a second answer");
    assert_eq!(answer.status, 200);
    assert!(!answer.closes(), "{answer:?}");

    let idle_since = Instant::now();
    let closed = closed_after(&mut stream, idle_since)
        .await
        .expect("the idle connection is closed");
    assert!(closed >= Duration::from_millis(250), "closed after {closed:?}");
    assert!(
        closed < Duration::from_secs(2),
        "closed after {closed:?}, not at the idle timeout"
    );
    assert_eq!(server.counter(|c| &c.idle_closed), 1);
}

#[tokio::test]
async fn a_client_that_does_not_read_its_answer_is_cut_after_the_write_timeout() {
    let server = Server::start(ServeOptions {
        header_read_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..short_bounds()
    })
    .await;
    // GraphiQL's script (about 1 MB) 8 times over, pipelined, into a receive window of a few KiB:
    // more than the server's socket buffer takes on loopback (at most 4 MiB), so a write blocks.
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket.set_recv_buffer_size(4096).expect("a small receive buffer");
    let mut stream = socket.connect(server.address).await.expect("connecting");
    let script = b"GET /graphiql/graphiql.min.js HTTP/1.1\r\nHost: test\r\n\r\n";
    stream.write_all(&script.repeat(8)).await.expect("writing");
    let asked = Instant::now();
    sleep(Duration::from_millis(1000)).await;

    // Reading now takes what the server wrote before it gave up, then the end of the stream.
    let mut received = 0;
    let mut chunk = [0_u8; 64 * 1024];
    let ended = timeout(SOON, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received += n,
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the connection stayed open after {:?} ({received} bytes)",
        asked.elapsed()
    );
    assert!(received < 8_000_000, "every answer arrived ({received} bytes)");
    assert_eq!(server.counter(|c| &c.write_timeouts), 1);
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_is_closed_while_the_others_keep_working() {
    let server = Server::start(ServeOptions {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..short_bounds()
    })
    .await;
    let mut first = server.connect().await;
    let mut second = server.connect().await;
    for stream in [&mut first, &mut second] {
        stream.write_all(HEALTH).await.expect("writing");
        assert_eq!(read_answer(stream).await.map(|a| a.status), Some(200));
    }

    let started = Instant::now();
    let mut third = server.connect().await;
    let _ = third.write_all(HEALTH).await;
    assert!(
        read_answer(&mut third).await.is_none(),
        "the third connection is served"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the third connection was held, not closed"
    );
    assert!(server.counter(|c| &c.refused) >= 1);

    first.write_all(HEALTH).await.expect("writing");
    assert_eq!(read_answer(&mut first).await.map(|a| a.status), Some(200));

    // Closing one frees its slot.
    drop(first);
    let deadline = Instant::now() + SOON;
    loop {
        let mut next = server.connect().await;
        let _ = next.write_all(HEALTH).await;
        if read_answer(&mut next).await.is_some_and(|a| a.status == 200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no slot came free after a connection closed"
        );
        sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn requests_received_before_shutdown_are_answered_and_idle_connections_closed() {
    // hyper's own graceful shutdown closes a kept-alive connection whose next request is partly
    // read (issue 14, point 9); here every request whose first byte arrived gets its answer.
    let mut server = Server::start(ServeOptions {
        header_read_timeout: Duration::from_secs(5),
        body_read_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..short_bounds()
    })
    .await;
    // A request whose head has arrived and whose body is on its way.
    let mut in_body = server.connect().await;
    let (head, body) = typename_post();
    in_body.write_all(&head).await.expect("writing");
    in_body.write_all(&body[..5]).await.expect("writing");
    // A kept-alive connection whose next request has begun to arrive.
    let mut in_head = server.connect().await;
    in_head.write_all(HEALTH).await.expect("writing");
    assert_eq!(read_answer(&mut in_head).await.map(|a| a.status), Some(200));
    in_head.write_all(&HEALTH[..10]).await.expect("writing");
    // A kept-alive connection with nothing more to ask.
    let mut idle = server.connect().await;
    idle.write_all(HEALTH).await.expect("writing");
    assert_eq!(read_answer(&mut idle).await.map(|a| a.status), Some(200));
    // A kept-alive connection whose next request is sent whole just as the server stops.
    let mut just_sent = server.connect().await;
    just_sent.write_all(HEALTH).await.expect("writing");
    assert_eq!(read_answer(&mut just_sent).await.map(|a| a.status), Some(200));
    sleep(Duration::from_millis(100)).await;

    just_sent.write_all(HEALTH).await.expect("writing");
    let stopping = Instant::now();
    server.stop();
    let closed = closed_after(&mut idle, stopping)
        .await
        .expect("the idle connection is closed");
    assert!(closed < Duration::from_secs(1), "closed after {closed:?}");
    assert!(
        TcpStream::connect(server.address).await.is_err(),
        "a new connection is accepted after shutdown"
    );

    // Answered whether the server read it before or after it saw the signal.
    let answer = read_answer(&mut just_sent)
        .await
        .expect("an answer to the request sent as the server stopped");
    assert_eq!(answer.status, 200, "{answer:?}");

    in_body
        .write_all(&body[5..])
        .await
        .expect("writing the rest of the body");
    let answer = read_answer(&mut in_body)
        .await
        .expect("an answer to the request in its body");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.closes(), "{answer:?}");
    in_head
        .write_all(&HEALTH[10..])
        .await
        .expect("writing the rest of the head");
    let answer = read_answer(&mut in_head)
        .await
        .expect("an answer to the request in its head");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.closes(), "{answer:?}");

    let stopped = timeout(SOON, &mut server.stopped).await;
    assert!(matches!(stopped, Ok(Ok(Stopped::Drained))), "{stopped:?}");
}

#[tokio::test]
async fn the_drain_ends_at_the_shutdown_deadline() {
    let mut server = Server::start(ServeOptions {
        header_read_timeout: Duration::from_secs(30),
        shutdown_deadline: Duration::from_millis(300),
        ..short_bounds()
    })
    .await;
    let mut stuck = server.connect().await;
    stuck.write_all(&HEALTH[..10]).await.expect("writing");
    sleep(Duration::from_millis(100)).await;
    let stopping = Instant::now();
    server.stop();
    let stopped = timeout(SOON, &mut server.stopped).await;
    assert!(
        matches!(stopped, Ok(Ok(Stopped::DeadlinePassed { cut: 1 }))),
        "{stopped:?}"
    );
    assert!(stopping.elapsed() >= Duration::from_millis(250));
    assert!(closed_after(&mut stuck, stopping).await.is_some());
    assert_eq!(
        server.counter(|c| &c.open),
        0,
        "a cut connection is still counted open"
    );
}
