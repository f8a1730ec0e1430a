//! The server loop: accepts TCP connections up to a cap, serves HTTP/1.1 on each with hyper, cuts
//! connections that are slow or idle for too long, and drains on shutdown.
//!
//! axum's `serve` has no header-read timeout and no connection cap, so a client that sends a
//! request a byte at a time, or opens connections and says nothing, holds a socket for ever; enough
//! of them exhaust the open-files limit and every later client times out. Here each connection is
//! in one of four phases, and each phase has its own bound:
//!
//! - **head**: from the connection's opening, or from the first byte of its next request, to the
//!   end of the request's headers: [`ServeOptions::header_read_timeout`]. Past it the connection
//!   is closed without an answer (there is no complete request to answer).
//! - **busy**: a request's body is being read, or the request run. The body must arrive within
//!   [`ServeOptions::body_read_timeout`] of the headers; past it the answer is `408` with
//!   `Connection: close` and the connection closes. Running is bounded by the GraphQL request
//!   timeout, not here.
//! - **answering**: the answer is being written. A client that does not read it (a "slow read")
//!   has [`ServeOptions::response_write_timeout`] to take it all; then the connection is closed.
//! - **idle**: a kept-alive connection waiting for the first byte of its next request:
//!   [`ServeOptions::idle_timeout`], then it is closed.
//!
//! hyper's own `header_read_timeout` starts its clock when a connection starts waiting for a
//! request, so it bounds idle time and header time together with one figure; and its graceful
//! shutdown closes a connection whose next request is partly read, dropping a request the server
//! has received. Tracking the phase ourselves gives each bound its own setting and lets shutdown
//! finish every request whose first byte has arrived.
//!
//! Past [`ServeOptions::max_connections`] a new connection is accepted and closed at once, so it
//! neither takes a descriptor for long nor waits in the listen backlog, where the kernel would
//! hold it (and the client's timeout would run) with no one serving it.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use http_body::Frame;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The shortest and longest pause after an accept error such as "Too many open files": long enough
/// that a full descriptor table is not a busy loop, short enough to resume soon after one frees.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// The highest default connection cap, whatever the open-files limit (containers often allow a
/// million): past it memory, not descriptors, is what a flood of connections exhausts.
pub const MAX_DEFAULT_CONNECTIONS: usize = 65_536;

/// After shutdown, how long an idle connection is kept before it is closed, so that a request
/// already in its socket is read (and then answered) rather than dropped: the runtime learns that
/// a socket has data when its I/O driver next runs, which a shutdown signal can precede.
const IDLE_AT_SHUTDOWN: Duration = Duration::from_millis(100);

/// How the server treats connections (see `config.rs` for their flags).
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// From a connection's opening, or its next request's first byte, to the end of the headers.
    pub header_read_timeout: Duration,
    /// From a request's headers to the end of its body.
    pub body_read_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// From an answer's start to its last byte handed to the socket.
    pub response_write_timeout: Duration,
    /// Connections served at once; each holds a descriptor, so the cap keeps the server under its
    /// open-files limit with room for the database and files.
    pub max_connections: usize,
    /// After the shutdown signal, how long requests already received may take to finish.
    pub shutdown_deadline: Duration,
    /// Counted connection events, shown on `/metrics`.
    pub counters: Arc<ConnectionCounters>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            // Above the 60 s idle timeout of common load balancers, so that the balancer, not the
            // server, closes an idle connection and never sends a request on one being closed.
            idle_timeout: Duration::from_secs(65),
            // The largest answer (GraphiQL's script, 1 MB) takes seconds on the slowest link.
            response_write_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_deadline: Duration::from_secs(15),
            counters: Arc::default(),
        }
    }
}

/// What happened to connections, for `/metrics`.
#[derive(Debug, Default)]
pub struct ConnectionCounters {
    /// Connections being served now.
    pub open: AtomicU64,
    /// Connections accepted and closed at once because the cap was reached.
    pub refused: AtomicU64,
    /// Connections closed because a request's headers did not arrive in time.
    pub header_timeouts: AtomicU64,
    /// Requests answered 408 because their body did not arrive in time.
    pub body_timeouts: AtomicU64,
    /// Kept-alive connections closed after waiting too long for a next request.
    pub idle_closed: AtomicU64,
    /// Connections closed because their client did not take an answer in time.
    pub write_timeouts: AtomicU64,
    /// Accept calls that failed for want of a resource (descriptors, memory).
    pub accept_errors: AtomicU64,
}

/// How [`run`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection finished within the deadline.
    Drained,
    /// The deadline passed; this many connections were cut.
    DeadlinePassed { cut: usize },
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets every request
/// already received finish (within [`ServeOptions::shutdown_deadline`]) and closes idle
/// connections. Each request carries its peer's address as `ConnectInfo<SocketAddr>`.
pub async fn run(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Stopped {
    let options = Arc::new(options);
    let counters = options.counters.clone();
    let (stopping, stop_seen) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(options.max_connections));
    let mut connections = JoinSet::new();
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut failing_accepts = 0_u64;
    let mut refusing = 0_u64;
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            // The client gave up before we took its connection: nothing to do.
            Err(err) if is_about_one_connection(&err) => continue,
            Err(err) => {
                counters.accept_errors.fetch_add(1, Ordering::Relaxed);
                if failing_accepts == 0 {
                    tracing::warn!(error = %err, "cannot accept connections; pausing and retrying");
                }
                failing_accepts += 1;
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                continue;
            }
        };
        if failing_accepts > 0 {
            tracing::info!(failed_accepts = failing_accepts, "accepting connections again");
            failing_accepts = 0;
            backoff = ACCEPT_BACKOFF_MIN;
        }
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            if refusing == 0 {
                tracing::warn!(
                    max_connections = options.max_connections,
                    "connection cap reached: closing new connections until one ends"
                );
            }
            refusing += 1;
            drop(stream);
            continue;
        };
        if refusing > 0 {
            tracing::info!(refused = refusing, "below the connection cap again");
            refusing = 0;
        }
        // Requests and answers are small: send each as soon as it is written.
        let _ = stream.set_nodelay(true);
        let connection = serve_connection(stream, peer, app.clone(), options.clone(), stop_seen.clone());
        connections.spawn(async move {
            connection.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(options.shutdown_deadline, drain)
        .await
        .is_ok()
    {
        Stopped::Drained
    } else {
        let cut = connections.len();
        connections.shutdown().await;
        Stopped::DeadlinePassed { cut }
    }
}

/// Listens on `address` with a backlog of 4,096 (the kernel caps it at `net.core.somaxconn`):
/// when a sweep of timed-out connections reconnects at once, tokio's default of 1,024 overflowed,
/// and each dropped handshake cost a normal client a one-second retransmit.
pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does: a restarted server can listen while old connections linger.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// See [`bind`].
const LISTEN_BACKLOG: u32 = 4096;

/// Whether an accept error concerns only the connection being accepted (the client reset it
/// first), rather than the server (out of descriptors or memory), which calls for a pause.
fn is_about_one_connection(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
    )
}

/// Serves one connection until it ends, a phase runs out of time, or shutdown closes it.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    options: Arc<ServeOptions>,
    stopping: watch::Receiver<bool>,
) {
    let counters = options.counters.clone();
    let _open = OpenConnection::count(counters.clone());
    let phase = Arc::new(PhaseClock::new());
    let io = TokioIo::new(WatchedIo {
        stream,
        phase: phase.clone(),
    });
    let service = {
        let phase = phase.clone();
        let options = options.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            answer(request, peer, app.clone(), phase.clone(), options.clone())
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        // The phases below bound header reading; hyper's own timer would need a timer set.
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        // The watchdog first: a connection out of time is cut even when it has bytes to handle.
        biased;
        cut = watch_phases(&phase, &options, stopping) => {
            match cut {
                Phase::Head => counters.header_timeouts.fetch_add(1, Ordering::Relaxed),
                Phase::Idle => counters.idle_closed.fetch_add(1, Ordering::Relaxed),
                Phase::Answering => counters.write_timeouts.fetch_add(1, Ordering::Relaxed),
                Phase::Busy => 0,
            };
            tracing::debug!(peer = %peer, phase = ?cut, "connection closed: out of time");
        }
        served = &mut connection => {
            if let Err(err) = served {
                tracing::debug!(peer = %peer, error = %err, "connection ended with an error");
            }
        }
    }
}

/// Counts a connection as open for as long as it lives, even when the drain's deadline aborts it.
struct OpenConnection(Arc<ConnectionCounters>);

impl OpenConnection {
    fn count(counters: Arc<ConnectionCounters>) -> Self {
        counters.open.fetch_add(1, Ordering::Relaxed);
        OpenConnection(counters)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Answers one request: the app's answer, or 408 when the body did not arrive in time; with
/// `Connection: close` once the server is stopping.
async fn answer(
    request: Request<Incoming>,
    peer: SocketAddr,
    app: Router,
    phase: Arc<PhaseClock>,
    options: Arc<ServeOptions>,
) -> Result<Response<PhaseBody>, Infallible> {
    phase.answer_ended.store(false, Ordering::Relaxed);
    phase.set(Phase::Busy);
    let expired = Arc::new(AtomicBool::new(false));
    let mut request = request.map(|body| {
        Body::new(DeadlineBody {
            body,
            deadline: Box::pin(tokio::time::sleep(options.body_read_timeout)),
            expired: expired.clone(),
        })
    });
    request.extensions_mut().insert(ConnectInfo(peer));
    let mut response = match app.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if expired.load(Ordering::Relaxed) {
        options.counters.body_timeouts.fetch_add(1, Ordering::Relaxed);
        response = body_timeout(options.body_read_timeout);
    }
    if expired.load(Ordering::Relaxed) || phase.stopping() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    phase.set(Phase::Answering);
    Ok(response.map(|body| PhaseBody {
        body,
        phase: Some(phase),
    }))
}

/// The answer to a request whose body did not arrive within `timeout` of its headers.
fn body_timeout(timeout: Duration) -> Response<Body> {
    let body = serde_json::json!({
        "errors": [{
            "message": format!(
                "The request body did not arrive within {} ms of its headers.",
                timeout.as_millis()
            ),
            "extensions": { "code": "BODY_TIMEOUT" },
        }]
    });
    (
        StatusCode::REQUEST_TIMEOUT,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Where a connection is, and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Reading a request's headers (or waiting for a new connection's first request).
    Head,
    /// Reading a request's body or running it.
    Busy,
    /// Writing the answer.
    Answering,
    /// Answered; waiting for the next request's first byte.
    Idle,
}

/// A connection's phase and when it began, shared by its socket, its requests and its watchdog.
struct PhaseClock {
    current: Mutex<(Phase, Instant)>,
    stopping: AtomicBool,
    /// The answer's body has ended; the answer is written once hyper has flushed what it queued.
    answer_ended: AtomicBool,
}

impl PhaseClock {
    fn new() -> Self {
        PhaseClock {
            current: Mutex::new((Phase::Head, Instant::now())),
            stopping: AtomicBool::new(false),
            answer_ended: AtomicBool::new(false),
        }
    }

    fn get(&self) -> (Phase, Instant) {
        self.current
            .lock()
            .map(|current| *current)
            .unwrap_or((Phase::Busy, Instant::now()))
    }

    fn set(&self, phase: Phase) {
        self.set_if(|_| true, phase);
    }

    /// Moves to `phase` when the current one passes `test`. The watchdog is not woken: it looks
    /// again often enough to see any new phase before that phase's bound (see [`watch_phases`]).
    fn set_if(&self, test: impl Fn(Phase) -> bool, phase: Phase) {
        let Ok(mut current) = self.current.lock() else {
            return;
        };
        if test(current.0) && current.0 != phase {
            *current = (phase, Instant::now());
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }
}

/// Waits until the connection's phase outlives its bound, and returns that phase. On shutdown it
/// marks the connection as stopping: an idle one is closed [`IDLE_AT_SHUTDOWN`] later unless a
/// request begins meanwhile, and every answer from then on carries `Connection: close`.
///
/// Phase changes do not wake it (three a request, each a wake-up of the connection's task): it
/// looks again within the shortest bound any phase has. A phase that began after its last look
/// cannot run out before the next one, since its bound runs from its beginning.
async fn watch_phases(
    phase: &PhaseClock,
    options: &ServeOptions,
    mut stopping: watch::Receiver<bool>,
) -> Phase {
    let mut stop_seen: Option<Instant> = None;
    let shortest = options
        .header_read_timeout
        .min(options.idle_timeout)
        .min(options.response_write_timeout);
    loop {
        if stop_seen.is_none() && *stopping.borrow_and_update() {
            stop_seen = Some(Instant::now());
            phase.stopping.store(true, Ordering::Relaxed);
        }
        let (current, since) = phase.get();
        let deadline = match current {
            Phase::Head => Some(since + options.header_read_timeout),
            Phase::Idle => match stop_seen {
                Some(stop) => Some(since.max(stop) + IDLE_AT_SHUTDOWN),
                None => Some(since + options.idle_timeout),
            },
            Phase::Answering => Some(since + options.response_write_timeout),
            Phase::Busy => None,
        };
        let now = Instant::now();
        if deadline.is_some_and(|deadline| deadline <= now) {
            return current;
        }
        let look_again = now
            + match stop_seen {
                Some(_) => shortest.min(IDLE_AT_SHUTDOWN),
                None => shortest,
            };
        let wake = deadline.map_or(look_again, |deadline| deadline.min(look_again));
        tokio::select! {
            () = tokio::time::sleep_until(wake) => {}
            changed = stopping.changed(), if stop_seen.is_none() => {
                if changed.is_err() {
                    // The server is gone: nothing will tell this connection to stop, so stop now.
                    stop_seen = Some(Instant::now());
                    phase.stopping.store(true, Ordering::Relaxed);
                }
            }
        }
    }
}

/// The socket, telling the phase clock when a request's first byte arrives and when an answer has
/// been written out.
struct WatchedIo {
    stream: TcpStream,
    phase: Arc<PhaseClock>,
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.phase.set_if(|phase| phase == Phase::Idle, Phase::Head);
        }
        polled
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    /// hyper flushes the socket once it has written everything it queued: after an answer's body
    /// has ended, that is when the answer is out and the connection idle.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.stream).poll_flush(cx);
        if matches!(flushed, Poll::Ready(Ok(()))) && self.phase.answer_ended.swap(false, Ordering::Relaxed) {
            self.phase.set_if(|phase| phase == Phase::Answering, Phase::Idle);
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A request body that fails once its deadline has passed with nothing to read, and says so in
/// `expired`. (tower-http's `DeadlineBody` fails alike but tells the layer nothing, and the 408
/// needs to know.)
struct DeadlineBody {
    body: Incoming,
    deadline: Pin<Box<Sleep>>,
    expired: Arc<AtomicBool>,
}

/// The error a request body gives past its deadline.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimedOut;

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        // What has arrived is read even past the deadline: only waiting is bounded.
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|frame| frame.map_err(Into::into))),
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.expired.store(true, Ordering::Relaxed);
                    Poll::Ready(Some(Err(BodyTimedOut.into())))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A response body that says when it has ended (or is dropped), after which the connection turns
/// idle once hyper has written it out (see [`WatchedIo`]'s `poll_flush`).
struct PhaseBody {
    body: Body,
    phase: Option<Arc<PhaseClock>>,
}

impl PhaseBody {
    fn finished(&mut self) {
        if let Some(phase) = self.phase.take() {
            phase.answer_ended.store(true, Ordering::Relaxed);
        }
    }
}

impl Drop for PhaseBody {
    fn drop(&mut self) {
        self.finished();
    }
}

impl http_body::Body for PhaseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.finished();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The process's open-files limit, as found and as raised at start.
#[derive(Clone, Copy, Debug)]
pub struct OpenFiles {
    /// The soft limit the process started with.
    pub soft_before: u64,
    /// The soft limit now.
    pub soft: u64,
    /// The hard limit, which only a privileged process can raise.
    pub hard: u64,
}

impl OpenFiles {
    /// Raises the soft limit on open files to the hard limit: each connection holds a descriptor,
    /// and the usual soft limit (1,024) is far below what a server needs.
    pub fn raise() -> io::Result<OpenFiles> {
        let (soft_before, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
        let soft = rlimit::increase_nofile_limit(hard)?;
        Ok(OpenFiles {
            soft_before,
            soft,
            hard,
        })
    }

    /// How many connections fit under this limit: the limit less a reserve (a tenth, at least 256)
    /// for the database's connections, the SQLite files, the log and the listener.
    pub fn room_for_connections(&self) -> usize {
        let reserve = (self.soft / 10).max(256);
        usize::try_from(self.soft.saturating_sub(reserve)).unwrap_or(usize::MAX)
    }

    /// The default connection cap: [`OpenFiles::room_for_connections`], at most
    /// [`MAX_DEFAULT_CONNECTIONS`].
    pub fn connection_cap(&self) -> usize {
        self.room_for_connections().clamp(1, MAX_DEFAULT_CONNECTIONS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(soft: u64) -> OpenFiles {
        OpenFiles {
            soft_before: 1024,
            soft,
            hard: soft,
        }
    }

    #[test]
    fn the_default_cap_keeps_a_tenth_of_the_open_files_limit_and_at_least_256() {
        assert_eq!(limit(20_000).connection_cap(), 18_000);
        assert_eq!(limit(1024).connection_cap(), 768);
        assert_eq!(limit(100).connection_cap(), 1);
        assert_eq!(limit(1_048_576).connection_cap(), MAX_DEFAULT_CONNECTIONS);
        assert_eq!(limit(1_048_576).room_for_connections(), 943_719);
    }
}
